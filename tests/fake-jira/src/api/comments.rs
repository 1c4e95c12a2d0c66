//! Single-comment routes: get, update and delete a comment by id.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::model::{GROUPS, ROLES};
use crate::render::{self, Ctx};
use crate::store::Inner;
use crate::util::{empty, issue_404, jira_err, jira_field_errs, json_resp, Resp};

fn no_comment(id: &str) -> Resp {
    jira_err(
        StatusCode::NOT_FOUND,
        &format!("Can not find a comment for the id: {id}."),
    )
}

/// A comment's `visibility` from a request body: `Ok(None)` when absent, `Ok(Some(None))` when
/// null (cleared), or Jira's 400 for a group that does not exist or a group or role the caller is
/// not in.
pub fn visibility_in(body: &Value) -> Result<Option<Option<(String, String)>>, Resp> {
    let Some(v) = body.get("visibility") else {
        return Ok(None);
    };
    if v.is_null() {
        return Ok(Some(None));
    }
    let kind = v["type"].as_str().unwrap_or_default();
    let value = v["value"]
        .as_str()
        .or(v["identifier"].as_str())
        .unwrap_or_default();
    let refuse = |m: String| Err(jira_err(StatusCode::BAD_REQUEST, &m));
    match kind {
        "group" => match GROUPS.iter().find(|g| g.0 == value || g.1 == value) {
            None => refuse(format!("Group: {value} does not exist.")),
            Some(g) if !g.2 => refuse(format!(
                "You are currently not a member of the group: {value}."
            )),
            Some(g) => Ok(Some(Some(("group".into(), g.0.into())))),
        },
        "role" => match ROLES.iter().find(|r| r.0.eq_ignore_ascii_case(value)) {
            Some(r) if r.1 => Ok(Some(Some(("role".into(), r.0.into())))),
            _ => refuse(format!(
                "You are currently not a member of the project role: {value}."
            )),
        },
        _ => refuse("Visibility type must be 'group' or 'role'.".into()),
    }
}

/// `GET /issue/{k}/comment/{id}`.
pub fn get(ctx: &Ctx, inner: &Inner, key: &str, cid: &str) -> Resp {
    let Some(i) = inner.find(key).and_then(|id| inner.issues.get(&id)) else {
        return issue_404();
    };
    match i.comments.iter().find(|c| c.id.to_string() == cid) {
        Some(c) => json_resp(StatusCode::OK, &render::comment(ctx, inner, i, c)),
        None => no_comment(cid),
    }
}

/// `PUT /issue/{k}/comment/{id}`.
pub fn update(ctx: &Ctx, inner: &mut Inner, key: &str, cid: &str, body: &Value) -> Resp {
    let Some(id) = inner.find(key) else {
        return issue_404();
    };
    let b = match body.get("body").map(|b| super::fields::rich_in(ctx, b)) {
        Some(Ok(Some(b))) => b,
        Some(Err(e)) => {
            return jira_field_errs(
                StatusCode::BAD_REQUEST,
                [("comment".to_string(), json!(e))].into_iter().collect(),
            )
        }
        _ => {
            return jira_field_errs(
                StatusCode::BAD_REQUEST,
                [("comment".to_string(), json!(super::fields::NOT_ADF))]
                    .into_iter()
                    .collect(),
            )
        }
    };
    let visibility = match visibility_in(body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let now = inner.now();
    let delay = inner.config.index_delay_ms;
    let Some(issue) = inner.issues.get_mut(&id) else {
        return issue_404();
    };
    let Some(c) = issue.comments.iter_mut().find(|c| c.id.to_string() == cid) else {
        return no_comment(cid);
    };
    c.body = b;
    // As Jira: left out keeps it, null clears it.
    if let Some(v) = visibility {
        c.visibility = v;
    }
    c.updated = now;
    issue.updated = now;
    issue.indexed_at = now + delay;
    get(ctx, inner, key, cid)
}

/// `DELETE /issue/{k}/comment/{id}`.
pub fn delete(inner: &mut Inner, key: &str, cid: &str) -> Resp {
    let Some(id) = inner.find(key) else {
        return issue_404();
    };
    let Some(issue) = inner.issues.get_mut(&id) else {
        return issue_404();
    };
    let before = issue.comments.len();
    issue.comments.retain(|c| c.id.to_string() != cid);
    if issue.comments.len() == before {
        return no_comment(cid);
    }
    empty(StatusCode::NO_CONTENT)
}
