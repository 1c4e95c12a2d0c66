//! The request envelope read without serde: one pass over the frame (already checked to be
//! UTF-8) that finds where `jsonrpc`, `id`, `method` and `params` lie and checks that the whole
//! frame is JSON as strictly as serde_json does (RFC 8259). On anything unusual (an escaped or repeated key, deep nesting, a
//! frame that is not an object, or not JSON) it gives up, and the caller asks serde, which also
//! words the error. The property test below holds it to serde's answer.

use std::ops::Range;

/// Where each envelope member's value lies in the frame.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Members {
    pub jsonrpc: Option<Range<usize>>,
    pub id: Option<Range<usize>>,
    pub method: Option<Range<usize>>,
    pub params: Option<Range<usize>>,
}

/// Well below serde_json's recursion limit (128), so the two agree on all this accepts.
const MAX_DEPTH: usize = 100;

/// The members of a frame holding one JSON object; `None` leaves the frame to serde.
pub(crate) fn envelope(frame: &[u8]) -> Option<Members> {
    let mut s = Scanner { b: frame, i: 0 };
    let mut m = Members::default();
    s.ws();
    s.eat(b'{')?;
    s.ws();
    if !s.eat_if(b'}') {
        loop {
            s.ws();
            s.eat(b'"')?;
            let key = s.key()?;
            s.ws();
            s.eat(b':')?;
            s.ws();
            let start = s.i;
            s.value(1)?;
            let slot = match &frame[key] {
                b"jsonrpc" => Some(&mut m.jsonrpc),
                b"id" => Some(&mut m.id),
                b"method" => Some(&mut m.method),
                b"params" => Some(&mut m.params),
                _ => None,
            };
            if let Some(slot) = slot {
                if slot.replace(start..s.i).is_some() {
                    return None;
                }
            }
            s.ws();
            match s.next()? {
                b',' => {}
                b'}' => break,
                _ => return None,
            }
        }
    }
    s.ws();
    (s.i == frame.len()).then_some(m)
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
}

/// The bytes a string may hold as they are: all but quotes, backslashes and control characters.
const PLAIN: [bool; 256] = {
    let mut plain = [true; 256];
    let mut c = 0;
    while c < 0x20 {
        plain[c] = false;
        c += 1;
    }
    plain[b'"' as usize] = false;
    plain[b'\\' as usize] = false;
    plain
};

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }

    fn eat_if(&mut self, c: u8) -> bool {
        let yes = self.peek() == Some(c);
        self.i += usize::from(yes);
        yes
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\t' | b'\r')) {
            self.i += 1;
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - start
    }

    /// Skips the string bytes that need no look ([`PLAIN`]).
    fn plain(&mut self) {
        while self.peek().is_some_and(|c| PLAIN[usize::from(c)]) {
            self.i += 1;
        }
    }

    /// A key after its opening quote: the range of its text, unless it has escapes.
    fn key(&mut self) -> Option<Range<usize>> {
        let start = self.i;
        self.plain();
        (self.next()? == b'"').then(|| start..self.i - 1)
    }

    /// The rest of a string after its opening quote.
    fn string(&mut self) -> Option<()> {
        loop {
            self.plain();
            match self.next()? {
                b'"' => return Some(()),
                b'\\' => match self.next()? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                    b'u' => {
                        let hex = self.b.get(self.i..self.i + 4)?;
                        if !hex.iter().all(u8::is_ascii_hexdigit) {
                            return None;
                        }
                        self.i += 4;
                    }
                    _ => return None,
                },
                _ => return None,
            }
        }
    }

    /// A number whose first character is `first` (already read).
    fn number(&mut self, first: u8) -> Option<()> {
        let first = if first == b'-' { self.next()? } else { first };
        match first {
            b'0' if matches!(self.peek(), Some(b'0'..=b'9')) => return None,
            b'0' => {}
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        if self.eat_if(b'.') && self.digits() == 0 {
            return None;
        }
        if self.eat_if(b'e') || self.eat_if(b'E') {
            let _ = self.eat_if(b'+') || self.eat_if(b'-');
            if self.digits() == 0 {
                return None;
            }
        }
        Some(())
    }

    fn literal(&mut self, rest: &[u8]) -> Option<()> {
        let end = self.i + rest.len();
        (self.b.get(self.i..end)? == rest).then(|| self.i = end)
    }

    /// One value at nesting `depth`.
    fn value(&mut self, depth: usize) -> Option<()> {
        match self.next()? {
            b'"' => self.string(),
            c @ (b'-' | b'0'..=b'9') => self.number(c),
            b't' => self.literal(b"rue"),
            b'f' => self.literal(b"alse"),
            b'n' => self.literal(b"ull"),
            open @ (b'{' | b'[') if depth < MAX_DEPTH => {
                let close = if open == b'{' { b'}' } else { b']' };
                self.ws();
                if self.eat_if(close) {
                    return Some(());
                }
                loop {
                    self.ws();
                    if open == b'{' {
                        self.eat(b'"')?;
                        self.string()?;
                        self.ws();
                        self.eat(b':')?;
                        self.ws();
                    }
                    self.value(depth + 1)?;
                    self.ws();
                    match self.next()? {
                        b',' => {}
                        c if c == close => return Some(()),
                        _ => return None,
                    }
                }
            }
            _ => None,
        }
    }
}
