//! The OAuth 2.0 (3LO) code flow end to end through redirects (consent page, accept, deny,
//! callback mismatch, PKCE), the token endpoint's errors, refresh rotation with the 10-minute
//! leeway, companion revocation, family revocation, expiry, and the gateway's scope checks.

mod common;

use base64::Engine;
use common::{start_with, Api};
use fake_jira::{FakeJira, Options};
use serde_json::{json, Value};
use sha2::Digest;

/// A callback server that answers with the query string it received.
async fn callback_server() -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let app = axum::Router::new().route(
        "/callback",
        axum::routing::get(
            |uri: axum::http::Uri| async move { uri.query().unwrap_or("").to_string() },
        ),
    );
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    format!("http://{addr}/callback")
}

fn q(s: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(s.as_bytes())
        .into_owned()
        .collect()
}

fn get<'a>(p: &'a [(String, String)], k: &str) -> Option<&'a str> {
    p.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str())
}

fn authorize_url(f: &FakeJira, cb: &str, client: &str, extra: &str) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "{}/authorize?audience=api.atlassian.com&client_id={client}&scope={}&redirect_uri={}&state=st4te&response_type=code&prompt=consent{extra}",
        f.url(),
        enc("read:jira-work write:jira-work read:jira-user offline_access read:me"),
        enc(cb)
    )
}

