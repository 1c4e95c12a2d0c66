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
    /// The same credentials on Jira Software's API (`…/rest/agile/1.0`) of the same flavour.
    pub fn agile(&self) -> Api {
        let root = self
            .base
            .rsplit_once("/rest/api/")
            .map_or(self.base.as_str(), |x| x.0);
        Api {
            http: self.http.clone(),
            base: format!("{root}/rest/agile/1.0"),
            auth: self.auth.clone(),
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
        open_unions(&mut v);
        v
    })
}

/// A union (`anyOf`) that also says `additionalProperties: false` without `properties` of its
/// own (`JqlQueryClause`) means "one of these shapes" to the generator that wrote it, but "no
/// property at all" to JSON Schema: even Jira's documented `jql/parse` example would fail. The
/// members keep their own rules.
fn open_unions(v: &mut Value) {
    match v {
        Value::Object(o) => {
            if o.contains_key("anyOf")
                && !o.contains_key("properties")
                && o.get("additionalProperties") == Some(&Value::Bool(false))
            {
                o.remove("additionalProperties");
            }
            o.values_mut().for_each(open_unions);
        }
        Value::Array(a) => a.iter_mut().for_each(open_unions),
        _ => {}
    }
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

/// The Jira Software OpenAPI document (env `JIRA_SOFTWARE_OPENAPI` or
/// `../shared/jira/openapi-software.json`).
pub fn openapi_software() -> &'static Value {
    static DOC: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        let p = shared_file("JIRA_SOFTWARE_OPENAPI", "openapi-software.json");
        let s = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()));
        let mut v: Value = serde_json::from_str(&s).unwrap();
        nullable(&mut v);
        v
    })
}

fn validate(schema: &Value, components: &Value, body: &Value) -> Vec<String> {
    let mut s = schema.clone();
    s["components"] = components.clone();
    let v = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(false)
        .build(&s)
        .expect("schema compiles");
    v.iter_errors(body)
        .take(5)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

/// Whether every key of `body` appears in `example` at the same place (arrays: against the
/// example's first item), and scalars have the example's JSON type. For the responses the Jira
/// Software document only gives an example for.
fn shape_errors(body: &Value, example: &Value, at: &str, out: &mut Vec<String>) {
    match (body, example) {
        (Value::Object(b), Value::Object(e)) => {
            for (k, v) in b {
                match e.get(k) {
                    Some(ev) => shape_errors(v, ev, &format!("{at}/{k}"), out),
                    None => out.push(format!("{at}/{k} is not in the documented example")),
                }
            }
        }
        (Value::Array(b), Value::Array(e)) => {
            if let Some(first) = e.first() {
                for (n, v) in b.iter().enumerate() {
                    shape_errors(v, first, &format!("{at}/{n}"), out);
                }
            }
        }
        (Value::Null, _) | (_, Value::Null) => {}
        (b, e) if std::mem::discriminant(b) != std::mem::discriminant(e) => {
            out.push(format!("{at} is {b}, the example has {e}"))
        }
        _ => {}
    }
}

/// Validates a Jira Software response (`path` as in the document, e.g.
/// `/rest/agile/1.0/sprint/{sprintId}`): the status must be documented for the operation; a
/// documented schema must match; where the document has only an example, the body is checked
/// against the component bean the operation returns (`bean`, e.g. `SprintBean`) or, without
/// one, against the example's shape (`extra` lists keys Jira sends beyond the example); error
/// bodies must be Jira ErrorCollections.
pub fn check_software(
    path: &str,
    method: &str,
    status: u16,
    body: &Value,
    bean: Option<&str>,
    extra: &[&str],
) {
    let doc = openapi_software();
    let op = &doc["paths"][path][method];
    assert!(
        op.is_object(),
        "no operation {method} {path} in the Jira Software document"
    );
    let resp = &op["responses"][status.to_string()];
    assert!(resp.is_object(), "no {status} response for {method} {path}");
    let content = resp.pointer("/content/application~1json");
    if status >= 400 {
        check_schema("ErrorCollection", body);
        return;
    }
    let errs = match (content.and_then(|c| c.get("schema")), bean) {
        (Some(schema), _) => validate(schema, &doc["components"], body),
        (None, Some(bean)) => validate(
            &serde_json::json!({"$ref": format!("#/components/schemas/{bean}")}),
            &doc["components"],
            body,
        ),
        (None, None) => {
            let example = content
                .and_then(|c| c.get("example"))
                .and_then(Value::as_str)
                .and_then(|e| serde_json::from_str::<Value>(e).ok())
                .unwrap_or_else(|| {
                    panic!("{method} {path} {status}: the document has no schema and no example")
                });
            let mut example = example;
            if let Value::Object(o) = &mut example {
                for k in extra {
                    o.entry(k.to_string()).or_insert(Value::Null);
                }
            }
            if let Some(Value::Object(first)) = example.pointer_mut("/values/0") {
                for k in extra {
                    first.entry(k.to_string()).or_insert(Value::Null);
                }
            }
            let mut out = Vec::new();
            shape_errors(body, &example, "", &mut out);
            out
        }
    };
    assert!(
        errs.is_empty(),
        "{method} {path} {status} does not match the Jira Software document: {errs:#?}\nbody: {body}"
    );
}

/// A page of sprints (`{maxResults,startAt,total,isLast,values}`) with each value a SprintBean.
pub fn check_sprint_page(body: &Value) {
    for k in ["maxResults", "startAt", "total", "isLast", "values"] {
        assert!(body.get(k).is_some(), "{k} missing from {body}");
    }
    for v in body["values"].as_array().expect("values") {
        check_software(
            "/rest/agile/1.0/sprint/{sprintId}",
            "get",
            200,
            v,
            Some("SprintBean"),
            &[],
        );
    }
    // SprintBean has `createdDate`, which the page's example leaves out.
    check_software(
        "/rest/agile/1.0/board/{boardId}/sprint",
        "get",
        200,
        body,
        None,
        &["createdDate"],
    );
}
