//! `AuthManager`: every profile's runtime auth state, and the calls the api layer and the Jira
//! client make (status, login, logout, sites, and the `Authorization` header for a request).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{broadcast, watch};
use url::Url;

use crate::auth::callback::CallbackListener;
use crate::auth::error::AuthError;
use crate::auth::event::{AuthEvent, Authorization, ProfileState, ProfileStatus, TokenStoreHealth};
use crate::auth::oauth::ct_eq;
use crate::auth::profile::{
    AuthKind, AuthorizationMode, OAuthSettings, ProfileConfig, ProfileSettings, TokenStoreKind,
};
use crate::auth::site::{Flavor, Site, SiteInfo};
use crate::auth::store::{StoredTokens, TokenStore};
use crate::auth::system::SystemAppConfig;

use crate::auth::pending_login::PendingLogin;

/// Tunables; the defaults are what production uses.
#[derive(Debug, Clone)]
pub struct AuthOptions {
    /// Token directory; `None` means `$XDG_STATE_HOME/jirad`.
    pub state_dir: Option<PathBuf>,
    /// How long a login link and its loopback listener live.
    pub login_ttl: Duration,
    /// Access tokens are refreshed this long before they expire.
    pub refresh_margin: Duration,
    /// How long a call waits for a token refresh. The refresh itself goes on past it (its
    /// answer may carry the only live refresh token) and the next call gets its tokens.
    pub refresh_deadline: Duration,
    /// What the OAuth loopback listener lets other local users take.
    pub callback: crate::auth::callback::CallbackLimits,
}

impl Default for AuthOptions {
    fn default() -> Self {
        AuthOptions {
            state_dir: None,
            login_ttl: Duration::from_secs(600),
            refresh_margin: Duration::from_secs(60),
            refresh_deadline: Duration::from_secs(5),
            callback: Default::default(),
        }
    }
}

/// Owns all profiles' auth state. Cheap to clone; clones share state.
#[derive(Clone)]
pub struct AuthManager {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub profiles: BTreeMap<String, Arc<ProfileRt>>,
    pub store: TokenStore,
    pub http: reqwest::Client,
    pub events: broadcast::Sender<AuthEvent>,
    /// One loopback listener per port, shared by the profiles whose redirect URI uses it.
    pub listeners: Mutex<HashMap<u16, CallbackListener>>,
    pub opts: AuthOptions,
}

/// One profile at run time.
pub(crate) struct ProfileRt {
    pub name: String,
    pub kind: AuthKind,
    /// `Err` holds a configuration error; every call on the profile reports it.
    pub settings: Result<ProfileSettings, String>,
    /// Where the profile's tokens are kept; known even when `settings` is an error, so logout
    /// can still forget them.
    pub token_store: TokenStoreKind,
    pub rt: Mutex<Runtime>,
    /// Single flight: one refresh (or token write) at a time per profile.
    pub gate: tokio::sync::Mutex<()>,
    pub state_tx: watch::Sender<ProfileState>,
    /// Wakes the retry of an unsaved rotated pair at once (a call needed the tokens).
    pub save_nudge: tokio::sync::Notify,
    /// Whether that retry task runs.
    pub retrying: std::sync::atomic::AtomicBool,
    /// Opens when the token endpoint cannot be reached, so calls fail at once until the next try.
    pub token_endpoint: crate::breaker::Breaker,
}

#[derive(Default)]
pub(crate) struct Runtime {
    pub tokens: Option<StoredTokens>,
    pub pending: Option<PendingLogin>,
    /// The Jira sites last seen in accessible-resources.
    pub sites: Vec<Site>,
    pub error: Option<String>,
    /// Set while the tokens in use (a rotated pair) are not saved: why the last save failed.
    pub unsaved: Option<String>,
    /// Hashes of refresh tokens this process saw rotated away, newest last: never spent again,
    /// never adopted from disk (Atlassian revokes the whole grant when one is reused late).
    pub spent: Vec<String>,
}

