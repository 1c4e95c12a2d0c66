//! MCP tools derived from the protocol's OpenRPC document, so a new daemon method becomes a tool
//! with no code here: `issues/get` → tool `issues_get`, `inputSchema` = its by-name params as one
//! object schema with every `$ref` inlined (MCP hosts do not resolve `components`).

use serde_json::{json, Map, Value};

/// One tool: its MCP name and the daemon method it calls.
#[derive(Debug, Clone)]
pub struct Tool {
    /// MCP name (`issues_get`).
    pub name: String,
    /// Daemon method (`issues/get`).
    pub method: String,
    /// The `tools/list` entry.
    pub listing: Value,
}

/// Methods that are no use as tools: their effect is notifications on the caller's connection,
/// which the MCP face (one shared daemon connection, no MCP notification for them) drops.
pub const NOT_TOOLS: [&str; 2] = ["issues/watch", "issues/unwatch"];

/// The tools of this build's protocol: every request but the lifecycle family and [`NOT_TOOLS`].
pub fn tools() -> Vec<Tool> {
    let mut excluded: Vec<&str> = jirad_protocol::lifecycle::docs()
        .iter()
        .map(|m| m.name)
        .collect();
    excluded.extend(NOT_TOOLS);
    from_document(&jirad_protocol::openrpc::document(), &excluded)
}

