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
use crate::auth::store::{token_hash, StoreLock, StoredTokens};
use crate::auth::time::unix_now;
use crate::auth::TokenStoreHealth;
use std::sync::atomic::Ordering;
use std::time::Duration;

impl AuthManager {
    /// Tokens whose access token is good for at least the margin, refreshing if needed. `stale`
    /// is an access token known to be bad (a 401): it is never returned.
    pub(crate) async fn valid_tokens(
        &self,
        p: &ProfileRt,
        s: &OAuthSettings,
        stale: Option<&SecretString>,
    ) -> Result<StoredTokens, AuthError> {
        if lock_rt(p).unsaved.is_some() {
            // The tokens in use are not saved yet: try again now rather than at the next tick.
            p.save_nudge.notify_one();
        }
        match p.tokens() {
            None => Err(self.auth_required(p, s).await),
            Some(t) if self.usable(&t, stale) => Ok(t),
            Some(t) => {
                let bad = stale.cloned().or(t.access_token);
                self.refresh_within_deadline(p, s, bad).await
            }
        }
    }

    /// Runs [`Self::refresh`] on a task of its own and waits for it at most the refresh
    /// deadline. The refresh is never dropped half-way: once the token endpoint has answered,
    /// its rotated refresh token is the only live one, so a caller that gives up (its deadline,
    /// a cancelled call) must not take that answer with it. While the endpoint is known to be
    /// unreachable, calls fail at once until the next try is due.
    async fn refresh_within_deadline(
        &self,
        p: &ProfileRt,
        s: &OAuthSettings,
        stale: Option<SecretString>,
    ) -> Result<StoredTokens, AuthError> {
        let host = s.refresh_url.host_str().unwrap_or("?").to_owned();
        if let Err(open) = p.token_endpoint.check() {
            return Err(AuthError::upstream(format!(
                "cannot reach the token endpoint {host} ({}); the next try is in {} ms",
                open.cause,
                open.retry_in.as_millis()
            )));
        }
        let Some(rt) = self.inner.profiles.get(&p.name).cloned() else {
            return Err(AuthError::config(format!("unknown profile `{}`", p.name)));
        };
        let (manager, settings) = (self.clone(), s.clone());
        let task =
            tokio::spawn(async move { manager.refresh(&rt, &settings, stale.as_ref()).await });
        let deadline = self.inner.opts.refresh_deadline;
        match tokio::time::timeout(deadline, task).await {
            Ok(Ok(done)) => done,
            Ok(Err(e)) => Err(AuthError::upstream(format!(
                "the token refresh stopped: {e}"
            ))),
            Err(_) => Err(AuthError::upstream(format!(
                "the token endpoint {host} did not answer within {} ms; the refresh goes on \
                 and a later call uses its tokens",
                deadline.as_millis()
            ))),
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
    ///
    /// Once the token endpoint answers with a rotated pair, that pair is the only live
    /// credential: the save is prepared (temp file, room reserved) before the endpoint is
    /// called, so that most failures happen before the refresh token is spent; a save that
    /// still fails keeps the pair in memory and in use, reports the token store degraded and
    /// retries with backoff. A refresh token known to be rotated is never spent again.
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
            if !same_secret(&d.refresh_token, &current.refresh_token)
                && !is_spent(p, &d.refresh_token)
            {
                tracing::debug!(profile = %p.name, "adopting tokens saved by another process");
                lock_rt(p).tokens = Some(d.clone());
                // Newer than anything unsaved here (whose refresh token they were made with).
                self.store_saved(p);
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
        // Everything the save needs, before the refresh token is spent: a token store that
        // cannot take the new pair fails the call here, with the old pair still valid.
        let (lock, prepared) = with_lock(lock, |l| l.prepare()).await?;
        let prepared = prepared.map_err(|e| {
            tracing::error!(profile = %p.name, "{e}; the access token was not refreshed (the refresh token is kept unspent)");
            e
        })?;
        tracing::debug!(profile = %p.name, "refreshing the access token");
        match oauth::refresh(&self.inner.http, s, &secret, &refresh_token).await {
            Ok(g) => {
                p.token_endpoint.succeeded();
                let rotated = g
                    .refresh_token
                    .as_ref()
                    .is_some_and(|n| !ct_eq(n.expose_secret(), refresh_token.expose_secret()));
                let new = StoredTokens {
                    refresh_token: g.refresh_token.or(current.refresh_token),
                    access_token: Some(g.access_token),
                    access_expires_at: g.expires_at,
                    scopes: g.scopes.unwrap_or(current.scopes),
                    ..current
                };
                {
                    let mut rt = lock_rt(p);
                    if rotated {
                        rt.spent.push(token_hash(refresh_token.expose_secret()));
                        let excess = rt.spent.len().saturating_sub(16);
                        rt.spent.drain(..excess);
                    }
                    // In memory first: from now on this is the only live pair.
                    rt.tokens = Some(new.clone());
                }
                let to_save = new.clone();
                let (_lock, saved) = with_lock(lock, move |l| l.commit(prepared, &to_save)).await?;
                match saved {
                    Ok(()) => self.store_saved(p),
                    Err(e) => self.store_degraded(p, &e),
                }
                if p.state() != ProfileState::Authorized {
                    self.set_state(p, ProfileState::Authorized, None);
                }
                Ok(new)
            }
            Err(TokenError::Reauthorize { code, description }) => {
                drop(prepared);
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
            Err(TokenError::Unreachable(cause)) => {
                let host = s.refresh_url.host_str().unwrap_or("?");
                let retry = p.token_endpoint.failed(&cause);
                tracing::warn!(profile = %p.name, "cannot reach the token endpoint {host}: {cause}");
                Err(AuthError::upstream(format!(
                    "cannot reach the token endpoint {host}: {cause}; the next try is in {} ms",
                    retry.as_millis()
                )))
            }
            Err(TokenError::Upstream(m)) => {
                p.token_endpoint.succeeded();
                Err(AuthError::upstream(m))
            }
        }
    }

    /// The tokens in use are saved: clears a degraded token store, telling clients.
    fn store_saved(&self, p: &ProfileRt) {
        if lock_rt(p).unsaved.take().is_some() {
            tracing::info!(profile = %p.name, "the tokens in use are saved again; the token store recovered");
            self.emit(AuthEvent::TokenStore {
                profile: p.name.clone(),
                state: p.state(),
                health: TokenStoreHealth::Saved,
            });
        }
    }

    /// The tokens in use (a rotated pair) could not be saved: they stay in memory and in use,
    /// the token store is reported degraded (status, `auth/didChange`, an error in the log),
    /// and a task retries the save with backoff until it succeeds.
    fn store_degraded(&self, p: &ProfileRt, e: &AuthError) {
        let why = format!(
            "the rotated tokens could not be saved ({e}); they are kept in memory and saving is \
             retried, but if jirad stops first the grant is lost and someone must log in again"
        );
        tracing::error!(profile = %p.name, "{why}");
        let first = lock_rt(p).unsaved.replace(why.clone()).is_none();
        if first {
            self.emit(AuthEvent::TokenStore {
                profile: p.name.clone(),
                state: p.state(),
                health: TokenStoreHealth::Degraded(why),
            });
        }
        if !p.retrying.swap(true, Ordering::SeqCst) {
            let (manager, name) = (self.clone(), p.name.clone());
            tokio::spawn(async move { manager.retry_saves(name).await });
        }
    }

    /// Saves the unsaved tokens of `profile` until it works: after 1 s, doubling up to 60 s, or
    /// at once when a call needs the tokens.
    async fn retry_saves(&self, profile: String) {
        let Ok(p) = self.profile(&profile).cloned() else {
            return;
        };
        loop {
            self.retry_until_saved(&p).await;
            p.retrying.store(false, Ordering::SeqCst);
            // A failure that raced with the end of the loop needs the loop again.
            if lock_rt(&p).unsaved.is_none() || p.retrying.swap(true, Ordering::SeqCst) {
                return;
            }
        }
    }

    async fn retry_until_saved(&self, p: &ProfileRt) {
        let mut wait = Duration::from_secs(1);
        loop {
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = p.save_nudge.notified() => {}
            }
            wait = (wait * 2).min(Duration::from_secs(60));
            let _gate = p.gate.lock().await;
            let tokens = {
                let rt = lock_rt(p);
                match (&rt.unsaved, &rt.tokens) {
                    (Some(_), Some(t)) => t.clone(),
                    _ => return, // saved meanwhile, or logged out
                }
            };
            let saved = match self.lock_store(p).await {
                Ok(lock) => with_lock(lock, move |l| l.save(&tokens))
                    .await
                    .and_then(|(_, r)| r),
                Err(e) => Err(e),
            };
            match saved {
                Ok(()) => return self.store_saved(p),
                Err(e) => {
                    tracing::error!(profile = %p.name, "saving the rotated tokens failed again: {e}")
                }
            }
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
        {
            let mut rt = lock_rt(p);
            rt.tokens = None;
            rt.unsaved = None;
        }
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
        self.store_saved(p);
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

/// Whether `token` is a refresh token this process saw rotated away.
fn is_spent(p: &ProfileRt, token: &Option<SecretString>) -> bool {
    token.as_ref().is_some_and(|t| {
        let h = token_hash(t.expose_secret());
        lock_rt(p).spent.contains(&h)
    })
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
