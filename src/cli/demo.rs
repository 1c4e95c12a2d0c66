//! `jirad demo`: the daemon with the embedded fake Jira and a pre-authorized OAuth profile `demo`.
//!
//! Everything lives in a private temp directory (0700: config 0600, token store), deleted on exit,
//! so the demo never touches the user's config or tokens. The directory is `flock`ed while the demo
//! runs; one left by a demo that was killed is removed at the next start. The profile is a real OAuth profile (custom app
//! = the fake's app, `authorization = "pre"`): tokens minted by the fake are written to the token
//! store before the daemon starts, so the auth, refresh and gateway paths run exactly as they do
//! against Atlassian, with no account and no browser.

use super::DemoArgs;
use crate::auth::{
    Account, AuthOptions, Site, StoredTokens, TokenStore, TokenStoreKind, DEFAULT_SCOPES,
};
use crate::config::Config;
use fake_jira::{FakeJira, Options};
use secrecy::SecretString;
use serde_json::Value;
use std::path::Path;
use std::process::ExitCode;

/// The fake's first user, the one every credential acts as.
const DEMO_ACCOUNT: (&str, &str) = ("557058:f58131cb-b67d-43c7-b30d-6b58d40bd077", "Alex Morgan");

/// Runs the demo until Ctrl-C, `jirad stop` or `daemon/stop`.
pub async fn run(args: DemoArgs) -> ExitCode {
    if let Err(e) = super::logging::init("warn", None) {
        eprintln!("jirad: cannot start logging: {e}");
        return ExitCode::FAILURE;
    }
    #[cfg(unix)]
    remove_stale_demos(&std::env::temp_dir());
    let dir = match tempfile::Builder::new().prefix(DEMO_PREFIX).tempdir() {
        Ok(d) => d,
        Err(e) => return super::serve::fail(&format!("cannot create a temp directory: {e}")),
    };
    // Held until the directory is gone: it tells a later demo that this one is alive.
    let _alive = match hold_dir(dir.path()) {
        Ok(f) => f,
        Err(e) => return super::serve::fail(&format!("cannot lock {}: {e}", dir.path().display())),
    };
    let fake = match FakeJira::start(Options {
        auto_approve: true,
        ..Options::default()
    })
    .await
    {
        Ok(f) => f,
        Err(e) => return super::serve::fail(&format!("cannot start the fake Jira: {e}")),
    };
    let info = fake.info();
    let config_path = dir.path().join("config.toml");
    let state_dir = dir.path().join("state");
    let prepared = write_config(&info, &config_path)
        .and_then(|()| seed_tokens(&fake, &info, &state_dir))
        .and_then(|()| Config::load(Some(&config_path)).map_err(|e| e.to_string()));
    let config = match prepared {
        Ok((config, _)) => config,
        Err(e) => return super::serve::fail(&format!("cannot prepare the demo: {e}")),
    };
    let auth = AuthOptions {
        state_dir: Some(state_dir),
        ..AuthOptions::default()
    };
    let site = s(&info, "siteUrl");
    let code = super::serve::serve_socket(config, args.socket.socket, auth, |socket| {
        print_banner(socket, site, dir.path());
    })
    .await;
    drop(fake);
    code
}

fn s<'a>(info: &'a Value, key: &str) -> &'a str {
    info[key].as_str().unwrap_or_default()
}

/// The demo's config: one OAuth profile on the fake's app, pre-authorized, site pinned.
fn write_config(info: &Value, path: &Path) -> Result<(), String> {
    let url = s(info, "url");
    let app = &info["systemApp"];
    let redirect = info["redirectUris"][0].as_str().unwrap_or_default();
    let text = format!(
        r#"# Written by `jirad demo`: the embedded fake Jira at {url}.
default_profile = "demo"

[profiles.demo]
auth = "oauth"
app = "custom"
authorization = "pre"
client_id = "{cid}"
client_secret = "{secret}"
authorize_url = "{url}/authorize?audience=api.atlassian.com"
token_url = "{url}/oauth/token"
api_url = "{url}"
redirect_uri = "{redirect}"
site = "{cloud}"
"#,
        cid = app["clientId"].as_str().unwrap_or_default(),
        secret = app["clientSecret"].as_str().unwrap_or_default(),
        cloud = s(info, "cloudId"),
    );
    write_private(path, &text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The demo's temp directories: `jirad-demo-XXXXXX` in the temp dir.
const DEMO_PREFIX: &str = "jirad-demo-";

/// Creates `path` 0600 (never through a symlink, never over an existing file) and writes `text`.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    o.open(path)?.write_all(text.as_bytes())
}

/// Makes `dir` 0700 (tempfile does; checked) and locks it for as long as the returned file lives.
fn hold_dir(dir: &Path) -> std::io::Result<std::fs::File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    let f = std::fs::File::open(dir)?;
    #[cfg(unix)]
    fs4::fs_std::FileExt::lock_exclusive(&f)?;
    Ok(f)
}

