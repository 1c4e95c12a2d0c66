//! The OpenRPC 1.3.2 document, generated from the marker types with schemars.
//!
//! Adding a method is one line in [`contract`]. Params are by name: each params field becomes one
//! content descriptor, and `x-params-schema` is the params object's schema, which refuses other
//! keys (`additionalProperties: false`), and `x-annotations` what the call does (MCP's tool
//! annotation names, plus `irreversible` and `admin`). Server → client notifications go under `x-notifications`, since OpenRPC has
//! no server-to-client direction.

use crate::{Annotations, Notification, Request};
use schemars::{generate::SchemaSettings, JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Map, Value};

type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

/// Which way a message travels and whether it is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Client → server, answered.
    Request,
    /// Client → server, not answered.
    ClientNotification,
    /// Server → client, not answered.
    ServerNotification,
}

/// One entry of the contract.
#[derive(Clone)]
pub struct MethodDoc {
    /// Wire name.
    pub name: &'static str,
    /// One-line description.
    pub summary: &'static str,
    /// Direction and reply.
    pub direction: Direction,
    /// Requests only: what the call does ([`Request::ANNOTATIONS`]).
    pub annotations: Option<Annotations>,
    params: SchemaFn,
    result: Option<SchemaFn>,
}

impl MethodDoc {
    /// A client → server call.
    pub fn request<R: Request>(summary: &'static str) -> Self {
        MethodDoc {
            name: R::METHOD,
            summary,
            direction: Direction::Request,
            annotations: Some(R::ANNOTATIONS),
            params: |g| g.subschema_for::<R::Params>(),
            result: Some(|g| g.subschema_for::<R::Result>()),
        }
    }

    /// A client → server notification.
    pub fn client_notification<N: Notification>(summary: &'static str) -> Self {
        Self::notification::<N>(summary, Direction::ClientNotification)
    }

    /// A server → client notification.
    pub fn server_notification<N: Notification>(summary: &'static str) -> Self {
        Self::notification::<N>(summary, Direction::ServerNotification)
    }

    fn notification<N: Notification>(summary: &'static str, direction: Direction) -> Self {
        MethodDoc {
            name: N::METHOD,
            summary,
            direction,
            annotations: None,
            params: |g| g.subschema_for::<N::Params>(),
            result: None,
        }
    }
}

/// Every method and notification of the protocol. Later issues add their lines here.
pub fn contract() -> Vec<MethodDoc> {
    // One list per method family, each beside its types.
    [
        crate::lifecycle::docs(),
        crate::auth::docs(),
        crate::issues::docs(),
        crate::workflow::docs(),
        crate::links::docs(),
        crate::watchers::docs(),
        crate::worklogs::docs(),
        crate::versions::docs(),
        crate::attachments::docs(),
        crate::jql::docs(),
        crate::projects::docs(),
        crate::boards::docs(),
        crate::sprints::docs(),
        crate::watch::docs(),
        crate::live::docs(),
        crate::cache::docs(),
    ]
    .concat()
}

/// Names of the methods the daemon answers or accepts (requests and client notifications).
pub fn method_names() -> Vec<&'static str> {
    contract()
        .into_iter()
        .filter(|m| m.direction != Direction::ServerNotification)
        .map(|m| m.name)
        .collect()
}

/// Names of the notifications the daemon may send.
pub fn server_notification_names() -> Vec<&'static str> {
    contract()
        .into_iter()
        .filter(|m| m.direction == Direction::ServerNotification)
        .map(|m| m.name)
        .collect()
}

/// The OpenRPC document as checked in (`protocol/openrpc.json`, held equal to [`generate`] by the
/// golden test). Parsing it costs a fraction of generating it, which `jirad mcp` would otherwise
/// pay before its first answer.
pub fn document() -> Value {
    serde_json::from_str(CHECKED_IN).unwrap_or_else(|_| generate())
}

const CHECKED_IN: &str = include_str!("../openrpc.json");

/// Builds the OpenRPC document from the types.
pub fn generate() -> Value {
    let mut gen = SchemaSettings::draft07()
        .with(|s| s.definitions_path = "#/components/schemas/".into())
        .into_generator();
    let mut methods = Vec::new();
    let mut notifications = Vec::new();
    for m in contract() {
        let params_schema = (m.params)(&mut gen);
        let params = by_name(&params_schema, gen.definitions());
        // OpenRPC's by-name content descriptors cannot say that other keys are refused; the
        // params object's own schema (`additionalProperties: false`) can.
        let mut obj = json!({
            "name": m.name, "summary": m.summary, "paramStructure": "by-name", "params": params,
            "x-params-schema": params_schema,
        });
        if let Some(a) = m.annotations {
            obj["x-annotations"] = annotations_json(&a);
        }
        if let Some(result) = m.result {
            obj["result"] = json!({ "name": "result", "schema": (result)(&mut gen) });
        }
        match m.direction {
            Direction::ServerNotification => {
                obj["x-direction"] = json!("server-to-client");
                notifications.push(obj);
            }
            _ => methods.push(obj),
        }
    }
    json!({
        "openrpc": "1.3.2",
        "info": {
            "title": "jirad",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Local Jira daemon. Application errors carry data.kind; see x-error-kinds.",
        },
        "methods": methods,
        "x-notifications": notifications,
        "x-error-kinds": error_kinds(),
        "components": { "schemas": gen.take_definitions(true) },
    })
}

/// The document as checked in: pretty JSON with a trailing newline.
pub fn document_text() -> String {
    let mut s = serde_json::to_string_pretty(&generate()).unwrap_or_default();
    s.push('\n');
    s
}

/// MCP's tool annotation names, plus jirad's `irreversible` and `admin`.
fn annotations_json(a: &Annotations) -> Value {
    json!({
        "title": a.title,
        "readOnlyHint": a.read_only,
        "destructiveHint": a.destructive,
        "idempotentHint": a.idempotent,
        "openWorldHint": a.open_world,
        "irreversible": a.irreversible,
        "admin": a.admin,
    })
}

fn error_kinds() -> Value {
    crate::ErrorKind::ALL
        .iter()
        .map(|k| json!({ "code": k.code(), "kind": k.as_str() }))
        .collect()
}

/// Turns a params schema (usually a `$ref` to an object) into one content descriptor per field.
fn by_name(params: &Schema, defs: &Map<String, Value>) -> Value {
    let resolved = params
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit('/').next())
        .and_then(|name| defs.get(name))
        .unwrap_or(params.as_value());
    let required: Vec<&str> = resolved
        .get("required")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(props) = resolved.get("properties").and_then(Value::as_object) else {
        return json!([]);
    };
    props
        .iter()
        .map(|(name, schema)| {
            let mut d = json!({ "name": name, "required": required.contains(&name.as_str()), "schema": schema });
            if let Some(desc) = schema.get("description") {
                d["description"] = desc.clone();
            }
            d
        })
        .collect()
}

/// Lets a test assert that a type's schema is stable (re-exported for other crates' tests).
pub fn schema_of<T: JsonSchema>() -> Value {
    SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value()
}
