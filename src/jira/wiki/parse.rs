//! Wiki markup → ADF: a line-based block parser and an inline parser for text effects and links.

use serde_json::{json, Value};

use crate::jira::adf::{fit, merge_text, MAX_LIST_NESTING};
use crate::jira::budget::{Budget, Halt};

/// Effects (`*`, `_`, `-`, `+`) nest at most this deep; deeper delimiters stay text.
const MAX_INLINE_NESTING: usize = 8;

/// Parses wiki markup into an ADF document (headings, lists, code, quotes, rules, tables, text effects, links).
pub fn wiki_to_adf(wiki: &str) -> Value {
    // An unlimited budget never halts.
    wiki_to_adf_within(wiki, &mut Budget::unlimited()).unwrap_or_default()
}

/// [`wiki_to_adf`] spending `budget`: a unit per line and per character the inline parse visits
/// or scans.
pub fn wiki_to_adf_within(wiki: &str, budget: &mut Budget) -> Result<Value, Halt> {
    let blocks = parse_blocks(&wiki.replace("\r\n", "\n"), budget)?;
    Ok(json!({"type": "doc", "version": 1, "content": fit("doc", blocks)}))
}

/// The lines of a paragraph as one paragraph node (none when there are no lines).
fn flush(para: &mut Vec<&str>, out: &mut Vec<Value>, b: &mut Budget) -> Result<(), Halt> {
    if !para.is_empty() {
        let mut inl = Vec::new();
        for (i, l) in para.iter().enumerate() {
            if i > 0 {
                inl.push(json!({"type": "hardBreak"}));
            }
            inl.extend(parse_inline(l.trim(), &[], b)?);
        }
        out.push(json!({"type": "paragraph", "content": merge_text(inl)}));
        para.clear();
    }
    Ok(())
}

fn parse_blocks(text: &str, b: &mut Budget) -> Result<Vec<Value>, Halt> {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out = Vec::new();
    let mut para: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        b.spend(1)?;
        let line = lines[i];
        let t = line.trim();
        if let Some((kind, lang)) = macro_start(t) {
            flush(&mut para, &mut out, b)?;
            let end = (i + 1..lines.len())
                .find(|&j| {
                    lines[j]
                        .trim()
                        .strip_prefix('{')
                        .and_then(|t| t.strip_suffix('}'))
                        == Some(kind)
                })
                .unwrap_or(lines.len());
            let inner = lines[i + 1..end.min(lines.len())].join("\n");
            b.spend(end - i + inner.len())?;
            out.push(match kind {
                "code" | "noformat" => {
                    let mut cb = json!({"type": "codeBlock"});
                    if !inner.is_empty() {
                        cb["content"] = json!([{"type": "text", "text": inner}]);
                    }
                    if let Some(l) = lang {
                        cb["attrs"] = json!({"language": l});
                    }
                    cb
                }
                _ => json!({"type": "blockquote", "content": fit("blockquote", parse_blocks(&inner, b)?)}),
            });
            i = end + 1;
            continue;
        }
        if t.is_empty() {
            flush(&mut para, &mut out, b)?;
        } else if let Some((level, rest)) = heading(t) {
            flush(&mut para, &mut out, b)?;
            out.push(json!({"type": "heading", "attrs": {"level": level}, "content": merge_text(parse_inline(rest, &[], b)?)}));
        } else if let Some(rest) = t.strip_prefix("bq. ") {
            flush(&mut para, &mut out, b)?;
            out.push(json!({"type": "blockquote", "content": [{"type": "paragraph", "content": merge_text(parse_inline(rest, &[], b)?)}]}));
        } else if t == "----" {
            flush(&mut para, &mut out, b)?;
            out.push(json!({"type": "rule"}));
        } else if list_marker(t).is_some() {
            flush(&mut para, &mut out, b)?;
            let mut items = Vec::new();
            while let Some((m, rest)) = lines.get(i).and_then(|l| list_marker(l.trim())) {
                b.spend(1)?;
                items.push((m, rest));
                i += 1;
            }
            let mut at = 0;
            while at < items.len() {
                out.push(build_list(&items, &mut at, 1, b)?);
            }
            continue;
        } else if t.starts_with('|') {
            flush(&mut para, &mut out, b)?;
            let mut rows = Vec::new();
            while let Some(l) = lines
                .get(i)
                .map(|l| l.trim())
                .filter(|l| l.starts_with('|'))
            {
                b.spend(1)?;
                rows.push(table_row(l, b)?);
                i += 1;
            }
            out.push(json!({"type": "table", "content": rows}));
            continue;
        } else {
            para.push(line);
        }
        i += 1;
    }
    flush(&mut para, &mut out, b)?;
    Ok(out)
}

