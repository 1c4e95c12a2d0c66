//! The rendezvous on Unix, checked by both ends the way ssh-agent and watchman do: the socket's
//! directory is opened without following a symlink and must be a directory of the user's own that
//! nobody else can write, inside a parent nobody else can swap it out of; the daemon binds there
//! under a lock file held for its whole life (one daemon per socket) and opens its log without
//! following symlinks; clients check the same directory before connecting or starting a daemon,
//! and after connecting that the peer runs as their own uid.

use super::TransportError;
use std::fs::File;
use std::io::{self, Read, Seek, Write};
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The effective uid of this process, the one the socket, its directory and the peer must have.
pub fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// The directory the socket lives in (`.` for a bare file name).
pub fn socket_dir(socket: &Path) -> &Path {
    match socket.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Why a rendezvous cannot be used.
#[derive(Debug)]
pub enum DirError {
    /// The directory does not exist (yet).
    Missing,
    /// It exists and must not be trusted; the text says why and how to fix it.
    Unsafe(String),
    /// Looking at it failed.
    Io(io::Error),
}

impl From<DirError> for TransportError {
    fn from(e: DirError) -> Self {
        match e {
            DirError::Unsafe(m) => TransportError::Unsafe(m),
            DirError::Missing => TransportError::Unsafe("the socket directory vanished".into()),
            DirError::Io(source) => {
                TransportError::Unsafe(format!("cannot check the socket directory: {source}"))
            }
        }
    }
}

/// Opens `dir` without following a symlink in its last component and checks it: a directory,
/// owned by this user, writable by nobody else, whose parent is owned by this user or root and,
/// if others may write it, sticky (so nobody else can rename `dir` away and put theirs there).
/// The open directory is returned so that the daemon can check, after binding, that the path
/// still names it.
pub fn open_checked_dir(dir: &Path) -> Result<File, DirError> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW)
        .open(dir)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ENOENT) => DirError::Missing,
            // ELOOP on Linux and macOS, EMLINK on FreeBSD; ENOTDIR may also be a symlink to a
            // file: lstat tells.
            Some(libc::ELOOP | libc::EMLINK | libc::ENOTDIR) => {
                match std::fs::symlink_metadata(dir) {
                    Ok(m) if m.file_type().is_symlink() => DirError::Unsafe(symlinked_dir(dir)),
                    Ok(_) => DirError::Unsafe(format!(
                        "{} is not a directory; remove it or pick another socket path",
                        dir.display()
                    )),
                    Err(e) => DirError::Io(e),
                }
            }
            _ => DirError::Io(e),
        })?;
    let meta = file.metadata().map_err(DirError::Io)?;
    let me = euid();
    if meta.uid() != me {
        return Err(DirError::Unsafe(format!(
            "the socket directory {} belongs to uid {}, not to you (uid {me}): another user may \
             be posing as jirad there. Remove it (ask an administrator if you cannot) or use a \
             directory of your own (--socket or JIRAD_SOCKET, or set XDG_RUNTIME_DIR)",
            dir.display(),
            meta.uid()
        )));
    }
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Err(DirError::Unsafe(format!(
            "the socket directory {} is writable by {} (mode {mode:04o}): another user could \
             replace the socket. Run `chmod 700 {}` or use a directory only you can write",
            dir.display(),
            if mode & 0o002 != 0 {
                "everyone"
            } else {
                "its group"
            },
            dir.display()
        )));
    }
    // The parent, as the kernel sees it from the directory we opened.
    // SAFETY: openat on our open directory fd with a NUL-terminated relative path; the returned
    // fd, when valid, is owned by the File made from it.
    let fd = unsafe {
        libc::openat(
            file.as_raw_fd(),
            c"..".as_ptr(),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    };
    if fd < 0 {
        return Err(DirError::Io(io::Error::last_os_error()));
    }
    // SAFETY: `fd` is a fresh, valid fd that nothing else owns.
    let parent = unsafe { File::from_raw_fd(fd) };
    let pmeta = parent.metadata().map_err(DirError::Io)?;
    let pmode = pmeta.permissions().mode() & 0o7777;
    let swappable =
        (pmeta.uid() != me && pmeta.uid() != 0) || (pmode & 0o022 != 0 && pmode & 0o1000 == 0);
    if swappable {
        return Err(DirError::Unsafe(format!(
            "the socket directory {} is inside a directory that another user can change (owner \
             uid {}, mode {pmode:04o}): they could swap the socket directory for their own. Use \
             a socket path under a directory only you (or root) can write",
            dir.display(),
            pmeta.uid()
        )));
    }
    Ok(file)
}

fn symlinked_dir(dir: &Path) -> String {
    let target = std::fs::read_link(dir)
        .map(|t| format!(" (to {})", t.display()))
        .unwrap_or_default();
    format!(
        "the socket directory {} is a symbolic link{target}: jirad never follows one there, since \
         whoever controls the link can swap it later. Remove the link and let jirad create the \
         directory, or use the real directory's path",
        dir.display()
    )
}

