//! Work on one issue: `issues/transitions`, `issues/transition`, `issues/comments`,
//! `issues/addComment`, `issues/updateComment`, `issues/deleteComment`, `issues/assign`,
//! `issues/changelog`, `issues/statusHistory`.
//!
//! Transitions are metadata (cached with the meta TTL, evicted by any write to the issue); every
//! write here tells the cache, so a later `issues/get` or `issues/list` sees the change.

use super::cached::read_through;
use super::projects::{field_info, status_ref, text, user_ref};
use super::state::AppState;
use super::{issues, ApiError, JiraSession};
use crate::cache::{CacheKey, IssueRef, MetaKey};
use crate::jira::budget::{Halt, Stop};
use crate::jira::{normalize_comment, offload, DescriptionFormat, JiraError, RichText};
use jirad_protocol::projects::UserRef;
use jirad_protocol::workflow::{self as p, *};
use serde_json::{Map, Value};

/// Histories per page when the client names no `limit`.
const HISTORY_PAGE: u32 = 100;

/// Comments per page when the client names no `limit`.
const COMMENT_PAGE: u32 = 50;
/// Jira Cloud serves at most this many comments per page; Data Center more, but one cap keeps
/// both alike.
const COMMENT_PAGE_MAX: u32 = 1000;

/// The transitions the issue offers now, with their screens' fields.
pub async fn transitions(
    app: &AppState,
    s: &JiraSession,
    key: &str,
    fresh: bool,
) -> Result<Vec<Transition>, ApiError> {
    let issue = key.to_owned();
    let key = CacheKey::Meta(MetaKey::Transitions {
        issue: issue.to_uppercase(),
    });
    let client = s.client.clone();
    let all: Value = read_through(&app.cache, &s.ns, key, fresh, move || async move {
        client.transitions(&issue).await
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

/// Takes the transition named `to`, with a comment and screen fields; the issue's status after.
pub async fn transition(
    app: &AppState,
    s: &JiraSession,
    key: &str,
    to: &str,
    comment: Option<&p::RichText>,
    fields: &Map<String, Value>,
) -> Result<TransitionResult, ApiError> {
    let comment = comment.map(rich).transpose()?;
    let taken = s
        .client
        .transition(key, to, comment.as_ref(), fields)
        .await?;
    // Jira answers 204; read the status back (post-functions may differ from the transition's
    // target) and learn the issue id so searches can reconcile with the write.
    let after = after_write(s, key, "status").await;
    written(app, s, key, after.as_ref());
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

/// A page of an issue's comments from `start` (`limit` of them, 50 unless given).
pub async fn comments(
    s: &JiraSession,
    key: &str,
    start: u64,
    limit: Option<u32>,
    format: TextFormat,
) -> Result<CommentPage, ApiError> {
    let limit = limit.unwrap_or(COMMENT_PAGE).clamp(1, COMMENT_PAGE_MAX);
    let page = s.client.comments(key, start, limit).await?;
    let format = format_of(format);
    let total = page["total"].as_u64();
    // Bodies are text others wrote: converted off the runtime's threads, each within its budget,
    // and not at all once the caller has gone.
    let comments = offload::heavy(offload::UNKNOWN_SIZE, move |stop| {
        let all = page["comments"].as_array().map(Vec::as_slice);
        all.unwrap_or(&[])
            .iter()
            .map(|c| comment_of(c, format, stop))
            .collect::<Result<Vec<IssueComment>, Halt>>()
    })
    .await?
    .map_err(JiraError::from)?;
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

/// A page of an issue's change history from `start` (`limit` histories, 100 unless given), kept
/// in the cache with the issue.
pub async fn changelog(
    app: &AppState,
    s: &JiraSession,
    key: &str,
    start: u64,
    limit: Option<u32>,
    fresh: bool,
) -> Result<ChangelogPage, ApiError> {
    let limit = limit.unwrap_or(HISTORY_PAGE);
    let client = s.client.clone();
    let owned = key.to_owned();
    let (page, total): (Vec<Value>, u64) = issues::issue_part(
        app,
        s,
        key,
        format!("changelog:{start}:{limit}"),
        fresh,
        move || async move { client.changelog(&owned, start, limit).await },
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

/// The statuses an issue has been in, how long each period lasted, and the time in each status.
pub async fn status_history(
    app: &AppState,
    s: &JiraSession,
    key: &str,
    fresh: bool,
) -> Result<StatusHistory, ApiError> {
    let client = s.client.clone();
    let issue_key = key.to_owned();
    // The issue's creation and status with its whole changelog, kept as one entry.
    let (issue, histories): (Value, Vec<Value>) = issues::issue_part(
        app,
        s,
        key,
        "changelog:all".into(),
        fresh,
        move || async move {
            let key = issue_key;
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

/// Adds a comment; the comment as Jira saved it, in Markdown.
pub async fn add_comment(
    app: &AppState,
    s: &JiraSession,
    p: &IssuesAddCommentParams,
) -> Result<IssueComment, ApiError> {
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
    app.cache.issue_written(&s.ns, &issue, None);
    Ok(
        comment_of(&created, DescriptionFormat::Markdown, &Stop::default())
            .map_err(JiraError::from)?,
    )
}

/// Changes a comment's body or visibility; refused as `lossyUpdate` when the Markdown would drop
/// what the comment holds, unless `force`.
pub async fn update_comment(
    app: &AppState,
    s: &JiraSession,
    p: &IssuesUpdateCommentParams,
) -> Result<IssueComment, ApiError> {
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
    app.cache
        .issue_written(&s.ns, &IssueRef::from_key(&p.key), None);
    Ok(
        comment_of(&updated, DescriptionFormat::Markdown, &Stop::default())
            .map_err(JiraError::from)?,
    )
}

/// Deletes a comment.
pub async fn delete_comment(
    app: &AppState,
    s: &JiraSession,
    key: &str,
    id: &str,
) -> Result<(), ApiError> {
    let deleted = s.client.delete_comment(key, id).await;
    // Even a failed delete may have happened (a timeout after Jira applied it).
    app.cache
        .issue_written(&s.ns, &IssueRef::from_key(key), None);
    deleted?;
    Ok(())
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

/// Assigns the issue (`None`: unassigns it); the assignee after.
pub async fn assign(
    app: &AppState,
    s: &JiraSession,
    key: &str,
    assignee: Option<String>,
) -> Result<AssignResult, ApiError> {
    s.client.assign(key, assignee.as_deref()).await?;
    let after = after_write(s, key, "assignee").await;
    written(app, s, key, after.as_ref());
    let assignee = match &after {
        Some(a) => user_ref(&a["fields"]["assignee"]),
        // The write succeeded but the read-back did not: report what was asked for.
        None => assignee.map(|who| UserRef {
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
fn written(app: &AppState, s: &JiraSession, key: &str, after: Option<&Value>) {
    let issue = IssueRef::from_key(key);
    let issue = match after.and_then(|a| a["id"].as_str()) {
        Some(id) => issue.with_id(id),
        None => issue,
    };
    app.cache.issue_written(&s.ns, &issue, None);
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

fn comment_of(c: &Value, format: DescriptionFormat, stop: &Stop) -> Result<IssueComment, Halt> {
    let visibility = visibility_of(c);
    let c = normalize_comment(c, format, stop)?;
    Ok(IssueComment {
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
    })
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
