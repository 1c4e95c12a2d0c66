//! Atlassian Document Format: validation of the subset Jira editors produce (checked against the
//! official schema by `tests/adf.rs`); conversions live in [`convert`].

mod convert;

pub use convert::{from_wiki, to_html, to_text, to_wiki};

use serde_json::{json, Map, Value};

type V = Result<(), String>;

fn obj<'a>(v: &'a Value, at: &str) -> Result<&'a Map<String, Value>, String> {
    v.as_object().ok_or_else(|| format!("{at}: not an object"))
}

fn only(o: &Map<String, Value>, keys: &[&str], at: &str) -> V {
    match o.keys().find(|k| !keys.contains(&k.as_str())) {
        Some(k) => Err(format!("{at}: unexpected property '{k}'")),
        None => Ok(()),
    }
}

fn attrs<'a>(
    o: &'a Map<String, Value>,
    keys: &[&str],
    required: &[&str],
    at: &str,
) -> Result<Option<&'a Map<String, Value>>, String> {
    match o.get("attrs") {
        None if required.is_empty() => Ok(None),
        None => Err(format!("{at}: attrs required")),
        Some(a) => {
            let a = obj(a, at)?;
            only(a, keys, at)?;
            for r in required {
                if !a.contains_key(*r) {
                    return Err(format!("{at}: attrs.{r} required"));
                }
            }
            Ok(Some(a))
        }
    }
}

fn strings(a: Option<&Map<String, Value>>, keys: &[&str], at: &str) -> V {
    if let Some(a) = a {
        for k in keys {
            if let Some(v) = a.get(*k) {
                if !v.is_string() {
                    return Err(format!("{at}: attrs.{k} must be a string"));
                }
            }
        }
    }
    Ok(())
}

fn no_marks(o: &Map<String, Value>, at: &str) -> V {
    match o.get("marks") {
        None => Ok(()),
        Some(Value::Array(a)) if a.is_empty() => Ok(()),
        _ => Err(format!("{at}: marks not allowed")),
    }
}

fn content<'a>(
    o: &'a Map<String, Value>,
    required: bool,
    min: usize,
    at: &str,
) -> Result<&'a [Value], String> {
    match o.get("content") {
        None if !required => Ok(&[]),
        None => Err(format!("{at}: content required")),
        Some(Value::Array(a)) if a.len() >= min => Ok(a),
        Some(_) => Err(format!("{at}: content must be an array of at least {min}")),
    }
}

fn ty(o: &Map<String, Value>) -> &str {
    o.get("type").and_then(Value::as_str).unwrap_or("")
}

/// Validates a whole document (root `doc`).
pub fn validate(v: &Value) -> V {
    let o = obj(v, "doc")?;
    only(o, &["type", "content", "version"], "doc")?;
    if ty(o) != "doc" {
        return Err("doc: type must be 'doc'".into());
    }
    if o.get("version") != Some(&json!(1)) {
        return Err("doc: version must be 1".into());
    }
    for (i, b) in content(o, true, 0, "doc")?.iter().enumerate() {
        block(
            b,
            &[
                "paragraph",
                "heading",
                "bulletList",
                "orderedList",
                "codeBlock",
                "blockquote",
                "rule",
                "panel",
                "table",
                "taskList",
            ],
            &format!("doc.content[{i}]"),
        )?;
    }
    Ok(())
}

