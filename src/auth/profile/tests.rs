//! Tests of profile parsing and validation: every kind, defaults, unknown keys, secret sources.

use super::*;
use crate::auth::app::{
    DEFAULT_AUTHORIZE_URL, DEFAULT_REDIRECT_URI, DEFAULT_SCOPES, DEFAULT_TOKEN_URL,
};
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct File {
    profiles: BTreeMap<String, ProfileConfig>,
}

fn parse(toml_text: &str) -> Result<ProfileConfig, String> {
    let f: File = toml::from_str(toml_text).map_err(|e| e.to_string())?;
    Ok(f.profiles.into_values().next().unwrap())
}

fn oauth(extra: &str) -> Result<OAuthSettings, String> {
    let cfg = parse(&format!("[profiles.p]\nauth = \"oauth\"\n{extra}"))?;
    match cfg.validate("p", None).map_err(|e| e.to_string())? {
        ProfileSettings::OAuth(s) => Ok(*s),
        _ => Err("not oauth".into()),
    }
}

fn system_app() -> SystemAppConfig {
    toml::from_str(
        "client_id = \"sys\"\nclient_secret = \"canary-system-secret\"\ntoken_url = \"http://127.0.0.1:9/t\"\n",
    )
    .unwrap()
}

#[test]
fn custom_app_defaults() {
    let s = oauth("app = \"custom\"\nclient_id = \"cid\"\nclient_secret_env = \"X\"\n").unwrap();
    assert_eq!(s.authorize_url.as_str(), DEFAULT_AUTHORIZE_URL);
    assert_eq!(s.token_url.as_str(), DEFAULT_TOKEN_URL);
    assert_eq!(s.refresh_url, s.token_url);
    assert_eq!(s.api_url.as_str(), "https://api.atlassian.com/");
    assert_eq!(s.redirect_uri.as_str(), DEFAULT_REDIRECT_URI);
    assert_eq!(s.scopes, DEFAULT_SCOPES);
    assert_eq!(s.authorization, AuthorizationMode::User);
    assert!(matches!(s.client_secret, SecretSource::Env(ref v) if v == "X"));
}

#[test]
fn custom_app_overrides() {
    let s = oauth(
        "app = \"custom\"\nauthorization = \"pre\"\nclient_id = \"cid\"\nclient_secret_file = \"/s\"\n\
         authorize_url = \"http://127.0.0.1:1/authorize\"\ntoken_url = \"http://127.0.0.1:1/token\"\n\
         refresh_url = \"http://127.0.0.1:1/refresh\"\napi_url = \"http://127.0.0.1:1/gw\"\n\
         scopes = [\"read:jira-work\", \"offline_access\"]\nredirect_uri = \"http://127.0.0.1:9999/cb\"\n\
         site = \"https://x.atlassian.net\"\ntoken_store = \"file\"\n",
    )
    .unwrap();
    assert_eq!(s.authorization, AuthorizationMode::Pre);
    assert_eq!(s.refresh_url.path(), "/refresh");
    assert_eq!(s.scopes, ["read:jira-work", "offline_access"]);
    assert_eq!(s.redirect_uri.port(), Some(9999));
    assert_eq!(s.site.as_deref(), Some("https://x.atlassian.net"));
}

#[test]
fn clear_validation_errors() {
    let e = oauth("app = \"custom\"\nclient_secret = \"x\"\n").unwrap_err();
    assert!(e.contains("needs `client_id`"), "{e}");
    let e = oauth("app = \"custom\"\nclient_id = \"c\"\n").unwrap_err();
    assert!(e.contains("`client_secret_env`"), "{e}");
    let e = oauth(
        "app = \"custom\"\nclient_id = \"c\"\nclient_secret = \"x\"\nclient_secret_env = \"E\"\n",
    )
    .unwrap_err();
    assert!(e.contains("only one"), "{e}");
    let e =
        oauth("app = \"custom\"\nclient_id = \"c\"\nclient_secret = \"x\"\ntoken_url = \"nope\"\n")
            .unwrap_err();
    assert!(e.contains("`token_url`"), "{e}");
    oauth(
        "app = \"custom\"\nclient_id = \"c\"\nclient_secret = \"x\"\ntoken_store = \"keyring\"\n",
    )
    .unwrap();
    let e = oauth(
        "app = \"custom\"\nclient_id = \"c\"\nclient_secret = \"x\"\ntoken_store = \"vault\"\n",
    )
    .unwrap_err();
    assert!(e.contains("vault"), "{e}");
    let e = oauth("app = \"system\"\n").unwrap_err();
    assert!(e.contains("[system_app]"), "{e}");
    let e = oauth("app = \"sideways\"\n").unwrap_err();
    assert!(e.contains("sideways"), "{e}");
}

