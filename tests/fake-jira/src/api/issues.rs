//! Issue routes: create, edit, delete, get, transitions and comments.

use axum::http::StatusCode;
use serde_json::{json, Map, Value};

use super::fields::{apply_update, cannot_set, set_field, user_in, NOT_ADF};
use crate::model::{self, TRANSITIONS};
use crate::render::{self, Ctx};
use crate::store::{Inner, Issue};
use crate::util::{empty, issue_404, jira_err, jira_field_errs, json_resp, Query, Resp};

fn obj(v: &Value, k: &str) -> Map<String, Value> {
    v.get(k)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// `POST /issue`.
pub fn create(ctx: &Ctx, inner: &mut Inner, body: &Value) -> Resp {
    let fields = obj(body, "fields");
    let update = obj(body, "update");
    let mut errors = Map::new();
    let project = fields
        .get("project")
        .and_then(|p| p.get("key").or_else(|| p.get("id")))
        .and_then(Value::as_str)
        .and_then(|k| inner.project(k))
        .map(|p| p.key.clone());
    if project.is_none() {
        errors.insert("project".into(), json!("Specify a valid project ID or key"));
    }
    let ty = match fields.get("issuetype") {
        None | Some(Value::Null) => {
            errors.insert("issuetype".into(), json!("Specify an issue type"));
            None
        }
        Some(t) => {
            let offered = |id: &&str| {
                project
                    .as_deref()
                    .is_none_or(|p| model::project_types(p).any(|x| x.0 == *id))
            };
            let r = model::find_type(t).filter(offered);
            if r.is_none() {
                errors.insert("issuetype".into(), json!("Specify a valid issue type"));
            }
            r
        }
    };
    let now = inner.now();
    let mut d = Issue {
        id: 0,
        key: String::new(),
        project: project.clone().unwrap_or_default(),
        issuetype: ty.unwrap_or("10001").into(),
        summary: String::new(),
        description: None,
        status: "10000".into(),
        priority: "3".into(),
        assignee: None,
        reporter: Some(ctx.me.clone()),
        creator: ctx.me.clone(),
        labels: vec![],
        parent: None,
        duedate: None,
        custom: Default::default(),
        comments: vec![],
        history: vec![],
        remote_links: vec![],
        watchers: vec![ctx.me.clone()],
        voters: vec![],
        worklogs: vec![],
        fix_versions: vec![],
        affects_versions: vec![],
        components: vec![],
        remaining: None,
        created: now,
        updated: now,
        resolved: None,
        indexed_at: now + inner.config.index_delay_ms,
    };
    let screen = model::create_screen(ty.unwrap_or("10001"));
    for (k, v) in &fields {
        if k == "project" || k == "issuetype" {
            continue;
        }
        if update.contains_key(k) {
            errors.insert(
                k.clone(),
                json!(format!(
                    "Field '{k}' cannot be set in both 'fields' and 'update'."
                )),
            );
            continue;
        }
        if ty.is_some() && !screen.iter().any(|(f, _)| f == k) {
            errors.insert(k.clone(), json!(cannot_set(k)));
            continue;
        }
        if let Err(e) = set_field(ctx, inner, &mut d, k, v) {
            errors.insert(k.clone(), json!(e));
        }
    }
    let comments = apply_update(ctx, inner, &mut d, &update, &mut errors);
    if !fields.contains_key("summary") && !update.contains_key("summary") {
        errors.insert(
            "summary".into(),
            json!("You must specify a summary of the issue."),
        );
    }
    if ty.is_some() {
        for (f, req) in &screen {
            if !req
                || ["project", "issuetype", "summary", "reporter"].contains(f)
                || errors.contains_key(*f)
            {
                continue;
            }
            let set = match *f {
                "parent" => d.parent.is_some(),
                _ => d.custom.contains_key(*f),
            };
            if !set {
                let name = model::field(f).map(|x| x.name).unwrap_or(f);
                errors.insert((*f).into(), json!(format!("{name} is required.")));
            }
        }
        if ty != Some("10003") && d.parent.is_some() && !errors.contains_key("parent") {
            errors.insert(
                "parent".into(),
                json!("Given parent issue does not belong to appropriate hierarchy."),
            );
        }
    }
    if !errors.is_empty() {
        return jira_field_errs(StatusCode::BAD_REQUEST, errors);
    }
    let p = project.unwrap_or_default();
    let id = crate::seed::insert_issue(
        inner,
        &p,
        &d.issuetype.clone(),
        d.summary.clone(),
        d.description.clone(),
        "10000",
        &ctx.me,
        d.assignee.clone(),
        d.labels.clone(),
        d.parent,
        now,
        now,
        d.custom.clone(),
    );
    // As Jira Software: a new issue ranks last.
    let rank = crate::rank::between(inner.last_rank().as_deref(), None);
    if let Some(i) = inner.issues.get_mut(&id) {
        i.custom.insert(model::CF_RANK.into(), json!(rank));
        i.priority = d.priority.clone();
        i.reporter = d.reporter.clone();
        i.duedate = d.duedate.clone();
        i.indexed_at = d.indexed_at;
    }
    for c in comments {
        crate::seed::add_comment(inner, id, &ctx.me, c, now);
    }
    let key = inner
        .issues
        .get(&id)
        .map(|i| i.key.clone())
        .unwrap_or_default();
    json_resp(
        StatusCode::CREATED,
        &json!({"id": id.to_string(), "key": key, "self": format!("{}/issue/{id}", ctx.base)}),
    )
}

/// `POST /issue/bulk`: each element created as by `POST /issue`, no rollback; 201 when any was
/// created, 400 when none was, the same body either way.
pub fn create_bulk(ctx: &Ctx, inner: &mut Inner, body: &Value) -> Resp {
    let Some(updates) = body.get("issueUpdates").and_then(Value::as_array) else {
        return jira_err(StatusCode::BAD_REQUEST, "issueUpdates must be an array.");
    };
    if updates.len() > 50 {
        return jira_err(
            StatusCode::BAD_REQUEST,
            "The maximum number of issues that can be created in one request is 50.",
        );
    }
    let (mut issues, mut errors) = (Vec::new(), Vec::new());
    for (n, element) in updates.iter().enumerate() {
        let (status, answer) = crate::util::resp_parts(create(ctx, inner, element));
        if status == StatusCode::CREATED {
            issues.push(answer);
        } else {
            errors.push(json!({"status": status.as_u16(), "failedElementNumber": n,
                               "elementErrors": answer}));
        }
    }
    let status = if issues.is_empty() && !updates.is_empty() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::CREATED
    };
    json_resp(status, &json!({"issues": issues, "errors": errors}))
}

