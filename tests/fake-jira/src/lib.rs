//! fake-jira: a faithful fake of Jira Cloud (site-direct and through the Atlassian API gateway),
//! the Atlassian OAuth 2.0 (3LO) authorization server, and Jira Data Center, on one loopback
//! origin. See the crate README for the URL layout, seeded credentials and the control API.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let fake = fake_jira::FakeJira::start(fake_jira::Options::default()).await?;
//! println!("{}", fake.url());
//! # Ok(()) }
//! ```

// Route helpers return the finished Jira error response as their `Err`; it is built once per
// failed request, so its size does not matter.
#![allow(clippy::result_large_err)]

pub mod adf;
pub mod api;
pub mod auth;
pub mod control;
pub mod faults;
pub mod gateway;
pub mod jql;
pub mod model;
pub mod rank;
pub mod render;
pub mod seed;
pub mod server;
pub mod store;
pub mod util;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use store::{Config, Identity, LoggedRequest, Shared};

/// Startup options (the CLI flags).
#[derive(Clone, Debug)]
pub struct Options {
    /// Listen address; port 0 picks a free one.
    pub addr: SocketAddr,
    /// Approve every authorization at once instead of showing the consent page.
    pub auto_approve: bool,
    /// Registered callback URLs of both apps (matched exactly).
    pub redirect_uris: Vec<String>,
    /// Extra generated issues (in DEMO).
    pub issues: Option<usize>,
    /// Latency added to every non-control request.
    pub latency_ms: u64,
    /// Seed for the data and the credentials.
    pub seed: u64,
    /// Forgive the reuse of a rotated refresh token after the leeway (it is refused, but its
    /// family lives on). Off by default: like Atlassian, such a reuse revokes the whole family
    /// (every refresh and access token of the grant), forcing a new consent. Tests that reuse
    /// old tokens on purpose ask for this.
    pub lenient_refresh: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            auto_approve: false,
            redirect_uris: vec!["http://127.0.0.1:8765/callback".into()],
            issues: None,
            latency_ms: 0,
            seed: 1,
            lenient_refresh: false,
        }
    }
}

impl Options {
    fn config(&self) -> Config {
        Config {
            auto_approve: self.auto_approve,
            next_decision: None,
            access_ttl: 3600,
            leeway: 600,
            leeway_same_pair: false,
            revoke_family_on_reuse: !self.lenient_refresh,
            stripped_scopes: vec![],
            extra_sites: vec![],
            confluence_duplicate: false,
            no_sites: false,
            index_delay_ms: 0,
            near_limit: false,
            latency_ms: self.latency_ms,
            parallel_sprints: false,
        }
    }

    /// The switches a reset returns to (keeps auto-approve, latency and the refresh strictness).
    pub(crate) fn config_from(c: &Config) -> Config {
        Options {
            auto_approve: c.auto_approve,
            latency_ms: c.latency_ms,
            lenient_refresh: !c.revoke_family_on_reuse,
            ..Options::default()
        }
        .config()
    }
}

/// A running fake. Dropping it stops the server.
pub struct FakeJira {
    shared: Shared,
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeJira {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn identity(seed: u64, redirect_uris: Vec<String>) -> Identity {
    let mut r = seed::Rng::new(seed.wrapping_mul(31).wrapping_add(7));
    let mut hex = |n: usize| -> String { (0..n).map(|_| format!("{:x}", r.below(16))).collect() };
    let cloud_id = format!("{}-{}-4{}-8{}-{}", hex(8), hex(4), hex(3), hex(3), hex(12));
    Identity {
        cloud_id,
        system_app: (format!("sys{}", hex(29)), format!("ATOA{}", hex(60))),
        custom_app: (format!("cus{}", hex(29)), format!("ATOA{}", hex(60))),
        redirect_uris,
        api_token: ("alex@example.com".into(), format!("ATATT3x{}", hex(40))),
        pat: format!("NjQ{}", hex(40)),
    }
}

impl FakeJira {
    /// Binds, seeds and starts serving.
    pub async fn start(opts: Options) -> std::io::Result<FakeJira> {
        let listener = tokio::net::TcpListener::bind(opts.addr).await?;
        let addr = listener.local_addr()?;
        let extra = opts.issues.unwrap_or(0);
        let inner = seed::build(opts.seed, extra, opts.config());
        let shared = Shared {
            inner: Arc::new(Mutex::new(inner)),
            id: Arc::new(identity(opts.seed, opts.redirect_uris.clone())),
            base: format!("http://{addr}").into(),
            seed: (opts.seed, extra),
        };
        let task = tokio::spawn(server::serve(listener, shared.clone()));
        Ok(FakeJira { shared, addr, task })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.shared.base.to_string()
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The startup JSON line.
    pub fn info(&self) -> Value {
        let id = &self.shared.id;
        let projects: Vec<String> = self.shared.lock().projects.keys().cloned().collect();
        json!({
            "url": self.url(), "cloudId": id.cloud_id,
            "systemApp": {"clientId": id.system_app.0, "clientSecret": id.system_app.1},
            "customApp": {"clientId": id.custom_app.0, "clientSecret": id.custom_app.1},
            "redirectUris": id.redirect_uris,
            "apiToken": {"email": id.api_token.0, "token": id.api_token.1},
            "pat": id.pat, "projects": projects,
            "siteUrl": format!("{}/site", self.url()), "dcUrl": format!("{}/dc", self.url()),
            "gatewayUrl": format!("{}/ex/jira/{}", self.url(), id.cloud_id),
        })
    }

    /// The cloudId.
    pub fn cloud_id(&self) -> String {
        self.shared.id.cloud_id.clone()
    }

    /// Mints a pre-authorized token pair for the system app, as `/oauth/token` would answer
    /// (`access_token`, `refresh_token` when `offline_access` is among `scopes`, `expires_in`, `scope`).
    pub fn mint_tokens(&self, scopes: &[&str]) -> Value {
        let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        let client = self.shared.id.system_app.0.clone();
        auth::issue_pair(&mut self.shared.lock(), &client, &scopes, None)
    }

    /// Drives the control API in-process: e.g. `control("POST", "faults", json!({...}))`.
    /// Returns (status, JSON body).
    pub async fn control(&self, method: &str, path: &str, body: Value) -> (u16, Value) {
        let segs: Vec<&str> = path
            .trim_start_matches("/__fake/")
            .split('/')
            .filter(|s| !s.is_empty())
            .collect();
        let bytes = if body.is_null() {
            Vec::new()
        } else {
            body.to_string().into_bytes()
        };
        let r = control::handle(&self.shared, method, &segs, &bytes);
        let status = r.status().as_u16();
        let b = axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .unwrap_or_default();
        (status, serde_json::from_slice(&b).unwrap_or(Value::Null))
    }

    /// The request log so far.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.lock().log.clone()
    }

    /// Moves the fake clock forward.
    pub fn advance_clock(&self, seconds: i64) {
        self.shared.lock().clock_offset += seconds * 1000;
    }

    /// Direct access to the state, for tests that need more than the control API.
    pub fn shared(&self) -> &Shared {
        &self.shared
    }
}
