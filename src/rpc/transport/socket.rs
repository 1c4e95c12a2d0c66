//! The local socket server: bind safely (0700 directory, 0600 socket, stale file replaced, a live
//! daemon never displaced), accept, refuse other users, serve each connection (on Unix on its own
//! thread, see [`super::thread`]; elsewhere in its own task).

use super::TransportError;
use crate::log_limit::LogLimiter;
use crate::rpc::admission::{Admission, Decision, CLOSING_SLACK};
#[cfg(unix)]
use crate::rpc::connection::HangupProbe;
use crate::rpc::Router;
use crate::rpc::{serve_connection, Hub, ServeOptions};
use interprocess::local_socket::tokio::{Listener, Stream};
use interprocess::local_socket::traits::tokio::{Listener as _, Stream as _};
#[cfg(unix)]
use interprocess::local_socket::traits::StreamCommon as _;
use interprocess::local_socket::ListenerOptions;
use std::io;
use std::path::{Path, PathBuf};
#[cfg(unix)]
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;

/// A bound listener, ready for [`SocketServer::run`].
pub struct SocketServer {
    acceptor: Acceptor,
    path: PathBuf,
    /// One daemon per socket: held until this server is dropped, after the socket file is gone.
    #[cfg(unix)]
    _lock: Option<super::rendezvous::DaemonLock>,
}

/// On Unix interprocess binds (mode set before `bind`, no umask race) and tokio accepts, which
/// gives peer credentials and the fd for hang-up checks; elsewhere interprocess does both.
enum Acceptor {
    #[cfg_attr(unix, allow(dead_code))]
    Interprocess(Listener),
    #[cfg(unix)]
    Unix {
        listener: tokio::net::UnixListener,
        /// Remove the socket file on shutdown (not when systemd owns it).
        owned: bool,
    },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> TransportError + '_ {
    move |source| TransportError::Io {
        path: path.to_owned(),
        source,
    }
}

impl SocketServer {
    /// The path clients connect to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Binds `path`, or serves the socket systemd passed (see [`claim_systemd_socket`]).
    pub async fn bind(path: &Path) -> Result<SocketServer, TransportError> {
        #[cfg(unix)]
        if let Some(listener) = systemd_listener()? {
            let path = listener
                .local_addr()
                .ok()
                .and_then(|a| a.as_pathname().map(Path::to_owned))
                .unwrap_or_default();
            tracing::info!("serving the socket passed by systemd");
            return Ok(SocketServer {
                acceptor: Acceptor::Unix {
                    listener,
                    owned: false,
                },
                path,
                _lock: None,
            });
        }
        // The lock before anything touches the socket: of two daemons started together, the one
        // that loses never probes, unlinks or binds (it could unlink the winner's fresh socket).
        #[cfg(unix)]
        let (dir, lock) = {
            use super::rendezvous::{prepare_dir, socket_dir, DaemonLock};
            let ours = super::default_socket_path().parent() == Some(socket_dir(path));
            (prepare_dir(path, ours)?, DaemonLock::acquire(path)?)
        };
        let acceptor = match create(path) {
            Err(e) if name_taken(&e) => {
                reclaim_stale(path).await?;
                create(path).map_err(io_err(path))?
            }
            other => other.map_err(io_err(path))?,
        };
        // Bound by path: make sure the path still led into the directory that was checked.
        #[cfg(unix)]
        if !super::rendezvous::same_dir(super::rendezvous::socket_dir(path), &dir) {
            return Err(TransportError::Unsafe(format!(
                "the socket directory of {} was replaced while the daemon was binding; someone \
                 else may control it. Check it and start again",
                path.display()
            )));
        }
        Ok(SocketServer {
            acceptor,
            path: path.to_owned(),
            #[cfg(unix)]
            _lock: Some(lock),
        })
    }

