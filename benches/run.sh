#!/usr/bin/env bash
# jirad against mcp-atlassian, side by side in one run (issue 8).
#   benches/run.sh [--latency-ms 30] [--issues 10000] [--quick] [--only atlassian,mcp,dc,cloud]
#   benches/run.sh --context     # bytes and tokens an agent pays (benches/context.py) instead
# Builds the release binaries and the cached virtualenv (in parallel), then runs benches/bench.py.
# Results: target/bench/results.{md,json,png}; server logs: target/bench/logs/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=target/bench
venv=$out/venv
mkdir -p "$out/logs"

# The virtualenv is rebuilt only when requirements.txt changes.
setup_venv() {
  local stamp=$venv/.requirements
  if [ -f "$stamp" ] && cmp -s benches/requirements.txt "$stamp"; then return 0; fi
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r benches/requirements.txt
  cp benches/requirements.txt "$stamp"
}

echo "[bench] building release binaries and the virtualenv ($venv)" >&2
setup_venv > "$out/logs/venv.log" 2>&1 &
venv_pid=$!
cargo build --release --quiet -p jirad -p fake-jira
if ! wait "$venv_pid"; then
  echo "[bench] virtualenv setup failed:" >&2
  tail -20 "$out/logs/venv.log" >&2
  exit 1
fi

echo "[bench] build and virtualenv ready in ${SECONDS} s" >&2
if [ "${1:-}" = --context ]; then
  shift
  exec "$venv/bin/python" benches/context.py --bin-dir target/release --out "$out" "$@"
fi
exec "$venv/bin/python" benches/bench.py --bin-dir target/release --out "$out" "$@"