/// The daemon's side: creates the socket's directory 0700 when missing (and missing parents),
/// then checks it (see [`open_checked_dir`]). `tighten`: jirad's own default directory, made 0700
/// when it is merely readable by others. Returns the open directory for [`same_dir`].
pub fn prepare_dir(socket: &Path, tighten: bool) -> Result<File, TransportError> {
    let dir = socket_dir(socket);
    if matches!(std::fs::symlink_metadata(dir), Err(e) if e.kind() == io::ErrorKind::NotFound) {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|source| TransportError::Io {
                path: dir.to_owned(),
                source,
            })?;
    }
    let file = open_checked_dir(dir)?;
    if tighten {
        let mode = file.metadata().map(|m| m.permissions().mode() & 0o777);
        if matches!(mode, Ok(m) if m != 0o700) {
            file.set_permissions(std::fs::Permissions::from_mode(0o700))
                .map_err(|source| TransportError::Io {
                    path: dir.to_owned(),
                    source,
                })?;
        }
    }
    Ok(file)
}

/// Whether `dir`'s path (not following a final symlink) still names the directory opened as
/// `opened`: checked after binding by path, so a swap in between is caught.
pub fn same_dir(dir: &Path, opened: &File) -> bool {
    match (std::fs::symlink_metadata(dir), opened.metadata()) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino() && a.file_type().is_dir(),
        _ => false,
    }
}

/// The client's side after connecting: the peer must run as this user. `peer` is what
/// `SO_PEERCRED` / `getpeereid` said.
pub fn check_peer(socket: &Path, peer: io::Result<Option<u32>>) -> Result<(), String> {
    let me = euid();
    match peer {
        Ok(Some(uid)) if uid == me => Ok(()),
        Ok(Some(uid)) => Err(format!(
            "the process listening on {} runs as uid {uid}, not as you (uid {me}): it is not your \
             jirad, and nothing was sent to it. Find out who runs it, remove the socket, or use \
             another socket path",
            socket.display()
        )),
        Ok(None) => Err(format!(
            "cannot tell which user listens on {}: this system reports no peer credentials",
            socket.display()
        )),
        Err(e) => Err(format!(
            "cannot tell which user listens on {}: {e}",
            socket.display()
        )),
    }
}