/// Every request method of `doc` (those with a result) except `excluded` and internal names
/// (`$/…`, `rpc.…`).
pub fn from_document(doc: &Value, excluded: &[&str]) -> Vec<Tool> {
    let empty = Map::new();
    let defs = doc["components"]["schemas"].as_object().unwrap_or(&empty);
    let methods = doc["methods"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    methods
        .iter()
        .filter(|m| m.get("result").is_some())
        .filter_map(|m| {
            let method = m["name"].as_str()?;
            if excluded.contains(&method) || method.starts_with("$/") || method.starts_with("rpc.")
            {
                return None;
            }
            let name = tool_name(method);
            let summary = m["summary"].as_str().unwrap_or_default();
            let listing = json!({
                "name": name,
                "title": summary.trim_end_matches('.'),
                "description": format!("{summary} (jirad method `{method}`.)"),
                "inputSchema": input_schema(m, defs),
            });
            Some(Tool {
                name,
                method: method.to_owned(),
                listing,
            })
        })
        .collect()
}

/// `issues/get` → `issues_get` (MCP names allow `[A-Za-z0-9_.-]`).
pub fn tool_name(method: &str) -> String {
    method
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The params content descriptors as one object schema.
fn input_schema(method: &Value, defs: &Map<String, Value>) -> Value {
    let mut props = Map::new();
    let mut required = Vec::new();
    for p in method["params"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        let Some(name) = p["name"].as_str() else {
            continue;
        };
        props.insert(name.to_owned(), inline(&p["schema"], defs, &mut Vec::new()));
        if p["required"].as_bool() == Some(true) {
            required.push(json!(name));
        }
    }
    let mut schema = json!({ "type": "object", "properties": props });
    if !required.is_empty() {
        schema["required"] = Value::Array(required);
    }
    // The daemon refuses keys its params do not name; say so, so hosts and models see it up front.
    let params = inline(&method["x-params-schema"], defs, &mut Vec::new());
    if let Some(additional) = params.get("additionalProperties") {
        schema["additionalProperties"] = additional.clone();
    }
    schema
}

/// Replaces `$ref`s to `components.schemas` by their targets (siblings such as `description`
/// win); a recursive type is cut to `{}` (any value) at its second appearance.
fn inline(schema: &Value, defs: &Map<String, Value>, stack: &mut Vec<String>) -> Value {
    match schema {
        Value::Object(obj) => {
            if let Some(name) = obj
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                let mut out = if stack.iter().any(|s| s == name) {
                    Map::new()
                } else if let Some(target) = defs.get(name) {
                    stack.push(name.to_owned());
                    let t = inline(target, defs, stack);
                    stack.pop();
                    t.as_object().cloned().unwrap_or_default()
                } else {
                    Map::new()
                };
                for (k, v) in obj.iter().filter(|(k, _)| *k != "$ref") {
                    out.insert(k.clone(), inline(v, defs, stack));
                }
                return Value::Object(out);
            }
            Value::Object(
                obj.iter()
                    .filter(|(k, _)| *k != "$schema")
                    .map(|(k, v)| (k.clone(), inline(v, defs, stack)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| inline(v, defs, stack)).collect()),
        other => other.clone(),
    }
}

/// A successful call as a tool result: a one-line headline when the result is recognisably an
/// issue or a list of issues, then the compact JSON (what hosts without `structuredContent`
/// show); `structuredContent` must be an object, so other values are wrapped in `{"result": …}`.
pub fn success(result: Value) -> Value {
    let json_text = serde_json::to_string(&result).unwrap_or_default();
    let text = match headline(&result) {
        Some(h) => format!("{h}\n{json_text}"),
        None => json_text,
    };
    let structured = if result.is_object() {
        result
    } else {
        json!({ "result": result })
    };
    json!({
        "content": [{ "type": "text", "text": text }],
        "structuredContent": structured,
        "isError": false,
    })
}

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

fn headline(v: &Value) -> Option<String> {
    if let Some(items) = v.get("issues").and_then(Value::as_array) {
        let keys: Vec<&str> = items.iter().filter_map(|i| i["key"].as_str()).collect();
        return Some(format!("{} issue(s): {}", items.len(), keys.join(", ")));
    }
    let key = v.get("key")?.as_str()?;
    let summary = v.get("summary").and_then(Value::as_str).unwrap_or_default();
    let status = match v.get("status") {
        Some(Value::String(s)) => s.as_str(),
        Some(s) => s["name"].as_str().unwrap_or_default(),
        None => "",
    };
    Some(
        [key, summary, status]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" | "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        json!({
            "methods": [
                { "name": "initialize", "params": [], "result": {} },
                { "name": "$/cancelRequest", "params": [] },
                { "name": "issues/get", "summary": "Gets one issue.", "result": {}, "params": [
                    { "name": "key", "required": true, "schema": { "type": "string" } },
                    { "name": "body", "required": false, "schema": { "anyOf": [
                        { "$ref": "#/components/schemas/Node" }, { "type": "null" } ] } }
                ] }
            ],
            "components": { "schemas": { "Node": {
                "type": "object",
                "properties": { "content": { "type": "array",
                    "items": { "$ref": "#/components/schemas/Node", "description": "child" } } }
            } } }
        })
    }

    #[test]
    fn tools_come_from_request_methods_with_refs_inlined() {
        let tools = from_document(&doc(), &["initialize"]);
        assert_eq!(tools.len(), 1);
        let t = &tools[0];
        assert_eq!(
            (t.name.as_str(), t.method.as_str()),
            ("issues_get", "issues/get")
        );
        let schema = &t.listing["inputSchema"];
        assert_eq!(schema["required"], json!(["key"]));
        let node = &schema["properties"]["body"]["anyOf"][0];
        assert_eq!(node["type"], "object");
        // The recursive reference is cut, keeping its own description.
        assert_eq!(
            node["properties"]["content"]["items"],
            json!({ "description": "child" })
        );
        assert!(!schema.to_string().contains("$ref"));
    }

    #[test]
    fn every_real_tool_schema_is_self_contained() {
        for t in tools() {
            let s = &t.listing["inputSchema"];
            assert_eq!(s["type"], "object", "{}", t.name);
            assert!(!s.to_string().contains("$ref"), "{}", t.name);
            assert!(!t.method.starts_with("daemon/"), "{}", t.name);
            // The daemon refuses other keys, and the host is told so.
            assert_eq!(s["additionalProperties"], false, "{}", t.name);
        }
    }

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
    fn results_are_objects_with_a_headline() {
        let r = success(json!({ "key": "DEMO-1", "summary": "Hi", "status": { "name": "To Do" } }));
        assert!(r["content"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("DEMO-1 | Hi | To Do\n"));
        assert_eq!(
            success(json!([1]))["structuredContent"],
            json!({ "result": [1] })
        );
    }
}
