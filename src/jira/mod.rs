//! Jira domain layer: the typed REST client for Cloud (v3) and Data Center (v2), the HTTP retry and
//! rate-limit policy, JQL building, and Markdown ↔ ADF / wiki conversion. Knows nothing of JSON-RPC.

mod error;
pub mod jql;
mod site;

pub use error::{JiraError, JiraMessages};
pub use site::{Authorizer, Flavor, Site, StaticAuthorizer};
pub mod adf;
mod client;
pub mod http;
pub mod normalize;
mod ratelimit;
mod search;
#[cfg(test)]
mod testserver;
pub mod wiki;

pub use client::{Created, EditOptions, JiraClient};
pub use http::{Http, HttpPolicy};
pub use normalize::{normalize, DescriptionFormat, Issue};
pub use search::{SearchPage, SearchRequest};
mod issues;
mod meta;
pub mod validate;

pub use issues::{IssueUpdate, NewIssue, RichText};
pub use validate::FieldMeta;
