//! Jira Software (`/rest/agile/1.0`, the same on Cloud and Data Center): boards, their
//! configuration, sprints and epics, and the moves between sprints, the backlog and epics, at
//! most [`AGILE_MAX`] issues a request. Jira's refusals by its agile rules are told apart by
//! [`AgileRefusal::of`].

use reqwest::Method;
use serde_json::{json, Value};

use super::http::Call;
use super::{JiraClient, JiraError};

/// The most issues Jira takes in one move or rank request.
pub const AGILE_MAX: usize = 50;

/// One page of an agile list (`{startAt, maxResults, isLast, total?, values}`), behind the same
/// opaque page token as searches: the next offset.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AgilePage {
    pub values: Vec<Value>,
    pub next_page_token: Option<String>,
    pub is_last: bool,
}

/// Where issues go in a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveTarget<'a> {
    /// `POST /sprint/{id}/issue`.
    Sprint(u64),
    /// `POST /backlog/issue`: out of every future and active sprint.
    Backlog,
    /// `POST /epic/{key}/issue`.
    Epic(&'a str),
    /// `POST /epic/none/issue`.
    NoEpic,
}

/// Where ranked issues go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RankAnchor<'a> {
    Before(&'a str),
    After(&'a str),
}

/// A refusal by one of Jira Software's rules, read from its error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgileRefusal {
    SprintClosed,
    BoardHasNoSprints,
    TooManyIssues,
    OneActiveSprint,
}

impl AgileRefusal {
    /// The rule a 400 names. Jira gives no codes, only sentences, so they are matched loosely.
    pub fn of(e: &JiraError) -> Option<Self> {
        let (JiraError::InvalidFields(m) | JiraError::Conflict(m)) = e else {
            return None;
        };
        let text = m.summary().to_lowercase();
        if text.contains("does not support sprint") || text.contains("doesn't support sprint") {
            Some(Self::BoardHasNoSprints)
        } else if text.contains("active sprint")
            && (text.contains("only") || text.contains("already"))
        {
            Some(Self::OneActiveSprint)
        } else if (text.contains("sprint") && text.contains("closed"))
            || text.contains("active or a future sprint")
        {
            Some(Self::SprintClosed)
        } else if text.contains("50")
            && text.contains("issue")
            && ["more than", "at most", "maximum", "exceed", "up to"]
                .iter()
                .any(|w| text.contains(w))
        {
            Some(Self::TooManyIssues)
        } else {
            None
        }
    }
}

/// A board id as a path segment.
fn id(n: u64) -> String {
    n.to_string()
}

impl JiraClient {
    /// `GET agile/…` with `startAt`/`maxResults` from the page token and limit.
    async fn agile_page(
        &self,
        segments: &[&str],
        mut query: Vec<(&str, String)>,
        page_token: Option<&str>,
        limit: Option<u32>,
        endpoint: &str,
    ) -> Result<AgilePage, JiraError> {
        let start: u64 = match page_token {
            Some(t) => t.parse().map_err(|_| {
                JiraError::invalid_field("pageToken", "not a page token of this list")
            })?,
            None => 0,
        };
        query.push(("startAt", start.to_string()));
        query.push(("maxResults", limit.unwrap_or(50).to_string()));
        let url = self.agile_url(segments, &query)?;
        let v = self.send(Call::new(Method::GET, url, endpoint)).await?;
        let Some(values) = v["values"].as_array().cloned() else {
            return Err(JiraError::Protocol(format!("{endpoint}: no values array")));
        };
        let next = start + values.len() as u64;
        let is_last = values.is_empty()
            || v["isLast"]
                .as_bool()
                .unwrap_or_else(|| v["total"].as_u64().is_none_or(|t| next >= t));
        Ok(AgilePage {
            next_page_token: (!is_last).then(|| next.to_string()),
            values,
            is_last,
        })
    }

