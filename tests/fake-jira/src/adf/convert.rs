//! ADF conversions: to HTML (`renderedFields`), plain text (JQL `text ~`) and wiki markup (v2 /
//! Data Center), plus a small wiki-markup → ADF reader.

use serde_json::{json, Value};

fn kids(v: &Value) -> &[Value] {
    v.get("content")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn attr<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get("attrs")
        .and_then(|a| a.get(k))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// ADF → HTML, as in `renderedFields`.
pub fn to_html(v: &Value) -> String {
    let mut out = String::new();
    html(v, &mut out);
    out
}

fn html(v: &Value, out: &mut String) {
    let inner = |out: &mut String| kids(v).iter().for_each(|k| html(k, out));
    match v.get("type").and_then(Value::as_str).unwrap_or("") {
        "doc" => inner(out),
        "paragraph" => {
            out.push_str("<p>");
            inner(out);
            out.push_str("</p>");
        }
        "heading" => {
            let l = v.pointer("/attrs/level").and_then(Value::as_u64).unwrap_or(1);
            let id: String = to_text(v).chars().filter(|c| c.is_alphanumeric()).collect();
            out.push_str(&format!("<h{l}><a name=\"{id}\"></a>"));
            inner(out);
            out.push_str(&format!("</h{l}>"));
        }
        "bulletList" => {
            out.push_str("<ul>");
            inner(out);
            out.push_str("</ul>");
        }
        "orderedList" => {
            out.push_str("<ol>");
            inner(out);
            out.push_str("</ol>");
        }
        "listItem" => {
            out.push_str("<li>");
            inner(out);
            out.push_str("</li>");
        }
        "codeBlock" => {
            out.push_str("<div class=\"code panel\" style=\"border-width: 1px;\"><div class=\"codeContent panelContent\">\n<pre class=\"code-java\">");
            out.push_str(&crate::util::esc(&to_text(v)));
            out.push_str("</pre>\n</div></div>");
        }
        "blockquote" => {
            out.push_str("<blockquote>");
            inner(out);
            out.push_str("</blockquote>");
        }
        "rule" => out.push_str("<hr />"),
        "panel" => {
            out.push_str("<div class=\"panel\"><div class=\"panelContent\">");
            inner(out);
            out.push_str("</div></div>");
        }
        "hardBreak" => out.push_str("<br/>"),
        "mention" => out.push_str(&format!(
            "<a href=\"/secure/ViewProfile.jspa?accountId={}\" class=\"user-hover\" rel=\"{}\">{}</a>",
            crate::util::esc(attr(v, "id")),
            crate::util::esc(attr(v, "id")),
            crate::util::esc(attr(v, "text").trim_start_matches('@'))
        )),
        "emoji" => out.push_str(&crate::util::esc(attr(v, "shortName"))),
        "inlineCard" => out.push_str(&format!("<a href=\"{0}\">{0}</a>", crate::util::esc(attr(v, "url")))),
        "status" => out.push_str(&crate::util::esc(attr(v, "text"))),
        "text" => {
            let mut s = crate::util::esc(v.get("text").and_then(Value::as_str).unwrap_or(""));
            for m in v.get("marks").and_then(Value::as_array).into_iter().flatten() {
                s = match m.get("type").and_then(Value::as_str).unwrap_or("") {
                    "strong" => format!("<b>{s}</b>"),
                    "em" => format!("<em>{s}</em>"),
                    "strike" => format!("<del>{s}</del>"),
                    "underline" => format!("<ins>{s}</ins>"),
                    "code" => format!("<tt>{s}</tt>"),
                    "link" => format!("<a href=\"{}\" class=\"external-link\" rel=\"nofollow noreferrer\">{s}</a>", crate::util::esc(attr(m, "href"))),
                    _ => s,
                };
            }
            out.push_str(&s);
        }
        _ => inner(out),
    }
}

/// ADF → plain text (descendant text joined; blocks separated by newlines).
pub fn to_text(v: &Value) -> String {
    let mut out = String::new();
    text_of(v, &mut out);
    out.trim_end().to_string()
}

fn text_of(v: &Value, out: &mut String) {
    match v.get("type").and_then(Value::as_str).unwrap_or("") {
        "text" => out.push_str(v.get("text").and_then(Value::as_str).unwrap_or("")),
        "mention" => out.push_str(attr(v, "text")),
        "hardBreak" => out.push('\n'),
        t => {
            kids(v).iter().for_each(|k| text_of(k, out));
            if matches!(t, "paragraph" | "heading" | "codeBlock" | "listItem")
                && !out.ends_with('\n')
            {
                out.push('\n');
            }
        }
    }
}

/// ADF → Jira wiki markup (for `/rest/api/2` and Data Center).
pub fn to_wiki(v: &Value) -> String {
    let mut out = Vec::new();
    for b in kids(v) {
        wiki_block(b, "", &mut out);
    }
    out.join("\n")
}

fn wiki_inline(v: &Value) -> String {
    kids(v)
        .iter()
        .map(
            |n| match n.get("type").and_then(Value::as_str).unwrap_or("") {
                "text" => {
                    let mut s = n
                        .get("text")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string();
                    for m in n
                        .get("marks")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        s = match m.get("type").and_then(Value::as_str).unwrap_or("") {
                            "strong" => format!("*{s}*"),
                            "em" => format!("_{s}_"),
                            "strike" => format!("-{s}-"),
                            "underline" => format!("+{s}+"),
                            "code" => format!("{{{{{s}}}}}"),
                            "link" => format!("[{s}|{}]", attr(m, "href")),
                            _ => s,
                        };
                    }
                    s
                }
                "mention" => format!("[~accountid:{}]", attr(n, "id")),
                "hardBreak" => "\n".into(),
                "inlineCard" => format!("[{}]", attr(n, "url")),
                _ => to_text(n),
            },
        )
        .collect()
}

