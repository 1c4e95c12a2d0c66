//! ADF inline nodes → Markdown: marks as delimiter runs, escaping, code spans, links, and readable
//! text for inline nodes Markdown lacks (mentions, emoji, status, dates).

use serde_json::Value;

use super::{content, kind};
use crate::jira::budget::{Budget, Halt};

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Ctx {
    Para,
    Heading,
    Cell,
}

const ORDER: [&str; 3] = ["strong", "em", "strike"];

fn delim(mark: &str) -> &'static str {
    match mark {
        "strong" => "**",
        "em" => "*",
        _ => "~~",
    }
}

/// Inline nodes to Markdown: marks open and close as runs, whitespace stays outside delimiters.
struct Inline<'b> {
    out: String,
    open: Vec<&'static str>,
    ws: String,
    ctx: Ctx,
    budget: &'b mut Budget,
}

fn link_of(n: &Value) -> Option<String> {
    if kind(n) == "inlineCard" {
        return n["attrs"]["url"].as_str().map(str::to_string);
    }
    n["marks"]
        .as_array()?
        .iter()
        .find(|m| m["type"] == "link")
        .and_then(|m| m["attrs"]["href"].as_str())
        .map(str::to_string)
}

/// Inline nodes as Markdown, spending a unit per node and per byte of text written.
pub(crate) fn inline(nodes: &[Value], ctx: Ctx, budget: &mut Budget) -> Result<String, Halt> {
    inline_in(nodes, ctx, false, budget)
}

fn inline_in(
    nodes: &[Value],
    ctx: Ctx,
    in_link: bool,
    budget: &mut Budget,
) -> Result<String, Halt> {
    let mut r = Inline {
        out: String::new(),
        open: Vec::new(),
        ws: String::new(),
        ctx,
        budget,
    };
    let mut i = 0;
    while i < nodes.len() {
        let Some(href) = link_of(&nodes[i]).filter(|_| !in_link) else {
            r.node(&nodes[i])?;
            i += 1;
            continue;
        };
        let end = (i..nodes.len())
            .find(|&j| link_of(&nodes[j]).as_deref() != Some(&href))
            .unwrap_or(nodes.len());
        let mut text = inline_in(&nodes[i..end], ctx, true, r.budget)?;
        if text.is_empty() {
            text = escape(&href, false, ctx == Ctx::Cell);
        }
        let title = nodes[i]["marks"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|m| m["type"] == "link")
            .and_then(|m| m["attrs"]["title"].as_str());
        let title = title
            .map(|t| format!(" \"{}\"", t.replace('\\', "\\\\").replace('"', "\\\"")))
            .unwrap_or_default();
        r.emit(&format!("[{text}]({}{title})", dest(&href)), &[]);
        i = end;
    }
    r.close(0);
    Ok(r.out.trim().to_string())
}

/// A link destination: `<…>` when it holds spaces or parentheses.
pub(crate) fn dest(href: &str) -> String {
    if href.is_empty() || href.contains([' ', '(', ')', '<', '>', '\n']) {
        format!(
            "<{}>",
            href.replace('\\', "\\\\")
                .replace('<', "\\<")
                .replace('>', "\\>")
                .replace('\n', " ")
        )
    } else {
        href.replace('\\', "\\\\")
    }
}