/// `{code}`, `{code:java}`, `{code:language=java|title=x}`, `{noformat}`, `{quote}`, `{panel…}`.
fn macro_start(t: &str) -> Option<(&'static str, Option<String>)> {
    let inner = t.strip_prefix('{')?.strip_suffix('}')?;
    let (name, params) = inner.split_once(':').unwrap_or((inner, ""));
    let kind = ["code", "noformat", "quote", "panel"]
        .into_iter()
        .find(|k| *k == name)?;
    let lang = params.split('|').find_map(|p| match p.split_once('=') {
        Some(("language", l)) => Some(l.to_string()),
        None if !p.is_empty() => Some(p.to_string()),
        _ => None,
    });
    Some((kind, lang.filter(|_| kind == "code")))
}

fn heading(t: &str) -> Option<(u64, &str)> {
    let b = t.as_bytes();
    if b.len() >= 3 && b[0] == b'h' && (b'1'..=b'6').contains(&b[1]) && b[2] == b'.' {
        return Some(((b[1] - b'0') as u64, t[3..].trim()));
    }
    None
}

/// A list line's marker (`*`, `#`, `**`, `#*`, `-`, …) and text. Markers deeper than ADF lists may
/// nest keep their first levels: the item joins the deepest list allowed.
fn list_marker(t: &str) -> Option<(&str, &str)> {
    let n = t
        .bytes()
        .take_while(|c| matches!(c, b'*' | b'#' | b'-'))
        .count();
    let (m, rest) = t.split_at(n);
    (n > 0 && rest.starts_with(' ') && !(m.starts_with('-') && n > 1) && m != "----")
        .then(|| (&m[..n.min(MAX_LIST_NESTING)], rest.trim_start()))
}

fn build_list(
    items: &[(&str, &str)],
    at: &mut usize,
    depth: usize,
    b: &mut Budget,
) -> Result<Value, Halt> {
    let ordered = items
        .get(*at)
        .and_then(|(m, _)| m.as_bytes().get(depth - 1))
        == Some(&b'#');
    let mut list_items: Vec<Value> = Vec::new();
    while let Some((m, text)) = items.get(*at) {
        let len = m.len();
        let same_kind = (m.as_bytes().get(depth - 1) == Some(&b'#')) == ordered;
        if len < depth || (len == depth && !same_kind) {
            break;
        }
        b.spend(1)?;
        if len == depth {
            list_items.push(json!({"type": "listItem", "content": [{"type": "paragraph", "content": merge_text(parse_inline(text, &[], b)?)}]}));
            *at += 1;
        } else {
            let nested = build_list(items, at, depth + 1, b)?;
            match list_items
                .last_mut()
                .and_then(|li| li["content"].as_array_mut())
            {
                Some(c) => c.push(nested),
                None => list_items.push(json!({"type": "listItem", "content": [nested]})),
            }
        }
    }
    Ok(json!({"type": if ordered { "orderedList" } else { "bulletList" }, "content": list_items}))
}

fn table_row(line: &str, b: &mut Budget) -> Result<Value, Halt> {
    let mut cells = Vec::new();
    let mut rest = line;
    while !rest.is_empty() {
        let header = rest.starts_with("||");
        rest = rest.trim_start_matches('|');
        let end = find_unescaped(rest, '|').unwrap_or(rest.len());
        let text = rest[..end].trim();
        rest = &rest[end..];
        if text.is_empty() && rest.is_empty() {
            break;
        }
        let kind = if header { "tableHeader" } else { "tableCell" };
        let p = if text.is_empty() {
            json!({"type": "paragraph"})
        } else {
            json!({"type": "paragraph", "content": merge_text(parse_inline(text, &[], b)?)})
        };
        cells.push(json!({"type": kind, "content": [p]}));
    }
    Ok(json!({"type": "tableRow", "content": cells}))
}

fn find_unescaped(s: &str, c: char) -> Option<usize> {
    let mut prev = ' ';
    s.char_indices()
        .find(|&(_, x)| {
            let hit = x == c && prev != '\\';
            prev = x;
            hit
        })
        .map(|(i, _)| i)
}

