//! `AppState`: daemon-wide state shared by every handler through `Arc`. Later issues add the auth
//! manager, the Jira clients and the cache here.

use crate::config::Config;
use crate::rpc::Hub;
use std::path::PathBuf;
use std::time::Instant;

/// Daemon-wide state; handlers see it as `cx.app`.
pub struct AppState {
    /// The loaded configuration.
    pub config: Config,
    /// All connections: counts, broadcasts, the stop signal.
    pub hub: Hub,
    /// When the daemon started (for `daemon/status`).
    pub started: Instant,
    /// The socket served, or `None` in `--stdio` mode.
    pub socket_path: Option<PathBuf>,
    /// This process's id (cached: `daemon/status` is the latency probe, a syscall per call shows).
    pub pid: u32,
}

impl AppState {
    /// State for a daemon about to serve.
    pub fn new(config: Config, hub: Hub, socket_path: Option<PathBuf>) -> Self {
        AppState {
            config,
            hub,
            started: Instant::now(),
            socket_path,
            pid: std::process::id(),
        }
    }
}