/// `PUT /issue/{k}`.
pub fn edit(ctx: &Ctx, inner: &mut Inner, key: &str, q: &Query, body: &Value) -> Resp {
    let Some(id) = inner.find(key) else {
        return issue_404();
    };
    let fields = obj(body, "fields");
    let update = obj(body, "update");
    if fields.is_empty()
        && update.is_empty()
        && !body
            .as_object()
            .is_some_and(|o| o.contains_key("properties") || o.contains_key("historyMetadata"))
    {
        return jira_err(StatusCode::BAD_REQUEST, "Can not deserialize instance of com.atlassian.jira.rest.v2.issue.IssueUpdateBean out of VALUE_NULL token");
    }
    let Some(mut d) = inner.issues.get(&id).cloned() else {
        return issue_404();
    };
    let mut errors = Map::new();
    for (k, v) in &fields {
        if update.contains_key(k) {
            errors.insert(
                k.clone(),
                json!(format!(
                    "Field '{k}' cannot be set in both 'fields' and 'update'."
                )),
            );
            continue;
        }
        if !model::field(k).is_some_and(|f| f.orderable)
            || k == "project"
            || k == "issuetype" && model::find_type(v) != Some(d.issuetype.as_str())
        {
            errors.insert(k.clone(), json!(cannot_set(k)));
            continue;
        }
        if k == "issuetype" {
            continue;
        }
        if let Err(e) = set_field(ctx, inner, &mut d, k, v) {
            errors.insert(k.clone(), json!(e));
        }
    }
    let comments = apply_update(ctx, inner, &mut d, &update, &mut errors);
    if !errors.is_empty() {
        return jira_field_errs(StatusCode::BAD_REQUEST, errors);
    }
    let now = inner.now();
    d.updated = now;
    d.indexed_at = now + inner.config.index_delay_ms;
    if let Some(before) = inner.issues.insert(id, d) {
        super::changelog::record(inner, id, &ctx.me, &before, now);
    }
    for c in comments {
        crate::seed::add_comment(inner, id, &ctx.me, c, now);
    }
    if q.get("returnIssue") == Some("true") {
        return get(ctx, inner, key, q);
    }
    empty(StatusCode::NO_CONTENT)
}

