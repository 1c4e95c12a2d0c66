//! `sprints/watch`: a board's sprint or backlog as a live board. The sprint (or backlog) becomes
//! its JQL and is watched like `issues/watch` (same poller when the list is the same, same
//! per-profile polling budget, `issues/unwatch` ends it); each change is told as issues that
//! entered, left or changed, and which of them changed status or board column.

use super::watch::{evict, interval, subscribe, Slot};
use super::{jira, ApiError};
use crate::cache::{Change, Namespace, ProjectScope, WatchId};
use crate::jira::{jql, Filters};
use crate::rpc::{Ctx, Register, Routes};
use crate::service::boards::{self as agile, column_of};
use crate::service::state::AppState;
use jirad_protocol::boards::ColumnStatus;
use jirad_protocol::live::*;
use jirad_protocol::ErrorKind;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// Registers the family.
pub fn register_all(m: &mut Routes<AppState>) {
    m.request::<SprintsWatch>(watch);
}

type Columns = Vec<(String, Vec<ColumnStatus>)>;

async fn watch(p: SprintsWatchParams, cx: Ctx<AppState>) -> Result<SprintsWatchResult, ApiError> {
    let mut slot = Slot::reserve(&cx)?;
    let started = start(p, &cx).await?;
    slot.conn = None;
    Ok(started)
}

async fn start(p: SprintsWatchParams, cx: &Ctx<AppState>) -> Result<SprintsWatchResult, ApiError> {
    let every = interval(p.interval_seconds)?;
    let s = jira(cx, p.profile.as_deref()).await?;
    let board = p.board_id;
    let (sprint, scope) = match p.sprint {
        SprintChoice::Part(BoardPart::Backlog) => (None, backlog_jql(cx, &s, board).await?),
        SprintChoice::Part(BoardPart::Active) => {
            // A board running parallel sprints has several active: the live board shows them all.
            let active = agile::sprints(&cx.app, &s, board, vec!["active"], (None, None), true)
                .await
                .map_err(super::sprints::with_reason)?
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
            let sprint = agile::sprint(&cx.app, &s, id, false).await?;
            (Some(sprint), agile::sprint_jql(id))
        }
    };
    let columns = agile::status_columns(&cx.app, &s, board).await?;
    // The same JQL an `issues/watch` of the sprint would build, so both share one poller.
    let filters = Filters {
        jql: Some(format!("{scope} ORDER BY Rank ASC")),
        ..Filters::default()
    };
    let built = jql::build(&filters)?;
    // Within the board's project: the project's change detector serves it, and an issue moved
    // out of the sprint shows at the next tick.
    let scope = agile::board_project(&cx.app, &s, board)
        .await
        .map(|project| ProjectScope::projects(&[project]));
    let sub = subscribe(cx, &s, &built, p.fields, &["status"], scope, every).await?;
    let mut seen = HashMap::new();
    let issues: Vec<Value> = sub
        .initial
        .into_iter()
        .map(|i| {
            let v = placed(i.value, &columns);
            seen.insert(i.key, place_of(&v));
            v
        })
        .collect();
    let id = sub.id;
    tokio::spawn(forward(
        cx.clone(),
        s.ns.clone(),
        id,
        columns.clone(),
        seen,
        sub.changes,
    ));
    Ok(SprintsWatchResult {
        watch_id: id.0,
        sprint,
        columns: columns.into_iter().map(|c| c.0).collect(),
        issues,
    })
}

/// The backlog as JQL, which a watch can poll (`boards/backlog` reads Jira Software's own list):
/// the board's project's standard issues, epics aside, in no open sprint and not in the board's
/// last column.
async fn backlog_jql(
    cx: &Ctx<AppState>,
    s: &crate::service::JiraSession,
    board: u64,
) -> Result<String, ApiError> {
    let config = agile::configuration(&cx.app, s, board, false).await?;
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
fn placed(mut v: Value, columns: &Columns) -> Value {
    let column = status_name(&v).and_then(|st| column_of(columns, &st).map(str::to_owned));
    if let (Some(c), Some(o)) = (column, v.as_object_mut()) {
        o.insert("column".into(), Value::String(c));
    }
    v
}

/// (status, column) of a placed issue.
fn place_of(v: &Value) -> (Option<String>, Option<String>) {
    (
        status_name(v),
        v.get("column").and_then(Value::as_str).map(str::to_owned),
    )
}

/// Pushes one live board's changes to its connection, remembering each issue's status and
/// column to tell the moves, until it is unwatched or the connection closes.
async fn forward(
    cx: Ctx<AppState>,
    ns: Namespace,
    id: WatchId,
    columns: Columns,
    mut seen: HashMap<String, (Option<String>, Option<String>)>,
    mut changes: tokio::sync::mpsc::UnboundedReceiver<Arc<Change<Value>>>,
) {
    let closed = cx.conn.closed_token().clone();
    loop {
        let change = tokio::select! {
            _ = closed.cancelled() => break,
            c = changes.recv() => match c {
                Some(c) => c,
                None => break,
            },
        };
        evict(&cx, &ns, &change);
        let mut params = SprintsDidChangeParams {
            watch_id: id.0,
            entered: Vec::new(),
            left: Vec::new(),
            changed: Vec::new(),
            moved: Vec::new(),
        };
        for i in &change.added {
            let v = placed(i.value.clone(), &columns);
            seen.insert(i.key.clone(), place_of(&v));
            params.entered.push(v);
        }
        for i in &change.changed {
            let v = placed(i.value.clone(), &columns);
            let now = place_of(&v);
            if let Some(before) = seen.insert(i.key.clone(), now.clone()) {
                if before.0 != now.0 || before.1 != now.1 {
                    params.moved.push(BoardMove {
                        key: i.key.clone(),
                        from_status: before.0,
                        to_status: now.0,
                        from_column: before.1,
                        to_column: now.1,
                    });
                }
            }
            params.changed.push(v);
        }
        for i in &change.removed {
            let v = placed(i.value.clone(), &columns);
            seen.remove(&i.key);
            params.left.push(v);
        }
        if cx.conn.notify::<SprintsDidChange>(&params).is_err() {
            break;
        }
    }
    cx.app.watches.unwatch(id, cx.conn.id());
}
