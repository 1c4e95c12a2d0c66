#!/usr/bin/env bash
# Time-boxed libFuzzer runs of every target in fuzz/ (stable toolchain, no sanitizer), with inputs
# up to 1 MiB (issue text is megabytes long at worst, not libFuzzer's default 4 KB) and, for the
# markup converters, a dictionary of the markup's special tokens (fuzz/dicts/).
#   scripts/fuzz.sh [SECONDS] [TARGET...]     default 60 s per target, all targets
# Prints one line per target: executions, exec/s, corpus size and whether it found a crash.
# Crashes land in fuzz/artifacts/TARGET/; turn each one into a regression test in tests/it/fuzz.rs.
set -euo pipefail
secs=${1:-60}
shift || true
cd "$(dirname "$0")/../fuzz"
command -v cargo-fuzz >/dev/null || { echo "needs cargo-fuzz: cargo install cargo-fuzz" >&2; exit 2; }
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo +stable fuzz list)
cargo +stable fuzz build -s none >/dev/null
mkdir -p logs
status=0
printf '%-14s %12s %10s %8s  %s\n' target executions exec/s corpus result
for t in "${targets[@]}"; do
    log=logs/$t.log
    dict=()
    case $t in
        markdown_*) dict=(-dict=dicts/markdown.dict) ;;
        wiki_*) dict=(-dict=dicts/wiki.dict) ;;
    esac
    if cargo +stable fuzz run -s none "$t" -- -max_total_time="$secs" -max_len=1048576 \
        -timeout=10 -rss_limit_mb=2048 "${dict[@]}" -print_final_stats=1 >"$log" 2>&1; then
        result=ok
    else
        result="CRASH (see $log, fuzz/artifacts/$t/)"
        status=1
    fi
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    corpus=$(ls "corpus/$t" 2>/dev/null | wc -l)
    printf '%-14s %12s %10s %8s  %s\n' "$t" "$runs" "$rate" "$corpus" "$result"
done
exit $status
