//! The OAuth redirect: parsing the URL the browser ends on, and the loopback listener that
//! receives it (127.0.0.1 only, one path, a small HTML page, closed after use or a deadline;
//! a cap on connections and a deadline for their request, since any local user can connect).

use std::collections::BTreeMap;
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode, Uri};
use secrecy::SecretString;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use url::Url;

/// What the authorization server put on the redirect.
#[derive(Debug, Default)]
pub struct CallbackParams {
    pub code: Option<SecretString>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

impl CallbackParams {
    /// Parses a query string (`code=…&state=…` or `error=…`).
    pub fn from_query(query: &str) -> Self {
        let mut p = CallbackParams::default();
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            match k.as_ref() {
                "code" => p.code = Some(SecretString::from(v.into_owned())),
                "state" => p.state = Some(v.into_owned()),
                "error" => p.error = Some(v.into_owned()),
                "error_description" => p.error_description = Some(v.into_owned()),
                _ => {}
            }
        }
        p
    }

    /// Parses the full URL a user pasted; it must be the redirect URI (same scheme, host, port,
    /// path) so a link to somewhere else is not taken for a callback.
    pub fn from_redirect_url(pasted: &str, redirect_uri: &Url) -> Result<Self, String> {
        let url =
            Url::parse(pasted.trim()).map_err(|_| "the pasted text is not a URL".to_owned())?;
        let same = url.scheme() == redirect_uri.scheme()
            && url.host_str().map(loopback_alias) == redirect_uri.host_str().map(loopback_alias)
            && url.port_or_known_default() == redirect_uri.port_or_known_default()
            && url.path() == redirect_uri.path();
        if !same {
            return Err(format!(
                "the pasted URL is not the redirect URI ({}); paste the address the browser ended on",
                redirect_uri
            ));
        }
        Ok(Self::from_query(url.query().unwrap_or("")))
    }

    /// `access_denied: the user said no`, for errors and pages.
    pub fn error_text(&self) -> Option<String> {
        self.error.as_ref().map(|e| match &self.error_description {
            Some(d) if !d.is_empty() => format!("{e}: {d}"),
            _ => e.clone(),
        })
    }
}

/// `localhost` and `127.0.0.1` are the same loopback for a pasted URL.
fn loopback_alias(h: &str) -> &str {
    if h == "localhost" {
        "127.0.0.1"
    } else {
        h
    }
}

/// How the listener answers one callback, and whether it should stop afterwards.
pub struct CallbackReply {
    pub ok: bool,
    pub title: String,
    pub message: String,
    pub close_listener: bool,
}

pub type CallbackHandler = Arc<
    dyn Fn(CallbackParams) -> Pin<Box<dyn Future<Output = CallbackReply> + Send>> + Send + Sync,
>;

/// What another local user may take of the loopback listener: it is TCP, so anyone on the machine
/// can connect to it while a login waits.
#[derive(Debug, Clone)]
pub struct CallbackLimits {
    /// Connections served at once; at the cap the oldest one that has not sent its request yet
    /// makes room, so a flood of idle connections cannot keep the browser out.
    pub max_connections: usize,
    /// A connection that has not sent its request headers in this long is closed.
    pub header_timeout: Duration,
}

impl Default for CallbackLimits {
    fn default() -> Self {
        CallbackLimits {
            max_connections: 16,
            header_timeout: Duration::from_secs(5),
        }
    }
}

/// A running loopback listener. Dropping the handle does not stop it; `close` does.
#[derive(Clone)]
pub struct CallbackListener {
    cancel: CancellationToken,
    deadline: Arc<Mutex<Instant>>,
}

impl CallbackListener {
    /// Binds 127.0.0.1 on the redirect URI's port and serves its path until `close` or
    /// `ttl` passes (extended by `extend`).
    pub async fn start(
        redirect_uri: &Url,
        ttl: Duration,
        handler: CallbackHandler,
        limits: CallbackLimits,
    ) -> std::io::Result<Self> {
        let port = redirect_uri.port_or_known_default().unwrap_or(80);
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
        let addr = listener.local_addr()?;
        let cancel = CancellationToken::new();
        let deadline = Arc::new(Mutex::new(Instant::now() + ttl));
        let me = CallbackListener {
            cancel: cancel.clone(),
            deadline: deadline.clone(),
        };
        let site = Site {
            path: redirect_uri.path().to_owned(),
            handler,
            listener: me.clone(),
        };
        tokio::spawn(watch_deadline(cancel.clone(), deadline));
        tokio::spawn(accept_loop(listener, site, limits, cancel));
        tracing::debug!(%addr, "OAuth callback listener started");
        Ok(me)
    }

    /// Keeps the listener up for `ttl` from now (a new login on the same port).
    pub fn extend(&self, ttl: Duration) {
        if let Ok(mut d) = self.deadline.lock() {
            *d = (*d).max(Instant::now() + ttl);
        }
    }

    pub fn close(&self) {
        self.cancel.cancel();
    }

    pub fn is_closed(&self) -> bool {
        self.cancel.is_cancelled()
    }
}

/// What the listener serves: one path, answered by the handler.
#[derive(Clone)]
struct Site {
    path: String,
    handler: CallbackHandler,
    listener: CallbackListener,
}

impl Site {
    async fn answer(&self, method: &Method, uri: &Uri) -> Response<String> {
        if method != Method::GET || uri.path() != self.path {
            return page(
                StatusCode::NOT_FOUND,
                "Not found",
                "This address only receives the sign-in redirect.",
            );
        }
        let reply = (self.handler)(CallbackParams::from_query(uri.query().unwrap_or(""))).await;
        if reply.close_listener {
            self.listener.close();
        }
        let status = if reply.ok {
            StatusCode::OK
        } else {
            StatusCode::BAD_REQUEST
        };
        page(status, &reply.title, &reply.message)
    }
}

