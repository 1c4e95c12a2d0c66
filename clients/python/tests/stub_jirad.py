#!/usr/bin/env python3
"""A stand-in ``jirad`` for unit tests of spawning: ``serve --socket P`` or ``serve --stdio``.

Echoes each request's method and params back as its result; ``--config FAIL`` exits 1 at once (3 would mean "another jirad serves the socket").
"""
import os
import socket
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
from jirad import framing  # noqa: E402


def serve(recv, send):
    decoder = framing.Decoder()
    while True:
        data = recv()
        if not data:
            return
        for m in decoder.feed(data):
            if "id" in m:
                send(framing.encode({"jsonrpc": "2.0", "id": m["id"], "result": {
                    "method": m["method"], "params": m.get("params"), "pid": os.getpid()}}))


def main(argv):
    if "--config" in argv and argv[argv.index("--config") + 1] == "FAIL":
        sys.stderr.write("config error: unknown key `nope`\n")
        return 1
    if "--stdio" in argv:
        out = sys.stdout.buffer

        def send(b):
            out.write(b)
            out.flush()

        serve(lambda: os.read(0, 65536), send)
        return 0
    path = argv[argv.index("--socket") + 1]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(path)
    listener.listen()
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(lambda c=conn: c.recv(65536), conn.sendall),
                         daemon=True).start()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
