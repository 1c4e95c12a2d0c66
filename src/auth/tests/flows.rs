//! Login flows: loopback success, restart, replay, wrong state, denial, pre-authorized profiles,
//! waiting for consent, several sites.

use secrecy::ExposeSecret;

use super::{drain, open_in_browser, Env, SHORT};
use crate::auth::{AuthError, AuthEvent, Flavor, ProfileState};

#[tokio::test]
async fn login_through_the_loopback_then_restart() {
    let env = Env::new().await;
    let profiles = env.oauth_profiles("user", "");
    let m = env.manager(&profiles);
    let mut rx = m.subscribe();
    assert_eq!(m.status("p").unwrap().state, ProfileState::Unauthorized);
    let start = m.login("p").await.unwrap();
    assert!(start.listening);
    assert!(start.authorization_url.contains("prompt=consent"));
    assert_eq!(m.status("p").unwrap().state, ProfileState::Pending);
    // A second login while pending reuses the same link.
    assert_eq!(
        m.login("p").await.unwrap().authorization_url,
        start.authorization_url
    );

    let (status, page) = open_in_browser(&start.authorization_url).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains(
            "Authorized as Mia Krystof on https://site-a.example. You may close this tab."
        ),
        "{page}"
    );

    let st = m.status("p").unwrap();
    assert_eq!(st.state, ProfileState::Authorized);
    assert_eq!(st.account.unwrap().display_name, "Mia Krystof");
    assert_eq!(st.site.unwrap().id, "cloud-a");
    assert!(st.access_token_expires_at.is_some());
    let auth = m.authorization("p").await.unwrap();
    assert_eq!(
        auth.site.api_base.as_str(),
        env.fake.url("/gw/ex/jira/cloud-a")
    );
    assert_eq!(auth.site.browse_url.as_str(), "https://site-a.example/");
    assert_eq!(auth.site.flavor, Flavor::Cloud);
    assert!(auth.header.expose_secret().starts_with("Bearer canary-at-"));

    assert!(
        listener_closes(env.port).await,
        "the loopback listener is still up after use"
    );

    let events = drain(&mut rx);
    assert!(
        matches!(&events[0], AuthEvent::AuthorizationRequired { url, .. } if *url == start.authorization_url)
    );
    assert!(events.iter().any(|e| matches!(
        e,
        AuthEvent::DidChange {
            state: ProfileState::Authorized,
            ..
        }
    )));

    // The state is single-use: replaying the callback finds no login.
    let replay = m
        .complete(
            "p",
            &format!(
                "http://127.0.0.1:{}/callback?code=canary-code-1&state=x",
                env.port
            ),
        )
        .await;
    assert!(matches!(replay, Err(AuthError::AuthFailed { .. })));

    // Tokens survive a restart: a new manager on the same directory is authorized at once.
    let grants = env.fake.with(|s| s.code_grants + s.refresh_grants);
    let again = env.manager(&profiles);
    assert_eq!(again.status("p").unwrap().state, ProfileState::Authorized);
    let auth2 = again.authorization("p").await.unwrap();
    assert_eq!(auth2.header.expose_secret(), auth.header.expose_secret());
    assert_eq!(env.fake.with(|s| s.code_grants + s.refresh_grants), grants);

    let out = m.logout("p").await.unwrap();
    assert_eq!(out.state, ProfileState::Unauthorized);
    assert!(env.stored_refresh_token().is_none());
}

#[tokio::test]
async fn wrong_state_is_rejected_and_the_login_survives() {
    let env = Env::new().await;
    let m = env.manager(&env.oauth_profiles("user", ""));
    let start = m.login("p").await.unwrap();
    // A forged callback on the loopback: refused, listener still up.
    let forged = format!("http://127.0.0.1:{}/callback?code=c&state=forged", env.port);
    let (status, page) = open_in_browser(&forged).await;
    assert_eq!(status, 400);
    assert!(page.contains("unknown, expired or already used"), "{page}");
    let e = m.complete("p", &forged).await.unwrap_err();
    assert!(e.to_string().contains("state does not match"), "{e}");
    assert_eq!(m.status("p").unwrap().state, ProfileState::Pending);
    // The real one still works; its URL pasted by hand goes through `complete`.
    let to_paste = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(&start.authorization_url)
        .send()
        .await
        .unwrap()
        .headers()["location"]
        .to_str()
        .unwrap()
        .to_owned();
    let st = m.complete("p", &to_paste).await.unwrap();
    assert_eq!(st.state, ProfileState::Authorized);
    let again = m.complete("p", &to_paste).await.unwrap_err();
    assert!(
        again.to_string().contains("no login is in progress"),
        "{again}"
    );
}

#[tokio::test]
async fn denied_consent_fails_clearly() {
    let env = Env::new().await;
    env.fake.with(|s| s.deny = true);
    let m = env.manager(&env.oauth_profiles("user", ""));
    let mut rx = m.subscribe();
    let start = m.login("p").await.unwrap();
    let (status, page) = open_in_browser(&start.authorization_url).await;
    assert_eq!(status, 400);
    assert!(page.contains("access_denied"), "{page}");
    let st = m.status("p").unwrap();
    assert_eq!(st.state, ProfileState::Failed);
    assert!(st.error.unwrap().contains("access_denied"));
    assert!(drain(&mut rx).iter().any(|e| matches!(e,
        AuthEvent::DidChange { state: ProfileState::Failed, error: Some(err), .. } if err.contains("access_denied"))));
    // Atlassian's own error page pasted into `complete` is reported as such.
    let e = m
        .complete("p", "https://id.atlassian.com/error?error=unauthorized_client&error_description=Callback%20URL%20mismatch")
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("unauthorized_client: Callback URL mismatch"),
        "{e}"
    );
}