fn wiki_block(b: &Value, bullet: &str, out: &mut Vec<String>) {
    match b.get("type").and_then(Value::as_str).unwrap_or("") {
        "heading" => {
            let l = b
                .pointer("/attrs/level")
                .and_then(Value::as_u64)
                .unwrap_or(1);
            out.push(format!("h{l}. {}", wiki_inline(b)));
        }
        "bulletList" | "orderedList" => {
            let ch = if b["type"] == "bulletList" { "*" } else { "#" };
            let prefix = format!("{bullet}{ch}");
            for li in kids(b) {
                let mut first = true;
                for c in kids(li) {
                    if c["type"] == "paragraph" && first {
                        out.push(format!("{prefix} {}", wiki_inline(c)));
                        first = false;
                    } else {
                        wiki_block(c, &prefix, out);
                    }
                }
            }
        }
        "codeBlock" => {
            let lang = attr(b, "language");
            let open = if lang.is_empty() {
                "{code}".to_string()
            } else {
                format!("{{code:{lang}}}")
            };
            out.push(format!("{open}\n{}\n{{code}}", to_text(b)));
        }
        "blockquote" => out.push(format!("{{quote}}{}{{quote}}", to_text(b))),
        "rule" => out.push("----".into()),
        _ => out.push(wiki_inline(b)),
    }
}

/// `{code}` or `{code:lang}` at the start of a line → (lang, rest of the line).
fn code_open(line: &str) -> Option<(&str, &str)> {
    let rest = line.strip_prefix("{code")?;
    let (spec, after) = rest.split_once('}')?;
    let lang = match spec.strip_prefix(':') {
        Some(l) => l.split('|').next().unwrap_or(""),
        None if spec.is_empty() => "",
        None => return None,
    };
    Some((lang, after))
}

/// `h1. Title` → (1, "Title").
fn heading(line: &str) -> Option<(u8, &str)> {
    let mut cs = line.strip_prefix('h')?.chars();
    let l = cs.next()?.to_digit(10)? as u8;
    if !(1..=6).contains(&l) {
        return None;
    }
    Some((l, cs.as_str().strip_prefix(". ")?))
}

/// Wiki markup → ADF (headings, bullets, code blocks and paragraphs; the rest stays text).
pub fn from_wiki(s: &str) -> Value {
    let mut content = Vec::new();
    let mut lines = s.lines().peekable();
    let text = |t: &str| {
        if t.is_empty() {
            json!({"type": "paragraph"})
        } else {
            json!({"type": "paragraph", "content": [{"type": "text", "text": t}]})
        }
    };
    while let Some(line) = lines.next() {
        if let Some((lang, after)) = code_open(line) {
            let mut body = Vec::new();
            if let Some((inline, _)) = after.split_once("{code}") {
                body.push(inline);
            } else {
                if !after.is_empty() {
                    body.push(after);
                }
                for l in lines.by_ref() {
                    if let Some((last, _)) = l.split_once("{code}") {
                        if !last.is_empty() {
                            body.push(last);
                        }
                        break;
                    }
                    body.push(l);
                }
            }
            let mut node = json!({"type": "codeBlock", "attrs": {}});
            if !lang.is_empty() {
                node["attrs"]["language"] = json!(lang);
            }
            let b = body.join("\n");
            if !b.is_empty() {
                node["content"] = json!([{"type": "text", "text": b}]);
            }
            content.push(node);
        } else if let Some((l, t)) = heading(line) {
            let mut node = json!({"type": "heading", "attrs": {"level": l}});
            if !t.is_empty() {
                node["content"] = json!([{"type": "text", "text": t}]);
            }
            content.push(node);
        } else if let Some(t) = line.strip_prefix("* ") {
            let mut items = vec![json!({"type": "listItem", "content": [text(t)]})];
            while let Some(t) = lines.peek().and_then(|l| l.strip_prefix("* ")) {
                items.push(json!({"type": "listItem", "content": [text(t)]}));
                lines.next();
            }
            content.push(json!({"type": "bulletList", "content": items}));
        } else if line.trim().is_empty() {
            continue;
        } else {
            content.push(text(line));
        }
    }
    json!({"type": "doc", "version": 1, "content": content})
}