impl Inline<'_> {
    fn close(&mut self, from: usize) {
        while self.open.len() > from {
            if let Some(m) = self.open.pop() {
                self.out.push_str(delim(m));
            }
        }
    }

    /// Emits `core` under `marks`: closes what ends, then whitespace, then opens what starts.
    fn emit(&mut self, core: &str, marks: &[&'static str]) {
        let keep = self
            .open
            .iter()
            .position(|m| !marks.contains(m))
            .unwrap_or(self.open.len());
        self.close(keep);
        self.out.push_str(&std::mem::take(&mut self.ws));
        for m in ORDER {
            if marks.contains(&m) && !self.open.contains(&m) {
                self.open.push(m);
                self.out.push_str(delim(m));
            }
        }
        self.out.push_str(core);
    }

    fn text(&mut self, text: &str, marks: &[&'static str], code: bool) -> Result<(), Halt> {
        self.budget.spend(text.len())?;
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                self.hard_break();
            }
            let core = line.trim();
            if core.is_empty() {
                let keep = self
                    .open
                    .iter()
                    .position(|m| !marks.contains(m))
                    .unwrap_or(self.open.len());
                self.close(keep);
                self.ws.push_str(line);
                continue;
            }
            let lead = &line[..line.len() - line.trim_start().len()];
            let trail = &line[lead.len() + core.len()..];
            self.ws.push_str(lead);
            let at_start = self.out.is_empty() || self.out.ends_with('\n');
            let cell = self.ctx == Ctx::Cell;
            let s = if code {
                code_span(core, cell)
            } else {
                escape(core, at_start || self.ctx == Ctx::Heading, cell)
            };
            self.emit(&s, marks);
            self.ws.push_str(trail);
        }
        Ok(())
    }

    fn hard_break(&mut self) {
        if self.ctx == Ctx::Para {
            // Runs never span a break: `*a\\\n*` style delimiters then stay unambiguous.
            self.close(0);
            self.ws.clear();
            self.out.push_str("\\\n");
        } else {
            self.ws.push(' ');
        }
    }

    fn node(&mut self, n: &Value) -> Result<(), Halt> {
        self.budget.spend(1)?;
        let a = &n["attrs"];
        match kind(n) {
            "text" => {
                let names: Vec<&str> = n["marks"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|m| m["type"].as_str())
                    .collect();
                let code = names.contains(&"code");
                let marks: Vec<&'static str> = if code {
                    vec![]
                } else {
                    ORDER.into_iter().filter(|m| names.contains(m)).collect()
                };
                self.text(n["text"].as_str().unwrap_or(""), &marks, code)
            }
            "hardBreak" => {
                self.hard_break();
                Ok(())
            }
            "mention" => {
                let t = a["text"]
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("@{}", a["id"].as_str().unwrap_or("unknown")));
                self.text(
                    &if t.starts_with('@') {
                        t
                    } else {
                        format!("@{t}")
                    },
                    &[],
                    false,
                )
            }
            "emoji" => self.text(
                a["text"].as_str().or(a["shortName"].as_str()).unwrap_or(""),
                &[],
                false,
            ),
            "status" => self.text(a["text"].as_str().unwrap_or(""), &[], false),
            "date" => self.text(
                &date(
                    a["timestamp"]
                        .as_str()
                        .and_then(|t| t.parse().ok())
                        .unwrap_or(0),
                ),
                &[],
                false,
            ),
            "mediaInline" => self.text("[attachment]", &[], false),
            _ => {
                if let Some(t) = n["text"].as_str().or(a["text"].as_str()) {
                    self.text(t, &[], false)?;
                }
                content(n).iter().try_for_each(|c| self.node(c))
            }
        }
    }
}

/// `YYYY-MM-DD` (UTC) of a millisecond timestamp, for ADF `date` nodes.
fn date(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

pub(crate) fn longest_run(s: &str, c: char) -> usize {
    s.split(|x| x != c).map(str::len).max().unwrap_or(0)
}

pub(crate) fn code_span(text: &str, cell: bool) -> String {
    let text = text.replace('\n', " ");
    let text = if cell { text.replace('|', "\\|") } else { text };
    let fence = "`".repeat(longest_run(&text, '`') + 1);
    let pad = text.starts_with('`')
        || text.ends_with('`')
        || (text.starts_with(' ') && text.ends_with(' ') && !text.trim().is_empty());
    if pad {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

/// Escapes Markdown syntax in text; `line_start` also escapes block markers (`#`, `-`, `1.`, `>`…).
pub(crate) fn escape(text: &str, line_start: bool, cell: bool) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        let esc = match c {
            '\\' | '`' | '*' | '[' | ']' | '<' | '~' => true,
            // An underscore inside a word can't start emphasis: keep snake_case readable.
            '_' => {
                !(prev.is_some_and(char::is_alphanumeric)
                    && next.is_some_and(char::is_alphanumeric))
            }
            '&' => next.is_some_and(|n| n.is_alphanumeric() || n == '#'),
            '|' => cell,
            '#' => line_start,
            '-' | '+' | '=' | '>' => line_start && i == 0,
            '.' | ')' => line_start && chars[..i].iter().all(char::is_ascii_digit) && i > 0,
            _ => false,
        };
        if esc {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
