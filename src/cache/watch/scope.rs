//! The change detector of one scope (a namespace's set of projects): one cheap query a tick,
//! "which of the scope's issues were updated since the last sync", for every watched query within
//! it. When nothing changed, that is the tick's only request however many queries are watched;
//! when issues changed, each query is asked about those issues only, to tell which entered,
//! changed or left it. Issues deleted or moved out of the scope show at each poller's id pass.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime};

use tokio::task::AbortHandle;

use super::poll::apply;
use super::since::jql_since;
use super::{Pacer, Poller, Ready, Registry, WatchKey, WatchSource, WatchTiming, MAX_KEYS};
use crate::cache::key::Namespace;
use crate::cache::lock;

type PollerOf<S> = Poller<<S as WatchSource>::Value, <S as WatchSource>::Error>;

/// What makes two pollers share a detector: the namespace and the normalized scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct GroupKey {
    pub(crate) ns: Namespace,
    pub(crate) scope: String,
}

/// One poller served by a detector.
pub(crate) struct Member<S: WatchSource> {
    key: WatchKey,
    poller: Arc<PollerOf<S>>,
    source: Arc<S>,
    interval: Duration,
    /// Not yet served since its list loaded: it is told every recent change of the scope, not
    /// only those new to the detector, since its list may predate them.
    fresh: Arc<AtomicBool>,
}

impl<S: WatchSource> Clone for Member<S> {
    fn clone(&self) -> Self {
        Self {
            key: self.key.clone(),
            poller: Arc::clone(&self.poller),
            source: Arc::clone(&self.source),
            interval: self.interval,
            fresh: Arc::clone(&self.fresh),
        }
    }
}

impl<S: WatchSource> Member<S> {
    pub(crate) fn new(
        key: WatchKey,
        poller: Arc<PollerOf<S>>,
        source: Arc<S>,
        interval: Duration,
    ) -> Self {
        Self {
            key,
            poller,
            source,
            interval,
            fresh: Arc::new(AtomicBool::new(true)),
        }
    }
}

pub(crate) struct Group<S: WatchSource> {
    pub(crate) members: Vec<Member<S>>,
    task: AbortHandle,
}

impl<S: WatchSource> Group<S> {
    pub(crate) fn new(first: Member<S>, task: AbortHandle) -> Self {
        Self {
            members: vec![first],
            task,
        }
    }

    pub(crate) fn stop(&self) {
        self.task.abort();
    }
}

impl<S: WatchSource> Registry<S> {
    /// The group's pollers still running; forgets the group (and the detector stops) when none is.
    fn live_members(&self, group: &GroupKey) -> Option<Vec<Member<S>>> {
        let mut maps = lock(&self.maps);
        let super::Maps {
            pollers, groups, ..
        } = &mut *maps;
        let g = groups.get_mut(group)?;
        g.members.retain(|m| {
            pollers
                .get(&m.key)
                .is_some_and(|p| Arc::ptr_eq(p, &m.poller))
        });
        if g.members.is_empty() {
            groups.remove(group);
            return None;
        }
        Some(g.members.clone())
    }
}

pub(crate) async fn run_detector<S: WatchSource>(
    registry: Weak<Registry<S>>,
    group: GroupKey,
    pacer: Arc<Pacer>,
    timing: WatchTiming,
) {
    // Before the first member's list is read, so the first `since` covers what it may miss.
    let mut last_sync = SystemTime::now();
    // `updated` of each recently changed issue, as already told to the members: an issue
    // returned again (the skew makes consecutive windows overlap) costs them nothing.
    let mut told: HashMap<String, String> = HashMap::new();
    let mut failures: u32 = 0;
    loop {
        // The most eager member sets the pace.
        let Some(interval) = registry
            .upgrade()
            .and_then(|r| r.live_members(&group))
            .and_then(|ms| ms.iter().map(|m| m.interval).min())
        else {
            return;
        };
        let backoff = 1u32 << failures.min(16);
        tokio::time::sleep(interval * backoff.min(timing.max_backoff.max(1))).await;
        let Some(members) = registry.upgrade().and_then(|r| r.live_members(&group)) else {
            return;
        };
        pacer.turn().await;
        let started = SystemTime::now();
        match detect(&members, &pacer, &mut told, last_sync, timing).await {
            Ok(()) => {
                failures = 0;
                last_sync = started;
            }
            // Nothing is marked told: the next tick asks again.
            Err(e) => {
                failures = failures.saturating_add(1);
                tracing::warn!(error = %e, failures, "watched scope refresh failed");
            }
        }
    }
}

/// One tick: the scope's changes since the last sync, then each member asked about those it
/// has not been told of.
async fn detect<S: WatchSource>(
    members: &[Member<S>],
    pacer: &Pacer,
    told: &mut HashMap<String, String>,
    last_sync: SystemTime,
    timing: WatchTiming,
) -> Result<(), S::Error> {
    let Some(first) = members.first() else {
        return Ok(());
    };
    let scope_source = &first.source;
    let since = jql_since(last_sync, timing.skew, scope_source.utc_offset_minutes());
    let stamps = scope_source.scope_changed_since(&since).await?;
    let new: HashSet<&str> = stamps
        .iter()
        .filter(|s| told.get(&s.id) != Some(&s.updated))
        .map(|s| s.id.as_str())
        .collect();
    let mut error = None;
    for m in members {
        if !matches!(*m.poller.ready.borrow(), Ready::Ok) {
            // Its list is still loading; it is served as fresh at the next tick.
            continue;
        }
        let fresh = m.fresh.load(Ordering::Relaxed);
        let asked: Vec<(&str, &str)> = stamps
            .iter()
            .filter(|s| fresh || new.contains(s.id.as_str()))
            .map(|s| (s.id.as_str(), s.key.as_str()))
            .collect();
        match reevaluate(m, pacer, &asked).await {
            Ok(()) => m.fresh.store(false, Ordering::Relaxed),
            Err(e) => error = Some(e),
        }
    }
    if let Some(e) = error {
        return Err(e);
    }
    *told = stamps.into_iter().map(|s| (s.id, s.updated)).collect();
    Ok(())
}

/// Asks one member's query which of `asked` (id, key) it returns now, in batches: those returned
/// are added or changed, the others leave it.
async fn reevaluate<S: WatchSource>(
    m: &Member<S>,
    pacer: &Pacer,
    asked: &[(&str, &str)],
) -> Result<(), S::Error> {
    let mut updates = Vec::new();
    for batch in asked.chunks(MAX_KEYS) {
        pacer.turn().await;
        let keys: Vec<String> = batch.iter().map(|(_, k)| (*k).to_owned()).collect();
        updates.extend(m.source.changed_among(&keys).await?);
    }
    let returned: HashSet<&str> = updates.iter().map(|i| i.id.as_str()).collect();
    let left: Vec<String> = asked
        .iter()
        .filter(|(id, _)| !returned.contains(id))
        .map(|(id, _)| (*id).to_owned())
        .collect();
    apply(&m.poller, |s| {
        let mut change = s.apply_updates(updates);
        change.removed = s.remove_ids(&left).removed;
        change
    });
    Ok(())
}
