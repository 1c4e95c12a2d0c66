//! Abusive peers that need more open files than a test may have: child processes that each open
//! and hold silent connections, so a test holds 2,000 of them under the default limit of 1,024
//! open files. And the limit itself: [`default_open_files`] gives a child the desktop's 1,024.

use std::io::Read;
use std::os::fd::FromRawFd;
use std::path::Path;

/// The usual desktop soft limit.
pub const DEFAULT_OPEN_FILES: u64 = 1024;

/// Gives the program `cmd` starts the desktop's open-file limits (soft and hard 1,024) where the
/// test's are higher, so every daemon a test starts lives within them and cannot raise them. Set
/// on the child only: the tests share one process, whose limit stays as it was.
pub fn default_open_files(cmd: &mut std::process::Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs in the forked child before exec and makes only async-signal-safe
    // system calls on its own stack.
    unsafe {
        cmd.pre_exec(|| {
            let mut lim = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 {
                lim.rlim_cur = lim.rlim_cur.min(DEFAULT_OPEN_FILES);
                lim.rlim_max = lim.rlim_max.min(DEFAULT_OPEN_FILES);
                libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
            }
            Ok(())
        });
    }
}

/// Child processes holding connections open; killed on drop.
pub struct Holders {
    pids: Vec<libc::pid_t>,
    /// Connections the children opened.
    pub opened: usize,
}

/// Most connections one child opens (it has 1,024 descriptors at most).
const PER_CHILD: usize = 800;

/// Where the holders connect.
pub enum Target<'a> {
    /// A Unix socket path.
    Unix(&'a Path),
    /// `127.0.0.1:port`.
    Loopback(u16),
}

impl Holders {
    /// Opens `n` connections to `target` from child processes; each sends nothing, or `send` once.
    pub fn open(target: Target<'_>, n: usize, send: &[u8]) -> Holders {
        let mut pids = Vec::new();
        let mut opened = 0;
        let mut left = n;
        while left > 0 {
            let take = left.min(PER_CHILD);
            let (pid, got) = spawn_child(&target, take, send);
            pids.push(pid);
            opened += got;
            left -= take;
        }
        Holders { pids, opened }
    }
}

impl Drop for Holders {
    fn drop(&mut self) {
        for &pid in &self.pids {
            // SAFETY: signalling and reaping our own children.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, std::ptr::null_mut(), 0);
            }
        }
    }
}

/// The address, built before `fork`: the child only makes async-signal-safe calls.
enum Addr {
    Unix(libc::sockaddr_un),
    Inet(libc::sockaddr_in),
}

fn addr(target: &Target<'_>) -> Addr {
    match target {
        Target::Unix(path) => {
            // SAFETY: all-zero is a valid sockaddr_un.
            let mut a: libc::sockaddr_un = unsafe { std::mem::zeroed() };
            a.sun_family = libc::AF_UNIX as libc::sa_family_t;
            let bytes = path.as_os_str().as_encoded_bytes();
            assert!(bytes.len() < a.sun_path.len(), "socket path too long");
            for (d, s) in a.sun_path.iter_mut().zip(bytes) {
                *d = *s as libc::c_char;
            }
            Addr::Unix(a)
        }
        Target::Loopback(port) => {
            // SAFETY: all-zero is a valid sockaddr_in.
            let mut a: libc::sockaddr_in = unsafe { std::mem::zeroed() };
            a.sin_family = libc::AF_INET as libc::sa_family_t;
            a.sin_port = port.to_be();
            a.sin_addr.s_addr = u32::from(std::net::Ipv4Addr::LOCALHOST).to_be();
            Addr::Inet(a)
        }
    }
}

/// Forks a child that opens `n` connections, reports how many through a pipe, and sleeps until
/// killed.
fn spawn_child(target: &Target<'_>, n: usize, send: &[u8]) -> (libc::pid_t, usize) {
    let addr = addr(target);
    let mut fds = [0; 2];
    // SAFETY: pipe writes two descriptors into `fds`.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0, "pipe");
    // SAFETY: the child calls only async-signal-safe functions (socket, connect, write, close,
    // nanosleep, pause, _exit) on memory prepared before the fork.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork");
    if pid == 0 {
        // SAFETY: see above; the child never returns.
        unsafe { child(&addr, n, send, fds[1]) }
    }
    // SAFETY: our copy of the write end, closed once; the read end is owned by the File.
    unsafe { libc::close(fds[1]) };
    // SAFETY: fds[0] is the pipe's read end, ours alone.
    let mut pipe = unsafe { std::fs::File::from_raw_fd(fds[0]) };
    let mut count = [0u8; 8];
    let got = match pipe.read_exact(&mut count) {
        Ok(()) => u64::from_le_bytes(count) as usize,
        Err(_) => 0,
    };
    (pid, got)
}

/// The child: connect `n` times (retrying a full backlog), report, sleep.
unsafe fn child(addr: &Addr, n: usize, send: &[u8], report: libc::c_int) -> ! {
    let (family, sa, len) = match addr {
        Addr::Unix(a) => (
            libc::AF_UNIX,
            a as *const libc::sockaddr_un as *const libc::sockaddr,
            std::mem::size_of::<libc::sockaddr_un>(),
        ),
        Addr::Inet(a) => (
            libc::AF_INET,
            a as *const libc::sockaddr_in as *const libc::sockaddr,
            std::mem::size_of::<libc::sockaddr_in>(),
        ),
    };
    let pause = libc::timespec {
        tv_sec: 0,
        tv_nsec: 1_000_000,
    };
    let mut opened: u64 = 0;
    for _ in 0..n {
        for _attempt in 0..2000 {
            let fd = libc::socket(family, libc::SOCK_STREAM, 0);
            if fd < 0 {
                break;
            }
            if libc::connect(fd, sa, len as libc::socklen_t) == 0 {
                if !send.is_empty() {
                    libc::write(fd, send.as_ptr().cast(), send.len());
                }
                opened += 1;
                break;
            }
            libc::close(fd);
            libc::nanosleep(&pause, std::ptr::null_mut());
        }
    }
    let bytes = opened.to_le_bytes();
    libc::write(report, bytes.as_ptr().cast(), bytes.len());
    libc::close(report);
    loop {
        libc::pause();
    }
}