    /// Accepts until [`Hub::stop`], then waits for connections to finish their in-flight calls (they
    /// get `opts.stop_grace`). The socket file is removed first, so new clients fail fast.
    /// `admission` caps the connections (within `open_files`, the open-file limit) and closes
    /// those past its deadlines.
    pub async fn run(
        self,
        methods: Router,
        hub: Hub,
        opts: ServeOptions,
        admission: Admission,
        open_files: u64,
    ) {
        let cap = admission.effective_cap(open_files);
        tracing::info!(
            "serving up to {cap} connections (open-file limit {open_files}, {} kept in reserve)",
            admission.reserved_files
        );
        let reaper = tokio::spawn(reap(hub.clone(), admission.clone()));
        let mut conns = JoinSet::new();
        let mut backoff = Backoff::default();
        'accept: loop {
            while conns.try_join_next().is_some() {}
            // Evicted connections still closing hold their descriptors: wait for them rather than
            // accept more.
            while conns.len() >= cap + CLOSING_SLACK {
                tokio::select! {
                    _ = hub.stopped() => break 'accept,
                    _ = conns.join_next() => {}
                }
            }
            let accepted = tokio::select! {
                _ = hub.stopped() => break,
                accepted = self.accept() => accepted,
            };
            if let Ok(Some(_)) = &accepted {
                backoff.reset();
                match admission.decide(cap, conns.len(), &hub) {
                    Decision::Admit => {}
                    Decision::Evict(victim) => {
                        if let Some(held) = EVICTED.allow() {
                            tracing::warn!(
                                "{cap} connections open: closing the oldest that has sent nothing \
                                 ({} more since the last line)",
                                held
                            );
                        }
                        victim.close();
                    }
                    Decision::Refuse => {
                        if let Some(held) = REFUSED.allow() {
                            tracing::warn!(
                                "{cap} connections open, all of them talking: refused a new one \
                                 ({held} more since the last line; raise [limits] max_connections)"
                            );
                        }
                        continue; // dropping it closes it
                    }
                }
            }
            match accepted {
                Ok(Some(Accepted::Async(rd, wr))) => {
                    conns.spawn(serve_connection(
                        methods.clone(),
                        hub.clone(),
                        rd,
                        wr,
                        opts.clone(),
                    ));
                }
                #[cfg(unix)]
                Ok(Some(Accepted::Unix(stream))) => {
                    let probe = hangup_probe(&stream);
                    let (methods, hub, opts) = (methods.clone(), hub.clone(), opts.clone());
                    match super::thread::serve_on_thread(stream, methods, hub, opts, probe) {
                        Ok(finished) => {
                            conns.spawn(async move {
                                let _ = finished.await;
                            });
                        }
                        Err(e) => tracing::warn!("cannot serve a connection: {e}"),
                    }
                }
                Ok(None) => {} // refused peer
                Err(e) => {
                    // Out of descriptors (EMFILE, ENFILE) the pending connection stays queued and
                    // accept fails again at once: wait, longer each time, instead of spinning.
                    let wait = backoff.next();
                    if let Some(held) = ACCEPT_FAILED.allow() {
                        tracing::warn!(
                            "accept failed: {e}; retrying in {wait:?} ({held} more failures \
                             since the last line)"
                        );
                    }
                    tokio::select! {
                        _ = hub.stopped() => break,
                        _ = tokio::time::sleep(wait) => {}
                    }
                }
            }
        }
        reaper.abort();
        self.remove_socket_file();
        drop(self);
        let grace = opts.stop_grace + std::time::Duration::from_secs(1);
        let _ =
            tokio::time::timeout(grace, async { while conns.join_next().await.is_some() {} }).await;
    }

    fn remove_socket_file(&self) {
        #[cfg(unix)]
        if let Acceptor::Unix { owned: true, .. } = self.acceptor {
            let _ = std::fs::remove_file(&self.path);
        }
    }

    async fn accept(&self) -> io::Result<Option<Accepted>> {
        match &self.acceptor {
            Acceptor::Interprocess(l) => {
                let stream = l.accept().await?;
                if !peer_allowed(&stream) {
                    return Ok(None);
                }
                let (rd, wr) = tokio::io::split(stream);
                Ok(Some(Accepted::Async(Box::new(rd), Box::new(wr))))
            }
            #[cfg(unix)]
            Acceptor::Unix { listener, .. } => {
                let (stream, _) = listener.accept().await?;
                let uid = stream.peer_cred().map(|c| c.uid()).ok();
                if uid != Some(current_uid()) {
                    tracing::warn!(?uid, "refused a connection from another user");
                    return Ok(None);
                }
                Ok(Some(Accepted::Unix(stream.into_std()?)))
            }
        }
    }
}

