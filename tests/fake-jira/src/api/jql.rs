//! JQL reference data (`GET /jql/autocompletedata`), value suggestions, and `POST /rest/api/3/jql/parse?validation=strict|warn|none`: each query judged alone, 200 even
//! when invalid; `strict` and `warn` check fields and the store's values too, `warn` reporting
//! unknown values as warnings; `none` judges the syntax only. A valid query gets its syntax tree
//! (`structure`, Jira's `JqlQuery`); an invalid one only its `errors`.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::jql;
use crate::model;
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
            // No bare-word text search here: Jira's parse reports `invalid query` as a syntax error.
            let parsed = jql::parse_syntax(text).and_then(|q| match validation {
                "none" => Ok(q),
                _ => jql::check_fields(&q).map(|()| q),
            });
            match parsed {
                Err(e) => json!({ "query": text, "errors": [e] }),
                Ok(parsed) => {
                    let structure = jql::structure(&parsed);
                    match (validation, jql::validate(&parsed, inner)) {
                        ("strict", Err(e)) => json!({ "query": text, "errors": [e] }),
                        ("warn", Err(e)) => {
                            json!({ "query": text, "structure": structure, "warnings": [e] })
                        }
                        _ => json!({ "query": text, "structure": structure }),
                    }
                }
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
                // The fields whose history the store keeps take WAS and CHANGED too.
                _ if jql::HISTORY_FIELDS.contains(f) => (
                    &[
                        "=",
                        "!=",
                        "in",
                        "not in",
                        "is",
                        "is not",
                        "was",
                        "was in",
                        "was not",
                        "was not in",
                        "changed",
                    ],
                    "java.lang.String",
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

/// `GET /jql/autocompletedata/suggestions?fieldName=&fieldValue=`: values of a field starting
/// with `fieldValue` (case-insensitive), the matched part in `<b>` in `displayName` (HTML, as
/// Jira's). Values come from the store (projects, users, labels) or the fixed tables (statuses,
/// types, priorities); other fields have none. With `predicateName` (`by`, `from` or `to`, the
/// predicates of `WAS` and `CHANGED`) and `predicateValue` instead: users for `by`, the field's
/// own values for `from` and `to`. No `fieldName`, an unknown predicate or a `predicateValue`
/// without its name is an invalid combination: 400.
pub fn suggestions(inner: &Inner, q: &Query) -> Resp {
    let predicate = q.get("predicateName").map(str::to_ascii_lowercase);
    let valid = match &predicate {
        Some(p) => matches!(p.as_str(), "by" | "from" | "to"),
        None => q.get("predicateValue").is_none(),
    };
    let Some(field) = q.get("fieldName").filter(|_| valid) else {
        return jira_err(
            StatusCode::BAD_REQUEST,
            "Invalid combination of parameters: give fieldName with fieldValue, or fieldName with predicateName (by, from or to) and predicateValue.",
        );
    };
    let typed = match predicate {
        Some(_) => q.get("predicateValue"),
        None => q.get("fieldValue"),
    }
    .unwrap_or_default()
    .to_lowercase();
    let users = || inner.users.iter().map(|u| u.display_name.clone()).collect();
    let mut values: Vec<String> = match field.to_lowercase().as_str() {
        _ if predicate.as_deref() == Some("by") => users(),
        "project" => inner.projects.values().map(|p| p.key.clone()).collect(),
        "status" => model::STATUSES.iter().map(|s| s.1.to_owned()).collect(),
        "issuetype" | "type" => model::ISSUE_TYPES.iter().map(|t| t.1.to_owned()).collect(),
        "priority" => model::PRIORITIES.iter().map(|p| p.1.to_owned()).collect(),
        "assignee" | "reporter" | "creator" => users(),
        "labels" => inner
            .issues
            .values()
            .flat_map(|i| i.labels.iter().cloned())
            .collect(),
        _ => Vec::new(),
    };
    values.sort();
    values.dedup();
    let results: Vec<Value> = values
        .into_iter()
        .filter(|v| v.to_lowercase().starts_with(&typed))
        .map(|v| {
            let n = typed.len().min(v.len());
            let display = if n > 0 && v.is_char_boundary(n) {
                format!("<b>{}</b>{}", &v[..n], &v[n..])
            } else {
                v.clone()
            };
            json!({ "value": v, "displayName": display })
        })
        .collect();
    json_resp(StatusCode::OK, &json!({ "results": results }))
}
