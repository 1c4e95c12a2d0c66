//! The issue side of Jira Software's API: the issues of a board, its backlog, a sprint and an epic
//! (search-shaped pages, ordered by rank unless the `jql` orders them), the agile issue GET with
//! `sprint`, `closedSprints`, `flagged` and `epic`, and the writes that move issues between
//! sprints, the backlog and epics or rank them (at most 50 issues a call).

use axum::http::StatusCode;
use serde_json::{json, Map, Value};

use super::agile::{is_done, sprint_json, Actx, MAX_ISSUES};
use crate::model::{CF_RANK, CF_SPRINT, EPIC};
use crate::render;
use crate::render::Flavor;
use crate::store::{Board, Inner, Issue, Sprint};
use crate::util::{empty, issue_404, jira_err, json_resp, Query, Resp};

const AGILE_FIELDS: &[&str] = &["sprint", "closedSprints", "flagged", "epic"];

/// An epic issue's id by key or id; 404 when it is missing or not an epic.
pub fn epic_of(inner: &Inner, key: &str) -> Result<u64, Resp> {
    inner
        .find(key)
        .filter(|id| inner.issues.get(id).is_some_and(|i| i.issuetype == EPIC))
        .ok_or_else(|| {
            jira_err(
                StatusCode::NOT_FOUND,
                &format!("Epic '{key}' does not exist or you do not have permission to see it."),
            )
        })
}

/// An epic's JSON (`/epic/{key}`, `/board/{id}/epic`, an issue's `epic` field).
pub fn epic_json(a: &Actx, inner: &Inner, id: u64) -> Value {
    let Some(e) = inner.issues.get(&id) else {
        return Value::Null;
    };
    json!({"id": e.id, "key": e.key, "self": format!("{}/epic/{}", a.base, e.id), "name": e.summary,
           "summary": e.summary, "color": {"key": format!("color_{}", e.id % 14 + 1)},
           "done": e.status == "10001"})
}

/// `GET /board/{id}/epic?done=`: the epics of the board's project.
pub fn board_epics(a: &Actx, inner: &Inner, b: &Board, q: &Query) -> Resp {
    let (start, max) = match super::agile::page(q, 50) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let done = match q.get("done") {
        None | Some("") => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(x) => {
            return jira_err(
                StatusCode::BAD_REQUEST,
                &format!("The value '{x}' is not valid for the parameter 'done'."),
            )
        }
    };
    let all: Vec<Value> = by_rank(
        inner,
        inner
            .issues
            .values()
            .filter(|i| i.project == b.project && i.issuetype == EPIC)
            .filter(|i| done.is_none_or(|d| d == (i.status == "10001")))
            .collect(),
    )
    .into_iter()
    .map(|id| epic_json(a, inner, id))
    .collect();
    json_resp(StatusCode::OK, &super::agile::values_page(all, start, max))
}

fn by_rank(inner: &Inner, mut v: Vec<&Issue>) -> Vec<u64> {
    v.sort_by(|x, y| inner.rank_of(x).cmp(inner.rank_of(y)).then(x.id.cmp(&y.id)));
    v.into_iter().map(|i| i.id).collect()
}

/// Whether an issue matches the board's saved filter (`project = KEY`).
fn board_filter(b: &Board, i: &Issue) -> bool {
    i.project == b.project
}

/// `GET /board/{id}/issue`: every issue of the board's filter.
pub fn of_board(a: &Actx, inner: &Inner, b: &Board, q: &Query) -> Resp {
    let hits = inner
        .issues
        .values()
        .filter(|i| board_filter(b, i))
        .collect();
    page_of(a, inner, hits, q)
}

/// `GET /board/{id}/backlog`: the board's issues in no open sprint, not done, not epics (they
/// live in the epics panel) and not sub-tasks (they go with their parent).
pub fn of_backlog(a: &Actx, inner: &Inner, b: &Board, q: &Query) -> Resp {
    let hits = inner
        .issues
        .values()
        .filter(|i| board_filter(b, i))
        .filter(|i| i.issuetype != EPIC && i.issuetype != "10003")
        .filter(|i| inner.open_sprint_of(i).is_none())
        .filter(|i| !is_done(b, &i.status))
        .collect();
    page_of(a, inner, hits, q)
}