/// One served connection: whether its request has arrived, and how to drop it.
struct Served {
    requested: Arc<AtomicBool>,
    drop_it: CancellationToken,
}

static REFUSED: crate::log_limit::LogLimiter =
    crate::log_limit::LogLimiter::new(Duration::from_secs(10));

/// Accepts until the listener closes, holding at most `limits.max_connections` connections.
async fn accept_loop(
    listener: tokio::net::TcpListener,
    site: Site,
    limits: CallbackLimits,
    cancel: CancellationToken,
) {
    let served: Arc<Mutex<BTreeMap<u64, Served>>> = Arc::default();
    let mut next = 0u64;
    loop {
        let stream = tokio::select! {
            _ = cancel.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    if let Some(held) = REFUSED.allow() {
                        tracing::warn!("OAuth callback listener: accept failed: {e} ({held} more)");
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        {
            let mut conns = served.lock().unwrap_or_else(PoisonError::into_inner);
            if conns.len() >= limits.max_connections {
                let oldest_silent = conns
                    .iter()
                    .find(|(_, c)| !c.requested.load(Ordering::Acquire))
                    .map(|(id, _)| *id);
                match oldest_silent.and_then(|id| conns.remove(&id)) {
                    Some(victim) => victim.drop_it.cancel(),
                    None => {
                        if let Some(held) = REFUSED.allow() {
                            tracing::warn!(
                                "OAuth callback listener: {} connections busy, refused one \
                                 ({held} more since the last line)",
                                limits.max_connections
                            );
                        }
                        continue; // dropping the stream closes it
                    }
                }
            }
        }
        next += 1;
        let id = next;
        let requested = Arc::new(AtomicBool::new(false));
        // Not a child of `cancel`: closing the listener after the redirect must not cut off the
        // page being sent.
        let drop_it = CancellationToken::new();
        served
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                id,
                Served {
                    requested: requested.clone(),
                    drop_it: drop_it.clone(),
                },
            );
        let (site, served, header_timeout) = (site.clone(), served.clone(), limits.header_timeout);
        tokio::spawn(async move {
            serve_one(stream, site, requested, drop_it, header_timeout).await;
            served
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&id);
        });
    }
}

/// Serves one connection: its request must arrive within `header_timeout`, and the whole exchange
/// ends with the page (`Connection: close`).
async fn serve_one(
    stream: tokio::net::TcpStream,
    site: Site,
    requested: Arc<AtomicBool>,
    drop_it: CancellationToken,
    header_timeout: Duration,
) {
    let seen = requested.clone();
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        seen.store(true, Ordering::Release);
        let site = site.clone();
        async move {
            let (method, uri) = (req.method().clone(), req.uri().clone());
            Ok::<_, std::convert::Infallible>(site.answer(&method, &uri).await)
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(false)
        .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
    let mut conn = std::pin::pin!(conn);
    let silent_too_long = async {
        tokio::time::sleep(header_timeout).await;
        if requested.load(Ordering::Acquire) {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        _ = &mut conn => {}
        _ = silent_too_long => {}
        _ = drop_it.cancelled() => {}
    }
}

async fn watch_deadline(cancel: CancellationToken, deadline: Arc<Mutex<Instant>>) {
    loop {
        let at = match deadline.lock() {
            Ok(d) => *d,
            Err(_) => Instant::now(),
        };
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep_until(at) => {}
        }
        let still = deadline.lock().map(|d| *d).unwrap_or(at);
        if still <= Instant::now() {
            cancel.cancel();
            return;
        }
    }
}

fn page(status: StatusCode, title: &str, message: &str) -> Response<String> {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>jirad: {t}</title></head>\
         <body style=\"font-family:sans-serif;margin:3em\"><h1>{t}</h1><p>{m}</p></body></html>",
        t = escape(title),
        m = escape(message)
    );
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn redirect() -> Url {
        Url::parse("http://127.0.0.1:8765/callback").unwrap()
    }

    #[test]
    fn parses_success_and_denial() {
        let ok = CallbackParams::from_redirect_url(
            "http://localhost:8765/callback?code=c%2B1&state=s1",
            &redirect(),
        )
        .unwrap();
        assert_eq!(ok.code.unwrap().expose_secret(), "c+1");
        assert_eq!(ok.state.as_deref(), Some("s1"));
        let denied = CallbackParams::from_query(
            "error=access_denied&error_description=User%20did%20not%20authorize&state=s1",
        );
        assert!(denied.code.is_none());
        assert_eq!(
            denied.error_text().unwrap(),
            "access_denied: User did not authorize"
        );
    }

    #[test]
    fn rejects_other_urls() {
        for bad in [
            "not a url",
            "http://127.0.0.1:8765/other?code=c&state=s",
            "http://127.0.0.1:9999/callback?code=c&state=s",
            "https://evil.example/callback?code=c&state=s",
        ] {
            assert!(
                CallbackParams::from_redirect_url(bad, &redirect()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn debug_hides_the_code() {
        let p = CallbackParams::from_query("code=canary-code&state=s");
        assert!(!format!("{p:?}").contains("canary-code"));
    }

    #[test]
    fn pages_escape_text() {
        assert_eq!(escape("<b>&\""), "&lt;b&gt;&amp;&quot;");
    }
}
