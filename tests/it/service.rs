//! Running as a service: systemd socket activation (the daemon serves the listening socket it was
//! handed as fd 3 and leaves the socket file to systemd), and a graceful SIGTERM against fake-jira
//! (in-flight calls finish within the grace, new clients are refused, the socket file goes away;
//! a call longer than the grace is cut off and the daemon still exits).

#![cfg(unix)]

use crate::support;

use serde_json::{json, Value};
use std::os::unix::io::{AsRawFd, RawFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::jira::JiraWorld;
use support::*;

/// An activated daemon, killed and reaped if a test fails before it exits.
struct Activated(Child);

impl Drop for Activated {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// `jirad serve` as systemd starts it: `fd` as fd 3 (inheritable), `LISTEN_FDS=1` and `LISTEN_PID`
/// set to the daemon's own pid (`sh` exports its pid, then `exec` keeps it) unless `listen_pid`.
fn activation(dir: &Path, fd: &impl AsRawFd, listen_pid: Option<&str>) -> Command {
    let base = jirad(dir);
    let mut cmd = Command::new("sh");
    for (k, v) in base.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let pid = listen_pid.unwrap_or("$$");
    cmd.arg("-c")
        .arg(format!(
            r#"LISTEN_PID={pid} LISTEN_FDS=1 LISTEN_FDNAMES=jirad.socket exec "$0" serve"#
        ))
        .arg(BIN)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    let fd: RawFd = fd.as_raw_fd();
    // SAFETY: only async-signal-safe calls (dup2, fcntl) between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            // dup2 gives fd 3 without FD_CLOEXEC; if the listener already is fd 3, clear it.
            let r = if fd == 3 {
                libc::fcntl(3, libc::F_SETFD, 0)
            } else {
                libc::dup2(fd, 3)
            };
            if r == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd
}

fn activate(dir: &Path, listener: &UnixListener, listen_pid: Option<&str>) -> Activated {
    Activated(
        activation(dir, listener, listen_pid)
            .spawn()
            .expect("spawn sh"),
    )
}

fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(st) = child.try_wait().expect("try_wait") {
            return st;
        }
        assert!(Instant::now() < deadline, "daemon did not exit");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn sigterm(child: &Child) {
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
}

#[test]
fn serves_the_socket_systemd_passes_and_leaves_it_to_systemd() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("activated.sock");
    let listener = UnixListener::bind(&path).unwrap();
    let mut daemon = activate(dir.path(), &listener, None);
    let child = &mut daemon.0;

    // The daemon accepts on the socket it was handed (connecting succeeds at once either way:
    // the kernel queues it on the listener), and binds nothing of its own.
    let mut c = SocketClient::connect(&path, Framing::Ndjson);
    let status = c.result("daemon/status", json!(null));
    assert_eq!(
        status["pid"],
        child.id(),
        "LISTEN_PID names the exec'd daemon"
    );
    assert_eq!(status["socketPath"], path.display().to_string());
    assert!(!dir.path().join("run/jirad/jirad.sock").exists());
    let mut lsp = SocketClient::connect(&path, Framing::Lsp);
    assert_eq!(lsp.result("daemon/status", json!(null))["connections"], 2);
    // Programs the daemon starts must not hold the socket (sd_listen_fds marks it close-on-exec).
    #[cfg(target_os = "linux")]
    {
        let info = std::fs::read_to_string(format!("/proc/{}/fdinfo/3", child.id())).unwrap();
        let flags = info
            .lines()
            .find_map(|l| l.strip_prefix("flags:"))
            .map(|f| u32::from_str_radix(f.trim(), 8).unwrap())
            .unwrap();
        assert_ne!(
            flags & libc::O_CLOEXEC as u32,
            0,
            "fd 3 is inherited: {info}"
        );
    }

    sigterm(child);
    assert!(wait_exit(child).success());
    c.expect_closed();
    // systemd owns the socket: the file stays, and a client connecting now is queued for the
    // next activation instead of failing.
    assert!(path.exists(), "the daemon deleted systemd's socket file");
    let _late = UnixStream::connect(&path).expect("socket still listening");
    listener.set_nonblocking(true).unwrap();
    assert!(
        listener.accept().is_ok(),
        "the late client waits on the listener"
    );
}

#[test]
fn a_socket_passed_to_another_pid_is_ignored() {
    // LISTEN_PID names another process (the variables leaked from a parent): bind as usual.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("activated.sock");
    let listener = UnixListener::bind(&path).unwrap();
    let mut daemon = activate(dir.path(), &listener, Some("1"));
    let child = &mut daemon.0;
    let own = dir.path().join("run/jirad/jirad.sock");
    wait_for_socket(&own);
    let mut c = SocketClient::connect(&own, Framing::Ndjson);
    assert_eq!(
        c.result("daemon/status", json!(null))["socketPath"],
        own.display().to_string()
    );
    sigterm(child);
    assert!(wait_exit(child).success());
    assert!(!own.exists());
}

#[test]
fn a_passed_fd_that_is_not_a_listening_socket_fails_clearly() {
    // A unit whose fd 3 is not a listening Unix socket: say so and exit, never serve elsewhere.
    let dir = tempfile::tempdir().unwrap();
    let file = std::fs::File::create(dir.path().join("not-a-socket")).unwrap();
    let (connected, _peer) = UnixStream::pair().unwrap();
    for (fd, why) in [
        (file.as_raw_fd(), "not a socket"),
        (connected.as_raw_fd(), "not listening"),
    ] {
        let mut daemon = Activated(
            activation(dir.path(), &fd, None)
                .stderr(Stdio::piped())
                .spawn()
                .unwrap(),
        );
        let status = wait_exit(&mut daemon.0);
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut daemon.0.stderr.take().unwrap(), &mut stderr).unwrap();
        assert!(!status.success(), "{why}: {stderr}");
        assert!(
            stderr.contains("socket passed by systemd"),
            "{why}: {stderr}"
        );
        assert!(!dir.path().join("run/jirad/jirad.sock").exists(), "{why}");
    }
}

