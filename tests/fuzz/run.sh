#!/usr/bin/env bash
# Run fuzz targets one after the other with the project's limits.
#   tests/fuzz/run.sh [SECONDS] [TARGET...]     (default: 600 s each, all four)
# Inputs up to 8 KiB (the largest example is 5 KiB); a run slower than 10 s is a
# hang and over 2 GiB a memory blow-up, both reported as crashes. Findings go to
# tests/fuzz/artifacts/TARGET/, the growing corpus to tests/fuzz/corpus/TARGET/.
set -euo pipefail
fuzz="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$fuzz/../.." && pwd)"
seconds="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(parse check fmt lower)
# cargo-fuzz needs nightly flags (-Zsanitizer); the stable toolchain accepts them this way.
export RUSTC_BOOTSTRAP=1
target_dir="${KPIC_FUZZ_TARGET_DIR:-$HOME/.cache/kpic/target-cargo-fuzz}"
[ -d "$fuzz/corpus" ] || "$fuzz/seed.sh"
cd "$root"
for t in "${targets[@]}"; do
  echo "=== $t: ${seconds}s"
  nice -n 10 cargo fuzz run "$t" --fuzz-dir tests/fuzz --target-dir "$target_dir" -- \
    -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
    -dict="$fuzz/kpi.dict" -print_final_stats=1
done
