//! Wire envelopes: parsing one incoming JSON-RPC message and building replies.
//!
//! Ids are kept as raw JSON text so 0, negative numbers, big numbers and strings echo back exactly
//! (jsonrpsee's `Id` only holds `u64`).

use jsonrpsee::types::{ErrorCode, ErrorObject};
use jsonrpsee::MethodResponse;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;

/// A call that expects a reply.
#[derive(Debug)]
pub(crate) struct Call {
    pub id: Box<RawValue>,
    pub method: String,
    pub params: Option<Box<RawValue>>,
}

/// One well-formed incoming message.
#[derive(Debug)]
pub(crate) enum Incoming {
    Call(Call),
    Notification {
        method: String,
        params: Option<Box<RawValue>>,
    },
}

/// Borrows from the frame: only the id and params are copied out, since the call outlives it.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(default, borrow, deserialize_with = "present")]
    jsonrpc: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    id: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    method: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    params: Option<&'a RawValue>,
}

/// Distinguishes an absent field from an explicit `null` (an `id: null` call is still a call).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(d).map(Some)
}

fn first_byte(raw: &RawValue) -> u8 {
    raw.get().bytes().next().unwrap_or(b' ')
}

/// Whether the frame is a batch (a JSON array).
pub(crate) fn is_batch(frame: &[u8]) -> bool {
    frame.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[')
}

/// Parses one message; `Err` carries the error reply to send.
pub(crate) fn parse(frame: &[u8]) -> Result<Incoming, Box<RawValue>> {
    let env: Envelope = match serde_json::from_slice(frame) {
        Ok(env) => env,
        Err(_) if serde_json::from_slice::<serde::de::IgnoredAny>(frame).is_ok() => {
            return Err(error_reply(None, ErrorCode::InvalidRequest.into()));
        }
        Err(_) => return Err(error_reply(None, ErrorCode::ParseError.into())),
    };
    let id = match env.id {
        Some(id) if matches!(first_byte(id), b'0'..=b'9' | b'-' | b'"' | b'n') => Some(id),
        Some(_) => return Err(invalid(None, "id must be a number, a string or null")),
        None => None,
    };
    if env.jsonrpc.map(RawValue::get) != Some("\"2.0\"") {
        return Err(invalid(id, "jsonrpc must be \"2.0\""));
    }
    let Some(method) = env
        .method
        .and_then(|m| serde_json::from_str::<String>(m.get()).ok())
    else {
        return Err(invalid(id, "method must be a string"));
    };
    let params = match env.params {
        Some(p) if first_byte(p) == b'n' => None,
        Some(p) if matches!(first_byte(p), b'{' | b'[') => Some(p.to_owned()),
        Some(_) => return Err(invalid(id, "params must be an object or an array")),
        None => None,
    };
    Ok(match id {
        Some(id) => Incoming::Call(Call {
            id: id.to_owned(),
            method,
            params,
        }),
        None => Incoming::Notification { method, params },
    })
}

fn invalid(id: Option<&RawValue>, why: &str) -> Box<RawValue> {
    error_reply(
        id,
        ErrorObject::owned(
            ErrorCode::InvalidRequest.code(),
            format!("Invalid request: {why}"),
            None::<()>,
        ),
    )
}

#[derive(Serialize)]
struct ErrorReply<'a> {
    jsonrpc: &'static str,
    id: Option<&'a RawValue>,
    error: ErrorObject<'a>,
}

/// An error reply; `id: None` serializes as `null`.
pub(crate) fn error_reply(id: Option<&RawValue>, error: ErrorObject<'_>) -> Box<RawValue> {
    serde_json::value::to_raw_value(&ErrorReply {
        jsonrpc: "2.0",
        id,
        error,
    })
    .unwrap_or_else(|_| fallback_internal_error())
}

fn fallback_internal_error() -> Box<RawValue> {
    // Serializing the types above cannot fail; keep the connection alive regardless.
    RawValue::NULL.to_owned()
}

