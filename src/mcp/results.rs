//! What an agent pays for: a tool call's arguments of the MCP face's own (taken out before the
//! call is forwarded) and its result, compact by default. `structuredContent` is the method's
//! result (conforming to the tool's `outputSchema`); the text block is what models read: one row
//! per issue, an issue as a few lines, anything else as compact JSON.

use super::tools::{Tool, DESCRIPTION_BUDGET};
use serde_json::{json, Value};

/// The fields of a compact `issues_list` row (with key, id and url, which always come).
pub const COMPACT_FIELDS: [&str; 4] = ["summary", "status", "assignee", "updated"];

/// How to shape a result, from the call's own arguments.
#[derive(Debug, Clone, Copy, Default)]
pub struct View {
    /// Keep the whole description.
    pub full_description: bool,
    /// Every field as JSON text instead of rows.
    pub full: bool,
}

/// A call ready to forward.
#[derive(Debug)]
pub struct Prepared {
    /// The daemon's params.
    pub params: Value,
    /// How to shape the result.
    pub view: View,
    /// The caller passed `confirm: true`.
    pub confirmed: bool,
}

/// Takes the MCP face's own arguments out of `args` and fills in what the session decides: the
/// pinned profile, compact list fields. `Err` is the text of a refused call.
pub fn prepare(tool: &Tool, mut args: Value, pinned: Option<&str>) -> Result<Prepared, String> {
    let Some(obj) = args.as_object_mut() else {
        return Err("tool arguments must be an object".into());
    };
    let confirmed = if tool.effect.irreversible {
        obj.remove("confirm") == Some(Value::Bool(true))
    } else {
        false
    };
    let mut view = View::default();
    match tool.method.as_str() {
        "issues/get" => {
            view.full_description = obj.remove("fullDescription") == Some(Value::Bool(true));
        }
        "issues/list" => {
            view.full = match obj.remove("detail") {
                None => false,
                Some(v) if v == "compact" => false,
                Some(v) if v == "full" => true,
                Some(v) => return Err(format!("detail must be \"compact\" or \"full\", not {v}")),
            };
            if obj.contains_key("fields") {
                view.full = true;
            } else if !view.full {
                obj.insert("fields".into(), json!(COMPACT_FIELDS));
            }
        }
        _ => {}
    }
    if let Some(profile) = pinned {
        if obj.contains_key("profile") {
            return Err(format!(
                "This session is pinned to profile `{profile}` (jirad mcp --profile); tools \
                 take no profile argument."
            ));
        }
        if tool.takes_profile {
            obj.insert("profile".into(), json!(profile));
        }
    }
    Ok(Prepared {
        params: args,
        view,
        confirmed,
    })
}

/// A successful call as a tool result. `structuredContent` must be an object, so other values
/// are wrapped in `{"result": …}`. Members that are `null` are left out of both blocks: an agent
/// pays for every one, and the output schemas say "absent" instead.
pub fn success(method: &str, mut result: Value, view: View) -> Value {
    drop_nulls(&mut result);
    let text = match method {
        "issues/get" | "issues/update" if result.is_object() => {
            let cut = if view.full_description {
                None
            } else {
                trim_description(&mut result)
            };
            issue_text(&result, cut)
        }
        "issues/list" if !view.full && result["issues"].is_array() => list_text(&result),
        "attachments/download" | "attachments/thumbnail" => {
            if let Some(file) = file_content(&mut result) {
                return json!({
                    "content": [{ "type": "text", "text": serde_json::to_string(&result).unwrap_or_default() }, file],
                    "structuredContent": result,
                    "isError": false,
                });
            }
            serde_json::to_string(&result).unwrap_or_default()
        }
        _ => serde_json::to_string(&result).unwrap_or_default(),
    };
    let structured = match result {
        Value::Object(_) => result,
        Value::Null => json!({}),
        other => json!({ "result": other }),
    };
    json!({
        "content": [{ "type": "text", "text": text }],
        "structuredContent": structured,
        "isError": false,
    })
}

