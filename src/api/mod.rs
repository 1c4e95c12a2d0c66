//! The handlers: thin adapters from protocol types to the service layer, one file per method
//! family. [`build_module`] assembles every family into the one registry both transports serve.

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
mod prepared;
pub mod projects;
pub mod sprints;
pub mod versions;
pub mod watch;
pub mod watchers;
pub mod workflow;
pub mod worklogs;

use crate::rpc::Ctx;
use crate::service::{session, AppState, Caller, JiraSession};
use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

pub use error::{app_error, unknown_profile, ApiError};

/// The Jira session a call acts in: its `profile` param, else its connection's (this is where
/// `authRequired` comes from).
pub async fn jira(cx: &Ctx<AppState>, profile: Option<&str>) -> Result<Arc<JiraSession>, ApiError> {
    let connection = cx.conn.profile();
    let caller = Caller {
        profile,
        connection_profile: connection.as_deref(),
        wait_for_authorization: wait_timeout(cx),
    };
    cx.app.session(caller).await
}

/// The profile a call acts as, as [`jira`] chooses it.
pub fn profile_name<'a>(
    cx: &'a Ctx<AppState>,
    profile: Option<&'a str>,
) -> Result<Cow<'a, str>, ApiError> {
    if let (None, Some(own)) = (profile, cx.conn.profile()) {
        return Ok(Cow::Owned(own));
    }
    let caller = Caller {
        profile,
        ..Caller::default()
    };
    session::profile_name(&cx.app.config, caller)
}

/// How long a held call waits for consent when the client names no `waitTimeoutMs`: as long as
/// the login link lives.
const DEFAULT_WAIT: Duration = Duration::from_secs(600);

/// `Some(timeout)` when the connection declared `capabilities.auth.waitForAuthorization = true`
/// (`capabilities.auth.waitTimeoutMs` shortens the wait).
fn wait_timeout(cx: &Ctx<AppState>) -> Option<Duration> {
    let session = cx.conn.session();
    let auth = session.capabilities.as_ref()?.get("auth")?;
    if auth.get("waitForAuthorization")?.as_bool() != Some(true) {
        return None;
    }
    let ms = auth
        .get("waitTimeoutMs")
        .and_then(serde_json::Value::as_u64);
    Some(
        ms.map_or(DEFAULT_WAIT, Duration::from_millis)
            .min(DEFAULT_WAIT),
    )
}

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
    links::register_all(&mut module);
    watchers::register_all(&mut module);
    worklogs::register_all(&mut module);
    versions::register_all(&mut module);
    attachments::register_all(&mut module);
    jql::register_all(&mut module);
    projects::register_all(&mut module);
    boards::register_all(&mut module);
    sprints::register_all(&mut module);
    cache::register_all(&mut module);
    watch::register_all(&mut module);
    live::register_all(&mut module);
    module.into()
}
