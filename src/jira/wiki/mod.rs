//! Jira wiki markup (Data Center rich text) ↔ ADF, and so ↔ Markdown through the ADF converters.

use serde_json::Value;

mod parse;

pub use parse::wiki_to_adf;

use super::adf;

/// Markdown → wiki markup, for Data Center.
pub fn markdown_to_wiki(md: &str) -> String {
    adf_to_wiki(&adf::markdown_to_adf(md))
}

/// Wiki markup → Markdown.
pub fn wiki_to_markdown(wiki: &str) -> String {
    adf::adf_to_markdown(&wiki_to_adf(wiki))
}

/// What Markdown would lose from wiki markup: the converter's own losses, plus wiki constructs it reads
/// only as text (user mentions, panels, colours, attachments' images).
pub fn inexpressible(wiki: &str) -> Vec<String> {
    let mut lost = adf::inexpressible(&wiki_to_adf(wiki));
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
    lost
}

fn content(n: &Value) -> &[Value] {
    n["content"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// Renders ADF as wiki markup (lossy where wiki has no equivalent, e.g. task lists become bullets).
pub fn adf_to_wiki(doc: &Value) -> String {
    blocks(content(doc)).trim_end().to_string()
}

fn blocks(nodes: &[Value]) -> String {
    nodes
        .iter()
        .map(block)
        .filter(|b| !b.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn block(n: &Value) -> String {
    let c = content(n);
    match n["type"].as_str().unwrap_or("") {
        "paragraph" => inline(c, false),
        "heading" => format!(
            "h{}. {}",
            n["attrs"]["level"].as_u64().unwrap_or(1).clamp(1, 6),
            inline(c, false)
        ),
        "codeBlock" => {
            let text: String = c.iter().filter_map(|t| t["text"].as_str()).collect();
            match n["attrs"]["language"].as_str().filter(|l| !l.is_empty()) {
                Some(lang) => format!("{{code:{lang}}}\n{text}\n{{code}}"),
                None => format!("{{code}}\n{text}\n{{code}}"),
            }
        }
        "blockquote" | "panel" => format!("{{quote}}\n{}\n{{quote}}", blocks(c)),
        "rule" => "----".into(),
        "bulletList" | "orderedList" | "taskList" => list(n, ""),
        "table" => c
            .iter()
            .map(|row| {
                let cells: Vec<String> = content(row)
                    .iter()
                    .map(|cell| {
                        let sep = if cell["type"] == "tableHeader" {
                            "||"
                        } else {
                            "|"
                        };
                        let text: Vec<String> = content(cell)
                            .iter()
                            .map(|p| inline(content(p), true))
                            .collect();
                        format!("{sep}{}", text.join(" "))
                    })
                    .collect();
                let end = if content(row)
                    .first()
                    .is_some_and(|c| c["type"] == "tableHeader")
                {
                    "||"
                } else {
                    "|"
                };
                format!("{}{end}", cells.concat())
            })
            .collect::<Vec<_>>()
            .join("\n"),
        _ if c.iter().any(|x| x["type"] == "text") => inline(c, false),
        _ => blocks(c),
    }
}

fn list(n: &Value, prefix: &str) -> String {
    let marker = format!(
        "{prefix}{}",
        if n["type"] == "orderedList" { "#" } else { "*" }
    );
    let mut lines = Vec::new();
    for item in content(n) {
        if item["type"] == "taskItem" {
            let check = if item["attrs"]["state"] == "DONE" {
                "[x]"
            } else {
                "[ ]"
            };
            lines.push(format!("{marker} {check} {}", inline(content(item), false)));
            continue;
        }
        if item["type"] != "listItem" {
            lines.push(list(item, &marker));
            continue;
        }
        let mut first = true;
        for child in content(item) {
            match child["type"].as_str().unwrap_or("") {
                "bulletList" | "orderedList" | "taskList" => lines.push(list(child, &marker)),
                _ if first => lines.push(format!("{marker} {}", block(child))),
                _ => lines.push(block(child)),
            }
            first = false;
        }
        if first {
            lines.push(format!("{marker} "));
        }
    }
    lines.join("\n")
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
fn inline(nodes: &[Value], cell: bool) -> String {
    let mut r = Runs::default();
    for n in nodes {
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
    r.out + &r.ws
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
