//! A fake Jira (the `fake-jira` library, on its own runtime) plus a daemon configured with one
//! profile of each kind against it: `cloud` (API token, Jira Cloud site), `dc` (personal access
//! token, Data Center) and `oauth` (custom OAuth app through the fake Atlassian gateway, authorized
//! by the user at run time).
//!
//! ```ignore
//! let w = JiraWorld::start();
//! let d = w.daemon("cloud");
//! let mut c = d.client(Framing::Ndjson);
//! let issue = c.result("issues/get", json!({"key": "DEMO-1"}));
//! assert_eq!(w.count_requests("GET", "/issue/DEMO-1"), 1);
//! ```

use super::Daemon;
use fake_jira::{FakeJira, Options};
use serde_json::Value;

/// The fake Jira, kept alive with the runtime that serves it.
pub struct JiraWorld {
    pub fake: FakeJira,
    pub info: Value,
    /// The loopback callback registered with the fake's apps (a free port per world).
    pub redirect_uri: String,
    rt: tokio::runtime::Runtime,
}

impl JiraWorld {
    /// A fake with the seed data, authorizing OAuth consents at once.
    pub fn start() -> JiraWorld {
        Self::start_with(Options {
            auto_approve: true,
            ..Options::default()
        })
    }

    /// A fake with explicit options (its redirect URIs are replaced by this world's own).
    pub fn start_with(mut opts: Options) -> JiraWorld {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let port = free_port();
        let redirect_uri = format!("http://127.0.0.1:{port}/callback");
        opts.redirect_uris = vec![redirect_uri.clone()];
        let fake = rt.block_on(FakeJira::start(opts)).expect("start fake-jira");
        let info = fake.info();
        JiraWorld {
            fake,
            info,
            redirect_uri,
            rt,
        }
    }

    /// `info[a][b]...` as a string.
    pub fn s(&self, path: &[&str]) -> String {
        let mut v = &self.info;
        for p in path {
            v = &v[*p];
        }
        v.as_str().unwrap_or_default().to_owned()
    }

    /// A config with the three profiles and `default_profile`, plus `extra` TOML appended.
    pub fn config(&self, default_profile: &str, extra: &str) -> String {
        format!(
            r#"default_profile = "{default_profile}"

[profiles.cloud]
auth = "api_token"
base_url = "{site}"
email = "{email}"
token = "{token}"

[profiles.dc]
auth = "pat"
base_url = "{dc}"
token = "{pat}"

{oauth}authorization = "user"
{extra}"#,
            site = self.s(&["siteUrl"]),
            email = self.s(&["apiToken", "email"]),
            token = self.s(&["apiToken", "token"]),
            dc = self.s(&["dcUrl"]),
            pat = self.s(&["pat"]),
            oauth = self.custom_app_profile("oauth", &self.redirect_uri),
        )
    }

    /// A `[profiles.NAME]` block for the fake's custom OAuth app; more keys may follow it.
    pub fn custom_app_profile(&self, name: &str, redirect_uri: &str) -> String {
        format!(
            r#"[profiles.{name}]
auth = "oauth"
app = "custom"
client_id = "{cid}"
client_secret = "{secret}"
authorize_url = "{url}/authorize?audience=api.atlassian.com"
token_url = "{url}/oauth/token"
api_url = "{url}"
redirect_uri = "{redirect_uri}"
"#,
            cid = self.s(&["customApp", "clientId"]),
            secret = self.s(&["customApp", "clientSecret"]),
            url = self.s(&["url"]),
        )
    }

    /// A daemon whose default profile is `profile`.
    pub fn daemon(&self, profile: &str) -> Daemon {
        Daemon::start_with(&[], Some(&self.config(profile, "")))
    }

    /// The control API (`/__fake/PATH`), in-process.
    pub fn control(&self, method: &str, path: &str, body: Value) -> (u16, Value) {
        self.rt.block_on(self.fake.control(method, path, body))
    }

    /// The JQL of every search the fake served so far, in order.
    pub fn search_jqls(&self) -> Vec<String> {
        self.fake
            .requests()
            .into_iter()
            .filter_map(|r| r.jql)
            .collect()
    }

    /// How many requests the fake served whose method is `method` and whose path contains `path`.
    pub fn count_requests(&self, method: &str, path: &str) -> usize {
        self.fake
            .requests()
            .iter()
            .filter(|r| r.method == method && r.path.contains(path))
            .count()
    }
}

/// A port nothing listens on right now (the OAuth loopback listener binds it later).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}