static EVICTED: LogLimiter = LogLimiter::new(Duration::from_secs(10));
static REFUSED: LogLimiter = LogLimiter::new(Duration::from_secs(10));
static ACCEPT_FAILED: LogLimiter = LogLimiter::new(Duration::from_secs(10));
static REAPED: LogLimiter = LogLimiter::new(Duration::from_secs(10));

/// Closes connections past the admission deadlines, for as long as the server runs.
async fn reap(hub: Hub, admission: Admission) {
    let mut tick = tokio::time::interval(admission.reap_every());
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let closed = admission.reap(&hub);
        if closed > 0 {
            if let Some(held) = REAPED.allow() {
                tracing::info!(
                    "closed {closed} connections that sent no whole message in time ({held} more \
                     rounds since the last line)"
                );
            }
        }
    }
}

/// The wait after a failed accept: 10 ms, doubling to 1 s, back to the start after a success.
#[derive(Default)]
struct Backoff(u32);

impl Backoff {
    fn next(&mut self) -> Duration {
        let wait = Duration::from_millis(10 << self.0.min(7)).min(Duration::from_secs(1));
        self.0 = self.0.saturating_add(1);
        wait
    }

    fn reset(&mut self) {
        self.0 = 0;
    }
}

/// An accepted connection from an allowed peer.
enum Accepted {
    Async(BoxRead, BoxWrite),
    #[cfg(unix)]
    Unix(std::os::unix::net::UnixStream),
}

type BoxRead = Box<dyn tokio::io::AsyncRead + Unpin + Send>;
type BoxWrite = Box<dyn tokio::io::AsyncWrite + Unpin + Send>;

#[cfg(unix)]
fn current_uid() -> u32 {
    super::rendezvous::euid()
}

fn peer_allowed(stream: &Stream) -> bool {
    #[cfg(unix)]
    {
        let uid = stream.peer_creds().ok().and_then(|c| c.euid());
        if uid != Some(current_uid()) {
            tracing::warn!(?uid, "refused a connection from another user");
            return false;
        }
    }
    #[cfg(not(unix))]
    let _ = stream; // the pipe's owner-only DACL does the job
    true
}

#[cfg(unix)]
fn create(path: &Path) -> io::Result<Acceptor> {
    use interprocess::local_socket::{GenericFilePath, ToFsName};
    use interprocess::os::unix::uds_local_socket::Listener as UdsListener;
    let name = path.to_fs_name::<GenericFilePath>()?;
    let opts = ListenerOptions::new().name(name);
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let opts = {
        use interprocess::os::unix::local_socket::ListenerOptionsExt;
        opts.mode(0o600)
    };
    let std_listener =
        std::os::unix::net::UnixListener::from(opts.create_sync_as::<UdsListener>()?);
    std_listener.set_nonblocking(true)?;
    let listener = tokio::net::UnixListener::from_std(std_listener)?;
    Ok(Acceptor::Unix {
        listener,
        owned: true,
    })
}

/// Whether the peer has closed both directions (`POLLHUP`), as opposed to only its write side:
/// `printf '...' | socat - UNIX-CONNECT:..` half-closes and still wants its replies.
#[cfg(unix)]
fn hangup_probe(stream: &std::os::unix::net::UnixStream) -> HangupProbe {
    use std::os::unix::io::AsRawFd;
    let fd = stream.as_raw_fd();
    Arc::new(move || {
        let mut p = libc::pollfd {
            fd,
            events: 0,
            revents: 0,
        };
        // SAFETY: `fd` belongs to the connection's stream, which outlives every call of this probe
        // (it is only called from `serve_connection`, which owns both halves).
        let n = unsafe { libc::poll(&mut p, 1, 0) };
        n > 0 && p.revents & (libc::POLLHUP | libc::POLLERR) != 0
    })
}

