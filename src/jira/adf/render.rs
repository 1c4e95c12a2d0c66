//! ADF → Markdown. Lossy but safe: nodes Markdown can't express degrade to their readable text
//! (mention → `@Name`, panel → quote, inline card → link); text is escaped so it stays text.

use serde_json::Value;

use super::inline::{code_span, dest, escape, inline, longest_run, Ctx};
use super::{content, kind};
use crate::jira::budget::{Budget, Halt};

/// Renders an ADF document (or any ADF node) as CommonMark + GFM tables, strikethrough and task lists.
pub fn adf_to_markdown(doc: &Value) -> String {
    // An unlimited budget never halts.
    adf_to_markdown_within(doc, &mut Budget::unlimited()).unwrap_or_default()
}

/// [`adf_to_markdown`] spending `budget`: a unit per node and per byte of Markdown written.
pub fn adf_to_markdown_within(doc: &Value, budget: &mut Budget) -> Result<String, Halt> {
    let md = blocks(content(doc), false, budget)?;
    Ok(if md.is_empty() { md } else { md + "\n" })
}

fn is_inline(n: &Value) -> bool {
    matches!(
        kind(n),
        "text"
            | "hardBreak"
            | "mention"
            | "emoji"
            | "status"
            | "date"
            | "inlineCard"
            | "placeholder"
            | "mediaInline"
            | "inlineExtension"
    )
}

/// Which list marker family a block uses: adjacent lists of one family need another marker to stay apart.
fn family(n: &Value) -> Option<bool> {
    match kind(n) {
        "bulletList" | "taskList" | "decisionList" => Some(true),
        "orderedList" => Some(false),
        _ => None,
    }
}

/// Blocks separated by blank lines; in a list item (`tight`) a nested list follows its paragraph directly.
fn blocks(nodes: &[Value], tight: bool, b: &mut Budget) -> Result<String, Halt> {
    let mut out = String::new();
    let (mut prev, mut alt) = (None::<&Value>, false);
    for n in nodes {
        alt = family(n).is_some() && prev.and_then(family) == family(n) && !alt;
        let s = block(n, alt, b)?;
        if s.is_empty() {
            continue;
        }
        if let Some(p) = prev {
            let nested = tight
                && kind(p) == "paragraph"
                && family(n).is_some()
                && s.lines().next().is_some_and(|l| l.len() > 3);
            let ordered_late =
                kind(n) == "orderedList" && n["attrs"]["order"].as_u64().is_some_and(|o| o != 1);
            out.push_str(if nested && !ordered_late {
                "\n"
            } else {
                "\n\n"
            });
        }
        out.push_str(&s);
        prev = Some(n);
    }
    Ok(out)
}

/// `s` with `first` before its first line and `rest` before the others: a pass over `s`, spent.
fn prefix_lines(s: &str, first: &str, rest: &str, b: &mut Budget) -> Result<String, Halt> {
    b.spend(s.len())?;
    let mut out = String::new();
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let p = if i == 0 { first } else { rest };
        if line.is_empty() {
            out.push_str(p.trim_end());
        } else {
            out.push_str(p);
            out.push_str(line);
        }
    }
    Ok(out)
}

fn block(n: &Value, alt: bool, b: &mut Budget) -> Result<String, Halt> {
    b.spend(1)?;
    let c = content(n);
    Ok(match kind(n) {
        "paragraph" => inline(c, Ctx::Para, b)?,
        "heading" => {
            let level = n["attrs"]["level"].as_u64().unwrap_or(1).clamp(1, 6) as usize;
            format!("{} {}", "#".repeat(level), inline(c, Ctx::Heading, b)?)
                .trim_end()
                .to_string()
        }
        "codeBlock" => {
            let text: String = c.iter().filter_map(|t| t["text"].as_str()).collect();
            b.spend(c.len() + text.len())?;
            let run = longest_run(&text, '`');
            let fence = "`".repeat(run.max(2) + 1);
            let lang: String = n["attrs"]["language"]
                .as_str()
                .unwrap_or("")
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '`')
                .collect();
            let body = if text.is_empty() {
                String::new()
            } else {
                format!("{text}\n")
            };
            format!("{fence}{lang}\n{body}{fence}")
        }
        "blockquote" | "panel" => prefix_lines(&blocks(c, false, b)?, "> ", "> ", b)?,
        "rule" => "---".into(),
        "bulletList" | "decisionList" => list(c, |_| if alt { "* " } else { "- " }.to_string(), b)?,
        "orderedList" => {
            let start = n["attrs"]["order"].as_u64().unwrap_or(1);
            let delim = if alt { ')' } else { '.' };
            list(c, |i| format!("{}{delim} ", start + i as u64), b)?
        }
        "taskList" => task_list(c, if alt { "* " } else { "- " }, b)?,
        "table" => table(c, b)?,
        "expand" | "nestedExpand" => {
            let title = n["attrs"]["title"].as_str().unwrap_or("");
            let head = if title.is_empty() {
                String::new()
            } else {
                format!("**{}**\n\n", escape(title, true, false))
            };
            format!("{head}{}", blocks(c, false, b)?)
                .trim_end()
                .to_string()
        }
        "blockCard" | "embedCard" => n["attrs"]["url"]
            .as_str()
            .map(|u| format!("[{}]({})", escape(u, false, false), dest(u)))
            .unwrap_or_default(),
        "mediaSingle" | "mediaGroup" | "media" => media(n, b)?,
        _ if is_inline(n) => inline(std::slice::from_ref(n), Ctx::Para, b)?,
        _ if c.iter().any(is_inline) => inline(c, Ctx::Para, b)?,
        _ => blocks(c, false, b)?,
    })
}

