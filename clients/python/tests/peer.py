"""A scripted JSON-RPC peer on a socketpair: the daemon's side of the wire, for unit tests."""
from __future__ import annotations

import json
import socket
import threading
from typing import Any, Callable, List, Optional

from jirad import framing


class Peer:
    """Answers each incoming message with ``respond(message)`` (a list of messages to send)."""

    def __init__(self, respond: Callable[[Any], List[Any]], wire: str = framing.LSP) -> None:
        self.client_sock, self._sock = socket.socketpair()
        self.received: List[Any] = []
        self._respond = respond
        self._wire = wire
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def send(self, message: Any) -> None:
        with self._lock:
            self._sock.sendall(framing.encode(message, self._wire))

    def send_raw(self, data: bytes) -> None:
        self._sock.sendall(data)

    def close(self) -> None:
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()

    def wait_for(self, pred: Callable[[Any], bool], timeout: float = 5) -> Any:
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for m in list(self.received):
                if pred(m):
                    return m
            time.sleep(0.01)
        raise AssertionError(f"peer never received a matching message; got {self.received}")

    def _run(self) -> None:
        decoder = framing.Decoder()
        while True:
            try:
                data = self._sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            for m in decoder.feed(data):
                self.received.append(m)
                for out in self._respond(m):
                    self.send(out)


def ok(m: Any, result: Any) -> List[Any]:
    return [{"jsonrpc": "2.0", "id": m["id"], "result": result}]


def err(m: Any, code: int, message: str, data: Optional[dict] = None) -> List[Any]:
    e: dict = {"code": code, "message": message}
    if data is not None:
        e["data"] = data
    return [{"jsonrpc": "2.0", "id": m["id"], "error": e}]


def dumps(m: Any) -> str:
    return json.dumps(m)
