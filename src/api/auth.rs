//! `auth/*`: profiles, login, logout, sites; and the forwarder that turns the auth manager's
//! events into `auth/authorizationRequired` (to the connections using the profile) and
//! `auth/didChange` (to everyone).

use super::ApiError;
use super::{jira, profile_name};
use crate::auth::{self as domain, AuthEvent};
use crate::config::Config;
use crate::rpc::Routes;
use crate::rpc::{Ctx, Hub, Register};
use crate::service::state::AppState;
use jirad_protocol::auth::*;
use jirad_protocol::NoParams;
use std::convert::Infallible;
use tokio::sync::broadcast;

/// Registers the family.
pub fn register_all(m: &mut Routes<AppState>) {
    m.request::<AuthProfiles>(profiles)
        .request::<AuthStatus>(status)
        .request::<AuthLogin>(login)
        .request::<AuthComplete>(complete)
        .request::<AuthLogout>(logout)
        .request::<AuthSites>(sites)
        .request::<AuthSelectSite>(select_site);
}

async fn profiles(_: NoParams, cx: Ctx<AppState>) -> Result<AuthProfilesResult, Infallible> {
    Ok(AuthProfilesResult {
        profiles: cx.app.auth.profiles().into_iter().map(info).collect(),
    })
}

async fn status(p: StatusParams, cx: Ctx<AppState>) -> Result<ProfileInfo, ApiError> {
    let name = profile_name(&cx, p.profile.as_deref())?;
    if !p.verify {
        return Ok(info(cx.app.auth.status(&name)?));
    }
    let session = jira(&cx, Some(&name)).await?;
    let me = crate::service::projects::me(&session).await?;
    let mut status = info(cx.app.auth.status(&name)?);
    // API tokens and PATs have no stored account: Jira's answer is the account.
    if !me.account_id.is_empty() && !me.display_name.is_empty() {
        status.account = Some(AccountInfo {
            account_id: me.account_id,
            display_name: me.display_name,
        });
    }
    Ok(status)
}

async fn login(p: ProfileParams, cx: Ctx<AppState>) -> Result<LoginResult, ApiError> {
    let name = profile_name(&cx, p.profile.as_deref())?;
    let start = cx.app.auth.login(&name).await?;
    Ok(LoginResult {
        authorization_url: start.authorization_url,
        expires_at: domain::rfc3339(start.expires_at),
        listening: start.listening,
    })
}

async fn complete(p: CompleteParams, cx: Ctx<AppState>) -> Result<ProfileInfo, ApiError> {
    let name = profile_name(&cx, p.profile.as_deref())?;
    Ok(info(cx.app.auth.complete(&name, &p.redirect_url).await?))
}

async fn logout(p: ProfileParams, cx: Ctx<AppState>) -> Result<ProfileInfo, ApiError> {
    let name = profile_name(&cx, p.profile.as_deref())?;
    let status = cx.app.auth.logout(&name).await?;
    // What was read with the old grant must not be served to whoever authorizes next.
    cx.app.cache.clear_profile(&name);
    Ok(info(status))
}

async fn sites(p: ProfileParams, cx: Ctx<AppState>) -> Result<SitesResult, ApiError> {
    let name = profile_name(&cx, p.profile.as_deref())?;
    let sites = cx.app.auth.sites(&name).await?;
    Ok(SitesResult {
        sites: sites.into_iter().map(site).collect(),
    })
}

async fn select_site(p: SelectSiteParams, cx: Ctx<AppState>) -> Result<ProfileInfo, ApiError> {
    let name = profile_name(&cx, p.profile.as_deref())?;
    Ok(info(cx.app.auth.select_site(&name, &p.site).await?))
}

/// Forwards the auth manager's events to clients until the daemon stops. Spawned once per daemon.
pub fn spawn_event_forwarder(app: &AppState) {
    let events = app.auth.subscribe();
    let hub = app.hub.clone();
    let fallback = default_profile(&app.config);
    tokio::spawn(forward(events, hub, fallback));
}

