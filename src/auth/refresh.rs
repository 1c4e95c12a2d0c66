//! The token lifecycle: fresh-enough checks, single-flight refresh with the rotated refresh token
//! saved durably before use, adopting tokens another process refreshed, and `invalid_grant`.

use secrecy::{ExposeSecret, SecretString};

use crate::auth::error::AuthError;
use crate::auth::event::{AuthEvent, ProfileState};
use crate::auth::manager::{blocking, lock_rt, AuthManager, ProfileRt};
use crate::auth::oauth::{self, ct_eq, TokenError};
use crate::auth::profile::OAuthSettings;
use crate::auth::resources::{self, GatewayError};
use crate::auth::site::{choose_site, SiteChoice};
use crate::auth::store::{StoreLock, StoredTokens};
use crate::auth::time::unix_now;

impl AuthManager {
    /// Tokens whose access token is good for at least the margin, refreshing if needed. `stale`
    /// is an access token known to be bad (a 401): it is never returned.
    pub(crate) async fn valid_tokens(
        &self,
        p: &ProfileRt,
        s: &OAuthSettings,
        stale: Option<&SecretString>,
    ) -> Result<StoredTokens, AuthError> {
        match p.tokens() {
            None => Err(self.auth_required(p, s).await),
            Some(t) if self.usable(&t, stale) => Ok(t),
            Some(t) => {
                let bad = stale.cloned().or(t.access_token);
                self.refresh(p, s, bad.as_ref()).await
            }
        }
    }

    fn usable(&self, t: &StoredTokens, stale: Option<&SecretString>) -> bool {
        let Some(access) = &t.access_token else {
            return false;
        };
        if stale.is_some_and(|b| ct_eq(b.expose_secret(), access.expose_secret())) {
            return false;
        }
        let margin = self.inner.opts.refresh_margin.as_secs();
        t.access_expires_at
            .is_none_or(|exp| exp > unix_now().saturating_add(margin))
    }

    /// One refresh at a time per profile: callers queue on the gate, and those behind the first
    /// find fresh tokens and make no request. Across processes the store's file lock does the
    /// same, and tokens another process saved are adopted instead of refreshing again (reusing a
    /// rotated refresh token may revoke the whole family).
    async fn refresh(
        &self,
        p: &ProfileRt,
        s: &OAuthSettings,
        stale: Option<&SecretString>,
    ) -> Result<StoredTokens, AuthError> {
        let _gate = p.gate.lock().await;
        let mut current = match p.tokens() {
            Some(t) if self.usable(&t, stale) => return Ok(t),
            Some(t) => t,
            None => return Err(self.auth_required(p, s).await),
        };
        let lock = self.lock_store(p).await?;
        let (lock, disk) = with_lock(lock, |l| l.load()).await?;
        if let Some(d) = disk?.filter(|d| d.client_id == s.client_id) {
            if !same_secret(&d.refresh_token, &current.refresh_token) {
                tracing::debug!(profile = %p.name, "adopting tokens saved by another process");
                lock_rt(p).tokens = Some(d.clone());
                if self.usable(&d, stale) {
                    return Ok(d);
                }
                current = d;
            }
        }
        let Some(refresh_token) = current.refresh_token.clone() else {
            return Err(self
                .reauthorize(
                    p,
                    s,
                    lock,
                    "no refresh token was granted (is `offline_access` in the scopes?)",
                )
                .await);
        };
        let secret = s
            .client_secret
            .resolve(&format!("profile `{}`: client secret", p.name))?;
        tracing::debug!(profile = %p.name, "refreshing the access token");
        match oauth::refresh(&self.inner.http, s, &secret, &refresh_token).await {
            Ok(g) => {
                let new = StoredTokens {
                    refresh_token: g.refresh_token.or(current.refresh_token),
                    access_token: Some(g.access_token),
                    access_expires_at: g.expires_at,
                    scopes: g.scopes.unwrap_or(current.scopes),
                    ..current
                };
                // Durable first: if the save fails, the new pair is not used and the old refresh
                // token is retried next time, within Atlassian's reuse leeway.
                let to_save = new.clone();
                let (_lock, saved) = with_lock(lock, move |l| l.save(&to_save)).await?;
                saved?;
                lock_rt(p).tokens = Some(new.clone());
                if p.state() != ProfileState::Authorized {
                    self.set_state(p, ProfileState::Authorized, None);
                }
                Ok(new)
            }
            Err(TokenError::Reauthorize { code, description }) => {
                let why = format!("the refresh token was refused ({code}: {description})");
                Err(self.reauthorize(p, s, lock, &why).await)
            }
            Err(TokenError::Rejected { code, description }) => {
                // The app's credentials (not the grant) were refused: tokens are kept for when
                // the configuration is fixed.
                let why = format!(
                    "the token endpoint refused the app's credentials ({code}: {description})"
                );
                self.set_state(p, ProfileState::Failed, Some(why.clone()));
                Err(AuthError::failed(&p.name, why))
            }
            Err(TokenError::Upstream(m)) => Err(AuthError::upstream(m)),
        }
    }

