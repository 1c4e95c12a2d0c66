//! Jira domain layer: the typed REST client for Cloud (v3) and Data Center (v2), the HTTP retry and
//! rate-limit policy, JQL building, and Markdown ↔ ADF / wiki conversion. Knows nothing of JSON-RPC.

mod error;
pub mod jql;
mod site;

pub use error::{JiraError, JiraMessages};
pub use site::{Authorizer, Flavor, Site, StaticAuthorizer};
pub mod adf;
pub mod http;
mod ratelimit;
#[cfg(test)]
mod testserver;