fn closes_effect(ch: &[char], j: usize, c: char) -> bool {
    ch[j] == c
        && j > 0
        && ch[j - 1] != '\\'
        && !ch[j - 1].is_whitespace()
        && ch.get(j + 1).is_none_or(|n| !n.is_alphanumeric())
}

/// Positions a search scans between two looks at its budget.
const SCAN_CHUNK: usize = 1024;

/// The first position in `from..to` where `found` holds, else `to` (`from` when past it). A unit
/// per position scanned, spent a chunk at a time: one search may cross a whole line, and the
/// conversion must still stop part-way.
fn scan(
    budget: &mut Budget,
    from: usize,
    to: usize,
    found: impl Fn(usize) -> bool,
) -> Result<usize, Halt> {
    let mut j = from;
    while j < to {
        let end = (j + SCAN_CHUNK).min(to);
        if let Some(p) = (j..end).find(|&p| found(p)) {
            budget.spend(p - j)?;
            return Ok(p);
        }
        budget.spend(end - j)?;
        j = end;
    }
    Ok(j)
}

/// The last position in `from..to` where `found` holds, spent as [`scan`] does.
fn scan_back(
    budget: &mut Budget,
    (from, to): (usize, usize),
    found: impl Fn(usize) -> bool,
) -> Result<Option<usize>, Halt> {
    let mut j = to;
    while j > from {
        let start = j.saturating_sub(SCAN_CHUNK).max(from);
        if let Some(p) = (start..j).rev().find(|&p| found(p)) {
            budget.spend(j - p)?;
            return Ok(Some(p));
        }
        budget.spend(j - start)?;
        j = start;
    }
    Ok(None)
}

fn text_node(text: &str, marks: &[Value]) -> Value {
    let mut n = json!({"type": "text", "text": text});
    if !marks.is_empty() {
        n["marks"] = Value::Array(marks.to_vec());
    }
    n
}

/// Inline wiki: `*strong*`, `_em_`, `-strike-`, `+underline+`, `{{code}}`, `[text|url]`, `[~user]`, `\\` breaks.
fn parse_inline(s: &str, marks: &[Value], b: &mut Budget) -> Result<Vec<Value>, Halt> {
    let mut inline = Inline::new(s, b);
    let end = inline.chars.len();
    inline.parse(0, end, marks)
}

const MAILTO: [char; 7] = ['m', 'a', 'i', 'l', 't', 'o', ':'];

const EFFECTS: [(char, &str); 4] = [
    ('*', "strong"),
    ('_', "em"),
    ('-', "strike"),
    ('+', "underline"),
];

/// One line's inline parse in a single left-to-right pass. Every search for a closing delimiter
/// resumes where the previous search of its kind stopped: the parse visits positions in increasing
/// order (an effect's inside before what follows it), so each search cursor only moves forward and
/// the whole line costs time linear in its length, however the delimiters are arranged.
struct Inline<'b> {
    chars: Vec<char>,
    /// Spent a unit per position the parse visits and per character a search scans.
    budget: &'b mut Budget,
    /// Per effect in `EFFECTS`: the first closing delimiter at or after the last position asked.
    effect_close: [usize; 4],
    /// The last `]` found, with what its inside holds.
    bracket: Option<Bracket>,
    code_close: usize,
}

#[derive(Clone, Copy)]
struct Bracket {
    end: usize,
    /// The last `|` inside, if any.
    pipe: Option<usize>,
    /// Where the last `://` inside starts, if any.
    scheme: Option<usize>,
}

impl<'b> Inline<'b> {
    fn new(s: &str, budget: &'b mut Budget) -> Self {
        Self {
            chars: s.chars().collect(),
            budget,
            effect_close: [0; 4],
            bracket: None,
            code_close: 0,
        }
    }

    /// The first closing `c` in `from..lim`.
    fn effect_end(&mut self, k: usize, from: usize, lim: usize) -> Result<Option<usize>, Halt> {
        let (ch, c) = (&self.chars, EFFECTS[k].0);
        let start = self.effect_close[k].max(from);
        let j = scan(self.budget, start, ch.len(), |j| closes_effect(ch, j, c))?;
        self.effect_close[k] = j;
        Ok((j < lim).then_some(j))
    }

