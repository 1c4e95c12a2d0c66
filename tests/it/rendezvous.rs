//! The rendezvous, attacked: another uid squatting the socket's directory or listening on the
//! socket, a symlinked socket directory, a planted log symlink, a world-writable directory. Both
//! ends refuse with a message that says what is wrong and how to fix it, nothing reaches the
//! impostor, and each scenario ends with the user's calls reaching the user's own daemon.
//!
//! Scenarios with two users need root (CI runs as root): the user under attack is uid 65534, the
//! impostor root or uid 65533. Without root they print "skipped" and pass; the others run as
//! whoever runs the tests.

#![cfg(unix)]

use crate::support;

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use support::{jirad, BIN};

/// The user under attack, when tests run as root.
const VICTIM: u32 = 65534;
/// Another user, owner of what the attacker plants.
const OTHER: u32 = 65533;

fn root() -> bool {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    if !root {
        eprintln!("skipped: needs root to act as two users");
    }
    root
}

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn chown(p: &Path, uid: u32) {
    std::os::unix::fs::lchown(p, Some(uid), Some(uid)).unwrap();
}

/// A home directory of the victim's (0700, owned by it).
fn victim_home() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    chown(home.path(), VICTIM);
    home
}

/// `jirad ARGS` as the victim, with `home` as HOME and no XDG_RUNTIME_DIR (an ssh session without
/// pam_systemd, cron, a container).
fn victim(home: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.uid(VICTIM)
        .gid(VICTIM)
        .current_dir(home)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env_remove("XDG_RUNTIME_DIR")
        .env_remove("XDG_CACHE_HOME")
        .env_remove("TMPDIR")
        .env_remove("JIRAD_SOCKET")
        .env_remove("JIRAD_CONFIG")
        .env_remove("JIRAD_SYSTEM_CONFIG")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null());
    cmd
}

/// Runs `cmd` to its end, at most 20 s (then it is killed: a daemon that should have refused to
/// start fails the test instead of hanging it).
fn run(mut cmd: Command) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run jirad");
    let pipe = |r: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out_t = pipe(child.stdout.take().map(|r| Box::new(r) as _));
    let err_t = pipe(child.stderr.take().map(|r| Box::new(r) as _));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let out = Output {
        status,
        stdout: out_t.join().unwrap(),
        stderr: err_t.join().unwrap(),
    };
    eprintln!(
        "{:?} -> {:?}\n{}",
        cmd.get_args().collect::<Vec<_>>(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn reply(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// Something posing as jirad on `path`: it answers every request with `{"impostor": true}` and
/// remembers every byte it was sent. Stops (and closes its socket) when dropped.
struct Impostor {
    received: Arc<Mutex<Vec<u8>>>,
    connections: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    path: PathBuf,
}

impl Impostor {
    fn listen(path: &Path) -> Impostor {
        let listener = UnixListener::bind(path).unwrap();
        chmod(path, 0o777); // anyone may connect: the old clients did
        let imp = Impostor {
            received: Arc::default(),
            connections: Arc::default(),
            stop: Arc::default(),
            path: path.to_owned(),
        };
        let (received, connections, stop) = (
            imp.received.clone(),
            imp.connections.clone(),
            imp.stop.clone(),
        );
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                connections.fetch_add(1, Ordering::SeqCst);
                let received = received.clone();
                std::thread::spawn(move || {
                    let mut w = stream.try_clone().unwrap();
                    for line in BufReader::new(stream).lines().map_while(Result::ok) {
                        received.lock().unwrap().extend_from_slice(line.as_bytes());
                        let id = serde_json::from_str::<Value>(&line)
                            .map(|v| v["id"].clone())
                            .unwrap_or(Value::Null);
                        let r = json!({"jsonrpc": "2.0", "id": id,
                                       "result": {"impostor": true, "pid": 4242}});
                        let _ = writeln!(w, "{r}");
                    }
                });
            }
        });
        imp
    }

    fn received(&self) -> usize {
        self.received.lock().unwrap().len()
    }
}

impl Drop for Impostor {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = UnixStream::connect(&self.path); // wakes the accept loop
    }
}