async fn token(f: &FakeJira, body: Value) -> (u16, Value) {
    let r = common::client()
        .post(format!("{}/oauth/token", f.url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn code_flow_through_consent_page() {
    let cb = callback_server().await;
    let f = start_with(Options {
        redirect_uris: vec![cb.clone()],
        ..Default::default()
    })
    .await;
    let info = f.info();
    let (cid, secret) = (
        info["systemApp"]["clientId"].as_str().unwrap(),
        info["systemApp"]["clientSecret"].as_str().unwrap(),
    );
    let browser = reqwest::Client::new(); // follows redirects
    let verifier = "a-long-enough-code-verifier-0123456789-abcdefghijklmnop";
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    let page = browser
        .get(authorize_url(
            &f,
            &cb,
            cid,
            &format!("&code_challenge={challenge}&code_challenge_method=S256"),
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Accept") && page.contains("Deny"));
    let req_id = page
        .split("name=\"request\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let r = browser
        .post(format!("{}/authorize/decision", f.url()))
        .form(&[("request", req_id), ("decision", "accept")])
        .send()
        .await
        .unwrap();
    assert!(r.url().as_str().starts_with(&cb), "landed on the callback");
    let params = q(&r.text().await.unwrap());
    assert_eq!(get(&params, "state"), Some("st4te"));
    let code = get(&params, "code").unwrap().to_string();
    // Wrong verifier burns the code? No: check the right one first on a fresh exchange.
    let (s, t) = token(&f, json!({"grant_type": "authorization_code", "client_id": cid, "client_secret": secret, "code": code, "redirect_uri": cb, "code_verifier": verifier})).await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(t["expires_in"], 3600);
    assert_eq!(t["token_type"], "Bearer");
    assert!(t["refresh_token"].is_string());
    assert_eq!(
        t["scope"],
        "read:jira-work write:jira-work read:jira-user offline_access read:me"
    );
    let (s, e) = token(&f, json!({"grant_type": "authorization_code", "client_id": cid, "client_secret": secret, "code": code, "redirect_uri": cb, "code_verifier": verifier})).await;
    assert_eq!(
        (s, e),
        (
            403,
            json!({"error": "invalid_grant", "error_description": "Invalid authorization code"})
        ),
        "codes are single-use"
    );
    // The token works at the gateway.
    let at = t["access_token"].as_str().unwrap();
    let g = Api::gateway(&f, at);
    assert_eq!(g.get("/myself").await.0, 200);
    let r = common::client()
        .get(format!("{}/oauth/token/accessible-resources", f.url()))
        .bearer_auth(at)
        .send()
        .await
        .unwrap();
    let sites: Value = r.json().await.unwrap();
    assert_eq!(sites[0]["id"], f.cloud_id());
    assert_eq!(sites[0]["url"], format!("{}/site", f.url()));
    assert!(!sites[0]["scopes"]
        .as_array()
        .unwrap()
        .contains(&json!("offline_access")));
    let me: Value = common::client()
        .get(format!("{}/me", f.url()))
        .bearer_auth(at)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        me["account_id"],
        "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077"
    );

    // PKCE: a wrong verifier is rejected.
    f.control("POST", "authorization", json!({"decision": "approve"}))
        .await;
    let r = browser
        .get(authorize_url(
            &f,
            &cb,
            cid,
            &format!("&code_challenge={challenge}&code_challenge_method=S256"),
        ))
        .send()
        .await
        .unwrap();
    let code = get(&q(&r.text().await.unwrap()), "code")
        .unwrap()
        .to_string();
    let (s, _) = token(&f, json!({"grant_type": "authorization_code", "client_id": cid, "client_secret": secret, "code": code, "redirect_uri": cb, "code_verifier": "wrong"})).await;
    assert_eq!(s, 403);

    // Deny.
    f.control("POST", "authorization", json!({"decision": "deny"}))
        .await;
    let r = browser
        .get(authorize_url(&f, &cb, cid, ""))
        .send()
        .await
        .unwrap();
    let p = q(&r.text().await.unwrap());
    assert_eq!(get(&p, "error"), Some("access_denied"));
    assert_eq!(get(&p, "state"), Some("st4te"));
    assert!(get(&p, "code").is_none());

    // Callback mismatch never redirects to the unregistered URI.
    let r = common::client()
        .get(authorize_url(&f, "http://127.0.0.1:1/evil", cid, ""))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert!(loc.starts_with(&format!("{}/error?", f.url())), "{loc}");
    let lp = q(loc.split_once('?').unwrap().1);
    assert_eq!(get(&lp, "error"), Some("unauthorized_client"));
    assert_eq!(get(&lp, "error_description"), Some("Callback URL mismatch. http://127.0.0.1:1/evil is not in the list of allowed callback URLs"));
    let page = browser
        .get(&loc)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Callback URL mismatch"));
    // A path difference is a mismatch too.
    let r = common::client()
        .get(authorize_url(&f, &format!("{cb}/"), cid, ""))
        .send()
        .await
        .unwrap();
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .contains("unauthorized_client"));
    // Bad response_type.
    let r = common::client()
        .get(authorize_url(&f, &cb, cid, "").replace("response_type=code", "response_type=token"))
        .send()
        .await
        .unwrap();
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .contains("unsupported_response_type"));
}

#[tokio::test]
async fn token_endpoint_errors() {
    let f = start_with(Options {
        auto_approve: true,
        ..Default::default()
    })
    .await;
    let info = f.info();
    let cid = info["systemApp"]["clientId"].as_str().unwrap();
    let (s, b) = token(&f, json!({"grant_type": "refresh_token", "client_id": cid, "client_secret": "wrong", "refresh_token": "x"})).await;
    assert_eq!(
        (s, b),
        (
            401,
            json!({"error": "access_denied", "error_description": "Unauthorized"})
        )
    );
    let (s, b) = token(&f, json!({"grant_type": "password", "client_id": cid})).await;
    assert_eq!(s, 400);
    assert_eq!(b["error"], "unsupported_grant_type");
    let r = common::client()
        .post(format!("{}/oauth/token", f.url()))
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let secret = info["systemApp"]["clientSecret"].as_str().unwrap();
    // Codes expire after 10 minutes.
    let cb = info["redirectUris"][0].as_str().unwrap();
    let r = common::client()
        .get(authorize_url(&f, cb, cid, ""))
        .send()
        .await
        .unwrap();
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    let code = get(&q(loc.split_once('?').unwrap().1), "code")
        .unwrap()
        .to_string();
    f.advance_clock(601);
    let (s, _) = token(&f, json!({"grant_type": "authorization_code", "client_id": cid, "client_secret": secret, "code": code, "redirect_uri": cb})).await;
    assert_eq!(s, 403);
    // An unknown client never gets redirected back.
    let r = common::client()
        .get(authorize_url(&f, cb, "unknown-client", ""))
        .send()
        .await
        .unwrap();
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with(&format!("{}/error?error=unauthorized_client", f.url())));
    let (s, b) = token(&f, json!({"grant_type": "refresh_token", "client_id": cid, "client_secret": secret, "refresh_token": "nope"})).await;
    assert_eq!(
        (s, b),
        (
            403,
            json!({"error": "invalid_grant", "error_description": "Unknown or invalid refresh token."})
        )
    );
}

async fn refresh_form(f: &FakeJira, rt: &str) -> (u16, Value) {
    let info = f.info();
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", info["systemApp"]["clientId"].as_str().unwrap()),
        (
            "client_secret",
            info["systemApp"]["clientSecret"].as_str().unwrap(),
        ),
        ("refresh_token", rt),
    ];
    let r = common::client()
        .post(format!("{}/oauth/token", f.url()))
        .form(&form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// Like Atlassian by default: a rotated refresh token reused after the 10-minute leeway is
/// refused and revokes its whole family, the current tokens included.
#[tokio::test]
async fn reuse_after_the_leeway_revokes_the_family_by_default() {
    let f = start_with(Options::default()).await;
    let t1 = f.mint_tokens(&["read:jira-user", "offline_access"]);
    let rt1 = t1["refresh_token"].as_str().unwrap();
    let (s, t2) = refresh_form(&f, rt1).await;
    assert_eq!(s, 200);
    f.advance_clock(599);
    assert_eq!(refresh_form(&f, rt1).await.0, 200, "within the leeway");
    f.advance_clock(2);
    assert_eq!(refresh_form(&f, rt1).await.0, 403);
    let (s, b) = refresh_form(&f, t2["refresh_token"].as_str().unwrap()).await;
    assert_eq!((s, b["error"].clone()), (403, json!("invalid_grant")));
    let at2 = t2["access_token"].as_str().unwrap();
    assert_eq!(Api::gateway(&f, at2).get("/myself").await.0, 401);
    let (_, config) = f.control("GET", "config", Value::Null).await;
    assert_eq!(config["revokeFamilyOnReuse"], true);
    assert_eq!(config["leewaySeconds"], 600);
}

/// Rotation and leeway in detail, on a lenient fake: each step reuses tokens of the same family
/// after their leeway on purpose, which would otherwise revoke it.
#[tokio::test]
async fn rotation_leeway_and_revocation() {
    let f = start_with(Options {
        lenient_refresh: true,
        ..Options::default()
    })
    .await;
    let t1 = f.mint_tokens(&["read:jira-work", "read:jira-user", "offline_access"]);
    let (at1, rt1) = (
        t1["access_token"].as_str().unwrap(),
        t1["refresh_token"].as_str().unwrap(),
    );
    let (s, t2) = refresh_form(&f, rt1).await;
    assert_eq!(s, 200);
    let (at2, rt2) = (
        t2["access_token"].as_str().unwrap().to_string(),
        t2["refresh_token"].as_str().unwrap().to_string(),
    );
    assert_ne!(rt2, rt1);
    // Within the leeway the old pair still works, and the old RT can be replayed.
    assert_eq!(Api::gateway(&f, at1).get("/myself").await.0, 200);
    f.advance_clock(300);
    let (s, _) = refresh_form(&f, rt1).await;
    assert_eq!(s, 200, "leeway replay");
    // After the leeway: the old RT and its companion AT are dead; the new ones live.
    f.advance_clock(301);
    let (s, b) = refresh_form(&f, rt1).await;
    assert_eq!(
        (s, b["error_description"].clone()),
        (403, json!("Unknown or invalid refresh token."))
    );
    let (s, b) = Api::gateway(&f, at1).get("/myself").await;
    assert_eq!(
        (s, b),
        (401, json!({"code": 401, "message": "Unauthorized"}))
    );
    assert_eq!(Api::gateway(&f, &at2).get("/myself").await.0, 200);
    // Only the immediately previous token gets the leeway: two generations back is dead at once.
    let t = f.mint_tokens(&["read:jira-user", "offline_access"]);
    let (ra, aa) = (
        t["refresh_token"].as_str().unwrap(),
        t["access_token"].as_str().unwrap(),
    );
    let (_, tb) = refresh_form(&f, ra).await;
    let (s, _) = refresh_form(&f, tb["refresh_token"].as_str().unwrap()).await;
    assert_eq!(s, 200);
    assert_eq!(refresh_form(&f, ra).await.0, 403);
    assert_eq!(Api::gateway(&f, aa).get("/myself").await.0, 401);
    // Access token expiry.
    let (_, t3) = refresh_form(&f, &rt2).await;
    let at3 = t3["access_token"].as_str().unwrap().to_string();
    f.advance_clock(3601);
    assert_eq!(Api::gateway(&f, &at3).get("/myself").await.0, 401);
    // Family revocation (password change).
    let rt3 = t3["refresh_token"].as_str().unwrap().to_string();
    let (_, t4) = refresh_form(&f, &rt3).await;
    let at4 = t4["access_token"].as_str().unwrap().to_string();
    assert_eq!(Api::gateway(&f, &at4).get("/myself").await.0, 200);
    f.control(
        "POST",
        "revoke",
        json!({"refreshToken": t4["refresh_token"]}),
    )
    .await;
    assert_eq!(
        refresh_form(&f, t4["refresh_token"].as_str().unwrap())
            .await
            .0,
        403
    );
    assert_eq!(Api::gateway(&f, &at4).get("/myself").await.0, 401);
    // 90-day inactivity.
    let t5 = f.mint_tokens(&["read:jira-user", "offline_access"]);
    f.advance_clock(91 * 86_400);
    assert_eq!(
        refresh_form(&f, t5["refresh_token"].as_str().unwrap())
            .await
            .0,
        403
    );
    // Revoking a single access token.
    let t6 = f.mint_tokens(&["read:jira-user"]);
    assert!(
        t6.get("refresh_token").is_none(),
        "no offline_access, no refresh token"
    );
    let at6 = t6["access_token"].as_str().unwrap();
    f.control("POST", "revoke", json!({"accessToken": at6}))
        .await;
    assert_eq!(Api::gateway(&f, at6).get("/myself").await.0, 401);
}

#[tokio::test]
async fn gateway_scopes_and_sites() {
    let f = start_with(Options::default()).await;
    let t = f.mint_tokens(&["read:jira-work", "read:jira-user"]);
    let at = t["access_token"].as_str().unwrap();
    let g = Api::gateway(&f, at);
    assert_eq!(g.get("/issue/DEMO-1").await.0, 200);
    let (s, b) = g.post("/issue", json!({"fields": {}})).await;
    assert_eq!(
        (s, b),
        (
            401,
            json!({"code": 401, "message": "Unauthorized; scope does not match"})
        )
    );
    let r = common::client()
        .get(format!("{}/me", f.url()))
        .bearer_auth(at)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "/me needs read:me");
    // Granular scopes: the full set for a route works.
    let t = f.mint_tokens(&["delete:issue:jira"]);
    assert_eq!(
        Api::gateway(&f, t["access_token"].as_str().unwrap())
            .delete("/issue/OPS-8")
            .await
            .0,
        204
    );
    // Strip a scope mid-session.
    f.control("POST", "config", json!({"stripScopes": ["read:jira-user"]}))
        .await;
    assert_eq!(
        g.get("/myself").await.1["message"],
        "Unauthorized; scope does not match"
    );
    f.control("POST", "config", json!({"stripScopes": []}))
        .await;
    // Unknown cloudId; no token.
    let other = Api {
        base: g
            .base
            .replace(&f.cloud_id(), "00000000-0000-0000-0000-000000000000"),
        ..Api::gateway(&f, at)
    };
    assert_eq!(other.get("/myself").await.0, 404);
    assert_eq!(Api::gateway(&f, "nope").get("/myself").await.0, 401);
    // Site-direct does not take 3LO tokens.
    let site = Api {
        base: format!("{}/site/rest/api/3", f.url()),
        ..Api::gateway(&f, at)
    };
    assert_eq!(site.get("/myself").await.0, 401);
    // Several sites, a Confluence duplicate, none.
    let ar = |f: &FakeJira, at: String| {
        let url = format!("{}/oauth/token/accessible-resources", f.url());
        async move {
            common::client()
                .get(url)
                .bearer_auth(at)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    f.control("POST", "config", json!({"extraSites": ["11111111-2222-4333-8444-555555555555"], "confluenceDuplicate": true})).await;
    let v = ar(&f, at.to_string()).await;
    assert_eq!(v.as_array().unwrap().len(), 3);
    assert_eq!(v[2]["id"], f.cloud_id());
    let extra = Api {
        base: g
            .base
            .replace(&f.cloud_id(), "11111111-2222-4333-8444-555555555555"),
        ..Api::gateway(&f, at)
    };
    assert_eq!(extra.get("/myself").await.0, 200);
    f.control("POST", "config", json!({"noSites": true})).await;
    assert_eq!(ar(&f, at.to_string()).await, json!([]));
}

#[tokio::test]
async fn leeway_knobs() {
    let f = start_with(Options::default()).await;
    // Same-pair replay.
    f.control("POST", "config", json!({"leewaySamePair": true}))
        .await;
    let t1 = f.mint_tokens(&["read:jira-user", "offline_access"]);
    let rt1 = t1["refresh_token"].as_str().unwrap();
    let (_, a) = refresh_form(&f, rt1).await;
    let (_, b) = refresh_form(&f, rt1).await;
    assert_eq!(a["refresh_token"], b["refresh_token"]);
    assert_eq!(a["access_token"], b["access_token"]);
    // Family revocation on reuse after the leeway.
    f.control(
        "POST",
        "config",
        json!({"leewaySamePair": false, "revokeFamilyOnReuse": true, "leewaySeconds": 5}),
    )
    .await;
    let t = f.mint_tokens(&["read:jira-user", "offline_access"]);
    let rt = t["refresh_token"].as_str().unwrap();
    let (_, n) = refresh_form(&f, rt).await;
    f.advance_clock(6);
    assert_eq!(refresh_form(&f, rt).await.0, 403);
    assert_eq!(
        refresh_form(&f, n["refresh_token"].as_str().unwrap())
            .await
            .0,
        403,
        "the whole family is revoked"
    );
    assert_eq!(
        Api::gateway(&f, n["access_token"].as_str().unwrap())
            .get("/myself")
            .await
            .0,
        401
    );
    // Access-token lifetime switch.
    f.control("POST", "config", json!({"accessTtlSeconds": 60}))
        .await;
    assert_eq!(f.mint_tokens(&["read:jira-user"])["expires_in"], 60);
}