/// Opens (or creates) the daemon's log for appending without following a symlink, mode 0600: a
/// regular file of this user's with no other hard link (a planted link could point at a
/// shell profile or a token file). An existing log readable by others is made 0600.
pub fn open_log(path: &Path) -> io::Result<File> {
    let refuse = |why: String| io::Error::new(io::ErrorKind::PermissionDenied, why);
    let file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP | libc::EMLINK) => refuse(format!(
                "{} is a symbolic link; jirad never writes its log through one (it could point \
                 anywhere). Remove it, or pass another --log-file",
                path.display()
            )),
            _ => e,
        })?;
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        return Err(refuse(format!(
            "{} is not a regular file; pass another --log-file",
            path.display()
        )));
    }
    if meta.uid() != euid() {
        return Err(refuse(format!(
            "{} belongs to uid {}, not to you; remove it or pass another --log-file",
            path.display(),
            meta.uid()
        )));
    }
    if meta.nlink() > 1 {
        return Err(refuse(format!(
            "{} has other hard links (it may be another file under a second name); remove it or \
             pass another --log-file",
            path.display()
        )));
    }
    if meta.permissions().mode() & 0o077 != 0 {
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

/// The exclusive lock that makes a daemon the only one on its socket: `SOCKET.lock`, next to the
/// socket, `flock`ed before the socket is probed, unlinked or bound and held until the process
/// exits (the kernel drops it even on SIGKILL). The file itself is never removed: a lock file
/// unlinked while another process waits on it would let two daemons in.
#[derive(Debug)]
pub struct DaemonLock {
    _file: File,
}

/// The lock file of the socket at `socket`.
pub fn lock_path(socket: &Path) -> PathBuf {
    let mut name = socket.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

impl DaemonLock {
    /// Takes the lock without waiting. Held by another process: `AlreadyRunning` with that
    /// process's pid (which it wrote into the file) when known.
    pub fn acquire(socket: &Path) -> Result<DaemonLock, TransportError> {
        let path = lock_path(socket);
        let io_err = |source| TransportError::Io {
            path: path.clone(),
            source,
        };
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)
            .map_err(|e| {
                if e.raw_os_error() == Some(libc::ELOOP) {
                    TransportError::Unsafe(format!(
                        "{} is a symbolic link; jirad never follows one in its socket directory. \
                         Remove it and start again",
                        path.display()
                    ))
                } else {
                    io_err(e)
                }
            })?;
        if !fs4::fs_std::FileExt::try_lock_exclusive(&file).map_err(io_err)? {
            // The holder writes its pid right after locking: give it a moment.
            let mut pid = None;
            for _ in 0..20 {
                let mut text = String::new();
                let _ = file.rewind().and_then(|()| file.read_to_string(&mut text));
                pid = text.trim().parse().ok();
                if pid.is_some() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            return Err(TransportError::AlreadyRunning {
                path: socket.to_owned(),
                pid,
            });
        }
        // Ours now: say who holds it, for the message of the next one that tries.
        let _ = file
            .set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| writeln!(file, "{}", std::process::id()))
            .and_then(|()| file.flush());
        Ok(DaemonLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_socket_is_refused_with_the_holder_pid() {
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("jirad.sock");
        let first = DaemonLock::acquire(&sock).unwrap();
        // flock locks belong to the open file description: a second open conflicts even in the
        // same process, as another daemon's would.
        match DaemonLock::acquire(&sock) {
            Err(TransportError::AlreadyRunning { pid, .. }) => {
                assert_eq!(pid, Some(std::process::id()))
            }
            other => panic!("{other:?}"),
        }
        drop(first);
        DaemonLock::acquire(&sock).unwrap();
    }

    fn unsafe_text(r: Result<File, DirError>) -> String {
        match r {
            Err(DirError::Unsafe(m)) => m,
            other => panic!("{other:?}"),
        }
    }

    fn chmod(p: &Path, mode: u32) {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn the_socket_directory_must_be_ours_private_and_not_a_symlink() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("d");
        std::fs::create_dir(&d).unwrap();
        chmod(&d, 0o700);
        open_checked_dir(&d).unwrap();
        chmod(&d, 0o755); // readable by others is fine: the socket itself is 0600
        open_checked_dir(&d).unwrap();
        chmod(&d, 0o775);
        assert!(unsafe_text(open_checked_dir(&d)).contains("writable by its group (mode 0775)"));
        chmod(&d, 0o1777);
        assert!(unsafe_text(open_checked_dir(&d)).contains("writable by everyone (mode 1777)"));
        chmod(&d, 0o700);
        let link = t.path().join("link");
        std::os::unix::fs::symlink(&d, &link).unwrap();
        assert!(unsafe_text(open_checked_dir(&link)).contains("is a symbolic link (to "));
        assert!(matches!(
            open_checked_dir(&t.path().join("missing")),
            Err(DirError::Missing)
        ));
        let file = t.path().join("file");
        std::fs::write(&file, "").unwrap();
        assert!(unsafe_text(open_checked_dir(&file)).contains("is not a directory"));
        // A parent others can write without the sticky bit lets them swap `d` away.
        chmod(t.path(), 0o777);
        assert!(unsafe_text(open_checked_dir(&d)).contains("another user can change"));
        chmod(t.path(), 0o1777);
        open_checked_dir(&d).unwrap();
        chmod(t.path(), 0o700);
    }

    #[test]
    fn prepare_dir_creates_0700_and_tightens_only_its_own_default() {
        let t = tempfile::tempdir().unwrap();
        let sock = t.path().join("a/b/jirad.sock");
        let dir = prepare_dir(&sock, false).unwrap();
        assert_eq!(dir.metadata().unwrap().permissions().mode() & 0o777, 0o700);
        assert!(same_dir(&t.path().join("a/b"), &dir));
        chmod(&t.path().join("a/b"), 0o755);
        prepare_dir(&sock, false).unwrap();
        let meta = std::fs::metadata(t.path().join("a/b")).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o755);
        prepare_dir(&sock, true).unwrap();
        let meta = std::fs::metadata(t.path().join("a/b")).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o700);
        // Swapped after the check: caught.
        std::fs::rename(t.path().join("a/b"), t.path().join("a/old")).unwrap();
        std::fs::create_dir(t.path().join("a/b")).unwrap();
        assert!(!same_dir(&t.path().join("a/b"), &dir));
    }

    #[test]
    fn the_log_is_private_and_never_opened_through_a_link() {
        let t = tempfile::tempdir().unwrap();
        let target = t.path().join("bashrc");
        std::fs::write(&target, "mine\n").unwrap();
        let log = t.path().join("jirad.log");
        std::os::unix::fs::symlink(&target, &log).unwrap();
        let err = open_log(&log).unwrap_err().to_string();
        assert!(err.contains("is a symbolic link"), "{err}");
        std::fs::remove_file(&log).unwrap();
        std::fs::hard_link(&target, &log).unwrap();
        let err = open_log(&log).unwrap_err().to_string();
        assert!(err.contains("other hard links"), "{err}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "mine\n");
        std::fs::remove_file(&log).unwrap();
        open_log(&log).unwrap();
        assert_eq!(
            std::fs::metadata(&log).unwrap().permissions().mode() & 0o777,
            0o600
        );
        chmod(&log, 0o644);
        open_log(&log).unwrap();
        assert_eq!(
            std::fs::metadata(&log).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn a_peer_of_another_uid_is_named_in_the_refusal() {
        let me = euid();
        check_peer(Path::new("/s"), Ok(Some(me))).unwrap();
        let other = me.wrapping_add(1);
        let err = check_peer(Path::new("/s"), Ok(Some(other))).unwrap_err();
        assert!(err.contains(&format!("runs as uid {other}, not as you (uid {me})")));
        assert!(check_peer(Path::new("/s"), Ok(None)).is_err());
    }

    #[test]
    fn a_symlinked_lock_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("jirad.sock");
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        std::os::unix::fs::symlink(&victim, lock_path(&sock)).unwrap();
        let err = DaemonLock::acquire(&sock).unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
    }
}
