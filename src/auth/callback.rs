//! The OAuth redirect: parsing the URL the browser ends on, and the loopback listener that
//! receives it (127.0.0.1 only, one path, a small HTML page, closed after use or a deadline).

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::RawQuery;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
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
    ) -> std::io::Result<Self> {
        let port = redirect_uri.port_or_known_default().unwrap_or(80);
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
        let addr = listener.local_addr()?;
        let path = redirect_uri.path().to_owned();
        let cancel = CancellationToken::new();
        let deadline = Arc::new(Mutex::new(Instant::now() + ttl));
        let me = CallbackListener {
            cancel: cancel.clone(),
            deadline: deadline.clone(),
        };
        let closer = me.clone();
        let router = axum::Router::new().route(
            &path,
            axum::routing::get(move |RawQuery(q): RawQuery| {
                let (handler, closer) = (handler.clone(), closer.clone());
                async move {
                    let reply =
                        handler(CallbackParams::from_query(q.as_deref().unwrap_or(""))).await;
                    if reply.close_listener {
                        closer.close();
                    }
                    page(&reply)
                }
            }),
        );
        tokio::spawn(watch_deadline(cancel.clone(), deadline));
        tokio::spawn(async move {
            let served = axum::serve(listener, router)
                .with_graceful_shutdown(cancel.cancelled_owned())
                .await;
            if let Err(e) = served {
                tracing::warn!("the OAuth callback listener stopped: {e}");
            }
        });
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

fn page(reply: &CallbackReply) -> Response {
    let status = if reply.ok {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>jirad: {t}</title></head>\
         <body style=\"font-family:sans-serif;margin:3em\"><h1>{t}</h1><p>{m}</p></body></html>",
        t = escape(&reply.title),
        m = escape(&reply.message)
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::CONNECTION, "close"),
        ],
        body,
    )
        .into_response()
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
