//! Helpers for the auth tests: daemons that keep their state directory across restarts, extra
//! environment (a system-app config, trace logging), and a browser stand-in that follows
//! redirects.

use super::{jirad, wait_for_socket, Daemon};
use serde_json::Value;
use std::path::Path;
use std::process::Stdio;

/// Starts `jirad serve` in `dir` (its socket, config, state and log live there), with `env` set.
/// The config is written to `dir/config.toml`; the log goes to `dir/jirad.log` at `RUST_LOG`
/// from `env` (default `warn`).
pub fn start_in(dir: tempfile::TempDir, config: &str, env: &[(&str, String)]) -> Daemon {
    let socket = dir.path().join("jirad.sock");
    let path = dir.path().join("config.toml");
    super::write_private(&path, config);
    let mut cmd = jirad(dir.path());
    cmd.arg("serve")
        .arg("--socket")
        .arg(&socket)
        .arg("--config")
        .arg(&path)
        .arg("--log-file")
        .arg(dir.path().join("jirad.log"));
    for (k, v) in env {
        cmd.env(k, v);
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

/// A fresh temp dir for [`start_in`].
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// Stops `d` (SIGTERM, or SIGKILL when `kill`) and hands back its directory for a restart.
pub fn stop_keeping_dir(mut d: Daemon, kill: bool) -> tempfile::TempDir {
    if kill {
        d.signal(libc::SIGKILL);
        d.wait_exit();
    }
    std::mem::replace(&mut d.dir, tempdir())
    // Dropping `d` SIGTERMs it when still running and waits.
}

/// Writes a machine-wide config with `[system_app]` for the fake's system app into `dir` and
/// returns the `JIRAD_SYSTEM_CONFIG` environment entry pointing at it.
pub fn system_config(dir: &Path, world: &super::jira::JiraWorld) -> (&'static str, String) {
    let url = world.s(&["url"]);
    let text = format!(
        r#"[system_app]
client_id = "{cid}"
client_secret = "{secret}"
authorize_url = "{url}/authorize?audience=api.atlassian.com"
token_url = "{url}/oauth/token"
api_url = "{url}"
redirect_uri = "{redirect}"
"#,
        cid = world.s(&["systemApp", "clientId"]),
        secret = world.s(&["systemApp", "clientSecret"]),
        redirect = world.redirect_uri,
    );
    let path = dir.join("system.toml");
    std::fs::write(&path, text).expect("write system config");
    ("JIRAD_SYSTEM_CONFIG", path.display().to_string())
}

/// What a browser ends on after following every redirect from `url`.
pub struct Landing {
    pub status: u16,
    pub url: String,
    pub body: String,
}

/// Opens `url` like a browser would (following redirects), blocking.
pub fn browse(url: &str) -> Landing {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let resp = reqwest::get(url).await.expect("browse");
        let status = resp.status().as_u16();
        let url = resp.url().to_string();
        let body = resp.text().await.unwrap_or_default();
        Landing { status, url, body }
    })
}

/// Like [`browse`] without following redirects: the `Location` the first hop points to.
pub fn first_redirect(url: &str) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let resp = client.get(url).send().await.expect("get");
        resp.headers()["location"]
            .to_str()
            .expect("location")
            .to_owned()
    })
}

/// `data.kind` of an error reply.
pub fn kind(reply: &Value) -> &str {
    reply["error"]["data"]["kind"].as_str().unwrap_or_default()
}

/// Reads messages until the notification `method` whose params satisfy `pred`; replies to other
/// calls and other notifications are skipped. Returns its params.
pub fn wait_notification(
    c: &mut super::SocketClient,
    method: &str,
    pred: impl Fn(&Value) -> bool,
) -> Value {
    let matches = |msg: &Value| msg["method"] == method && pred(&msg["params"]);
    if let Some(i) = c.skipped.iter().position(matches) {
        return c.skipped.remove(i)["params"].clone();
    }
    loop {
        let msg = c
            .recv()
            .expect("connection closed while waiting for a notification");
        if matches(&msg) {
            return msg["params"].clone();
        }
    }
}

/// Logs `profile` in through the loopback (the fake approves at once) and waits for
/// `auth/didChange` authorized. Returns the landing page.
pub fn login(c: &mut super::SocketClient, profile: &str) -> Landing {
    let start = c.result("auth/login", serde_json::json!({ "profile": profile }));
    let landing = browse(
        start["authorizationUrl"]
            .as_str()
            .expect("authorizationUrl"),
    );
    wait_notification(c, "auth/didChange", |p| {
        p["profile"] == profile && p["state"] == "authorized"
    });
    landing
}

/// The profile's token file (`$XDG_STATE_HOME/jirad/NAME.json`) as JSON.
pub fn token_file(dir: &Path, profile: &str) -> Value {
    let path = dir.join("state/jirad").join(format!("{profile}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("token file is JSON")
}
