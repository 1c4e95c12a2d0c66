//! Jira wiki markup (Data Center rich text) ↔ ADF, and so ↔ Markdown through the ADF converters.

use serde_json::Value;

mod parse;

pub use parse::{wiki_to_adf, wiki_to_adf_within};

use super::adf;
use super::budget::{Budget, Halt};

// The conversions without a budget are given an unlimited one, which never halts.

/// Markdown → wiki markup, for Data Center.
pub fn markdown_to_wiki(md: &str) -> String {
    markdown_to_wiki_within(md, &mut Budget::unlimited()).unwrap_or_default()
}

/// [`markdown_to_wiki`] spending `budget`.
pub fn markdown_to_wiki_within(md: &str, budget: &mut Budget) -> Result<String, Halt> {
    adf_to_wiki_within(&adf::markdown_to_adf_within(md, budget)?, budget)
}

/// Wiki markup → Markdown.
pub fn wiki_to_markdown(wiki: &str) -> String {
    wiki_to_markdown_within(wiki, &mut Budget::unlimited()).unwrap_or_default()
}

/// [`wiki_to_markdown`] spending `budget`.
pub fn wiki_to_markdown_within(wiki: &str, budget: &mut Budget) -> Result<String, Halt> {
    adf::adf_to_markdown_within(&wiki_to_adf_within(wiki, budget)?, budget)
}

/// What Markdown would lose from wiki markup: the converter's own losses, plus wiki constructs it reads
/// only as text (user mentions, panels, colours, attachments' images).
pub fn inexpressible(wiki: &str) -> Vec<String> {
    inexpressible_within(wiki, &mut Budget::unlimited()).unwrap_or_default()
}

/// [`inexpressible`] spending `budget`.
pub fn inexpressible_within(wiki: &str, budget: &mut Budget) -> Result<Vec<String>, Halt> {
    let mut lost = adf::inexpressible_within(&wiki_to_adf_within(wiki, budget)?, budget)?;
    let markers = [
        ("[~", "mention"),
        ("{panel", "panel"),
        ("{color", "textColor"),
        ("{status", "status"),
    ];
    lost.extend(
        markers
            .iter()
            .filter(|(m, _)| wiki.contains(m))
            .map(|(_, n)| n.to_string()),
    );
    let image = wiki
        .split('!')
        .skip(1)
        .step_by(2)
        .any(|s| !s.is_empty() && !s.contains([' ', '\n']));
    if image && wiki.matches('!').count() >= 2 {
        lost.push("media".into());
    }
    lost.sort();
    lost.dedup();
    Ok(lost)
}

