//! Wire envelopes: parsing one incoming JSON-RPC message and building replies.
//!
//! Ids are kept as raw JSON text so 0, negative numbers, big numbers and strings echo back exactly
//! (jsonrpsee's `Id` only holds `u64`).

use super::scan;
use bytes::Bytes;
use bytestring::ByteString;
use jsonrpsee::types::{ErrorCode, ErrorObject};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;
use std::ops::Range;
use std::sync::Arc;

/// One well-formed incoming message: a call (it has an id) or a notification. Its parts are
/// ranges of the frame it came in, so reading one copies nothing.
#[derive(Debug, Clone)]
pub(crate) struct Message {
    frame: ByteString,
    id: Option<Range<usize>>,
    method: Name,
    params: Option<Range<usize>>,
}

/// A method name: in the frame, or decoded when it was written with escapes.
#[derive(Debug, Clone)]
enum Name {
    InFrame(Range<usize>),
    Unescaped(Box<str>),
}

impl Message {
    /// Whether it expects a reply (it has an id, maybe `null`).
    pub fn is_call(&self) -> bool {
        self.id.is_some()
    }

    /// The id's JSON text (a number, a string or `null`); `None` for a notification.
    pub fn id(&self) -> Option<&str> {
        self.id.clone().map(|r| self.text(r))
    }

    pub fn method(&self) -> &str {
        match &self.method {
            Name::InFrame(r) => self.text(r.clone()),
            Name::Unescaped(name) => name,
        }
    }

    /// The params' JSON text (an object or an array); `None` when absent or `null`.
    pub fn params(&self) -> Option<&str> {
        self.params.clone().map(|r| self.text(r))
    }

    fn text(&self, range: Range<usize>) -> &str {
        // The ranges fall on token boundaries.
        self.frame.get(range).unwrap_or("null")
    }
}

