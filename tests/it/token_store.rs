//! A rotated refresh token is never lost, against a fake Atlassian as strict as the real one (a
//! rotated token reused after the 10-minute leeway revokes the whole grant):
//!
//! - the token store fails during a refresh (read-only token directory), and the daemon then
//!   idles past the leeway: the refresh token was never spent, the grant lives;
//! - the save fails after the token endpoint rotated the pair (a failpoint): the pair is kept in
//!   memory and used, the store is reported degraded (status, `auth/didChange`, an error in the
//!   log) until the retried save succeeds, and the old refresh token is never spent again;
//! - SIGKILL inside the save window (the rename held by a failpoint), restart past the leeway:
//!   the orphan temp file is adopted, the grant lives.
//!
//! Each ends with the user's calls working and no token family revoked.

#![cfg(unix)]

use crate::support;

use serde_json::{json, Value};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use support::auth::{browse, login, start_in, stop_keeping_dir, token_file, wait_notification};
use support::jira::JiraWorld;
use support::{jirad, wait_for_socket, Framing};

/// As root, the daemon runs as this uid (root writes into read-only directories).
const USER: u32 = 65534;

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// No grant of the fake was revoked (a late reuse of a rotated refresh token revokes its family).
fn no_family_revoked(world: &JiraWorld) {
    let inner = world.fake.shared().lock();
    assert!(
        inner.families.values().all(|f| !f.revoked),
        "a token family was revoked: a rotated refresh token was reused after the leeway"
    );
}

fn token_requests(world: &JiraWorld) -> usize {
    world.count_requests("POST", "/oauth/token")
}

/// The daemon under test when it must run as another user than the test: started and called
/// through `jirad` processes of that user (the daemon refuses connections of other uids).
struct UserDaemon {
    dir: tempfile::TempDir,
    uid: Option<u32>,
    child: Option<std::process::Child>,
}

impl UserDaemon {
    fn socket(&self) -> PathBuf {
        self.dir.path().join("jirad.sock")
    }

    fn start(&mut self) {
        let mut cmd = jirad(self.dir.path());
        cmd.arg("serve")
            .arg("--socket")
            .arg(self.socket())
            .arg("--config")
            .arg(self.dir.path().join("config.toml"))
            .arg("--log-file")
            .arg(self.dir.path().join("jirad.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        if let Some(u) = self.uid {
            cmd.uid(u).gid(u);
        }
        self.child = Some(cmd.spawn().expect("spawn jirad"));
        wait_for_socket(&self.socket());
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            // SAFETY: kill(2) on our own child.
            unsafe { libc::kill(c.id() as i32, libc::SIGTERM) };
            assert!(c.wait().unwrap().success());
        }
    }

    /// `jirad call METHOD PARAMS` as the daemon's user: the result, or the error object.
    fn call(&self, method: &str, params: Value) -> Result<Value, Value> {
        let mut cmd = jirad(self.dir.path());
        cmd.args([
            "call",
            "--no-spawn",
            method,
            &params.to_string(),
            "--socket",
        ])
        .arg(self.socket());
        if let Some(u) = self.uid {
            cmd.uid(u).gid(u);
        }
        let out = cmd.output().unwrap();
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        match out.status.code() {
            Some(0) => Ok(serde_json::from_slice(&out.stdout).unwrap()),
            Some(1) => Err(serde_json::from_slice(&out.stderr)
                .unwrap_or_else(|_| panic!("{}", text(&out.stderr)))),
            _ => panic!("jirad call {method}: {out:?} {}", text(&out.stderr)),
        }
    }

    fn token_dir(&self) -> PathBuf {
        self.dir.path().join("state/jirad")
    }
}

