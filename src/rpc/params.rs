//! Params decoding and its `-32602` errors: `data.kind = "invalidParams"`, a JSON path to the
//! offending value, and for a misspelt key the closest key the method takes.
//!
//! ```text
//! {"code": -32602, "message": "Invalid params: unknown field `sumary`; did you mean `summary`?",
//!  "data": {"kind": "invalidParams", "path": "$.sumary", "field": "sumary", "didYouMean": "summary",
//!           "expected": ["key", "summary", …]}}
//! ```

use jirad_protocol::error::standard::INVALID_PARAMS_KIND;
use jsonrpsee::types::{ErrorCode, ErrorObject, ErrorObjectOwned, Params};
use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};
use serde_path_to_error::{Path, Segment};

/// Parses by-name params, treating absent, `null` and `[]` as `{}`.
pub fn parse_params<T: DeserializeOwned>(params: &Params<'_>) -> Result<T, ErrorObjectOwned> {
    let text = match params.as_str().map(str::trim) {
        None | Some("null") | Some("[]") => "{}",
        Some(t) => t,
    };
    parse_text(text)
}

/// Parses `text` as `T`; an error names where it went wrong.
pub fn parse_text<T: DeserializeOwned>(text: &str) -> Result<T, ErrorObjectOwned> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| invalid_params(json_path(e.path()), e.inner()))?;
    // Trailing characters after the object: serde_json's own check, outside the path tracker.
    de.end()
        .map_err(|e| invalid_params(String::from("$"), &e))?;
    Ok(value)
}

/// A `-32602` for a param the method's own checks refused (a limit out of range, say): `path` is
/// the param's name as sent, `message` says what is wrong with which value.
pub fn invalid_param(param: &str, message: impl std::fmt::Display) -> ErrorObjectOwned {
    let mut data = Map::new();
    data.insert("kind".into(), json!(INVALID_PARAMS_KIND));
    data.insert("path".into(), json!(format!("$.{param}")));
    ErrorObject::owned(
        ErrorCode::InvalidParams.code(),
        format!("Invalid params: {param}: {message}"),
        Some(Value::Object(data)),
    )
}

fn invalid_params(path: String, e: &serde_json::Error) -> ErrorObjectOwned {
    let mut data = Map::new();
    data.insert("kind".into(), json!(INVALID_PARAMS_KIND));
    let mut message = without_position(e);
    if let Some((value, expected)) = unknown(&message, "variant") {
        // A value outside an enumeration (`expand: ["changelogs"]`): the closest allowed one.
        if let Some(s) = closest(&value, &expected) {
            message = format!("unknown value `{value}`; did you mean `{s}`?");
            data.insert("didYouMean".into(), json!(s));
        }
        data.insert("path".into(), json!(path));
        data.insert("expected".into(), json!(expected));
    } else if let Some((field, expected)) = unknown(&message, "field") {
        let suggestion = closest(&field, &expected).map(str::to_owned);
        message = match &suggestion {
            Some(s) => format!("unknown field `{field}`; did you mean `{s}`?"),
            None if expected.is_empty() => format!("unknown field `{field}`: this takes no params"),
            None => format!(
                "unknown field `{field}`; expected one of {}",
                expected
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        data.insert("path".into(), json!(path));
        data.insert("field".into(), json!(field));
        if let Some(s) = suggestion {
            data.insert("didYouMean".into(), json!(s));
        }
        data.insert("expected".into(), json!(expected));
    } else {
        data.insert("path".into(), json!(path));
    }
    ErrorObject::owned(
        ErrorCode::InvalidParams.code(),
        format!("Invalid params: {message}"),
        Some(Value::Object(data)),
    )
}

/// serde_json's message without " at line L column C": params are one small object, and the
/// path says where better than a column of the client's serialization.
fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match text.strip_suffix(&suffix) {
        Some(msg) => msg.to_owned(),
        None => text,
    }
}

/// The unknown key (or enum value, `what` = "variant") and those serde expected, from its message
/// (`unknown field `x`, expected one of `a`, `b``, `… expected `a` or `b``,
/// `… there are no fields`). The key may hold anything but the expected names are identifiers,
/// so the key ends at the last "`, expected ".
fn unknown(message: &str, what: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix(&format!("unknown {what} `"))?;
    if let Some(field) = rest.strip_suffix(&format!("`, there are no {what}s")) {
        return Some((field.to_owned(), Vec::new()));
    }
    let end = rest.rfind("`, expected ")?;
    let (field, tail) = (&rest[..end], &rest[end + "`, expected ".len()..]);
    let expected = tail
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    Some((field.to_owned(), expected))
}

/// The expected key closest to `field`: the same but for case, `_` or `-`, else within a third
/// of its length in edits (at most 3). None when nothing is that close.
fn closest<'a>(field: &str, expected: &'a [String]) -> Option<&'a str> {
    // Keys this long are no typo of ours, and the distance is quadratic in them.
    if field.chars().count() > 64 {
        return None;
    }
    let fold = |s: &str| -> String {
        s.chars()
            .filter(|c| *c != '_' && *c != '-')
            .flat_map(char::to_lowercase)
            .collect()
    };
    let folded = fold(field);
    if let Some(same) = expected.iter().find(|k| fold(k) == folded) {
        return Some(same);
    }
    expected
        .iter()
        .map(|k| (edit_distance(&folded, &fold(k)), k))
        .filter(|(d, k)| *d <= 3 && d * 3 <= folded.chars().count().max(k.chars().count()))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.as_str())
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substituted = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substituted.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