/// Locks a std mutex, recovering from poisoning: the data stays consistent because every
/// critical section only assigns whole values.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl ProfileRt {
    pub fn tokens(&self) -> Option<StoredTokens> {
        lock(&self.rt).tokens.clone()
    }

    pub fn state(&self) -> ProfileState {
        *self.state_tx.borrow()
    }

    pub fn oauth(&self) -> Result<&OAuthSettings, AuthError> {
        match &self.settings {
            Ok(ProfileSettings::OAuth(s)) => Ok(s),
            Ok(_) => Err(AuthError::config(format!(
                "profile `{}` does not use OAuth: there is nothing to authorize",
                self.name
            ))),
            Err(m) => Err(AuthError::config(m.clone())),
        }
    }
}

impl AuthManager {
    /// Builds the manager from the user's profiles and the machine's system app, loading stored
    /// tokens. A profile with a configuration error is kept as `failed` so the others still work.
    pub fn new<'a, K: AsRef<str>>(
        profiles: impl IntoIterator<Item = (K, &'a ProfileConfig)>,
        system: Option<&SystemAppConfig>,
        opts: AuthOptions,
    ) -> Result<Self, AuthError> {
        let dir = match &opts.state_dir {
            Some(d) => d.clone(),
            None => TokenStore::default_dir()?,
        };
        let store = TokenStore::new(dir);
        let mut map = BTreeMap::new();
        for (name, cfg) in profiles {
            let name = name.as_ref();
            map.insert(
                name.to_owned(),
                Arc::new(load_profile(&store, name, cfg, system)),
            );
        }
        let (events, _) = broadcast::channel(256);
        Ok(AuthManager {
            inner: Arc::new(Inner {
                profiles: map,
                store,
                http: crate::auth::oauth::http_client(),
                events,
                listeners: Mutex::new(HashMap::new()),
                opts,
            }),
        })
    }

    /// Where tokens are kept (for `jirad auth status` to say so).
    pub fn token_dir(&self) -> &std::path::Path {
        self.inner.store.dir()
    }

    /// Events for the api layer to turn into notifications.
    pub fn subscribe(&self) -> broadcast::Receiver<AuthEvent> {
        self.inner.events.subscribe()
    }

    /// Every profile, sorted by name. Never a token.
    pub fn profiles(&self) -> Vec<ProfileStatus> {
        self.inner.profiles.values().map(|p| status_of(p)).collect()
    }

    /// Sees every state change of `profile` from now on (logout, token loss, a new grant or
    /// site), so a caller may remember what an authorization told it until then.
    pub fn changes(&self, profile: &str) -> Option<watch::Receiver<ProfileState>> {
        self.inner
            .profiles
            .get(profile)
            .map(|p| p.state_tx.subscribe())
    }

    pub fn status(&self, profile: &str) -> Result<ProfileStatus, AuthError> {
        Ok(status_of(self.profile(profile)?))
    }

