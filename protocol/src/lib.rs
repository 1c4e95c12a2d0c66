//! The jirad JSON-RPC contract: one marker type per method (as lsp-types does), the notification
//! types, the application error kinds, and the OpenRPC document generated from them.
//!
//! No tokio, no I/O: clients in any language can be generated from `openrpc.json`.

pub mod agile;
pub mod attachments;
pub mod auth;
pub mod boards;
pub mod cache;
pub mod error;
pub mod issues;
pub mod jql;
pub mod lifecycle;
pub mod links;
pub mod live;
pub mod openrpc;
pub mod projects;
pub mod sprints;
pub mod versions;
pub mod watch;
pub mod watchers;
pub mod workflow;
pub mod worklogs;

pub use error::ErrorKind;

use schemars::JsonSchema;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

/// A client → server call that gets a reply.
pub trait Request {
    /// The wire name, `namespace/camelCase`.
    const METHOD: &'static str;
    /// Params, always by name (a JSON object); use [`NoParams`] for none.
    type Params: DeserializeOwned + Serialize + JsonSchema + Send + 'static;
    /// The `result` of a successful reply.
    type Result: DeserializeOwned + Serialize + JsonSchema + Send + 'static;
    /// What the call does to the world, declared here once: the OpenRPC document carries it
    /// (`x-annotations`) and the MCP tools' annotations and allow lists come from it.
    const ANNOTATIONS: Annotations;
}

/// How a method acts, in the terms of MCP's tool annotations plus two of jirad's own. Hosts use
/// the hints to auto-approve reads and to confirm writes; they are hints, so the MCP face also
/// enforces `read_only`, `irreversible` and `admin` itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Annotations {
    /// A short human name ("Delete issue").
    pub title: &'static str,
    /// Changes nothing, in Jira or in the daemon's account state.
    pub read_only: bool,
    /// May overwrite or delete (false: only adds). Meaningful for writes only.
    pub destructive: bool,
    /// Repeating the same call has no further effect. Meaningful for writes only.
    pub idempotent: bool,
    /// Reaches Jira (an open set of people and data), not only the daemon's own state.
    pub open_world: bool,
    /// Cannot be undone: agent faces ask the user before running it.
    pub irreversible: bool,
    /// Administers accounts or the cache (login, logout, site choice, clearing): agent faces
    /// offer it only when enabled.
    pub admin: bool,
}

impl Annotations {
    /// A read of Jira.
    pub const fn read(title: &'static str) -> Self {
        Annotations {
            title,
            read_only: true,
            destructive: false,
            idempotent: true,
            open_world: true,
            irreversible: false,
            admin: false,
        }
    }

    /// A write that only adds (a new issue, a comment).
    pub const fn write(title: &'static str) -> Self {
        Annotations {
            read_only: false,
            idempotent: false,
            ..Self::read(title)
        }
    }

    /// A write that may overwrite or delete.
    pub const fn destructive(self) -> Self {
        Annotations {
            destructive: true,
            ..self
        }
    }

    /// Repeating it changes nothing more.
    pub const fn idempotent(self) -> Self {
        Annotations {
            idempotent: true,
            ..self
        }
    }

    /// Cannot be undone (implies destructive).
    pub const fn irreversible(self) -> Self {
        Annotations {
            irreversible: true,
            destructive: true,
            ..self
        }
    }

    /// Account or cache administration.
    pub const fn admin(self) -> Self {
        Annotations {
            admin: true,
            ..self
        }
    }

    /// Acts on the daemon's own state only, never Jira.
    pub const fn local(self) -> Self {
        Annotations {
            open_world: false,
            ..self
        }
    }
}

/// A one-way message (no reply), in either direction.
pub trait Notification {
    /// The wire name.
    const METHOD: &'static str;
    /// Params, always by name.
    type Params: DeserializeOwned + Serialize + JsonSchema + Send + 'static;
}

/// Range checks of numeric params, done while decoding so that a value out of range is a
/// `-32602` naming the param like any other misfit (`invalid value: integer `0`, expected a page
/// size from 1 to 1000`).
pub mod bounded {
    use serde::de::{Error, Unexpected};
    use serde::{Deserialize, Deserializer};

    /// The largest page any paged method serves.
    pub const MAX_PAGE: u32 = 1000;

    /// `limit`: a page size, 1 to [`MAX_PAGE`].
    pub fn page_size<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
        within(d, 1, MAX_PAGE, "a page size from 1 to 1000")
    }

    /// A count of at least 1.
    pub fn positive<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
        within(d, 1, u32::MAX, "a number of at least 1")
    }

    fn within<'de, D: Deserializer<'de>>(
        d: D,
        min: u32,
        max: u32,
        expected: &'static str,
    ) -> Result<Option<u32>, D::Error> {
        match Option::<u64>::deserialize(d)? {
            None => Ok(None),
            Some(v) if v >= u64::from(min) && v <= u64::from(max) => Ok(u32::try_from(v).ok()),
            Some(v) => Err(D::Error::invalid_value(Unexpected::Unsigned(v), &expected)),
        }
    }
}

/// For a field where `null` means something (unassign, make public): `null` → `Some(None)`,
/// absent → `None` (with `#[serde(default)]`).
pub(crate) fn some_null<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Params of a method that takes none. Absent, `null`, `{}` and `[]` all decode to it; any field is
/// an error (`-32602`), so a typo never passes silently.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}
