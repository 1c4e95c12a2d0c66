//! The poller task of one watched query: initial list, then incremental queries each tick
//! (unless its scope's change detector reads the changes for it) and an id-only pass every few
//! ticks; changes go to every subscriber.

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime};

use tokio::sync::watch;

use super::diff::{Change, Snapshot};
use super::since::jql_since;
use super::{Poller, Ready, Registry, Sender, WatchId, WatchKey, WatchSource, WatchTiming};
use crate::cache::lock;

type PollerOf<S> = Poller<<S as WatchSource>::Value, <S as WatchSource>::Error>;

pub(crate) async fn run_poller<S: WatchSource>(
    registry: Weak<Registry<S>>,
    key: WatchKey,
    poller: Arc<PollerOf<S>>,
    source: Arc<S>,
    interval: Duration,
    timing: WatchTiming,
    ready: watch::Sender<Ready<S::Error>>,
) {
    let mut last_sync = SystemTime::now();
    match source.list().await {
        Ok(list) => {
            lock(&poller.state).snapshot = Snapshot::new(list);
            ready.send_replace(Ready::Ok);
        }
        Err(e) => {
            tracing::warn!(error = %e, "watched list failed to load");
            if let Some(reg) = registry.upgrade() {
                reg.remove_poller(&key, &poller);
            }
            ready.send_replace(Ready::Failed(Arc::new(e)));
            return;
        }
    }
    // Its scope's change detector finds the changes: this task only runs the id-only passes.
    let detected = source.scope().is_some();
    let every = u64::from(timing.id_pass_every.max(1));
    let mut tick: u64 = 0;
    let mut failures: u32 = 0;
    loop {
        // Doubling per consecutive failure eases off a Jira that is down or rate-limiting.
        let backoff = 1u32 << failures.min(16);
        tokio::time::sleep(interval * backoff.min(timing.max_backoff.max(1))).await;
        match registry.upgrade() {
            Some(reg) if reg.prune(&key, &poller) => {}
            _ => return,
        }
        tick += 1;
        let id_tick = tick % every == 0;
        if detected && !id_tick && !strays(&*source, &poller) {
            continue;
        }
        poller.pacer.turn().await;
        let started = SystemTime::now();
        let result = if id_tick {
            id_pass(&*source, &poller).await
        } else {
            let since = jql_since(last_sync, timing.skew, source.utc_offset_minutes());
            incremental(&*source, &poller, &since).await
        };
        match result {
            Ok(synced) => {
                failures = 0;
                if synced {
                    last_sync = started;
                }
            }
            // Jira may be down or rate-limiting: a later tick tries again.
            Err(e) => {
                failures = failures.saturating_add(1);
                tracing::warn!(error = %e, failures, "watched list refresh failed");
            }
        }
    }
}

/// One incremental tick: the issues of the query updated since `since` are added or changed.
async fn incremental<S: WatchSource>(
    source: &S,
    poller: &Arc<PollerOf<S>>,
    since: &str,
) -> Result<bool, S::Error> {
    let updates = source.changed_since(since).await?;
    apply(poller, |s| s.apply_updates(updates));
    Ok(true)
}

/// Whether the list holds issues beyond its scope, which its detector does not see change.
fn strays<S: WatchSource>(source: &S, poller: &PollerOf<S>) -> bool {
    lock(&poller.state)
        .snapshot
        .any(|i| !source.in_scope(&i.key))
}

/// Ids only; a full list only when issues we never saw appeared. Returns whether the
/// snapshot is now fully synced (a full list was read).
async fn id_pass<S: WatchSource>(source: &S, poller: &Arc<PollerOf<S>>) -> Result<bool, S::Error> {
    let ids = source.ids().await?;
    let unknown = {
        let mut st = lock(&poller.state);
        let (change, unknown) = st.snapshot.apply_ids(&ids);
        broadcast(&st.subscribers, change);
        unknown
    };
    if !unknown {
        return Ok(false);
    }
    poller.pacer.turn().await;
    let list = source.list().await?;
    apply(poller, |s| s.replace(list));
    Ok(true)
}

/// Applies an answer to the snapshot and sends the change, both under the poller's lock, so
/// a subscriber joining meanwhile sees either the old list and the change, or the new list.
pub(crate) fn apply<V: Clone, E>(
    poller: &Poller<V, E>,
    f: impl FnOnce(&mut Snapshot<V>) -> Change<V>,
) {
    let mut st = lock(&poller.state);
    let change = f(&mut st.snapshot);
    broadcast(&st.subscribers, change);
}

fn broadcast<V>(subscribers: &HashMap<WatchId, Option<Sender<V>>>, change: Change<V>) {
    if change.is_empty() {
        return;
    }
    let change = Arc::new(change);
    // A closed receiver is pruned at the next tick.
    for tx in subscribers.values().flatten() {
        let _ = tx.send(Arc::clone(&change));
    }
}