// Type-checked (and clippy-clean) for x86_64-pc-windows-gnu by scripts/windows-check.sh; never run
// on Windows.
#[cfg(windows)]
fn create(path: &Path) -> io::Result<Acceptor> {
    // FILE_FLAG_FIRST_PIPE_INSTANCE (set by interprocess) keeps a second daemon off the name; the
    // descriptor keeps other users out (the default DACL lets Everyone read).
    use interprocess::local_socket::{GenericFilePath, ToFsName};
    use interprocess::os::windows::local_socket::ListenerOptionsExt;
    let name = path.to_fs_name::<GenericFilePath>()?;
    ListenerOptions::new()
        .name(name)
        .security_descriptor(owner_only_descriptor()?)
        .create_tokio()
        .map(Acceptor::Interprocess)
}

/// `D:P(A;;GA;;;<our user's SID>)`: a protected DACL with one ACE, full access for the user this
/// process runs as (the SID, not the owner: an elevated process's owner is Administrators).
#[cfg(windows)]
fn owner_only_descriptor(
) -> io::Result<interprocess::os::windows::security_descriptor::SecurityDescriptor> {
    use interprocess::os::windows::security_descriptor::SecurityDescriptor;
    use widestring::{U16CStr, U16CString};
    use windows_sys::Win32::Foundation::LocalFree;
    use windows_sys::Win32::Security::Authorization::ConvertSidToStringSidW;
    use windows_sys::Win32::System::Threading::GetCurrentProcess;

    // SAFETY: GetCurrentProcess returns a pseudo-handle that needs no closing.
    let user = TokenUser::of(unsafe { GetCurrentProcess() })?;
    let mut text: *mut u16 = std::ptr::null_mut();
    // SAFETY: `user.sid()` is valid while `user` lives; on success `text` is a LocalAlloc'd
    // NUL-terminated string.
    if unsafe { ConvertSidToStringSidW(user.sid(), &mut text) } == 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `text` is NUL-terminated (above); copied out before it is freed.
    let sid_text = unsafe { U16CStr::from_ptr_str(text) }.to_string_lossy();
    // SAFETY: allocated by ConvertSidToStringSidW with LocalAlloc; freed exactly once.
    unsafe { LocalFree(text.cast()) };
    let sddl = U16CString::from_str(format!("D:P(A;;GA;;;{sid_text})"))
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL in the pipe's SDDL"))?;
    SecurityDescriptor::deserialize(&sddl)
}

/// The `TOKEN_USER` of a process (its user's SID), in a buffer that owns it.
#[cfg(windows)]
struct TokenUser(Vec<u64>);

#[cfg(windows)]
impl TokenUser {
    /// The user of the process behind `process` (a handle with query rights).
    fn of(process: windows_sys::Win32::Foundation::HANDLE) -> io::Result<TokenUser> {
        use windows_sys::Win32::Foundation::{CloseHandle, HANDLE};
        use windows_sys::Win32::Security::{GetTokenInformation, TokenUser as Class, TOKEN_QUERY};
        use windows_sys::Win32::System::Threading::OpenProcessToken;

        let mut token: HANDLE = std::ptr::null_mut();
        // SAFETY: `process` is a valid process handle; `token` receives a handle closed below.
        if unsafe { OpenProcessToken(process, TOKEN_QUERY, &mut token) } == 0 {
            return Err(io::Error::last_os_error());
        }
        let mut len = 0u32;
        // SAFETY: a size query (null buffer, length 0); it fails with ERROR_INSUFFICIENT_BUFFER.
        unsafe { GetTokenInformation(token, Class, std::ptr::null_mut(), 0, &mut len) };
        // u64s: TOKEN_USER holds a pointer and needs its alignment.
        let mut buf = vec![0u64; (len as usize).div_ceil(8)];
        // SAFETY: `buf` has at least `len` writable bytes, 8-aligned.
        let ok =
            unsafe { GetTokenInformation(token, Class, buf.as_mut_ptr().cast(), len, &mut len) };
        let err = io::Error::last_os_error();
        // SAFETY: `token` came from OpenProcessToken and is closed exactly once.
        unsafe { CloseHandle(token) };
        if ok == 0 {
            return Err(err);
        }
        Ok(TokenUser(buf))
    }

    /// The SID, pointing into the buffer: valid while `self` lives.
    fn sid(&self) -> windows_sys::Win32::Security::PSID {
        use windows_sys::Win32::Security::TOKEN_USER;
        // SAFETY: GetTokenInformation wrote a TOKEN_USER at the start of the buffer.
        unsafe { (*self.0.as_ptr().cast::<TOKEN_USER>()).User.Sid }
    }
}