/// The victim's own daemon answers `daemon/status` (starting it if needed) on the default path,
/// then is stopped.
fn own_daemon_answers(home: &Path, socket: Option<&Path>) -> Value {
    let with_socket = |cmd: &mut Command| {
        if let Some(s) = socket {
            cmd.arg("--socket").arg(s);
        }
    };
    let mut cmd = victim(home);
    cmd.args(["call", "daemon/status"]);
    with_socket(&mut cmd);
    let out = run(cmd);
    assert!(out.status.success(), "{}", stderr(&out));
    let status = reply(&out);
    assert!(status.get("impostor").is_none(), "{status}");
    let mut stop = victim(home);
    stop.arg("stop");
    with_socket(&mut stop);
    assert!(run(stop).status.success());
    status
}

/// With XDG_RUNTIME_DIR unset, the old default `/tmp/jirad-$UID` could be created first by anyone:
/// another user who listened there got every call. The fallback is now under the user's own
/// home (`~/.cache/jirad`), and the squatted directory, named explicitly, is refused by both ends.
#[test]
fn another_uid_squatting_the_fallback_directory_gets_nothing() {
    if !root() {
        return;
    }
    let squat = PathBuf::from(format!("/tmp/jirad-{VICTIM}"));
    /// Removes the squatted directory however the test ends.
    struct Cleanup(PathBuf);
    impl Drop for Cleanup {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    match std::fs::symlink_metadata(&squat) {
        // A leftover of this test (its owner is the test's other user): take it over.
        Ok(m) if std::os::unix::fs::MetadataExt::uid(&m) == OTHER => {
            std::fs::remove_dir_all(&squat).unwrap()
        }
        Ok(_) => {
            eprintln!("skipped: {} exists already", squat.display());
            return;
        }
        Err(_) => {}
    }
    std::fs::create_dir(&squat).unwrap();
    let _cleanup = Cleanup(squat.clone());
    chmod(&squat, 0o777);
    let sock = squat.join("jirad.sock");
    let imp = Impostor::listen(&sock);
    chown(&squat, OTHER);
    let home = victim_home();

    // The default path: the user's own daemon, in the user's own directory.
    let status = own_daemon_answers(home.path(), None);
    let expected = home.path().join(".cache/jirad/jirad.sock");
    assert_eq!(status["socketPath"], expected.display().to_string());

    // Named explicitly, the squatted directory is refused before connecting or starting a daemon.
    let mut call = victim(home.path());
    call.args(["call", "daemon/status", "--socket"]).arg(&sock);
    let out = run(call);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "belongs to uid {OTHER}, not to you (uid {VICTIM})"
        )),
        "{err}"
    );
    let mut serve = victim(home.path());
    serve.args(["serve", "--socket"]).arg(&sock);
    let out = run(serve);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("another user may be posing as jirad"));

    assert_eq!(imp.received(), 0, "the impostor was sent something");
    assert_eq!(imp.connections.load(Ordering::SeqCst), 0);
    drop(imp);
}

/// A process of another uid listening in the user's own directory (however it got there): the
/// client checks the peer's uid after connecting and sends nothing; a daemon starting there
/// refuses to treat it as a live jirad. Once it is gone, the user's own daemon takes the path.
#[test]
fn another_uid_listening_on_the_socket_is_refused() {
    if !root() {
        return;
    }
    let home = victim_home();
    let dir = home.path().join("run");
    std::fs::create_dir(&dir).unwrap();
    chown(&dir, VICTIM);
    chmod(&dir, 0o700);
    let sock = dir.join("jirad.sock");
    let imp = Impostor::listen(&sock); // bound by root: the peer's uid is 0

    let mut call = victim(home.path());
    call.args(["call", "daemon/status", "--socket"]).arg(&sock);
    let out = run(call);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "runs as uid 0, not as you (uid {VICTIM}): it is not your jirad"
        )),
        "{err}"
    );

    let mut mcp = victim(home.path());
    mcp.args(["mcp", "--no-spawn", "--socket"])
        .arg(&sock)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    let mut child = mcp.spawn().unwrap();
    {
        let mut w = child.stdin.take().unwrap();
        for msg in [
            json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}),
            json!({"jsonrpc":"2.0","method":"notifications/initialized"}),
            json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"issues_get","arguments":{"key":"DEMO-1"}}}),
        ] {
            writeln!(w, "{msg}").unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("not your jirad"), "{text}");

    let mut serve = victim(home.path());
    serve.args(["serve", "--socket"]).arg(&sock);
    let out = run(serve);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("not your jirad"));

    assert_eq!(imp.received(), 0, "the impostor was sent something");
    drop(imp);
    own_daemon_answers(home.path(), Some(&sock));
}