fn block(v: &Value, allowed: &[&str], at: &str) -> V {
    let o = obj(v, at)?;
    let t = ty(o);
    if !allowed.contains(&t) {
        return Err(format!("{at}: node '{t}' not allowed here"));
    }
    match t {
        "paragraph" => {
            only(o, &["type", "marks", "attrs", "content"], at)?;
            no_marks(o, at)?;
            strings(attrs(o, &["localId"], &[], at)?, &["localId"], at)?;
            inlines(content(o, false, 0, at)?, at)
        }
        "heading" => {
            only(o, &["type", "marks", "attrs", "content"], at)?;
            no_marks(o, at)?;
            let a = attrs(o, &["level", "localId"], &["level"], at)?;
            strings(a, &["localId"], at)?;
            let lvl = a
                .and_then(|a| a.get("level"))
                .and_then(Value::as_f64)
                .unwrap_or(0.0);
            if !(1.0..=6.0).contains(&lvl) {
                return Err(format!("{at}: level must be 1..6"));
            }
            inlines(content(o, false, 0, at)?, at)
        }
        "bulletList" | "orderedList" => {
            only(o, &["type", "attrs", "content"], at)?;
            let a = if t == "orderedList" {
                let a = attrs(o, &["order", "localId"], &[], at)?;
                if let Some(ord) = a.and_then(|a| a.get("order")) {
                    if !ord.as_f64().is_some_and(|n| n >= 0.0) {
                        return Err(format!("{at}: order must be a number >= 0"));
                    }
                }
                a
            } else {
                attrs(o, &["localId"], &[], at)?
            };
            strings(a, &["localId"], at)?;
            for (i, li) in content(o, true, 1, at)?.iter().enumerate() {
                let at = format!("{at}.content[{i}]");
                let lo = obj(li, &at)?;
                if ty(lo) != "listItem" {
                    return Err(format!("{at}: listItem expected"));
                }
                only(lo, &["type", "attrs", "content"], &at)?;
                strings(attrs(lo, &["localId"], &[], &at)?, &["localId"], &at)?;
                for (j, b) in content(lo, true, 1, &at)?.iter().enumerate() {
                    block(
                        b,
                        &["paragraph", "bulletList", "orderedList", "codeBlock"],
                        &format!("{at}.content[{j}]"),
                    )?;
                }
            }
            Ok(())
        }
        "codeBlock" => {
            only(o, &["type", "marks", "attrs", "content"], at)?;
            no_marks(o, at)?;
            let a = attrs(
                o,
                &["language", "uniqueId", "localId", "wrap", "hideLineNumbers"],
                &[],
                at,
            )?;
            strings(a, &["language", "uniqueId", "localId"], at)?;
            if let Some(a) = a {
                for k in ["wrap", "hideLineNumbers"] {
                    if a.get(k).is_some_and(|v| !v.is_boolean()) {
                        return Err(format!("{at}: {k} must be a boolean"));
                    }
                }
            }
            for (i, n) in content(o, false, 0, at)?.iter().enumerate() {
                let at = format!("{at}.content[{i}]");
                let no = obj(n, &at)?;
                if ty(no) != "text" {
                    return Err(format!("{at}: only text allowed in codeBlock"));
                }
                no_marks(no, &at)?;
                text(no, &at)?;
            }
            Ok(())
        }
        "blockquote" => {
            only(o, &["type", "attrs", "content"], at)?;
            strings(attrs(o, &["localId"], &[], at)?, &["localId"], at)?;
            for (i, b) in content(o, true, 1, at)?.iter().enumerate() {
                block(
                    b,
                    &["paragraph", "bulletList", "orderedList", "codeBlock"],
                    &format!("{at}.content[{i}]"),
                )?;
            }
            Ok(())
        }
        "rule" => {
            only(o, &["type", "attrs"], at)?;
            strings(attrs(o, &["localId"], &[], at)?, &["localId"], at)
        }
        "panel" => {
            only(o, &["type", "attrs", "content"], at)?;
            let a = attrs(
                o,
                &[
                    "panelType",
                    "panelIcon",
                    "panelIconId",
                    "panelIconText",
                    "panelColor",
                    "localId",
                ],
                &["panelType"],
                at,
            )?;
            strings(
                a,
                &[
                    "panelIcon",
                    "panelIconId",
                    "panelIconText",
                    "panelColor",
                    "localId",
                ],
                at,
            )?;
            let pt = a
                .and_then(|a| a.get("panelType"))
                .and_then(Value::as_str)
                .unwrap_or("");
            if ![
                "info", "note", "tip", "warning", "error", "success", "custom",
            ]
            .contains(&pt)
            {
                return Err(format!("{at}: bad panelType"));
            }
            for (i, b) in content(o, true, 1, at)?.iter().enumerate() {
                block(
                    b,
                    &[
                        "paragraph",
                        "heading",
                        "bulletList",
                        "orderedList",
                        "codeBlock",
                        "rule",
                    ],
                    &format!("{at}.content[{i}]"),
                )?;
            }
            Ok(())
        }
        "table" => table(o, at),
        "taskList" => task_list(o, at),
        _ => Err(format!("{at}: unsupported node '{t}'")),
    }
}

