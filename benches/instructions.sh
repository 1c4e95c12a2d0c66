#!/usr/bin/env bash
# Instructions per round trip (valgrind callgrind): `daemon/status`, and a cached `issues/get`
# against the fake Jira, next to the tokio echo of benches/roundtrip.rs. Unlike latencies, the
# counts do not move when the machine is busy. JIRAD_BIN compares another build (A/B).
# Usage: benches/instructions.sh [N]      (default: 5000 round trips each)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-5000}
cargo build --release --quiet --bin jirad
cargo build --release --quiet -p fake-jira --bin fake-jira
cargo bench --bench roundtrip --no-run --quiet 2>/dev/null
jirad=${JIRAD_BIN:-target/release/jirad}
echo_bin=$(ls -t target/release/deps/roundtrip-* | grep -v '\.d$' | head -1)
dir=$(mktemp -d)
fake_pid=
trap '[ -n "$fake_pid" ] && kill "$fake_pid"; rm -rf "$dir"' EXIT

# Runs "$@" under callgrind while a client sends request $3 $4 times on socket $2 (after a
# readiness probe connection when $1 is "probe"); prints the total instruction count.
count() {
  local probe=$1 sock=$2 request=$3 calls=$4; shift 4
  rm -f "$sock" "$dir/cg.out"
  valgrind --tool=callgrind --callgrind-out-file="$dir/cg.out" "$@" >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 200); do [ -S "$sock" ] && break; sleep 0.1; done
  python3 - "$sock" "$request" "$calls" "$probe" <<'PY'
import socket, sys
path, request, n = sys.argv[1], sys.argv[2].encode() + b"\n", int(sys.argv[3])
if sys.argv[4] == "probe":
    socket.socket(socket.AF_UNIX).connect(path)
s = socket.socket(socket.AF_UNIX); s.connect(path); f = s.makefile("rb")
for _ in range(n):
    s.sendall(request); f.readline()
s.sendall(b'{"jsonrpc":"2.0","id":2,"method":"daemon/stop"}\n')
s.close()
PY
  wait "$pid" || true
  awk '/^summary:/ {print $2}' "$dir/cg.out"
}

# Instructions per call: a run of $n calls minus a run of one (start-up, first fetch, stop).
# (Each runs in a command substitution's subshell, so the exports stay there.)
per_call() {
  local what=$1 request=$2
  local many one
  many=$("$what" "$request" "$n")
  one=$("$what" "$request" 1)
  echo $(((many - one) / (n - 1)))
}
daemon() {
  export XDG_CONFIG_HOME="$dir" RUST_LOG=warn
  count - "$dir/j.sock" "$1" "$2" "$jirad" serve --config "$dir/config.toml" --socket "$dir/j.sock"
}
tokio_echo() {
  # A reply line as long as daemon/status's.
  export BENCH_ECHO_SOCKET="$dir/e.sock" BENCH_ECHO_TOKIO=1
  BENCH_ECHO_REPLY="$(printf 'x%.0s' $(seq 129))"$'\n'
  export BENCH_ECHO_REPLY
  count probe "$dir/e.sock" "$1" "$2" "$echo_bin"
}

target/release/fake-jira >"$dir/fake.json" 2>/dev/null &
fake_pid=$!
for _ in $(seq 100); do [ -s "$dir/fake.json" ] && break; sleep 0.1; done
python3 - "$dir/fake.json" >"$dir/config.toml" <<'PY'
import json, sys
i = json.load(open(sys.argv[1]))
print(f'''default_profile = "cloud"
[profiles.cloud]
auth = "api_token"
base_url = "{i['siteUrl']}"
email = "{i['apiToken']['email']}"
token = "{i['apiToken']['token']}"
[cache]
issue_ttl = 86400''')
PY
chmod 600 "$dir/config.toml"

status='{"jsonrpc":"2.0","id":1,"method":"daemon/status"}'
get='{"jsonrpc":"2.0","id":1,"method":"issues/get","params":{"key":"DEMO-1"}}'
echo "instructions per round trip ($n round trips, callgrind):"
echo "  daemon/status           $(per_call daemon "$status")"
echo "  issues/get (cached)     $(per_call daemon "$get")"
echo "  tokio echo              $(per_call tokio_echo "$status")"