    /// Where and how to send a request for `profile`. OAuth tokens are refreshed first when they
    /// expire within the margin; a profile without tokens gives `AuthRequired`.
    pub async fn authorization(&self, profile: &str) -> Result<Authorization, AuthError> {
        let p = self.profile(profile)?.clone();
        match &p.settings {
            Ok(ProfileSettings::OAuth(s)) => {
                let t = self.valid_tokens(&p, s, None).await?;
                self.oauth_authorization(&p, s, &t).await
            }
            Ok(ProfileSettings::ApiToken {
                base_url,
                email,
                token,
            }) => {
                let token = token.resolve(&format!("profile `{}`: token", p.name))?;
                let raw = format!("{email}:{}", token.expose_secret());
                let header = format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(raw)
                );
                Ok(static_authorization(base_url, Flavor::Cloud, header))
            }
            Ok(ProfileSettings::Pat { base_url, token }) => {
                let token = token.resolve(&format!("profile `{}`: token", p.name))?;
                let header = format!("Bearer {}", token.expose_secret());
                Ok(static_authorization(base_url, Flavor::DataCenter, header))
            }
            Err(m) => Err(AuthError::config(m.clone())),
        }
    }

    /// After Jira answered 401 to `header`: refreshes once if that token is still the current one
    /// (a concurrent caller may already have), and returns what to retry with. Call it at most
    /// once per request, and not for the gateway's "scope does not match" 401, which a new token
    /// cannot fix. For API tokens and PATs it reports `AuthFailed`.
    pub async fn rejected(
        &self,
        profile: &str,
        header: &SecretString,
    ) -> Result<Authorization, AuthError> {
        let p = self.profile(profile)?.clone();
        let s = match &p.settings {
            Ok(ProfileSettings::OAuth(s)) => s,
            Ok(_) => {
                // The token lives in the config: nothing to refresh, and auth/status says so.
                let why =
                    "Jira rejected the profile's token (HTTP 401); check its token in the config";
                self.set_state(&p, ProfileState::Failed, Some(why.to_owned()));
                return Err(AuthError::failed(&p.name, why));
            }
            Err(m) => return Err(AuthError::config(m.clone())),
        };
        let current = p.tokens().and_then(|t| t.access_token);
        let stale = current.filter(|a| {
            ct_eq(
                &format!("Bearer {}", a.expose_secret()),
                header.expose_secret(),
            )
        });
        let forced = stale.is_some();
        let t = self.valid_tokens(&p, s, stale.as_ref()).await?;
        if !forced {
            tracing::debug!(profile = %p.name, "401 on a token already replaced; retrying with the current one");
        }
        self.oauth_authorization(&p, s, &t).await
    }

    /// Forgets the profile's tokens (memory and disk) and any pending login.
    pub async fn logout(&self, profile: &str) -> Result<ProfileStatus, AuthError> {
        let p = self.profile(profile)?.clone();
        if p.oauth().is_err() && p.settings.is_ok() {
            // API tokens and PATs live in the config: nothing stored to forget.
            return Ok(status_of(&p));
        }
        let _gate = p.gate.lock().await;
        let lock = self.lock_store(&p).await?;
        blocking(move || lock.delete()).await??;
        {
            let mut rt = lock_rt(&p);
            rt.tokens = None;
            rt.pending = None;
            rt.sites.clear();
            rt.unsaved = None;
        }
        self.set_state(&p, ProfileState::Unauthorized, None);
        Ok(status_of(&p))
    }

    /// Holds until `profile` is authorized (or its login fails), at most `timeout`; for clients
    /// that declared `waitForAuthorization`.
    pub async fn wait_for_authorization(
        &self,
        profile: &str,
        timeout: Duration,
    ) -> Result<(), AuthError> {
        let p = self.profile(profile)?.clone();
        let mut rx = p.state_tx.subscribe();
        let waited = tokio::time::timeout(
            timeout,
            rx.wait_for(|s| matches!(s, ProfileState::Authorized | ProfileState::Failed)),
        )
        .await
        // Copy the state out: the watch guard must not live across the awaits below.
        .map(|r| r.map(|s| *s));
        match waited {
            Ok(Ok(ProfileState::Authorized)) => Ok(()),
            Ok(_) => {
                let why = lock_rt(&p)
                    .error
                    .clone()
                    .unwrap_or_else(|| "authorization failed".into());
                Err(AuthError::failed(&p.name, why))
            }
            Err(_) => {
                let s = p.oauth()?;
                Err(self.auth_required(&p, s).await)
            }
        }
    }

    pub(crate) fn profile(&self, name: &str) -> Result<&Arc<ProfileRt>, AuthError> {
        self.inner.profiles.get(name).ok_or_else(|| {
            AuthError::unknown_profile(name, self.inner.profiles.keys().map(String::as_str))
        })
    }

    /// The site info and bearer header of an OAuth profile with fresh tokens.
    async fn oauth_authorization(
        &self,
        p: &ProfileRt,
        s: &OAuthSettings,
        t: &StoredTokens,
    ) -> Result<Authorization, AuthError> {
        let (Some(site), Some(access)) = (&t.site, &t.access_token) else {
            return Err(self.site_ambiguous(p, s, t).await);
        };
        let api_base = crate::auth::resources::jira_api_base(&s.api_url, &site.id)
            .map_err(AuthError::upstream)?;
        let browse_url = Url::parse(&site.url).map_err(|e| {
            AuthError::upstream(format!("the site URL `{}` is not a URL: {e}", site.url))
        })?;
        Ok(Authorization {
            site: SiteInfo {
                api_base,
                browse_url,
                flavor: Flavor::Cloud,
                cloud_id: Some(site.id.clone()),
            },
            header: SecretString::from(format!("Bearer {}", access.expose_secret())),
        })
    }

    /// Sets the state, wakes waiters and tells subscribers.
    pub(crate) fn set_state(&self, p: &ProfileRt, state: ProfileState, error: Option<String>) {
        lock_rt(p).error = error.clone();
        p.state_tx.send_replace(state);
        let _ = self.inner.events.send(AuthEvent::DidChange {
            profile: p.name.clone(),
            state,
            error,
        });
    }

    pub(crate) fn emit(&self, event: AuthEvent) {
        // No subscriber is fine: nobody is connected.
        let _ = self.inner.events.send(event);
    }

    pub(crate) fn is_pre(s: &OAuthSettings) -> bool {
        s.authorization == AuthorizationMode::Pre
    }
}