/// `$`, `$.fields.summary`, `$.labels[0]`, `$["odd key"]`.
fn json_path(path: &Path) -> String {
    let mut out = String::from("$");
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } => push_key(&mut out, key),
            Segment::Enum { variant } => push_key(&mut out, variant),
            Segment::Unknown => out.push_str("[?]"),
        }
    }
    out
}

fn push_key(out: &mut String, key: &str) {
    let plain = !key.is_empty()
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !key.starts_with(|c: char| c.is_ascii_digit());
    if plain {
        out.push('.');
        out.push_str(key);
    } else {
        out.push('[');
        out.push_str(&Value::from(key).to_string());
        out.push(']');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    #[allow(dead_code)]
    struct P {
        key: String,
        summary: Option<String>,
        #[serde(default)]
        delete_subtasks: bool,
        #[serde(default)]
        labels: Vec<String>,
        #[serde(default)]
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        name: String,
    }

    fn err(text: &str) -> Value {
        let e = parse_text::<P>(text).unwrap_err();
        assert_eq!(e.code(), -32602);
        json!({ "message": e.message(), "data": serde_json::from_str::<Value>(e.data().unwrap().get()).unwrap() })
    }

    #[test]
    fn a_misspelt_key_names_the_closest_one() {
        let e = err(r#"{"key":"A-1","sumary":"x"}"#);
        assert_eq!(
            e["message"],
            "Invalid params: unknown field `sumary`; did you mean `summary`?"
        );
        assert_eq!(e["data"]["kind"], "invalidParams");
        assert_eq!(e["data"]["path"], "$.sumary");
        assert_eq!(e["data"]["didYouMean"], "summary");
        assert_eq!(
            err(r#"{"key":"A-1","deleteSubtask":true}"#)["data"]["didYouMean"],
            "deleteSubtasks"
        );
        assert_eq!(
            err(r#"{"key":"A-1","delete_subtasks":true}"#)["data"]["didYouMean"],
            "deleteSubtasks"
        );
        let far = err(r#"{"key":"A-1","zzz":1}"#);
        assert!(far["data"].get("didYouMean").is_none(), "{far}");
        assert!(far["message"]
            .as_str()
            .unwrap()
            .contains("expected one of `key`, `summary`"));
        let nested = err(r#"{"key":"A-1","inner":{"nam":"x"}}"#);
        assert_eq!(nested["data"]["path"], "$.inner.nam");
        assert_eq!(nested["data"]["didYouMean"], "name");
        let odd = err(r#"{"key":"A-1","a`, b":1}"#);
        assert_eq!(odd["data"]["field"], "a`, b");
        assert_eq!(odd["data"]["path"], r#"$["a`, b"]"#);
    }

    #[test]
    fn type_errors_give_the_path_and_no_json_position() {
        let e = err(r#"{"key":123}"#);
        assert_eq!(
            e["message"],
            "Invalid params: invalid type: integer `123`, expected a string"
        );
        assert_eq!(e["data"]["path"], "$.key");
        let e = err(r#"{"key":"A","labels":["a",7]}"#);
        assert_eq!(e["data"]["path"], "$.labels[1]");
        let e = err(r#"{}"#);
        assert_eq!(e["message"], "Invalid params: missing field `key`");
        assert_eq!(e["data"]["path"], "$");
        let e = err(r#"{"key":"A"} x"#);
        assert_eq!(e["data"]["kind"], "invalidParams");
    }

    #[test]
    fn no_params_at_all_says_so() {
        let e = parse_text::<jirad_protocol::NoParams>(r#"{"x":1}"#).unwrap_err();
        assert_eq!(
            e.message(),
            "Invalid params: unknown field `x`: this takes no params"
        );
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("sumary", "summary"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
