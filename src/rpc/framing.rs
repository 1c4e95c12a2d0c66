//! Message framing: LSP `Content-Length` headers or newline-delimited JSON, detected per connection
//! from the first non-whitespace byte (`{`/`[` → NDJSON, `C`/`c` → LSP). Replies use the same framing.
//!
//! Sizes are checked before the body is buffered: a declared `Content-Length` over the limit, an NDJSON
//! line over the limit or a header block over 8 KiB is an error, after which the connection closes.

use super::input_budget::{InputBudget, InputCharge};
use bytes::{Buf, BufMut, Bytes, BytesMut};
use std::sync::Arc;
use tokio_util::codec::{Decoder, Encoder};

/// Default maximum message size (config `max_message_bytes`).
pub const DEFAULT_MAX_MESSAGE: usize = 16 * 1024 * 1024;
/// Maximum LSP header block.
pub const MAX_HEADER: usize = 8 * 1024;

/// The two framings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// One JSON value per line.
    Ndjson,
    /// LSP base protocol.
    Lsp,
}

/// A fatal framing fault; the connection closes after it.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The stream does not start like JSON or an LSP header (an HTTP request, say).
    #[error("not a JSON-RPC stream (first byte {0:#04x})")]
    NotJsonRpc(u8),
    /// A message larger than the configured maximum.
    #[error("message of {size} bytes exceeds the limit of {max} bytes")]
    TooLarge {
        /// Declared or buffered size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The header block is larger than [`MAX_HEADER`].
    #[error("header block exceeds {MAX_HEADER} bytes")]
    HeaderTooLarge,
    /// Unfinished messages of all clients already hold the daemon's input budget.
    #[error(
        "the daemon already holds {max} bytes of unfinished messages from its clients; send this \
         one again later"
    )]
    InputBudget {
        /// The budget (`[limits] max_buffered_input_bytes`).
        max: usize,
    },
    /// A header line that cannot be parsed, or no `Content-Length`.
    #[error("malformed header: {0}")]
    BadHeader(String),
    /// The underlying stream failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl FrameError {
    /// Whether an error reply can still be framed for the peer before closing.
    pub fn can_reply(&self) -> bool {
        !matches!(self, FrameError::NotJsonRpc(_) | FrameError::Io(_))
    }
}

/// Decoder and encoder for one connection; starts undetected.
#[derive(Debug)]
pub struct JsonRpcCodec {
    framing: Option<Framing>,
    max: usize,
    /// LSP: body length once the header block has been consumed.
    pending_body: Option<usize>,
    /// NDJSON: bytes already scanned for a newline (avoids rescanning on every read).
    scanned: usize,
    /// What the unfinished message holds of the daemon-wide input budget, if one applies.
    charge: Option<InputCharge>,
}

impl JsonRpcCodec {
    /// A codec that detects its framing from the first message.
    pub fn new(max_message_bytes: usize) -> Self {
        JsonRpcCodec {
            framing: None,
            max: max_message_bytes,
            pending_body: None,
            scanned: 0,
            charge: None,
        }
    }

    /// Charges unfinished messages beyond a small free share to `budget`, shared with the other
    /// connections.
    pub fn with_input_budget(mut self, budget: Arc<InputBudget>) -> Self {
        self.charge = Some(InputCharge::new(budget));
        self
    }

    /// The unfinished message now holds `bytes`.
    fn hold(&mut self, bytes: usize) -> Result<(), FrameError> {
        match &mut self.charge {
            Some(charge) => charge
                .hold(bytes)
                .map_err(|spent| FrameError::InputBudget { max: spent.max }),
            None => Ok(()),
        }
    }

    /// A message is whole: the next one starts from nothing.
    fn whole(&mut self) {
        if let Some(charge) = &mut self.charge {
            charge.release();
        }
    }

    /// A codec with a fixed framing (clients, tests).
    pub fn with_framing(framing: Framing, max_message_bytes: usize) -> Self {
        JsonRpcCodec {
            framing: Some(framing),
            ..Self::new(max_message_bytes)
        }
    }

    /// The detected framing, once known.
    pub fn framing(&self) -> Option<Framing> {
        self.framing
    }

    fn detect(&mut self, src: &mut BytesMut) -> Result<Option<Framing>, FrameError> {
        if let Some(f) = self.framing {
            return Ok(Some(f));
        }
        let skip = src.iter().take_while(|b| b.is_ascii_whitespace()).count();
        src.advance(skip);
        let Some(&first) = src.first() else {
            return Ok(None);
        };
        let f = match first {
            b'{' | b'[' => Framing::Ndjson,
            b'C' | b'c' => Framing::Lsp,
            other => return Err(FrameError::NotJsonRpc(other)),
        };
        self.framing = Some(f);
        Ok(Some(f))
    }

