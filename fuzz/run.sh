#!/usr/bin/env bash
# Runs the `check` fuzz target for SECS seconds (default 600) on stable Rust via RUSTC_BOOTSTRAP.
# Usage: fuzz/run.sh [SECS]   (or `cargo xtask fuzz [SECS]`)
set -euo pipefail

SECS="${1:-600}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# cargo-fuzz is a dev tool, not a test dependency: install it on first use.
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked

mkdir -p fuzz/corpus/check
cp fuzz/seeds/check/* fuzz/corpus/check/

RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir fuzz check fuzz/corpus/check -- \
    -max_total_time="$SECS" -max_len=65536 -rss_limit_mb=2048 -timeout=10
