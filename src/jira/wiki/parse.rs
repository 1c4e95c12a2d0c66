//! Wiki markup → ADF: a line-based block parser and an inline parser for text effects and links.

use serde_json::{json, Value};

use crate::jira::adf::{fit, merge_text};

/// Parses wiki markup into an ADF document (headings, lists, code, quotes, rules, tables, text effects, links).
pub fn wiki_to_adf(wiki: &str) -> Value {
    json!({"type": "doc", "version": 1, "content": fit("doc", parse_blocks(&wiki.replace("\r\n", "\n")))})
}

fn parse_blocks(text: &str) -> Vec<Value> {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out = Vec::new();
    let mut para: Vec<&str> = Vec::new();
    let flush = |para: &mut Vec<&str>, out: &mut Vec<Value>| {
        if !para.is_empty() {
            let mut inl = Vec::new();
            for (i, l) in para.iter().enumerate() {
                if i > 0 {
                    inl.push(json!({"type": "hardBreak"}));
                }
                inl.extend(parse_inline(l.trim(), &[]));
            }
            out.push(json!({"type": "paragraph", "content": merge_text(inl)}));
            para.clear();
        }
    };
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let t = line.trim();
        if let Some((kind, lang)) = macro_start(t) {
            flush(&mut para, &mut out);
            let end = (i + 1..lines.len())
                .find(|&j| lines[j].trim() == format!("{{{kind}}}"))
                .unwrap_or(lines.len());
            let inner = lines[i + 1..end.min(lines.len())].join("\n");
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
                _ => json!({"type": "blockquote", "content": fit("blockquote", parse_blocks(&inner))}),
            });
            i = end + 1;
            continue;
        }
        if t.is_empty() {
            flush(&mut para, &mut out);
        } else if let Some((level, rest)) = heading(t) {
            flush(&mut para, &mut out);
            out.push(json!({"type": "heading", "attrs": {"level": level}, "content": merge_text(parse_inline(rest, &[]))}));
        } else if let Some(rest) = t.strip_prefix("bq. ") {
            flush(&mut para, &mut out);
            out.push(json!({"type": "blockquote", "content": [{"type": "paragraph", "content": merge_text(parse_inline(rest, &[]))}]}));
        } else if t == "----" {
            flush(&mut para, &mut out);
            out.push(json!({"type": "rule"}));
        } else if list_marker(t).is_some() {
            flush(&mut para, &mut out);
            let mut items = Vec::new();
            while let Some((m, rest)) = lines.get(i).and_then(|l| list_marker(l.trim())) {
                items.push((m, rest));
                i += 1;
            }
            let mut at = 0;
            while at < items.len() {
                out.push(build_list(&items, &mut at, 1));
            }
            continue;
        } else if t.starts_with('|') {
            flush(&mut para, &mut out);
            let mut rows = Vec::new();
            while let Some(l) = lines
                .get(i)
                .map(|l| l.trim())
                .filter(|l| l.starts_with('|'))
            {
                rows.push(table_row(l));
                i += 1;
            }
            out.push(json!({"type": "table", "content": rows}));
            continue;
        } else {
            para.push(line);
        }
        i += 1;
    }
    flush(&mut para, &mut out);
    out
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

fn list_marker(t: &str) -> Option<(&str, &str)> {
    let n = t
        .chars()
        .take_while(|c| matches!(c, '*' | '#' | '-'))
        .count();
    let (m, rest) = t.split_at(n);
    (n > 0 && rest.starts_with(' ') && !(m.starts_with('-') && n > 1) && m != "----")
        .then(|| (m, rest.trim_start()))
}

fn build_list(items: &[(&str, &str)], at: &mut usize, depth: usize) -> Value {
    let ordered = items.get(*at).and_then(|(m, _)| m.chars().nth(depth - 1)) == Some('#');
    let mut list_items: Vec<Value> = Vec::new();
    while let Some((m, text)) = items.get(*at) {
        let len = m.chars().count();
        let same_kind = (m.chars().nth(depth - 1) == Some('#')) == ordered;
        if len < depth || (len == depth && !same_kind) {
            break;
        }
        if len == depth {
            list_items.push(json!({"type": "listItem", "content": [{"type": "paragraph", "content": merge_text(parse_inline(text, &[]))}]}));
            *at += 1;
        } else {
            let nested = build_list(items, at, depth + 1);
            match list_items
                .last_mut()
                .and_then(|li| li["content"].as_array_mut())
            {
                Some(c) => c.push(nested),
                None => list_items.push(json!({"type": "listItem", "content": [nested]})),
            }
        }
    }
    json!({"type": if ordered { "orderedList" } else { "bulletList" }, "content": list_items})
}