/// `GET /sprint/{id}/issue` and `/board/{b}/sprint/{id}/issue`: the issues that are, or were
/// when it closed, in the sprint.
pub fn of_sprint(a: &Actx, inner: &Inner, s: &Sprint, b: Option<&Board>, q: &Query) -> Resp {
    let hits = inner
        .issues
        .values()
        .filter(|i| inner.sprints_of(i).contains(&s.id))
        .filter(|i| b.is_none_or(|b| board_filter(b, i)))
        .collect();
    page_of(a, inner, hits, q)
}

/// `GET /epic/{key}/issue`, `/epic/none/issue` and their board-scoped forms.
pub fn of_epic(a: &Actx, inner: &Inner, epic: Option<u64>, b: Option<&Board>, q: &Query) -> Resp {
    let hits = inner
        .issues
        .values()
        .filter(|i| match epic {
            Some(e) => i.parent == Some(e),
            None => {
                i.issuetype != EPIC
                    && i.issuetype != "10003"
                    && i.parent
                        .and_then(|p| inner.issues.get(&p))
                        .is_none_or(|p| p.issuetype != EPIC)
            }
        })
        .filter(|i| b.is_none_or(|b| board_filter(b, i)))
        .collect();
    page_of(a, inner, hits, q)
}

/// One page of issues in the search shape, filtered by the `jql` parameter and ordered by rank
/// (or by the `jql`'s ORDER BY).
fn page_of(a: &Actx, inner: &Inner, hits: Vec<&Issue>, q: &Query) -> Resp {
    let start = match q.int("startAt", 0) {
        Ok(v) => v.max(0) as usize,
        Err(r) => return r,
    };
    let cap = if a.ctx.flavor == Flavor::Cloud {
        100
    } else {
        1000
    };
    let max = match q.int("maxResults", 50) {
        Ok(v) => v.clamp(0, cap) as usize,
        Err(r) => return r,
    };
    let mut hits = hits;
    let mut order = vec![("rank".to_string(), false)];
    if let Some(j) = q.get("jql").filter(|j| !j.trim().is_empty()) {
        let parsed = match crate::jql::parse(j) {
            Ok(p) => p,
            Err(e) => return jira_err(StatusCode::BAD_REQUEST, &e),
        };
        if let Err(e) = crate::jql::validate(&parsed, inner) {
            return jira_err(StatusCode::BAD_REQUEST, &e);
        }
        let now = inner.now();
        if let Some(f) = &parsed.filter {
            hits.retain(|i| crate::jql::matches(f, i, inner, &a.ctx.me, now));
        }
        if !parsed.order.is_empty() {
            order = parsed.order;
        }
    }
    hits.sort_by(|x, y| crate::jql::compare(x, y, &order, inner));
    let fields = q.list("fields");
    let expand = q.list("expand");
    let total = hits.len();
    let issues: Vec<Value> = hits
        .iter()
        .skip(start)
        .take(max)
        .map(|i| issue_json(a, inner, i, &fields, &expand))
        .collect();
    json_resp(
        StatusCode::OK,
        &json!({"expand": "schema,names", "startAt": start, "maxResults": max, "total": total, "issues": issues}),
    )
}

