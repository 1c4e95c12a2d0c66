//! MCP tools derived from the protocol's OpenRPC document, so a new daemon method becomes a tool
//! with no code here: `issues/get` → tool `issues_get`, `inputSchema` = its by-name params as one
//! object schema with every `$ref` inlined (MCP hosts do not resolve `components`),
//! `outputSchema` = its result schema, and `annotations` = the method's `x-annotations`.

use serde_json::{json, Map, Value};

/// Characters of an issue's description an `issues_get` returns unless `fullDescription`.
pub const DESCRIPTION_BUDGET: usize = 600;

/// What a tool does, read from the method's `x-annotations`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Effect {
    /// Changes nothing.
    pub read_only: bool,
    /// Cannot be undone: the user confirms first.
    pub irreversible: bool,
    /// Account or cache administration: offered only when enabled.
    pub admin: bool,
}

/// One tool: its MCP name, the daemon method it calls, and how it is offered.
#[derive(Debug, Clone)]
pub struct Tool {
    /// MCP name (`issues_get`).
    pub name: String,
    /// Daemon method (`issues/get`).
    pub method: String,
    /// Its group for `--toolsets`: `admin` for administration, else the method's namespace.
    pub toolset: String,
    /// From the protocol's annotations.
    pub effect: Effect,
    /// The method takes a `profile` param.
    pub takes_profile: bool,
    /// The `tools/list` entry.
    pub listing: Value,
}

/// Methods that are no use as tools: their effect is notifications on the caller's connection;
/// the MCP face uses them for resource subscriptions instead.
pub const NOT_TOOLS: [&str; 3] = ["issues/watch", "issues/unwatch", "sprints/watch"];

/// Params the MCP face fills in itself: the work-done token comes from the call's
/// `_meta.progressToken`.
const HIDDEN_PARAMS: [&str; 1] = ["progressToken"];

/// How the listing is shaped for this session.
#[derive(Debug, Clone, Copy, Default)]
pub struct Shape {
    /// The session is pinned to one profile: tools take no `profile` argument.
    pub pinned_profile: bool,
}

/// Arguments of the MCP face's own, per method, taken out before the call is forwarded.
pub fn extra_args(method: &str, effect: &Effect) -> Vec<(&'static str, Value)> {
    let mut extra = Vec::new();
    if effect.irreversible {
        extra.push((
            "confirm",
            json!({ "type": "boolean", "description":
                "The user confirmed this call, which cannot be undone. Only used when the host \
                 cannot ask the user itself." }),
        ));
    }
    match method {
        "issues/get" => extra.push((
            "fullDescription",
            json!({ "type": "boolean", "description": format!(
                "Return the whole description; by default it is cut at {} characters.",
                DESCRIPTION_BUDGET) }),
        )),
        "issues/list" => extra.push((
            "detail",
            json!({ "enum": ["compact", "full"], "description":
                "compact (default): key, summary, status, assignee, updated per issue; full: \
                 every field (or give `fields`)." }),
        )),
        _ => {}
    }
    extra
}

/// The tools of this build's protocol: every request but the lifecycle family and [`NOT_TOOLS`].
pub fn tools(shape: Shape) -> Vec<Tool> {
    let doc = jirad_protocol::openrpc::document();
    let mut tools = from_document(&doc, &not_tools());
    describe(&mut tools, &doc, shape, |_| true);
    tools
}

/// The methods that are no tools: the lifecycle family and [`NOT_TOOLS`].
pub fn not_tools() -> Vec<&'static str> {
    let mut excluded: Vec<&str> = jirad_protocol::lifecycle::docs()
        .iter()
        .map(|m| m.name)
        .collect();
    excluded.extend(NOT_TOOLS);
    excluded
}

/// Every request method of `doc` (those with a result) except `excluded` and internal names
/// (`$/…`, `rpc.…`), without its `tools/list` entry: [`describe`] builds those, for the tools a
/// session offers only, since inlining every schema is most of `jirad mcp`'s start-up.
pub fn from_document(doc: &Value, excluded: &[&str]) -> Vec<Tool> {
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
            Some(tool(m, method))
        })
        .collect()
}

