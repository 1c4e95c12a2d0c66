//! The one HTTP policy for every Jira call: one reqwest client, timeouts, a per-site concurrency cap,
//! retries of idempotent calls with `Retry-After`/backoff within a per-call deadline, shared
//! rate-limit pauses, a per-site circuit breaker for a host that cannot be reached, 401 → refresh
//! once, and creates that are never repeated once they may have reached Jira (a 429 says it did not).

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use secrecy::ExposeSecret;
use serde_json::Value;
use tokio::sync::Semaphore;
use url::Url;

use super::ratelimit::{backoff, reset_in, retry_after, scope_of, Pauses, Scope};
use super::{error::is_scope_mismatch, Authorizer, JiraError};
use crate::breaker::Breaker;

/// Timing and limits of the policy; tests shrink the delays to milliseconds.
#[derive(Debug, Clone)]
pub struct HttpPolicy {
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// First backoff delay when no `Retry-After` is given (doubles per try).
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// Tries of an idempotent call, the first included.
    pub max_tries: u32,
    /// A wait longer than this fails at once with `RateLimited` instead of holding the caller.
    pub max_wait: Duration,
    /// Requests in flight to one site.
    pub concurrency: usize,
    /// Most bytes of one response body, counted after decompression: a broken or hostile upstream
    /// cannot make the daemon hold more.
    pub max_response_bytes: usize,
    /// No retry or wait starts that would end after this much time from the call's start (one
    /// try may still take up to `request_timeout`).
    pub call_deadline: Duration,
    /// How long a site's circuit stays open after a connection failure (doubling per failure in
    /// a row, up to `breaker_max`).
    pub breaker_base: Duration,
    pub breaker_max: Duration,
}

/// The default of `HttpPolicy::max_response_bytes`: far above any page Jira serves.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 << 20;

impl Default for HttpPolicy {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_tries: 4,
            max_wait: Duration::from_secs(60),
            concurrency: 8,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            call_deadline: Duration::from_secs(5),
            breaker_base: Duration::from_secs(1),
            breaker_max: Duration::from_secs(30),
        }
    }
}

/// Whether a call may be sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// GET, PUT, DELETE and search POSTs: repeating them is harmless.
    Idempotent,
    /// Creates (POST issue, POST comment, transitions): only retried if the request was never sent
    /// or Jira answered 429 (rate limits reject a request before processing it).
    Never,
}

/// One Jira call.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: Method,
    pub url: Url,
    /// Method + path template (`GET issue/{key}`): the unit a burst limit pauses.
    pub endpoint: String,
    /// The issue a write touches, for per-issue write limits.
    pub issue: Option<String>,
    pub body: Option<Value>,
    pub retry: Retry,
    /// An error status whose body is an answer to read, not a failure (bulk create's 400 when
    /// every element failed carries the per-element errors).
    pub answers: Option<StatusCode>,
}

impl Call {
    pub fn new(method: Method, url: Url, endpoint: impl Into<String>) -> Self {
        let retry = if method == Method::POST {
            Retry::Never
        } else {
            Retry::Idempotent
        };
        Self {
            endpoint: format!("{method} {}", endpoint.into()),
            method,
            url,
            issue: None,
            body: None,
            retry,
            answers: None,
        }
    }
    /// Reads the body of a `status` answer like a success's.
    pub fn answering(mut self, status: StatusCode) -> Self {
        self.answers = Some(status);
        self
    }
    pub fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
    pub fn issue(mut self, key: &str) -> Self {
        self.issue = Some(key.to_string());
        self
    }
    /// Marks a POST that only reads (search), so it may be retried.
    pub fn idempotent(mut self) -> Self {
        self.retry = Retry::Idempotent;
        self
    }
}