fn content(n: &Value) -> &[Value] {
    n["content"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// Renders ADF as wiki markup (lossy where wiki has no equivalent, e.g. task lists become bullets).
pub fn adf_to_wiki(doc: &Value) -> String {
    adf_to_wiki_within(doc, &mut Budget::unlimited()).unwrap_or_default()
}

/// [`adf_to_wiki`] spending `budget`: a unit per node and per byte of text.
pub fn adf_to_wiki_within(doc: &Value, budget: &mut Budget) -> Result<String, Halt> {
    Ok(blocks(content(doc), budget)?.trim_end().to_string())
}

fn blocks(nodes: &[Value], b: &mut Budget) -> Result<String, Halt> {
    let mut out = Vec::with_capacity(nodes.len());
    for n in nodes {
        let s = block(n, b)?;
        if !s.is_empty() {
            out.push(s);
        }
    }
    Ok(out.join("\n\n"))
}

fn block(n: &Value, b: &mut Budget) -> Result<String, Halt> {
    b.spend(1)?;
    let c = content(n);
    Ok(match n["type"].as_str().unwrap_or("") {
        "paragraph" => inline(c, false, b)?,
        "heading" => format!(
            "h{}. {}",
            n["attrs"]["level"].as_u64().unwrap_or(1).clamp(1, 6),
            inline(c, false, b)?
        ),
        "codeBlock" => {
            let text: String = c.iter().filter_map(|t| t["text"].as_str()).collect();
            b.spend(c.len() + text.len())?;
            match n["attrs"]["language"].as_str().filter(|l| !l.is_empty()) {
                Some(lang) => format!("{{code:{lang}}}\n{text}\n{{code}}"),
                None => format!("{{code}}\n{text}\n{{code}}"),
            }
        }
        "blockquote" | "panel" => format!("{{quote}}\n{}\n{{quote}}", blocks(c, b)?),
        "rule" => "----".into(),
        "bulletList" | "orderedList" | "taskList" => list(n, "", b)?,
        "table" => table(c, b)?,
        _ if c.iter().any(|x| x["type"] == "text") => inline(c, false, b)?,
        _ => blocks(c, b)?,
    })
}

fn table(rows: &[Value], b: &mut Budget) -> Result<String, Halt> {
    let mut lines = Vec::with_capacity(rows.len());
    for row in rows {
        let mut cells = String::new();
        for cell in content(row) {
            b.spend(1)?;
            let sep = if cell["type"] == "tableHeader" {
                "||"
            } else {
                "|"
            };
            let mut text: Vec<String> = Vec::new();
            for p in content(cell) {
                text.push(inline(content(p), true, b)?);
            }
            cells.push_str(sep);
            cells.push_str(&text.join(" "));
        }
        let end = if content(row)
            .first()
            .is_some_and(|c| c["type"] == "tableHeader")
        {
            "||"
        } else {
            "|"
        };
        lines.push(format!("{cells}{end}"));
    }
    Ok(lines.join("\n"))
}

fn list(n: &Value, prefix: &str, b: &mut Budget) -> Result<String, Halt> {
    let marker = format!(
        "{prefix}{}",
        if n["type"] == "orderedList" { "#" } else { "*" }
    );
    let mut lines = Vec::new();
    for item in content(n) {
        b.spend(1 + marker.len())?;
        if item["type"] == "taskItem" {
            let check = if item["attrs"]["state"] == "DONE" {
                "[x]"
            } else {
                "[ ]"
            };
            lines.push(format!(
                "{marker} {check} {}",
                inline(content(item), false, b)?
            ));
            continue;
        }
        if item["type"] != "listItem" {
            lines.push(list(item, &marker, b)?);
            continue;
        }
        let mut first = true;
        for child in content(item) {
            match child["type"].as_str().unwrap_or("") {
                "bulletList" | "orderedList" | "taskList" => lines.push(list(child, &marker, b)?),
                _ if first => lines.push(format!("{marker} {}", block(child, b)?)),
                _ => lines.push(block(child, b)?),
            }
            first = false;
        }
        if first {
            lines.push(format!("{marker} "));
        }
    }
    Ok(lines.join("\n"))
}

fn mark_delim(m: &str) -> Option<&'static str> {
    Some(match m {
        "strong" => "*",
        "em" => "_",
        "strike" => "-",
        "underline" => "+",
        _ => return None,
    })
}

#[derive(Default)]
struct Runs {
    out: String,
    open: Vec<&'static str>,
    ws: String,
}

impl Runs {
    /// Closes effects not in `marks`, writes pending whitespace, opens the new effects, then `core`.
    fn emit(&mut self, core: &str, marks: &[&'static str], lead: &str, trail: &str) {
        let keep = self
            .open
            .iter()
            .position(|m| !marks.contains(m))
            .unwrap_or(self.open.len());
        while self.open.len() > keep {
            self.out
                .push_str(self.open.pop().and_then(mark_delim).unwrap_or(""));
        }
        self.out.push_str(&std::mem::take(&mut self.ws));
        self.out.push_str(lead);
        for m in marks {
            if !self.open.contains(m) {
                self.open.push(m);
                self.out.push_str(mark_delim(m).unwrap_or(""));
            }
        }
        self.out.push_str(core);
        self.ws.push_str(trail);
    }
}

/// Inline nodes as wiki text: effects open and close as runs, with whitespace kept outside the delimiters.
fn inline(nodes: &[Value], cell: bool, b: &mut Budget) -> Result<String, Halt> {
    let mut r = Runs::default();
    for n in nodes {
        b.spend(1 + n["text"].as_str().map_or(0, str::len))?;
        let a = &n["attrs"];
        let (text, marks, core) = match n["type"].as_str().unwrap_or("") {
            "text" => {
                let text = n["text"].as_str().unwrap_or("");
                let names: Vec<&str> = n["marks"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|m| m["type"].as_str())
                    .collect();
                let marks: Vec<&'static str> = ["strong", "em", "strike", "underline"]
                    .into_iter()
                    .filter(|m| names.contains(m) && !names.contains(&"code"))
                    .collect();
                let core = text.trim();
                let mut s = if names.contains(&"code") {
                    format!("{{{{{}}}}}", core.replace('}', "\\}"))
                } else {
                    escape(core, cell)
                };
                let href = n["marks"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|m| m["type"] == "link")
                    .and_then(|m| m["attrs"]["href"].as_str());
                if let Some(href) = href {
                    s = if core == href {
                        format!("[{href}]")
                    } else {
                        format!("[{s}|{href}]")
                    };
                }
                (text.to_string(), marks, s)
            }
            "hardBreak" => {
                r.emit("", &[], "", "");
                r.out.push_str(if cell { " " } else { "\n" });
                r.ws.clear();
                continue;
            }
            "inlineCard" => (
                String::from("x"),
                vec![],
                format!("[{}]", a["url"].as_str().unwrap_or("")),
            ),
            _ => {
                let t = a["text"].as_str().or(a["shortName"].as_str()).unwrap_or("");
                (t.to_string(), vec![], escape(t.trim(), cell))
            }
        };
        if core.is_empty() {
            r.emit("", &marks, "", &text);
            continue;
        }
        let lead = &text[..text.len() - text.trim_start().len()];
        let trail = &text[text.trim_end().len()..];
        r.emit(&core, &marks, lead, trail);
    }
    r.emit("", &[], "", "");
    Ok(r.out + &r.ws)
}

/// Escapes wiki syntax in text: effect characters at word boundaries, brackets, braces, pipes.
fn escape(text: &str, cell: bool) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let word = |j: Option<usize>| {
            j.and_then(|j| chars.get(j))
                .is_some_and(|c| c.is_alphanumeric())
        };
        let boundary = !word(i.checked_sub(1)) || !word(Some(i + 1));
        let esc = match c {
            '*' | '[' | ']' | '{' | '}' | '!' | '^' | '~' => true,
            '_' | '-' | '+' => boundary,
            '|' => cell,
            '#' | 'h' | 'b' => {
                i == 0 && (c == '#' || text.starts_with(['h', 'b']) && is_block_start(text))
            }
            _ => false,
        };
        if esc {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Text that would read as `h1.` or `bq.` at the start of a line.
fn is_block_start(text: &str) -> bool {
    let b = text.as_bytes();
    (b.len() >= 3 && b[0] == b'h' && (b'1'..=b'6').contains(&b[1]) && b[2] == b'.')
        || text.starts_with("bq.")
}

#[cfg(test)]
mod tests;
