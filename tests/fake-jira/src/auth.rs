//! The Atlassian authorization server: `GET /authorize` (parameter validation, consent page,
//! auto-approve and one-shot decisions), `POST /authorize/decision` (the consent form), the error
//! page, and `POST /oauth/token` (authorization_code and refresh_token grants, PKCE, rotating
//! refresh tokens with reuse leeway, companion revocation and inactivity/absolute expiry).

use axum::http::StatusCode;
use base64::Engine;
use serde_json::{json, Value};
use sha2::Digest;

use crate::store::{AccessToken, AuthCode, Family, Inner, PendingAuth, RefreshToken, Shared};
use crate::util::{esc, html, json_resp, random_token, redirect, Query, Resp};

const DAY: i64 = 86_400_000;
const CLASSIC: &[&str] = &[
    "read:jira-work",
    "write:jira-work",
    "read:jira-user",
    "manage:jira-project",
    "manage:jira-configuration",
    "manage:jira-webhook",
    "manage:jira-data-provider",
    "offline_access",
    "read:me",
    "read:account",
];

fn scope_known(s: &str) -> bool {
    CLASSIC.contains(&s)
        || (s.ends_with(":jira")
            && ["read:", "write:", "delete:", "manage:"]
                .iter()
                .any(|p| s.starts_with(p)))
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

fn with_params(uri: &str, params: &[(&str, &str)]) -> String {
    let q: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect();
    let sep = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{sep}{}", q.join("&"))
}

fn error_page(sh: &Shared, error: &str, desc: &str) -> Resp {
    redirect(&with_params(
        &format!("{}/error", sh.base),
        &[
            ("error", error),
            ("error_description", desc),
            ("tracking", "fake-jira"),
        ],
    ))
}

/// `GET /error`: id.atlassian.com's error page.
pub fn error_get(q: &Query) -> Resp {
    let e = esc(q.get("error").unwrap_or("unknown"));
    let d = esc(q.get("error_description").unwrap_or(""));
    html(StatusCode::OK, format!("<!doctype html><html><head><title>Atlassian account: error</title></head><body><h1>Something went wrong</h1><p id=\"error\">{e}</p><p id=\"error_description\">{d}</p></body></html>"))
}

/// `GET /authorize`.
pub fn authorize(sh: &Shared, inner: &mut Inner, q: &Query) -> Resp {
    let client_id = q.get("client_id").unwrap_or("");
    let redirect_uri = q.get("redirect_uri").unwrap_or("");
    let known_client = client_id == sh.id.system_app.0 || client_id == sh.id.custom_app.0;
    if !known_client || !sh.id.redirect_uris.iter().any(|u| u == redirect_uri) {
        return error_page(
            sh,
            "unauthorized_client",
            &format!(
                "Callback URL mismatch. {redirect_uri} is not in the list of allowed callback URLs"
            ),
        );
    }
    if q.get("response_type") != Some("code") {
        return error_page(
            sh,
            "unsupported_response_type",
            "Unsupported response_type value",
        );
    }
    let state = q.get("state").unwrap_or("").to_string();
    let back_err = |error: &str, desc: &str| {
        let mut p = vec![("error", error), ("error_description", desc)];
        if !state.is_empty() {
            p.push(("state", state.as_str()));
        }
        redirect(&with_params(redirect_uri, &p))
    };
    if let Some(a) = q.get("audience") {
        if a != "api.atlassian.com" {
            return back_err("access_denied", &format!("Service not found: {a}"));
        }
    }
    let scopes: Vec<String> = q
        .get("scope")
        .unwrap_or("")
        .split_whitespace()
        .map(String::from)
        .collect();
    if scopes.is_empty() {
        return back_err("invalid_request", "Missing required parameter: scope");
    }
    if let Some(bad) = scopes.iter().find(|s| !scope_known(s)) {
        return back_err("invalid_scope", &format!("The scope '{bad}' is not valid."));
    }
    if state.is_empty() {
        return back_err("invalid_request", "Missing required parameter: state");
    }
    if q.get("prompt")
        .is_some_and(|p| p != "consent" && p != "none" && p != "login")
    {
        return back_err("invalid_request", "Unsupported prompt value");
    }
    let challenge = match (
        q.get("code_challenge"),
        q.get("code_challenge_method").unwrap_or("plain"),
    ) {
        (None, _) => None,
        (Some(c), m @ ("S256" | "plain")) => Some((m.to_string(), c.to_string())),
        (Some(_), _) => return back_err("invalid_request", "Unsupported code_challenge_method"),
    };
    let p = PendingAuth {
        client_id: client_id.into(),
        redirect_uri: redirect_uri.into(),
        scopes,
        state,
        challenge,
    };
    let decision = inner
        .config
        .next_decision
        .take()
        .or(inner.config.auto_approve.then_some(true));
    match decision {
        Some(approve) => decide(inner, p, approve),
        None => {
            let id = random_token("", 24);
            let scopes = p
                .scopes
                .iter()
                .map(|s| format!("<li>{}</li>", esc(s)))
                .collect::<String>();
            inner.pending.insert(id.clone(), p);
            html(StatusCode::OK, format!(
                "<!doctype html><html><head><title>Authorize fake-jira app</title></head><body><h1>fake-jira app is requesting access to your Atlassian account</h1><ul>{scopes}</ul>\
<form method=\"post\" action=\"/authorize/decision\"><input type=\"hidden\" name=\"request\" value=\"{id}\"><select name=\"site\"><option value=\"{}\">fake-site</option></select>\
<button type=\"submit\" name=\"decision\" value=\"accept\" id=\"accept\">Accept</button><button type=\"submit\" name=\"decision\" value=\"deny\" id=\"deny\">Deny</button></form></body></html>",
                esc(&sh.id.cloud_id)
            ))
        }
    }
}

fn decide(inner: &mut Inner, p: PendingAuth, approve: bool) -> Resp {
    if !approve {
        return redirect(&with_params(
            &p.redirect_uri,
            &[
                ("error", "access_denied"),
                (
                    "error_description",
                    "The user has denied your application access.",
                ),
                ("state", &p.state),
            ],
        ));
    }
    let code = random_token("", 40);
    let expires = inner.now() + 10 * 60_000;
    let uri = with_params(&p.redirect_uri, &[("code", &code), ("state", &p.state)]);
    let mut grant = p;
    let stripped = inner.config.stripped_scopes.clone();
    grant.scopes.retain(|s| !stripped.contains(s));
    inner.codes.insert(
        code,
        AuthCode {
            grant,
            expires,
            used: false,
        },
    );
    redirect(&uri)
}

/// `POST /authorize/decision` (the consent form).
pub fn decision(inner: &mut Inner, body: &[u8]) -> Resp {
    let form: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
    let get = |k: &str| {
        form.iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    match inner.pending.remove(&get("request")) {
        Some(p) => decide(inner, p, get("decision") == "accept"),
        None => html(
            StatusCode::BAD_REQUEST,
            "<html><body><h1>This authorization request has expired.</h1></body></html>".into(),
        ),
    }
}

fn oauth_err(status: StatusCode, error: &str, desc: &str) -> Resp {
    json_resp(status, &json!({"error": error, "error_description": desc}))
}

/// Issues a token pair in a family (family 0 = no refresh token).
pub fn issue_pair(
    inner: &mut Inner,
    client_id: &str,
    scopes: &[String],
    family: Option<u64>,
) -> Value {
    let now = inner.now();
    let offline = scopes.iter().any(|s| s == "offline_access");
    let at = random_token("at-", 48);
    let mut fam_id = 0;
    let mut rt = None;
    if offline {
        fam_id = family.unwrap_or_else(|| {
            let id = inner.next_family;
            inner.next_family += 1;
            inner.families.insert(
                id,
                Family {
                    client_id: client_id.into(),
                    scopes: scopes.to_vec(),
                    created: now,
                    revoked: false,
                    current: Vec::new(),
                    previous: None,
                },
            );
            id
        });
        let r = random_token("rt-", 48);
        if let Some(f) = inner.families.get_mut(&fam_id) {
            f.current.push(r.clone());
        }
        inner.refresh.insert(
            r.clone(),
            RefreshToken {
                family: fam_id,
                last_used: now,
                rotated_at: None,
                revoked: false,
                successor: None,
            },
        );
        rt = Some(r);
    }
    let ttl = inner.config.access_ttl;
    inner.access.insert(
        at.clone(),
        AccessToken {
            scopes: scopes.to_vec(),
            expires: now + ttl * 1000,
            revoked: false,
            refresh: rt.clone(),
            family: fam_id,
        },
    );
    let mut v = json!({"access_token": at, "expires_in": ttl, "scope": scopes.join(" "), "token_type": "Bearer"});
    if let Some(r) = rt {
        v["refresh_token"] = json!(r);
    }
    v
}

/// Whether a refresh token is usable now; returns whether it is a leeway replay.
fn refresh_state(inner: &Inner, rt: &str) -> Option<bool> {
    let now = inner.now();
    let t = inner.refresh.get(rt)?;
    let f = inner.families.get(&t.family)?;
    if t.revoked || f.revoked || now - t.last_used > 90 * DAY || now - f.created > 365 * DAY {
        return None;
    }
    // Only the current token, or the immediately previous one within the leeway, is valid.
    if f.current.iter().any(|c| c == rt) {
        return Some(false);
    }
    match t.rotated_at {
        Some(at) if f.previous.as_deref() == Some(rt) && now - at <= inner.config.leeway * 1000 => {
            Some(true)
        }
        _ => None,
    }
}

/// Whether an access token is valid now; returns its scopes.
pub fn access_scopes(inner: &Inner, at: &str) -> Option<Vec<String>> {
    let t = inner.access.get(at)?;
    if t.revoked || inner.now() >= t.expires {
        return None;
    }
    if let Some(rt) = &t.refresh {
        refresh_state(inner, rt)?;
    }
    let stripped = &inner.config.stripped_scopes;
    Some(
        t.scopes
            .iter()
            .filter(|s| !stripped.contains(s))
            .cloned()
            .collect(),
    )
}

/// `POST /oauth/token`.
pub fn token(sh: &Shared, inner: &mut Inner, content_type: &str, body: &[u8]) -> Resp {
    let params: Vec<(String, String)> = if content_type.starts_with("application/json") {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(o)) => o
                .into_iter()
                .map(|(k, v)| {
                    (
                        k,
                        v.as_str()
                            .map(String::from)
                            .unwrap_or_else(|| v.to_string()),
                    )
                })
                .collect(),
            _ => {
                return oauth_err(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Invalid JSON body",
                )
            }
        }
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        url::form_urlencoded::parse(body).into_owned().collect()
    } else {
        return oauth_err(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "invalid_request",
            "Unsupported Media Type",
        );
    };
    let get = |k: &str| params.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str());
    let grant = get("grant_type").unwrap_or("");
    if grant != "authorization_code" && grant != "refresh_token" {
        return oauth_err(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Unsupported grant type",
        );
    }
    let client_id = get("client_id").unwrap_or("");
    let secret = get("client_secret").unwrap_or("");
    let ok = (client_id == sh.id.system_app.0 && secret == sh.id.system_app.1)
        || (client_id == sh.id.custom_app.0 && secret == sh.id.custom_app.1);
    if !ok {
        return oauth_err(StatusCode::UNAUTHORIZED, "access_denied", "Unauthorized");
    }
    if grant == "authorization_code" {
        let bad = || {
            oauth_err(
                StatusCode::FORBIDDEN,
                "invalid_grant",
                "Invalid authorization code",
            )
        };
        let code = get("code").unwrap_or("");
        let now = inner.now();
        let Some(c) = inner.codes.get_mut(code) else {
            return bad();
        };
        if c.used
            || now > c.expires
            || c.grant.client_id != client_id
            || get("redirect_uri") != Some(c.grant.redirect_uri.as_str())
        {
            c.used = true;
            return bad();
        }
        c.used = true;
        if let Some((method, challenge)) = &c.grant.challenge {
            let v = get("code_verifier").unwrap_or("");
            let computed = if method == "S256" {
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .encode(sha2::Sha256::digest(v.as_bytes()))
            } else {
                v.to_string()
            };
            if v.is_empty() || &computed != challenge {
                return bad();
            }
        }
        let scopes = c.grant.scopes.clone();
        return json_resp(StatusCode::OK, &issue_pair(inner, client_id, &scopes, None));
    }
    let bad = || {
        oauth_err(
            StatusCode::FORBIDDEN,
            "invalid_grant",
            "Unknown or invalid refresh token.",
        )
    };
    let rt = get("refresh_token").unwrap_or("").to_string();
    let Some(replay) = refresh_state(inner, &rt) else {
        if inner.config.revoke_family_on_reuse {
            if let Some(f) = inner.refresh.get(&rt).map(|t| t.family) {
                if let Some(fam) = inner.families.get_mut(&f) {
                    fam.revoked = true;
                }
            }
        }
        return bad();
    };
    let Some(t) = inner.refresh.get(&rt).cloned() else {
        return bad();
    };
    let Some(fam) = inner.families.get(&t.family).cloned() else {
        return bad();
    };
    if fam.client_id != client_id {
        return bad();
    }
    if replay && inner.config.leeway_same_pair {
        if let Some((at, new_rt)) = &t.successor {
            if let Some(a) = inner.access.get(at) {
                let left = ((a.expires - inner.now()) / 1000).max(0);
                return json_resp(
                    StatusCode::OK,
                    &json!({"access_token": at, "expires_in": left, "scope": fam.scopes.join(" "), "token_type": "Bearer", "refresh_token": new_rt}),
                );
            }
        }
    }
    let now = inner.now();
    if !replay {
        // A normal rotation: the used token becomes "previous", the new one the only current.
        if let Some(f) = inner.families.get_mut(&t.family) {
            f.previous = Some(rt.clone());
            f.current.clear();
        }
    }
    let pair = issue_pair(inner, client_id, &fam.scopes, Some(t.family));
    if let Some(old) = inner.refresh.get_mut(&rt) {
        old.last_used = now;
        if old.rotated_at.is_none() {
            old.rotated_at = Some(now);
            old.successor = Some((
                pair["access_token"].as_str().unwrap_or("").into(),
                pair["refresh_token"].as_str().unwrap_or("").into(),
            ));
        }
    }
    json_resp(StatusCode::OK, &pair)
}

/// Revokes a whole refresh-token family (e.g. a password change).
pub fn revoke_family(inner: &mut Inner, family: u64) {
    if let Some(f) = inner.families.get_mut(&family) {
        f.revoked = true;
    }
}
