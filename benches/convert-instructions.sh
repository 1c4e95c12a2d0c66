#!/usr/bin/env bash
# Instructions (valgrind callgrind) that each converter of benches/convert.rs spends on each of its
# inputs at n and at 4n bytes, and their ratio: 4 is linear, 16 quadratic. Unlike times, the counts
# do not move when the machine is busy. Only the conversion is counted (`convert_once`), not the
# start-up or the building of the input.
# Usage: benches/convert-instructions.sh [N]      (default: 16384 bytes; a few minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-16384}
cargo bench --bench convert --no-run --quiet 2>/dev/null
bin=$(ls -t target/release/deps/convert-* | grep -v '\.d$' | head -1)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# Instructions of one conversion: converter $1, input $2, $3 bytes.
count() {
  CONVERT_ONE="$1 $2 $3" valgrind --tool=callgrind --toggle-collect='*convert_once*' \
    --callgrind-out-file="$dir/cg.out" "$bin" >/dev/null 2>&1
  awk '/^summary:/ {print $2}' "$dir/cg.out"
}

echo "Instructions per conversion (callgrind), inputs of $n and $((4 * n)) bytes"
echo "| converter | input | instructions at n | at 4n | 4n / n |"
echo "|---|---|---|---|---|"
CONVERT_ONE=list "$bin" | while IFS=$'\t' read -r c i converter input; do
  one=$(count "$c" "$i" "$n")
  four=$(count "$c" "$i" $((4 * n)))
  ratio=$(awk -v a="$one" -v b="$four" 'BEGIN { printf "%.2f", (a > 0 ? b / a : 0) }')
  echo "| $converter | $input | $one | $four | $ratio |"
done