/// Removes every object member whose value is `null`, at any depth (the daemon's replies are
/// parsed with serde_json's recursion limit, so the depth is bounded).
pub fn drop_nulls(value: &mut Value) {
    match value {
        Value::Object(members) => {
            members.retain(|_, v| !v.is_null());
            members.values_mut().for_each(drop_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// Inline attachment bytes as the content block a model reads best: an image as image content, a
/// text file as its text. They leave the structured result, so the agent does not pay for them
/// twice; bytes of any other kind stay there, base64.
fn file_content(result: &mut Value) -> Option<Value> {
    use base64::Engine;
    let mime = result["mimeType"].as_str()?.to_owned();
    let data = result["content"].as_str()?;
    let block = if mime.starts_with("image/") {
        json!({ "type": "image", "data": data, "mimeType": mime })
    } else if mime.starts_with("text/") || TEXT_TYPES.contains(&mime.as_str()) {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data)
            .ok()?;
        json!({ "type": "text", "text": String::from_utf8(bytes).ok()? })
    } else {
        return None;
    };
    result.as_object_mut()?.remove("content");
    Some(block)
}

/// Types other than `text/*` whose bytes are text.
const TEXT_TYPES: &[&str] = &[
    "application/json",
    "application/xml",
    "application/x-yaml",
    "application/yaml",
    "application/x-sh",
];

/// A JSON-RPC error from the daemon as a failed tool result whose text an agent can act on: for
/// `authRequired`, the link to open.
pub fn failure(error: &Value) -> Value {
    let message = error["message"].as_str().unwrap_or("the call failed");
    let data = &error["data"];
    let text = match (data["kind"].as_str(), data["authorizationUrl"].as_str()) {
        (Some("authRequired"), Some(url)) => {
            let profile = data["profile"].as_str().unwrap_or("the profile");
            format!(
                "Jira authorization is required for profile `{profile}`. Ask the user to open this \
                 link in a browser and approve access, then retry: {url}"
            )
        }
        (Some(kind), _) => format!("{message} ({kind})"),
        (None, _) => message.to_owned(),
    };
    error_text(text, Some(json!({ "error": error })))
}

/// A failed tool result with `text` (and optional structured detail).
pub fn error_text(text: String, structured: Option<Value>) -> Value {
    let mut r = json!({ "content": [{ "type": "text", "text": text }], "isError": true });
    if let Some(s) = structured {
        r["structuredContent"] = s;
    }
    r
}

/// Cuts the description to [`DESCRIPTION_BUDGET`] characters; returns its full length when cut.
fn trim_description(issue: &mut Value) -> Option<usize> {
    let text = issue.get_mut("description")?;
    let s = text.as_str()?;
    let (cut_at, _) = s.char_indices().nth(DESCRIPTION_BUDGET)?;
    let total = s.chars().count();
    *text = Value::String(format!("{}…", &s[..cut_at]));
    Some(total)
}

pub(super) fn user(v: &Value) -> Option<&str> {
    match v {
        Value::Null => Some("unassigned"),
        v => v["displayName"].as_str().or(v["accountId"].as_str()),
    }
}

fn status(v: &Value) -> &str {
    match v.get("status") {
        Some(Value::String(s)) => s,
        Some(s) => s["name"].as_str().unwrap_or_default(),
        None => "",
    }
}

/// `KEY | summary | status`, then the other fields on one line, the link, the description.
fn issue_text(v: &Value, cut: Option<usize>) -> String {
    let key = v["key"].as_str().unwrap_or_default();
    let summary = v["summary"].as_str().unwrap_or_default();
    let mut out = join(&[key, summary, status(v)]);
    let mut facts = Vec::new();
    for (label, field) in [("type", "type"), ("priority", "priority")] {
        if let Some(s) = v[field].as_str() {
            facts.push(format!("{label}: {s}"));
        }
    }
    // Null members are dropped before this: no assignee is unassigned, no reporter says nothing.
    let assignee = v.get("assignee").map_or(Some("unassigned"), user);
    for (field, u) in [
        ("assignee", assignee),
        ("reporter", v.get("reporter").and_then(user)),
    ] {
        if let Some(u) = u {
            facts.push(format!("{field}: {u}"));
        }
    }
    let keys = |items: &Value| -> Option<String> {
        let list: Vec<&str> = items
            .as_array()?
            .iter()
            .filter_map(|i| i["key"].as_str().or(i.as_str()))
            .collect();
        (!list.is_empty()).then(|| list.join(", "))
    };
    if let Some(l) = keys(&v["labels"]) {
        facts.push(format!("labels: {l}"));
    }
    if let Some(p) = v["parent"]["key"].as_str() {
        facts.push(format!("parent: {p}"));
    }
    if let Some(s) = keys(&v["subtasks"]) {
        facts.push(format!("subtasks: {s}"));
    }
    for field in ["created", "updated"] {
        if let Some(s) = v[field].as_str() {
            facts.push(format!("{field}: {s}"));
        }
    }
    if !facts.is_empty() {
        out.push('\n');
        out.push_str(&facts.join(" | "));
    }
    if let Some(url) = v["url"].as_str() {
        out.push('\n');
        out.push_str(url);
    }
    if let Some(d) = v["description"].as_str().filter(|d| !d.is_empty()) {
        out.push_str("\n\n");
        out.push_str(d);
        if let Some(total) = cut {
            out.push_str(&format!(
                "\n[description cut at {DESCRIPTION_BUDGET} of {total} characters; \
                 fullDescription: true gives all of it]"
            ));
        }
    }
    if let Some(fields) = v["fields"].as_object().filter(|f| !f.is_empty()) {
        out.push('\n');
        out.push_str(&serde_json::to_string(fields).unwrap_or_default());
    }
    out
}

/// A header (count, and how to get the next page), then `KEY | summary | status | assignee |
/// updated` per issue.
fn list_text(v: &Value) -> String {
    let issues = v["issues"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    let mut out = format!("{} issue(s)", issues.len());
    match v["nextPageToken"].as_str() {
        Some(token) if v["isLast"] != true => {
            out.push_str(&format!("; more with pageToken \"{token}\""));
        }
        _ if v["isLast"] == false => out.push_str("; more exist"),
        _ => {}
    }
    out.push_str(" (key | summary | status | assignee | updated)");
    for i in issues {
        // Fixed columns: an issue the list gives no assignee for is unassigned.
        let assignee = i.get("assignee").and_then(user).unwrap_or("unassigned");
        let cells = [
            i["key"].as_str().unwrap_or_default(),
            i["summary"].as_str().unwrap_or_default(),
            status(i),
            assignee,
            i["updated"].as_str().unwrap_or_default(),
        ];
        out.push('\n');
        out.push_str(
            &cells
                .map(|c| if c.is_empty() { "-" } else { c })
                .join(" | "),
        );
    }
    out
}

fn join(parts: &[&str]) -> String {
    parts
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_required_gives_the_link() {
        let r = failure(&json!({ "code": 1001, "message": "authorization required",
            "data": { "kind": "authRequired", "profile": "work",
                      "authorizationUrl": "https://auth.example/authorize?x=1" } }));
        assert_eq!(r["isError"], true);
        let text = r["content"][0]["text"].as_str().unwrap();
        assert!(
            text.contains("https://auth.example/authorize?x=1"),
            "{text}"
        );
        assert!(text.contains("`work`"), "{text}");
    }

    #[test]
    fn an_issue_reads_as_lines_with_its_description_cut() {
        let long = "é".repeat(DESCRIPTION_BUDGET + 10);
        let r = success(
            "issues/get",
            json!({ "key": "DEMO-1", "summary": "Hi", "status": { "name": "To Do" },
                    "assignee": null, "description": long }),
            View::default(),
        );
        let text = r["content"][0]["text"].as_str().unwrap();
        assert!(
            text.starts_with("DEMO-1 | Hi | To Do\nassignee: unassigned\n"),
            "{text}"
        );
        assert!(text.contains(&format!("of {} characters", DESCRIPTION_BUDGET + 10)));
        let cut = r["structuredContent"]["description"].as_str().unwrap();
        assert_eq!(cut.chars().count(), DESCRIPTION_BUDGET + 1);
        let full = success(
            "issues/get",
            json!({ "key": "DEMO-1", "description": long }),
            View {
                full_description: true,
                ..View::default()
            },
        );
        assert_eq!(full["structuredContent"]["description"], json!(long));
    }

    #[test]
    fn null_members_are_left_out_of_both_blocks() {
        let r = success(
            "issues/transitions",
            json!({ "transitions": [{ "id": "1", "to": null }, null], "next": null }),
            View::default(),
        );
        let expected = json!({ "transitions": [{ "id": "1" }, null] });
        assert_eq!(r["structuredContent"], expected);
        assert_eq!(r["content"][0]["text"], expected.to_string());
        let nothing = success("issues/delete", Value::Null, View::default());
        assert_eq!(nothing["structuredContent"], json!({}));
    }

    #[test]
    fn a_list_is_one_row_per_issue() {
        let r = success(
            "issues/list",
            json!({ "issues": [{ "key": "DEMO-2", "summary": "S", "status": { "name": "Done" },
                                 "assignee": { "displayName": "Alex" }, "updated": "2026-01-01" },
                               { "key": "DEMO-3", "summary": "T" }],
                    "isLast": false, "nextPageToken": "t1" }),
            View::default(),
        );
        assert_eq!(
            r["content"][0]["text"],
            "2 issue(s); more with pageToken \"t1\" (key | summary | status | assignee | \
             updated)\nDEMO-2 | S | Done | Alex | 2026-01-01\nDEMO-3 | T | - | unassigned | -"
        );
        assert_eq!(
            success("cache/stats", json!([1]), View::default())["structuredContent"],
            json!({ "result": [1] })
        );
    }
}
