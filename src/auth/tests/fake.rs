//! A tiny stateful fake of the Atlassian auth server and gateway for the manager tests: authorize
//! (redirects with a code), token (code and rotating refresh grants), accessible-resources, myself.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use sha2::Digest;

pub const CLIENT_SECRET: &str = "canary-client-secret";

#[derive(Default)]
pub struct FakeState {
    /// Number of POST /oauth/token requests, by grant type.
    pub code_grants: usize,
    pub refresh_grants: usize,
    /// Requests on `/oauth/refresh` (a separate `refresh_url`).
    pub refresh_path_hits: usize,
    /// code → (redirect_uri, code_challenge)
    codes: HashMap<String, (String, Option<String>)>,
    pub current_rt: Option<String>,
    previous_rt: Option<String>,
    pub valid_at: Vec<String>,
    /// A rotated refresh token (the previous one) was presented again.
    pub spent_reused: bool,
    serial: usize,
    // Knobs.
    pub deny: bool,
    pub sites: usize,
    pub refresh_delay_ms: u64,
    pub expires_in: u64,
}

#[derive(Clone)]
pub struct Fake {
    pub addr: SocketAddr,
    pub state: Arc<Mutex<FakeState>>,
}

impl Fake {
    pub async fn start() -> Fake {
        let state = Arc::new(Mutex::new(FakeState {
            sites: 1,
            expires_in: 3600,
            ..Default::default()
        }));
        let app = axum::Router::new()
            .route("/authorize", get(authorize))
            .route("/oauth/token", post(token))
            .route("/oauth/refresh", post(refresh_path))
            .route("/gw/oauth/token/accessible-resources", get(resources))
            .route("/gw/ex/jira/{cloud}/rest/api/3/myself", get(myself))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Fake { addr, state }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn with<T>(&self, f: impl FnOnce(&mut FakeState) -> T) -> T {
        f(&mut self.state.lock().unwrap())
    }

    /// Makes `rt` the live refresh token of a family, as if a login happened earlier.
    pub fn seed_refresh_token(&self, rt: &str) {
        self.with(|s| s.current_rt = Some(rt.to_owned()));
    }
}

fn json(status: StatusCode, v: serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
        v.to_string(),
    )
        .into_response()
}