    /// The grant is gone: forget the tokens, mark the profile unauthorized, and (for profiles the
    /// user authorizes) push a fresh link. No retry: only the user can fix this.
    async fn reauthorize(
        &self,
        p: &ProfileRt,
        s: &OAuthSettings,
        lock: StoreLock,
        why: &str,
    ) -> AuthError {
        tracing::warn!(profile = %p.name, "{why}; authorization required");
        let deleted = with_lock(lock, |l| l.delete()).await;
        if let Err(e) | Ok((_, Err(e))) = deleted {
            tracing::warn!(profile = %p.name, "could not delete the stale tokens: {e}");
        }
        lock_rt(p).tokens = None;
        self.set_state(p, ProfileState::Unauthorized, Some(why.to_owned()));
        self.auth_required(p, s).await
    }

    /// `AuthRequired` for a profile without tokens. A user-authorized profile gets a login link
    /// (started or reused); a pre-authorized one never prompts.
    pub(crate) async fn auth_required(&self, p: &ProfileRt, s: &OAuthSettings) -> AuthError {
        if Self::is_pre(s) {
            return AuthError::AuthRequired {
                profile: p.name.clone(),
                authorization_url: None,
                message: format!(
                    "profile `{0}` is pre-authorized but has no valid tokens: an operator must run \
                     `jirad auth login --profile {0}`",
                    p.name
                ),
            };
        }
        match self.start_login(p, s, true).await {
            Ok(start) => AuthError::AuthRequired {
                profile: p.name.clone(),
                message: format!(
                    "profile `{}` needs authorization: open {} and grant access",
                    p.name, start.authorization_url
                ),
                authorization_url: Some(start.authorization_url),
            },
            Err(e) => e,
        }
    }

    /// `SiteAmbiguous` with the granted sites (fetched if not known yet).
    pub(crate) async fn site_ambiguous(
        &self,
        p: &ProfileRt,
        s: &OAuthSettings,
        t: &StoredTokens,
    ) -> AuthError {
        let mut sites = lock_rt(p).sites.clone();
        if sites.is_empty() {
            if let Some(access) = &t.access_token {
                match resources::accessible_sites(&self.inner.http, &s.api_url, access).await {
                    Ok(found) => {
                        lock_rt(p).sites = found.clone();
                        sites = found;
                    }
                    Err(e) => return gateway_error(&p.name, e),
                }
            }
        }
        if let SiteChoice::NotFound { wanted, .. } = choose_site(sites.clone(), s.site.as_deref()) {
            if sites.is_empty() || wanted.is_some() {
                return no_site(&p.name, wanted.as_deref(), &sites);
            }
        }
        AuthError::SiteAmbiguous {
            profile: p.name.clone(),
            sites,
        }
    }

    /// Applies `change` to the current tokens and saves them, under the gate and the file lock.
    pub(crate) async fn update_tokens(
        &self,
        p: &ProfileRt,
        change: impl FnOnce(Option<StoredTokens>) -> StoredTokens,
    ) -> Result<StoredTokens, AuthError> {
        let _gate = p.gate.lock().await;
        let new = change(p.tokens());
        let lock = self.lock_store(p).await?;
        let to_save = new.clone();
        let (_lock, saved) = with_lock(lock, move |l| l.save(&to_save)).await?;
        saved?;
        lock_rt(p).tokens = Some(new.clone());
        Ok(new)
    }

    pub(crate) async fn lock_store(&self, p: &ProfileRt) -> Result<StoreLock, AuthError> {
        let (store, name, kind) = (self.inner.store.clone(), p.name.clone(), p.token_store);
        blocking(move || store.lock(&name, kind)).await?
    }

    pub(crate) fn emit_required(&self, profile: &str, url: &str) {
        self.emit(AuthEvent::AuthorizationRequired {
            profile: profile.to_owned(),
            url: url.to_owned(),
        });
    }
}

/// Runs `f` on the lock off the async threads and hands the lock back.
async fn with_lock<T: Send + 'static>(
    lock: StoreLock,
    f: impl FnOnce(&StoreLock) -> T + Send + 'static,
) -> Result<(StoreLock, T), AuthError> {
    blocking(move || {
        let r = f(&lock);
        (lock, r)
    })
    .await
}

fn same_secret(a: &Option<SecretString>, b: &Option<SecretString>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => ct_eq(a.expose_secret(), b.expose_secret()),
        (None, None) => true,
        _ => false,
    }
}

pub(crate) fn gateway_error(profile: &str, e: GatewayError) -> AuthError {
    match e {
        GatewayError::Unauthorized => AuthError::failed(
            profile,
            "the Atlassian gateway rejected the new access token (401)",
        ),
        GatewayError::Other(m) => AuthError::upstream(m),
    }
}

pub(crate) fn no_site(
    profile: &str,
    wanted: Option<&str>,
    sites: &[crate::auth::site::Site],
) -> AuthError {
    let granted: Vec<String> = sites
        .iter()
        .map(|s| format!("{} ({})", s.url, s.id))
        .collect();
    match wanted {
        Some(w) => AuthError::config(format!(
            "profile `{profile}`: site `{w}` is not among the Jira sites granted: {}",
            if granted.is_empty() {
                "none".into()
            } else {
                granted.join(", ")
            }
        )),
        None => AuthError::failed(profile, "the grant covers no Jira site"),
    }
}