#[test]
fn unknown_and_foreign_keys_are_named() {
    let e = parse(
        "[profiles.p]\nauth = \"pat\"\nbase_url = \"https://j\"\ntoken = \"t\"\nemail = \"a@b\"\n",
    )
    .unwrap_err();
    assert!(e.contains("unknown field `email`"), "{e}");
    let e = parse("[profiles.p]\nauth = \"oauth\"\nbase_url = \"https://j\"\n").unwrap_err();
    assert!(e.contains("unknown field `base_url`"), "{e}");
    let e = parse("[profiles.p]\nauth = \"api_token\"\nbase_url = \"https://j\"\nemail = \"a@b\"\ntoken = \"t\"\nclient_id = \"c\"\n")
        .unwrap_err();
    assert!(e.contains("unknown field `client_id`"), "{e}");
    let e = parse("[profiles.p]\nauth = \"basic\"\n").unwrap_err();
    assert!(e.contains("basic"), "{e}");
}

#[test]
fn system_app_profiles() {
    let cfg = parse("[profiles.p]\nauth = \"oauth\"\napp = \"system\"\nauthorization = \"pre\"\nsite = \"abc\"\n")
        .unwrap();
    let ProfileSettings::OAuth(s) = cfg.validate("p", Some(&system_app())).unwrap() else {
        panic!("not oauth")
    };
    assert_eq!(s.client_id, "sys");
    assert_eq!(s.token_url.as_str(), "http://127.0.0.1:9/t");
    assert_eq!(s.app, AppKind::System);
    // App keys in a system profile are refused, naming the key.
    let cfg =
        parse("[profiles.p]\nauth = \"oauth\"\napp = \"system\"\ntoken_url = \"https://t\"\n")
            .unwrap();
    let e = cfg
        .validate("p", Some(&system_app()))
        .unwrap_err()
        .to_string();
    assert!(e.contains("`token_url` belongs to the app"), "{e}");
}

#[test]
fn api_token_and_pat() {
    let cfg = parse("[profiles.c]\nauth = \"api_token\"\nbase_url = \"https://x.atlassian.net\"\nemail = \"a@b.c\"\ntoken_env = \"T\"\n")
        .unwrap();
    assert_eq!(cfg.kind(), AuthKind::ApiToken);
    assert!(matches!(
        cfg.validate("c", None).unwrap(),
        ProfileSettings::ApiToken { .. }
    ));
    let cfg = parse(
        "[profiles.d]\nauth = \"pat\"\nbase_url = \"https://jira.corp\"\ntoken_file = \"/t\"\n",
    )
    .unwrap();
    assert!(matches!(
        cfg.validate("d", None).unwrap(),
        ProfileSettings::Pat { .. }
    ));
    let cfg = parse("[profiles.d]\nauth = \"pat\"\nbase_url = \"https://jira.corp\"\n").unwrap();
    let e = cfg.validate("d", None).unwrap_err().to_string();
    assert!(
        e.contains("profile `d`") && e.contains("`token_file`"),
        "{e}"
    );
}