/// `DELETE /issue/{k}`.
pub fn delete(inner: &mut Inner, key: &str, q: &Query) -> Resp {
    let Some(id) = inner.find(key) else {
        return issue_404();
    };
    let subs = inner.subtasks(id);
    if !subs.is_empty() && q.get("deleteSubtasks") != Some("true") {
        let k = inner
            .issues
            .get(&id)
            .map(|i| i.key.clone())
            .unwrap_or_default();
        return jira_err(StatusCode::BAD_REQUEST, &format!("The issue '{k}' has subtasks.  You must specify the 'deleteSubtasks' parameter to delete this issue and all its subtasks."));
    }
    for s in subs {
        inner.issues.remove(&s);
    }
    inner.issues.remove(&id);
    let gone = |i: &u64| !inner.issues.contains_key(i);
    let doomed: Vec<u64> = inner
        .links
        .iter()
        .filter(|l| gone(&l.inward) || gone(&l.outward))
        .map(|l| l.id)
        .collect();
    inner.links.retain(|l| !doomed.contains(&l.id));
    empty(StatusCode::NO_CONTENT)
}

/// `GET /issue/{k}`.
pub fn get(ctx: &Ctx, inner: &Inner, key: &str, q: &Query) -> Resp {
    let Some(i) = inner.find(key).and_then(|id| inner.issues.get(&id)) else {
        return issue_404();
    };
    let sel = render::select(&q.list("fields"), "*all");
    let expand = q.list("expand");
    let mut bean = render::issue(ctx, inner, i, &sel, &expand);
    if expand.iter().any(|e| e == "transitions") {
        // As Jira: the transitions available now, at the top of the IssueBean.
        bean["transitions"] = Value::Array(transitions_for(ctx, i));
    }
    if expand.iter().any(|e| e == "changelog") {
        bean["changelog"] = super::changelog::expanded(ctx, inner, i);
    }
    json_resp(StatusCode::OK, &bean)
}

fn transitions_for(ctx: &Ctx, i: &Issue) -> Vec<Value> {
    TRANSITIONS
        .iter()
        .filter(|t| t.2 != i.status)
        .map(|t| {
            json!({"id": t.0, "name": t.1, "to": model::status_json(&ctx.base, t.2), "hasScreen": false, "isGlobal": true,
                   "isInitial": false, "isAvailable": true, "isConditional": false, "isLooped": false})
        })
        .collect()
}

/// `GET /issue/{k}/transitions`.
pub fn list_transitions(ctx: &Ctx, inner: &Inner, key: &str) -> Resp {
    let Some(i) = inner.find(key).and_then(|id| inner.issues.get(&id)) else {
        return issue_404();
    };
    json_resp(
        StatusCode::OK,
        &json!({"expand": "transitions", "transitions": transitions_for(ctx, i)}),
    )
}

/// `POST /issue/{k}/transitions`.
pub fn do_transition(ctx: &Ctx, inner: &mut Inner, key: &str, body: &Value) -> Resp {
    let Some(id) = inner.find(key) else {
        return issue_404();
    };
    let Some(mut d) = inner.issues.get(&id).cloned() else {
        return issue_404();
    };
    let tid = match body.pointer("/transition/id") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return jira_err(StatusCode::BAD_REQUEST, "Missing 'transition' identifier"),
    };
    let Some(t) = TRANSITIONS.iter().find(|t| t.0 == tid && t.2 != d.status) else {
        return jira_err(
            StatusCode::BAD_REQUEST,
            &format!("Transition id '{tid}' is not valid for this issue."),
        );
    };
    let mut errors = Map::new();
    let fields = obj(body, "fields");
    let update = obj(body, "update");
    for (k, v) in &fields {
        if update.contains_key(k) {
            errors.insert(
                k.clone(),
                json!(format!(
                    "Field '{k}' cannot be set in both 'fields' and 'update'."
                )),
            );
        } else if !["resolution", "assignee", "labels", "priority"].contains(&k.as_str()) {
            errors.insert(k.clone(), json!(cannot_set(k)));
        } else if k != "resolution" {
            if let Err(e) = set_field(ctx, inner, &mut d, k, v) {
                errors.insert(k.clone(), json!(e));
            }
        }
    }
    let comments = apply_update(ctx, inner, &mut d, &update, &mut errors);
    if !errors.is_empty() {
        return jira_field_errs(StatusCode::BAD_REQUEST, errors);
    }
    let now = inner.now();
    d.status = t.2.to_string();
    d.resolved = (t.2 == "10001").then_some(now);
    d.updated = now;
    d.indexed_at = now + inner.config.index_delay_ms;
    if let Some(before) = inner.issues.insert(id, d) {
        super::changelog::record(inner, id, &ctx.me, &before, now);
    }
    for c in comments {
        crate::seed::add_comment(inner, id, &ctx.me, c, now);
    }
    empty(StatusCode::NO_CONTENT)
}

