//! Transports: the local socket server (Unix socket, Windows named pipe, systemd activation) and
//! stdio. Both hand byte streams to [`serve_connection`](super::serve_connection).

#[cfg(unix)]
pub mod rendezvous;
pub mod socket;
pub mod stdio;
#[cfg(unix)]
mod thread;

/// The stack of every thread that serves clients. Converters of content work in bounded stack
/// whatever the input (tested at 2 MiB); this margin is defence in depth, costing address space only.
pub const THREAD_STACK: usize = 8 << 20;

use std::path::PathBuf;

/// Why the daemon cannot listen.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// A live daemon (or one still starting) already owns the socket: it holds the lock file or
    /// answers on the socket.
    #[error(
        "another jirad{} already serves {path} (use `jirad stop` or pick another --socket)",
        .pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
    )]
    AlreadyRunning {
        /// The socket.
        path: PathBuf,
        /// The other daemon's pid, when its lock file says.
        pid: Option<u32>,
    },
    /// Something that is not a socket sits at the path; we never delete it.
    #[error("{0} exists and is not a socket; refusing to replace it")]
    NotASocket(PathBuf),
    /// The rendezvous is not safe to use; the message says what is wrong and how to fix it.
    #[error("{0}")]
    Unsafe(String),
    /// systemd passed something other than a listening Unix stream socket.
    #[error("the socket passed by systemd (LISTEN_FDS, fd 3) cannot be served: {0}")]
    Activation(std::io::Error),
    /// An I/O failure on the named path.
    #[error("{path}: {source}")]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The failure.
        source: std::io::Error,
    },
}

/// `jirad serve`'s exit status when another daemon already serves the socket: clients that
/// started it keep waiting for that one instead of reporting a failure.
pub const EXIT_ALREADY_RUNNING: u8 = 3;

/// The default socket path: `$XDG_RUNTIME_DIR/jirad/jirad.sock`; without `XDG_RUNTIME_DIR` (macOS,
/// ssh sessions without pam_systemd, containers, cron) a directory of the user's own that other
/// users cannot create first: `$TMPDIR/jirad/` on macOS (per-user there), else
/// `$XDG_CACHE_HOME/jirad/`, else `$HOME/.cache/jirad/`; only with none of those
/// `/tmp/jirad-$UID/`, which another user could squat (jirad then refuses it, saying so). A named
/// pipe `\\.\pipe\jirad-$USERNAME` on Windows.
pub fn default_socket_path() -> PathBuf {
    #[cfg(unix)]
    {
        let var = |k: &str| {
            std::env::var_os(k)
                .filter(|d| !d.is_empty())
                .map(PathBuf::from)
        };
        let dir = var("XDG_RUNTIME_DIR")
            .or_else(|| var("TMPDIR").filter(|_| cfg!(target_os = "macos")))
            .or_else(|| var("XDG_CACHE_HOME"))
            .or_else(|| var("HOME").map(|h| h.join(".cache")))
            .map(|d| d.join("jirad"))
            // SAFETY: geteuid has no preconditions and cannot fail.
            .unwrap_or_else(|| PathBuf::from(format!("/tmp/jirad-{}", unsafe { libc::geteuid() })));
        dir.join("jirad.sock")
    }
    #[cfg(windows)]
    {
        let user = std::env::var("USERNAME").unwrap_or_else(|_| "user".into());
        PathBuf::from(format!(r"\\.\pipe\jirad-{user}"))
    }
}

/// The socket path from `--socket`/`JIRAD_SOCKET` (already merged by clap) or the default.
pub fn socket_path(explicit: Option<PathBuf>) -> PathBuf {
    explicit.unwrap_or_else(default_socket_path)
}
