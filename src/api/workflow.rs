//! Work on one issue: `issues/transitions`, `issues/transition`, `issues/comments`,
//! `issues/addComment`, `issues/updateComment`, `issues/deleteComment`, `issues/assign`,
//! `issues/changelog`, `issues/statusHistory`: params to `service/workflow.rs` and back.

use super::{jira, ApiError};
use crate::jira::JiraError;
use crate::rpc::Routes;
use crate::rpc::{Ctx, Register};
use crate::service::state::AppState;
use crate::service::workflow;
use jirad_protocol::issues::Empty;
use jirad_protocol::workflow::*;

/// Registers the family.
pub fn register_all(m: &mut Routes<AppState>) {
    m.request::<IssuesTransitions>(transitions)
        .request::<IssuesTransition>(transition)
        .request::<IssuesComments>(comments)
        .request::<IssuesAddComment>(add_comment)
        .request::<IssuesUpdateComment>(update_comment)
        .request::<IssuesDeleteComment>(delete_comment)
        .request::<IssuesAssign>(assign)
        .request::<IssuesChangelog>(changelog)
        .request::<IssuesStatusHistory>(status_history);
}

async fn transitions(
    p: IssuesTransitionsParams,
    cx: Ctx<AppState>,
) -> Result<Vec<Transition>, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    workflow::transitions(&cx.app, &s, &p.key, p.fresh).await
}

async fn transition(
    p: IssuesTransitionParams,
    cx: Ctx<AppState>,
) -> Result<TransitionResult, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let comment = p.comment.as_ref();
    workflow::transition(&cx.app, &s, &p.key, &p.to, comment, &p.fields).await
}

async fn comments(p: IssuesCommentsParams, cx: Ctx<AppState>) -> Result<CommentPage, ApiError> {
    let start = page_start(p.page_token.as_deref(), "issues/comments")?;
    let s = jira(&cx, p.profile.as_deref()).await?;
    workflow::comments(&s, &p.key, start, p.limit, p.format).await
}

async fn changelog(p: IssuesChangelogParams, cx: Ctx<AppState>) -> Result<ChangelogPage, ApiError> {
    let start = page_start(p.page_token.as_deref(), "issues/changelog")?;
    let s = jira(&cx, p.profile.as_deref()).await?;
    workflow::changelog(&cx.app, &s, &p.key, start, p.limit, p.fresh).await
}

async fn status_history(
    p: IssuesStatusHistoryParams,
    cx: Ctx<AppState>,
) -> Result<StatusHistory, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    workflow::status_history(&cx.app, &s, &p.key, p.fresh).await
}

/// Where a page starts: 0, or the offset a previous page's `nextPageToken` carries.
fn page_start(token: Option<&str>, method: &str) -> Result<u64, ApiError> {
    match token {
        None => Ok(0),
        Some(t) => t.parse::<u64>().map_err(|_| {
            ApiError::from(JiraError::invalid_field(
                "pageToken",
                format!("not a token from a previous page of {method}"),
            ))
        }),
    }
}

async fn add_comment(
    p: IssuesAddCommentParams,
    cx: Ctx<AppState>,
) -> Result<IssueComment, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    workflow::add_comment(&cx.app, &s, &p).await
}

async fn update_comment(
    p: IssuesUpdateCommentParams,
    cx: Ctx<AppState>,
) -> Result<IssueComment, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    workflow::update_comment(&cx.app, &s, &p).await
}

async fn delete_comment(
    p: IssuesDeleteCommentParams,
    cx: Ctx<AppState>,
) -> Result<Empty, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    workflow::delete_comment(&cx.app, &s, &p.key, &p.id).await?;
    Ok(Empty {})
}

async fn assign(p: IssuesAssignParams, cx: Ctx<AppState>) -> Result<AssignResult, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    workflow::assign(&cx.app, &s, &p.key, p.assignee).await
}