    /// `GET board`: boards filtered by project, type and name.
    pub async fn boards(
        &self,
        project: Option<&str>,
        board_type: Option<&str>,
        name: Option<&str>,
        page_token: Option<&str>,
        limit: Option<u32>,
    ) -> Result<AgilePage, JiraError> {
        let q = vec![
            ("projectKeyOrId", project.unwrap_or("").to_string()),
            ("type", board_type.unwrap_or("").to_string()),
            ("name", name.unwrap_or("").to_string()),
        ];
        self.agile_page(&["board"], q, page_token, limit, "agile board")
            .await
    }

    /// `GET board/{id}`.
    pub async fn board(&self, board: u64) -> Result<Value, JiraError> {
        let url = self.agile_url(&["board", &id(board)], &[])?;
        self.send(Call::new(Method::GET, url, "agile board/{id}"))
            .await
    }

    /// `GET board/{id}/configuration`: columns, estimation, filter, ranking.
    pub async fn board_configuration(&self, board: u64) -> Result<Value, JiraError> {
        let url = self.agile_url(&["board", &id(board), "configuration"], &[])?;
        self.send(Call::new(
            Method::GET,
            url,
            "agile board/{id}/configuration",
        ))
        .await
    }

    /// `GET board/{id}/sprint?state=…`; a board without sprints (kanban) answers 400.
    pub async fn board_sprints(
        &self,
        board: u64,
        states: &[&str],
        page_token: Option<&str>,
        limit: Option<u32>,
    ) -> Result<AgilePage, JiraError> {
        let q = vec![("state", states.join(","))];
        self.agile_page(
            &["board", &id(board), "sprint"],
            q,
            page_token,
            limit,
            "agile board/{id}/sprint",
        )
        .await
    }

    /// `GET board/{id}/epic?done=`.
    pub async fn board_epics(
        &self,
        board: u64,
        done: Option<bool>,
        page_token: Option<&str>,
        limit: Option<u32>,
    ) -> Result<AgilePage, JiraError> {
        let q = vec![("done", done.map(|d| d.to_string()).unwrap_or_default())];
        self.agile_page(
            &["board", &id(board), "epic"],
            q,
            page_token,
            limit,
            "agile board/{id}/epic",
        )
        .await
    }

    /// `GET sprint/{id}`.
    pub async fn sprint(&self, sprint: u64) -> Result<Value, JiraError> {
        let url = self.agile_url(&["sprint", &id(sprint)], &[])?;
        self.send(Call::new(Method::GET, url, "agile sprint/{id}"))
            .await
    }

    /// `POST sprint` → the new (future) sprint. Never resent: a lost answer is `OutcomeUnknown`.
    pub async fn create_sprint(&self, body: Value) -> Result<Value, JiraError> {
        let url = self.agile_url(&["sprint"], &[])?;
        self.send(Call::new(Method::POST, url, "agile sprint").body(body))
            .await
    }

    /// `POST sprint/{id}`: a partial update (name, goal, dates, state) → the sprint.
    pub async fn update_sprint(&self, sprint: u64, body: Value) -> Result<Value, JiraError> {
        let url = self.agile_url(&["sprint", &id(sprint)], &[])?;
        let call = Call::new(Method::POST, url, "agile sprint/{id}").body(body);
        self.send(call.idempotent()).await
    }

    /// `DELETE sprint/{id}`: its issues go to the backlog.
    pub async fn delete_sprint(&self, sprint: u64) -> Result<(), JiraError> {
        let url = self.agile_url(&["sprint", &id(sprint)], &[])?;
        self.send(Call::new(Method::DELETE, url, "agile sprint/{id}"))
            .await
            .map(drop)
    }

