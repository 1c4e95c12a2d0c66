//! Profiles of every kind over a whole run logged at trace level: a pre-authorized system-app
//! profile authorized with `jirad auth login` survives a restart, API-token and PAT profiles work,
//! token files are private, and the log holds none of the secrets used.

#![cfg(unix)]

use crate::support;

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use support::auth::{browse, kind, start_in, stop_keeping_dir, system_config, tempdir, token_file};
use support::jira::JiraWorld;
use support::{jirad, Daemon, Framing};

const SYSTEM_PROFILE: &str = r#"
[profiles.sys]
auth = "oauth"
app = "system"
authorization = "pre"
"#;

/// `jirad auth ARGS` against the daemon `d`.
fn auth_cli(d: &Daemon, args: &[&str]) -> Command {
    let mut cmd = jirad(d.dir.path());
    cmd.env("JIRAD_SOCKET", &d.socket).arg("auth").args(args);
    cmd
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn every_kind_of_profile_works_and_the_trace_log_holds_no_secret() {
    let world = JiraWorld::start();
    let dir = tempdir();
    let system = system_config(dir.path(), &world);
    let env = [system, ("RUST_LOG", "trace".to_owned())];
    let config = world.config("sys", SYSTEM_PROFILE);
    let d = start_in(dir, &config, &env);
    let mut c = d.client(Framing::Ndjson);

    // Pre-authorized and not yet authorized: no prompt, no link, a message for the operator.
    let reply = c.call("auth/status", json!({"verify": true}));
    assert_eq!(kind(&reply), "authRequired", "{reply}");
    assert!(
        reply["error"]["data"]["authorizationUrl"].is_null(),
        "{reply}"
    );
    let msg = reply["error"]["message"].as_str().unwrap();
    assert!(msg.contains("jirad auth login --profile sys"), "{msg}");

    // The operator authorizes it with the CLI.
    let mut cli = auth_cli(&d, &["login", "--profile", "sys", "--no-browser"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(cli.stdout.take().unwrap());
    let mut printed = String::new();
    let url = loop {
        let mut line = String::new();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "no link in: {printed}"
        );
        printed.push_str(&line);
        if let Some(url) = line.trim().strip_prefix("http") {
            break format!("http{url}");
        }
    };
    let landing = browse(&url);
    assert_eq!(landing.status, 200, "{}", landing.body);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    assert!(cli.wait().unwrap().success(), "{printed}{rest}");
    let site = world.s(&["siteUrl"]);
    assert!(
        rest.contains(&format!(
            "Authorized profile `sys` as Alex Morgan on {site}"
        )),
        "{rest}"
    );
    let status = c.result("auth/status", json!({"verify": true}));
    assert_eq!(status["app"], "system");
    assert_eq!(status["authorization"], "pre");

    // Token files: 0600 in a 0700 directory.
    let store = d.dir.path().join("state/jirad");
    assert_eq!(mode(&store), 0o700);
    assert_eq!(mode(&store.join("sys.json")), 0o600);
    let tokens = token_file(d.dir.path(), "sys");

    // API token and PAT profiles are authorized from the config, and Jira agrees.
    for (profile, who) in [("cloud", "Alex Morgan"), ("dc", "Alex Morgan")] {
        let s = c.result("auth/status", json!({"profile": profile, "verify": true}));
        assert_eq!(s["state"], "authorized", "{s}");
        assert_eq!(s["account"]["displayName"], who, "{s}");
    }
    let all = c.result("auth/profiles", json!({}));
    let states: Vec<(String, String)> = all["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().into(),
                p["state"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("cloud", "authorized"),
            ("dc", "authorized"),
            ("oauth", "unauthorized"),
            ("sys", "authorized")
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    let listed = auth_cli(&d, &["status"]).output().unwrap();
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(
        listed.contains("sys") && listed.contains("as Alex Morgan"),
        "{listed}"
    );
    let listed = auth_cli(&d, &["status", "--json"]).output().unwrap();
    let listed: Value = serde_json::from_slice(&listed.stdout).expect("status --json is JSON");
    let names: Vec<&str> = listed["profiles"]
        .as_array()
        .expect("profiles")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names, ["cloud", "dc", "oauth", "sys"], "{listed}");
    let one = auth_cli(&d, &["status", "--profile", "sys", "--json"])
        .output()
        .unwrap();
    let one: Value = serde_json::from_slice(&one.stdout).expect("status --profile --json is JSON");
    assert_eq!(one["account"]["displayName"], "Alex Morgan", "{one}");

    // A restart keeps the pre-authorized profile working without anyone consenting again.
    drop(c);
    let dir = stop_keeping_dir(d, false);
    let d = start_in(dir, &config, &env);
    let mut c = d.client(Framing::Ndjson);
    let status = c.result("auth/status", json!({"verify": true}));
    assert_eq!(status["account"]["displayName"], "Alex Morgan");

    // Logout forgets the tokens.
    let out = auth_cli(&d, &["logout", "--profile", "sys", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let out: Value = serde_json::from_slice(&out.stdout).expect("logout --json is JSON");
    assert_eq!(out["name"], "sys", "{out}");
    assert!(!store_file_exists(d.dir.path(), "sys"));
    assert_eq!(c.result("auth/status", json!({}))["state"], "unauthorized");
    drop(c);

    let dir = stop_keeping_dir(d, false);
    let log = std::fs::read_to_string(dir.path().join("jirad.log")).unwrap();
    assert!(log.contains("TRACE"), "the log was captured at trace level");
    let canaries = [
        world.s(&["systemApp", "clientSecret"]),
        world.s(&["customApp", "clientSecret"]),
        world.s(&["apiToken", "token"]),
        world.s(&["pat"]),
        tokens["refresh_token"].as_str().unwrap().to_owned(),
        tokens["access_token"].as_str().unwrap().to_owned(),
    ];
    for secret in canaries {
        assert!(secret.len() > 8);
        assert!(!log.contains(&secret), "a secret reached the log");
    }
}

fn store_file_exists(dir: &Path, profile: &str) -> bool {
    dir.join("state/jirad")
        .join(format!("{profile}.json"))
        .exists()
}
