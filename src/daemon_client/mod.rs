//! The client of the daemon's socket (NDJSON framing), the one every Rust face uses: one call at a
//! time for `jirad call`, `status`, `stop` and `auth`; [`multiplexed`] over it for the stdio
//! faces. It can start the daemon in the background when nothing listens.

pub mod multiplexed;

use crate::rpc::transport::socket::{connect_checked, ConnectError};
use crate::rpc::transport::EXIT_ALREADY_RUNNING;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// Why a call did not produce a JSON-RPC reply.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Nothing answers on the socket.
    #[error("cannot connect to jirad at {path}: {source}")]
    Connect {
        /// The socket.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The socket's directory or the process listening there is not to be trusted (another user's,
    /// a symlink, writable by others): nothing was sent, and no daemon is started there.
    #[error("{0}")]
    Unsafe(String),
    /// The daemon was started but did not answer in time.
    #[error("started jirad but it did not answer on {0} within 10 s")]
    SpawnTimeout(PathBuf),
    /// The daemon we started exited before answering (bad config, say).
    #[error("jirad serve exited ({status}) before answering; see {log}")]
    SpawnExited {
        /// Its exit status.
        status: std::process::ExitStatus,
        /// Where it logged.
        log: String,
    },
    /// The connection failed mid-call or the reply was not JSON-RPC.
    #[error("connection to jirad failed: {0}")]
    Io(#[from] std::io::Error),
}

/// The read half of a daemon connection.
pub type Half<T> = tokio::io::ReadHalf<T>;
/// A daemon connection.
pub type Stream = interprocess::local_socket::tokio::Stream;

/// One connection to the daemon.
pub struct DaemonClient {
    reader: BufReader<Half<Stream>>,
    writer: tokio::io::WriteHalf<Stream>,
    next_id: u64,
    /// Notifications that arrived while waiting for a reply, oldest first.
    notifications: std::collections::VecDeque<Value>,
}

/// How to start the daemon when nothing listens.
#[derive(Debug, Clone, Default)]
pub struct SpawnArgs {
    /// Extra `jirad serve` arguments (e.g. `--config FILE`).
    pub extra: Vec<String>,
}

impl DaemonClient {
    /// Connects to a running daemon.
    /// The socket's directory and the peer's user are checked first (see
    /// [`connect_checked`]): a failed check is [`ClientError::Unsafe`].
    pub async fn connect(path: &Path) -> Result<Self, ClientError> {
        let stream = connect_checked(path).await.map_err(|e| match e {
            ConnectError::Unsafe(why) => ClientError::Unsafe(why),
            ConnectError::Io(source) => ClientError::Connect {
                path: path.to_owned(),
                source,
            },
        })?;
        let (rd, wr) = tokio::io::split(stream);
        Ok(DaemonClient {
            reader: BufReader::new(rd),
            writer: wr,
            next_id: 1,
            notifications: Default::default(),
        })
    }

    /// Connects, first starting `jirad serve --socket PATH` detached when nothing listens.
    pub async fn connect_or_spawn(path: &Path, spawn: &SpawnArgs) -> Result<Self, ClientError> {
        match Self::connect(path).await {
            Ok(c) => return Ok(c),
            Err(e @ ClientError::Unsafe(_)) => return Err(e),
            Err(e) => tracing::debug!("{e}; starting the daemon"),
        }
        let (mut child, log) = spawn_daemon(path, spawn)?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            match Self::connect(path).await {
                Ok(c) => return Ok(c),
                Err(e @ ClientError::Unsafe(_)) => return Err(e),
                Err(_) => {}
            }
            if let Some(status) = child.try_wait()? {
                // Another `jirad call` may have won the race to start it; that one will answer
                // (ours says so by its exit status, possibly before the winner listens).
                match Self::connect(path).await {
                    Ok(c) => return Ok(c),
                    Err(e @ ClientError::Unsafe(_)) => return Err(e),
                    Err(_) => {}
                }
                if status.code() != Some(EXIT_ALREADY_RUNNING.into()) {
                    return Err(ClientError::SpawnExited {
                        status,
                        log: log.display().to_string(),
                    });
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Err(ClientError::SpawnTimeout(path.to_owned()))
    }

    /// The connection's halves, for callers that multiplex calls themselves (`jirad mcp`).
    pub fn into_parts(self) -> (BufReader<Half<Stream>>, tokio::io::WriteHalf<Stream>) {
        (self.reader, self.writer)
    }

    /// Calls `method`; `Ok(Err(error_object))` is a JSON-RPC error reply. Notifications received
    /// meanwhile are kept for [`DaemonClient::next_notification`].
    pub async fn call(
        &mut self,
        method: &str,
        params: Option<Value>,
    ) -> Result<Result<Value, Value>, ClientError> {
        let id = self.next_id;
        self.next_id += 1;
        let mut req = json!({ "jsonrpc": "2.0", "id": id, "method": method });
        if let Some(p) = params {
            req["params"] = p;
        }
        let mut line = serde_json::to_vec(&req).map_err(std::io::Error::other)?;
        line.push(b'\n');
        self.writer.write_all(&line).await?;
        self.writer.flush().await?;
        loop {
            let msg = self.read_message().await?;
            if msg.get("id").is_none() && msg.get("method").is_some() {
                self.notifications.push_back(msg);
                continue;
            }
            if msg.get("id") != Some(&json!(id)) {
                continue;
            }
            if let Some(err) = msg.get("error") {
                return Ok(Err(err.clone()));
            }
            return Ok(Ok(msg.get("result").cloned().unwrap_or(Value::Null)));
        }
    }
}

impl DaemonClient {
    /// The next notification (`{method, params}`), waiting for one if none is buffered.
    pub async fn next_notification(&mut self) -> Result<Value, ClientError> {
        if let Some(n) = self.notifications.pop_front() {
            return Ok(n);
        }
        loop {
            let msg = self.read_message().await?;
            if msg.get("id").is_none() && msg.get("method").is_some() {
                return Ok(msg);
            }
        }
    }

    /// The next JSON message from the daemon (lines that are not JSON are skipped).
    async fn read_message(&mut self) -> Result<Value, ClientError> {
        let mut buf = String::new();
        loop {
            buf.clear();
            if self.reader.read_line(&mut buf).await? == 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "daemon closed the connection",
                )
                .into());
            }
            if let Ok(msg) = serde_json::from_str::<Value>(&buf) {
                return Ok(msg);
            }
        }
    }
}

