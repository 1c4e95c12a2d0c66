//! Work on one issue: `issues/transitions`, `issues/transition`, `issues/comments`, `issues/addComment`, `issues/assign`.
//!
//! Transitions are metadata (cached with the meta TTL, evicted by any write to the issue); every
//! write here tells the cache, so a later `issues/get` or `issues/list` sees the change.

use super::projects::{field_info, status_ref, text, user_ref};
use super::session::{jira, JiraSession};
use super::ApiError;
use crate::cache::{CacheKey, IssueRef, MetaKey};
use crate::jira::{normalize_comment, DescriptionFormat, JiraError, RichText};
use crate::rpc::Routes;
use crate::rpc::{Ctx, Register};
use crate::state::{cached_json, read_cached, AppState};
use jirad_protocol::projects::UserRef;
use jirad_protocol::workflow::{self as p, *};
use serde_json::Value;

/// Registers the family.
pub fn register_all(m: &mut Routes<AppState>) {
    m.request::<IssuesTransitions>(transitions)
        .request::<IssuesTransition>(transition)
        .request::<IssuesComments>(comments)
        .request::<IssuesAddComment>(add_comment)
        .request::<IssuesAssign>(assign);
}

/// Comments per page when the client names no `limit`.
const COMMENT_PAGE: u32 = 50;
/// Jira Cloud serves at most this many comments per page; Data Center more, but one cap keeps
/// both alike.
const COMMENT_PAGE_MAX: u32 = 1000;

async fn transitions(
    p: IssuesTransitionsParams,
    cx: Ctx<AppState>,
) -> Result<Vec<Transition>, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let key = CacheKey::Meta(MetaKey::Transitions {
        issue: p.key.to_uppercase(),
    });
    let client = s.client.clone();
    let read = cx
        .app
        .cache
        .get_or_fetch(&s.ns, key, p.fresh, move || async move {
            cached_json(&client.transitions(&p.key).await?)
        })
        .await?;
    let all: Value = read_cached(&read.value)?;
    Ok(all
        .as_array()
        .map(|all| all.iter().map(transition_of).collect())
        .unwrap_or_default())
}

fn transition_of(t: &Value) -> Transition {
    let fields = t["fields"]
        .as_object()
        .map(|f| {
            f.iter()
                .filter_map(|(id, meta)| {
                    let mut meta = meta.clone();
                    meta["fieldId"] = Value::String(id.clone());
                    crate::jira::FieldMeta::from_json(&meta)
                })
                .map(|m| field_info(&m))
                .collect()
        })
        .unwrap_or_default();
    Transition {
        id: text(&t["id"]),
        name: text(&t["name"]),
        to: status_ref(&t["to"]),
        fields,
    }
}

async fn transition(
    p: IssuesTransitionParams,
    cx: Ctx<AppState>,
) -> Result<TransitionResult, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let comment = p.comment.as_ref().map(rich).transpose()?;
    let taken = s
        .client
        .transition(&p.key, &p.to, comment.as_ref(), &p.fields)
        .await?;
    // Jira answers 204; read the status back (post-functions may differ from the transition's
    // target) and learn the issue id so searches can reconcile with the write.
    let after = after_write(&s, &p.key, "status").await;
    written(&cx, &s, &p.key, after.as_ref());
    let status = after.as_ref().map_or_else(
        || status_ref(&taken["to"]),
        |a| status_ref(&a["fields"]["status"]),
    );
    Ok(TransitionResult {
        transition: TransitionTaken {
            id: text(&taken["id"]),
            name: text(&taken["name"]),
        },
        status,
    })
}