    /// Moves at most [`AGILE_MAX`] issues; repeating a move is harmless, so it is retried.
    pub async fn move_issues(
        &self,
        to: MoveTarget<'_>,
        issues: &[String],
    ) -> Result<(), JiraError> {
        let sprint;
        let (segments, endpoint): (Vec<&str>, &str) = match to {
            MoveTarget::Sprint(n) => {
                sprint = id(n);
                (vec!["sprint", &sprint, "issue"], "agile sprint/{id}/issue")
            }
            MoveTarget::Backlog => (vec!["backlog", "issue"], "agile backlog/issue"),
            MoveTarget::Epic(key) => (vec!["epic", key, "issue"], "agile epic/{key}/issue"),
            MoveTarget::NoEpic => (vec!["epic", "none", "issue"], "agile epic/none/issue"),
        };
        let url = self.agile_url(&segments, &[])?;
        let call = Call::new(Method::POST, url, endpoint).body(json!({ "issues": issues }));
        self.send(call.idempotent()).await.map(drop)
    }

    /// `PUT issue/rank` for at most [`AGILE_MAX`] issues: per issue, whether Jira ranked it
    /// (a partial failure answers 207 with an entry per issue).
    pub async fn rank_issues(
        &self,
        issues: &[String],
        anchor: RankAnchor<'_>,
    ) -> Result<Vec<Result<(), JiraError>>, JiraError> {
        let mut body = json!({ "issues": issues });
        match anchor {
            RankAnchor::Before(k) => body["rankBeforeIssue"] = json!(k),
            RankAnchor::After(k) => body["rankAfterIssue"] = json!(k),
        }
        let url = self.agile_url(&["issue", "rank"], &[])?;
        let call = Call::new(Method::PUT, url, "agile issue/rank").body(body);
        let v = self.send(call).await?;
        let entries = v["entries"].as_array().cloned().unwrap_or_default();
        Ok(issues
            .iter()
            .map(|issue| {
                let entry = entries.iter().find(|e| {
                    [&e["issueKey"], &e["issueId"]]
                        .iter()
                        .any(|v| same_issue(v, issue))
                });
                match entry {
                    Some(e) if e["status"].as_u64().is_some_and(|s| s >= 300) => {
                        let status = e["status"].as_u64().unwrap_or(400) as u16;
                        Err(JiraError::from_status(
                            status,
                            &json!({ "errorMessages": e["errors"], "errors": {} }).to_string(),
                        ))
                    }
                    _ => Ok(()),
                }
            })
            .collect())
    }

    /// Every status of the site (`GET status`), to name a board's columns' statuses.
    pub async fn statuses(&self) -> Result<Vec<Value>, JiraError> {
        Ok(self
            .get(&["status"], &[], "status")
            .await?
            .as_array()
            .cloned()
            .unwrap_or_default())
    }
}

/// Whether a 207 entry's key or id names the issue as the caller gave it.
fn same_issue(v: &Value, issue: &str) -> bool {
    match v {
        Value::String(s) => s.eq_ignore_ascii_case(issue),
        Value::Number(n) => n.to_string() == issue,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(status: u16, message: &str) -> Option<AgileRefusal> {
        let body = json!({ "errorMessages": [message], "errors": {} }).to_string();
        AgileRefusal::of(&JiraError::from_status(status, &body))
    }

    #[test]
    fn agile_rules_are_read_from_jiras_sentences() {
        assert_eq!(
            refusal(400, "The board does not support sprints"),
            Some(AgileRefusal::BoardHasNoSprints)
        );
        assert_eq!(
            refusal(400, "Cannot move issues to a closed sprint."),
            Some(AgileRefusal::SprintClosed)
        );
        assert_eq!(
            refusal(
                400,
                "Issues can only be moved to an active or a future sprint."
            ),
            Some(AgileRefusal::SprintClosed)
        );
        assert_eq!(
            refusal(400, "There can only be one active sprint on each board"),
            Some(AgileRefusal::OneActiveSprint)
        );
        assert_eq!(
            refusal(400, "At most 50 issues can be moved in one request."),
            Some(AgileRefusal::TooManyIssues)
        );
        assert_eq!(refusal(400, "Issue does not exist"), None);
        assert_eq!(refusal(404, "Sprint is closed"), None);
    }
}
