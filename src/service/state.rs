//! `AppState`: daemon-wide state shared by every handler through `Arc`: the config, the
//! connections, the auth manager, the one HTTP pool toward Jira and the shared cache.

use super::cached::SharedCache;
use super::session::{Caller, JiraSession, Sessions};
use super::ApiError;
use crate::auth::{AuthError, AuthManager, AuthOptions, SystemAppConfig};
use crate::cache::Cache;
use crate::config::Config;
use crate::jira::{HttpPolicy, HttpPool};
use crate::rpc::Hub;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// Daemon-wide state; handlers see it as `cx.app`.
pub struct AppState {
    /// The loaded configuration.
    pub config: Config,
    /// All connections: counts, broadcasts, the stop signal.
    pub hub: Hub,
    /// When the daemon started (for `daemon/status`).
    pub started: Instant,
    /// The socket served (for `daemon/status`); none in `--stdio` mode.
    pub socket_path: Option<String>,
    /// Every profile's credentials and authorization state.
    pub auth: AuthManager,
    /// One HTTP policy (retries, rate-limit pauses, concurrency cap) per Jira site.
    pub http: HttpPool,
    /// Issues, lists and metadata, shared by every client.
    pub cache: SharedCache,
    /// Each profile's Jira session.
    pub sessions: Sessions,
    /// Watched lists, their shared pollers and owning connections.
    pub watches: super::watch::Watches,
}

impl AppState {
    /// State for a daemon about to serve. Fails on a profile the auth layer rejects.
    pub fn new(config: Config, hub: Hub, socket_path: Option<PathBuf>) -> Result<Self, AuthError> {
        Self::with_auth_options(config, hub, socket_path, AuthOptions::default())
    }

    /// Like [`AppState::new`], with explicit auth options (token directory, timings).
    pub fn with_auth_options(
        config: Config,
        hub: Hub,
        socket_path: Option<PathBuf>,
        auth_options: AuthOptions,
    ) -> Result<Self, AuthError> {
        let auth_options = AuthOptions {
            callback: crate::auth::callback::CallbackLimits {
                max_connections: config.limits.callback_connections,
                header_timeout: std::time::Duration::from_millis(
                    config.limits.callback_header_timeout_ms,
                ),
            },
            ..auth_options
        };
        let system = SystemAppConfig::load()?;
        let deadline = std::time::Duration::from_millis(config.jira.call_deadline_ms);
        let auth_options = AuthOptions {
            refresh_deadline: deadline,
            ..auth_options
        };
        let auth = AuthManager::new(&config.profiles, system.as_ref(), auth_options)?;
        let defaults = HttpPolicy::default();
        let http = HttpPool::new(HttpPolicy {
            base_delay: std::time::Duration::from_millis(config.jira.retry_base_ms),
            call_deadline: deadline,
            connect_timeout: defaults.connect_timeout.min(deadline),
            max_response_bytes: config.jira.max_response_bytes,
            ..defaults
        });
        let cache = Cache::new(config.cache.clone());
        let limits = &config.limits;
        let watches = super::watch::Watches::new(
            config.cache.watch_timing(
                limits.watch_requests_per_second,
                limits.max_watched_queries_per_profile,
            ),
            limits.max_watches_per_connection,
        );
        Ok(AppState {
            config,
            hub,
            started: Instant::now(),
            socket_path: socket_path.map(|p| p.display().to_string()),
            auth,
            http,
            cache,
            sessions: Sessions::default(),
            watches,
        })
    }
}

impl AppState {
    /// The Jira session a call acts in (this is where `authRequired` comes from).
    pub async fn session(&self, caller: Caller<'_>) -> Result<Arc<JiraSession>, ApiError> {
        self.sessions
            .open(&self.config, &self.auth, &self.http, &self.cache, caller)
            .await
    }
}
