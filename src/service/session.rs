//! Which profile a call acts as, and the Jira client and cache namespace for it.

use super::cached::{SharedCache, SharedMeta};
use super::ApiError;
use crate::auth::{AuthError, AuthManager, Authorization, ProfileState};
use crate::cache::Namespace;
use crate::config::Config;
use crate::jira::HttpPool;
use crate::jira::{AuthNeeded, Authorizer, JiraClient, JiraError, Site};
use futures::future::BoxFuture;
use jirad_protocol::ErrorKind;
use secrecy::SecretString;
use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// What a session needs to know of a call and its connection.
#[derive(Debug, Clone, Copy, Default)]
pub struct Caller<'a> {
    /// The call's own `profile` param.
    pub profile: Option<&'a str>,
    /// The profile the connection chose in `initialize`.
    pub connection_profile: Option<&'a str>,
    /// `Some(timeout)` when the client asked to have calls held until the user grants access.
    pub wait_for_authorization: Option<Duration>,
}

/// The profile for a call: its own `profile` param, else the one its connection chose in
/// `initialize`, else `default_profile`, else the only profile configured. Borrowed where it
/// can be: every call that reaches Jira or the cache asks.
pub fn profile_name<'a>(config: &'a Config, caller: Caller<'a>) -> Result<Cow<'a, str>, ApiError> {
    if let Some(p) = caller.profile.or(caller.connection_profile) {
        return Ok(Cow::Borrowed(p));
    }
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

/// Every profile's Jira session, kept so its metadata caches live as long as the daemon (rebuilt
/// when the profile's auth state or site changes).
#[derive(Default)]
pub struct Sessions {
    clients: std::sync::Mutex<rustc_hash::FxHashMap<String, ProfileClient>>,
}

/// A profile's client as its last authorization set it up, valid until the profile's auth state
/// changes (logout, token loss, a new grant or site).
struct ProfileClient {
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

impl Sessions {
    /// The Jira client for `profile`, authorized (this is where `authRequired` comes from).
    ///
    /// The full authorization round runs once per auth state change of the profile; in between, the
    /// remembered client answers (it asks the auth manager for a header on each request to Jira
    /// anyway), so a cache hit costs no authorization work.
    pub async fn open(
        &self,
        config: &Config,
        auth: &AuthManager,
        http: &HttpPool,
        cache: &SharedCache,
        caller: Caller<'_>,
    ) -> Result<Arc<JiraSession>, ApiError> {
        let profile = profile_name(config, caller)?;
        if let Some(known) = self.lock().get(&*profile).filter(|k| k.still_authorized()) {
            return Ok(Arc::clone(&known.session));
        }
        // Subscribed before authorizing: a change during the round invalidates what it returns.
        let changes = auth.changes(&profile);
        // Boxed: this path runs once per profile, and inline it would make every handler's future
        // (copied into a box per call) kilobytes larger.
        let authorization =
            Box::pin(authorize(auth, &profile, caller.wait_for_authorization)).await?;
        let info = authorization.site;
        let api_base = info.api_base.to_string();
        let profile = profile.into_owned();
        let ns = Namespace::new(profile.clone(), api_base.clone());
        let mut clients = self.lock();
        if let Some(known) = clients.get_mut(&profile).filter(|k| k.api_base == api_base) {
            known.changes = changes;
            return Ok(Arc::clone(&known.session));
        }
        let site = Site {
            api_base: info.api_base,
            browse_base: info.browse_url,
            flavor: info.flavor,
        };
        let http = http.for_site(&site.api_base)?;
        let authorizer = Arc::new(ProfileAuthorizer {
            auth: auth.clone(),
            profile: profile.clone(),
        });
        let session = Arc::new(JiraSession {
            profile: profile.clone(),
            client: JiraClient::with_meta(
                http,
                site,
                authorizer,
                Arc::new(SharedMeta {
                    cache: cache.clone(),
                    ns: ns.clone(),
                }),
            ),
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

    fn lock(&self) -> std::sync::MutexGuard<'_, rustc_hash::FxHashMap<String, ProfileClient>> {
        // The map holds plain clones; a panic elsewhere cannot leave it half-updated.
        self.clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The profile's authorization. When a user must grant access first, the call fails at once with
/// `authRequired` (the auth manager has already pushed the link), unless the caller asked to
/// wait: then it is held until consent or the timeout.
async fn authorize(
    auth: &AuthManager,
    profile: &str,
    wait: Option<Duration>,
) -> Result<Authorization, ApiError> {
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
