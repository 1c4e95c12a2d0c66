//! `worklogs/list`, `worklogs/add`, `worklogs/update`, `worklogs/delete`. The list is kept in the
//! cache with the issue; writes change the issue's time tracking and worklogs, so they evict both.

use crate::service::projects::{text, user_ref};
use super::{jira, ApiError};
use crate::jira::worklogs::jira_started;
use crate::rpc::Routes;
use crate::rpc::{Ctx, Register};
use crate::service::state::AppState;
use crate::service::{issues, JiraSession};
use jirad_protocol::issues::Empty;
use jirad_protocol::worklogs::*;
use serde_json::{json, Value};

/// Registers the family.
pub fn register_all(m: &mut Routes<AppState>) {
    m.request::<WorklogsList>(list)
        .request::<WorklogsAdd>(add)
        .request::<WorklogsUpdate>(update)
        .request::<WorklogsDelete>(delete);
}

fn worklog_of(s: &JiraSession, w: &Value) -> Worklog {
    let opt = |v: &Value| v.as_str().map(str::to_owned);
    let comment = Some(s.client.markdown_of(&w["comment"])).filter(|c| !c.is_empty());
    Worklog {
        id: text(&w["id"]),
        author: user_ref(&w["author"]),
        started: opt(&w["started"]),
        time_spent: opt(&w["timeSpent"]),
        time_spent_seconds: w["timeSpentSeconds"].as_u64().unwrap_or(0),
        comment,
        created: opt(&w["created"]),
        updated: opt(&w["updated"]),
    }
}

async fn list(p: WorklogsListParams, cx: Ctx<AppState>) -> Result<WorklogPage, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let client = s.client.clone();
    let key = p.key.clone();
    let (all, total): (Vec<Value>, u64) = issues::issue_part(
        &cx.app,
        &s,
        &p.key,
        "worklogs".into(),
        p.fresh,
        move || async move { client.worklogs(&key).await },
    )
    .await?;
    let worklogs: Vec<Worklog> = all.iter().map(|w| worklog_of(&s, w)).collect();
    Ok(WorklogPage {
        time_spent_seconds: worklogs.iter().map(|w| w.time_spent_seconds).sum(),
        worklogs,
        total,
    })
}

/// `adjustEstimate` and the estimate it names, as Jira's query parameters.
fn estimate_query(
    adjust: AdjustEstimate,
    new_estimate: &Option<String>,
    amount: Option<(&'static str, &Option<String>)>,
) -> Vec<(&'static str, String)> {
    let mut q = vec![("adjustEstimate", adjust.as_str().to_owned())];
    if let Some(n) = new_estimate {
        q.push(("newEstimate", n.clone()));
    }
    if let Some((name, Some(v))) = amount {
        q.push((name, v.clone()));
    }
    q
}

fn body(
    s: &JiraSession,
    time_spent: Option<&str>,
    started: Option<&str>,
    comment: Option<&str>,
) -> Result<Value, ApiError> {
    let mut b = json!({});
    if let Some(t) = time_spent {
        b["timeSpent"] = json!(t);
    }
    if let Some(st) = started {
        b["started"] = json!(jira_started(st)?);
    }
    if let Some(c) = comment {
        b["comment"] = s.client.rich_text(c);
    }
    Ok(b)
}

async fn add(p: WorklogsAddParams, cx: Ctx<AppState>) -> Result<Worklog, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let b = body(
        &s,
        Some(&p.time_spent),
        p.started.as_deref(),
        p.comment.as_deref(),
    )?;
    let q = estimate_query(
        p.adjust_estimate,
        &p.new_estimate,
        Some(("reduceBy", &p.reduce_by)),
    );
    let added = s.client.add_worklog(&p.key, b, &q).await;
    issues::touched(&cx.app, &s, &[&p.key]);
    Ok(worklog_of(&s, &added?))
}

async fn update(p: WorklogsUpdateParams, cx: Ctx<AppState>) -> Result<Worklog, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let b = body(
        &s,
        p.time_spent.as_deref(),
        p.started.as_deref(),
        p.comment.as_deref(),
    )?;
    let q = estimate_query(p.adjust_estimate, &p.new_estimate, None);
    let updated = s.client.update_worklog(&p.key, &p.id, b, &q).await;
    issues::touched(&cx.app, &s, &[&p.key]);
    Ok(worklog_of(&s, &updated?))
}

async fn delete(p: WorklogsDeleteParams, cx: Ctx<AppState>) -> Result<Empty, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let q = estimate_query(
        p.adjust_estimate,
        &p.new_estimate,
        Some(("increaseBy", &p.increase_by)),
    );
    let deleted = s.client.delete_worklog(&p.key, &p.id, &q).await;
    issues::touched(&cx.app, &s, &[&p.key]);
    deleted?;
    Ok(Empty {})
}
