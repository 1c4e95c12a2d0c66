//! Thin adapters from protocol types to domain calls, one file per method family. [`build_module`]
//! assembles every family into the one registry both transports serve.

pub mod auth;
pub mod cache;
pub mod error;
pub mod issues;
pub mod lifecycle;
pub mod projects;
pub mod session;
pub mod watch;
pub mod workflow;

use crate::state::AppState;
use std::sync::Arc;

pub use error::{app_error, unknown_profile, ApiError};

/// The registry of every method. Later families add one `register_all` line here.
pub fn build_module(state: Arc<AppState>) -> crate::rpc::Router {
    // Auth events become notifications; a registry built outside a runtime (unit tests) has none.
    if tokio::runtime::Handle::try_current().is_ok() {
        auth::spawn_event_forwarder(&state);
    }
    let mut module = crate::rpc::registry(state);
    lifecycle::register_all(&mut module);
    auth::register_all(&mut module);
    issues::register_all(&mut module);
    workflow::register_all(&mut module);
    projects::register_all(&mut module);
    cache::register_all(&mut module);
    module.into()
}
