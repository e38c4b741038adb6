#!/usr/bin/env bash
# End-to-end `kpic check` timings and peak memory with the release binary:
# the generated 5,000-KPI spec and a small example spec. Needs hyperfine
# (Debian package) for timings; peak memory comes from GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/kpic/target}"
cargo build --release --locked -q
cargo bench --bench check -q 2>/dev/null | tail -n 3
KPIC="$CARGO_TARGET_DIR/release/kpic"
BIG=target/bench-5000.kpi
[ -f "$BIG" ] || BIG="$CARGO_TARGET_DIR/../../target/bench-5000.kpi"
for spec in "$BIG" examples/subscribers.kpi; do
  echo "== kpic check $spec"
  if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 3 --runs 20 "$KPIC check $spec" 2>/dev/null | grep -E "Time|Range"
  fi
  /usr/bin/time -f "peak RSS %M KiB, wall %e s" "$KPIC" check "$spec" 2>&1 | tail -n 1
done