async fn comments(p: IssuesCommentsParams, cx: Ctx<AppState>) -> Result<CommentPage, ApiError> {
    let start = match p.page_token.as_deref() {
        None => 0,
        Some(t) => t.parse::<u64>().map_err(|_| {
            ApiError::from(JiraError::invalid_field(
                "pageToken",
                "not a token from a previous page of issues/comments",
            ))
        })?,
    };
    let limit = p.limit.unwrap_or(COMMENT_PAGE).clamp(1, COMMENT_PAGE_MAX);
    let s = jira(&cx, p.profile.as_deref()).await?;
    let page = s.client.comments(&p.key, start, limit).await?;
    let format = format_of(p.format);
    let comments: Vec<IssueComment> = page["comments"]
        .as_array()
        .map(|all| all.iter().map(|c| comment_of(c, format)).collect())
        .unwrap_or_default();
    let total = page["total"].as_u64();
    let next = start + comments.len() as u64;
    let more = match total {
        Some(t) => next < t,
        None => comments.len() as u32 == limit,
    };
    Ok(CommentPage {
        next_page_token: (more && !comments.is_empty()).then(|| next.to_string()),
        comments,
        total,
    })
}

async fn add_comment(
    p: IssuesAddCommentParams,
    cx: Ctx<AppState>,
) -> Result<IssueComment, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let body = s.client.rich(&rich(&p.body)?);
    let created = s.client.add_comment(&p.key, body).await?;
    // The comment's `self` is `…/issue/{id}/comment/{cid}`: the issue id, at no extra request.
    let id = created["self"].as_str().and_then(|u| {
        let mut parts = u.rsplit('/');
        parts
            .nth(2)
            .filter(|id| id.chars().all(|c| c.is_ascii_digit()))
    });
    let issue = IssueRef::from_key(&p.key);
    let issue = match id {
        Some(id) => issue.with_id(id),
        None => issue,
    };
    cx.app.cache.issue_written(&s.ns, &issue, None);
    Ok(comment_of(&created, DescriptionFormat::Markdown))
}

async fn assign(p: IssuesAssignParams, cx: Ctx<AppState>) -> Result<AssignResult, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    s.client.assign(&p.key, p.assignee.as_deref()).await?;
    let after = after_write(&s, &p.key, "assignee").await;
    written(&cx, &s, &p.key, after.as_ref());
    let assignee = match &after {
        Some(a) => user_ref(&a["fields"]["assignee"]),
        // The write succeeded but the read-back did not: report what was asked for.
        None => p.assignee.map(|who| UserRef {
            account_id: Some(who),
            display_name: None,
        }),
    };
    Ok(AssignResult { assignee })
}

/// The issue with one field after a write, or `None` if the read-back failed (the write stands).
async fn after_write(s: &JiraSession, key: &str, field: &str) -> Option<Value> {
    match s.client.get_issue(key, &[field.to_owned()], &[]).await {
        Ok(v) => Some(v),
        Err(e) => {
            tracing::warn!(issue = key, error = %e, "reading an issue back after a write failed");
            None
        }
    }
}

/// Tells the cache the issue changed (with its id when `after` has it).
fn written(cx: &Ctx<AppState>, s: &JiraSession, key: &str, after: Option<&Value>) {
    let issue = IssueRef::from_key(key);
    let issue = match after.and_then(|a| a["id"].as_str()) {
        Some(id) => issue.with_id(id),
        None => issue,
    };
    cx.app.cache.issue_written(&s.ns, &issue, None);
}

fn rich(t: &p::RichText) -> Result<RichText, ApiError> {
    let v = serde_json::to_value(t).unwrap_or_default();
    Ok(RichText::from_json(&v, "body")?)
}

fn format_of(f: TextFormat) -> DescriptionFormat {
    match f {
        TextFormat::Markdown => DescriptionFormat::Markdown,
        TextFormat::Adf => DescriptionFormat::Adf,
        TextFormat::Both => DescriptionFormat::Both,
    }
}

fn comment_of(c: &Value, format: DescriptionFormat) -> IssueComment {
    let c = normalize_comment(c, format);
    IssueComment {
        id: c.id,
        author: c.author.map(|u| UserRef {
            account_id: u.account_id,
            display_name: u.display_name,
        }),
        body: c.body,
        body_adf: c.body_adf,
        created: c.created,
        updated: c.updated,
    }
}
