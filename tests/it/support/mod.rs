//! Shared helpers for black-box tests: start the real `jirad` binary (socket or stdio) in its own
//! temp directory, and talk to it with a small blocking framed client (LSP or NDJSON). Unix only
//! (a Unix socket client, signals): every test that uses it is `#![cfg(unix)]`.
//!
//! ```ignore
//! let d = Daemon::start();
//! let mut c = d.client(Framing::Lsp);
//! assert_eq!(c.call("daemon/status", json!(null))["result"]["pid"], d.pid());
//! ```

pub mod auth;
pub mod demo;
#[cfg(target_os = "linux")]
pub mod holders;
pub mod jira;
#[cfg(target_os = "linux")]
pub mod keyring;

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

/// Taken by the tests that load the machine on purpose (thousands of connections, abusive
/// clients, memory measured): they run one at a time, beside the light tests, so one's load is not
/// another's failure on a 2-core machine.
pub fn heavy() -> std::sync::MutexGuard<'static, ()> {
    static HEAVY: std::sync::Mutex<()> = std::sync::Mutex::new(());
    HEAVY
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_jirad");
/// How long any single read may block before a test fails instead of hanging.
pub const READ_TIMEOUT: Duration = Duration::from_secs(20);

/// Wire framing of a test client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// `Content-Length` headers.
    Lsp,
    /// One JSON value per line.
    Ndjson,
}

/// A daemon listening on a socket in a private temp dir; SIGTERMed and reaped on drop.
pub struct Daemon {
    pub dir: tempfile::TempDir,
    pub socket: PathBuf,
    pub child: Child,
}

/// A `jirad` command isolated from the user's environment (config, runtime dir, socket).
pub fn jirad(dir: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_RUNTIME_DIR", dir.join("run"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env_remove("JIRAD_SYSTEM_CONFIG")
        .env_remove("JIRAD_SOCKET")
        .env_remove("JIRAD_CONFIG")
        .env("RUST_LOG", "warn");
    holders::default_open_files(&mut cmd);
    cmd
}

impl Daemon {
    /// Starts `jirad serve --socket DIR/jirad.sock` and waits until it answers.
    pub fn start() -> Daemon {
        Self::start_with(&[], None)
    }

    /// Starts with extra args and an optional config file body.
    pub fn start_with(args: &[&str], config: Option<&str>) -> Daemon {
        let dir = tempfile::tempdir().expect("tempdir");
        let socket = dir.path().join("jirad.sock");
        let mut cmd = jirad(dir.path());
        cmd.arg("serve").arg("--socket").arg(&socket).args(args);
        if let Some(text) = config {
            let path = dir.path().join("config.toml");
            write_private(&path, text);
            cmd.arg("--config").arg(path);
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn jirad");
        let d = Daemon { dir, socket, child };
        wait_for_socket(&d.socket);
        d
    }

    /// A new client connection.
    pub fn client(&self, framing: Framing) -> SocketClient {
        SocketClient::connect(&self.socket, framing)
    }

    /// The daemon's pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends a signal.
    pub fn signal(&self, sig: i32) {
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc::kill(self.child.id() as i32, sig) };
    }