/// The profile of a connection that chose none: `default_profile`, else the only one configured.
fn default_profile(config: &Config) -> Option<String> {
    if config.default_profile.is_some() {
        return config.default_profile.clone();
    }
    let mut names = config.profiles.keys();
    match (names.next(), names.next()) {
        (Some(only), None) => Some(only.clone()),
        _ => None,
    }
}

async fn forward(mut events: broadcast::Receiver<AuthEvent>, hub: Hub, fallback: Option<String>) {
    loop {
        let event = match events.recv().await {
            Ok(e) => e,
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!(missed = n, "auth events dropped: clients fell behind");
                continue;
            }
            Err(broadcast::error::RecvError::Closed) => return,
        };
        match event {
            AuthEvent::AuthorizationRequired { profile, url } => {
                let params = AuthorizationRequiredParams {
                    profile,
                    authorization_url: url,
                };
                for conn in hub.connections() {
                    let uses = conn.profile().or_else(|| fallback.clone());
                    if uses.as_deref() == Some(params.profile.as_str()) {
                        // A closed or overflowing connection is already being dropped.
                        let _ = conn.notify::<AuthorizationRequired>(&params);
                    }
                }
            }
            AuthEvent::DidChange {
                profile,
                state: s,
                error,
            } => {
                let params = DidChangeParams {
                    profile,
                    state: state(s),
                    error,
                    token_store: None,
                    token_store_error: None,
                };
                // Params always serialize; a dropped push concerns that connection only.
                let _ = hub.broadcast::<AuthDidChange>(&params);
            }
            AuthEvent::TokenStore {
                profile,
                state: s,
                health,
            } => {
                let (token_store, token_store_error) = store_state(Some(health));
                let params = DidChangeParams {
                    profile,
                    state: state(s),
                    error: None,
                    token_store,
                    token_store_error,
                };
                let _ = hub.broadcast::<AuthDidChange>(&params);
            }
        }
    }
}

fn info(s: domain::ProfileStatus) -> ProfileInfo {
    ProfileInfo {
        name: s.name,
        kind: match s.kind {
            domain::AuthKind::OAuth => AuthKind::OAuth,
            domain::AuthKind::ApiToken => AuthKind::ApiToken,
            domain::AuthKind::Pat => AuthKind::Pat,
        },
        app: s.app.map(|a| match a {
            domain::AppKind::System => AppKind::System,
            domain::AppKind::Custom => AppKind::Custom,
        }),
        authorization: s.authorization.map(|a| match a {
            domain::AuthorizationMode::Pre => AuthorizationMode::Pre,
            domain::AuthorizationMode::User => AuthorizationMode::User,
        }),
        state: state(s.state),
        site: s.site.map(site),
        account: s.account.map(|a| AccountInfo {
            account_id: a.account_id,
            display_name: a.display_name,
        }),
        scopes: s.scopes,
        access_token_expires_at: s.access_token_expires_at.map(domain::rfc3339),
        error: s.error,
        token_store: store_state(s.token_store.clone()).0,
        token_store_error: store_state(s.token_store).1,
    }
}

fn store_state(h: Option<domain::TokenStoreHealth>) -> (Option<TokenStoreState>, Option<String>) {
    match h {
        None => (None, None),
        Some(domain::TokenStoreHealth::Saved) => (Some(TokenStoreState::Saved), None),
        Some(domain::TokenStoreHealth::Degraded(why)) => {
            (Some(TokenStoreState::Degraded), Some(why))
        }
    }
}

fn state(s: domain::ProfileState) -> ProfileState {
    match s {
        domain::ProfileState::Authorized => ProfileState::Authorized,
        domain::ProfileState::Unauthorized => ProfileState::Unauthorized,
        domain::ProfileState::Pending => ProfileState::Pending,
        domain::ProfileState::Failed => ProfileState::Failed,
    }
}

fn site(s: domain::Site) -> SiteInfo {
    SiteInfo {
        id: s.id,
        url: s.url,
        name: s.name,
    }
}