/// The HTTP client of one site. Clones share the connection pool, the concurrency cap and the pauses,
/// so keep one per site and hand clones to every caller.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    policy: Arc<HttpPolicy>,
    permits: Arc<Semaphore>,
    pauses: Arc<Pauses>,
    breaker: Arc<Breaker>,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl Http {
    pub fn new(policy: HttpPolicy) -> Result<Self, JiraError> {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let client = reqwest::Client::builder()
            .user_agent(concat!("jirad/", env!("CARGO_PKG_VERSION")))
            .default_headers(headers)
            .connect_timeout(policy.connect_timeout)
            .timeout(policy.request_timeout)
            .redirect(reqwest::redirect::Policy::limited(5))
            .gzip(true)
            .build()
            .map_err(|e| JiraError::Protocol(format!("HTTP client: {e}")))?;
        let permits = Arc::new(Semaphore::new(policy.concurrency.max(1)));
        let breaker = Arc::new(Breaker::new(policy.breaker_base, policy.breaker_max));
        Ok(Self {
            client,
            policy: Arc::new(policy),
            permits,
            pauses: Arc::default(),
            breaker,
        })
    }

    pub fn policy(&self) -> &HttpPolicy {
        &self.policy
    }

    /// Sends a call under the policy; returns the JSON body (`Null` for an empty one).
    pub async fn send(&self, call: &Call, auth: &dyn Authorizer) -> Result<Value, JiraError> {
        let p = &self.policy;
        let write_to = if call.method == Method::GET {
            None
        } else {
            call.issue.as_deref()
        };
        let (mut tries, mut refreshed) = (0u32, false);
        // An earlier try may have been carried out by Jira without us hearing back.
        let mut maybe_done = false;
        let deadline = Instant::now() + p.call_deadline;
        let host = host_of(&call.url);
        loop {
            tries += 1;
            if let Some((wait, reason)) = self.pauses.pending(&call.endpoint, write_to) {
                self.sleep_or_fail(wait, &reason, deadline).await?;
            }
            // A host that just refused us is not asked again until its circuit closes.
            if let Err(open) = self.breaker.check() {
                return Err(JiraError::Unreachable {
                    host,
                    cause: open.cause,
                    retry_in_ms: Some(millis(open.retry_in)),
                });
            }
            let header = auth.header().await?;
            let sent = {
                let _permit = self
                    .permits
                    .acquire()
                    .await
                    .map_err(|_| JiraError::UpstreamUnavailable("client closed".into()))?;
                let mut req = self.client.request(call.method.clone(), call.url.clone());
                let mut value = HeaderValue::from_str(header.expose_secret())
                    .map_err(|_| JiraError::AuthFailed(Default::default()))?;
                value.set_sensitive(true);
                req = req.header(AUTHORIZATION, value);
                if let Some(b) = &call.body {
                    req = req.json(b);
                }
                match req.send().await {
                    Ok(resp) => {
                        let (status, headers) = (resp.status(), resp.headers().clone());
                        read_capped(resp, p.max_response_bytes, &call.endpoint)
                            .await?
                            .map(|b| (status, headers, b))
                    }
                    Err(e) => Err(e),
                }
            };
            let (status, headers, body) = match sent {
                Ok(ok) => ok,
                Err(e) if e.is_builder() => {
                    return Err(JiraError::Protocol(e.without_url().to_string()))
                }
                Err(e) => {
                    let cause = cause_of(&e, p.connect_timeout);
                    if e.is_connect() {
                        // Refused, unresolvable or silent: retrying at once cannot fix it, and
                        // every other caller of the site is told without trying (the breaker).
                        let open = self.breaker.failed(&cause);
                        tracing::warn!(%host, "cannot reach Jira: {cause}; next try in {open:?}");
                        return Err(JiraError::Unreachable {
                            host,
                            cause,
                            retry_in_ms: None,
                        });
                    }
                    maybe_done = true;
                    tracing::debug!(endpoint = %call.endpoint, tries, "Jira request failed: {cause}");
                    if call.retry == Retry::Never {
                        return Err(JiraError::OutcomeUnknown(format!(
                            "{} to {host} failed after sending ({cause})",
                            call.endpoint
                        )));
                    }
                    let wait = backoff(p.base_delay, p.max_delay, tries);
                    if tries >= p.max_tries || Instant::now() + wait > deadline {
                        return Err(JiraError::UpstreamUnavailable(format!(
                            "{} to {host}: {cause}",
                            call.endpoint
                        )));
                    }
                    tokio::time::sleep(wait).await;
                    continue;
                }
            };
            self.breaker.succeeded();
            tracing::debug!(endpoint = %call.endpoint, status = status.as_u16(), tries, "Jira response");
            if status.is_success() || call.answers == Some(status) {
                // Up to `max_response_bytes`: parsed off the runtime's threads when large.
                return super::offload::heavy(body.len(), move |_| parse(&body)).await?;
            }
            let text = String::from_utf8_lossy(&body);
            match status {
                StatusCode::UNAUTHORIZED if !refreshed && !is_scope_mismatch(&text) => {
                    refreshed = true;
                    if !auth.rejected(&header).await? {
                        return Err(JiraError::from_status(401, &text));
                    }
                    tries -= 1; // the refresh retry doesn't count against the backoff budget
                }
                StatusCode::TOO_MANY_REQUESTS
                | StatusCode::BAD_GATEWAY
                | StatusCode::SERVICE_UNAVAILABLE
                | StatusCode::GATEWAY_TIMEOUT => {
                    maybe_done |= status.is_server_error();
                    self.transient(call, status, &headers, &text, tries, deadline)
                        .await?;
                }
                // The try we never heard back from deleted it: the issue is gone, as asked.
                StatusCode::NOT_FOUND if maybe_done && call.method == Method::DELETE => {
                    tracing::debug!(endpoint = %call.endpoint, "404 on a retried delete: already done");
                    return Ok(Value::Null);
                }
                _ => return Err(JiraError::from_status(status.as_u16(), &text)),
            }
        }
    }

    /// A call whose body or answer is too large to hold in memory (attachments). It goes once,
    /// under the site's concurrency cap, circuit breaker and pauses, with a long deadline of its
    /// own; a 401 refreshes the token and sends it once more with a fresh `body`. A redirect to
    /// another host (Cloud's media service) is followed without the Authorization header. The
    /// answer comes back unread, or as the error its status means.
    pub async fn transfer(
        &self,
        method: Method,
        url: Url,
        content_type: Option<&str>,
        extra: &[(&'static str, &'static str)],
        body: impl Fn() -> Result<Option<reqwest::Body>, JiraError>,
        auth: &dyn Authorizer,
    ) -> Result<reqwest::Response, JiraError> {
        /// As long as a large file may take on a slow link.
        const TRANSFER_TIMEOUT: Duration = Duration::from_secs(3600);
        let host = host_of(&url);
        let mut refreshed = false;
        loop {
            if let Err(open) = self.breaker.check() {
                return Err(JiraError::Unreachable {
                    host,
                    cause: open.cause,
                    retry_in_ms: Some(millis(open.retry_in)),
                });
            }
            let header = auth.header().await?;
            let mut value = HeaderValue::from_str(header.expose_secret())
                .map_err(|_| JiraError::AuthFailed(Default::default()))?;
            value.set_sensitive(true);
            let mut req = self
                .client
                .request(method.clone(), url.clone())
                .timeout(TRANSFER_TIMEOUT)
                .header(AUTHORIZATION, value)
                .header(ACCEPT, "*/*");
            if let Some(ct) = content_type {
                req = req.header(CONTENT_TYPE, ct);
            }
            for (k, v) in extra {
                req = req.header(*k, *v);
            }
            if let Some(b) = body()? {
                req = req.body(b);
            }
            let sent = {
                let _permit = self
                    .permits
                    .acquire()
                    .await
                    .map_err(|_| JiraError::UpstreamUnavailable("client closed".into()))?;
                req.send().await
            };
            let resp = match sent {
                Ok(r) => r,
                Err(e) => {
                    let cause = cause_of(&e, self.policy.connect_timeout);
                    if e.is_connect() {
                        let open = self.breaker.failed(&cause);
                        tracing::warn!(%host, "cannot reach Jira: {cause}; next try in {open:?}");
                        return Err(JiraError::Unreachable {
                            host,
                            cause,
                            retry_in_ms: None,
                        });
                    }
                    return Err(JiraError::UpstreamUnavailable(format!("{host}: {cause}")));
                }
            };
            self.breaker.succeeded();
            let status = resp.status();
            if status.is_success() {
                return Ok(resp);
            }
            // Error bodies are small; never read more than the usual cap.
            let text = match read_capped(resp, self.policy.max_response_bytes, "transfer").await? {
                Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                Err(_) => String::new(),
            };
            if status == StatusCode::UNAUTHORIZED && !refreshed && !is_scope_mismatch(&text) {
                refreshed = true;
                if auth.rejected(&header).await? {
                    continue;
                }
            }
            return Err(JiraError::from_status(status.as_u16(), &text));
        }
    }

    /// Handles a 429/5xx: records the pause it announces, then waits or fails.
    async fn transient(
        &self,
        call: &Call,
        status: StatusCode,
        headers: &HeaderMap,
        body: &str,
        tries: u32,
        deadline: Instant,
    ) -> Result<(), JiraError> {
        let p = &self.policy;
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let announced = header("retry-after").and_then(retry_after);
        let limited = status == StatusCode::TOO_MANY_REQUESTS;
        let reason = header("ratelimit-reason")
            .or(header("x-beta-ratelimit-reason"))
            .unwrap_or(if limited {
                "rate-limited"
            } else {
                "unavailable"
            })
            .to_string();
        let wait = match scope_of(&reason) {
            Scope::Site => header("x-ratelimit-reset")
                .and_then(reset_in)
                .into_iter()
                .chain(announced)
                .max(),
            _ => announced,
        }
        .unwrap_or_else(|| backoff(p.base_delay, p.max_delay, tries));
        if limited {
            self.pauses.pause(
                &reason,
                &call.endpoint,
                call.issue.as_deref(),
                Instant::now() + wait,
            );
        }
        let give_up = |retry_after_ms: u64| match status {
            StatusCode::TOO_MANY_REQUESTS => JiraError::RateLimited {
                retry_after_ms,
                reason: reason.clone(),
            },
            StatusCode::SERVICE_UNAVAILABLE => JiraError::UpstreamUnavailable(format!(
                "HTTP 503 from {}: {}",
                host_of(&call.url),
                super::JiraMessages::from_body(body).summary()
            )),
            // A gateway error on a create: Jira may have processed it behind the gateway.
            _ if call.retry == Retry::Never => JiraError::OutcomeUnknown(format!(
                "{} to {} got HTTP {}",
                call.endpoint,
                host_of(&call.url),
                status.as_u16()
            )),
            _ => JiraError::UpstreamUnavailable(format!(
                "HTTP {} from {}",
                status.as_u16(),
                host_of(&call.url)
            )),
        };
        // A 429 means Jira did not process the request, so even a create may be sent again.
        if (call.retry == Retry::Never && !limited)
            || tries >= p.max_tries
            || wait > p.max_wait
            || Instant::now() + wait > deadline
        {
            return Err(give_up(millis(wait)));
        }
        // A recorded pause is waited out at the top of the send loop, shared with every other caller.
        let write_to = if call.method == Method::GET {
            None
        } else {
            call.issue.as_deref()
        };
        if !limited || self.pauses.pending(&call.endpoint, write_to).is_none() {
            tokio::time::sleep(wait).await;
        }
        Ok(())
    }

    async fn sleep_or_fail(
        &self,
        wait: Duration,
        reason: &str,
        deadline: Instant,
    ) -> Result<(), JiraError> {
        if wait > self.policy.max_wait || Instant::now() + wait > deadline {
            return Err(JiraError::RateLimited {
                retry_after_ms: millis(wait),
                reason: reason.to_string(),
            });
        }
        tokio::time::sleep(wait).await;
        Ok(())
    }
}

