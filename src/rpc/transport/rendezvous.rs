//! The rendezvous on Unix: one daemon per socket (a lock file held for the daemon's whole life).

use super::TransportError;
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

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
