//! Which profile a call acts as, and the Jira client and cache namespace for it.

use super::ApiError;
use crate::auth::{AuthError, AuthManager, Authorization, ProfileState};
use crate::cache::Namespace;
use crate::jira::{AuthNeeded, Authorizer, JiraClient, JiraError, Site};
use crate::rpc::Ctx;
use crate::state::AppState;
use futures::future::BoxFuture;
use jirad_protocol::ErrorKind;
use secrecy::SecretString;
use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// The profile for a call: its own `profile` param, else the one its connection chose in
/// `initialize`, else `default_profile`, else the only profile configured. Borrowed where it
/// can be: every call that reaches Jira or the cache asks.
pub fn profile_name<'a>(
    cx: &'a Ctx<AppState>,
    explicit: Option<&'a str>,
) -> Result<Cow<'a, str>, ApiError> {
    if let Some(p) = explicit {
        return Ok(Cow::Borrowed(p));
    }
    if let Some(p) = cx.conn.profile() {
        return Ok(Cow::Owned(p));
    }
    let config = &cx.app.config;
    if let Some(p) = &config.default_profile {
        return Ok(Cow::Borrowed(p));
    }
    let mut names = config.profiles.keys();
    match (names.next(), names.next()) {
        (Some(only), None) => Ok(Cow::Borrowed(only)),
        (None, _) => Err(ApiError::new(
            ErrorKind::ConfigError,
            "no profile is configured: add a [profiles.NAME] table to the config",
        )),
        _ => Err(ApiError::new(
            ErrorKind::ConfigError,
            "several profiles are configured: set default_profile or pass `profile`",
        )),
    }
}

/// A profile's Jira client and the cache namespace of its site.
pub struct JiraSession {
    pub profile: String,
    pub client: JiraClient,
    pub ns: Namespace,
}

/// Each profile's client, by profile name.
pub type ProfileClients = rustc_hash::FxHashMap<String, ProfileClient>;

/// A profile's client as its last authorization set it up, valid until the profile's auth state
/// changes (logout, token loss, a new grant or site).
pub struct ProfileClient {
    api_base: String,
    /// Shared by every call until the auth state changes: a cache hit builds nothing.
    session: Arc<JiraSession>,
    changes: Option<watch::Receiver<ProfileState>>,
}

impl ProfileClient {
    fn still_authorized(&self) -> bool {
        self.changes.as_ref().is_some_and(|c| {
            matches!(c.has_changed(), Ok(false)) && *c.borrow() == ProfileState::Authorized
        })
    }
}

/// The Jira client for `profile`, authorized (this is where `authRequired` comes from).
///
/// The full authorization round runs once per auth state change of the profile; in between, the
/// remembered client answers (it asks the auth manager for a header on each request to Jira
/// anyway), so a cache hit costs no authorization work.
pub async fn jira(
    cx: &Ctx<AppState>,
    explicit: Option<&str>,
) -> Result<Arc<JiraSession>, ApiError> {
    let profile = profile_name(cx, explicit)?;
    let app = &cx.app;
    if let Some(known) = lock(app).get(&*profile).filter(|k| k.still_authorized()) {
        return Ok(Arc::clone(&known.session));
    }
    // Subscribed before authorizing: a change during the round invalidates what it returns.
    let changes = app.auth.changes(&profile);
    // Boxed: this path runs once per profile, and inline it would make every handler's future
    // (copied into a box per call) kilobytes larger.
    let authorization = Box::pin(authorize(cx, &profile)).await?;
    let info = authorization.site;
    let api_base = info.api_base.to_string();
    let profile = profile.into_owned();
    let ns = Namespace::new(profile.clone(), api_base.clone());
    let mut clients = lock(app);
    if let Some(known) = clients.get_mut(&profile).filter(|k| k.api_base == api_base) {
        known.changes = changes;
        return Ok(Arc::clone(&known.session));
    }
    let site = Site {
        api_base: info.api_base,
        browse_base: info.browse_url,
        flavor: info.flavor,
    };
    let http = app.http.for_site(&site.api_base)?;
    let authorizer = Arc::new(ProfileAuthorizer {
        auth: app.auth.clone(),
        profile: profile.clone(),
    });
    let session = Arc::new(JiraSession {
        profile: profile.clone(),
        client: JiraClient::new(http, site, authorizer),
        ns,
    });
    clients.insert(
        profile,
        ProfileClient {
            api_base,
            session: Arc::clone(&session),
            changes,
        },
    );
    Ok(session)
}

