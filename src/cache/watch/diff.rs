//! A watched list's last known state and the diffs that turn query answers into changes.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

/// One issue of a watched list, as the source reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WatchedIssue<V> {
    pub id: String,
    pub key: String,
    /// Jira's `updated` timestamp: a different value means the issue changed.
    pub updated: String,
    pub value: V,
}

/// What changed in a watched list since the last notification. `removed` holds the issues as
/// last seen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change<V> {
    pub added: Vec<WatchedIssue<V>>,
    pub changed: Vec<WatchedIssue<V>>,
    pub removed: Vec<WatchedIssue<V>>,
}

impl<V> Default for Change<V> {
    fn default() -> Self {
        Self {
            added: Vec::new(),
            changed: Vec::new(),
            removed: Vec::new(),
        }
    }
}

impl<V> Change<V> {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }
}

/// The list as last seen, in the source's order (new issues appended).
#[derive(Debug)]
pub(crate) struct Snapshot<V> {
    order: Vec<String>,
    by_id: HashMap<String, WatchedIssue<V>>,
}

impl<V> Default for Snapshot<V> {
    fn default() -> Self {
        Self {
            order: Vec::new(),
            by_id: HashMap::new(),
        }
    }
}

impl<V: Clone> Snapshot<V> {
    pub(crate) fn new(list: Vec<WatchedIssue<V>>) -> Self {
        let mut s = Self::default();
        for i in list {
            if !s.by_id.contains_key(&i.id) {
                s.order.push(i.id.clone());
            }
            s.by_id.insert(i.id.clone(), i);
        }
        s
    }

    /// Whether it holds an issue for which `f` holds.
    pub(crate) fn any(&self, f: impl Fn(&WatchedIssue<V>) -> bool) -> bool {
        self.by_id.values().any(f)
    }

    pub(crate) fn list(&self) -> Vec<WatchedIssue<V>> {
        self.order
            .iter()
            .filter_map(|id| self.by_id.get(id).cloned())
            .collect()
    }

    /// Applies an incremental answer: unknown issues are added, known ones with a new
    /// `updated` changed. Absence means nothing here (the query only returns recent changes).
    pub(crate) fn apply_updates(&mut self, updates: Vec<WatchedIssue<V>>) -> Change<V> {
        let mut change = Change::default();
        for issue in updates {
            match self.by_id.get_mut(&issue.id) {
                None => {
                    self.order.push(issue.id.clone());
                    self.by_id.insert(issue.id.clone(), issue.clone());
                    change.added.push(issue);
                }
                Some(old) if old.updated != issue.updated => {
                    *old = issue.clone();
                    change.changed.push(issue);
                }
                Some(_) => {}
            }
        }
        change
    }

    /// Applies an id-only pass: issues missing from `ids` are removed. Returns whether `ids`
    /// holds issues we do not know (which need a full list to be fetched).
    pub(crate) fn apply_ids(&mut self, ids: &[String]) -> (Change<V>, bool) {
        let present: HashSet<&str> = ids.iter().map(String::as_str).collect();
        let mut change = Change::default();
        let gone: Vec<String> = self
            .order
            .iter()
            .filter(|id| !present.contains(id.as_str()))
            .cloned()
            .collect();
        for id in &gone {
            if let Some(issue) = self.by_id.remove(id) {
                change.removed.push(issue);
            }
        }
        self.order.retain(|id| self.by_id.contains_key(id));
        let unknown = ids.iter().any(|id| !self.by_id.contains_key(id));
        (change, unknown)
    }

    /// Removes the issues of `ids` it holds (they left the query).
    pub(crate) fn remove_ids(&mut self, ids: &[String]) -> Change<V> {
        let mut change = Change::default();
        for id in ids {
            if let Some(issue) = self.by_id.remove(id) {
                change.removed.push(issue);
            }
        }
        if !change.removed.is_empty() {
            self.order.retain(|id| self.by_id.contains_key(id));
        }
        change
    }

    /// Replaces the whole list with a full answer, reporting every difference.
    pub(crate) fn replace(&mut self, list: Vec<WatchedIssue<V>>) -> Change<V> {
        let ids: Vec<String> = list.iter().map(|i| i.id.clone()).collect();
        let (mut change, _) = self.apply_ids(&ids);
        let updates = self.apply_updates(list.clone());
        change.added = updates.added;
        change.changed = updates.changed;
        // Adopt the source's order for the next joiner.
        *self = Self::new(list);
        change
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i(id: &str, updated: &str) -> WatchedIssue<()> {
        WatchedIssue {
            id: id.into(),
            key: format!("A-{id}"),
            updated: updated.into(),
            value: (),
        }
    }

    fn ids(issues: &[WatchedIssue<()>]) -> Vec<&str> {
        issues.iter().map(|i| i.id.as_str()).collect()
    }

    #[test]
    fn updates_add_and_change_but_never_remove() {
        let mut s = Snapshot::new(vec![i("1", "t1"), i("2", "t1")]);
        let c = s.apply_updates(vec![i("2", "t2"), i("3", "t1"), i("1", "t1")]);
        assert_eq!(ids(&c.added), ["3"]);
        assert_eq!(ids(&c.changed), ["2"]);
        assert!(c.removed.is_empty());
        assert!(s.apply_updates(vec![i("2", "t2")]).is_empty());
        assert_eq!(ids(&s.list()), ["1", "2", "3"]);
    }

    #[test]
    fn ids_remove_missing_and_flag_unknown() {
        let mut s = Snapshot::new(vec![i("1", "t"), i("2", "t")]);
        let (c, unknown) = s.apply_ids(&["2".into()]);
        assert_eq!(ids(&c.removed), ["1"]);
        assert!(!unknown);
        let (c, unknown) = s.apply_ids(&["2".into(), "9".into()]);
        assert!(c.is_empty());
        assert!(unknown);
    }

    #[test]
    fn removing_ids_takes_out_only_those_held() {
        let mut s = Snapshot::new(vec![i("1", "t"), i("2", "t"), i("3", "t")]);
        let c = s.remove_ids(&["2".into(), "9".into()]);
        assert_eq!(ids(&c.removed), ["2"]);
        assert!(c.added.is_empty() && c.changed.is_empty());
        assert_eq!(ids(&s.list()), ["1", "3"]);
        assert!(s.remove_ids(&["2".into()]).is_empty());
    }

    #[test]
    fn replace_reports_everything() {
        let mut s = Snapshot::new(vec![i("1", "t"), i("2", "t")]);
        let c = s.replace(vec![i("3", "t"), i("2", "u")]);
        assert_eq!(ids(&c.added), ["3"]);
        assert_eq!(ids(&c.changed), ["2"]);
        assert_eq!(ids(&c.removed), ["1"]);
        assert_eq!(ids(&s.list()), ["3", "2"]);
    }
}
