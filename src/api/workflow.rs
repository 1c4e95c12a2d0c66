//! Work on one issue: `issues/transitions`, `issues/transition`, `issues/comments`, `issues/addComment`, `issues/assign`.
//!
//! Transitions are metadata (cached with the meta TTL, evicted by any write to the issue); every
//! write here tells the cache, so a later `issues/get` or `issues/list` sees the change.

use super::jira;
use super::ApiError;
use crate::cache::{CacheKey, IssueRef, MetaKey};
use crate::jira::{normalize_comment, DescriptionFormat, JiraError, RichText};
use crate::rpc::Routes;
use crate::rpc::{Ctx, Register};
use crate::service::cached::read_through;
use crate::service::projects::{field_info, status_ref, text, user_ref};
use crate::service::state::AppState;
use crate::service::{issues, JiraSession};
use jirad_protocol::issues::Empty;
use jirad_protocol::projects::UserRef;
use jirad_protocol::workflow::{self as p, *};
use serde_json::Value;

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

/// Histories per page when the client names no `limit`.
const HISTORY_PAGE: u32 = 100;

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
    let all: Value = read_through(&cx.app.cache, &s.ns, key, p.fresh, move || async move {
        client.transitions(&p.key).await
    })
    .await?;
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
    let start = page_start(p.page_token.as_deref(), "issues/comments")?;
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

async fn changelog(p: IssuesChangelogParams, cx: Ctx<AppState>) -> Result<ChangelogPage, ApiError> {
    let start = page_start(p.page_token.as_deref(), "issues/changelog")?;
    let limit = p.limit.unwrap_or(HISTORY_PAGE);
    let s = jira(&cx, p.profile.as_deref()).await?;
    let client = s.client.clone();
    let key = p.key.clone();
    let (page, total): (Vec<Value>, u64) = issues::issue_part(
        &cx.app,
        &s,
        &p.key,
        format!("changelog:{start}:{limit}"),
        p.fresh,
        move || async move { client.changelog(&key, start, limit).await },
    )
    .await?;
    let histories: Vec<ChangeHistory> = page.iter().map(history_of).collect();
    let next = start + histories.len() as u64;
    Ok(ChangelogPage {
        next_page_token: (next < total && !histories.is_empty()).then(|| next.to_string()),
        histories,
        total: Some(total),
    })
}

async fn status_history(
    p: IssuesStatusHistoryParams,
    cx: Ctx<AppState>,
) -> Result<StatusHistory, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let client = s.client.clone();
    let key = p.key.clone();
    // The issue's creation and status with its whole changelog, kept as one entry.
    let (issue, histories): (Value, Vec<Value>) = issues::issue_part(
        &cx.app,
        &s,
        &p.key,
        "changelog:all".into(),
        p.fresh,
        move || async move {
            let issue = client
                .get_issue(&key, &["created".into(), "status".into()], &[])
                .await?;
            let mut histories = Vec::new();
            loop {
                let (page, total) = client.changelog(&key, histories.len() as u64, 1000).await?;
                let empty = page.is_empty();
                histories.extend(page);
                if empty || histories.len() as u64 >= total {
                    break;
                }
            }
            Ok((issue, histories))
        },
    )
    .await?;
    // (when, from, to) of each status change, oldest first.
    let changes: Vec<(String, String, String)> = histories
        .iter()
        .flat_map(|h| {
            let when = text(&h["created"]);
            h["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|i| i["field"] == "status")
                .map(move |i| (when.clone(), text(&i["fromString"]), text(&i["toString"])))
        })
        .collect();
    let created = text(&issue["fields"]["created"]);
    let current = text(&issue["fields"]["status"]["name"]);
    let first = changes.first().map_or(current, |c| c.1.clone());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let span = |from: &str, to: Option<&str>| -> u64 {
        let start = epoch_ms(from).unwrap_or(now);
        let end = to.and_then(epoch_ms).unwrap_or(now);
        end.saturating_sub(start).max(0) as u64
    };
    let mut periods = Vec::new();
    let (mut status, mut since) = (first, created);
    for (when, _, to) in changes {
        periods.push(StatusPeriod {
            ms: span(&since, Some(&when)),
            status: std::mem::replace(&mut status, to),
            from: std::mem::replace(&mut since, when.clone()),
            to: Some(when),
        });
    }
    periods.push(StatusPeriod {
        ms: span(&since, None),
        status,
        from: since,
        to: None,
    });
    let mut totals: Vec<StatusTotal> = Vec::new();
    for period in &periods {
        match totals.iter_mut().find(|t| t.status == period.status) {
            Some(t) => t.ms += period.ms,
            None => totals.push(StatusTotal {
                status: period.status.clone(),
                ms: period.ms,
            }),
        }
    }
    Ok(StatusHistory { periods, totals })
}

