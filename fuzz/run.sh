#!/usr/bin/env bash
# Runs a fuzz target for SECS seconds (default 600) on stable Rust via RUSTC_BOOTSTRAP.
# Targets: `check` (config files, the default) and `pasted` (keys, catalog exports, check-pack
# results). Usage: fuzz/run.sh [SECS] [TARGET]   (or `cargo xtask fuzz [SECS] [TARGET]`)
set -euo pipefail

SECS="${1:-600}"
TARGET="${2:-check}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# cargo-fuzz is a dev tool, not a test dependency: install it on first use.
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked

mkdir -p "fuzz/corpus/$TARGET"
cp "fuzz/seeds/$TARGET"/* "fuzz/corpus/$TARGET/"

RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir fuzz "$TARGET" "fuzz/corpus/$TARGET" -- \
    -max_total_time="$SECS" -max_len=65536 -rss_limit_mb=2048 -timeout=10
