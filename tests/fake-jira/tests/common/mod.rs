//! Shared test helpers: starting a fake, clients for the Cloud site, the gateway and Data Center,
//! and loading the official OpenAPI document and ADF schema from `../shared/jira` or env vars.
#![allow(dead_code)]

use std::path::PathBuf;

use fake_jira::{FakeJira, Options};
use serde_json::Value;

/// Starts a fake with options.
pub async fn start_with(opts: Options) -> FakeJira {
    FakeJira::start(opts).await.expect("fake starts")
}

/// Starts a default fake.
pub async fn start() -> FakeJira {
    start_with(Options::default()).await
}

/// A client for one flavour of the API.
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
    pub auth: String,
}

impl Api {
    /// Cloud site, Basic email:token, REST v3.
    pub fn site(f: &FakeJira) -> Api {
        use base64::Engine;
        let i = f.info();
        let cred = format!(
            "{}:{}",
            i["apiToken"]["email"].as_str().unwrap(),
            i["apiToken"]["token"].as_str().unwrap()
        );
        Api {
            http: client(),
            base: format!("{}/site/rest/api/3", f.url()),
            auth: format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(cred)
            ),
        }
    }
    /// Data Center, Bearer PAT, REST v2.
    pub fn dc(f: &FakeJira) -> Api {
        Api {
            http: client(),
            base: format!("{}/dc/rest/api/2", f.url()),
            auth: format!("Bearer {}", f.info()["pat"].as_str().unwrap()),
        }
    }
    /// Gateway with a bearer token.
    pub fn gateway(f: &FakeJira, token: &str) -> Api {
        Api {
            http: client(),
            base: format!("{}/ex/jira/{}/rest/api/3", f.url(), f.cloud_id()),
            auth: format!("Bearer {token}"),
        }
    }
    /// Sends a request; returns (status, JSON or Null).
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut rb = self
            .http
            .request(m, format!("{}{}", self.base, path))
            .header("Authorization", &self.auth);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let r = rb.send().await.expect("request");
        let s = r.status().as_u16();
        let t = r.text().await.unwrap_or_default();
        (s, serde_json::from_str(&t).unwrap_or(Value::Null))
    }
    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.call("GET", path, None).await
    }
    pub async fn post(&self, path: &str, b: Value) -> (u16, Value) {
        self.call("POST", path, Some(b)).await
    }
    pub async fn put(&self, path: &str, b: Value) -> (u16, Value) {
        self.call("PUT", path, Some(b)).await
    }
    pub async fn delete(&self, path: &str) -> (u16, Value) {
        self.call("DELETE", path, None).await
    }
}

/// A plain client (no redirects followed).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn shared_file(env: &str, name: &str) -> PathBuf {
    if let Ok(p) = std::env::var(env) {
        return PathBuf::from(p);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/jira")
        .join(name)
}

/// The official OpenAPI document (env `JIRA_OPENAPI` or `../shared/jira/openapi-v3.json`).
pub fn openapi() -> &'static Value {
    static DOC: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        let p = shared_file("JIRA_OPENAPI", "openapi-v3.json");
        let s = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()));
        let mut v: Value = serde_json::from_str(&s).unwrap();
        nullable(&mut v);
        v
    })
}

/// The ADF schema (env `ADF_SCHEMA` or `../shared/jira/adf-schema.json`).
pub fn adf_schema() -> Value {
    let p = shared_file("ADF_SCHEMA", "adf-schema.json");
    serde_json::from_str(
        &std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display())),
    )
    .unwrap()
}

/// OpenAPI 3.0 `nullable: true` → JSON Schema `type: [t, "null"]`.
fn nullable(v: &mut Value) {
    match v {
        Value::Object(o) => {
            if o.get("nullable") == Some(&Value::Bool(true)) {
                if let Some(Value::String(t)) = o.get("type").cloned() {
                    o.insert("type".into(), serde_json::json!([t, "null"]));
                }
            }
            o.values_mut().for_each(nullable);
        }
        Value::Array(a) => a.iter_mut().for_each(nullable),
        _ => {}
    }
}

/// Validates a response body against the schema the OpenAPI document gives for
/// `method path status` (application/json). Panics with the errors when it does not match.
pub fn check(path: &str, method: &str, status: u16, body: &Value) {
    let doc = openapi();
    let op = &doc["paths"][path][method];
    assert!(
        op.is_object(),
        "no operation {method} {path} in the OpenAPI document"
    );
    let resp = &op["responses"][status.to_string()];
    assert!(resp.is_object(), "no {status} response for {method} {path}");
    let Some(schema) = resp.pointer("/content/application~1json/schema") else {
        // The document gives no schema (e.g. many error responses): body must then be an ErrorCollection.
        if status >= 400 {
            check_schema("ErrorCollection", body);
        }
        return;
    };
    let mut s = schema.clone();
    s["components"] = doc["components"].clone();
    let v = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(false)
        .build(&s)
        .expect("schema compiles");
    let errs: Vec<String> = v
        .iter_errors(body)
        .take(5)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errs.is_empty(),
        "{method} {path} {status} does not match the OpenAPI schema: {errs:#?}\nbody: {body}"
    );
}

/// Validates against `components.schemas.<name>`.
pub fn check_schema(name: &str, body: &Value) {
    let doc = openapi();
    let s = serde_json::json!({"$ref": format!("#/components/schemas/{name}"), "components": doc["components"].clone()});
    let v = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(false)
        .build(&s)
        .expect("schema compiles");
    let errs: Vec<String> = v
        .iter_errors(body)
        .take(5)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errs.is_empty(), "{name} mismatch: {errs:#?}\nbody: {body}");
}
