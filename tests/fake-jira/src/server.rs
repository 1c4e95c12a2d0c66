//! The HTTP front: our own accept loop (so a fault can reset a connection), request logging,
//! latency, faults, routing to the auth server, gateway, Cloud site, Data Center and control API,
//! and the cross-cutting response headers (rate limits, gzip).

use std::convert::Infallible;
#[cfg(unix)]
use std::os::fd::{AsRawFd, BorrowedFd as BorrowedSock};
#[cfg(windows)]
use std::os::windows::io::{AsRawSocket, BorrowedSocket as BorrowedSock};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode};
use base64::Engine;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::Notify;

use crate::render::{Ctx, Flavor};
use crate::store::{FaultAction, LoggedRequest, Shared};
use crate::util::{jira_err, json_resp, Query, Resp};

/// Runs the accept loop forever.
pub async fn serve(listener: TcpListener, sh: Shared) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let sh = sh.clone();
        tokio::spawn(async move {
            #[cfg(unix)]
            let raw = stream.as_raw_fd();
            #[cfg(windows)]
            let raw = stream.as_raw_socket();
            let abort = Arc::new(Notify::new());
            let a2 = abort.clone();
            let svc = hyper::service::service_fn(move |req| handle(sh.clone(), a2.clone(), req));
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc);
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                _ = &mut conn => {}
                _ = abort.notified() => {
                    // SAFETY: `conn` still owns the socket, so `raw` is open for this borrow.
                    let b = unsafe { BorrowedSock::borrow_raw(raw) };
                    let _ = socket2::SockRef::from(&b).set_linger(Some(Duration::ZERO));
                }
            }
        });
    }
}

fn log(sh: &Shared, method: &Method, path: &str, query: Option<&str>, status: u16, body: &[u8]) {
    sh.lock().log.push(LoggedRequest {
        method: method.to_string(),
        path: path.to_string(),
        query: query.map(String::from),
        status,
        jql: search_jql(path, body),
    });
}

/// The JQL of a search body, kept in the log so tests can tell searches apart.
fn search_jql(path: &str, body: &[u8]) -> Option<String> {
    if !path.contains("/search") {
        return None;
    }
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("jql")?.as_str().map(String::from))
}

async fn handle(
    sh: Shared,
    abort: Arc<Notify>,
    req: Request<hyper::body::Incoming>,
) -> Result<Resp, Infallible> {
    let (parts, body) = req.into_parts();
    // Attachments may be as large as Cloud's limit; every other body is small.
    let cap = if parts.uri.path().ends_with("/attachments") {
        crate::api::attachments::CLOUD_LIMIT as usize + (1 << 20)
    } else {
        64 << 20
    };
    let body = match axum::body::to_bytes(Body::new(body), cap).await {
        Ok(b) => b,
        Err(_) => {
            return Ok(jira_err(
                StatusCode::BAD_REQUEST,
                "Unable to read the request body.",
            ))
        }
    };
    let method = parts.method.clone();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().map(String::from);
    if let Some(rest) = path.strip_prefix("/__fake/") {
        let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
        return Ok(crate::control::handle(&sh, method.as_str(), &segs, &body));
    }
    let latency = sh.lock().config.latency_ms;
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let fault = {
        let mut inner = sh.lock();
        crate::faults::take(&mut inner, method.as_str(), &path)
    };
    let mut reset_after = false;
    if let Some(f) = &fault {
        match f.action {
            FaultAction::Delay => {
                tokio::time::sleep(Duration::from_millis(crate::faults::delay(f).unwrap_or(0)))
                    .await
            }
            FaultAction::Status => {
                let now = sh.lock().now();
                let r = crate::faults::response(f, now, path.starts_with("/dc/"));
                log(
                    &sh,
                    &method,
                    &path,
                    query.as_deref(),
                    r.status().as_u16(),
                    &body,
                );
                return Ok(r);
            }
            FaultAction::ResetBefore => {
                log(&sh, &method, &path, query.as_deref(), 0, &body);
                abort.notify_one();
                std::future::pending::<()>().await;
            }
            FaultAction::ResetAfter => reset_after = true,
        }
    }
    let mut resp = route(&sh, &method, &path, query.as_deref(), &parts.headers, &body);
    if reset_after {
        log(&sh, &method, &path, query.as_deref(), 0, &body);
        abort.notify_one();
        std::future::pending::<()>().await;
    }
    log(
        &sh,
        &method,
        &path,
        query.as_deref(),
        resp.status().as_u16(),
        &body,
    );
    if resp.status().is_success() && sh.lock().config.near_limit {
        resp.headers_mut()
            .insert("x-ratelimit-nearlimit", HeaderValue::from_static("true"));
    }
    if path.starts_with("/dc/") {
        for (k, v) in [
            ("x-ratelimit-limit", "100"),
            ("x-ratelimit-remaining", "99"),
            ("x-ratelimit-interval-seconds", "1"),
            ("x-ratelimit-fillrate", "10"),
        ] {
            resp.headers_mut().insert(k, HeaderValue::from_static(v));
        }
    }
    Ok(gzip(resp, &parts.headers).await)
}