/// A client's check of the named pipe's server: its process must run as this user (the pipe's
/// DACL keeps other users from connecting to ours, but another user may have created the name
/// first).
#[cfg(windows)]
fn check_pipe_server(path: &Path, stream: &Stream) -> Result<(), String> {
    use interprocess::local_socket::traits::StreamCommon as _;
    use windows_sys::Win32::Foundation::CloseHandle;
    use windows_sys::Win32::Security::EqualSid;
    use windows_sys::Win32::System::Threading::{
        GetCurrentProcess, OpenProcess, PROCESS_QUERY_LIMITED_INFORMATION,
    };
    let unknown = |e: &dyn std::fmt::Display| {
        format!(
            "cannot tell which user serves {}: {e}; nothing was sent to it",
            path.display()
        )
    };
    let pid = stream
        .peer_creds()
        .map_err(|e| unknown(&e))?
        .pid()
        .ok_or_else(|| unknown(&"no server process id"))?;
    // SAFETY: GetCurrentProcess returns a pseudo-handle that needs no closing.
    let me = TokenUser::of(unsafe { GetCurrentProcess() }).map_err(|e| unknown(&e))?;
    // SAFETY: OpenProcess has no memory preconditions; a null handle means failure.
    let process = unsafe { OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid) };
    if process.is_null() {
        return Err(unknown(&io::Error::last_os_error()));
    }
    let them = TokenUser::of(process);
    // SAFETY: `process` came from OpenProcess and is closed exactly once.
    unsafe { CloseHandle(process) };
    let them = them.map_err(|e| unknown(&e))?;
    // SAFETY: both SIDs are valid while `me` and `them` live.
    if unsafe { EqualSid(me.sid(), them.sid()) } == 0 {
        return Err(format!(
            "the process serving {} (pid {pid}) runs as another user: it is not your jirad, and \
             nothing was sent to it. Find out who runs it, or use another pipe name (--socket)",
            path.display()
        ));
    }
    Ok(())
}

/// The socket path is taken: a live daemon keeps it; a corpse (connect refused) is removed.
/// Whether creating the socket failed because the name exists. On Windows, a second
/// first-instance pipe of the same name fails with ERROR_ACCESS_DENIED, which std reports as
/// `PermissionDenied`; `reclaim_stale` then tells a live daemon from anything else.
fn name_taken(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::AddrInUse
        || (cfg!(windows) && e.kind() == io::ErrorKind::PermissionDenied)
}

async fn reclaim_stale(path: &Path) -> Result<(), TransportError> {
    if let Ok(stream) = connect(path).await {
        #[cfg(unix)]
        if let Err(why) = super::rendezvous::check_peer(path, peer_euid(&stream)) {
            return Err(TransportError::Unsafe(why));
        }
        drop(stream);
        return Err(TransportError::AlreadyRunning {
            path: path.to_owned(),
            pid: None,
        });
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let meta = std::fs::symlink_metadata(path).map_err(io_err(path))?;
        if !meta.file_type().is_socket() {
            return Err(TransportError::NotASocket(path.to_owned()));
        }
        tracing::info!("replacing stale socket {}", path.display());
        std::fs::remove_file(path).map_err(io_err(path))?;
    }
    Ok(())
}

/// Connects to a socket without any check (the daemon's stale probe; clients use
/// [`connect_checked`]).
pub async fn connect(path: &Path) -> io::Result<Stream> {
    use interprocess::local_socket::{GenericFilePath, ToFsName};
    Stream::connect(path.to_fs_name::<GenericFilePath>()?).await
}

/// Why a client did not get a connection it may use.
#[derive(Debug)]
pub enum ConnectError {
    /// Nothing usable listens there (no directory, no socket, refused).
    Io(io::Error),
    /// The rendezvous or the peer is not trustworthy; the text says why and how to fix it.
    Unsafe(String),
}