/// An issue as the agile API gives it: the platform's fields (all navigable ones by default)
/// plus `sprint` (its open sprint), `closedSprints`, `flagged` and `epic`.
fn issue_json(a: &Actx, inner: &Inner, i: &Issue, fields: &[String], expand: &[String]) -> Value {
    let sel = render::select(fields, "*navigable");
    let mut v = render::issue(&a.ctx, inner, i, &sel, expand);
    v["self"] = json!(format!("{}/issue/{}", a.base, i.id));
    v["expand"] = json!("");
    let positive: Vec<&String> = fields.iter().filter(|f| !f.starts_with('-')).collect();
    let wants = |f: &str| {
        !fields.iter().any(|x| x.strip_prefix('-') == Some(f))
            && (positive.is_empty()
                || positive
                    .iter()
                    .any(|x| *x == f || *x == "*all" || *x == "*navigable"))
    };
    let Some(fm) = v.get_mut("fields").and_then(Value::as_object_mut) else {
        return v;
    };
    for f in AGILE_FIELDS {
        if !wants(f) {
            continue;
        }
        let val = match *f {
            "sprint" => inner
                .open_sprint_of(i)
                .map(|s| sprint_json(a, s))
                .unwrap_or(Value::Null),
            "closedSprints" => {
                let closed: Vec<Value> = inner
                    .sprints_of(i)
                    .into_iter()
                    .filter_map(|id| inner.sprint(id))
                    .filter(|s| s.state == "closed")
                    .map(|s| sprint_json(a, s))
                    .collect();
                if closed.is_empty() {
                    continue;
                }
                Value::Array(closed)
            }
            "flagged" => json!(false),
            _ => i
                .parent
                .filter(|p| inner.issues.get(p).is_some_and(|p| p.issuetype == EPIC))
                .map(|p| super::agile_issues::epic_json(a, inner, p))
                .unwrap_or(Value::Null),
        };
        fm.insert((*f).to_string(), val);
    }
    v
}

/// `GET /rest/agile/1.0/issue/{key}`.
pub fn get(a: &Actx, inner: &Inner, key: &str, q: &Query) -> Resp {
    let Some(i) = inner.find(key).and_then(|id| inner.issues.get(&id)) else {
        return issue_404();
    };
    let mut fields = q.list("fields");
    if fields.is_empty() {
        fields.push("*all".into());
    }
    json_resp(
        StatusCode::OK,
        &issue_json(a, inner, i, &fields, &q.list("expand")),
    )
}

/// The `issues` of a move body (≤ 50, each existing), with the keys not found.
fn issues_in(inner: &Inner, b: &Map<String, Value>) -> Result<(Vec<u64>, Vec<String>), Resp> {
    let list = match b.get("issues") {
        Some(Value::Array(a)) => a,
        None | Some(Value::Null) => {
            return Err(jira_err(
                StatusCode::BAD_REQUEST,
                "The 'issues' list must be given.",
            ))
        }
        Some(_) => {
            return Err(jira_err(
                StatusCode::BAD_REQUEST,
                "The 'issues' field must be a list of issue keys or ids.",
            ))
        }
    };
    if list.len() > MAX_ISSUES {
        return Err(jira_err(
            StatusCode::BAD_REQUEST,
            &format!(
                "At most {MAX_ISSUES} issues can be given in one request; this one has {}.",
                list.len()
            ),
        ));
    }
    let (mut ids, mut missing) = (Vec::new(), Vec::new());
    for v in list {
        let k = match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => {
                return Err(jira_err(
                    StatusCode::BAD_REQUEST,
                    "The 'issues' field must be a list of issue keys or ids.",
                ))
            }
        };
        match inner.find(&k) {
            Some(id) if !ids.contains(&id) => ids.push(id),
            Some(_) => {}
            None => missing.push(k),
        }
    }
    Ok((ids, missing))
}

fn missing_issues(missing: &[String]) -> Resp {
    jira_err(
        StatusCode::BAD_REQUEST,
        &format!(
            "Issue does not exist or you do not have permission to see it: {}",
            missing.join(", ")
        ),
    )
}

fn body_obj(body: &Value, allowed: &[&str]) -> Result<Map<String, Value>, Resp> {
    let Some(b) = body.as_object() else {
        return Err(jira_err(
            StatusCode::BAD_REQUEST,
            "The request body must be a JSON object.",
        ));
    };
    if let Some(k) = b.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(jira_err(
            StatusCode::BAD_REQUEST,
            &format!("Unrecognized field \"{k}\""),
        ));
    }
    Ok(b.clone())
}