fn table_row(line: &str) -> Value {
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
            json!({"type": "paragraph", "content": merge_text(parse_inline(text, &[]))})
        };
        cells.push(json!({"type": kind, "content": [p]}));
    }
    json!({"type": "tableRow", "content": cells})
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

fn text_node(text: &str, marks: &[Value]) -> Value {
    let mut n = json!({"type": "text", "text": text});
    if !marks.is_empty() {
        n["marks"] = Value::Array(marks.to_vec());
    }
    n
}

/// Inline wiki: `*strong*`, `_em_`, `-strike-`, `+underline+`, `{{code}}`, `[text|url]`, `[~user]`, `\\` breaks.
fn parse_inline(s: &str, marks: &[Value]) -> Vec<Value> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut buf = String::new();
    let mut i = 0;
    let flush = |buf: &mut String, out: &mut Vec<Value>| {
        if !buf.is_empty() {
            out.push(text_node(buf, marks));
            buf.clear();
        }
    };
    while i < chars.len() {
        let c = chars[i];
        let rest: String = chars[i..].iter().collect();
        if c == '\\' {
            match chars.get(i + 1) {
                Some('\\') => {
                    flush(&mut buf, &mut out);
                    out.push(json!({"type": "hardBreak"}));
                }
                Some(&n) => buf.push(n),
                None => buf.push('\\'),
            }
            i += 2;
            continue;
        }
        if let Some(after) = rest.strip_prefix("{{") {
            if let Some(end) = after.find("}}") {
                flush(&mut buf, &mut out);
                let code = after[..end].replace("\\}", "}");
                let mut m: Vec<Value> = vec![json!({"type": "code"})];
                m.extend(marks.iter().filter(|x| x["type"] == "link").cloned());
                if !code.is_empty() {
                    out.push(text_node(&code, &m));
                }
                i += 4 + after[..end].chars().count();
                continue;
            }
        }
        if c == '[' {
            if let Some(end) = find_unescaped(&rest[1..], ']') {
                let inner = &rest[1..1 + end];
                let (label, href) = inner.rsplit_once('|').unwrap_or((inner, inner));
                if let Some(user) = inner.strip_prefix('~') {
                    buf.push('@');
                    buf.push_str(user);
                    i += 2 + inner.chars().count();
                    continue;
                }
                if href.contains("://") || href.starts_with("mailto:") {
                    flush(&mut buf, &mut out);
                    let mut m = marks.to_vec();
                    m.push(json!({"type": "link", "attrs": {"href": href}}));
                    out.extend(parse_inline(label, &m));
                    i += 2 + inner.chars().count();
                    continue;
                }
            }
        }
        if let Some(mark) = match c {
            '*' => Some("strong"),
            '_' => Some("em"),
            '-' => Some("strike"),
            '+' => Some("underline"),
            _ => None,
        } {
            let opens = (i == 0 || !chars[i - 1].is_alphanumeric())
                && chars.get(i + 1).is_some_and(|n| !n.is_whitespace());
            let close = opens.then(|| {
                (i + 2..chars.len()).find(|&j| {
                    chars[j] == c
                        && chars[j - 1] != '\\'
                        && !chars[j - 1].is_whitespace()
                        && chars.get(j + 1).is_none_or(|n| !n.is_alphanumeric())
                })
            });
            if let Some(Some(j)) = close {
                flush(&mut buf, &mut out);
                let mut m = marks.to_vec();
                m.push(json!({"type": mark}));
                out.extend(parse_inline(
                    &chars[i + 1..j].iter().collect::<String>(),
                    &m,
                ));
                i = j + 1;
                continue;
            }
        }
        buf.push(c);
        i += 1;
    }
    flush(&mut buf, &mut out);
    out
}
