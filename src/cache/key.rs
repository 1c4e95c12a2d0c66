//! Cache keys: the namespace (profile + site), the three kinds of entry, field sets and
//! normalized list queries.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use serde::Serialize;

use crate::cache::jql_scope::ProjectScope;

/// One profile on one site: entries never cross namespaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Namespace {
    pub profile: String,
    pub site: String,
}

impl Namespace {
    pub fn new(profile: impl Into<String>, site: impl Into<String>) -> Self {
        Self {
            profile: profile.into(),
            site: site.into(),
        }
    }
}

/// The kinds of entry, each with its own lifetime and statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Kind {
    Issue,
    List,
    Meta,
}

/// The fields an issue was (or is to be) fetched with.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FieldSet {
    /// Every field (`*all`, or no `fields` parameter on a single-issue GET).
    All,
    /// Exactly these tokens, as Jira takes them (`summary`, `*navigable`, `-comment`, ...).
    /// Shared, so a set built once (the defaults) costs no copy per read.
    Only(Arc<BTreeSet<String>>),
}

impl FieldSet {
    /// From the request's `fields` list; empty means Jira's default for a GET, i.e. all.
    pub fn from_request<S: AsRef<str>>(fields: &[S]) -> Self {
        let tokens: BTreeSet<String> = fields
            .iter()
            .map(|f| f.as_ref().trim())
            .filter(|f| !f.is_empty())
            .map(str::to_owned)
            .collect();
        // `*all` with exclusions (`-comment`) is not all: keep such sets as opaque tokens.
        let only_all = tokens.iter().all(|t| t == "*all");
        if tokens.is_empty() || only_all {
            FieldSet::All
        } else {
            FieldSet::Only(Arc::new(tokens))
        }
    }

    /// Whether an entry fetched with `self` can answer a request for `wanted`.
    pub fn covers(&self, wanted: &FieldSet) -> bool {
        match (self, wanted) {
            (FieldSet::All, _) => true,
            (FieldSet::Only(_), FieldSet::All) => false,
            // The same set (the defaults, built once) needs no comparing.
            (FieldSet::Only(have), FieldSet::Only(want)) => {
                Arc::ptr_eq(have, want) || want.is_subset(have)
            }
        }
    }

    fn write_canonical(&self, out: &mut String) {
        match self {
            FieldSet::All => out.push_str("*all"),
            FieldSet::Only(tokens) => {
                let mut first = true;
                for t in tokens.iter() {
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    out.push_str(t);
                }
            }
        }
    }
}

/// A normalized list query: the same search always maps to the same key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ListKey {
    query: String,
    scope: ProjectScope,
}

impl ListKey {
    /// `extra` carries any other parameter that changes the answer (expand, ordering, ...).
    pub fn new(
        jql: &str,
        fields: &FieldSet,
        page_token: Option<&str>,
        limit: Option<u32>,
        extra: &str,
    ) -> Self {
        let mut query = normalize_jql(jql);
        // Unit separators cannot occur in JQL or field names, so the parts stay distinct.
        query.push('\u{1f}');
        fields.write_canonical(&mut query);
        query.push('\u{1f}');
        query.push_str(page_token.unwrap_or(""));
        query.push('\u{1f}');
        if let Some(limit) = limit {
            let _ = write!(query, "{limit}");
        }
        query.push('\u{1f}');
        query.push_str(extra);
        Self {
            query,
            scope: ProjectScope::from_jql(jql),
        }
    }

    /// Overrides the scope read from the JQL (when the caller knows better).
    pub fn with_scope(mut self, scope: ProjectScope) -> Self {
        self.scope = scope;
        self
    }

    pub fn scope(&self) -> &ProjectScope {
        &self.scope
    }

    pub fn as_str(&self) -> &str {
        &self.query
    }
}

/// Metadata entries, which live for `meta_ttl`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MetaKey {
    /// The issue types a project can create (createmeta).
    CreateMeta {
        project: String,
    },
    /// The create-screen fields of a project's issue type (createmeta).
    CreateFields {
        project: String,
        issue_type: String,
    },
    /// The site's field catalogue (`/field`).
    Fields,
    Projects,
    /// Transitions depend on the issue's status, so writes to the issue evict them.
    Transitions {
        issue: String,
    },
    /// Something read about one issue beside its fields (its links, worklogs, changelog): it
    /// lives as long as issues do (`issue_ttl`), and writes to the issue evict it.
    IssuePart {
        issue: String,
        part: String,
    },
    Other(String),
}

/// What a read asks for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CacheKey {
    /// An issue by key (or id) with the fields wanted.
    Issue {
        key: String,
        fields: FieldSet,
    },
    List(ListKey),
    Meta(MetaKey),
}