/// Fills in the `tools/list` entry of each tool `offered` accepts.
pub fn describe(tools: &mut [Tool], doc: &Value, shape: Shape, offered: impl Fn(&Tool) -> bool) {
    let empty = Map::new();
    let defs = doc["components"]["schemas"].as_object().unwrap_or(&empty);
    let methods = doc["methods"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    for t in tools.iter_mut().filter(|t| offered(t)) {
        if let Some(m) = methods.iter().find(|m| m["name"] == t.method.as_str()) {
            t.listing = listing(m, t, defs, shape);
        }
    }
}

fn tool(m: &Value, method: &str) -> Tool {
    let a = &m["x-annotations"];
    let flag = |k: &str| a[k].as_bool() == Some(true);
    let effect = Effect {
        read_only: flag("readOnlyHint"),
        irreversible: flag("irreversible"),
        admin: flag("admin"),
    };
    let params = m["params"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    let namespace = method.split('/').next().unwrap_or(method);
    Tool {
        name: tool_name(method),
        method: method.to_owned(),
        toolset: if effect.admin { "admin" } else { namespace }.to_owned(),
        effect,
        takes_profile: params.iter().any(|p| p["name"] == "profile"),
        listing: Value::Null,
    }
}

fn listing(m: &Value, tool: &Tool, defs: &Map<String, Value>, shape: Shape) -> Value {
    let method = tool.method.as_str();
    let summary = m["summary"].as_str().unwrap_or_default();
    let a = &m["x-annotations"];
    let flag = |k: &str| a[k].as_bool();
    let title = a["title"]
        .as_str()
        .unwrap_or_else(|| summary.trim_end_matches('.'));
    let mut input = input_schema(m, defs);
    strip_numeric_formats(&mut input);
    if let Some(props) = input["properties"].as_object_mut() {
        for hidden in HIDDEN_PARAMS {
            props.remove(hidden);
        }
        if shape.pinned_profile {
            props.remove("profile");
        }
        for (arg, schema) in extra_args(method, &tool.effect) {
            props.insert(arg.to_owned(), schema);
        }
    }
    let mut description = format!("{summary} (jirad method `{method}`.)");
    if tool.effect.irreversible {
        description.push_str(" Cannot be undone: the user is asked to confirm first.");
    }
    // The hints MCP defines; absent ones would default to the worst case.
    let annotations = json!({
        "title": title,
        "readOnlyHint": flag("readOnlyHint").unwrap_or(false),
        "destructiveHint": flag("destructiveHint").unwrap_or(true),
        "idempotentHint": flag("idempotentHint").unwrap_or(false),
        "openWorldHint": flag("openWorldHint").unwrap_or(true),
    });
    json!({
        "name": tool.name,
        "title": title,
        "description": description,
        "inputSchema": input,
        "outputSchema": output_schema(m, defs),
        "annotations": annotations,
    })
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

/// The result schema, inlined, as an object schema (MCP requires one at the root: other results
/// travel as `{"result": …}`), in its leanest equivalent form ([`lean`]): hosts validate with it,
/// models never see it. It names its dialect, draft-07 (what schemars writes; MCP's default is
/// 2020-12), which also makes validators that check the schema on every call (the Python SDK 1.x)
/// several times faster.
fn output_schema(method: &Value, defs: &Map<String, Value>) -> Value {
    let schema = inline(&method["result"]["schema"], defs, &mut Vec::new());
    let mut schema = if schema["type"] == "object" {
        schema
    } else {
        json!({ "type": "object", "properties": { "result": schema }, "required": ["result"] })
    };
    lean(&mut schema);
    strip_numeric_formats(&mut schema);
    schema["$schema"] = json!("http://json-schema.org/draft-07/schema#");
    schema
}

/// Rewrites a result schema in the fewest subschemas that accept the same structured results,
/// since the Python SDK 1.x checks the whole schema against its metaschema on every call (about
/// 60 µs per nullable property, 25 µs per plain one): descriptions go (twice the size of
/// `tools/list` otherwise); structured results leave `null` members out
/// ([`super::results::drop_nulls`]), so a property that may be null becomes optional and
/// non-null; a `oneOf` of string constants becomes an `enum`; `additionalProperties: true`, the
/// default, goes.
fn lean(schema: &mut Value) {
    let Value::Object(obj) = schema else { return };
    if obj.get("description").is_some_and(Value::is_string) {
        obj.remove("description");
    }
    if obj.get("additionalProperties") == Some(&Value::Bool(true)) {
        obj.remove("additionalProperties");
    }
    for key in ["items", "additionalProperties"] {
        if let Some(sub) = obj.get_mut(key) {
            lean(sub);
        }
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(Value::Array(alternatives)) = obj.get_mut(key) {
            alternatives.iter_mut().for_each(lean);
        }
    }
    if let Some(Value::Array(alternatives)) = obj.get("oneOf") {
        let constants: Option<Vec<Value>> = alternatives
            .iter()
            .map(|a| {
                let plain = a.as_object().is_some_and(|a| a.len() == 2) && a["type"] == "string";
                plain.then(|| a.get("const").cloned()).flatten()
            })
            .collect();
        if let Some(constants) = constants {
            obj.remove("oneOf");
            obj.insert("type".into(), json!("string"));
            obj.insert("enum".into(), Value::Array(constants));
        }
    }
    let mut optional = Vec::new();
    if let Some(Value::Object(properties)) = obj.get_mut("properties") {
        for (name, property) in properties.iter_mut() {
            lean(property);
            if accepted_null(property) {
                optional.push(name.clone());
            }
        }
    }
    if let Some(Value::Array(required)) = obj.get_mut("required") {
        required.retain(|r| !optional.iter().any(|o| r == o.as_str()));
        if required.is_empty() {
            obj.remove("required");
        }
    }
}

/// Takes `null` out of what `schema` accepts; whether it accepted `null`.
fn accepted_null(schema: &mut Value) -> bool {
    let Value::Object(obj) = schema else {
        return false;
    };
    if let Some(Value::Array(types)) = obj.get_mut("type") {
        let before = types.len();
        types.retain(|t| t != "null");
        if types.len() == before {
            return false;
        }
        if types.len() == 1 {
            let only = types.remove(0);
            obj.insert("type".into(), only);
        }
        return true;
    }
    let null = json!({ "type": "null" });
    let Some(Value::Array(alternatives)) = obj.get_mut("anyOf") else {
        return false;
    };
    let before = alternatives.len();
    alternatives.retain(|a| *a != null);
    if alternatives.len() == before {
        return false;
    }
    if alternatives.len() == 1 {
        if let Value::Object(only) = alternatives.remove(0) {
            obj.remove("anyOf");
            for (k, v) in only {
                obj.entry(k).or_insert(v);
            }
        }
    }
    true
}

/// schemars' `format: "uint64"` and the like are no JSON Schema formats (`minimum` carries the
/// range): validators such as ajv warn about each one, so hosts never get them.
fn strip_numeric_formats(schema: &mut Value) {
    match schema {
        Value::Object(obj) => {
            let numeric = |f: &str| {
                ["int", "uint", "float", "double"]
                    .iter()
                    .any(|p| f.starts_with(p))
            };
            if obj
                .get("format")
                .and_then(Value::as_str)
                .is_some_and(numeric)
            {
                obj.remove("format");
            }
            obj.values_mut().for_each(strip_numeric_formats);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_numeric_formats),
        _ => {}
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        json!({
            "methods": [
                { "name": "initialize", "params": [], "result": {} },
                { "name": "$/cancelRequest", "params": [] },
                { "name": "issues/get", "summary": "Gets one issue.",
                  "result": { "schema": { "type": "object" } },
                  "x-annotations": { "title": "Get issue", "readOnlyHint": true,
                    "destructiveHint": false, "idempotentHint": true, "openWorldHint": true,
                    "irreversible": false, "admin": false },
                  "params": [
                    { "name": "key", "required": true, "schema": { "type": "string" } },
                    { "name": "profile", "required": false, "schema": { "type": "string" } },
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
        let mut tools = from_document(&doc(), &["initialize"]);
        describe(&mut tools, &doc(), Shape::default(), |_| true);
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
        assert_eq!(t.listing["annotations"]["readOnlyHint"], true);
        assert_eq!(t.listing["title"], "Get issue");
        assert!(schema["properties"].get("profile").is_some());
    }

    #[test]
    fn a_pinned_profile_takes_the_argument_away() {
        let pinned = Shape {
            pinned_profile: true,
        };
        let mut tools = from_document(&doc(), &["initialize"]);
        describe(&mut tools, &doc(), pinned, |_| true);
        let t = &tools[0];
        assert!(t.takes_profile);
        assert!(t.listing["inputSchema"]["properties"]
            .get("profile")
            .is_none());
    }

    #[test]
    fn output_schemas_take_the_leanest_form_that_accepts_the_same_results() {
        let mut schema = json!({
            "type": "object",
            "description": "An issue.",
            "required": ["key", "assignee"],
            "properties": {
                "key": { "type": "string", "description": "Its key." },
                "assignee": { "anyOf": [
                    { "type": "object", "properties": { "name": { "type": ["string", "null"] } } },
                    { "type": "null" } ] },
                "state": { "oneOf": [
                    { "const": "open", "type": "string", "description": "Open." },
                    { "const": "done", "type": "string" } ] },
                "fields": { "type": "object", "additionalProperties": true },
                "labels": { "type": ["array", "null"], "items": { "type": ["string", "null"] } }
            }
        });
        lean(&mut schema);
        assert_eq!(
            schema,
            json!({
                "type": "object",
                "required": ["key"],
                "properties": {
                    "key": { "type": "string" },
                    "assignee": { "type": "object",
                        "properties": { "name": { "type": "string" } } },
                    "state": { "type": "string", "enum": ["open", "done"] },
                    "fields": { "type": "object" },
                    // Array items keep their null: results drop null members, not elements.
                    "labels": { "type": "array", "items": { "type": ["string", "null"] } }
                }
            })
        );
    }

    /// What `results::drop_nulls` leaves out must never be asked for.
    #[test]
    fn no_output_schema_asks_for_a_null_member() {
        fn check(schema: &Value, tool: &str) {
            let Value::Object(obj) = schema else { return };
            if let Some(Value::Object(properties)) = obj.get("properties") {
                for (name, p) in properties {
                    let types = p["type"].clone();
                    let nullable = types == "null"
                        || types.as_array().is_some_and(|t| t.contains(&json!("null")))
                        || p["anyOf"]
                            .as_array()
                            .is_some_and(|a| a.contains(&json!({ "type": "null" })));
                    assert!(!nullable, "{tool}: {name} may be null: {p}");
                }
            }
            obj.values().for_each(|v| check(v, tool));
            for v in obj.values().filter_map(Value::as_array).flatten() {
                check(v, tool);
            }
        }
        for t in tools(Shape::default()) {
            check(&t.listing["outputSchema"], &t.name);
        }
    }

    #[test]
    fn every_real_tool_is_self_contained_and_annotated() {
        for t in tools(Shape::default()) {
            let s = &t.listing["inputSchema"];
            assert_eq!(s["type"], "object", "{}", t.name);
            assert!(!s.to_string().contains("$ref"), "{}", t.name);
            assert!(!t.method.starts_with("daemon/"), "{}", t.name);
            // The daemon refuses other keys, and the host is told so.
            assert_eq!(s["additionalProperties"], false, "{}", t.name);
            assert_eq!(t.listing["outputSchema"]["type"], "object", "{}", t.name);
            assert!(!t.listing.to_string().contains("\"uint"), "{}", t.name);
            for hint in [
                "readOnlyHint",
                "destructiveHint",
                "idempotentHint",
                "openWorldHint",
            ] {
                assert!(t.listing["annotations"][hint].is_boolean(), "{}", t.name);
            }
            assert_eq!(
                t.effect.irreversible,
                s["properties"].get("confirm").is_some(),
                "{}",
                t.name
            );
        }
    }
}