/// A client's connection: the socket's directory is checked first (owned by this user, nobody
/// else can write it, not a symlink; see [`super::rendezvous::open_checked_dir`]), and after
/// connecting the peer must run as this user (`SO_PEERCRED` / `getpeereid`; on Windows the pipe
/// server process's user). Nothing is sent before both checks pass.
pub async fn connect_checked(path: &Path) -> Result<Stream, ConnectError> {
    #[cfg(unix)]
    {
        use super::rendezvous::{open_checked_dir, socket_dir, DirError};
        match open_checked_dir(socket_dir(path)) {
            Ok(_) => {}
            Err(DirError::Missing) => {
                return Err(ConnectError::Io(io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("{} does not exist", socket_dir(path).display()),
                )))
            }
            Err(DirError::Unsafe(why)) => return Err(ConnectError::Unsafe(why)),
            Err(DirError::Io(e)) => return Err(ConnectError::Io(e)),
        }
    }
    let stream = connect(path).await.map_err(ConnectError::Io)?;
    #[cfg(unix)]
    super::rendezvous::check_peer(path, peer_euid(&stream)).map_err(ConnectError::Unsafe)?;
    #[cfg(windows)]
    check_pipe_server(path, &stream).map_err(ConnectError::Unsafe)?;
    Ok(stream)
}

/// The peer's effective uid (`SO_PEERCRED` on Linux, `LOCAL_PEERCRED`/`getpeereid` on the BSDs
/// and macOS).
#[cfg(unix)]
fn peer_euid(stream: &Stream) -> io::Result<Option<u32>> {
    stream.peer_creds().map(|c| c.euid())
}

/// The socket claimed by [`claim_systemd_socket`], until [`SocketServer::bind`] takes it.
#[cfg(unix)]
static SYSTEMD_SOCKET: std::sync::Mutex<Option<std::os::fd::OwnedFd>> = std::sync::Mutex::new(None);

/// Claims the socket systemd passed, as `sd_listen_fds(3)` with `unset_environment` does: the fds
/// count only when `LISTEN_PID` names this process; they become close-on-exec and `LISTEN_PID`,
/// `LISTEN_FDS` and `LISTEN_FDNAMES` are removed in every case, so programs the daemon starts
/// neither hold the socket nor take it for theirs. Only the first fd (3) is served. Call before
/// any other thread starts: it edits the environment.
#[cfg(unix)]
pub fn claim_systemd_socket() {
    use std::os::fd::FromRawFd;
    let var = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<u32>().ok());
    let for_us = var("LISTEN_PID") == Some(std::process::id());
    let count = var("LISTEN_FDS").unwrap_or(0);
    for k in ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"] {
        std::env::remove_var(k);
    }
    if !for_us || count == 0 {
        return;
    }
    for fd in 3..3 + count.min(1024) as i32 {
        // SAFETY: fcntl on an fd number has no memory-safety preconditions; a closed fd fails.
        unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
    }
    // SAFETY: fcntl(F_GETFD) only queries whether fd 3 is open.
    if unsafe { libc::fcntl(3, libc::F_GETFD) } == -1 {
        return;
    }
    // SAFETY: fd 3 is open and, by systemd's protocol (SD_LISTEN_FDS_START), ours alone.
    let fd = unsafe { std::os::fd::OwnedFd::from_raw_fd(3) };
    *SYSTEMD_SOCKET.lock().unwrap_or_else(|p| p.into_inner()) = Some(fd);
}

/// The claimed systemd socket, checked to be a listening Unix stream socket.
#[cfg(unix)]
fn systemd_listener() -> Result<Option<tokio::net::UnixListener>, TransportError> {
    use std::os::fd::AsRawFd;
    let Some(fd) = SYSTEMD_SOCKET
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
    else {
        return Ok(None);
    };
    let mut listening: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: SO_ACCEPTCONN writes one c_int into `listening`, whose size `len` gives.
    let r = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_ACCEPTCONN,
            (&mut listening as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    let std_listener = std::os::unix::net::UnixListener::from(fd);
    let checked = match (r, listening) {
        (0, 0) => Err(io::Error::other("not a listening socket")),
        (0, _) => std_listener.local_addr().map(drop), // fails unless AF_UNIX
        _ => Err(io::Error::last_os_error()),
    };
    checked
        .and_then(|()| std_listener.set_nonblocking(true))
        .and_then(|()| tokio::net::UnixListener::from_std(std_listener))
        .map(Some)
        .map_err(TransportError::Activation)
}