/// Whether the frame is a batch (a JSON array).
pub(crate) fn is_batch(frame: &[u8]) -> bool {
    frame.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[')
}

/// Parses one message; `Err` carries the error reply to send.
pub(crate) fn parse(frame: Bytes) -> Result<Message, Box<str>> {
    let Ok(frame) = ByteString::try_from(frame) else {
        return Err(error_reply(None, ErrorCode::ParseError.into()));
    };
    let members = match scan::envelope(frame.as_bytes()) {
        Some(members) => members,
        None => members_by_serde(&frame)?,
    };
    let bytes = |r: &Option<Range<usize>>| r.clone().map(|r| &frame.as_bytes()[r]);
    let first_byte = |r: &Option<Range<usize>>| r.as_ref().map(|r| frame.as_bytes()[r.start]);
    let id = match first_byte(&members.id) {
        Some(b'0'..=b'9' | b'-' | b'"' | b'n') | None => members.id.clone(),
        Some(_) => return Err(invalid(None, "id must be a number, a string or null")),
    };
    // Only an error reply needs the id as text.
    let id_text = || bytes(&id).and_then(|b| std::str::from_utf8(b).ok());
    if bytes(&members.jsonrpc) != Some(b"\"2.0\"") {
        return Err(invalid(id_text(), "jsonrpc must be \"2.0\""));
    }
    let method = match (bytes(&members.method), &members.method) {
        (Some(m), Some(r)) if m.first() == Some(&b'"') && !m.contains(&b'\\') => {
            Name::InFrame(r.start + 1..r.end - 1)
        }
        (Some(m), _) => match serde_json::from_slice::<String>(m) {
            Ok(name) => Name::Unescaped(name.into()),
            Err(_) => return Err(invalid(id_text(), "method must be a string")),
        },
        (None, _) => return Err(invalid(id_text(), "method must be a string")),
    };
    let params = match first_byte(&members.params) {
        Some(b'n') | None => None,
        Some(b'{' | b'[') => members.params,
        Some(_) => return Err(invalid(id_text(), "params must be an object or an array")),
    };
    Ok(Message {
        frame,
        id,
        method,
        params,
    })
}

/// Borrows from the frame: only where each part lies is kept.
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

/// The members of a frame [`scan::envelope`] left alone, or the error reply it deserves.
fn members_by_serde(text: &str) -> Result<scan::Members, Box<str>> {
    let env: Envelope = match serde_json::from_str(text) {
        Ok(env) => env,
        Err(_) if serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() => {
            return Err(error_reply(None, ErrorCode::InvalidRequest.into()));
        }
        Err(_) => return Err(error_reply(None, ErrorCode::ParseError.into())),
    };
    let range = |raw: Option<&RawValue>| {
        raw.map(|raw| {
            let start = raw.get().as_ptr() as usize - text.as_ptr() as usize;
            start..start + raw.get().len()
        })
    };
    Ok(scan::Members {
        jsonrpc: range(env.jsonrpc),
        id: range(env.id),
        method: range(env.method),
        params: range(env.params),
    })
}

fn invalid(id: Option<&str>, why: &str) -> Box<str> {
    error_reply(
        id,
        ErrorObject::owned(
            ErrorCode::InvalidRequest.code(),
            format!("Invalid request: {why}"),
            None::<()>,
        ),
    )
}

/// An error reply to the call with this id's JSON text; `None` answers with `"id":null`.
pub(crate) fn error_reply(id: Option<&str>, error: ErrorObject<'_>) -> Box<str> {
    // Serializing an error object cannot fail; keep the connection alive regardless.
    let error = serde_json::to_string(&error)
        .unwrap_or_else(|_| r#"{"code":-32603,"message":"Internal error"}"#.to_owned());
    reply(id.unwrap_or("null"), "error", &error)
}

/// A success reply carrying an already-serialized result: concatenated, since both parts are
/// valid JSON, so the result is copied once and never parsed again.
pub(crate) fn result_reply(id: &str, result: &str) -> Box<str> {
    reply(id, "result", result)
}

const HEAD: &str = r#"{"jsonrpc":"2.0","id":"#;

fn reply(id: &str, member: &str, value: &str) -> Box<str> {
    // Exact: `into_boxed_str` would reallocate a string with room to spare.
    let mut s = String::with_capacity(HEAD.len() + id.len() + member.len() + value.len() + 5);
    s.push_str(HEAD);
    s.push_str(id);
    s.push_str(",\"");
    s.push_str(member);
    s.push_str("\":");
    s.push_str(value);
    s.push('}');
    s.into_boxed_str()
}

/// A reply kept in the pieces it is made of until it is written: most are written at once,
/// straight from the pieces ([`Answer::pieces`]), and never concatenated.
#[derive(Debug)]
pub(crate) enum Answer<'a> {
    /// A success: the call's id text and its serialized result.
    Result { id: &'a str, result: PreparedJson },
    /// Any other reply, whole.
    Text(Box<str>),
}

impl Answer<'_> {
    /// The reply's bytes in order (some may be empty).
    pub(crate) fn pieces(&self) -> [&str; 6] {
        match self {
            Answer::Result { id, result } => {
                let [result, rest] = result.parts();
                [HEAD, id, r#","result":"#, result, rest, "}"]
            }
            Answer::Text(text) => [text, "", "", "", "", ""],
        }
    }

    /// The whole reply, for the queue.
    pub(crate) fn into_text(self) -> Box<str> {
        match self {
            Answer::Result {
                id,
                result: PreparedJson(Prepared::Whole(result)),
            } => result_reply(id, &result),
            answer => answer.pieces().concat().into(),
        }
    }
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

/// A result's JSON prepared before the call (a cached rendering): sent as it is, never parsed
/// again. Whole, or a piece of a text shared between replies followed by this reply's own end,
/// written one after the other and never concatenated.
#[derive(Debug)]
pub struct PreparedJson(Prepared);

#[derive(Debug)]
enum Prepared {
    Whole(String),
    Spliced(Arc<str>, Range<usize>, String),
}

impl PreparedJson {
    /// `json`, which must be the JSON of the method's result.
    pub fn whole(json: String) -> Self {
        PreparedJson(Prepared::Whole(json))
    }

    /// `shared[range]` then `rest`, which together must be the JSON of the method's result.
    pub fn spliced(shared: Arc<str>, range: Range<usize>, rest: String) -> Self {
        PreparedJson(Prepared::Spliced(shared, range, rest))
    }

    /// The result's text in order.
    pub(crate) fn parts(&self) -> [&str; 2] {
        match &self.0 {
            Prepared::Whole(json) => [json, ""],
            // A range off the text's char boundaries would be a bug of the preparer's: it sends
            // nothing of the shared text rather than panic.
            Prepared::Spliced(shared, range, rest) => {
                [shared.get(range.clone()).unwrap_or(""), rest]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err_of(frame: &str) -> serde_json::Value {
        let reply = parse(Bytes::copy_from_slice(frame.as_bytes())).expect_err("should fail");
        serde_json::from_str(&reply).unwrap()
    }

    fn parsed(frame: &str) -> Message {
        parse(Bytes::copy_from_slice(frame.as_bytes())).unwrap()
    }

    /// The fast scanner may decline, but whatever it accepts, serde accepts with the same parts.
    fn agrees_with_serde(text: &str) -> bool {
        match scan::envelope(text.as_bytes()) {
            None => true,
            Some(fast) => members_by_serde(text).ok() == Some(fast),
        }
    }

    #[test]
    fn an_answer_in_pieces_is_the_whole_reply() {
        let shared: std::sync::Arc<str> = r#"xx{"x":[1]}"#.into();
        for result in [
            PreparedJson::whole(r#"{"x":[1]}"#.to_owned()),
            PreparedJson::spliced(shared.clone(), 2..9, "]}".to_owned()),
        ] {
            let answer = Answer::Result {
                id: "\"a\"",
                result,
            };
            let pieces = answer.pieces().concat();
            let text = answer.into_text();
            assert_eq!(pieces, &*text);
            let reply: serde_json::Value = serde_json::from_str(&text).unwrap();
            let want = serde_json::json!({"jsonrpc": "2.0", "id": "a", "result": {"x": [1]}});
            assert_eq!(reply, want);
        }
        let text = error_reply(Some("7"), ErrorCode::MethodNotFound.into());
        assert_eq!(Answer::Text(text.clone()).pieces().concat(), &*text);
    }

    #[test]
    fn the_scanner_reads_plain_requests_and_leaves_oddities_to_serde() {
        let read = [
            r#"{"jsonrpc":"2.0","id":1,"method":"daemon/status"}"#,
            " {\"params\" : {\"a\":[1,-0.5e+3,true,false,null,\"\\u00e9\\n\"]},\r\n\t\"id\":\"x\",\"method\":\"m\",\"jsonrpc\":\"2.0\"} ",
            r#"{"jsonrpc":"2.0","method":"m","params":[],"extra":{"k":[{}]}}"#,
            r#"{}"#,
            r#"{"id":null,"id2":0,"x":-0,"y":1E5,"z":"é\/"}"#,
        ];
        for text in read {
            assert!(scan::envelope(text.as_bytes()).is_some(), "{text}");
            assert!(agrees_with_serde(text), "{text}");
        }
        let deep = format!(r#"{{"params":{}{}}}"#, "[".repeat(150), "]".repeat(150));
        let declined = [
            r#"{"id":1,"id":2}"#,
            r#"{"\u0069d":1}"#,
            r#"[{"id":1}]"#,
            r#"{"id":01}"#,
            r#"{"id":1.}"#,
            r#"{"id":1e}"#,
            r#"{"id":-}"#,
            r#"{"id":"\x"}"#,
            r#"{"id":"\u12G4"}"#,
            "{\"id\":\"a\u{1}\"}",
            r#"{"id":nul}"#,
            r#"{"id":1,}"#,
            r#"{"id":1} x"#,
            r#"{"id" 1}"#,
            r#"{"params":[1,]}"#,
            r#"{"params":{"a":1,}}"#,
            r#"{"params":{"a"}}"#,
            "\u{feff}{}",
            deep.as_str(),
        ];
        for text in declined {
            assert!(scan::envelope(text.as_bytes()).is_none(), "{text}");
        }
        // Frames are checked to be UTF-8 before the scanner sees them.
        for not_utf8 in [&b"{\"id\":\"\xff\"}"[..], b"{\"\xc3\xa9\":\"\xc3\"}"] {
            let reply = parse(Bytes::from_static(not_utf8)).map(|_| ()).unwrap_err();
            let reply: serde_json::Value = serde_json::from_str(&reply).unwrap();
            assert_eq!(reply["error"]["code"], -32700);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2_000))]
        #[test]
        fn the_scanner_never_disagrees_with_serde(text in envelope_text()) {
            proptest::prop_assert!(agrees_with_serde(&text), "{}", text);
        }
    }

    // Lexemes and separators, mostly valid: a frame with one bad part tests that part.
    const GOOD: &[&str] = &[
        "0",
        "-0",
        "12",
        "1.5",
        "1e5",
        "-2.5E-3",
        "1E+2",
        r#""a""#,
        r#""\u00e9\/\n""#,
        r#""é""#,
        "true",
        "false",
        "null",
        "[]",
        "{}",
        r#""2.0""#,
        r#""daemon/status""#,
    ];
    const BAD: &[&str] = &[
        "01",
        "-",
        "1.",
        "1e",
        "1e+",
        ".5",
        "+1",
        "--1",
        "1.e3",
        "0x1",
        r#""\x""#,
        r#""\u12G4""#,
        r#""\u12""#,
        "\"a\u{1}\"",
        r#""\""#,
        "nul",
        "tru",
        "nulll",
        "'a'",
        "",
    ];
    const SEPARATORS: &[&str] = &[",", ", ", " ,\n\t", "\r\n,"];
    const BAD_SEPARATORS: &[&str] = &[",,", " ", ";"];
    const KEYS: &[&str] = &[
        r#""jsonrpc""#,
        r#""id""#,
        r#""method""#,
        r#""params""#,
        r#""x""#,
        r#""é""#,
        r#""\u0069d""#,
    ];
    const BAD_KEYS: &[&str] = &["id", r#""i\d""#, "1"];

    fn envelope_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        use proptest::sample::select;
        let pick = |good: &'static [&'static str], bad: &'static [&'static str]| prop_oneof![12 => select(good), 1 => select(bad)];
        let object = move |members: BoxedStrategy<(&'static str, String)>| {
            (
                proptest::collection::vec(members, 0..5),
                pick(SEPARATORS, BAD_SEPARATORS),
            )
                .prop_map(|(members, sep)| {
                    let members: Vec<String> =
                        members.iter().map(|(k, v)| format!("{k}:{v}")).collect();
                    format!("{{{}}}", members.join(sep))
                })
        };
        let value =
            pick(GOOD, BAD)
                .prop_map(str::to_owned)
                .prop_recursive(3, 16, 4, move |inner| {
                    prop_oneof![
                        (
                            proptest::collection::vec(inner.clone(), 0..4),
                            pick(SEPARATORS, BAD_SEPARATORS)
                        )
                            .prop_map(|(items, sep)| format!("[{}]", items.join(sep))),
                        object((pick(KEYS, BAD_KEYS), inner).boxed()),
                    ]
                });
        let envelope = object((pick(KEYS, BAD_KEYS), value).boxed());
        (envelope, pick(&["", " ", "\n"], &["x", "{}", ","]))
            .prop_map(|(envelope, tail)| format!(" {envelope}{tail}"))
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
        let m = parsed(r#"{"jsonrpc":"2.0","id":null,"method":"a","params":null}"#);
        assert!(m.id() == Some("null") && m.params().is_none());
        assert!(parsed(r#"{"jsonrpc":"2.0","method":"a"}"#).id().is_none());
    }

    #[test]
    fn parts_are_read_verbatim_and_escaped_names_decoded() {
        let m = parsed(
            r#" {"params": [1, "é"], "id": "x\"y", "method": "daemon\/status", "jsonrpc": "2.0"}"#,
        );
        assert_eq!(m.id(), Some(r#""x\"y""#));
        assert_eq!(m.method(), "daemon/status");
        assert_eq!(m.params(), Some(r#"[1, "é"]"#));
        let m = parsed(r#"{"jsonrpc":"2.0","id":-0.5e3,"method":"é/ü"}"#);
        assert_eq!((m.id(), m.method()), (Some("-0.5e3"), "é/ü"));
    }

    #[test]
    fn replies_are_json_with_the_id_verbatim() {
        let r: serde_json::Value = serde_json::from_str(&result_reply("-7", r#"{"a":1}"#)).unwrap();
        assert_eq!(
            r,
            serde_json::json!({"jsonrpc":"2.0","id":-7,"result":{"a":1}})
        );
        let e = error_reply(Some(r#""x""#), ErrorCode::MethodNotFound.into());
        let e: serde_json::Value = serde_json::from_str(&e).unwrap();
        assert_eq!(
            (e["id"].as_str(), e["error"]["code"].as_i64()),
            (Some("x"), Some(-32601))
        );
    }
}