/// A Jira timestamp (`2026-12-07T14:37:38.086+0000`) in epoch milliseconds.
fn epoch_ms(t: &str) -> Option<i64> {
    let num = |r: std::ops::Range<usize>| t.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let millis = num(20..23)?;
    let sign = match t.get(23..24)? {
        "+" => 1,
        "-" => -1,
        _ => return None,
    };
    let offset = sign * (num(24..26)? * 60 + num(26..28)?);
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((((days * 24 + h) * 60 + mi - offset) * 60 + sec) * 1000 + millis)
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

fn history_of(h: &Value) -> ChangeHistory {
    let opt = |v: &Value| v.as_str().map(str::to_owned);
    ChangeHistory {
        id: text(&h["id"]),
        author: user_ref(&h["author"]),
        created: opt(&h["created"]),
        items: h["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|i| ChangeItem {
                        field: text(&i["field"]),
                        field_id: opt(&i["fieldId"]),
                        from: opt(&i["from"]),
                        from_string: opt(&i["fromString"]),
                        to: opt(&i["to"]),
                        to_string: opt(&i["toString"]),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

async fn add_comment(
    p: IssuesAddCommentParams,
    cx: Ctx<AppState>,
) -> Result<IssueComment, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let body = s.client.rich(&rich(&p.body)?);
    let visibility = p.visibility.as_ref().map(visibility_json);
    let created = s.client.add_comment(&p.key, body, visibility).await?;
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

async fn update_comment(
    p: IssuesUpdateCommentParams,
    cx: Ctx<AppState>,
) -> Result<IssueComment, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let body = rich(&p.body)?;
    if let (RichText::Markdown(_), false) = (&body, p.force) {
        let lost = s.client.comment_loss(&p.key, &p.id).await?;
        if !lost.is_empty() {
            return Err(JiraError::LossyUpdate { nodes: lost }.into());
        }
    }
    let visibility = p
        .visibility
        .as_ref()
        .map(|v| v.as_ref().map_or(Value::Null, visibility_json));
    let updated = s
        .client
        .update_comment(&p.key, &p.id, s.client.rich(&body), visibility)
        .await?;
    cx.app
        .cache
        .issue_written(&s.ns, &IssueRef::from_key(&p.key), None);
    Ok(comment_of(&updated, DescriptionFormat::Markdown))
}

async fn delete_comment(
    p: IssuesDeleteCommentParams,
    cx: Ctx<AppState>,
) -> Result<Empty, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let deleted = s.client.delete_comment(&p.key, &p.id).await;
    // Even a failed delete may have happened (a timeout after Jira applied it).
    cx.app
        .cache
        .issue_written(&s.ns, &IssueRef::from_key(&p.key), None);
    deleted?;
    Ok(Empty {})
}

/// Jira's `{type, value}` for a visibility.
fn visibility_json(v: &Visibility) -> Value {
    serde_json::json!({"type": v.kind.as_str(), "value": v.value})
}

/// A comment's visibility as Jira sent it, if any.
fn visibility_of(c: &Value) -> Option<Visibility> {
    let v = &c["visibility"];
    let kind = match v["type"].as_str()? {
        "role" => VisibilityKind::Role,
        "group" => VisibilityKind::Group,
        _ => return None,
    };
    Some(Visibility {
        kind,
        value: v["value"].as_str()?.to_owned(),
    })
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
    let visibility = visibility_of(c);
    let c = normalize_comment(c, format);
    IssueComment {
        visibility,
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

#[cfg(test)]
mod tests {
    use super::epoch_ms;

    #[test]
    fn jira_timestamps_become_epoch_milliseconds() {
        assert_eq!(epoch_ms("1970-01-01T00:00:00.000+0000"), Some(0));
        assert_eq!(
            epoch_ms("2026-12-07T14:37:38.086+0000"),
            Some(1_796_654_258_086)
        );
        assert_eq!(
            epoch_ms("2026-12-07T15:37:38.086+0100"),
            epoch_ms("2026-12-07T14:37:38.086+0000")
        );
        assert_eq!(epoch_ms("yesterday"), None);
    }
}
