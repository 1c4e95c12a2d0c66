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
