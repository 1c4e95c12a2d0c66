//! Watchers and votes of an issue (`/issue/{k}/watchers`, `/issue/{k}/votes`).

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::render::{self, Ctx, Flavor};
use crate::store::Inner;
use crate::util::{empty, issue_404, jira_err, json_resp, Query, Resp};

/// `GET /issue/{k}/watchers`.
pub fn list(ctx: &Ctx, inner: &Inner, key: &str) -> Resp {
    let Some(i) = inner.find(key).and_then(|id| inner.issues.get(&id)) else {
        return issue_404();
    };
    let users: Vec<Value> = i
        .watchers
        .iter()
        .filter_map(|a| inner.user(a))
        .map(|u| render::user(ctx, u))
        .collect();
    json_resp(
        StatusCode::OK,
        &json!({"self": format!("{}/issue/{}/watchers", ctx.base, i.key),
                "isWatching": i.watchers.contains(&ctx.me),
                "watchCount": i.watchers.len(), "watchers": users}),
    )
}

/// `POST /issue/{k}/watchers`: the body is a bare JSON string (Cloud: an accountId, DC: a
/// username); an empty body adds the caller. Adding a watcher twice keeps one.
pub fn add(ctx: &Ctx, inner: &mut Inner, key: &str, body: &[u8]) -> Resp {
    let Some(id) = inner.find(key) else {
        return issue_404();
    };
    let who = if body.iter().all(u8::is_ascii_whitespace) {
        ctx.me.clone()
    } else {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::String(s)) => s,
            _ => {
                return jira_err(
                    StatusCode::BAD_REQUEST,
                    "The request body must be a user identifier as a JSON string.",
                )
            }
        }
    };
    let user = match ctx.flavor {
        Flavor::Cloud => inner.user(&who),
        Flavor::Dc => inner.users.iter().find(|u| u.name == who),
    };
    let Some(account) = user.map(|u| u.account_id.clone()) else {
        return jira_err(
            StatusCode::NOT_FOUND,
            &format!("The user \"{who}\" does not exist."),
        );
    };
    if let Some(i) = inner.issues.get_mut(&id) {
        if !i.watchers.contains(&account) {
            i.watchers.push(account);
        }
    }
    empty(StatusCode::NO_CONTENT)
}

/// `DELETE /issue/{k}/watchers?accountId=` (DC: `?username=`); removing someone who is not
/// watching is no error.
pub fn remove(ctx: &Ctx, inner: &mut Inner, key: &str, q: &Query) -> Resp {
    let Some(id) = inner.find(key) else {
        return issue_404();
    };
    let param = match ctx.flavor {
        Flavor::Cloud => "accountId",
        Flavor::Dc => "username",
    };
    let Some(who) = q.get(param) else {
        return jira_err(
            StatusCode::BAD_REQUEST,
            &format!("The '{param}' query parameter is required."),
        );
    };
    let account = match ctx.flavor {
        Flavor::Cloud => Some(who.to_owned()),
        Flavor::Dc => inner
            .users
            .iter()
            .find(|u| u.name == who)
            .map(|u| u.account_id.clone()),
    };
    if let (Some(i), Some(a)) = (inner.issues.get_mut(&id), account) {
        i.watchers.retain(|w| *w != a);
    }
    empty(StatusCode::NO_CONTENT)
}

/// `GET /issue/{k}/votes`.
pub fn votes(ctx: &Ctx, inner: &Inner, key: &str) -> Resp {
    let Some(i) = inner.find(key).and_then(|id| inner.issues.get(&id)) else {
        return issue_404();
    };
    let voters: Vec<Value> = i
        .voters
        .iter()
        .filter_map(|a| inner.user(a))
        .map(|u| render::user(ctx, u))
        .collect();
    json_resp(
        StatusCode::OK,
        &json!({"self": format!("{}/issue/{}/votes", ctx.base, i.key), "votes": i.voters.len(),
                "hasVoted": i.voters.contains(&ctx.me), "voters": voters}),
    )
}

/// `POST` (vote) or `DELETE` (unvote) `/issue/{k}/votes`: idempotent. Data Center refuses the
/// reporter; Cloud lets them vote.
pub fn vote(ctx: &Ctx, inner: &mut Inner, key: &str, up: bool) -> Resp {
    let Some(id) = inner.find(key) else {
        return issue_404();
    };
    let Some(i) = inner.issues.get_mut(&id) else {
        return issue_404();
    };
    if ctx.flavor == Flavor::Dc && i.reporter.as_ref() == Some(&ctx.me) {
        return jira_err(
            StatusCode::NOT_FOUND,
            "You cannot vote for an issue you have reported.",
        );
    }
    i.voters.retain(|v| *v != ctx.me);
    if up {
        i.voters.push(ctx.me.clone());
    }
    empty(StatusCode::NO_CONTENT)
}