/// A symlink as the socket directory: whoever controls it can swap it later. The daemon used to
/// follow it (checking and chmodding the target); both ends now refuse it.
#[test]
fn a_symlinked_socket_directory_is_refused_by_both_ends() {
    let home = tempfile::tempdir().unwrap();
    let run_dir = home.path().join("run");
    let target = home.path().join("elsewhere");
    std::fs::create_dir_all(&run_dir).unwrap();
    std::fs::create_dir_all(&target).unwrap();
    chmod(&run_dir, 0o700);
    chmod(&target, 0o700);
    std::os::unix::fs::symlink(&target, run_dir.join("jirad")).unwrap();
    let cmd = |args: &[&str]| {
        let mut c = jirad(home.path());
        c.env("XDG_RUNTIME_DIR", &run_dir).args(args);
        c
    };

    let out = run(cmd(&["serve"]));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("is a symbolic link") && err.contains("never follows one"),
        "{err}"
    );
    assert!(std::fs::read_dir(&target).unwrap().next().is_none());

    let out = run(cmd(&["call", "daemon/status"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is a symbolic link"));
    assert!(std::fs::read_dir(&target).unwrap().next().is_none());

    std::fs::remove_file(run_dir.join("jirad")).unwrap();
    let out = run(cmd(&["call", "daemon/status"]));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        reply(&out)["socketPath"],
        run_dir.join("jirad/jirad.sock").display().to_string()
    );
    assert!(run(cmd(&["stop"])).status.success());
}

/// A log file planted as a symlink (to a shell profile, say): the daemon used to append to the
/// target. It now refuses to start, saying why; the target is untouched.
#[test]
fn a_planted_log_symlink_is_never_written_through() {
    let home = tempfile::tempdir().unwrap();
    let bashrc = home.path().join(".bashrc");
    std::fs::write(&bashrc, "# mine\n").unwrap();
    let dir = home.path().join("s");
    std::fs::create_dir(&dir).unwrap();
    chmod(&dir, 0o700);
    let sock = dir.join("jirad.sock");
    let log = dir.join("jirad.log");
    std::os::unix::fs::symlink(&bashrc, &log).unwrap();

    let out = run({
        let mut c = jirad(home.path());
        c.arg("serve")
            .arg("--socket")
            .arg(&sock)
            .arg("--log-file")
            .arg(&log);
        c
    });
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("is a symbolic link"), "{err}");

    // `jirad call` starts the daemon with its log next to the socket: same refusal.
    let call = |c: &mut Command| {
        c.args(["call", "daemon/status", "--socket"]).arg(&sock);
    };
    let out = run({
        let mut c = jirad(home.path());
        call(&mut c);
        c
    });
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&bashrc).unwrap(), "# mine\n");

    std::fs::remove_file(&log).unwrap();
    let out = run({
        let mut c = jirad(home.path());
        call(&mut c);
        c
    });
    assert!(out.status.success(), "{}", stderr(&out));
    let meta = std::fs::symlink_metadata(&log).unwrap();
    assert!(meta.file_type().is_file());
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let mut c = jirad(home.path());
    c.arg("stop").arg("--socket").arg(&sock);
    assert!(run(c).status.success());
    assert_eq!(std::fs::read_to_string(&bashrc).unwrap(), "# mine\n");
}

/// An explicit `--socket` in a directory others can write (where they could unlink the socket
/// and bind their own) used to be accepted silently.
#[test]
fn a_world_writable_socket_directory_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("shared");
    std::fs::create_dir(&dir).unwrap();
    chmod(&dir, 0o777);
    let sock = dir.join("jirad.sock");
    let with = |args: &[&str]| {
        let mut c = jirad(home.path());
        c.args(args).arg("--socket").arg(&sock);
        c
    };

    let out = run(with(&["serve"]));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("is writable by everyone (mode 0777)")
            && err.contains(&format!("chmod 700 {}", dir.display())),
        "{err}"
    );
    let out = run(with(&["call", "daemon/status"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is writable by everyone"));
    assert!(!sock.exists(), "a daemon was started there");

    // /tmp itself (sticky, everyone's) is no place for the socket either.
    let tmp_sock = PathBuf::from(format!("/tmp/jirad-test-{}.sock", std::process::id()));
    let mut c = jirad(home.path());
    c.arg("serve").arg("--socket").arg(&tmp_sock);
    let out = run(c);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("the socket directory /tmp is"));
    assert!(!tmp_sock.exists());

    chmod(&dir, 0o700);
    let out = run(with(&["call", "daemon/status"]));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(run(with(&["stop"])).status.success());
}