/// Writes an issue change as a user edit would: `updated`, the index delay and the changelog.
fn write(inner: &mut Inner, me: &str, id: u64, change: impl FnOnce(&mut Issue)) {
    let Some(before) = inner.issues.get(&id).cloned() else {
        return;
    };
    let now = inner.now();
    let delay = inner.config.index_delay_ms;
    if let Some(i) = inner.issues.get_mut(&id) {
        change(i);
        i.updated = now;
        i.indexed_at = now + delay;
    }
    super::changelog::record(inner, id, me, &before, now);
}

/// Moves issues (and their sub-tasks) to a sprint, or to the backlog with `None`.
pub fn set_sprint(a: &Actx, inner: &mut Inner, ids: &[u64], to: Option<u64>) {
    let mut all: Vec<u64> = Vec::new();
    for id in ids {
        all.push(*id);
        all.extend(inner.subtasks(*id));
    }
    for id in all {
        let Some(i) = inner.issues.get(&id) else {
            continue;
        };
        let before = inner.sprints_of(i);
        let after = inner.move_sprints(i, to);
        if before == after {
            continue;
        }
        write(inner, &a.ctx.me, id, |i| {
            if after.is_empty() {
                i.custom.remove(CF_SPRINT);
            } else {
                i.custom.insert(CF_SPRINT.into(), json!(after));
            }
        });
    }
}

/// `POST /sprint/{id}/issue` (with `to`) and `POST /backlog/issue` (without).
pub fn move_to_sprint(a: &Actx, inner: &mut Inner, to: Option<&Sprint>, body: &Value) -> Resp {
    let allowed: &[&str] = if to.is_some() {
        &[
            "issues",
            "rankBeforeIssue",
            "rankAfterIssue",
            "rankCustomFieldId",
        ]
    } else {
        &["issues"]
    };
    let b = match body_obj(body, allowed) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let (ids, missing) = match issues_in(inner, &b) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !missing.is_empty() {
        return missing_issues(&missing);
    }
    if let Some(s) = to {
        if s.state == "closed" {
            return jira_err(
                StatusCode::BAD_REQUEST,
                "Issues can only be moved to an active or a future sprint.",
            );
        }
    }
    let target = match rank_target(inner, &b) {
        Ok(t) => t,
        Err(r) => return r,
    };
    set_sprint(a, inner, &ids, to.map(|s| s.id));
    if let Some((t, before)) = target {
        place(a, inner, &ids, t, before);
    }
    empty(StatusCode::NO_CONTENT)
}

/// The optional `rankBeforeIssue` / `rankAfterIssue` of a body: (target id, before?).
fn rank_target(inner: &Inner, b: &Map<String, Value>) -> Result<Option<(u64, bool)>, Resp> {
    let before = b.get("rankBeforeIssue").and_then(Value::as_str);
    let after = b.get("rankAfterIssue").and_then(Value::as_str);
    if let Some(f) = b.get("rankCustomFieldId").filter(|v| !v.is_null()) {
        if f.as_u64() != Some(10019) {
            return Err(jira_err(
                StatusCode::BAD_REQUEST,
                &format!("The custom field with id {f} is not a rank field."),
            ));
        }
    }
    let (key, is_before) = match (before, after) {
        (Some(_), Some(_)) => {
            return Err(jira_err(
                StatusCode::BAD_REQUEST,
                "Only one of 'rankBeforeIssue' and 'rankAfterIssue' can be given.",
            ))
        }
        (Some(k), None) => (k, true),
        (None, Some(k)) => (k, false),
        (None, None) => return Ok(None),
    };
    match inner.find(key) {
        Some(id) => Ok(Some((id, is_before))),
        None => Err(jira_err(
            StatusCode::BAD_REQUEST,
            &format!("Issue '{key}' does not exist or you do not have permission to see it."),
        )),
    }
}

