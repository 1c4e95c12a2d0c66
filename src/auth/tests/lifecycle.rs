//! Token lifecycle: single-flight refresh, rotation saved before use, 401 handling,
//! `invalid_grant`, static credentials, and no secret in errors, Debug or logs.

use std::sync::{Arc, Mutex};

use secrecy::{ExposeSecret, SecretString};

use super::{drain, Env};
use crate::auth::store::failpoint;
use crate::auth::{AuthError, AuthEvent, Flavor, ProfileConfig, ProfileState, TokenStoreHealth};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hundred_concurrent_callers_cause_one_refresh() {
    let env = Env::new().await;
    env.seed_expired("canary-rt-seed");
    env.fake.with(|s| s.refresh_delay_ms = 100);
    let m = env.manager(&env.oauth_profiles("user", ""));
    let calls = (0..100).map(|_| {
        let m = m.clone();
        tokio::spawn(async move { m.authorization("p").await })
    });
    let mut headers = Vec::new();
    for c in calls {
        headers.push(c.await.unwrap().unwrap().header.expose_secret().to_owned());
    }
    assert_eq!(env.fake.with(|s| s.refresh_grants), 1);
    assert!(headers
        .iter()
        .all(|h| *h == headers[0] && h.starts_with("Bearer canary-at-")));
    // The rotated refresh token is on disk.
    let current = env.fake.with(|s| s.current_rt.clone());
    assert_eq!(env.stored_refresh_token(), current);
    assert_ne!(current.as_deref(), Some("canary-rt-seed"));
}

