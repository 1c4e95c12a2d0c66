//! `sprints/list`, `sprints/get`, `sprints/issues`, `sprints/create`, `sprints/update`,
//! `sprints/start`, `sprints/close`, `sprints/delete`, `sprints/moveIssues`,
//! `backlog/moveIssues`, `issues/rank`: params to the agile service and back.

use super::boards::{check_count, move_result};
use super::issues::list_in;
use super::{jira, ApiError};
use crate::jira::{JiraError, MoveTarget, RankAnchor};
use crate::rpc::Routes;
use crate::rpc::{Ctx, Register};
use crate::service::boards as agile;
use crate::service::sprints;
use crate::service::state::AppState;
use jirad_protocol::agile::{AgileReason, MoveResult};
use jirad_protocol::issues::{Empty, IssuesListResult};
use jirad_protocol::sprints::*;
use jirad_protocol::ErrorKind;
use serde_json::{json, Value};

/// Registers the family.
pub fn register_all(m: &mut Routes<AppState>) {
    m.request::<SprintsList>(list)
        .request::<SprintsGet>(get)
        .request::<SprintsIssues>(issues)
        .request::<SprintsCreate>(create)
        .request::<SprintsUpdate>(update)
        .request::<SprintsStart>(start)
        .request::<SprintsClose>(close)
        .request::<SprintsDelete>(delete)
        .request::<SprintsMoveIssues>(move_to_sprint)
        .request::<BacklogMoveIssues>(move_to_backlog)
        .request::<IssuesRank>(rank);
}

async fn list(p: SprintsListParams, cx: Ctx<AppState>) -> Result<SprintsListResult, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let states = p
        .state
        .unwrap_or_default()
        .into_iter()
        .map(SprintState::as_str)
        .collect();
    let page = (p.page_token, p.limit);
    let sprints = agile::sprints(&cx.app, &s, p.board_id, states, page, p.fresh).await?;
    Ok(SprintsListResult {
        sprints: sprints.values,
        next_page_token: sprints.next_page_token,
        is_last: sprints.is_last,
    })
}

async fn get(p: SprintsGetParams, cx: Ctx<AppState>) -> Result<Sprint, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    agile::sprint(&cx.app, &s, p.sprint_id, p.fresh).await
}

async fn issues(p: SprintsIssuesParams, cx: Ctx<AppState>) -> Result<IssuesListResult, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let scope = agile::sprint_scope(&cx.app, &s, p.sprint_id, p.fresh).await?;
    list_in(&cx, &s, p.into_list(), scope).await
}

/// Adds each `Some` value under its key.
fn set(body: &mut Value, pairs: &[(&str, &Option<String>)]) {
    for (k, v) in pairs {
        if let Some(v) = v {
            body[*k] = json!(v);
        }
    }
}

async fn create(p: SprintsCreateParams, cx: Ctx<AppState>) -> Result<Sprint, ApiError> {
    if p.name.trim().is_empty() {
        return Err(JiraError::invalid_field("name", "give the sprint a name").into());
    }
    let s = jira(&cx, p.profile.as_deref()).await?;
    let mut body = json!({ "name": p.name.trim() });
    set(
        &mut body,
        &[
            ("goal", &p.goal),
            ("startDate", &p.start_date),
            ("endDate", &p.end_date),
        ],
    );
    sprints::create(&cx.app, &s, p.board_id, body).await
}

async fn update(p: SprintsUpdateParams, cx: Ctx<AppState>) -> Result<Sprint, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let mut body = json!({});
    set(
        &mut body,
        &[
            ("name", &p.name),
            ("goal", &p.goal),
            ("startDate", &p.start_date),
            ("endDate", &p.end_date),
        ],
    );
    sprints::update(&cx.app, &s, p.sprint_id, body).await
}

/// Two weeks, a sprint's usual length, for a sprint started without an end.
const DEFAULT_LENGTH_SECS: u64 = 14 * 86_400;

/// Jira's ISO form (`2026-12-07T09:00:00.000+00:00`) of Unix seconds.
fn jira_time(secs: u64) -> String {
    let t = crate::auth::rfc3339(secs);
    format!("{}.000+00:00", t.trim_end_matches('Z'))
}

async fn start(p: SprintsStartParams, cx: Ctx<AppState>) -> Result<Sprint, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let current = agile::sprint(&cx.app, &s, p.sprint_id, true).await?;
    if current.state != "future" {
        return Err(ApiError::new(
            ErrorKind::InvalidFields,
            format!(
                "sprint {} is {}: only a future sprint can be started",
                p.sprint_id, current.state
            ),
        )
        .with("reason", AgileReason::SprintState.as_str()));
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let start_date = p
        .start_date
        .or(current.start_date)
        .unwrap_or_else(|| jira_time(now));
    let end_date = p
        .end_date
        .or(current.end_date)
        .unwrap_or_else(|| jira_time(now + DEFAULT_LENGTH_SECS));
    let mut body = json!({ "state": "active", "startDate": start_date, "endDate": end_date });
    set(&mut body, &[("goal", &p.goal)]);
    sprints::update(&cx.app, &s, p.sprint_id, body).await
}

async fn close(p: SprintRef, cx: Ctx<AppState>) -> Result<Sprint, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let current = agile::sprint(&cx.app, &s, p.sprint_id, true).await?;
    if current.state != "active" {
        let reason = match current.state.as_str() {
            "closed" => AgileReason::SprintClosed,
            _ => AgileReason::SprintState,
        };
        return Err(ApiError::new(
            ErrorKind::InvalidFields,
            format!(
                "sprint {} is {}: only an active sprint can be closed",
                p.sprint_id, current.state
            ),
        )
        .with("reason", reason.as_str()));
    }
    sprints::update(&cx.app, &s, p.sprint_id, json!({ "state": "closed" })).await
}

async fn delete(p: SprintRef, cx: Ctx<AppState>) -> Result<Empty, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    sprints::delete(&cx.app, &s, p.sprint_id).await?;
    Ok(Empty {})
}

async fn move_to_sprint(
    p: SprintsMoveIssuesParams,
    cx: Ctx<AppState>,
) -> Result<MoveResult, ApiError> {
    check_count(&p.issues)?;
    let s = jira(&cx, p.profile.as_deref()).await?;
    let to = MoveTarget::Sprint(p.sprint_id);
    let outcomes = sprints::move_issues(&cx.app, &s, to, &p.issues).await;
    Ok(move_result(&p.issues, outcomes))
}

async fn move_to_backlog(p: IssuesMoveParams, cx: Ctx<AppState>) -> Result<MoveResult, ApiError> {
    check_count(&p.issues)?;
    let s = jira(&cx, p.profile.as_deref()).await?;
    let outcomes = sprints::move_issues(&cx.app, &s, MoveTarget::Backlog, &p.issues).await;
    Ok(move_result(&p.issues, outcomes))
}

async fn rank(p: IssuesRankParams, cx: Ctx<AppState>) -> Result<MoveResult, ApiError> {
    check_count(&p.issues)?;
    let s = jira(&cx, p.profile.as_deref()).await?;
    let anchor = match (p.before.as_deref(), p.after.as_deref()) {
        (Some(b), None) => RankAnchor::Before(b),
        (None, Some(a)) => RankAnchor::After(a),
        _ => {
            return Err(
                JiraError::invalid_field("before", "give exactly one of before and after").into(),
            )
        }
    };
    let outcomes = sprints::rank(&cx.app, &s, &p.issues, anchor).await;
    Ok(move_result(&p.issues, outcomes))
}
