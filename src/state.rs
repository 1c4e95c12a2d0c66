//! `AppState`: daemon-wide state shared by every handler through `Arc`: the config, the
//! connections, the auth manager, the one HTTP pool toward Jira and the shared cache.

use crate::auth::{AuthError, AuthManager, AuthOptions, SystemAppConfig};
use crate::cache::{Cache, Doc, Weigh};
use crate::config::Config;
use crate::jira::{HttpPolicy, HttpPool, JiraError};
use crate::rpc::Hub;
use jirad_protocol::lifecycle::DaemonStatusJson;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

/// A cached answer: its compact JSON, with prepared replies (the JSON of an issue as one caller
/// shape asked for it) memoized beside it.
pub type CachedJson = Doc<str>;

/// The cache every client shares: JSON text, refetched on Jira's transient errors only.
pub type SharedCache = Cache<CachedJson, JiraError>;

/// A value to cache, as compact JSON.
pub fn cached_json<T: serde::Serialize + ?Sized>(v: &T) -> Result<CachedJson, JiraError> {
    Doc::of(v).map_err(|e| JiraError::Protocol(format!("caching an answer: {e}")))
}

/// A cached answer read back as `T` (a shape error is the daemon's own, reported as such).
pub fn read_cached<'a, T: serde::Deserialize<'a>>(v: &'a CachedJson) -> Result<T, JiraError> {
    v.parse()
        .map_err(|e| JiraError::Protocol(format!("reading a cached answer: {e}")))
}

impl Weigh for str {
    fn weight(&self) -> usize {
        self.len()
    }
}

/// Daemon-wide state; handlers see it as `cx.app`.
pub struct AppState {
    /// The loaded configuration.
    pub config: Config,
    /// All connections: counts, broadcasts, the stop signal.
    pub hub: Hub,
    /// When the daemon started (for `daemon/status`).
    pub started: Instant,
    /// `daemon/status`'s fixed members (version, pid, the socket served or none in `--stdio`
    /// mode), rendered once: it is the call clients poll.
    pub status: DaemonStatusJson,
    /// Every profile's credentials and authorization state.
    pub auth: AuthManager,
    /// One HTTP policy (retries, rate-limit pauses, concurrency cap) per Jira site.
    pub http: HttpPool,
    /// Issues, lists and metadata, shared by every client.
    pub cache: SharedCache,
    /// One Jira client per profile, kept so its metadata caches live as long as the daemon
    /// (keyed by profile, rebuilt when the profile's site changes).
    pub jira_clients: Mutex<crate::api::session::ProfileClients>,
    /// Watched lists, their shared pollers and owning connections.
    pub watches: crate::api::watch::Watches,
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
        let auth = AuthManager::new(&config.profiles, system.as_ref(), auth_options)?;
        let deadline = std::time::Duration::from_millis(config.jira.call_deadline_ms);
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
        let watches = crate::api::watch::Watches::new(
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
            status: DaemonStatusJson::new(
                env!("CARGO_PKG_VERSION"),
                std::process::id(),
                socket_path.map(|p| p.display().to_string()).as_deref(),
            ),
            auth,
            http,
            cache,
            jira_clients: Mutex::default(),
            watches,
        })
    }
}