/// The profile's authorization. When a user must grant access first, the call fails at once with
/// `authRequired` (the auth manager has already pushed the link), unless the client declared
/// `capabilities.auth.waitForAuthorization`: then it is held until consent or the timeout.
async fn authorize(cx: &Ctx<AppState>, profile: &str) -> Result<Authorization, ApiError> {
    let auth = &cx.app.auth;
    let wait = wait_timeout(cx);
    match (auth.authorization(profile).await, wait) {
        (
            Err(AuthError::AuthRequired {
                authorization_url: Some(_),
                ..
            }),
            Some(timeout),
        ) => {
            tracing::debug!(profile, "holding a call until the user grants access");
            auth.wait_for_authorization(profile, timeout).await?;
            Ok(auth.authorization(profile).await?)
        }
        (other, _) => Ok(other?),
    }
}

/// How long a held call waits for consent when the client names no `waitTimeoutMs`: as long as
/// the login link lives.
const DEFAULT_WAIT: Duration = Duration::from_secs(600);

/// `Some(timeout)` when the connection declared `capabilities.auth.waitForAuthorization = true`
/// (`capabilities.auth.waitTimeoutMs` shortens the wait).
fn wait_timeout(cx: &Ctx<AppState>) -> Option<Duration> {
    let session = cx.conn.session();
    let auth = session.capabilities.as_ref()?.get("auth")?;
    if auth.get("waitForAuthorization")?.as_bool() != Some(true) {
        return None;
    }
    let ms = auth
        .get("waitTimeoutMs")
        .and_then(serde_json::Value::as_u64);
    Some(
        ms.map_or(DEFAULT_WAIT, Duration::from_millis)
            .min(DEFAULT_WAIT),
    )
}

/// An auth failure met in the middle of a Jira call (say, a refresh answered `invalid_grant`),
/// keeping the profile and the fresh link for the client.
fn jira_auth_error(profile: &str, e: AuthError) -> JiraError {
    match e {
        AuthError::AuthRequired {
            profile,
            authorization_url,
            message,
        } => JiraError::AuthRequired(AuthNeeded {
            message,
            profile: Some(profile),
            authorization_url,
        }),
        AuthError::UpstreamUnavailable { message } => JiraError::TokenEndpoint(message),
        // Refused credentials are not missing ones: no login can fix an API token or a PAT.
        AuthError::AuthFailed { profile, reason } => {
            JiraError::AuthFailed(crate::jira::JiraMessages {
                error_messages: vec![format!("profile `{profile}`: {reason}")],
                errors: Default::default(),
            })
        }
        other => JiraError::AuthRequired(AuthNeeded {
            message: other.to_string(),
            profile: Some(profile.to_owned()),
            authorization_url: None,
        }),
    }
}

fn lock(app: &AppState) -> std::sync::MutexGuard<'_, ProfileClients> {
    // The map holds plain clones; a panic elsewhere cannot leave it half-updated.
    app.jira_clients
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Hands the Jira client the profile's current `Authorization` header, refreshing through the
/// auth manager (one refresh per profile at a time) when Jira rejects it.
struct ProfileAuthorizer {
    auth: AuthManager,
    profile: String,
}

impl Authorizer for ProfileAuthorizer {
    fn header(&self) -> BoxFuture<'_, Result<SecretString, JiraError>> {
        Box::pin(async move {
            self.auth
                .authorization(&self.profile)
                .await
                .map(|a| a.header)
                .map_err(|e| jira_auth_error(&self.profile, e))
        })
    }

    fn rejected(&self, header: &SecretString) -> BoxFuture<'_, Result<bool, JiraError>> {
        let header = header.clone();
        Box::pin(async move {
            match self.auth.rejected(&self.profile, &header).await {
                Ok(_) => Ok(true),
                Err(e) => Err(jira_auth_error(&self.profile, e)),
            }
        })
    }
}