/// Starts `jirad serve` detached, logging next to its socket (`jirad.log`).
fn spawn_daemon(
    path: &Path,
    spawn: &SpawnArgs,
) -> Result<(std::process::Child, PathBuf), ClientError> {
    let exe = std::env::current_exe()?;
    let log = path.with_file_name("jirad.log");
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    // Created by us just now, or found: either way it must pass before a daemon starts there.
    #[cfg(unix)]
    {
        use crate::rpc::transport::rendezvous::{open_checked_dir, socket_dir, DirError};
        match open_checked_dir(socket_dir(path)) {
            Ok(_) => {}
            Err(DirError::Unsafe(why)) => return Err(ClientError::Unsafe(why)),
            Err(DirError::Missing) => {
                return Err(std::io::Error::from(std::io::ErrorKind::NotFound).into())
            }
            Err(DirError::Io(e)) => return Err(e.into()),
        }
    }
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("serve")
        .arg("--socket")
        .arg(path)
        .arg("--log-file")
        .arg(&log)
        .args(&spawn.extra);
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    #[cfg(unix)]
    {
        // Its own process group: a Ctrl-C in the caller's terminal must not take the daemon down.
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    Ok((cmd.spawn()?, log))
}

/// The socket's directory, created 0700 as the daemon would (the log lands there first).
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.as_os_str().is_empty() || dir.exists() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}