async fn gzip(resp: Resp, req_headers: &HeaderMap) -> Resp {
    let wants = req_headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    let texty = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|t| t.starts_with("application/json") || t.starts_with("text/"));
    // Attachment bytes go as they are, as Jira sends them.
    if !wants || !texty {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return crate::util::empty(StatusCode::INTERNAL_SERVER_ERROR);
    };
    if bytes.is_empty() {
        return Resp::from_parts(parts, Body::from(bytes));
    }
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    if enc.write_all(&bytes).is_err() {
        return Resp::from_parts(parts, Body::from(bytes));
    }
    match enc.finish() {
        Ok(z) => {
            parts
                .headers
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            parts
                .headers
                .insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
            parts.headers.remove(header::CONTENT_LENGTH);
            Resp::from_parts(parts, Body::from(z))
        }
        Err(_) => Resp::from_parts(parts, Body::from(bytes)),
    }
}

fn hdr(h: &HeaderMap, k: header::HeaderName) -> Option<&str> {
    h.get(k).and_then(|v| v.to_str().ok())
}

fn route(
    sh: &Shared,
    method: &Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Resp {
    let q = Query(crate::util::parse_query(query));
    let ct = hdr(headers, header::CONTENT_TYPE)
        .unwrap_or("")
        .to_ascii_lowercase();
    let auth = hdr(headers, header::AUTHORIZATION);
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mut inner = sh.lock();
    match (method.as_str(), segs.as_slice()) {
        ("GET", ["authorize"]) => return crate::auth::authorize(sh, &mut inner, &q),
        ("POST", ["authorize", "decision"]) => return crate::auth::decision(&mut inner, body),
        ("GET", ["error"]) => return crate::auth::error_get(&q),
        ("POST", ["oauth", "token"]) => return crate::auth::token(sh, &mut inner, &ct, body),
        _ => {}
    }
    match (method.as_str(), segs.as_slice()) {
        ("GET", ["media", "file", id, "binary"]) => {
            return crate::api::attachments::media(&inner, id, q.get("token"));
        }
        ("GET", ["media", "file", id, "image"]) => {
            return crate::api::attachments::media_image(&inner, id, q.get("token"));
        }
        ("GET", ["dc", "secure", what @ ("attachment" | "thumbnail"), id, _]) => {
            if crate::gateway::bearer(auth) != Some(sh.id.pat.as_str()) {
                return jira_err(
                    StatusCode::UNAUTHORIZED,
                    "You are not authenticated. Authentication required to perform this operation.",
                );
            }
            return if *what == "attachment" {
                crate::api::attachments::secure(&inner, id)
            } else {
                crate::api::attachments::secure_thumbnail(&inner, id)
            };
        }
        _ => {}
    }
    // The agile API lives next to the platform API under the same prefixes and credentials.
    let mut agile = false;
    let mut segs = segs;
    let agile_at = match segs.as_slice() {
        ["ex", "jira", _, "rest", "agile", "1.0", ..] => Some(4),
        ["site" | "dc", "rest", "agile", "1.0" | "latest", ..] => Some(2),
        _ => None,
    };
    if let Some(at) = agile_at {
        if segs[0] == "site" && segs[3] == "latest" {
            return jira_err(StatusCode::NOT_FOUND, &format!("null for uri: {path}"));
        }
        // Match the platform arm of the same flavour, then route to the agile handlers.
        agile = true;
        segs[at] = "api";
        segs[at + 1] = "2";
    }
    let (flavor, v, base, rest, cloud_gateway) = match segs.as_slice() {
        ["oauth", "token", "accessible-resources"] | ["me"] => {
            let Some(scopes) =
                crate::gateway::bearer(auth).and_then(|t| crate::auth::access_scopes(&inner, t))
            else {
                return crate::gateway::unauthorized();
            };
            if method != Method::GET {
                return json_resp(
                    StatusCode::METHOD_NOT_ALLOWED,
                    &serde_json::json!({"code": 405, "message": "Method Not Allowed"}),
                );
            }
            return if segs[0] == "me" {
                crate::gateway::me(&inner, &scopes)
            } else {
                crate::gateway::accessible_resources(sh, &inner, &scopes)
            };
        }
        ["ex", "jira", cloud, "rest", "api", ver @ ("2" | "3"), rest @ ..] => {
            let Some(scopes) =
                crate::gateway::bearer(auth).and_then(|t| crate::auth::access_scopes(&inner, t))
            else {
                return crate::gateway::unauthorized();
            };
            if *cloud != sh.id.cloud_id && !inner.config.extra_sites.iter().any(|s| s == cloud) {
                return jira_err(StatusCode::NOT_FOUND, "Site not found");
            }
            let ok = if agile {
                crate::api::agile::route(method, rest)
                    .is_none_or(|op| crate::gateway::allowed_agile(op, &scopes))
            } else {
                crate::api::route(method, rest)
                    .is_none_or(|op| crate::gateway::allowed(op, &scopes))
            };
            if !ok {
                return crate::gateway::scope_mismatch();
            }
            (
                Flavor::Cloud,
                ver.parse().unwrap_or(3),
                format!("{}/ex/jira/{cloud}/rest/api/{ver}", sh.base),
                rest.to_vec(),
                true,
            )
        }
        ["site", "rest", "api", ver @ ("2" | "3" | "latest"), rest @ ..] => {
            let want = format!("{}:{}", sh.id.api_token.0, sh.id.api_token.1);
            let ok = auth
                .and_then(|a| a.strip_prefix("Basic "))
                .and_then(|b| {
                    base64::engine::general_purpose::STANDARD
                        .decode(b.trim())
                        .ok()
                })
                .is_some_and(|d| d == want.as_bytes());
            if !ok {
                return jira_err(
                    StatusCode::UNAUTHORIZED,
                    "Client must be authenticated to access this resource.",
                );
            }
            let v = if *ver == "3" { 3 } else { 2 };
            (
                Flavor::Cloud,
                v,
                format!("{}/site/rest/api/{v}", sh.base),
                rest.to_vec(),
                false,
            )
        }
        ["dc", "rest", "api", ver @ ("2" | "latest"), rest @ ..] => {
            if crate::gateway::bearer(auth) != Some(sh.id.pat.as_str()) {
                return jira_err(
                    StatusCode::UNAUTHORIZED,
                    "You are not authenticated. Authentication required to perform this operation.",
                );
            }
            let _ = ver;
            (
                Flavor::Dc,
                2,
                format!("{}/dc/rest/api/2", sh.base),
                rest.to_vec(),
                false,
            )
        }
        _ => return jira_err(StatusCode::NOT_FOUND, &format!("null for uri: {path}")),
    };
    let _ = cloud_gateway;
    let uploading =
        method == Method::POST && matches!(rest.as_slice(), ["issue", _, "attachments"]);
    if matches!(method.as_str(), "POST" | "PUT")
        && !body.is_empty()
        && !ct.starts_with("application/json")
        && !uploading
    {
        return jira_err(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Unsupported Media Type");
    }
    let ua = hdr(headers, header::USER_AGENT).unwrap_or("");
    let no_check = headers
        .get("x-atlassian-token")
        .and_then(|v| v.to_str().ok())
        == Some("no-check");
    if matches!(method.as_str(), "POST" | "PUT" | "DELETE") && ua.contains("Mozilla") && !no_check {
        let mut r = crate::util::html(StatusCode::FORBIDDEN, "XSRF check failed".into());
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain;charset=UTF-8"),
        );
        return r;
    }
    let root = match flavor {
        Flavor::Dc => format!("{}/dc", sh.base),
        Flavor::Cloud => format!("{}/site", sh.base),
    };
    let me = inner.users[0].account_id.clone();
    if agile {
        let platform = base
            .rsplit_once("/rest/api/")
            .map_or(base.as_str(), |x| x.0);
        let a = crate::api::agile::Actx {
            base: format!("{platform}/rest/agile/1.0"),
            ctx: Ctx {
                flavor,
                v: 2,
                base: format!("{platform}/rest/api/2"),
                root,
                me,
            },
        };
        return crate::api::agile::dispatch(&a, &mut inner, method, &rest, &q, body);
    }
    let ctx = Ctx {
        flavor,
        v,
        base,
        root,
        me,
    };
    if uploading {
        let key = rest[1];
        return crate::api::attachments::upload(&ctx, &mut inner, key, &ct, no_check, body);
    }
    crate::api::dispatch(&ctx, &mut inner, method, &rest, &q, body)
}
