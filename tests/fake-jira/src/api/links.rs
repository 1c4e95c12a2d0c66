//! Issue links (`/issueLink`, `/issueLinkType`) and remote links (`/issue/{k}/remotelink`).

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::model::{self, LINK_TYPES};
use crate::render::{self, Ctx};
use crate::store::{Inner, Link, RemoteLink};
use crate::util::{empty, issue_404, jira_err, jira_field_errs, json_resp, Query, Resp};

/// Jira refuses more links than this on one issue.
const MAX_LINKS_PER_ISSUE: usize = 2000;

/// `GET /issueLinkType`.
pub fn types(ctx: &Ctx) -> Resp {
    let all: Vec<Value> = LINK_TYPES
        .iter()
        .map(|t| model::link_type_json(&ctx.base, t))
        .collect();
    json_resp(StatusCode::OK, &json!({ "issueLinkTypes": all }))
}

fn issue_of(inner: &Inner, v: &Value) -> Option<u64> {
    let key = v["key"].as_str().or(v["id"].as_str())?;
    inner.find(key)
}

/// `POST /issueLink`: 201 with an empty body; a link that exists already is not doubled.
pub fn create(ctx: &Ctx, inner: &mut Inner, body: &Value) -> Resp {
    let t = &body["type"];
    let ty = LINK_TYPES.iter().find(|l| {
        t["id"].as_str() == Some(l.0)
            || t["name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(l.1))
    });
    let Some(ty) = ty else {
        let name = t["name"].as_str().or(t["id"].as_str()).unwrap_or("");
        return jira_err(
            StatusCode::NOT_FOUND,
            &format!("No issue link type with name '{name}' found."),
        );
    };
    let (Some(inward), Some(outward)) = (
        issue_of(inner, &body["inwardIssue"]),
        issue_of(inner, &body["outwardIssue"]),
    ) else {
        return issue_404();
    };
    if inward == outward {
        return jira_err(
            StatusCode::BAD_REQUEST,
            "You cannot link an issue to itself.",
        );
    }
    let comment = &body["comment"];
    let visibility = match super::comments::visibility_in(comment) {
        Ok(v) => v.flatten(),
        Err(r) => return r,
    };
    let comment_body = match comment.get("body").map(|b| super::fields::rich_in(ctx, b)) {
        None => None,
        Some(Ok(b)) => b,
        Some(Err(e)) => {
            return jira_field_errs(
                StatusCode::BAD_REQUEST,
                [("comment".to_string(), json!(e))].into_iter().collect(),
            )
        }
    };
    let count = |id: u64| {
        inner
            .links
            .iter()
            .filter(|l| l.inward == id || l.outward == id)
            .count()
    };
    if count(inward) >= MAX_LINKS_PER_ISSUE || count(outward) >= MAX_LINKS_PER_ISSUE {
        return jira_err(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("Issue has reached the limit of {MAX_LINKS_PER_ISSUE} issue links."),
        );
    }
    let exists = inner
        .links
        .iter()
        .any(|l| l.type_id == ty.0 && l.inward == inward && l.outward == outward);
    if !exists {
        let id = inner.next_link_id;
        inner.next_link_id += 1;
        inner.links.push(Link {
            id,
            type_id: ty.0.into(),
            inward,
            outward,
        });
    }
    let now = inner.now();
    for issue in [inward, outward] {
        if let Some(i) = inner.issues.get_mut(&issue) {
            i.updated = now;
            i.indexed_at = now + inner.config.index_delay_ms;
        }
    }
    if let Some(b) = comment_body {
        // The comment goes on the outward issue, as Jira's does.
        if let Some(mut c) = crate::seed::add_comment(inner, outward, &ctx.me, b, now) {
            c.visibility = visibility;
            if let Some(stored) = inner
                .issues
                .get_mut(&outward)
                .and_then(|i| i.comments.iter_mut().find(|x| x.id == c.id))
            {
                stored.visibility = c.visibility;
            }
        }
    }
    empty(StatusCode::CREATED)
}

fn no_link(id: &str) -> Resp {
    jira_err(
        StatusCode::NOT_FOUND,
        &format!("No issue link with id '{id}' exists."),
    )
}

/// `GET /issueLink/{id}`: the link as it was created.
pub fn get(ctx: &Ctx, inner: &Inner, id: &str) -> Resp {
    let Some(l) = inner.links.iter().find(|l| l.id.to_string() == id) else {
        return no_link(id);
    };
    let (Some(t), Some(a), Some(b)) = (
        LINK_TYPES.iter().find(|t| t.0 == l.type_id),
        inner.issues.get(&l.inward),
        inner.issues.get(&l.outward),
    ) else {
        return no_link(id);
    };
    json_resp(
        StatusCode::OK,
        &json!({"id": id, "self": format!("{}/issueLink/{id}", ctx.base),
                "type": model::link_type_json(&ctx.base, t),
                "inwardIssue": render::link(ctx, a), "outwardIssue": render::link(ctx, b)}),
    )
}

/// `DELETE /issueLink/{id}`: gone from both issues.
pub fn delete(inner: &mut Inner, id: &str) -> Resp {
    let Some(at) = inner.links.iter().position(|l| l.id.to_string() == id) else {
        return no_link(id);
    };
    let l = inner.links.remove(at);
    let now = inner.now();
    for issue in [l.inward, l.outward] {
        if let Some(i) = inner.issues.get_mut(&issue) {
            i.updated = now;
            i.indexed_at = now + inner.config.index_delay_ms;
        }
    }
    empty(StatusCode::NO_CONTENT)
}

fn remote_json(ctx: &Ctx, key: &str, r: &RemoteLink) -> Value {
    let mut v = json!({"id": r.id, "self": format!("{}/issue/{key}/remotelink/{}", ctx.base, r.id),
                       "object": r.object});
    if let Some(g) = &r.global_id {
        v["globalId"] = json!(g);
    }
    if let Some(rel) = &r.relationship {
        v["relationship"] = json!(rel);
    }
    if let Some(app) = &r.application {
        v["application"] = app.clone();
    }
    v
}

/// `GET /issue/{k}/remotelink` (optionally `?globalId=`).
pub fn list_remote(ctx: &Ctx, inner: &Inner, key: &str, q: &Query) -> Resp {
    let Some(i) = inner.find(key).and_then(|id| inner.issues.get(&id)) else {
        return issue_404();
    };
    let wanted = q.get("globalId");
    let all: Vec<Value> = i
        .remote_links
        .iter()
        .filter(|r| wanted.is_none() || r.global_id.as_deref() == wanted)
        .map(|r| remote_json(ctx, &i.key, r))
        .collect();
    json_resp(StatusCode::OK, &Value::Array(all))
}

/// `GET /issue/{k}/remotelink/{id}`.
pub fn get_remote(ctx: &Ctx, inner: &Inner, key: &str, id: &str) -> Resp {
    let Some(i) = inner.find(key).and_then(|n| inner.issues.get(&n)) else {
        return issue_404();
    };
    if id.parse::<u64>().is_err() {
        return jira_err(
            StatusCode::BAD_REQUEST,
            &format!("Invalid remote link id '{id}'."),
        );
    }
    match i.remote_links.iter().find(|r| r.id.to_string() == id) {
        Some(r) => json_resp(StatusCode::OK, &remote_json(ctx, &i.key, r)),
        None => jira_err(
            StatusCode::NOT_FOUND,
            &format!("No remote link with id '{id}' exists."),
        ),
    }
}

/// The remote link a body describes, or Jira's 400 naming the field.
fn remote_from(body: &Value) -> Result<(Option<String>, RemoteLink), Resp> {
    let object = &body["object"];
    let mut errors = serde_json::Map::new();
    for required in ["url", "title"] {
        if object[required].as_str().is_none_or(str::is_empty) {
            errors.insert(required.into(), json!(format!("'{required}' is required.")));
        }
    }
    for field in ["url", "iconUrl"] {
        let value = object[field].as_str().or(object["icon"]["url16x16"]
            .as_str()
            .filter(|_| field == "iconUrl"));
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            if url::Url::parse(v).is_err() {
                errors.insert(
                    field.into(),
                    json!(format!("'{field}' is not a valid URL.")),
                );
            }
        }
    }
    if !errors.is_empty() {
        return Err(jira_field_errs(StatusCode::BAD_REQUEST, errors));
    }
    let global_id = body["globalId"].as_str().map(str::to_owned);
    if global_id.as_ref().is_some_and(|g| g.len() > 255) {
        return Err(jira_field_errs(
            StatusCode::BAD_REQUEST,
            [(
                "globalId".to_string(),
                json!("'globalId' must be at most 255 characters."),
            )]
            .into_iter()
            .collect(),
        ));
    }
    Ok((
        global_id.clone(),
        RemoteLink {
            id: 0,
            global_id,
            relationship: body["relationship"].as_str().map(str::to_owned),
            application: body.get("application").cloned(),
            object: object.clone(),
        },
    ))
}