/// Gives `ids`, in that order, ranks right before (or after) `target`; no other issue changes.
fn place(a: &Actx, inner: &mut Inner, ids: &[u64], target: u64, before: bool) {
    let moving: Vec<u64> = ids.iter().copied().filter(|id| *id != target).collect();
    if moving.is_empty() {
        return;
    }
    let mut order: Vec<(String, u64)> = inner
        .issues
        .values()
        .filter(|i| !moving.contains(&i.id))
        .map(|i| (inner.rank_of(i).to_string(), i.id))
        .collect();
    order.sort();
    let Some(pos) = order.iter().position(|(_, id)| *id == target) else {
        return;
    };
    let (lo, hi) = if before {
        (
            pos.checked_sub(1).map(|p| order[p].0.clone()),
            Some(order[pos].0.clone()),
        )
    } else {
        (
            Some(order[pos].0.clone()),
            order.get(pos + 1).map(|x| x.0.clone()),
        )
    };
    let mut prev = lo;
    for id in moving {
        let r = crate::rank::between(prev.as_deref(), hi.as_deref());
        prev = Some(r.clone());
        write(inner, &a.ctx.me, id, |i| {
            i.custom.insert(CF_RANK.into(), json!(r));
        });
    }
}

/// `PUT /issue/rank`: 204, or 207 with one entry per issue when some could not be ranked.
pub fn rank(a: &Actx, inner: &mut Inner, body: &Value) -> Resp {
    let b = match body_obj(
        body,
        &[
            "issues",
            "rankBeforeIssue",
            "rankAfterIssue",
            "rankCustomFieldId",
        ],
    ) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let (ids, missing) = match issues_in(inner, &b) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some((target, before)) = (match rank_target(inner, &b) {
        Ok(t) => t,
        Err(r) => return r,
    }) else {
        return jira_err(
            StatusCode::BAD_REQUEST,
            "One of 'rankBeforeIssue' and 'rankAfterIssue' must be given.",
        );
    };
    place(a, inner, &ids, target, before);
    if missing.is_empty() {
        return empty(StatusCode::NO_CONTENT);
    }
    let mut entries: Vec<Value> = ids
        .iter()
        .filter_map(|id| inner.issues.get(id))
        .map(|i| json!({"issueId": i.id, "issueKey": i.key, "status": 200}))
        .collect();
    entries.extend(missing.iter().map(|k| {
        json!({"issueKey": k, "status": 404,
               "errors": ["Issue does not exist or you do not have permission to see it."]})
    }));
    json_resp(StatusCode::MULTI_STATUS, &json!({ "entries": entries }))
}

/// `POST /epic/{key}/issue` (with the epic) and `POST /epic/none/issue` (without).
pub fn move_to_epic(a: &Actx, inner: &mut Inner, epic: Option<u64>, body: &Value) -> Resp {
    let b = match body_obj(body, &["issues"]) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let (ids, missing) = match issues_in(inner, &b) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if !missing.is_empty() {
        return missing_issues(&missing);
    }
    if let Some(i) = ids
        .iter()
        .filter_map(|id| inner.issues.get(id))
        .find(|i| i.issuetype == EPIC || i.issuetype == "10003")
    {
        return jira_err(
            StatusCode::BAD_REQUEST,
            &format!(
                "Issue {} cannot be moved in or out of an epic: only standard issues belong to epics.",
                i.key
            ),
        );
    }
    for id in ids {
        let in_epic = inner
            .issues
            .get(&id)
            .and_then(|i| i.parent)
            .and_then(|p| inner.issues.get(&p))
            .is_some_and(|p| p.issuetype == EPIC);
        let current = inner.issues.get(&id).and_then(|i| i.parent);
        if current == epic || (epic.is_none() && !in_epic) {
            continue;
        }
        write(inner, &a.ctx.me, id, |i| i.parent = epic);
    }
    empty(StatusCode::NO_CONTENT)
}