impl CacheKey {
    pub fn issue(key: &str, fields: FieldSet) -> Self {
        // Keys are ASCII in practice, and the ASCII mapping skips Unicode's tables.
        let key = if key.is_ascii() {
            key.to_ascii_uppercase()
        } else {
            key.to_uppercase()
        };
        CacheKey::Issue { key, fields }
    }

    /// A search page; the project scope is read from the JQL.
    pub fn list(
        jql: &str,
        fields: &FieldSet,
        page_token: Option<&str>,
        limit: Option<u32>,
    ) -> Self {
        CacheKey::List(ListKey::new(jql, fields, page_token, limit, ""))
    }

    pub fn kind(&self) -> Kind {
        match self {
            CacheKey::Issue { .. } => Kind::Issue,
            CacheKey::List(_) => Kind::List,
            CacheKey::Meta(MetaKey::IssuePart { .. }) => Kind::Issue,
            CacheKey::Meta(_) => Kind::Meta,
        }
    }

    /// The stored entry's key: issues are stored once whatever fields were asked.
    pub(crate) fn entry_key(&self) -> EntryKey {
        match self.entry_ref() {
            EntryRef::Issue(key) => EntryKey::Issue(key.to_owned()),
            EntryRef::List(l) => EntryKey::List(l.clone()),
            EntryRef::Meta(m) => EntryKey::Meta(m.clone()),
        }
    }

    /// The stored entry's key, borrowed: what a lookup hashes, so a read builds no key.
    pub(crate) fn entry_ref(&self) -> EntryRef<'_> {
        match self {
            CacheKey::Issue { key, .. } => EntryRef::Issue(key), // upper-cased by `issue`
            CacheKey::List(l) => EntryRef::List(l),
            CacheKey::Meta(m) => EntryRef::Meta(m),
        }
    }

    pub(crate) fn wanted_fields(&self) -> Option<&FieldSet> {
        match self {
            CacheKey::Issue { fields, .. } => Some(fields),
            _ => None,
        }
    }
}

/// The key of a stored entry within a namespace. It hashes as its [`EntryRef`], which finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EntryKey {
    Issue(String),
    List(ListKey),
    Meta(MetaKey),
}

/// An [`EntryKey`] borrowed from a [`CacheKey`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum EntryRef<'a> {
    Issue(&'a str),
    List(&'a ListKey),
    Meta(&'a MetaKey),
}

impl Hash for EntryKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.borrowed().hash(state);
    }
}

impl hashbrown::Equivalent<Arc<EntryKey>> for EntryRef<'_> {
    fn equivalent(&self, key: &Arc<EntryKey>) -> bool {
        *self == EntryKey::borrowed(key)
    }
}

impl EntryKey {
    pub(crate) fn borrowed(&self) -> EntryRef<'_> {
        match self {
            EntryKey::Issue(key) => EntryRef::Issue(key),
            EntryKey::List(l) => EntryRef::List(l),
            EntryKey::Meta(m) => EntryRef::Meta(m),
        }
    }

    pub(crate) fn kind(&self) -> Kind {
        match self {
            EntryKey::Issue(_) => Kind::Issue,
            EntryKey::List(_) => Kind::List,
            EntryKey::Meta(MetaKey::IssuePart { .. }) => Kind::Issue,
            EntryKey::Meta(_) => Kind::Meta,
        }
    }
}

/// Collapses whitespace outside quoted strings so cosmetic differences share an entry.
pub fn normalize_jql(jql: &str) -> String {
    let mut out = String::with_capacity(jql.len());
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut pending_space = false;
    for c in jql.trim().chars() {
        if let Some(q) = quote {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        if c == '"' || c == '\'' {
            quote = Some(c);
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(f: &[&str]) -> FieldSet {
        FieldSet::from_request(f)
    }

    #[test]
    fn subset_is_covered_superset_is_not() {
        let have = set(&["summary", "status"]);
        assert!(have.covers(&set(&["summary"])));
        assert!(have.covers(&set(&["status", "summary"])));
        assert!(!have.covers(&set(&["summary", "assignee"])));
        assert!(!have.covers(&FieldSet::All));
        assert!(FieldSet::All.covers(&set(&["anything"])));
        assert_eq!(set(&[]), FieldSet::All);
        assert_eq!(set(&["*all"]), FieldSet::All);
        assert_ne!(set(&["*all", "-comment"]), FieldSet::All);
    }

    #[test]
    fn jql_whitespace_is_normalized_outside_quotes() {
        assert_eq!(
            normalize_jql("  project  =\tA   AND summary ~ \"a  b\" "),
            "project = A AND summary ~ \"a  b\""
        );
        let a = ListKey::new("project = A", &set(&["summary"]), None, Some(50), "");
        let b = ListKey::new(" project  = A ", &set(&["summary"]), None, Some(50), "");
        assert_eq!(a, b);
        let c = ListKey::new("project = A", &set(&["summary"]), Some("t"), Some(50), "");
        assert_ne!(a, c);
    }
}
