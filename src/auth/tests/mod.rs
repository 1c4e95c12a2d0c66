//! The manager against an in-test fake Atlassian: login through the loopback, restarts, refresh
//! rotation and single flight, `invalid_grant`, several sites, static credentials, no leaks.

mod fake;
mod flows;
mod lifecycle;

use std::collections::BTreeMap;
use std::time::Duration;

use secrecy::SecretString;

use crate::auth::store::{Account, StoredTokens, TokenStore};
use crate::auth::TokenStoreKind;
use crate::auth::{AuthEvent, AuthManager, AuthOptions, ProfileConfig, Site};
use fake::Fake;

pub(crate) struct Env {
    pub fake: Fake,
    pub dir: tempfile::TempDir,
    pub port: u16,
}

impl Env {
    pub async fn new() -> Env {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Env {
            fake: Fake::start().await,
            dir: tempfile::tempdir().unwrap(),
            port,
        }
    }

    /// One custom-app OAuth profile `p` against the fake; `extra` adds keys.
    pub fn oauth_profiles(
        &self,
        authorization: &str,
        extra: &str,
    ) -> BTreeMap<String, ProfileConfig> {
        let text = format!(
            "[p]\nauth = \"oauth\"\napp = \"custom\"\nauthorization = \"{authorization}\"\nclient_id = \"cid\"\n\
             client_secret = \"{secret}\"\nauthorize_url = \"{a}?audience=api.atlassian.com\"\ntoken_url = \"{t}\"\n\
             api_url = \"{g}\"\nredirect_uri = \"http://127.0.0.1:{port}/callback\"\n\
             scopes = [\"read:jira-work\", \"write:jira-work\", \"read:jira-user\", \"offline_access\"]\n{extra}",
            secret = fake::CLIENT_SECRET,
            a = self.fake.url("/authorize"),
            t = self.fake.url("/oauth/token"),
            g = self.fake.url("/gw"),
            port = self.port,
        );
        toml::from_str(&text).unwrap()
    }

    pub fn manager(&self, profiles: &BTreeMap<String, ProfileConfig>) -> AuthManager {
        AuthManager::new(
            profiles,
            None,
            AuthOptions {
                state_dir: Some(self.dir.path().to_owned()),
                ..AuthOptions::default()
            },
        )
        .unwrap()
    }

    pub fn store(&self) -> TokenStore {
        TokenStore::new(self.dir.path())
    }

    /// Stored tokens for `p` whose access token has expired, as after a long sleep.
    pub fn seed_expired(&self, refresh_token: &str) {
        let t = StoredTokens {
            client_id: "cid".into(),
            refresh_token: Some(SecretString::from(refresh_token.to_owned())),
            access_token: Some(SecretString::from("canary-at-old")),
            access_expires_at: Some(crate::auth::time::unix_now() - 10),
            site: Some(Site {
                id: "cloud-a".into(),
                url: "https://site-a.example".into(),
                name: "Site a".into(),
                scopes: vec![],
            }),
            account: Some(Account {
                account_id: "acc-1".into(),
                display_name: "Mia Krystof".into(),
            }),
            scopes: vec!["read:jira-work".into()],
        };
        self.store()
            .lock("p", TokenStoreKind::File)
            .unwrap()
            .save(&t)
            .unwrap();
        self.fake.seed_refresh_token(refresh_token);
    }

    pub fn stored_refresh_token(&self) -> Option<String> {
        use secrecy::ExposeSecret;
        let t = self
            .store()
            .lock("p", TokenStoreKind::File)
            .unwrap()
            .load()
            .unwrap()?;
        t.refresh_token.map(|r| r.expose_secret().to_owned())
    }
}

/// Plays the browser: opens the link and follows redirects to the loopback page.
pub(crate) async fn open_in_browser(url: &str) -> (u16, String) {
    let resp = reqwest::get(url).await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap())
}

/// Events received so far.
pub(crate) fn drain(rx: &mut tokio::sync::broadcast::Receiver<AuthEvent>) -> Vec<AuthEvent> {
    let mut out = Vec::new();
    while let Ok(e) = rx.try_recv() {
        out.push(e);
    }
    out
}

pub(crate) const SHORT: Duration = Duration::from_secs(5);

/// The api layer spawns these calls: their futures must be `Send`.
#[allow(dead_code, clippy::let_underscore_future)]
fn futures_are_send(m: AuthManager, h: SecretString) {
    fn send<T: Send>(_: T) {}
    send(m.authorization("p"));
    send(m.rejected("p", &h));
    send(m.login("p"));
    send(m.complete("p", "u"));
    send(m.logout("p"));
    send(m.sites("p"));
    send(m.select_site("p", "s"));
    send(m.wait_for_authorization("p", SHORT));
}
