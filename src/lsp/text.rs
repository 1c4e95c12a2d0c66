//! An open document's text: positions in the negotiated encoding (UTF-8, UTF-16 or UTF-32 code
//! units, as LSP counts them) to byte offsets and back, incremental edits, and the issue keys and
//! TODO comments found in it.

use serde_json::{json, Value};

/// How LSP positions count characters within a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
    Utf32,
}

impl Encoding {
    /// The client's preferred encoding we speak (it lists them best first); UTF-16, the only one
    /// every client must accept, when it lists none.
    pub fn negotiate(offered: Option<&Vec<Value>>) -> Encoding {
        offered
            .into_iter()
            .flatten()
            .find_map(|e| match e.as_str() {
                Some("utf-8") => Some(Encoding::Utf8),
                Some("utf-16") => Some(Encoding::Utf16),
                Some("utf-32") => Some(Encoding::Utf32),
                _ => None,
            })
            .unwrap_or(Encoding::Utf16)
    }

    /// The name LSP gives it.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf16 => "utf-16",
            Encoding::Utf32 => "utf-32",
        }
    }

    fn units(self, c: char) -> usize {
        match self {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
            Encoding::Utf32 => 1,
        }
    }
}

/// A document's text, where its lines start, and marks along each line for counting units.
#[derive(Debug, Default)]
pub struct Text {
    text: String,
    lines: Vec<usize>,
    marks: Vec<Mark>,
}

/// A character boundary and the UTF-16 units and characters before it on its line. One starts
/// each line and one follows every [`MARK_EVERY`] bytes, so finding a position scans at most that
/// much of a line, however long: a megabyte line with thousands of keys stays linear.
#[derive(Debug, Clone, Copy)]
struct Mark {
    at: usize,
    utf16: usize,
    chars: usize,
}

const MARK_EVERY: usize = 1024;

impl Text {
    pub fn new(text: String) -> Text {
        let mut t = Text {
            text,
            lines: Vec::new(),
            marks: Vec::new(),
        };
        t.index();
        t
    }

