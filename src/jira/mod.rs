//! Jira domain layer: the typed REST client for Cloud (v3) and Data Center (v2), the HTTP retry and
//! rate-limit policy, JQL building, and Markdown ↔ ADF / wiki conversion. Knows nothing of JSON-RPC.
//!
//! Typical use by the api layer: one [`HttpPool`] for the daemon; per profile a [`Site`] and an
//! [`Authorizer`] from auth; then `JiraClient::new(pool.for_site(&site.api_base)?, site, auth)`.

pub mod adf;
mod agile;
pub mod attachments;
pub mod budget;
mod client;
mod error;
pub mod http;
pub mod jql;
mod jql_validate;
mod links;
pub mod meta;
pub mod normalize;
pub mod offload;
mod ratelimit;
mod read;
mod search;
mod site;
pub mod validate;
mod versions;
mod watchers;
pub mod wiki;
pub mod worklogs;
mod write;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod testserver;

pub use agile::{AgilePage, AgileRefusal, MoveTarget, RankAnchor, AGILE_MAX};
pub use client::{Created, EditOptions, JiraClient};
pub use error::{AuthNeeded, JiraError, JiraMessages};
pub use http::{Http, HttpPolicy, HttpPool};
pub use jql::Filters;
pub use normalize::{
    markdown_of, normalize, normalize_comment, Comment, DescriptionFormat, Issue, DEFAULT_FIELDS,
};
pub use read::{IssueList, ListOptions, DEFAULT_CAP};
pub use search::{SearchPage, SearchRequest};
pub use site::{Authorizer, Flavor, Site, StaticAuthorizer};
pub use validate::FieldMeta;
pub use write::{IssueUpdate, NewIssue, RichText, BULK_MAX};
