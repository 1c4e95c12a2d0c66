//! `jirad auth login|status|logout`: the operator's side of authorization, through the daemon
//! (started like `jirad call` does when nothing listens), so tokens are written in one place.
//!
//! Exit codes as `jirad call`: 0 success, 1 the daemon reported an error or the login failed,
//! 2 cannot connect or bad arguments.

use super::{AuthArgs, AuthCommand};
use crate::daemon_client::{DaemonClient, SpawnArgs};
use crate::rpc::transport::socket_path;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::ExitCode;

const EXIT_FAILED: u8 = 1;
const EXIT_NO_DAEMON: u8 = 2;

/// Runs a `jirad auth` command.
pub async fn run(args: AuthArgs) -> ExitCode {
    let _ = super::logging::init("warn", None);
    let mut client = match connect(args.socket.clone(), args.config.as_ref()).await {
        Ok(c) => c,
        Err(code) => return code,
    };
    let profile = match &args.command {
        AuthCommand::Login { profile, .. }
        | AuthCommand::Status { profile }
        | AuthCommand::Logout { profile } => profile.clone(),
    };
    let params = profile.as_ref().map(|p| json!({ "profile": p }));
    let json = args.json;
    let result = match args.command {
        AuthCommand::Login { no_browser, .. } => login(&mut client, params, no_browser, json).await,
        AuthCommand::Status { profile: Some(_) } => {
            call(&mut client, "auth/status", params).await.map(|p| {
                if json {
                    print_json(&p)
                } else {
                    print_profiles(&[p])
                }
            })
        }
        AuthCommand::Status { profile: None } => call(&mut client, "auth/profiles", None)
            .await
            .map(|r| match json {
                true => print_json(&r),
                false => print_profiles(r["profiles"].as_array().map_or(&[][..], Vec::as_slice)),
            }),
        AuthCommand::Logout { .. } => call(&mut client, "auth/logout", params).await.map(|p| {
            if json {
                return print_json(&p);
            }
            println!(
                "{}: logged out; its tokens and cached data are forgotten",
                p["name"].as_str().unwrap_or("?")
            )
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

async fn connect(
    socket: Option<PathBuf>,
    config: Option<&PathBuf>,
) -> Result<DaemonClient, ExitCode> {
    let path = socket_path(socket);
    let mut spawn = SpawnArgs::default();
    if let Some(c) = config {
        spawn.extra = vec!["--config".into(), c.display().to_string()];
    }
    DaemonClient::connect_or_spawn(&path, &spawn)
        .await
        .map_err(|e| {
            eprintln!("jirad: {e}");
            ExitCode::from(EXIT_NO_DAEMON)
        })
}

/// Calls `method`; an error reply is printed (message, then the link when there is one).
async fn call(
    client: &mut DaemonClient,
    method: &str,
    params: Option<Value>,
) -> Result<Value, ExitCode> {
    match client.call(method, params).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => {
            eprintln!("jirad: {}", e["message"].as_str().unwrap_or("error"));
            Err(ExitCode::from(EXIT_FAILED))
        }
        Err(e) => {
            eprintln!("jirad: {e}");
            Err(ExitCode::from(EXIT_NO_DAEMON))
        }
    }
}

/// Starts the login, shows the link (and opens it), then waits for the daemon to report the
/// outcome for this profile.
async fn login(
    client: &mut DaemonClient,
    params: Option<Value>,
    no_browser: bool,
    json: bool,
) -> Result<(), ExitCode> {
    // With `--json`, stdout carries only the two results; what is said to people goes to stderr.
    let say = |line: String| {
        if json {
            eprintln!("{line}")
        } else {
            println!("{line}")
        }
    };
    let name = match &params {
        Some(p) => p["profile"].as_str().unwrap_or_default().to_owned(),
        None => call(client, "auth/status", None).await?["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    };
    let start = call(client, "auth/login", params.clone()).await?;
    let url = start["authorizationUrl"].as_str().unwrap_or_default();
    if json {
        println!("{start}");
    }
    say(format!(
        "Open this link to authorize profile `{name}` (valid until {}):",
        start["expiresAt"].as_str().unwrap_or("?")
    ));
    say(format!("  {url}"));
    if !no_browser {
        open_browser(url);
    }
    if start["listening"] == json!(false) {
        say("The loopback callback port is busy: after consenting, pass the URL the browser shows to `jirad call auth/complete`.".into());
    }
    say("Waiting for consent...".into());
    let note = loop {
        let n = client.next_notification().await.map_err(|e| {
            eprintln!("jirad: {e}");
            ExitCode::from(EXIT_NO_DAEMON)
        })?;
        if n["method"] != "auth/didChange" || n["params"]["profile"] != json!(name) {
            continue;
        }
        let why = n["params"]["error"].as_str();
        match n["params"]["state"].as_str() {
            Some("authorized") => break why.map(str::to_owned),
            Some("pending") => continue,
            _ => {
                let why = why.unwrap_or("authorization did not complete");
                eprintln!("jirad: login failed for profile `{name}`: {why}");
                return Err(ExitCode::from(EXIT_FAILED));
            }
        }
    };
    let status = call(client, "auth/status", params).await?;
    if let Some(note) = note {
        if status["site"].is_object() {
            // A failed re-login keeps the earlier authorization and says why.
            eprintln!("jirad: login failed for profile `{name}` (the earlier authorization is kept): {note}");
            return Err(ExitCode::from(EXIT_FAILED));
        }
        // Authorized, but the grant covers several sites: say how to choose.
        say(note);
    }
    if json {
        print_json(&status);
        return Ok(());
    }
    println!(
        "Authorized profile `{name}` as {} on {}",
        status["account"]["displayName"]
            .as_str()
            .unwrap_or("(unknown account)"),
        status["site"]["url"]
            .as_str()
            .unwrap_or("(no site chosen yet)"),
    );
    Ok(())
}

fn print_json(value: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
    );
}

/// Best effort: the link is printed anyway.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let spawned = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Err(e) = spawned {
        eprintln!("jirad: could not start {opener} ({e}); open the link yourself");
    }
}

/// One line per profile: `NAME  KIND  STATE  [who on which site]  [error]`.
fn print_profiles(profiles: &[Value]) {
    if profiles.is_empty() {
        println!("no profiles are configured: add a [profiles.NAME] table to the config (see docs/auth.md)");
    }
    for p in profiles {
        let kind = match (
            p["kind"].as_str(),
            p["app"].as_str(),
            p["authorization"].as_str(),
        ) {
            (Some("oauth"), Some(app), Some(mode)) => {
                format!("oauth ({app} app, {mode}-authorized)")
            }
            (Some(k), _, _) => k.to_owned(),
            _ => "?".into(),
        };
        let mut line = format!(
            "{:<12} {:<36} {}",
            p["name"].as_str().unwrap_or("?"),
            kind,
            p["state"].as_str().unwrap_or("?")
        );
        if let Some(who) = p["account"]["displayName"].as_str() {
            line.push_str(&format!("  as {who}"));
        }
        if let Some(site) = p["site"]["url"].as_str() {
            line.push_str(&format!(" on {site}"));
        }
        if let Some(exp) = p["accessTokenExpiresAt"].as_str() {
            line.push_str(&format!("  (access token until {exp})"));
        }
        if let Some(err) = p["error"].as_str() {
            line.push_str(&format!("  error: {err}"));
        }
        println!("{line}");
    }
}
