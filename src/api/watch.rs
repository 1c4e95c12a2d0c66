//! `issues/watch`, `issues/unwatch` and the `issues/didChange` notifications they bring: live
//! lists polled on the daemon's side and shared by every client watching the same query.

use super::jira;
use super::ApiError;
use crate::cache::{Change, IssueRef, Namespace, ProjectScope, WatchId};
use crate::rpc::Routes;
use crate::rpc::{Ctx, Register};
use crate::service::state::AppState;
use crate::service::watch as watching;
use jirad_protocol::watch::*;
use jirad_protocol::ErrorKind;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// Registers the family.
pub fn register_all(m: &mut Routes<AppState>) {
    m.request::<IssuesWatch>(watch)
        .request::<IssuesUnwatch>(unwatch);
}

/// A watch's interval when the call names none.
const DEFAULT_INTERVAL: Duration = Duration::from_secs(30);
/// No watch waits longer than a day between refreshes.
const MAX_INTERVAL: f64 = 86_400.0;

pub(super) fn interval(seconds: Option<f64>) -> Result<Duration, ApiError> {
    match seconds {
        None => Ok(DEFAULT_INTERVAL),
        Some(s) if s.is_finite() && s > 0.0 => Ok(Duration::from_secs_f64(s.min(MAX_INTERVAL))),
        Some(_) => Err(ApiError::new(
            ErrorKind::InvalidFields,
            "intervalSeconds must be a positive number",
        )
        .with("field", "intervalSeconds")),
    }
}

async fn watch(p: IssuesWatchParams, cx: Ctx<AppState>) -> Result<IssuesWatchResult, ApiError> {
    let mut slot = Slot::reserve(&cx)?;
    let started = start_watch(p, &cx).await?;
    slot.conn = None;
    Ok(started)
}

/// A reserved watch slot, given back on drop unless the watch started.
pub(super) struct Slot<'a> {
    watches: &'a crate::service::watch::Watches,
    /// Cleared once the watch started.
    pub(super) conn: Option<u64>,
}

impl<'a> Slot<'a> {
    /// Takes one of the connection's watch slots; given back on drop (also when the call is
    /// cancelled midway) unless `conn` is cleared.
    pub(super) fn reserve(cx: &'a Ctx<AppState>) -> Result<Self, ApiError> {
        let watches = &cx.app.watches;
        watches.reserve(cx.conn.id()).map_err(|e| {
            ApiError::new(ErrorKind::LimitExceeded, e.to_string())
                .with("limit", "max_watches_per_connection")
                .with("max", e.max)
        })?;
        Ok(Slot {
            watches,
            conn: Some(cx.conn.id()),
        })
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn {
            self.watches.release(conn);
        }
    }
}

/// Starts a watch whose slot is reserved.
async fn start_watch(
    mut p: IssuesWatchParams,
    cx: &Ctx<AppState>,
) -> Result<IssuesWatchResult, ApiError> {
    let interval = interval(p.interval_seconds)?;
    let session = jira(cx, p.profile.as_deref()).await?;
    let filters = super::issues::filters(p.take_filter(), None);
    let watches = &cx.app.watches;
    let sub = watching::issues(watches, &session, filters, p.fields, interval).await?;
    watches.own(sub.id, cx.conn.id());
    let id = sub.id;
    tokio::spawn(forward(cx.clone(), session.ns.clone(), id, sub.changes));
    Ok(IssuesWatchResult {
        watch_id: id.0,
        issues: sub.initial.into_iter().map(|i| i.value).collect(),
    })
}

/// Joins (or starts) the poller of a built query (see [`watching::subscribe`]), owned by this
/// connection.
pub(super) async fn subscribe(
    cx: &Ctx<AppState>,
    session: &crate::service::session::JiraSession,
    built: &str,
    fields: Vec<String>,
    always: &[&str],
    scope: Option<ProjectScope>,
    interval: Duration,
) -> Result<crate::cache::Subscription<Value>, ApiError> {
    let watches = &cx.app.watches;
    let sub = watching::subscribe(watches, session, built, fields, always, scope, interval).await?;
    watches.own(sub.id, cx.conn.id());
    Ok(sub)
}

/// Pushes one watch's changes to its connection until it is unwatched or the connection
/// closes (which ends the watch).
async fn forward(
    cx: Ctx<AppState>,
    ns: Namespace,
    id: WatchId,
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
        let values = |v: &[crate::cache::WatchedIssue<Value>]| -> Vec<Value> {
            v.iter().map(|i| i.value.clone()).collect()
        };
        let params = IssuesDidChangeParams {
            watch_id: id.0,
            added: values(&change.added),
            changed: values(&change.changed),
            removed: values(&change.removed),
        };
        if cx.conn.notify::<IssuesDidChange>(&params).is_err() {
            break;
        }
    }
    cx.app.watches.unwatch(id, cx.conn.id());
}

/// Cached reads must not answer with what a watch just saw change.
pub(super) fn evict(cx: &Ctx<AppState>, ns: &Namespace, change: &Change<Value>) {
    for i in change
        .added
        .iter()
        .chain(&change.changed)
        .chain(&change.removed)
    {
        let issue = IssueRef::from_key(&i.key).with_id(i.id.clone());
        cx.app.cache.issue_changed(ns, &issue);
    }
}

async fn unwatch(p: IssuesUnwatchParams, cx: Ctx<AppState>) -> Result<(), ApiError> {
    if cx.app.watches.unwatch(WatchId(p.watch_id), cx.conn.id()) {
        Ok(())
    } else {
        Err(
            ApiError::new(ErrorKind::NotFound, "no such watch on this connection")
                .with("watchId", p.watch_id),
        )
    }
}