    fn index(&mut self) {
        self.lines.clear();
        self.marks.clear();
        self.lines.push(0);
        let mut mark = Mark {
            at: 0,
            utf16: 0,
            chars: 0,
        };
        self.marks.push(mark);
        for (i, c) in self.text.char_indices() {
            if c == '\n' {
                self.lines.push(i + 1);
                mark = Mark {
                    at: i + 1,
                    utf16: 0,
                    chars: 0,
                };
                self.marks.push(mark);
                continue;
            }
            if i - mark.at >= MARK_EVERY {
                mark.utf16 += self.text[mark.at..i]
                    .chars()
                    .map(char::len_utf16)
                    .sum::<usize>();
                mark.chars += self.text[mark.at..i].chars().count();
                mark.at = i;
                self.marks.push(mark);
            }
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The byte offset of an LSP position, clamped to the line's end and the text's end (as the
    /// specification asks of positions past them).
    pub fn offset(&self, pos: &Value, enc: Encoding) -> usize {
        let line = pos["line"].as_u64().unwrap_or(0) as usize;
        let Some(&start) = self.lines.get(line) else {
            return self.text.len();
        };
        let end = self
            .lines
            .get(line + 1)
            .map_or(self.text.len(), |next| next - 1);
        let mut want = pos["character"].as_u64().unwrap_or(0) as usize;
        let mut at = start;
        for c in self.text[start..end].chars() {
            if want == 0 || c == '\r' && at + 1 == end {
                break;
            }
            want = want.saturating_sub(enc.units(c));
            at += c.len_utf8();
        }
        at
    }

    /// The LSP position of a byte offset (on a character boundary).
    pub fn position(&self, offset: usize, enc: Encoding) -> Value {
        let line = self.lines.partition_point(|&s| s <= offset) - 1;
        let mark = self.marks[self.marks.partition_point(|m| m.at <= offset) - 1];
        let before = match enc {
            Encoding::Utf8 => mark.at - self.lines[line],
            Encoding::Utf16 => mark.utf16,
            Encoding::Utf32 => mark.chars,
        };
        let rest: usize = self.text[mark.at..offset]
            .chars()
            .map(|c| enc.units(c))
            .sum();
        json!({ "line": line, "character": before + rest })
    }

    /// The LSP range of a byte range.
    pub fn range(&self, start: usize, end: usize, enc: Encoding) -> Value {
        json!({ "start": self.position(start, enc), "end": self.position(end, enc) })
    }

    /// Applies one `contentChanges` entry: a range and its new text, or the whole text.
    pub fn apply(&mut self, change: &Value, enc: Encoding) {
        let new = change["text"].as_str().unwrap_or_default();
        match change.get("range").filter(|r| r.is_object()) {
            Some(range) => {
                let start = self.offset(&range["start"], enc);
                let end = self.offset(&range["end"], enc).max(start);
                self.text.replace_range(start..end, new);
            }
            None => self.text = new.to_owned(),
        }
        self.index();
    }

    /// The byte range of the line holding `offset`, without its line break.
    pub fn line_at(&self, offset: usize) -> (usize, usize) {
        let line = self.lines.partition_point(|&s| s <= offset) - 1;
        let start = self.lines[line];
        let end = self
            .lines
            .get(line + 1)
            .map_or(self.text.len(), |next| next - 1);
        let end = if self.text[start..end].ends_with('\r') {
            end - 1
        } else {
            end
        };
        (start, end)
    }
}

/// Byte ranges of everything shaped like an issue key (`ABC-12`, a project key of a letter then
/// letters, digits or `_`, not inside a longer word) whose project `known` accepts.
pub fn keys(text: &str, known: impl Fn(&str) -> bool) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_uppercase() || i > 0 && word(b[i - 1]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && (b[i].is_ascii_uppercase() || b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
        let project_end = i;
        if i + 1 < b.len() && b[i] == b'-' && b[i + 1].is_ascii_digit() {
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let ends_word = i == b.len() || !word(b[i]);
            if ends_word && project_end - start >= 2 && known(&text[start..project_end]) {
                out.push((start, i));
            }
        }
    }
    out
}

/// A `TODO`/`FIXME` comment on a line: the byte range of the marker and the text after it, when
/// the line mentions no issue key already.
pub fn todo(line: &str) -> Option<(usize, usize, &str)> {
    let (at, marker) = ["TODO", "FIXME"]
        .iter()
        .filter_map(|m| line.find(m).map(|at| (at, *m)))
        .min()?;
    let end = at + marker.len();
    let before_ok = at == 0 || !line.as_bytes()[at - 1].is_ascii_alphanumeric();
    let after_ok = line[end..]
        .chars()
        .next()
        .is_none_or(|c| !c.is_alphanumeric());
    if !before_ok || !after_ok || !keys(line, |_| true).is_empty() {
        return None;
    }
    let summary = line[end..]
        .trim_start_matches(|c: char| c == ':' || c == '(' || c == ')' || c.is_whitespace())
        .trim_end_matches(|c: char| c.is_whitespace() || c == '*' || c == '/' || c == '-')
        .trim_end_matches("-->")
        .trim();
    (!summary.is_empty()).then_some((at, end, summary))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units_and_round_trip() {
        let t = Text::new("Release\nhéllo 😀 fixed DEMO-1 today\n".into());
        let at = t.as_str().find("DEMO-1").unwrap();
        assert_eq!(
            t.position(at, Encoding::Utf16),
            json!({"line":1,"character":15})
        );
        assert_eq!(
            t.position(at, Encoding::Utf8),
            json!({"line":1,"character":18})
        );
        assert_eq!(
            t.offset(&json!({"line":1,"character":15}), Encoding::Utf16),
            at
        );
        // Past the line's end: clamped to it.
        assert_eq!(
            t.offset(&json!({"line":0,"character":99}), Encoding::Utf16),
            7
        );
    }

    #[test]
    fn positions_on_a_long_line_match_counting_from_its_start() {
        let text = Text::new(format!("x\n{}", "aé😀 DEMO-1 ".repeat(500)));
        let start = text.lines[1];
        for (offset, _) in text
            .as_str()
            .char_indices()
            .filter(|(i, _)| *i >= start)
            .step_by(97)
        {
            for enc in [Encoding::Utf8, Encoding::Utf16, Encoding::Utf32] {
                let naive: usize = text.as_str()[start..offset]
                    .chars()
                    .map(|c| enc.units(c))
                    .sum();
                assert_eq!(
                    text.position(offset, enc),
                    json!({ "line": 1, "character": naive }),
                    "{enc:?} at {offset}"
                );
            }
        }
    }

    #[test]
    fn incremental_edits_apply_in_order() {
        let mut t = Text::new("a 😀 b\nsecond".into());
        t.apply(
            &json!({"range":{"start":{"line":0,"character":5},"end":{"line":0,"character":6}},
                    "text":"DEMO-1"}),
            Encoding::Utf16,
        );
        t.apply(
            &json!({"range":{"start":{"line":1,"character":0},"end":{"line":1,"character":0}},
                    "text":"the "}),
            Encoding::Utf16,
        );
        assert_eq!(t.as_str(), "a 😀 DEMO-1\nthe second");
    }

    #[test]
    fn only_whole_keys_of_known_projects() {
        let text = "DEMO-1, OPS-2 xDEMO-3 DEMO-4x ABC-5 DEMO-";
        let found: Vec<&str> = keys(text, |p| p == "DEMO" || p == "OPS")
            .into_iter()
            .map(|(s, e)| &text[s..e])
            .collect();
        assert_eq!(found, ["DEMO-1", "OPS-2"]);
    }

    #[test]
    fn todos_without_keys() {
        assert_eq!(
            todo("    // TODO: retry on 503 */").map(|t| t.2),
            Some("retry on 503")
        );
        assert_eq!(todo("# FIXME(DEMO-3): later"), None);
        assert_eq!(todo("TODOS are fine"), None);
    }
}