    /// The bracket that `[` at `open` closes within `lim`, with its last `|` and `://`. Both are found
    /// by one backward scan per closing `]`, stopping at the first `[` that asked for it: later `[`s
    /// asking for the same `]` stand to its right, so each character is scanned once.
    fn bracket(&mut self, open: usize, lim: usize) -> Result<Option<Bracket>, Halt> {
        let ch = &self.chars;
        let start = self.bracket.map_or(0, |b| b.end).max(open + 1);
        let j = scan(self.budget, start, ch.len(), |j| {
            ch[j] == ']' && ch[j - 1] != '\\'
        })?;
        if self.bracket.is_none_or(|b| b.end != j) {
            let inside = (open + 1, j.min(ch.len()));
            let pipe = scan_back(self.budget, inside, |p| ch[p] == '|')?;
            let scheme = scan_back(self.budget, inside, |p| {
                ch[p..].starts_with(&[':', '/', '/']) && p + 3 <= j
            })?;
            self.bracket = Some(Bracket {
                end: j,
                pipe,
                scheme,
            });
        }
        Ok(self.bracket.filter(|b| b.end < lim))
    }

    /// The first `}}` starting in `from..lim - 1`.
    fn code_end(&mut self, from: usize, lim: usize) -> Result<Option<usize>, Halt> {
        let ch = &self.chars;
        let start = self.code_close.max(from);
        let j = scan(self.budget, start, ch.len().saturating_sub(1), |j| {
            ch[j] == '}' && ch[j + 1] == '}'
        })?;
        self.code_close = j;
        Ok((j + 1 < lim).then_some(j))
    }

    fn text(&self, from: usize, to: usize) -> String {
        self.chars[from..to].iter().collect()
    }

    fn parse(&mut self, from: usize, lim: usize, marks: &[Value]) -> Result<Vec<Value>, Halt> {
        let mut out = Vec::new();
        let mut buf = String::new();
        let flush = |buf: &mut String, out: &mut Vec<Value>| {
            if !buf.is_empty() {
                out.push(text_node(buf, marks));
                buf.clear();
            }
        };
        let mut i = from;
        while i < lim {
            self.budget.spend(1)?;
            let c = self.chars[i];
            let next = (i + 1 < lim).then(|| self.chars[i + 1]);
            if c == '\\' {
                match next {
                    Some('\\') => {
                        flush(&mut buf, &mut out);
                        out.push(json!({"type": "hardBreak"}));
                    }
                    Some(n) => buf.push(n),
                    None => buf.push('\\'),
                }
                i += 2;
                continue;
            }
            if c == '{' && next == Some('{') {
                if let Some(end) = self.code_end(i + 2, lim)? {
                    flush(&mut buf, &mut out);
                    let code = self.text(i + 2, end).replace("\\}", "}");
                    let mut m: Vec<Value> = vec![json!({"type": "code"})];
                    m.extend(marks.iter().filter(|x| x["type"] == "link").cloned());
                    if !code.is_empty() {
                        out.push(text_node(&code, &m));
                    }
                    i = end + 2;
                    continue;
                }
            }
            if c == '[' {
                if let Some(link) = self.bracket(i, lim)? {
                    if self.chars[i + 1] == '~' {
                        buf.push('@');
                        buf.push_str(&self.text(i + 2, link.end));
                        i = link.end + 1;
                        continue;
                    }
                    let label_end = link.pipe.filter(|&p| p > i).unwrap_or(link.end);
                    let href_start = link.pipe.filter(|&p| p > i).map_or(i + 1, |p| p + 1);
                    let mailto = self.chars[href_start..link.end].starts_with(&MAILTO);
                    if link.scheme.is_some_and(|s| s >= href_start) || mailto {
                        flush(&mut buf, &mut out);
                        let href = self.text(href_start, link.end);
                        let mut m = marks.to_vec();
                        m.push(json!({"type": "link", "attrs": {"href": href}}));
                        out.extend(self.parse(i + 1, label_end, &m)?);
                        i = link.end + 1;
                        continue;
                    }
                }
            }
            if let Some(k) = EFFECTS.iter().position(|(e, _)| *e == c) {
                let opens = marks.len() < MAX_INLINE_NESTING
                    && (i == from || !self.chars[i - 1].is_alphanumeric())
                    && next.is_some_and(|n| !n.is_whitespace());
                let end = if opens {
                    self.effect_end(k, i + 2, lim)?
                } else {
                    None
                };
                if let Some(j) = end {
                    flush(&mut buf, &mut out);
                    let mut m = marks.to_vec();
                    m.push(json!({"type": EFFECTS[k].1}));
                    out.extend(self.parse(i + 1, j, &m)?);
                    i = j + 1;
                    continue;
                }
            }
            buf.push(c);
            i += 1;
        }
        flush(&mut buf, &mut out);
        Ok(out)
    }
}