pub(crate) fn lock_rt(p: &ProfileRt) -> MutexGuard<'_, Runtime> {
    lock(&p.rt)
}

/// Runs blocking file work off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AuthError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AuthError::config(format!("token store task failed: {e}")))
}

fn static_authorization(base_url: &Url, flavor: Flavor, header: String) -> Authorization {
    Authorization {
        site: SiteInfo {
            api_base: base_url.clone(),
            browse_url: base_url.clone(),
            flavor,
            cloud_id: None,
        },
        header: SecretString::from(header),
    }
}

fn load_profile(
    store: &TokenStore,
    name: &str,
    cfg: &ProfileConfig,
    system: Option<&SystemAppConfig>,
) -> ProfileRt {
    let settings = cfg.validate(name, system).map_err(|e| e.to_string());
    let token_store = match cfg {
        ProfileConfig::OAuth(c) => c.token_store,
        _ => TokenStoreKind::File,
    };
    let mut rt = Runtime::default();
    let state = match &settings {
        Err(m) => {
            rt.error = Some(m.clone());
            ProfileState::Failed
        }
        Ok(ProfileSettings::OAuth(s)) => match store.lock(name, token_store).and_then(|l| l.load())
        {
            Ok(Some(t)) if t.client_id == s.client_id => {
                rt.tokens = Some(t);
                ProfileState::Authorized
            }
            Ok(Some(_)) => {
                tracing::warn!(
                    profile = name,
                    "stored tokens belong to another OAuth app; ignoring them"
                );
                ProfileState::Unauthorized
            }
            Ok(None) => ProfileState::Unauthorized,
            Err(e) => {
                rt.error = Some(e.to_string());
                ProfileState::Failed
            }
        },
        Ok(_) => ProfileState::Authorized,
    };
    ProfileRt {
        name: name.to_owned(),
        kind: cfg.kind(),
        settings,
        token_store,
        rt: Mutex::new(rt),
        gate: tokio::sync::Mutex::new(()),
        state_tx: watch::channel(state).0,
        save_nudge: tokio::sync::Notify::new(),
        retrying: std::sync::atomic::AtomicBool::new(false),
        token_endpoint: crate::breaker::Breaker::new(
            Duration::from_secs(1),
            Duration::from_secs(30),
        ),
    }
}

fn status_of(p: &ProfileRt) -> ProfileStatus {
    let rt = lock_rt(p);
    let oauth = match &p.settings {
        Ok(ProfileSettings::OAuth(s)) => Some(s),
        _ => None,
    };
    let t = rt.tokens.as_ref();
    ProfileStatus {
        name: p.name.clone(),
        kind: p.kind,
        app: oauth.map(|s| s.app),
        authorization: oauth.map(|s| s.authorization),
        state: p.state(),
        site: t.and_then(|t| t.site.clone()),
        account: t.and_then(|t| t.account.clone()),
        scopes: t.map(|t| t.scopes.clone()).unwrap_or_default(),
        access_token_expires_at: t.and_then(|t| t.access_expires_at),
        error: rt.error.clone(),
        token_store: match (oauth, t, &rt.unsaved) {
            (Some(_), Some(_), Some(why)) => Some(TokenStoreHealth::Degraded(why.clone())),
            (Some(_), Some(_), None) => Some(TokenStoreHealth::Saved),
            _ => None,
        },
    }
}
