"""Framing: what we put on the wire and how we read both framings back."""
import json

import pytest

from jirad import framing


def test_lsp_frame_counts_bytes_not_characters():
    data = framing.encode({"summary": "héllo ✓"})
    header, body = data.split(b"\r\n\r\n", 1)
    assert header == b"Content-Length: %d" % len(body)
    assert json.loads(body) == {"summary": "héllo ✓"}


def test_ndjson_is_one_line_even_with_newlines_in_strings():
    data = framing.encode({"description": "a\nb"}, framing.NDJSON)
    assert data.endswith(b"\n") and data.count(b"\n") == 1
    assert framing.Decoder().feed(data) == [{"description": "a\nb"}]


def test_decoder_reassembles_frames_split_at_every_byte():
    stream = framing.encode({"id": 1}) + framing.encode({"id": 2, "s": "ü"})
    d = framing.Decoder()
    out = []
    for i in range(len(stream)):
        out += d.feed(stream[i : i + 1])
    assert out == [{"id": 1}, {"id": 2, "s": "ü"}]


def test_decoder_accepts_mixed_framings_and_batches():
    stream = (b'{"id":1}\n' + framing.encode([{"id": 2}, {"id": 3}])
              + b'\r\n[{"id":4}]\n')
    assert framing.Decoder().feed(stream) == [{"id": 1}, [{"id": 2}, {"id": 3}], [{"id": 4}]]


def test_header_names_are_case_insensitive_and_extra_headers_ignored():
    body = b'{"ok":true}'
    frame = (b"content-length: %d\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n"
             % len(body) + body)
    assert framing.Decoder().feed(frame) == [{"ok": True}]


@pytest.mark.parametrize("bad", [
    b"Content-Type: x\r\n\r\n{}",
    b"Content-Length: ten\r\n\r\n{}",
    b"Content-Length: 2\r\n\r\n{x",
    b"garbage line\r\n\r\n",
])
def test_malformed_frames_raise(bad):
    with pytest.raises(framing.FramingError):
        framing.Decoder().feed(bad)


def test_unknown_framing_is_refused():
    with pytest.raises(ValueError):
        framing.encode({}, "xml")
