//! The jirad JSON-RPC contract: one marker type per method (as lsp-types does), the notification
//! types, the application error kinds, and the OpenRPC document generated from them.
//!
//! No tokio, no I/O: clients in any language can be generated from `openrpc.json`.

pub mod auth;
pub mod cache;
pub mod error;
pub mod issues;
pub mod lifecycle;
pub mod openrpc;
pub mod projects;
pub mod workflow;

pub use error::ErrorKind;

use schemars::JsonSchema;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

/// A client → server call that gets a reply.
pub trait Request {
    /// The wire name, `namespace/camelCase`.
    const METHOD: &'static str;
    /// Params, always by name (a JSON object); use [`NoParams`] for none.
    type Params: DeserializeOwned + Serialize + JsonSchema + Send + 'static;
    /// The `result` of a successful reply.
    type Result: DeserializeOwned + Serialize + JsonSchema + Send + 'static;
}

/// A one-way message (no reply), in either direction.
pub trait Notification {
    /// The wire name.
    const METHOD: &'static str;
    /// Params, always by name.
    type Params: DeserializeOwned + Serialize + JsonSchema + Send + 'static;
}

/// Params of a method that takes none. Absent, `null`, `{}` and `[]` all decode to it; any field is
/// an error (`-32602`), so a typo never passes silently.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}