    fn decode_line(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>, FrameError> {
        loop {
            let Some(pos) = memchr::memchr(b'\n', &src[self.scanned..]) else {
                self.scanned = src.len();
                if src.len() > self.max {
                    return Err(FrameError::TooLarge {
                        size: src.len(),
                        max: self.max,
                    });
                }
                self.hold(src.len())?;
                return Ok(None);
            };
            let end = self.scanned + pos;
            self.scanned = 0;
            if end > self.max {
                return Err(FrameError::TooLarge {
                    size: end,
                    max: self.max,
                });
            }
            let line = src.split_to(end + 1).freeze();
            self.whole();
            let body = line.slice(..end);
            if body.iter().all(u8::is_ascii_whitespace) {
                continue; // blank lines between messages are harmless
            }
            return Ok(Some(body));
        }
    }

    fn decode_lsp(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>, FrameError> {
        if self.pending_body.is_none() {
            let Some(end) = find(src, b"\r\n\r\n") else {
                if src.len() > MAX_HEADER {
                    return Err(FrameError::HeaderTooLarge);
                }
                return Ok(None);
            };
            if end > MAX_HEADER {
                return Err(FrameError::HeaderTooLarge);
            }
            let len = parse_headers(&src[..end])?;
            if len > self.max {
                return Err(FrameError::TooLarge {
                    size: len,
                    max: self.max,
                });
            }
            src.advance(end + 4);
            self.pending_body = Some(len);
        }
        let len = self.pending_body.unwrap_or(0);
        if src.len() < len {
            // What has arrived counts; the reservation costs address space until it is written.
            self.hold(src.len())?;
            src.reserve(len - src.len()); // bounded by `max`, checked above
            return Ok(None);
        }
        self.pending_body = None;
        self.whole();
        Ok(Some(src.split_to(len).freeze()))
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Parses an LSP header block, returning `Content-Length`. `Content-Type` and others are ignored.
fn parse_headers(block: &[u8]) -> Result<usize, FrameError> {
    let text = std::str::from_utf8(block).map_err(|_| FrameError::BadHeader("not ASCII".into()))?;
    let mut length = None;
    for line in text.split("\r\n") {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| FrameError::BadHeader(format!("no colon in {line:?}")))?;
        let token = |c: char| c.is_ascii_alphanumeric() || "-_".contains(c);
        if name.is_empty() || !name.chars().all(token) {
            return Err(FrameError::BadHeader(format!("bad header name {name:?}")));
        }
        if name.eq_ignore_ascii_case("content-length") {
            let n = value.trim().parse::<usize>().map_err(|_| {
                FrameError::BadHeader(format!("bad Content-Length {:?}", value.trim()))
            })?;
            length = Some(n);
        }
    }
    length.ok_or_else(|| FrameError::BadHeader("missing Content-Length".into()))
}

impl Decoder for JsonRpcCodec {
    type Item = Bytes;
    type Error = FrameError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>, FrameError> {
        match self.detect(src)? {
            None => Ok(None),
            Some(Framing::Ndjson) => self.decode_line(src),
            Some(Framing::Lsp) => self.decode_lsp(src),
        }
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>, FrameError> {
        match self.decode(src)? {
            Some(frame) => Ok(Some(frame)),
            // A final NDJSON line without its newline still counts (`printf '{..}' | jirad ...`).
            None if self.framing == Some(Framing::Ndjson)
                && !src.iter().all(u8::is_ascii_whitespace) =>
            {
                self.scanned = 0;
                Ok(Some(src.split().freeze()))
            }
            None => {
                src.clear();
                Ok(None)
            }
        }
    }
}

/// Encodes one serialized JSON message in the given framing.
pub fn encode_into(framing: Framing, body: &[u8], dst: &mut BytesMut) {
    encode_pieces_into(framing, &[body], dst);
}

/// Encodes a message given as the pieces of its body, which are copied once, into `dst`.
pub(crate) fn encode_pieces_into(framing: Framing, body: &[&[u8]], dst: &mut BytesMut) {
    let body_len = body.iter().map(|p| p.len()).sum();
    let frame = Frame::new(framing, body_len);
    dst.reserve(frame.head().len() + body_len + frame.tail.len());
    dst.put_slice(frame.head());
    body.iter().for_each(|piece| dst.put_slice(piece));
    dst.put_slice(frame.tail);
}

/// What a framing puts around a body of a given length: LSP's header before it, NDJSON's
/// newline after it. Built on the stack: no allocation per message.
struct Frame {
    head: [u8; 40],
    head_len: usize,
    tail: &'static [u8],
}

impl Frame {
    fn new(framing: Framing, body_len: usize) -> Self {
        let mut frame = Frame {
            head: [0; 40],
            head_len: 0,
            tail: b"",
        };
        match framing {
            Framing::Ndjson => frame.tail = b"\n",
            Framing::Lsp => {
                let mut digits = itoa::Buffer::new();
                for part in [
                    b"Content-Length: ",
                    digits.format(body_len).as_bytes(),
                    b"\r\n\r\n",
                ] {
                    frame.head[frame.head_len..frame.head_len + part.len()].copy_from_slice(part);
                    frame.head_len += part.len();
                }
            }
        }
        frame
    }

    fn head(&self) -> &[u8] {
        &self.head[..self.head_len]
    }
}

impl<T: AsRef<[u8]>> Encoder<T> for JsonRpcCodec {
    type Error = std::io::Error;

    fn encode(&mut self, item: T, dst: &mut BytesMut) -> std::io::Result<()> {
        encode_into(self.framing.unwrap_or(Framing::Ndjson), item.as_ref(), dst);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(codec: &mut JsonRpcCodec, input: &[u8]) -> Result<Vec<Bytes>, FrameError> {
        let mut buf = BytesMut::from(input);
        let mut out = Vec::new();
        while let Some(f) = codec.decode(&mut buf)? {
            out.push(f);
        }
        Ok(out)
    }

    #[test]
    fn detects_ndjson_and_skips_blank_lines() {
        let mut c = JsonRpcCodec::new(1024);
        let frames = decode_all(&mut c, b"  \n{\"a\":1}\r\n\n[1]\n").unwrap();
        assert_eq!(
            frames,
            vec![
                Bytes::from_static(b"{\"a\":1}\r"),
                Bytes::from_static(b"[1]")
            ]
        );
        assert_eq!(c.framing(), Some(Framing::Ndjson));
    }

    #[test]
    fn detects_lsp_case_insensitive_with_content_type() {
        let mut c = JsonRpcCodec::new(1024);
        let input = b"content-length: 2\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}Content-Length: 0\r\n\r\n";
        let frames = decode_all(&mut c, input).unwrap();
        assert_eq!(frames, vec![Bytes::from_static(b"{}"), Bytes::new()]);
    }

    #[test]
    fn split_reads_and_body_containing_crlfcrlf() {
        let mut c = JsonRpcCodec::new(1024);
        let msg = b"Content-Length: 8\r\n\r\n\"\r\n\r\n\"  ";
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        for b in msg.iter() {
            buf.put_u8(*b);
            if let Some(f) = c.decode(&mut buf).unwrap() {
                got.push(f);
            }
        }
        assert_eq!(got, vec![Bytes::from_static(b"\"\r\n\r\n\"  ")]);
    }

    #[test]
    fn rejects_http_oversize_and_bad_headers() {
        assert!(matches!(
            decode_all(&mut JsonRpcCodec::new(64), b"GET / HTTP/1.1\r\n"),
            Err(FrameError::NotJsonRpc(b'G'))
        ));
        assert!(matches!(
            decode_all(&mut JsonRpcCodec::new(64), b"Content-Length: 65\r\n\r\n"),
            Err(FrameError::TooLarge { size: 65, max: 64 })
        ));
        assert!(matches!(
            decode_all(&mut JsonRpcCodec::new(64), &[b'{'; 100]),
            Err(FrameError::TooLarge { .. })
        ));
        assert!(matches!(
            decode_all(
                &mut JsonRpcCodec::new(64),
                b"CONNECT example.com:443 HTTP/1.1\r\n\r\n"
            ),
            Err(FrameError::BadHeader(_))
        ));
        assert!(matches!(
            decode_all(&mut JsonRpcCodec::new(64), b"Content-Type: x\r\n\r\n"),
            Err(FrameError::BadHeader(_))
        ));
        let long = format!("Content-Length: 1\r\nX: {}\r\n\r\n", "a".repeat(MAX_HEADER));
        assert!(matches!(
            decode_all(&mut JsonRpcCodec::new(64), long.as_bytes()),
            Err(FrameError::HeaderTooLarge)
        ));
    }

    #[test]
    fn final_line_without_newline_is_a_frame_at_eof() {
        let mut c = JsonRpcCodec::new(64);
        let mut buf = BytesMut::from(&b"{\"a\":1}"[..]);
        assert!(c.decode(&mut buf).unwrap().is_none());
        assert_eq!(
            c.decode_eof(&mut buf).unwrap(),
            Some(Bytes::from_static(b"{\"a\":1}"))
        );
    }

    #[test]
    fn encodes_both_framings() {
        let mut b = BytesMut::new();
        encode_into(Framing::Lsp, b"{}", &mut b);
        encode_into(Framing::Ndjson, b"{}", &mut b);
        assert_eq!(&b[..], b"Content-Length: 2\r\n\r\n{}{}\n");
    }
}