/// Removes what demos that were killed (SIGKILL, a crash, a reboot of the terminal) left in the
/// temp dir: this user's `jirad-demo-*` directories that no running demo holds. One younger than
/// two seconds is left alone (a demo starting right now locks its directory just after creating
/// it).
#[cfg(unix)]
fn remove_stale_demos(tmp: &Path) {
    use std::os::unix::fs::MetadataExt;
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return;
    };
    let me = crate::rpc::transport::rendezvous::euid();
    for e in entries.filter_map(Result::ok) {
        if !e
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(DEMO_PREFIX))
        {
            continue;
        }
        let path = e.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        let young = meta
            .modified()
            .ok()
            .and_then(|m| m.elapsed().ok())
            .is_none_or(|age| age < std::time::Duration::from_secs(2));
        if !meta.file_type().is_dir() || meta.uid() != me || young {
            continue;
        }
        let Ok(dir) = std::fs::File::open(&path) else {
            continue;
        };
        if fs4::fs_std::FileExt::try_lock_exclusive(&dir).unwrap_or(false) {
            match std::fs::remove_dir_all(&path) {
                Ok(()) => {
                    tracing::warn!("removed {}, left by a demo that was killed", path.display())
                }
                Err(e) => tracing::warn!("cannot remove {}: {e}", path.display()),
            }
        }
    }
}

/// Mints a token pair for the fake's app and stores it as `jirad auth login` would have.
fn seed_tokens(fake: &FakeJira, info: &Value, state_dir: &Path) -> Result<(), String> {
    let t = fake.mint_tokens(&DEFAULT_SCOPES);
    let token = |k: &str| t[k].as_str().map(|v| SecretString::from(v.to_owned()));
    let expires_in = t["expires_in"].as_u64().unwrap_or(3600);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let scopes: Vec<String> = DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect();
    let tokens = StoredTokens {
        client_id: info["systemApp"]["clientId"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        refresh_token: token("refresh_token"),
        access_token: token("access_token"),
        access_expires_at: Some(now + expires_in),
        site: Some(Site {
            id: s(info, "cloudId").to_owned(),
            url: s(info, "siteUrl").to_owned(),
            name: "demo".into(),
            scopes: scopes.clone(),
        }),
        account: Some(Account {
            account_id: DEMO_ACCOUNT.0.into(),
            display_name: DEMO_ACCOUNT.1.into(),
        }),
        scopes,
    };
    let store = TokenStore::new(state_dir);
    store
        .lock("demo", TokenStoreKind::File)
        .and_then(|lock| lock.save(&tokens))
        .map_err(|e| e.to_string())
}

/// How to connect, on stdout (logs go to stderr).
fn print_banner(socket: &Path, site: &str, dir: &Path) {
    let sock = socket.display();
    println!(
        r#"jirad demo: a daemon with an embedded sample Jira (projects DEMO and OPS; DEMO's scrum
board 1 is in its active sprint, "DEMO Sprint 2") and the pre-authorized OAuth profile "demo"
(the default). No Jira account needed.

  socket      {sock}
  sample Jira {site}  (e.g. {site}/browse/DEMO-1)
  state       {dir} (private; deleted on exit, or at the next start if killed)

Try it (another terminal):
  export JIRAD_SOCKET={sock}
  jirad call issues/get '{{"key":"DEMO-1"}}'
  jirad call issues/list '{{"project":"DEMO","limit":5}}'
  jirad call issues/list '{{"jql":"sprint in openSprints() ORDER BY Rank","limit":5}}'
  python3 -c 'from jirad import Client; print(Client.connect().issues.get("DEMO-1")["summary"])'
  node -e 'require("jirad").connect().then(async (j) => {{ console.log((await j.issues.get({{key: "DEMO-1"}})).summary); j.dispose(); }})'
  nvim -c 'Jira open DEMO-1'
  jirad mcp                     # Model Context Protocol server for local agents (stdio)

Ctrl-C (or `jirad stop`) ends the demo."#,
        dir = dir.display(),
    );
}
