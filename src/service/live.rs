//! `sprints/watch`'s board: what a live board shows (a sprint, the board's active sprints, or its
//! backlog) as the JQL a watch polls, the board's columns, and the column each issue is in.

use super::boards::{self as agile, column_of};
use super::state::AppState;
use super::{ApiError, JiraSession};
use crate::cache::ProjectScope;
use crate::jira::{jql, Filters};
use jirad_protocol::boards::ColumnStatus;
use jirad_protocol::live::{BoardPart, SprintChoice};
use jirad_protocol::sprints::Sprint;
use jirad_protocol::ErrorKind;
use serde_json::Value;

/// A board's columns in order, each with the statuses it shows.
pub type Columns = Vec<(String, Vec<ColumnStatus>)>;

/// A live board, ready to watch.
pub struct LiveBoard {
    /// The sprint shown (the first, when parallel sprints are active); none for the backlog.
    pub sprint: Option<Sprint>,
    /// The built JQL its watch polls.
    pub query: String,
    /// The board's project, whose change detector serves the watch.
    pub scope: Option<ProjectScope>,
    pub columns: Columns,
}

/// Resolves `choice` on `board` ("active" when the watch starts).
pub async fn board(
    app: &AppState,
    s: &JiraSession,
    board: u64,
    choice: SprintChoice,
) -> Result<LiveBoard, ApiError> {
    let (sprint, scope) = match choice {
        SprintChoice::Part(BoardPart::Backlog) => (None, backlog_jql(app, s, board).await?),
        SprintChoice::Part(BoardPart::Active) => {
            // A board running parallel sprints has several active: the live board shows them all.
            let active = agile::sprints(app, s, board, vec!["active"], (None, None), true)
                .await?
                .values;
            let scope = match active.as_slice() {
                [] => {
                    return Err(ApiError::new(
                        ErrorKind::NotFound,
                        format!("board {board} has no active sprint"),
                    )
                    .with("boardId", board))
                }
                [one] => agile::sprint_jql(one.id),
                many => {
                    let ids: Vec<String> = many.iter().map(|a| a.id.to_string()).collect();
                    format!("sprint in ({})", ids.join(", "))
                }
            };
            (active.into_iter().next(), scope)
        }
        SprintChoice::Id(id) => {
            let sprint = agile::sprint(app, s, id, false).await?;
            (Some(sprint), agile::sprint_jql(id))
        }
    };
    let columns = agile::status_columns(app, s, board).await?;
    // The same JQL an `issues/watch` of the sprint would build, so both share one poller.
    let filters = Filters {
        jql: Some(format!("{scope} ORDER BY Rank ASC")),
        ..Filters::default()
    };
    let query = jql::build(&filters)?;
    // Within the board's project: the project's change detector serves it, and an issue moved
    // out of the sprint shows at the next tick.
    let scope = agile::board_project(app, s, board)
        .await
        .map(|project| ProjectScope::projects(&[project]));
    Ok(LiveBoard {
        sprint,
        query,
        scope,
        columns,
    })
}

/// The backlog as JQL, which a watch can poll (`boards/backlog` reads Jira Software's own list):
/// the board's project's standard issues, epics aside, in no open sprint and not in the board's
/// last column.
async fn backlog_jql(app: &AppState, s: &JiraSession, board: u64) -> Result<String, ApiError> {
    let config = agile::configuration(app, s, board, false).await?;
    let Some(project) = config.project.as_deref() else {
        return Err(ApiError::new(
            ErrorKind::InvalidFields,
            format!("board {board} belongs to no project: its backlog cannot be watched"),
        ));
    };
    let mut q = format!(
        "project = {} AND (sprint is EMPTY OR sprint not in (openSprints(), futureSprints())) \
         AND issuetype in standardIssueTypes() AND issuetype != Epic",
        jql::quote(project)
    );
    if let Some(done) = config.columns.iter().rev().find(|c| !c.statuses.is_empty()) {
        let statuses: Vec<String> = done
            .statuses
            .iter()
            .map(|st| jql::quote(st.name.as_deref().unwrap_or(&st.id)))
            .collect();
        q.push_str(&format!(" AND status not in ({})", statuses.join(", ")));
    }
    Ok(q)
}

fn status_name(v: &Value) -> Option<String> {
    v.pointer("/status/name")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// The issue with its `column` (none when the board shows its status nowhere).
pub fn placed(mut v: Value, columns: &Columns) -> Value {
    let column = status_name(&v).and_then(|st| column_of(columns, &st).map(str::to_owned));
    if let (Some(c), Some(o)) = (column, v.as_object_mut()) {
        o.insert("column".into(), Value::String(c));
    }
    v
}

/// (status, column) of a placed issue.
pub fn place_of(v: &Value) -> (Option<String>, Option<String>) {
    (
        status_name(v),
        v.get("column").and_then(Value::as_str).map(str::to_owned),
    )
}
