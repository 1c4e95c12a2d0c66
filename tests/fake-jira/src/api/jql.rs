//! JQL reference data (`GET /jql/autocompletedata`) and `POST /rest/api/3/jql/parse?validation=strict|warn|none`: each query judged alone, 200 even
//! when invalid; `strict` and `warn` check the store's values too, `warn` reporting unknown ones
//! as warnings. A valid query's `structure` is left empty: the
//! subset's parse tree is not Jira's.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::jql;
use crate::store::Inner;
use crate::util::{jira_err, json_resp, Query, Resp};

pub fn parse(inner: &Inner, q: &Query, body: &Value) -> Resp {
    let validation = q.get("validation").unwrap_or_default();
    if !matches!(validation, "strict" | "warn" | "none") {
        return jira_err(
            StatusCode::BAD_REQUEST,
            "The validation type must be one of strict, warn or none.",
        );
    }
    let Some(queries) = body["queries"].as_array().filter(|q| !q.is_empty()) else {
        return json_resp(
            StatusCode::BAD_REQUEST,
            &json!({ "errorMessages": [], "errors": { "queries": "Queries must not be empty." } }),
        );
    };
    let out: Vec<Value> = queries
        .iter()
        .map(|query| {
            let text = query.as_str().unwrap_or_default();
            match jql::parse(text) {
                Err(e) => json!({ "query": text, "errors": [e] }),
                Ok(parsed) => match (validation, jql::validate(&parsed, inner)) {
                    ("strict", Err(e)) => json!({ "query": text, "errors": [e] }),
                    ("warn", Err(e)) => json!({ "query": text, "structure": {}, "warnings": [e] }),
                    _ => json!({ "query": text, "structure": {} }),
                },
            }
        })
        .collect();
    json_resp(StatusCode::OK, &json!({ "queries": out }))
}

/// `GET /rest/api/3/jql/autocompletedata`: the subset's fields with their operators, its one
/// function, and the reserved words. Jira's flags are strings.
pub fn autocomplete_data() -> Resp {
    let fields: Vec<Value> = jql::FIELDS
        .iter()
        .map(|f| {
            let (operators, types): (&[&str], &str) = match *f {
                "summary" | "text" | "description" | "comment" => {
                    (&["~", "!~", "is", "is not"], "java.lang.String")
                }
                "updated" | "created" => (
                    &[
                        "=", "!=", ">", ">=", "<", "<=", "is", "is not", "in", "not in",
                    ],
                    "java.util.Date",
                ),
                _ => (
                    &["=", "!=", "in", "not in", "is", "is not"],
                    "java.lang.String",
                ),
            };
            let mut display = f.to_string();
            display[..1].make_ascii_uppercase();
            json!({
                "value": f,
                "displayName": display,
                "orderable": if *f == "text" || *f == "comment" { "false" } else { "true" },
                "searchable": "true",
                "operators": operators,
                "types": [types],
            })
        })
        .collect();
    json_resp(
        StatusCode::OK,
        &json!({
            "visibleFieldNames": fields,
            "visibleFunctionNames": [{
                "value": "currentUser()",
                "displayName": "currentUser()",
                "types": ["com.atlassian.jira.user.ApplicationUser"],
            }],
            "jqlReservedWords": ["and", "or", "not", "empty", "null", "order", "by", "asc",
                                 "desc", "in", "is", "was", "changed"],
        }),
    )
}
