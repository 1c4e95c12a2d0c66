//! Jira Software writes: sprint create, update, start, close and delete, which evict the cached
//! sprints; and moves of issues between sprints, the backlog and epics, and ranks, split into
//! Jira's 50-issue requests with an outcome per issue, which tell the cache what they touched.

use super::boards::{board_project, sprint_of};
use super::issues::touched;
use super::state::AppState;
use super::{ApiError, JiraSession};
use crate::jira::{AgileRefusal, Flavor, JiraError, MoveTarget, RankAnchor, AGILE_MAX};
use jirad_protocol::agile::AgileReason;
use jirad_protocol::sprints::Sprint;
use serde_json::{json, Value};

/// One issue's outcome in a move or a rank.
#[derive(Debug)]
pub enum Outcome {
    Moved,
    Refused(ApiError),
    /// The answer was lost; it may have moved.
    Unknown(ApiError),
}

/// Jira's error with `data.reason` when it is one of the agile rules.
pub fn agile_error(e: &JiraError) -> ApiError {
    let err = ApiError::from(e);
    let reason = match AgileRefusal::of(e) {
        Some(AgileRefusal::SprintClosed) => AgileReason::SprintClosed,
        Some(AgileRefusal::BoardHasNoSprints) => AgileReason::BoardHasNoSprints,
        Some(AgileRefusal::TooManyIssues) => AgileReason::TooManyIssues,
        Some(AgileRefusal::OneActiveSprint) => AgileReason::OneActiveSprint,
        None => return err,
    };
    err.with("reason", reason.as_str())
}

/// After a sprint changed: cached sprints and sprint lists go, and with `project` the lists of
/// that project's issues (whose sprints changed).
fn sprints_changed(app: &AppState, s: &JiraSession, project: Option<&str>) {
    // Sprint entries are scoped to no project, so any project name evicts them.
    app.cache.lists_changed(&s.ns, project.unwrap_or(""));
}

/// `sprints/create`.
pub async fn create(
    app: &AppState,
    s: &JiraSession,
    board: u64,
    body: Value,
) -> Result<Sprint, ApiError> {
    let mut body = body;
    body["originBoardId"] = json!(board);
    let created = s.client.create_sprint(body).await;
    sprints_changed(app, s, None);
    Ok(sprint_of(&created.map_err(|e| agile_error(&e))?))
}

/// `sprints/update` (and start and close, which change `state`): a partial update.
pub async fn update(
    app: &AppState,
    s: &JiraSession,
    sprint: u64,
    body: Value,
) -> Result<Sprint, ApiError> {
    let closing = body["state"] == "closed";
    let updated = s.client.update_sprint(sprint, body).await;
    let updated = match updated {
        Ok(v) => sprint_of(&v),
        Err(e) => {
            sprints_changed(app, s, None);
            return Err(agile_error(&e));
        }
    };
    // Closing sends the open issues to the backlog: that project's lists change.
    let project = match (closing, updated.board_id) {
        (true, Some(board)) => board_project(app, s, board).await,
        _ => None,
    };
    sprints_changed(app, s, project.as_deref());
    Ok(updated)
}

/// `sprints/delete`: its issues go to the backlog.
pub async fn delete(app: &AppState, s: &JiraSession, sprint: u64) -> Result<(), ApiError> {
    let board = super::boards::sprint(app, s, sprint, false)
        .await
        .ok()
        .and_then(|sp| sp.board_id);
    let deleted = s.client.delete_sprint(sprint).await;
    let project = match board {
        Some(b) => board_project(app, s, b).await,
        None => None,
    };
    sprints_changed(app, s, project.as_deref());
    deleted.map_err(|e| agile_error(&e))
}

/// An error that may have been applied: the request went and its answer was lost.
fn lost(e: &JiraError) -> bool {
    matches!(
        e,
        JiraError::OutcomeUnknown(_) | JiraError::UpstreamUnavailable(_)
    )
}

/// Whether Jira's message names `issue` (a key, not the prefix of a longer one).
fn names_issue(text: &str, issue: &str) -> bool {
    let (text, issue) = (text.to_uppercase(), issue.to_uppercase());
    text.match_indices(&issue).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + issue.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '-')
            && !after.is_some_and(|c| c.is_alphanumeric())
    })
}

/// Moves `issues`, [`AGILE_MAX`] per request: per issue, in order, what happened. A request Jira
/// refuses for some of its issues, which it names, goes again without them.
pub async fn move_issues(
    app: &AppState,
    s: &JiraSession,
    to: MoveTarget<'_>,
    issues: &[String],
) -> Vec<Outcome> {
    let mut out = Vec::with_capacity(issues.len());
    for chunk in issues.chunks(AGILE_MAX) {
        out.extend(move_chunk(s, to, chunk).await);
    }
    let moved: Vec<&str> = issues
        .iter()
        .zip(&out)
        .filter(|(_, o)| !matches!(o, Outcome::Refused(_)))
        .map(|(i, _)| i.as_str())
        .collect();
    touched(app, s, &moved);
    out
}