    /// Waits for the daemon to exit (fails the test after 15 s).
    pub fn wait_exit(&mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(st) = self.child.try_wait().expect("try_wait") {
                return st;
            }
            assert!(Instant::now() < deadline, "daemon did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.signal(libc::SIGTERM);
            let deadline = Instant::now() + Duration::from_secs(8);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Writes a config or secret file 0600, as jirad insists for a file holding a secret.
pub fn write_private(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).expect("write file");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod 600");
}

/// Polls until something accepts on `path` (fails after 10 s).
pub fn wait_for_socket(path: &Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while UnixStream::connect(path).is_err() {
        assert!(
            Instant::now() < deadline,
            "daemon never listened on {}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A blocking framed client over any reader/writer pair.
pub struct FramedClient<R, W> {
    pub reader: BufReader<R>,
    /// `None` after [`FramedClient::close_write`].
    pub writer: Option<W>,
    pub framing: Framing,
    next_id: u64,
    /// Notifications that arrived while the latest [`FramedClient::call`] waited for its reply:
    /// the daemon may push one before the reply to the call that caused it.
    pub skipped: Vec<Value>,
}

/// A client on a socket.
pub type SocketClient = FramedClient<UnixStream, UnixStream>;
/// A client on a `--stdio` daemon's pipes.
pub type StdioClient = FramedClient<ChildStdout, ChildStdin>;

impl SocketClient {
    /// Connects with a read timeout so a missing reply fails the test.
    pub fn connect(path: &Path, framing: Framing) -> SocketClient {
        let stream = UnixStream::connect(path).expect("connect");
        stream
            .set_read_timeout(Some(READ_TIMEOUT))
            .expect("timeout");
        let writer = stream.try_clone().expect("clone");
        FramedClient::new(stream, writer, framing)
    }
}

impl<R: Read, W: Write> FramedClient<R, W> {
    /// Wraps a reader/writer pair.
    pub fn new(reader: R, writer: W, framing: Framing) -> Self {
        FramedClient {
            reader: BufReader::new(reader),
            writer: Some(writer),
            framing,
            next_id: 1,
            skipped: Vec::new(),
        }
    }

    /// Frames and sends a raw body (which need not be valid JSON).
    pub fn send_raw(&mut self, body: &str) {
        let bytes = match self.framing {
            Framing::Lsp => format!("Content-Length: {}\r\n\r\n{body}", body.len()),
            Framing::Ndjson => format!("{body}\n"),
        };
        let w = self.writer.as_mut().expect("writer closed");
        w.write_all(bytes.as_bytes()).expect("write");
        w.flush().expect("flush");
    }

    /// Closes our sending side (stdin EOF for a `--stdio` daemon).
    pub fn close_write(&mut self) {
        self.writer = None;
    }

    /// Sends a JSON value.
    pub fn send(&mut self, msg: &Value) {
        self.send_raw(&msg.to_string());
    }

    /// Sends a call with the next numeric id; returns the id.
    pub fn request(&mut self, method: &str, params: Value) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        id
    }

    /// Sends a call and returns its whole reply (skipping notifications).
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.skipped.clear();
        let id = self.request(method, params);
        loop {
            let msg = self.recv().expect("connection closed before the reply");
            if msg.get("id") == Some(&json!(id)) {
                return msg;
            }
            if msg.get("id").is_none() {
                self.skipped.push(msg);
            }
        }
    }

    /// Sends a call and returns its `result`, failing the test on an error reply.
    pub fn result(&mut self, method: &str, params: Value) -> Value {
        let reply = self.call(method, params);
        assert!(reply.get("error").is_none(), "{method} failed: {reply}");
        reply["result"].clone()
    }

    /// Calls `method` acting as `profile` (added to `params`); the whole reply.
    pub fn call_as(&mut self, profile: &str, method: &str, mut params: Value) -> Value {
        params["profile"] = json!(profile);
        self.call(method, params)
    }

    /// Like [`Self::result`], acting as `profile`.
    pub fn result_as(&mut self, profile: &str, method: &str, mut params: Value) -> Value {
        params["profile"] = json!(profile);
        self.result(method, params)
    }

    /// Reads the next message; `None` at EOF (or a reset: the daemon closed us).
    pub fn recv(&mut self) -> Option<Value> {
        let body = match self.framing {
            Framing::Ndjson => {
                let mut line = String::new();
                match self.reader.read_line(&mut line) {
                    Ok(0) | Err(_) => return None,
                    Ok(_) => line,
                }
            }
            Framing::Lsp => {
                let mut len = None;
                loop {
                    let mut line = String::new();
                    match self.reader.read_line(&mut line) {
                        Ok(0) | Err(_) => return None,
                        Ok(_) => {}
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length: ") {
                        len = v.parse::<usize>().ok();
                    }
                }
                let mut buf = vec![0; len.expect("Content-Length")];
                self.reader.read_exact(&mut buf).ok()?;
                String::from_utf8(buf).expect("utf8")
            }
        };
        Some(
            serde_json::from_str(&body)
                .unwrap_or_else(|e| panic!("reply is not JSON ({e}): {body:?}")),
        )
    }

    /// Asserts the peer closes the connection without sending anything more.
    pub fn expect_closed(&mut self) {
        if let Some(msg) = self.recv() {
            panic!("expected the connection to close, got {msg}");
        }
    }
}

/// A `jirad serve --stdio` child and a client on its pipes.
pub struct StdioDaemon {
    /// The daemon's home and state; removed when the daemon is dropped.
    _dir: tempfile::TempDir,
    pub child: Child,
}

impl StdioDaemon {
    /// Spawns `jirad serve --stdio` with the given framing.
    pub fn start(framing: Framing) -> (StdioDaemon, StdioClient) {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut child = jirad(dir.path())
            .args(["serve", "--stdio"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        (
            StdioDaemon { _dir: dir, child },
            FramedClient::new(stdout, stdin, framing),
        )
    }
}

impl Drop for StdioDaemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `error.code` of a reply.
pub fn code(reply: &Value) -> i64 {
    reply["error"]["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("not an error reply: {reply}"))
}

/// One `daemon/status` request sent to `socket` by a raw client running as `uid` (root only),
/// which checks nothing about the daemon: `None` if it could not connect, `Some(true)` if
/// anything came back, `Some(false)` if the daemon hung up without answering.
pub fn raw_call_as(uid: u32, socket: &Path) -> Option<bool> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::process::CommandExt;
    // SAFETY: sockaddr_un is plain data; zeroed is a valid value.
    let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    let bytes = socket.as_os_str().as_bytes();
    assert!(bytes.len() < addr.sun_path.len(), "socket path too long");
    for (d, s) in addr.sun_path.iter_mut().zip(bytes) {
        *d = *s as libc::c_char;
    }
    let req = b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"daemon/status\"}\n";
    let mut cmd = Command::new("/bin/true");
    cmd.uid(uid).gid(uid);
    // SAFETY: the closure runs in the forked child after setuid and makes only async-signal-safe
    // system calls on memory prepared before the fork, then exits without returning.
    unsafe {
        cmd.pre_exec(move || {
            let fd = libc::socket(libc::AF_UNIX, libc::SOCK_STREAM, 0);
            let len = std::mem::size_of::<libc::sockaddr_un>() as libc::socklen_t;
            if fd < 0 || libc::connect(fd, (&addr as *const libc::sockaddr_un).cast(), len) != 0 {
                libc::_exit(10);
            }
            let tv = libc::timeval {
                tv_sec: 10,
                tv_usec: 0,
            };
            libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_RCVTIMEO,
                (&tv as *const libc::timeval).cast(),
                std::mem::size_of::<libc::timeval>() as libc::socklen_t,
            );
            // The daemon may hang up first: no SIGPIPE for that.
            libc::send(fd, req.as_ptr().cast(), req.len(), libc::MSG_NOSIGNAL);
            let mut buf = [0u8; 64];
            let n = libc::read(fd, buf.as_mut_ptr().cast(), buf.len());
            libc::_exit(if n > 0 { 11 } else { 12 });
        });
    }
    match cmd.status().expect("raw client").code() {
        Some(10) => None,
        Some(11) => Some(true),
        Some(12) => Some(false),
        other => panic!("raw client: {other:?}"),
    }
}
