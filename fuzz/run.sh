#!/usr/bin/env bash
# Runs a fuzz target for SECS seconds (default 600) with libFuzzer, on the machine's stable toolchain
# (RUSTC_BOOTSTRAP for the sanitizer flags). Targets: `check` (config files, the default), `pasted`
# (keys, catalog exports, check-pack results) and `yaml_diff` (the YAML reader against the one it
# replaced). Usage: fuzz/run.sh [SECS] [TARGET]   (or `cargo xtask fuzz [SECS] [TARGET]`)
#
# It builds what `cargo fuzz run` builds (SanitizerCoverage, AddressSanitizer, `--cfg fuzzing`)
# with cargo alone, so nothing needs installing. The corpus grows in fuzz/corpus/TARGET (seeded
# from fuzz/seeds/TARGET), crashes land in fuzz/artifacts/TARGET, and fuzz/TARGET.dict is used as
# a dictionary when it exists.
set -euo pipefail

SECS="${1:-600}"
TARGET="${2:-check}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT/fuzz"

HOST="$(rustc -vV | sed -n 's/^host: //p')"
export RUSTC_BOOTSTRAP=1
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Zsanitizer=address \
-Cdebug-assertions -Coverflow-checks"
# An explicit target keeps the sanitizer flags off build scripts and proc macros.
cargo build --release --target "$HOST" --bin "$TARGET"

mkdir -p "corpus/$TARGET" "artifacts/$TARGET"
cp "seeds/$TARGET"/* "corpus/$TARGET/"
DICT=()
if [ -f "$TARGET.dict" ]; then
    DICT=("-dict=$TARGET.dict")
fi

"target/$HOST/release/$TARGET" "corpus/$TARGET" "${DICT[@]}" \
    -artifact_prefix="artifacts/$TARGET/" -max_total_time="$SECS" -max_len=65536 \
    -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