#[test]
fn system_config_loader() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    assert!(SystemAppConfig::load_from(&path).unwrap().is_none());
    std::fs::write(
        &path,
        "[system_app]\nclient_id = \"sys\"\nclient_secret = \"canary-sys\"\n",
    )
    .unwrap();
    let app = SystemAppConfig::load_from(&path).unwrap().unwrap().unwrap();
    assert_eq!(app.client_id, "sys");
    std::fs::write(
        &path,
        "[system_app]\nclient_id = \"sys\"\nclient_secret = \"canary-sys\"\nbogus = 1\n",
    )
    .unwrap();
    let e = SystemAppConfig::load_from(&path).unwrap_err().to_string();
    assert!(e.contains("bogus") && e.contains("line 4"), "{e}");
    assert!(!e.contains("canary-sys"), "{e}");
    std::fs::write(&path, "[system_app]\nclient_id = \"sys\"\n").unwrap();
    let e = SystemAppConfig::load_from(&path).unwrap_err().to_string();
    assert!(e.contains("client_secret"), "{e}");
}

#[test]
fn debug_never_shows_secrets() {
    let cfg = parse("[profiles.p]\nauth = \"oauth\"\napp = \"custom\"\nclient_id = \"c\"\nclient_secret = \"canary-client-secret\"\n")
        .unwrap();
    let settings = cfg.validate("p", None).unwrap();
    let shown = format!("{cfg:?} {settings:?} {:?}", system_app());
    assert!(!shown.contains("canary"), "{shown}");
    let cfg = parse("[profiles.p]\nauth = \"api_token\"\nbase_url = \"https://x\"\nemail = \"e\"\ntoken = \"canary-api-token\"\n")
        .unwrap();
    assert!(!format!("{cfg:?}").contains("canary"));
}

#[test]
fn system_config_from_the_environment_variable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("system.toml");
    std::fs::write(
        &path,
        "[system_app]\nclient_id = \"sys\"\nclient_secret_env = \"SYS_SECRET\"\n",
    )
    .unwrap();
    // The only test that touches this variable.
    std::env::set_var("JIRAD_SYSTEM_CONFIG", &path);
    let app = SystemAppConfig::load().unwrap().unwrap();
    std::env::set_var("JIRAD_SYSTEM_CONFIG", dir.path().join("missing.toml"));
    let missing = SystemAppConfig::load().unwrap_err().to_string();
    std::env::remove_var("JIRAD_SYSTEM_CONFIG");
    assert_eq!(app.client_id, "sys");
    assert!(missing.contains("does not exist"), "{missing}");
}

#[test]
fn cleartext_http_is_refused_except_to_this_machine() {
    let custom = |key: &str, url: &str| {
        oauth(&format!(
            "app = \"custom\"\nclient_id = \"cid\"\nclient_secret_env = \"X\"\n{key} = \"{url}\"\n"
        ))
    };
    for key in ["token_url", "refresh_url", "api_url", "authorize_url"] {
        let e = custom(key, "http://auth.example.com/x").unwrap_err();
        assert!(
            e.contains(&format!("`{key}`")) && e.contains("cleartext"),
            "{e}"
        );
        for ok in [
            "http://127.0.0.1:1/x",
            "http://127.9.9.9/x",
            "http://localhost:8080/x",
            "http://[::1]:1/x",
            "https://auth.example.com/x",
        ] {
            custom(key, ok).unwrap_or_else(|e| panic!("{key} = {ok}: {e}"));
        }
    }
    for (kind, extra) in [("api_token", "email = \"a@b.c\"\n"), ("pat", "")] {
        let cfg = parse(&format!(
            "[profiles.p]\nauth = \"{kind}\"\n{extra}base_url = \"http://jira.example.com\"\ntoken_env = \"T\"\n"
        ))
        .unwrap();
        let e = cfg.validate("p", None).unwrap_err().to_string();
        assert!(e.contains("`base_url`") && e.contains("cleartext"), "{e}");
    }
    // The machine-wide app's URLs too.
    let sys: SystemAppConfig = toml::from_str(
        "client_id = \"sys\"\nclient_secret = \"s\"\ntoken_url = \"http://10.0.0.1/t\"\n",
    )
    .unwrap();
    assert!(sys.app_keys().err().unwrap().contains("cleartext"));
}
