//! The daemon's work under the handlers, with no JSON-RPC in it: one file per method family
//! (named like its handler file in `api/`) with its Jira calls, cache use and mapping to protocol
//! types; and the shared state, which profile a call acts as and its Jira session, and reads
//! through the shared cache. Handlers in `api/` decode params, call one function here and shape
//! the reply.

pub mod attachments;
pub mod boards;
pub mod cached;
pub mod error;
pub mod issues;
pub mod jql;
pub mod links;
pub mod live;
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
