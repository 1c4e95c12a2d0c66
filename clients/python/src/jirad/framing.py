"""Wire framing: LSP ``Content-Length`` frames and newline-delimited JSON.

The daemon detects the framing from the first byte of a connection, so a client may
send either; we send LSP frames (safe for any payload) and accept both on the way in.
"""
from __future__ import annotations

import json
from typing import Any, List

LSP = "lsp"
NDJSON = "ndjson"

_HEADER_END = b"\r\n\r\n"
_MAX_HEADER = 8192


class FramingError(ValueError):
    """The peer sent bytes that are neither an LSP frame nor a JSON line."""


def encode(message: Any, framing: str = LSP) -> bytes:
    """Serialize one JSON-RPC message (or batch) as a frame."""
    body = json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if framing == NDJSON:
        # json.dumps never emits a raw newline, so one message is one line.
        return body + b"\n"
    if framing != LSP:
        raise ValueError(f"unknown framing {framing!r}")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class Decoder:
    """Incremental decoder: ``feed`` bytes as they arrive, get whole messages back.

    Each message is classified on its own first byte, so a stream may mix both styles.
    """

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> List[Any]:
        self._buf += data
        out: List[Any] = []
        while True:
            msg = self._next()
            if msg is _INCOMPLETE:
                return out
            out.append(msg)

    def _next(self) -> Any:
        buf = self._buf
        # Blank lines between NDJSON messages (or after an LSP body) carry nothing.
        start = 0
        while start < len(buf) and buf[start] in b" \t\r\n":
            start += 1
        if start:
            del buf[:start]
        if not buf:
            return _INCOMPLETE
        if buf[0] in b"{[":
            end = buf.find(b"\n")
            if end < 0:
                return _INCOMPLETE
            line = bytes(buf[:end])
            del buf[: end + 1]
            return _parse(line)
        end = buf.find(_HEADER_END)
        if end < 0:
            if len(buf) > _MAX_HEADER:
                raise FramingError("frame header too long")
            return _INCOMPLETE
        length = _content_length(bytes(buf[:end]))
        body_start = end + len(_HEADER_END)
        if len(buf) < body_start + length:
            return _INCOMPLETE
        body = bytes(buf[body_start : body_start + length])
        del buf[: body_start + length]
        return _parse(body)


_INCOMPLETE = object()


def _content_length(header: bytes) -> int:
    length = None
    for line in header.split(b"\r\n"):
        name, sep, value = line.partition(b":")
        if not sep:
            raise FramingError(f"malformed header line {line[:80]!r}")
        if name.strip().lower() == b"content-length":
            try:
                length = int(value.strip())
            except ValueError:
                raise FramingError(f"non-numeric Content-Length {value.strip()[:40]!r}") from None
            if length < 0:
                raise FramingError("negative Content-Length")
    if length is None:
        raise FramingError("frame without Content-Length")
    return length


def _parse(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise FramingError(f"invalid JSON in frame: {e}") from None
