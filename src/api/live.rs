//! `sprints/watch`: a board's sprint or backlog as a live board. The sprint (or backlog) becomes
//! its JQL and is watched like `issues/watch` (same poller when the list is the same, same
//! per-profile polling budget, `issues/unwatch` ends it); each change is told as issues that
//! entered, left or changed, and which of them changed status or board column.

use super::watch::{evict, interval, subscribe, Slot};
use super::{jira, ApiError};
use crate::cache::{Change, Namespace, WatchId};
use crate::rpc::{Ctx, Register, Routes};
use crate::service::live::{self, place_of, placed, Columns, LiveBoard};
use crate::service::state::AppState;
use jirad_protocol::live::*;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// Registers the family.
pub fn register_all(m: &mut Routes<AppState>) {
    m.request::<SprintsWatch>(watch);
}

async fn watch(p: SprintsWatchParams, cx: Ctx<AppState>) -> Result<SprintsWatchResult, ApiError> {
    let mut slot = Slot::reserve(&cx)?;
    let started = start(p, &cx).await?;
    slot.conn = None;
    Ok(started)
}

async fn start(p: SprintsWatchParams, cx: &Ctx<AppState>) -> Result<SprintsWatchResult, ApiError> {
    let every = interval(p.interval_seconds)?;
    let s = jira(cx, p.profile.as_deref()).await?;
    let LiveBoard {
        sprint,
        query,
        scope,
        columns,
    } = live::board(&cx.app, &s, p.board_id, p.sprint).await?;
    let sub = subscribe(cx, &s, &query, p.fields, &["status"], scope, every).await?;
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
