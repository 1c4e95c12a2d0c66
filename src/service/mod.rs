//! The daemon's work under the handlers, with no JSON-RPC in it: the shared state, which profile
//! a call acts as and its Jira session, the issue read policy over the shared cache, and watched
//! lists. Handlers in `api/` decode params, call one function here and shape the reply.

pub mod attachments;
pub mod boards;
pub mod cached;
pub mod error;
pub mod issues;
pub mod jql;
pub mod links;
pub mod projects;
pub mod session;
pub mod sprints;
pub mod state;
pub mod versions;
pub mod watch;
pub mod watchers;
pub mod workflow;
pub mod worklogs;

pub use error::ApiError;
pub use session::{Caller, JiraSession};
pub use state::AppState;