fn media(n: &Value, b: &mut Budget) -> Result<String, Halt> {
    let mut names = Vec::new();
    collect_media(n, &mut names, b)?;
    Ok(names
        .iter()
        .map(|a| escape(&format!("[attachment: {a}]"), true, false))
        .collect::<Vec<_>>()
        .join(" "))
}

fn collect_media(n: &Value, out: &mut Vec<String>, b: &mut Budget) -> Result<(), Halt> {
    b.spend(1)?;
    if kind(n) == "media" {
        let a = &n["attrs"];
        let name = a["alt"]
            .as_str()
            .or(a["url"].as_str())
            .or(a["id"].as_str())
            .unwrap_or("file");
        out.push(name.to_string());
    }
    content(n).iter().try_for_each(|c| collect_media(c, out, b))
}

fn list(items: &[Value], marker: impl Fn(usize) -> String, b: &mut Budget) -> Result<String, Halt> {
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let m = marker(i);
        let body = if kind(item) == "listItem" || kind(item) == "decisionItem" {
            b.spend(1)?;
            if content(item).iter().any(is_inline) {
                inline(content(item), Ctx::Para, b)?
            } else {
                blocks(content(item), true, b)?
            }
        } else {
            block(item, false, b)?
        };
        out.push(
            prefix_lines(&body, &m, &" ".repeat(m.len()), b)?
                .trim_end()
                .to_string(),
        );
    }
    Ok(out.join("\n"))
}

fn task_list(items: &[Value], marker: &str, b: &mut Budget) -> Result<String, Halt> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        b.spend(1)?;
        if kind(item) == "taskList" {
            // A nested task list belongs under the item before it.
            let nested = prefix_lines(&task_list(content(item), "- ", b)?, "  ", "  ", b)?;
            out.push(nested);
            continue;
        }
        let check = if item["attrs"]["state"] == "DONE" {
            "[x] "
        } else {
            "[ ] "
        };
        let body = inline(content(item), Ctx::Para, b)?;
        out.push(
            prefix_lines(&body, &format!("{marker}{check}"), "  ", b)?
                .trim_end()
                .to_string(),
        );
    }
    Ok(out.join("\n"))
}

fn table(rows: &[Value], b: &mut Budget) -> Result<String, Halt> {
    let mut cells: Vec<Vec<String>> = Vec::with_capacity(rows.len());
    for r in rows {
        let mut row = Vec::new();
        for cell in content(r) {
            b.spend(1)?;
            let texts = content(cell)
                .iter()
                .map(|n| cell_text(n, b))
                .collect::<Result<Vec<_>, _>>()?;
            row.push(texts.join(" ").trim().to_string());
        }
        cells.push(row);
    }
    let width = cells.iter().map(Vec::len).max().unwrap_or(0).max(1);
    let line = |row: &[String]| {
        let padded: Vec<&str> = (0..width)
            .map(|i| row.get(i).map_or("", String::as_str))
            .collect();
        format!("| {} |", padded.join(" | "))
    };
    let mut out = vec![
        line(cells.first().map(Vec::as_slice).unwrap_or_default()),
        format!("|{}", " --- |".repeat(width)),
    ];
    out.extend(cells.iter().skip(1).map(|r| line(r)));
    let out = out.join("\n");
    b.spend(out.len())?;
    Ok(out)
}

fn cell_text(n: &Value, b: &mut Budget) -> Result<String, Halt> {
    b.spend(1)?;
    if is_inline(n) {
        return inline(std::slice::from_ref(n), Ctx::Cell, b);
    }
    let c = content(n);
    Ok(
        if c.iter().any(is_inline) || kind(n) == "paragraph" || kind(n) == "heading" {
            inline(c, Ctx::Cell, b)?
        } else if kind(n) == "codeBlock" {
            let text: String = c.iter().filter_map(|t| t["text"].as_str()).collect();
            b.spend(text.len())?;
            code_span(&text, true)
        } else {
            c.iter()
                .map(|n| cell_text(n, b))
                .collect::<Result<Vec<_>, _>>()?
                .join(" ")
        },
    )
}