/// `POST /issue/{k}/remotelink`: creates (201), or with a `globalId` the issue has, replaces that
/// link in place (200, same id; fields left out become null).
pub fn upsert_remote(ctx: &Ctx, inner: &mut Inner, key: &str, body: &Value) -> Resp {
    let Some(n) = inner.find(key) else {
        return issue_404();
    };
    let (global_id, mut link) = match remote_from(body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let next = inner.next_link_id;
    let now = inner.now();
    let Some(issue) = inner.issues.get_mut(&n) else {
        return issue_404();
    };
    issue.updated = now;
    let key = issue.key.clone();
    if let Some(existing) = global_id.as_ref().and_then(|g| {
        issue
            .remote_links
            .iter_mut()
            .find(|r| r.global_id.as_ref() == Some(g))
    }) {
        link.id = existing.id;
        *existing = link.clone();
        return json_resp(
            StatusCode::OK,
            &json!({"id": link.id, "self": format!("{}/issue/{key}/remotelink/{}", ctx.base, link.id)}),
        );
    }
    link.id = next;
    issue.remote_links.push(link);
    inner.next_link_id += 1;
    json_resp(
        StatusCode::CREATED,
        &json!({"id": next, "self": format!("{}/issue/{key}/remotelink/{next}", ctx.base)}),
    )
}

/// `PUT /issue/{k}/remotelink/{id}`: replaces it (204).
pub fn update_remote(inner: &mut Inner, key: &str, id: &str, body: &Value) -> Resp {
    let Some(n) = inner.find(key) else {
        return issue_404();
    };
    let (_, mut link) = match remote_from(body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(issue) = inner.issues.get_mut(&n) else {
        return issue_404();
    };
    let Some(existing) = issue
        .remote_links
        .iter_mut()
        .find(|r| r.id.to_string() == id)
    else {
        return jira_err(
            StatusCode::NOT_FOUND,
            &format!("No remote link with id '{id}' exists."),
        );
    };
    link.id = existing.id;
    *existing = link;
    empty(StatusCode::NO_CONTENT)
}

/// `DELETE /issue/{k}/remotelink/{id}`, or `DELETE /issue/{k}/remotelink?globalId=` (every link of
/// the issue with that globalId).
pub fn delete_remote(inner: &mut Inner, key: &str, id: Option<&str>, q: &Query) -> Resp {
    let Some(n) = inner.find(key) else {
        return issue_404();
    };
    let Some(issue) = inner.issues.get_mut(&n) else {
        return issue_404();
    };
    let before = issue.remote_links.len();
    match (id, q.get("globalId")) {
        (Some(id), _) => {
            if id.parse::<u64>().is_err() {
                return jira_err(
                    StatusCode::BAD_REQUEST,
                    &format!("Invalid remote link id '{id}'."),
                );
            }
            issue.remote_links.retain(|r| r.id.to_string() != id);
        }
        (None, Some(g)) => issue
            .remote_links
            .retain(|r| r.global_id.as_deref() != Some(g)),
        (None, None) => {
            return jira_err(
                StatusCode::BAD_REQUEST,
                "The 'globalId' query parameter is required.",
            )
        }
    }
    if issue.remote_links.len() == before {
        return jira_err(StatusCode::NOT_FOUND, "No remote link found.");
    }
    empty(StatusCode::NO_CONTENT)
}
