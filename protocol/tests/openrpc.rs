//! Golden test: `protocol/openrpc.json` must match the types. Regenerate with `UPDATE_EXPECT=1`.

use std::path::Path;

#[test]
fn openrpc_json_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("openrpc.json");
    let fresh = jirad_protocol::openrpc::document_text();
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, &fresh).expect("write openrpc.json");
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == fresh,
        "protocol/openrpc.json is stale: run `UPDATE_EXPECT=1 cargo test -p jirad-protocol`"
    );
}

#[test]
fn document_shape() {
    let doc = jirad_protocol::openrpc::document();
    assert_eq!(doc["openrpc"], "1.3.2");
    let init = doc["methods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "initialize")
        .unwrap();
    let names: Vec<_> = init["params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"clientInfo")
            && names.contains(&"profile")
            && names.contains(&"capabilities")
    );
    assert_eq!(doc["x-notifications"][0]["name"], "$/progress");
}

/// The checked-in contract, as clients and MCP hosts read it.
fn checked_in() -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("openrpc.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("read openrpc.json"))
        .expect("openrpc.json is JSON")
}

/// `schema` with a `$ref` to `components.schemas` followed.
fn resolve<'a>(schema: &'a serde_json::Value, doc: &'a serde_json::Value) -> &'a serde_json::Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.trim_start_matches("#/components/schemas/");
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

/// Every object schema with named properties reachable from `schema` refuses other keys; free-form
/// maps (no `properties`, e.g. `fields`) stay open. Returns the paths that do not.
fn open_objects(
    schema: &serde_json::Value,
    doc: &serde_json::Value,
    path: &str,
    seen: &mut Vec<String>,
    out: &mut Vec<String>,
) {
    use serde_json::Value;
    if let Some(r) = schema["$ref"].as_str() {
        if seen.iter().any(|s| s == r) {
            return;
        }
        seen.push(r.to_owned());
        open_objects(resolve(schema, doc), doc, path, seen, out);
        seen.pop();
        return;
    }
    let Some(obj) = schema.as_object() else {
        return;
    };
    if let Some(props) = obj.get("properties").and_then(Value::as_object) {
        if obj.get("additionalProperties") != Some(&Value::Bool(false)) {
            out.push(path.to_owned());
        }
        for (name, sub) in props {
            open_objects(sub, doc, &format!("{path}.{name}"), seen, out);
        }
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        for sub in obj.get(key).and_then(Value::as_array).into_iter().flatten() {
            open_objects(sub, doc, path, seen, out);
        }
    }
    if let Some(items) = obj.get("items") {
        open_objects(items, doc, &format!("{path}[]"), seen, out);
    }
}

/// Issue 20: a misspelt key must never pass silently. Every method a client calls (requests and
/// client notifications) declares a params object that refuses other keys, naming exactly the
/// by-name params, and so does every nested object with named fields.
#[test]
fn every_params_schema_refuses_unknown_keys() {
    let doc = checked_in();
    let methods = doc["methods"].as_array().expect("methods");
    assert!(methods.len() > 20, "the whole contract is checked");
    let mut open = Vec::new();
    for m in methods {
        let name = m["name"].as_str().expect("name");
        let params = resolve(&m["x-params-schema"], &doc);
        assert_eq!(params["type"], "object", "{name}: params are an object");
        let declared: Vec<&str> = params["properties"]
            .as_object()
            .map(|p| p.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let by_name: Vec<&str> = m["params"]
            .as_array()
            .expect("params")
            .iter()
            .map(|p| p["name"].as_str().expect("param name"))
            .collect();
        assert_eq!(
            declared, by_name,
            "{name}: x-params-schema names the params"
        );
        open_objects(
            &m["x-params-schema"],
            &doc,
            name,
            &mut Vec::new(),
            &mut open,
        );
    }
    assert!(
        open.is_empty(),
        "params objects that accept unknown keys: {open:?}"
    );
}

/// Every request says what it does; the writes an agent must not run unasked are marked.
#[test]
fn every_request_is_annotated_and_the_dangerous_ones_are_marked() {
    let doc = jirad_protocol::openrpc::document();
    let mut admin = Vec::new();
    let mut irreversible = Vec::new();
    for m in doc["methods"].as_array().unwrap() {
        let name = m["name"].as_str().unwrap();
        if m.get("result").is_none() {
            assert!(m.get("x-annotations").is_none(), "{name}");
            continue;
        }
        let a = &m["x-annotations"];
        for key in [
            "readOnlyHint",
            "destructiveHint",
            "idempotentHint",
            "openWorldHint",
            "irreversible",
            "admin",
        ] {
            assert!(a[key].is_boolean(), "{name}: {key}");
        }
        assert!(a["title"].as_str().is_some_and(|t| !t.is_empty()), "{name}");
        if a["readOnlyHint"] == true {
            assert_eq!(a["destructiveHint"], false, "{name}");
        }
        if a["admin"] == true {
            admin.push(name);
        }
        if a["irreversible"] == true {
            irreversible.push(name);
        }
    }
    admin.sort_unstable();
    assert_eq!(
        admin,
        [
            "auth/complete",
            "auth/login",
            "auth/logout",
            "auth/selectSite",
            "cache/clear",
            "daemon/stop"
        ]
    );
    irreversible.sort_unstable();
    assert_eq!(
        irreversible,
        [
            "attachments/delete",
            "attachments/upload",
            "auth/logout",
            "components/delete",
            "issues/delete",
            "issues/deleteComment",
            "sprints/close",
            "sprints/delete",
            "versions/delete",
            "versions/merge",
            "worklogs/delete"
        ]
    );
}