/// Blocks a table cell may hold (`table_cell_content` of the schema, the subset the fake knows).
const CELL_BLOCKS: &[&str] = &[
    "paragraph",
    "heading",
    "bulletList",
    "orderedList",
    "codeBlock",
    "blockquote",
    "rule",
    "panel",
    "taskList",
];

fn table(o: &Map<String, Value>, at: &str) -> V {
    only(o, &["type", "marks", "attrs", "content"], at)?;
    let keys = [
        "displayMode",
        "isNumberColumnEnabled",
        "layout",
        "localId",
        "width",
    ];
    strings(attrs(o, &keys, &[], at)?, &["localId"], at)?;
    for (r, row) in content(o, true, 1, at)?.iter().enumerate() {
        let at = format!("{at}.content[{r}]");
        let ro = obj(row, &at)?;
        only(ro, &["type", "attrs", "content"], &at)?;
        if ty(ro) != "tableRow" {
            return Err(format!("{at}: a table holds tableRow nodes"));
        }
        strings(attrs(ro, &["localId"], &[], &at)?, &["localId"], &at)?;
        for (c, cell) in content(ro, true, 0, &at)?.iter().enumerate() {
            let at = format!("{at}.content[{c}]");
            let co = obj(cell, &at)?;
            only(co, &["type", "attrs", "content"], &at)?;
            if !matches!(ty(co), "tableCell" | "tableHeader") {
                return Err(format!("{at}: a row holds tableCell or tableHeader nodes"));
            }
            let keys = [
                "colspan",
                "rowspan",
                "colwidth",
                "background",
                "localId",
                "valign",
            ];
            strings(attrs(co, &keys, &[], &at)?, &["background", "localId"], &at)?;
            for (i, b) in content(co, true, 1, &at)?.iter().enumerate() {
                block(b, CELL_BLOCKS, &format!("{at}.content[{i}]"))?;
            }
        }
    }
    Ok(())
}

fn task_list(o: &Map<String, Value>, at: &str) -> V {
    only(o, &["type", "attrs", "content"], at)?;
    strings(attrs(o, &["localId"], &["localId"], at)?, &["localId"], at)?;
    for (i, item) in content(o, true, 1, at)?.iter().enumerate() {
        let at = format!("{at}.content[{i}]");
        let io = obj(item, &at)?;
        match ty(io) {
            "taskList" => task_list(io, &at)?,
            "taskItem" => {
                only(io, &["type", "attrs", "content"], &at)?;
                let a = attrs(io, &["localId", "state"], &["localId", "state"], &at)?;
                strings(a, &["localId"], &at)?;
                let state = a.and_then(|a| a.get("state")).and_then(Value::as_str);
                if !matches!(state, Some("TODO" | "DONE")) {
                    return Err(format!("{at}: attrs.state must be TODO or DONE"));
                }
                inlines(content(io, false, 0, &at)?, &at)?;
            }
            t => return Err(format!("{at}: node '{t}' not allowed in a taskList")),
        }
    }
    Ok(())
}

fn text(o: &Map<String, Value>, at: &str) -> V {
    only(o, &["type", "text", "marks"], at)?;
    match o.get("text").and_then(Value::as_str) {
        Some(s) if !s.is_empty() => Ok(()),
        _ => Err(format!("{at}: text must be a non-empty string")),
    }
}