async fn move_chunk(s: &JiraSession, to: MoveTarget<'_>, chunk: &[String]) -> Vec<Outcome> {
    let first = match s.client.move_issues(to, chunk).await {
        Ok(()) => return chunk.iter().map(|_| Outcome::Moved).collect(),
        Err(e) => e,
    };
    if let (MoveTarget::Epic(_) | MoveTarget::NoEpic, Flavor::Cloud, false) =
        (to, s.client.site().flavor, lost(&first))
    {
        // Team-managed projects have no agile epic routes: their epic is the issue's parent.
        return set_parents(s, to, chunk).await;
    }
    let text = first.messages().map(|m| m.summary()).unwrap_or_default();
    let named: Vec<bool> = chunk.iter().map(|i| names_issue(&text, i)).collect();
    let some_named = named.iter().any(|n| *n) && !named.iter().all(|n| *n);
    if lost(&first) || !some_named {
        let unknown = lost(&first);
        return chunk
            .iter()
            .map(|_| {
                let err = agile_error(&first);
                if unknown {
                    Outcome::Unknown(err)
                } else {
                    Outcome::Refused(err)
                }
            })
            .collect();
    }
    // Jira named the issues it refused: the others go once more, alone.
    let rest: Vec<String> = chunk
        .iter()
        .zip(&named)
        .filter(|(_, n)| !**n)
        .map(|(i, _)| i.clone())
        .collect();
    let second = s.client.move_issues(to, &rest).await;
    let mut again = rest.iter().map(|_| match &second {
        Ok(()) => Outcome::Moved,
        Err(e) if lost(e) => Outcome::Unknown(agile_error(e)),
        Err(e) => Outcome::Refused(agile_error(e)),
    });
    named
        .iter()
        .map(|n| match n {
            true => Outcome::Refused(agile_error(&first)),
            false => again.next().unwrap_or(Outcome::Moved),
        })
        .collect()
}

/// Sets or clears each issue's parent, one edit per issue.
async fn set_parents(s: &JiraSession, to: MoveTarget<'_>, chunk: &[String]) -> Vec<Outcome> {
    let body = match to {
        MoveTarget::Epic(epic) => json!({ "fields": { "parent": { "key": epic } } }),
        _ => json!({ "update": { "parent": [{ "set": { "none": true } }] } }),
    };
    let mut out = Vec::with_capacity(chunk.len());
    for issue in chunk {
        let opts = crate::jira::EditOptions::default();
        out.push(match s.client.edit_issue(issue, &body, &opts).await {
            Ok(_) => Outcome::Moved,
            Err(e) if lost(&e) => Outcome::Unknown(e.into()),
            Err(e) => Outcome::Refused(e.into()),
        });
    }
    out
}

/// Ranks `issues` in the order given right before or after `anchor`: the first request at the
/// anchor, each next one after the last issue of the one before.
pub async fn rank(
    app: &AppState,
    s: &JiraSession,
    issues: &[String],
    anchor: RankAnchor<'_>,
) -> Vec<Outcome> {
    let mut out = Vec::with_capacity(issues.len());
    let mut at = anchor;
    for chunk in issues.chunks(AGILE_MAX) {
        match s.client.rank_issues(chunk, at).await {
            Ok(each) => out.extend(each.into_iter().map(|r| match r {
                Ok(()) => Outcome::Moved,
                Err(e) => Outcome::Refused(agile_error(&e)),
            })),
            Err(e) if lost(&e) => {
                out.extend(chunk.iter().map(|_| Outcome::Unknown(agile_error(&e))))
            }
            Err(e) => out.extend(chunk.iter().map(|_| Outcome::Refused(agile_error(&e)))),
        }
        if let Some(last) = chunk.last() {
            at = RankAnchor::After(last);
        }
    }
    let ranked: Vec<&str> = issues
        .iter()
        .zip(&out)
        .filter(|(_, o)| !matches!(o, Outcome::Refused(_)))
        .map(|(i, _)| i.as_str())
        .collect();
    touched(app, s, &ranked);
    out
}

/// Sets (or with `None` clears) an issue's parent: on Cloud the `parent` field, which holds epics
/// and sub-tasks' issues alike; on Data Center, whose epics are an Epic Link, Jira Software's epic
/// routes.
pub async fn set_parent(
    app: &AppState,
    s: &JiraSession,
    issue: &str,
    parent: Option<&str>,
) -> Result<(), ApiError> {
    let to = parent.map_or(MoveTarget::NoEpic, MoveTarget::Epic);
    let one = [issue.to_owned()];
    let outcome = match s.client.site().flavor {
        Flavor::Cloud => set_parents(s, to, &one).await,
        Flavor::DataCenter => move_chunk(s, to, &one).await,
    };
    let mut keys = vec![issue];
    keys.extend(parent);
    touched(app, s, &keys);
    match outcome.into_iter().next() {
        Some(Outcome::Refused(e) | Outcome::Unknown(e)) => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_names_a_key_not_its_prefix() {
        let text = "Issue DEMO-10 does not exist or you do not have permission to see it.";
        assert!(names_issue(text, "demo-10"));
        assert!(!names_issue(text, "DEMO-1"));
        assert!(!names_issue(text, "MO-10"));
        assert!(names_issue(
            "Issues 'DEMO-1', 'DEMO-2' are invalid",
            "DEMO-2"
        ));
    }
}