/// A success reply carrying an already-serialized result: concatenated, since both parts are
/// valid JSON, so the result is copied once and never parsed again.
pub(crate) fn result_reply(id: &RawValue, result: &RawValue) -> Box<str> {
    const HEAD: &str = r#"{"jsonrpc":"2.0","id":"#;
    const MID: &str = r#","result":"#;
    let (id, result) = (id.get(), result.get());
    let mut s = String::with_capacity(HEAD.len() + id.len() + MID.len() + result.len() + 1);
    s.push_str(HEAD);
    s.push_str(id);
    s.push_str(MID);
    s.push_str(result);
    s.push('}');
    s.into_boxed_str()
}

/// Re-keys a jsonrpsee response produced with `Id::Null` onto the caller's raw id.
pub(crate) fn reply_with_id(resp: MethodResponse, id: &RawValue) -> Box<RawValue> {
    const PREFIX: &str = r#"{"jsonrpc":"2.0","id":null,"#;
    let json = resp.into_json();
    let text = json.get();
    if let Some(rest) = text.strip_prefix(PREFIX) {
        let mut s = String::with_capacity(text.len() + id.get().len());
        s.push_str(r#"{"jsonrpc":"2.0","id":"#);
        s.push_str(id.get());
        s.push(',');
        s.push_str(rest);
        if let Ok(raw) = RawValue::from_string(s) {
            return raw;
        }
    }
    // Layout changed upstream: rebuild the slow way.
    #[derive(Deserialize)]
    struct Parts {
        result: Option<Box<RawValue>>,
        error: Option<Box<RawValue>>,
    }
    #[derive(Serialize)]
    struct Out<'a> {
        jsonrpc: &'static str,
        id: &'a RawValue,
        #[serde(skip_serializing_if = "Option::is_none")]
        result: Option<Box<RawValue>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<Box<RawValue>>,
    }
    serde_json::from_str::<Parts>(text)
        .and_then(|p| {
            serde_json::value::to_raw_value(&Out {
                jsonrpc: "2.0",
                id,
                result: p.result,
                error: p.error,
            })
        })
        .unwrap_or_else(|_| error_reply(Some(id), ErrorCode::InternalError.into()))
}

/// A notification message.
pub(crate) fn notification<P: Serialize>(
    method: &str,
    params: &P,
) -> Result<Box<RawValue>, serde_json::Error> {
    #[derive(Serialize)]
    struct N<'a, P> {
        jsonrpc: &'static str,
        method: &'a str,
        params: &'a P,
    }
    serde_json::value::to_raw_value(&N {
        jsonrpc: "2.0",
        method,
        params,
    })
}

/// Joins batch replies into one array.
pub(crate) fn join_batch(replies: &[Box<str>]) -> Box<str> {
    format!("[{}]", replies.join(",")).into_boxed_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err_of(frame: &str) -> serde_json::Value {
        let raw = parse(frame.as_bytes()).expect_err("should fail");
        serde_json::from_str(raw.get()).unwrap()
    }

    #[test]
    fn classifies_faults() {
        assert_eq!(err_of("{bad")["error"]["code"], -32700);
        assert_eq!(err_of("1")["error"]["code"], -32600);
        assert_eq!(err_of(r#"{"jsonrpc":"2.0","id":-7}"#)["id"], -7);
        assert_eq!(
            err_of(r#"{"jsonrpc":"1.0","id":"x","method":"a"}"#)["id"],
            "x"
        );
        assert_eq!(
            err_of(r#"{"jsonrpc":"2.0","id":{},"method":"a"}"#)["id"],
            serde_json::Value::Null
        );
        assert_eq!(
            err_of(r#"{"jsonrpc":"2.0","id":1,"method":"a","params":3}"#)["error"]["code"],
            -32600
        );
    }

    #[test]
    fn null_id_is_a_call_and_null_params_is_none() {
        match parse(br#"{"jsonrpc":"2.0","id":null,"method":"a","params":null}"#).unwrap() {
            Incoming::Call(c) => assert!(c.id.get() == "null" && c.params.is_none()),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse(br#"{"jsonrpc":"2.0","method":"a"}"#).unwrap(),
            Incoming::Notification { .. }
        ));
    }
}