/// A rotated pair that cannot be saved is the only live credential: it is kept in memory and
/// used, the token store reports degraded (status and event), the old refresh token is never
/// spent again, and the save is retried until it works.
#[tokio::test]
async fn an_unsaved_rotation_is_kept_used_and_saved_later() {
    let env = Env::new().await;
    env.seed_expired("canary-rt-seed");
    let m = env.manager(&env.oauth_profiles("user", ""));
    let mut rx = m.subscribe();
    failpoint::set(env.dir.path(), true);
    let auth = m.authorization("p").await.unwrap();
    assert!(auth.header.expose_secret().starts_with("Bearer canary-at-"));
    assert_eq!(env.fake.with(|s| s.refresh_grants), 1);
    assert_eq!(
        env.stored_refresh_token().as_deref(),
        Some("canary-rt-seed"),
        "the failed save left the old file"
    );
    let status = m.status("p").unwrap();
    assert_eq!(status.state, ProfileState::Authorized);
    match status.token_store {
        Some(TokenStoreHealth::Degraded(why)) => assert!(why.contains("injected"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert!(drain(&mut rx).iter().any(|e| matches!(
        e,
        AuthEvent::TokenStore {
            health: TokenStoreHealth::Degraded(_),
            ..
        }
    )));

    // The access token expires again: the rotated (unsaved) refresh token is the one spent.
    let again = m.rejected("p", &auth.header).await.unwrap();
    assert_ne!(again.header.expose_secret(), auth.header.expose_secret());
    assert_eq!(env.fake.with(|s| s.refresh_grants), 2);
    assert!(
        env.fake.with(|s| !s.spent_reused),
        "a rotated refresh token was spent again"
    );

    // The store heals: the next call's nudge (or the backoff) saves the pair in use.
    failpoint::set(env.dir.path(), false);
    m.authorization("p").await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while m.status("p").unwrap().token_store != Some(TokenStoreHealth::Saved) {
        assert!(std::time::Instant::now() < deadline, "never saved");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let current = env.fake.with(|s| s.current_rt.clone());
    assert_eq!(env.stored_refresh_token(), current);
    assert!(drain(&mut rx).iter().any(|e| matches!(
        e,
        AuthEvent::TokenStore {
            health: TokenStoreHealth::Saved,
            ..
        }
    )));
}

#[tokio::test]
async fn a_401_refreshes_once_per_token() {
    let env = Env::new().await;
    env.seed_expired("canary-rt-seed");
    let m = env.manager(&env.oauth_profiles("user", ""));
    let first = m.authorization("p").await.unwrap();
    assert_eq!(env.fake.with(|s| s.refresh_grants), 1);
    let second = m.rejected("p", &first.header).await.unwrap();
    assert_eq!(env.fake.with(|s| s.refresh_grants), 2);
    assert_ne!(first.header.expose_secret(), second.header.expose_secret());
    // A late 401 for the replaced token does not refresh again.
    let third = m.rejected("p", &first.header).await.unwrap();
    assert_eq!(env.fake.with(|s| s.refresh_grants), 2);
    assert_eq!(third.header.expose_secret(), second.header.expose_secret());
}

#[tokio::test]
async fn invalid_grant_makes_the_profile_unauthorized_with_a_new_link() {
    let env = Env::new().await;
    env.seed_expired("canary-rt-revoked");
    env.fake.seed_refresh_token("canary-rt-other");
    let m = env.manager(&env.oauth_profiles("user", ""));
    let mut rx = m.subscribe();
    let url = match m.authorization("p").await {
        Err(AuthError::AuthRequired {
            authorization_url: Some(u),
            ..
        }) => u,
        other => panic!("{other:?}"),
    };
    let events = drain(&mut rx);
    assert!(events.iter().any(|e| matches!(e,
        AuthEvent::DidChange { state: ProfileState::Unauthorized, error: Some(err), .. } if err.contains("invalid_grant"))));
    assert!(events
        .iter()
        .any(|e| matches!(e, AuthEvent::AuthorizationRequired { url: u, .. } if *u == url)));
    assert!(env.stored_refresh_token().is_none());
    // No retry loop: the next call asks for authorization again without a token request.
    assert!(matches!(
        m.authorization("p").await,
        Err(AuthError::AuthRequired { .. })
    ));
    assert_eq!(env.fake.with(|s| s.refresh_grants), 1);
}

#[tokio::test]
async fn api_token_and_pat_headers() {
    std::env::set_var("JIRAD_TEST_PAT_CANARY", "canary-pat");
    let text = "[c]\nauth = \"api_token\"\nbase_url = \"https://x.atlassian.net\"\nemail = \"a@b.c\"\ntoken = \"canary-api\"\n\
                [d]\nauth = \"pat\"\nbase_url = \"https://jira.corp/\"\ntoken_env = \"JIRAD_TEST_PAT_CANARY\"\n";
    let profiles: std::collections::BTreeMap<String, ProfileConfig> = toml::from_str(text).unwrap();
    let env = Env::new().await;
    let m = env.manager(&profiles);
    let c = m.authorization("c").await.unwrap();
    use base64::Engine;
    let expect = base64::engine::general_purpose::STANDARD.encode("a@b.c:canary-api");
    assert_eq!(c.header.expose_secret(), format!("Basic {expect}"));
    assert_eq!(c.site.flavor, Flavor::Cloud);
    let d = m.authorization("d").await.unwrap();
    assert_eq!(d.header.expose_secret(), "Bearer canary-pat");
    assert_eq!(d.site.flavor, Flavor::DataCenter);
    assert_eq!(d.site.api_base.as_str(), "https://jira.corp/");
    assert_eq!(
        m.rejected("d", &d.header).await.unwrap_err().kind(),
        "authFailed"
    );
    assert!(m.login("d").await.is_err());
    let names: Vec<_> = m
        .profiles()
        .into_iter()
        .map(|p| (p.name, p.state))
        .collect();
    // Jira refused d's token above: its status says so.
    assert_eq!(
        names,
        [
            ("c".into(), ProfileState::Authorized),
            ("d".into(), ProfileState::Failed)
        ]
    );
    // An unknown profile is `notFound` on every method.
    assert_eq!(m.status("nope").unwrap_err().kind(), "notFound");
}

/// A `MakeWriter` collecting everything logged.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

#[tokio::test]
async fn no_secret_in_logs_errors_or_debug() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(capture.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let env = Env::new().await;
    let profiles = env.oauth_profiles("user", "");
    let m = env.manager(&profiles);
    let mut seen = format!("{profiles:?}");
    let start = m.login("p").await.unwrap();
    super::open_in_browser(&start.authorization_url).await;
    let auth = m.authorization("p").await.unwrap();
    seen += &format!(
        "{auth:?} {:?} {:?}",
        m.profiles(),
        m.rejected("p", &auth.header).await
    );
    env.fake.seed_refresh_token("canary-rt-elsewhere");
    let e = m
        .rejected("p", &m.authorization("p").await.unwrap().header)
        .await
        .unwrap_err();
    seen += &format!("{e} {e:?}");
    let secret = SecretString::from("canary-direct");
    seen += &format!("{secret:?}");
    seen += &String::from_utf8_lossy(&capture.0.lock().unwrap());
    assert!(seen.contains("authorized"), "the capture is empty: {seen}");
    assert!(!seen.contains("canary"), "a secret leaked: {seen}");
}

#[tokio::test]
async fn tokens_refreshed_by_another_process_are_adopted() {
    let env = Env::new().await;
    env.seed_expired("canary-rt-seed");
    let profiles = env.oauth_profiles("user", "");
    let (a, b) = (env.manager(&profiles), env.manager(&profiles));
    let from_a = a.authorization("p").await.unwrap();
    // B still holds the old pair in memory; it must take A's rotation from disk rather than
    // spend the old refresh token again.
    let from_b = b.authorization("p").await.unwrap();
    assert_eq!(env.fake.with(|s| s.refresh_grants), 1);
    assert_eq!(from_a.header.expose_secret(), from_b.header.expose_secret());
}

#[tokio::test]
async fn refresh_goes_to_refresh_url_and_wrong_secret_fails_the_profile() {
    let env = Env::new().await;
    env.seed_expired("canary-rt-seed");
    let extra = format!("refresh_url = \"{}\"\n", env.fake.url("/oauth/refresh"));
    let m = env.manager(&env.oauth_profiles("user", &extra));
    m.authorization("p").await.unwrap();
    assert_eq!(env.fake.with(|s| s.refresh_path_hits), 1);

    let env = Env::new().await;
    env.seed_expired("canary-rt-seed");
    let mut profiles = env.oauth_profiles("user", "");
    if let Some(ProfileConfig::OAuth(c)) = profiles.get_mut("p") {
        c.client_secret = Some(SecretString::from("canary-wrong-secret"));
    }
    let m = env.manager(&profiles);
    let e = m.authorization("p").await.unwrap_err();
    assert_eq!(e.kind(), "authFailed");
    assert!(e.to_string().contains("access_denied"), "{e}");
    assert!(!format!("{e} {e:?}").contains("canary"));
    assert_eq!(m.status("p").unwrap().state, ProfileState::Failed);
    // The refresh token is kept: the grant is not what failed.
    assert_eq!(
        env.stored_refresh_token().as_deref(),
        Some("canary-rt-seed")
    );
}