/// One [`Http`] per site (keyed by its API base), so every profile and caller of a site shares its
/// concurrency cap and rate-limit pauses.
#[derive(Default)]
pub struct HttpPool {
    policy: HttpPolicy,
    sites: std::sync::Mutex<std::collections::HashMap<String, Http>>,
}

impl HttpPool {
    pub fn new(policy: HttpPolicy) -> Self {
        Self {
            policy,
            sites: Default::default(),
        }
    }

    /// The site's shared client, created on first use.
    pub fn for_site(&self, api_base: &Url) -> Result<Http, JiraError> {
        let mut sites = self
            .sites
            .lock()
            .map_err(|_| JiraError::Protocol("HTTP pool poisoned".into()))?;
        if let Some(h) = sites.get(api_base.as_str()) {
            return Ok(h.clone());
        }
        let h = Http::new(self.policy.clone())?;
        sites.insert(api_base.to_string(), h.clone());
        Ok(h)
    }
}

/// `host:port` of a URL, as a person would look for it.
fn host_of(url: &Url) -> String {
    let host = url.host_str().unwrap_or("?");
    match url.port_or_known_default() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// What went wrong with a request, in a few words: the innermost cause (`Connection refused (os
/// error 111)`, `failed to lookup address information: …`), or the timeout.
fn cause_of(e: &reqwest::Error, connect_timeout: Duration) -> String {
    if e.is_timeout() {
        return if e.is_connect() {
            format!("no connection within {} s", connect_timeout.as_secs_f64())
        } else {
            "no answer in time".to_owned()
        };
    }
    crate::breaker::root_cause(e).unwrap_or_else(|| "the request failed".to_owned())
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// A response body, refused once it passes `cap` bytes (decompressed): `Ok(Err(_))` is a transport
/// error that the retry policy sees as any other.
async fn read_capped(
    mut resp: reqwest::Response,
    cap: usize,
    endpoint: &str,
) -> Result<Result<Vec<u8>, reqwest::Error>, JiraError> {
    let too_large = || {
        JiraError::UpstreamUnavailable(format!(
            "{endpoint}: the response is larger than the {cap}-byte limit ([jira] max_response_bytes)"
        ))
    };
    if resp.content_length().is_some_and(|n| n > cap as u64) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) if body.len() + chunk.len() > cap => return Err(too_large()),
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) => return Ok(Ok(body)),
            Err(e) => return Ok(Err(e)),
        }
    }
}

fn parse(body: &[u8]) -> Result<Value, JiraError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(body).map_err(|e| JiraError::Protocol(format!("invalid JSON: {e}")))
}

#[cfg(test)]
pub(crate) mod tests;