fn inlines(nodes: &[Value], at: &str) -> V {
    for (i, n) in nodes.iter().enumerate() {
        let at = format!("{at}.content[{i}]");
        let o = obj(n, &at)?;
        match ty(o) {
            "text" => {
                text(o, &at)?;
                if let Some(m) = o.get("marks") {
                    marks(m, &at)?;
                }
            }
            "hardBreak" => {
                only(o, &["type", "attrs"], &at)?;
                let a = attrs(o, &["text", "localId"], &[], &at)?;
                strings(a, &["localId"], &at)?;
                if a.and_then(|a| a.get("text")).is_some_and(|t| t != "\n") {
                    return Err(format!("{at}: hardBreak text must be a newline"));
                }
            }
            "mention" => {
                only(o, &["type", "attrs"], &at)?;
                let a = attrs(
                    o,
                    &["id", "localId", "text", "accessLevel", "userType"],
                    &["id"],
                    &at,
                )?;
                strings(a, &["id", "localId", "text", "accessLevel"], &at)?;
                if let Some(u) = a.and_then(|a| a.get("userType")) {
                    if !["DEFAULT", "SPECIAL", "APP"].iter().any(|x| u == x) {
                        return Err(format!("{at}: bad userType"));
                    }
                }
            }
            "emoji" => {
                only(o, &["type", "attrs"], &at)?;
                let a = attrs(
                    o,
                    &["shortName", "id", "text", "localId"],
                    &["shortName"],
                    &at,
                )?;
                strings(a, &["shortName", "id", "text", "localId"], &at)?;
            }
            "date" => {
                only(o, &["type", "attrs"], &at)?;
                let a = attrs(o, &["timestamp", "localId"], &["timestamp"], &at)?;
                strings(a, &["timestamp", "localId"], &at)?;
                if a.and_then(|a| a.get("timestamp")).and_then(Value::as_str) == Some("") {
                    return Err(format!("{at}: empty timestamp"));
                }
            }
            "status" => {
                only(o, &["type", "attrs"], &at)?;
                let a = attrs(
                    o,
                    &["text", "color", "localId", "style"],
                    &["text", "color"],
                    &at,
                )?;
                strings(a, &["text", "color", "localId", "style"], &at)?;
                let a = a.ok_or_else(|| format!("{at}: attrs required"))?;
                let c = a.get("color").and_then(Value::as_str).unwrap_or("");
                let ok = ["neutral", "purple", "blue", "red", "yellow", "green"].contains(&c)
                    || hex_color(c);
                if !ok || a.get("text").and_then(Value::as_str) == Some("") {
                    return Err(format!("{at}: bad status"));
                }
            }
            "inlineCard" => {
                only(o, &["type", "attrs"], &at)?;
                let a = attrs(o, &["url", "localId"], &["url"], &at)?;
                strings(a, &["url", "localId"], &at)?;
            }
            t => return Err(format!("{at}: unsupported inline node '{t}'")),
        }
    }
    Ok(())
}

fn hex_color(c: &str) -> bool {
    c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|x| x.is_ascii_hexdigit())
}

fn marks(m: &Value, at: &str) -> V {
    let arr = m
        .as_array()
        .ok_or_else(|| format!("{at}: marks must be an array"))?;
    let mut has_code = false;
    let mut has_fmt = false;
    for mk in arr {
        let o = obj(mk, at)?;
        match ty(o) {
            "strong" | "em" | "strike" | "underline" => {
                only(o, &["type"], at)?;
                has_fmt = true;
            }
            "code" => {
                only(o, &["type"], at)?;
                has_code = true;
            }
            "link" => {
                only(o, &["type", "attrs"], at)?;
                let a = attrs(
                    o,
                    &["href", "title", "id", "collection", "occurrenceKey"],
                    &["href"],
                    at,
                )?;
                strings(
                    a,
                    &["href", "title", "id", "collection", "occurrenceKey"],
                    at,
                )?;
            }
            "textColor" => {
                only(o, &["type", "attrs"], at)?;
                let a = attrs(o, &["color"], &["color"], at)?;
                if !a
                    .and_then(|a| a.get("color"))
                    .and_then(Value::as_str)
                    .is_some_and(hex_color)
                {
                    return Err(format!("{at}: bad textColor"));
                }
                has_fmt = true;
            }
            "subsup" => {
                only(o, &["type", "attrs"], at)?;
                let a = attrs(o, &["type"], &["type"], at)?;
                if !a
                    .and_then(|a| a.get("type"))
                    .is_some_and(|t| t == "sub" || t == "sup")
                {
                    return Err(format!("{at}: bad subsup"));
                }
                has_fmt = true;
            }
            t => return Err(format!("{at}: unsupported mark '{t}'")),
        }
    }
    if has_code && has_fmt {
        return Err(format!("{at}: code mark combines only with link"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn wiki_round_trip() {
        let d = from_wiki("h1. Title\nsome text\n* a\n* b\n{code:rust}\nfn x() {}\n{code}");
        assert!(validate(&d).is_ok(), "{d}");
        assert_eq!(
            to_wiki(&d),
            "h1. Title\nsome text\n* a\n* b\n{code:rust}\nfn x() {}\n{code}"
        );
    }
}
