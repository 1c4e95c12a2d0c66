//! Logging: `tracing` to stderr (never stdout: in `--stdio` mode it carries frames) or to a file.
//! `RUST_LOG` filters; the default is `info` for the daemon and `warn` for client commands.

use std::path::Path;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber.
pub fn init(default: &str, file: Option<&Path>) -> std::io::Result<()> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let result = match file {
        Some(path) => {
            // Never through a planted symlink, and private: see `rendezvous::open_log`.
            #[cfg(unix)]
            let f = crate::rpc::transport::rendezvous::open_log(path)?;
            #[cfg(not(unix))]
            let f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)?;
            builder
                .with_ansi(false)
                .with_writer(std::sync::Mutex::new(f))
                .try_init()
        }
        None => builder.with_writer(std::io::stderr).try_init(),
    };
    result.map_err(|e| std::io::Error::other(e.to_string()))
}