#[tokio::test]
async fn pre_authorized_without_tokens_tells_the_operator() {
    let env = Env::new().await;
    let m = env.manager(&env.oauth_profiles("pre", ""));
    let mut rx = m.subscribe();
    match m.authorization("p").await {
        Err(e @ AuthError::AuthRequired { .. }) => {
            assert_eq!(e.kind(), "authRequired");
            assert!(
                e.to_string().contains("jirad auth login --profile p"),
                "{e}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(
        drain(&mut rx).is_empty(),
        "a pre-authorized profile must not prompt"
    );
    assert_eq!(m.status("p").unwrap().state, ProfileState::Unauthorized);
}

#[tokio::test]
async fn user_authorized_call_gets_a_link_and_can_wait() {
    let env = Env::new().await;
    let m = env.manager(&env.oauth_profiles("user", ""));
    let mut rx = m.subscribe();
    let url = match m.authorization("p").await {
        Err(AuthError::AuthRequired {
            authorization_url: Some(u),
            profile,
            ..
        }) => {
            assert_eq!(profile, "p");
            u
        }
        other => panic!("{other:?}"),
    };
    assert!(drain(&mut rx)
        .iter()
        .any(|e| matches!(e, AuthEvent::AuthorizationRequired { url: u, .. } if *u == url)));
    let waiter = {
        let m = m.clone();
        tokio::spawn(async move { m.wait_for_authorization("p", SHORT).await })
    };
    open_in_browser(&url).await;
    waiter.await.unwrap().unwrap();
    assert!(m.authorization("p").await.is_ok());
}

#[tokio::test]
async fn several_sites_are_ambiguous_until_one_is_selected() {
    let env = Env::new().await;
    env.fake.with(|s| s.sites = 2);
    let m = env.manager(&env.oauth_profiles("user", ""));
    let start = m.login("p").await.unwrap();
    let (status, page) = open_in_browser(&start.authorization_url).await;
    assert_eq!(status, 200);
    assert!(page.contains("Several Jira sites"), "{page}");
    match m.authorization("p").await {
        Err(e @ AuthError::SiteAmbiguous { .. }) => {
            assert_eq!(e.kind(), "siteAmbiguous");
            let AuthError::SiteAmbiguous { sites, .. } = e else {
                unreachable!()
            };
            let ids: Vec<_> = sites.iter().map(|s| s.id.as_str()).collect();
            assert_eq!(ids, ["cloud-a", "cloud-b"]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(m.sites("p").await.unwrap().len(), 2);
    assert!(m.select_site("p", "https://nowhere.example").await.is_err());
    let st = m.select_site("p", "https://site-b.example/").await.unwrap();
    assert_eq!(st.site.unwrap().id, "cloud-b");
    let auth = m.authorization("p").await.unwrap();
    assert!(auth.site.api_base.as_str().ends_with("/gw/ex/jira/cloud-b"));
    // The choice is stored.
    let again = env.manager(&env.oauth_profiles("user", ""));
    assert_eq!(again.status("p").unwrap().site.unwrap().id, "cloud-b");
}

#[tokio::test]
async fn configured_site_is_used_among_several() {
    let env = Env::new().await;
    env.fake.with(|s| s.sites = 2);
    let m = env.manager(&env.oauth_profiles("user", "site = \"cloud-b\"\n"));
    let start = m.login("p").await.unwrap();
    open_in_browser(&start.authorization_url).await;
    assert_eq!(m.status("p").unwrap().site.unwrap().id, "cloud-b");
}

/// True once nothing accepts connections on the loopback port (within two seconds).
async fn listener_closes(port: u16) -> bool {
    for _ in 0..40 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test]
async fn an_unused_login_expires_and_closes_its_listener() {
    let env = Env::new().await;
    let m = crate::auth::AuthManager::new(
        &env.oauth_profiles("user", ""),
        None,
        crate::auth::AuthOptions {
            state_dir: Some(env.dir.path().to_owned()),
            login_ttl: std::time::Duration::from_millis(300),
            ..Default::default()
        },
    )
    .unwrap();
    let start = m.login("p").await.unwrap();
    assert!(tokio::net::TcpStream::connect(("127.0.0.1", env.port))
        .await
        .is_ok());
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let st = m.status("p").unwrap();
    assert_eq!(st.state, ProfileState::Unauthorized);
    assert!(st.error.unwrap().contains("expired"));
    assert!(listener_closes(env.port).await);
    // The expired link is refused even when pasted.
    let e = m
        .complete(
            "p",
            &format!("http://127.0.0.1:{}/callback?code=c&state=s", env.port),
        )
        .await;
    assert!(e.is_err());
    assert_ne!(
        m.login("p").await.unwrap().authorization_url,
        start.authorization_url
    );
}

#[tokio::test]
async fn two_profiles_share_one_loopback_port() {
    let env = Env::new().await;
    let mut profiles = env.oauth_profiles("user", "");
    let q = profiles["p"].clone();
    profiles.insert("q".into(), q);
    let m = env.manager(&profiles);
    let (lp, lq) = (m.login("p").await.unwrap(), m.login("q").await.unwrap());
    assert!(lp.listening && lq.listening);
    let (status, page) = open_in_browser(&lq.authorization_url).await;
    assert_eq!(status, 200, "{page}");
    // p's login still waits, so the listener stays up for it.
    assert_eq!(m.status("p").unwrap().state, ProfileState::Pending);
    let (status, page) = open_in_browser(&lp.authorization_url).await;
    assert_eq!(status, 200, "{page}");
    assert!(m
        .profiles()
        .iter()
        .all(|s| s.state == ProfileState::Authorized));
    assert!(listener_closes(env.port).await);
}