/// Makes the fake hold the next `GET …/issue/DEMO-1` for `ms`, starts `issues/get` on `c`, and
/// returns once the request is being held by the fake (the rule has been consumed).
fn start_slow_get(w: &JiraWorld, c: &mut SocketClient, ms: u64) -> u64 {
    let rule = json!({"method": "GET", "pathContains": "/issue/DEMO-1", "action": "delay",
                      "delayMs": ms, "count": 1});
    assert_eq!(w.control("POST", "faults", rule).0, 200);
    let id = c.request("issues/get", json!({"key": "DEMO-1"}));
    let deadline = Instant::now() + Duration::from_secs(10);
    while w.control("GET", "faults", Value::Null).1["count"] != 0 {
        assert!(Instant::now() < deadline, "the call never reached the fake");
        std::thread::sleep(Duration::from_millis(5));
    }
    id
}

#[test]
fn sigterm_lets_an_in_flight_call_finish_and_refuses_new_clients() {
    let w = JiraWorld::start();
    let mut d = w.daemon("cloud");
    let mut idle = d.client(Framing::Lsp);
    assert!(idle.result("daemon/status", json!(null))["pid"].is_u64());
    let mut c = d.client(Framing::Ndjson);
    let id = start_slow_get(&w, &mut c, 3000);

    d.signal(libc::SIGTERM);
    // Stopped accepting: the socket file goes while the call is still held upstream.
    let deadline = Instant::now() + Duration::from_secs(10);
    while d.socket.exists() {
        assert!(Instant::now() < deadline, "socket file still there");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(
        UnixStream::connect(&d.socket).is_err(),
        "a new client got in"
    );
    assert_eq!(
        w.count_requests("GET", "/issue/DEMO-1"),
        0,
        "call already done"
    );

    let reply = c.recv().expect("the in-flight call's reply");
    assert_eq!(reply["id"], id);
    assert_eq!(reply["result"]["key"], "DEMO-1", "{reply}");
    idle.expect_closed();
    assert!(d.wait_exit().success());
}

#[test]
fn sigterm_cuts_off_a_call_longer_than_the_grace_and_exits() {
    let w = JiraWorld::start();
    let mut d = w.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    start_slow_get(&w, &mut c, 20_000);

    d.signal(libc::SIGTERM);
    let st = d.wait_exit();
    assert!(st.success(), "{st:?}");
    assert!(!d.socket.exists());
    // Cut off: the client sees the connection end without a reply.
    c.expect_closed();
}
