#!/usr/bin/env bash
# Instructions per round trip (valgrind callgrind), the daemon against the tokio echo of
# benches/roundtrip.rs: unlike latencies, the counts do not move when the machine is busy.
# Usage: bench/instructions.sh [METHOD] [N]      (default: daemon/status 5000)
set -euo pipefail
cd "$(dirname "$0")/.."
method=${1:-daemon/status}
n=${2:-5000}
cargo build --release --quiet
cargo bench --bench roundtrip --no-run --quiet 2>/dev/null
echo_bin=$(ls -t target/release/deps/roundtrip-* | grep -v '\.d$' | head -1)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# Runs "$@" under callgrind while a client makes $3 round trips on socket $2, after a readiness
# probe connection when $1 is "probe"; prints the total.
count() {
  local probe=$1 sock=$2 calls=$3; shift 3
  rm -f "$sock" "$dir/cg.out"
  valgrind --tool=callgrind --callgrind-out-file="$dir/cg.out" "$@" >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 200); do [ -S "$sock" ] && break; sleep 0.1; done
  python3 - "$sock" "$method" "$calls" "$probe" <<'PY'
import socket, sys
path, method, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
if sys.argv[4] == "probe":
    socket.socket(socket.AF_UNIX).connect(path)
req = b'{"jsonrpc":"2.0","id":1,"method":"%s"}\n' % method.encode()
s = socket.socket(socket.AF_UNIX); s.connect(path); f = s.makefile("rb")
for _ in range(n):
    s.sendall(req); f.readline()
s.sendall(b'{"jsonrpc":"2.0","id":2,"method":"daemon/stop"}\n')
s.close()
PY
  wait "$pid" || true
  awk '/^summary:/ {print $2}' "$dir/cg.out"
}

# (Each runs in a command substitution's subshell, so the exports stay there.)
daemon() {
  export XDG_CONFIG_HOME="$dir" RUST_LOG=warn
  count - "$dir/j.sock" "$1" target/release/jirad serve --socket "$dir/j.sock"
}
# The echo serves one readiness probe, then one client.
tokio_echo() {
  export ROUNDTRIP_ECHO_SOCKET="$dir/e.sock" ECHO_TOKIO=1 ECHO_REPLY_LEN=130
  count probe "$dir/e.sock" "$1" "$echo_bin"
}

d=$(( $(daemon "$n") - $(daemon 0) ))
e=$(( $(tokio_echo "$n") - $(tokio_echo 0) ))
echo "$method: daemon $((d / n)) instructions per round trip, tokio echo $((e / n)) ($n round trips)"