fn query(q: Option<String>) -> HashMap<String, String> {
    url::form_urlencoded::parse(q.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

async fn authorize(State(st): State<Arc<Mutex<FakeState>>>, RawQuery(q): RawQuery) -> Response {
    let q = query(q);
    let mut s = st.lock().unwrap();
    let redirect = q.get("redirect_uri").cloned().unwrap_or_default();
    let state = q.get("state").cloned().unwrap_or_default();
    let mut to = url::Url::parse(&redirect).unwrap();
    if s.deny {
        to.query_pairs_mut()
            .append_pair("error", "access_denied")
            .append_pair("error_description", "User did not authorize the request")
            .append_pair("state", &state);
    } else {
        s.serial += 1;
        let code = format!("canary-code-{}", s.serial);
        s.codes
            .insert(code.clone(), (redirect, q.get("code_challenge").cloned()));
        to.query_pairs_mut()
            .append_pair("code", &code)
            .append_pair("state", &state);
    }
    (StatusCode::FOUND, [(header::LOCATION, to.to_string())]).into_response()
}

async fn refresh_path(st: State<Arc<Mutex<FakeState>>>, body: String) -> Response {
    st.0.lock().unwrap().refresh_path_hits += 1;
    token(st, body).await
}

async fn token(State(st): State<Arc<Mutex<FakeState>>>, body: String) -> Response {
    let f: HashMap<String, String> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    if f.get("client_secret").map(String::as_str) != Some(CLIENT_SECRET) {
        return json(
            StatusCode::UNAUTHORIZED,
            serde_json::json!({"error":"access_denied","error_description":"Unauthorized"}),
        );
    }
    let delay = {
        let mut s = st.lock().unwrap();
        match f.get("grant_type").map(String::as_str) {
            Some("authorization_code") => {
                s.code_grants += 1;
                let code = f.get("code").cloned().unwrap_or_default();
                let Some((redirect, challenge)) = s.codes.remove(&code) else {
                    return json(
                        StatusCode::FORBIDDEN,
                        serde_json::json!({"error":"invalid_grant","error_description":"Invalid authorization code"}),
                    );
                };
                let verifier = f.get("code_verifier").cloned().unwrap_or_default();
                let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .encode(sha2::Sha256::digest(verifier.as_bytes()));
                if f.get("redirect_uri") != Some(&redirect)
                    || challenge.is_some_and(|c| c != computed)
                {
                    return json(
                        StatusCode::FORBIDDEN,
                        serde_json::json!({"error":"invalid_grant","error_description":"Invalid authorization code"}),
                    );
                }
                0
            }
            Some("refresh_token") => {
                s.refresh_grants += 1;
                let rt = f.get("refresh_token");
                let ok =
                    rt.is_some() && (rt == s.current_rt.as_ref() || rt == s.previous_rt.as_ref());
                if rt.is_some() && rt == s.previous_rt.as_ref() {
                    s.spent_reused = true;
                }
                if !ok {
                    return json(
                        StatusCode::FORBIDDEN,
                        serde_json::json!({"error":"invalid_grant","error_description":"Unknown or invalid refresh token."}),
                    );
                }
                s.refresh_delay_ms
            }
            _ => {
                return json(
                    StatusCode::BAD_REQUEST,
                    serde_json::json!({"error":"unsupported_grant_type"}),
                )
            }
        }
    };
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let mut s = st.lock().unwrap();
    s.serial += 1;
    let (at, rt) = (
        format!("canary-at-{}", s.serial),
        format!("canary-rt-{}", s.serial),
    );
    s.previous_rt = s.current_rt.replace(rt.clone());
    s.valid_at.push(at.clone());
    json(
        StatusCode::OK,
        serde_json::json!({"access_token": at, "refresh_token": rt, "expires_in": s.expires_in,
            "scope": "read:jira-work write:jira-work read:jira-user offline_access", "token_type": "Bearer"}),
    )
}

fn bearer_ok(st: &Arc<Mutex<FakeState>>, headers: &HeaderMap) -> bool {
    let h = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    h.strip_prefix("Bearer ")
        .is_some_and(|t| st.lock().unwrap().valid_at.iter().any(|a| a == t))
}

async fn resources(State(st): State<Arc<Mutex<FakeState>>>, headers: HeaderMap) -> Response {
    if !bearer_ok(&st, &headers) {
        return json(
            StatusCode::UNAUTHORIZED,
            serde_json::json!({"code":401,"message":"Unauthorized"}),
        );
    }
    let n = st.lock().unwrap().sites;
    let mut list = vec![
        serde_json::json!({"id":"cloud-a","name":"Site A","url":"https://site-a.example","scopes":["read:confluence-content.all"]}),
    ];
    for (id, name) in [("cloud-a", "a"), ("cloud-b", "b")].into_iter().take(n) {
        list.push(serde_json::json!({"id": id, "name": format!("Site {name}"), "url": format!("https://site-{name}.example"),
            "scopes": ["read:jira-work", "write:jira-work"], "avatarUrl": "https://x/a.png"}));
    }
    json(StatusCode::OK, serde_json::Value::Array(list))
}

async fn myself(State(st): State<Arc<Mutex<FakeState>>>, headers: HeaderMap) -> Response {
    if !bearer_ok(&st, &headers) {
        return json(
            StatusCode::UNAUTHORIZED,
            serde_json::json!({"code":401,"message":"Unauthorized"}),
        );
    }
    json(
        StatusCode::OK,
        serde_json::json!({"accountId":"acc-1","displayName":"Mia Krystof","active":true}),
    )
}
