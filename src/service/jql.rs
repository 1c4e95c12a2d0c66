//! `jql/autocomplete`: what queries can use, and `jql/suggest`: a field's values, both kept per
//! site as metadata; `jql/validate`: Jira's verdict on a query, with the line and character its
//! messages give.

use super::cached::read_through;
use super::state::AppState;
use super::{ApiError, JiraSession};
use crate::cache::{CacheKey, MetaKey};
use jirad_protocol::jql::*;
use serde_json::Value;

/// Jira's flags are the strings `"true"`/`"false"`.
fn flag(v: &Value) -> bool {
    v.as_str() == Some("true") || v.as_bool() == Some(true)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// The fields, functions and reserved words queries on this site can use.
pub async fn autocomplete(
    app: &AppState,
    s: &JiraSession,
    fresh: bool,
) -> Result<JqlReference, ApiError> {
    let client = s.client.clone();
    let key = CacheKey::Meta(MetaKey::Other("jqlReference".into()));
    let r: Value = read_through(&app.cache, &s.ns, key, fresh, move || async move {
        client.jql_reference().await
    })
    .await?;
    let fields = r["visibleFieldNames"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| {
            // A custom field is written by its cfid where Jira gives one.
            let name = f["cfid"].as_str().or_else(|| f["value"].as_str())?;
            Some(JqlField {
                name: name.to_owned(),
                display_name: f["displayName"].as_str().unwrap_or(name).to_owned(),
                operators: strings(&f["operators"]),
                orderable: flag(&f["orderable"]),
            })
        })
        .collect();
    let functions = r["visibleFunctionNames"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["value"].as_str().map(str::to_owned))
        .collect();
    Ok(JqlReference {
        fields,
        functions,
        reserved_words: strings(&r["jqlReservedWords"]),
    })
}

/// Values of `field` starting with `value` (under `predicate` when given).
pub async fn suggest(
    app: &AppState,
    s: &JiraSession,
    field: String,
    value: String,
    predicate: Option<JqlPredicate>,
    fresh: bool,
) -> Result<Vec<JqlSuggestion>, ApiError> {
    let client = s.client.clone();
    // Unit separators cannot occur in a field name or a predicate, so the parts stay distinct.
    let predicate = predicate.map(JqlPredicate::as_str);
    let key = CacheKey::Meta(MetaKey::Other(format!(
        "jqlSuggest:{}\u{1f}{}\u{1f}{}",
        field,
        predicate.unwrap_or_default(),
        value
    )));
    let r: Value = read_through(&app.cache, &s.ns, key, fresh, move || async move {
        client.jql_suggestions(&field, &value, predicate).await
    })
    .await?;
    Ok(r["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| {
            let value = v["value"].as_str()?.to_owned();
            let display_name = strip_tags(v["displayName"].as_str().unwrap_or(&value));
            Some(JqlSuggestion {
                value,
                display_name,
            })
        })
        .collect())
}

/// Jira's suggestion names are HTML (`<b>In</b> Progress`): their text, entities decoded.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Jira's verdict on a query: its messages, each with the position it names.
pub async fn validate(s: &JiraSession, jql: &str) -> Result<JqlValidation, ApiError> {
    let errors: Vec<JqlError> = s
        .client
        .validate_jql(jql)
        .await?
        .into_iter()
        .map(|message| {
            let (line, character) = position(&message).unzip();
            JqlError {
                message,
                line,
                character,
            }
        })
        .collect();
    Ok(JqlValidation {
        valid: errors.is_empty(),
        errors,
    })
}

/// `(line L, character C)` at the end of Jira's syntax messages.
fn position(message: &str) -> Option<(u32, u32)> {
    let at = message.rfind("(line ")?;
    let rest = message[at + 6..].trim_end_matches(['.', ')']);
    let (line, character) = rest.split_once(", character ")?;
    Some((line.trim().parse().ok()?, character.trim().parse().ok()?))
}

#[cfg(test)]
mod tests {
    #[test]
    fn suggestion_names_lose_their_markup() {
        assert_eq!(
            super::strip_tags("<b>Ac</b>tiveObjects (AO) &amp; co"),
            "ActiveObjects (AO) & co"
        );
    }

    #[test]
    fn positions_come_from_the_message() {
        assert_eq!(
            super::position("Expecting operator but got 'query'. (line 1, character 9)"),
            Some((1, 9))
        );
        assert_eq!(super::position("Field 'x' does not exist."), None);
    }
}