impl Drop for UserDaemon {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The token directory turns read-only (a full disk or a quota behaves the same: the save
/// cannot be prepared) while the access token expires. The refresh fails before the token
/// endpoint is called; the daemon idles past the leeway; once the directory is writable again
/// the same refresh token works. Before: the endpoint rotated the pair, the save failed, the
/// new pair was dropped and the old refresh token retried after the leeway: grant revoked.
#[test]
fn a_store_failing_during_refresh_then_idling_past_the_leeway_keeps_the_grant() {
    let world = JiraWorld::start();
    let dir = tempfile::tempdir().unwrap();
    let uid = root().then_some(USER);
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        world.config("oauth", "[jira]\nretry_base_ms = 20\n"),
    )
    .unwrap();
    chmod(&config, 0o600);
    if let Some(u) = uid {
        for p in [dir.path(), config.as_path()] {
            std::os::unix::fs::chown(p, Some(u), Some(u)).unwrap();
        }
    }
    let mut d = UserDaemon {
        dir,
        uid,
        child: None,
    };
    d.start();
    let start = d.call("auth/login", json!({"profile": "oauth"})).unwrap();
    browse(start["authorizationUrl"].as_str().unwrap());
    let deadline = Instant::now() + Duration::from_secs(20);
    while d.call("auth/status", json!({"profile": "oauth"})).unwrap()["state"] != "authorized" {
        assert!(Instant::now() < deadline, "login did not complete");
        std::thread::sleep(Duration::from_millis(50));
    }
    let get = json!({"key": "DEMO-1", "fresh": true});
    d.call("issues/get", get.clone()).unwrap();
    let after_login = token_requests(&world);

    chmod(&d.token_dir(), 0o500);
    world.fake.advance_clock(3700); // the access token expired: the next call must refresh
    let err = d.call("issues/get", get.clone()).unwrap_err();
    assert!(
        err["message"]
            .as_str()
            .unwrap_or("")
            .contains("token store"),
        "{err}"
    );
    assert_eq!(
        token_requests(&world),
        after_login,
        "the refresh token was spent although the new pair could not be saved"
    );

    world.fake.advance_clock(700); // past the 10-minute leeway
    chmod(&d.token_dir(), 0o700);
    let issue = d.call("issues/get", get.clone()).unwrap();
    assert_eq!(issue["key"], "DEMO-1");
    no_family_revoked(&world);

    d.stop();
    d.start();
    d.call("issues/get", get).unwrap();
    no_family_revoked(&world);
}

/// The save fails after the token endpoint rotated the pair (`JIRAD_FAILPOINTS`, armed while a
/// file exists): the pair is the only live credential, kept in memory and used; the token store
/// is degraded (status, notification, error log) until a retried save works.
#[test]
fn a_rotated_pair_that_cannot_be_saved_is_kept_used_and_saved_later() {
    let world = JiraWorld::start();
    let dir = tempfile::tempdir().unwrap();
    let fail = dir.path().join("fail");
    let config = world.config("oauth", "[jira]\nretry_base_ms = 20\n");
    let env = [(
        "JIRAD_FAILPOINTS",
        format!("token-save=error@{}", fail.display()),
    )];
    let d = start_in(dir, &config, &env);
    let mut c = d.client(Framing::Ndjson);
    login(&mut c, "oauth");
    let mut watcher = d.client(Framing::Ndjson);
    watcher.result("daemon/status", json!(null));
    let saved_rt = token_file(d.dir.path(), "oauth")["refresh_token"].clone();
    let get = json!({"key": "DEMO-1", "fresh": true});

    std::fs::write(&fail, "").unwrap();
    world.fake.advance_clock(3700);
    assert_eq!(c.result("issues/get", get.clone())["key"], "DEMO-1");
    let status = c.result("auth/status", json!({"profile": "oauth"}));
    assert_eq!(
        (status["state"].clone(), status["tokenStore"].clone()),
        (json!("authorized"), json!("degraded")),
        "{status}"
    );
    assert!(status["tokenStoreError"]
        .as_str()
        .unwrap()
        .contains("could not be saved"));
    let note = wait_notification(&mut watcher, "auth/didChange", |p| {
        p["profile"] == "oauth" && p["tokenStore"] == "degraded"
    });
    assert_eq!(note["state"], "authorized");
    let log = std::fs::read_to_string(d.dir.path().join("jirad.log")).unwrap();
    assert!(
        log.contains("ERROR") && log.contains("could not be saved"),
        "{log}"
    );
    assert_eq!(
        token_file(d.dir.path(), "oauth")["refresh_token"],
        saved_rt,
        "nothing was saved"
    );

    // Past the leeway of the first rotation, the access token expires again: the unsaved
    // rotated refresh token is the one spent, never the saved (rotated-away) one.
    world.fake.advance_clock(3700);
    assert_eq!(c.result("issues/get", get.clone())["key"], "DEMO-1");
    no_family_revoked(&world);

    // The store heals: the next call nudges the retry, which saves the pair in use.
    std::fs::remove_file(&fail).unwrap();
    c.result("issues/get", json!({"key": "DEMO-2"}));
    wait_notification(&mut watcher, "auth/didChange", |p| {
        p["profile"] == "oauth" && p["tokenStore"] == "saved"
    });
    let status = c.result("auth/status", json!({"profile": "oauth"}));
    assert_eq!(status["tokenStore"], "saved");
    assert!(status.get("tokenStoreError").is_none());
    assert_ne!(token_file(d.dir.path(), "oauth")["refresh_token"], saved_rt);

    drop((c, watcher));
    let dir = stop_keeping_dir(d, false);
    let d = start_in(dir, &config, &[]);
    let mut c = d.client(Framing::Ndjson);
    assert_eq!(c.result("issues/get", get)["key"], "DEMO-1");
    no_family_revoked(&world);
}

/// SIGKILL between writing the rotated pair to its temp file and renaming it into place (held
/// there by `JIRAD_FAILPOINTS`), then a restart more than 10 minutes later: the daemon adopts
/// the orphan temp file (fsynced before the rename that never happened) and the grant lives.
/// Before: the orphan was ignored (and never removed), the rotated-away refresh token was
/// retried after the leeway, and the grant was revoked.
#[test]
fn sigkill_inside_the_save_window_then_a_restart_past_the_leeway_keeps_the_grant() {
    let world = JiraWorld::start();
    let dir = tempfile::tempdir().unwrap();
    let hold = dir.path().join("hold");
    let config = world.config("oauth", "[jira]\nretry_base_ms = 20\n");
    let env = [(
        "JIRAD_FAILPOINTS",
        format!("token-save-before-rename=pause:60000@{}", hold.display()),
    )];
    let d = start_in(dir, &config, &env);
    let mut c = d.client(Framing::Ndjson);
    login(&mut c, "oauth");
    let saved_rt = token_file(d.dir.path(), "oauth")["refresh_token"].clone();

    std::fs::write(&hold, "").unwrap();
    world.fake.advance_clock(3700);
    c.request("issues/get", json!({"key": "DEMO-1", "fresh": true}));
    let log = d.dir.path().join("jirad.log");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("token-save-before-rename")
    {
        assert!(
            Instant::now() < deadline,
            "the daemon never reached the save window (is the failpoint there?)"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let tokens = d.dir.path().join("state/jirad");
    let dir = stop_keeping_dir(d, true);
    let orphans = temp_files(&tokens);
    assert_eq!(orphans.len(), 1, "{orphans:?}");
    let orphan: Value =
        serde_json::from_str(&std::fs::read_to_string(&orphans[0]).unwrap()).unwrap();
    assert_ne!(
        orphan["refresh_token"], saved_rt,
        "the orphan holds the rotated pair"
    );
    std::fs::remove_file(&hold).unwrap();

    world.fake.advance_clock(700); // restart more than 10 minutes after the rotation
    let d = start_in(dir, &config, &[]);
    let mut c = d.client(Framing::Ndjson);
    let r = c.call("issues/get", json!({"key": "DEMO-1", "fresh": true}));
    assert!(r.get("error").is_none(), "the grant was lost: {r}");
    assert_eq!(
        token_file(d.dir.path(), "oauth")["refresh_token"],
        orphan["refresh_token"]
    );
    assert!(temp_files(&tokens).is_empty(), "orphan temp files left");
    let log = std::fs::read_to_string(d.dir.path().join("jirad.log")).unwrap();
    assert!(log.contains("adopted tokens"), "{log}");
    no_family_revoked(&world);
}

fn temp_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tmp"))
        .collect()
}
