#!/usr/bin/env bash
# Seed every fuzz target's corpus with the repository's specs: each example and
# each fixture (parse, check, eval, imports). Run from anywhere; safe to re-run
# (files are named by content, so a seed is never duplicated).
set -euo pipefail
fuzz="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$fuzz/../.." && pwd)"
targets=(parse check fmt lower)
for t in "${targets[@]}"; do
  mkdir -p "$fuzz/corpus/$t"
done
count=0
while IFS= read -r -d '' spec; do
  name="seed-$(sha1sum "$spec" | cut -c1-16)"
  for t in "${targets[@]}"; do
    cp "$spec" "$fuzz/corpus/$t/$name"
  done
  count=$((count + 1))
done < <(find "$root/examples" "$root/tests/fixtures" -name '*.kpi' -print0 | sort -z)
echo "seeded ${#targets[@]} corpora with $count specs from examples/ and tests/fixtures/"