/// `PUT /issue/{k}/assignee`: `{accountId}` (DC `{name}`), or null inside it to unassign. Needs
/// only the Assign Issues permission, so it works where the edit screen lacks the field.
pub fn assign(ctx: &Ctx, inner: &mut Inner, key: &str, body: &Value) -> Resp {
    let Some(id) = inner.find(key) else {
        return issue_404();
    };
    let who = match user_in(ctx, inner, body) {
        Ok(w) => w,
        Err(e) => {
            return jira_field_errs(
                StatusCode::BAD_REQUEST,
                [("assignee".to_string(), json!(e))].into_iter().collect(),
            )
        }
    };
    let now = inner.now();
    let delay = inner.config.index_delay_ms;
    let Some(issue) = inner.issues.get_mut(&id) else {
        return issue_404();
    };
    let before = issue.clone();
    issue.assignee = who;
    issue.updated = now;
    issue.indexed_at = now + delay;
    super::changelog::record(inner, id, &ctx.me, &before, now);
    empty(StatusCode::NO_CONTENT)
}

/// `GET /issue/{k}/comment`.
pub fn list_comments(ctx: &Ctx, inner: &Inner, key: &str, q: &Query) -> Resp {
    let Some(i) = inner.find(key).and_then(|id| inner.issues.get(&id)) else {
        return issue_404();
    };
    let start = match q.int("startAt", 0) {
        Ok(v) => v.max(0) as usize,
        Err(r) => return r,
    };
    let max = match q.int("maxResults", 100) {
        Ok(v) => v.clamp(0, 5000) as usize,
        Err(r) => return r,
    };
    let mut cs: Vec<_> = i.comments.iter().collect();
    match q.get("orderBy") {
        None | Some("created") | Some("+created") => {}
        Some("-created") => cs.reverse(),
        Some(o) => return jira_err(StatusCode::BAD_REQUEST, &format!("Invalid orderBy parameter: '{o}'. Valid values are: 'created', '-created', '+created'.")),
    }
    let page: Vec<Value> = cs
        .iter()
        .skip(start)
        .take(max)
        .map(|c| {
            let mut v = render::comment(ctx, inner, i, c);
            if q.list("expand").iter().any(|e| e == "renderedBody") {
                v["renderedBody"] = json!(crate::adf::to_html(&c.body));
            }
            v
        })
        .collect();
    json_resp(
        StatusCode::OK,
        &json!({"comments": page, "startAt": start, "maxResults": max, "total": i.comments.len()}),
    )
}

/// `POST /issue/{k}/comment`.
pub fn add_comment(ctx: &Ctx, inner: &mut Inner, key: &str, body: &Value) -> Resp {
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
            let msg = if ctx.adf() {
                NOT_ADF
            } else {
                "Comment body can not be empty!"
            };
            return jira_field_errs(
                StatusCode::BAD_REQUEST,
                [("comment".to_string(), json!(msg))].into_iter().collect(),
            );
        }
    };
    let visibility = match super::comments::visibility_in(body) {
        Ok(v) => v.flatten(),
        Err(r) => return r,
    };
    let now = inner.now();
    let Some(mut c) = crate::seed::add_comment(inner, id, &ctx.me, b, now) else {
        return issue_404();
    };
    if visibility.is_some() {
        c.visibility = visibility;
        if let Some(stored) = inner
            .issues
            .get_mut(&id)
            .and_then(|i| i.comments.iter_mut().find(|x| x.id == c.id))
        {
            stored.visibility = c.visibility.clone();
        }
    }
    if let Some(i) = inner.issues.get_mut(&id) {
        i.updated = now;
        i.indexed_at = now + inner.config.index_delay_ms;
    }
    let Some(i) = inner.issues.get(&id) else {
        return issue_404();
    };
    json_resp(StatusCode::CREATED, &render::comment(ctx, inner, i, &c))
}
