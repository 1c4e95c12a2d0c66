//! Application errors as JSON-RPC errors: the kind's stable code, `data.kind`, and the error's
//! own `data` beside it.

use crate::rpc::{ErrorObject, ErrorObjectOwned};
use serde_json::{Map, Value};

pub use crate::service::error::{unknown_profile, ApiError};
use jirad_protocol::ErrorKind;

impl From<ApiError> for ErrorObjectOwned {
    fn from(e: ApiError) -> Self {
        app_error(e.kind, e.message, e.data)
    }
}

/// Builds the JSON-RPC error for an application error: `{code, message, data: {kind, ..extra}}`.
pub fn app_error(
    kind: ErrorKind,
    message: impl Into<String>,
    extra: Map<String, Value>,
) -> ErrorObjectOwned {
    let mut data = extra;
    data.insert("kind".into(), Value::from(kind.as_str()));
    ErrorObject::owned(kind.code(), message.into(), Some(Value::Object(data)))
}
