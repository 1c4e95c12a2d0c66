//! `worklogs/list`, `worklogs/add`, `worklogs/update`, `worklogs/delete`. The list is kept in the
//! cache with the issue; writes change the issue's time tracking and worklogs, so they evict both.

use super::projects::{text, user_ref};
use super::state::AppState;
use super::{issues, ApiError, JiraSession};
use crate::jira::budget::{Halt, Stop};
use crate::jira::worklogs::jira_started;
use crate::jira::{markdown_of, offload, JiraError};
use jirad_protocol::worklogs::*;
use serde_json::{json, Value};

fn worklog_of(w: &Value, stop: &Stop) -> Result<Worklog, Halt> {
    let opt = |v: &Value| v.as_str().map(str::to_owned);
    let comment = Some(markdown_of(&w["comment"], stop)?).filter(|c| !c.is_empty());
    Ok(Worklog {
        id: text(&w["id"]),
        author: user_ref(&w["author"]),
        started: opt(&w["started"]),
        time_spent: opt(&w["timeSpent"]),
        time_spent_seconds: w["timeSpentSeconds"].as_u64().unwrap_or(0),
        comment,
        created: opt(&w["created"]),
        updated: opt(&w["updated"]),
    })
}

/// A worklog Jira answered a write with (its comment is the caller's own, bounded text).
fn written(w: &Value) -> Result<Worklog, ApiError> {
    Ok(worklog_of(w, &Stop::default()).map_err(JiraError::from)?)
}

/// An issue's worklogs, with the time they add up to.
pub async fn list(
    app: &AppState,
    s: &JiraSession,
    key: &str,
    fresh: bool,
) -> Result<WorklogPage, ApiError> {
    let client = s.client.clone();
    let owned = key.to_owned();
    let (all, total): (Vec<Value>, u64) =
        issues::issue_part(app, s, key, "worklogs".into(), fresh, move || async move {
            client.worklogs(&owned).await
        })
        .await?;
    // Comments are text others wrote: converted off the runtime's threads, within budgets.
    let worklogs = offload::heavy(offload::UNKNOWN_SIZE, move |stop| {
        all.iter()
            .map(|w| worklog_of(w, stop))
            .collect::<Result<Vec<Worklog>, Halt>>()
    })
    .await?
    .map_err(JiraError::from)?;
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

/// Logs work on an issue.
pub async fn add(
    app: &AppState,
    s: &JiraSession,
    p: &WorklogsAddParams,
) -> Result<Worklog, ApiError> {
    let b = body(
        s,
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
    issues::touched(app, s, &[&p.key]);
    written(&added?)
}

/// Changes a worklog.
pub async fn update(
    app: &AppState,
    s: &JiraSession,
    p: &WorklogsUpdateParams,
) -> Result<Worklog, ApiError> {
    let b = body(
        s,
        p.time_spent.as_deref(),
        p.started.as_deref(),
        p.comment.as_deref(),
    )?;
    let q = estimate_query(p.adjust_estimate, &p.new_estimate, None);
    let updated = s.client.update_worklog(&p.key, &p.id, b, &q).await;
    issues::touched(app, s, &[&p.key]);
    written(&updated?)
}

/// Deletes a worklog.
pub async fn delete(
    app: &AppState,
    s: &JiraSession,
    p: &WorklogsDeleteParams,
) -> Result<(), ApiError> {
    let q = estimate_query(
        p.adjust_estimate,
        &p.new_estimate,
        Some(("increaseBy", &p.increase_by)),
    );
    let deleted = s.client.delete_worklog(&p.key, &p.id, &q).await;
    issues::touched(app, s, &[&p.key]);
    deleted?;
    Ok(())
}
