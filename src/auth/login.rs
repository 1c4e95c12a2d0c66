//! The authorization-code login of an OAuth profile: starting it (link plus loopback listener),
//! finishing it from the listener or from a pasted redirect URL, then the site and account; and
//! choosing among the granted sites later (`sites`, `select_site`).

use std::sync::Arc;

use oauth2::PkceCodeVerifier;
use secrecy::SecretString;
use tokio::time::Instant;

use crate::auth::callback::{CallbackHandler, CallbackListener, CallbackParams, CallbackReply};
use crate::auth::error::AuthError;
use crate::auth::event::{LoginStart, ProfileState, ProfileStatus};
use crate::auth::manager::{lock, lock_rt, AuthManager, ProfileRt};
use crate::auth::oauth::{self, ct_eq, TokenError};
use crate::auth::pending_login::PendingLogin;
use crate::auth::profile::OAuthSettings;
use crate::auth::refresh::{gateway_error, no_site};
use crate::auth::resources::{self, GatewayError};
use crate::auth::site::{choose_site, Site, SiteChoice};
use crate::auth::store::StoredTokens;
use crate::auth::time::unix_now;

impl AuthManager {
    /// Starts (or reuses) a login for `profile`: the link to open, and the loopback listener.
    /// Completion or failure is reported as `AuthEvent::DidChange`.
    pub async fn login(&self, profile: &str) -> Result<LoginStart, AuthError> {
        let p = self.profile(profile)?.clone();
        let s = p.oauth()?;
        self.start_login(&p, s, false).await
    }

    /// Finishes a login from the URL the browser ended on, for when it could not reach the
    /// loopback listener.
    pub async fn complete(
        &self,
        profile: &str,
        redirect_url: &str,
    ) -> Result<ProfileStatus, AuthError> {
        let p = self.profile(profile)?.clone();
        let s = p.oauth()?;
        let params =
            CallbackParams::from_redirect_url(redirect_url, &s.redirect_uri).map_err(|m| {
                // Atlassian's own error page (e.g. a callback URL mismatch) carries the reason.
                let theirs = url::Url::parse(redirect_url.trim())
                    .ok()
                    .and_then(|u| CallbackParams::from_query(u.query().unwrap_or("")).error_text());
                match theirs {
                    Some(e) => AuthError::failed(&p.name, format!("Atlassian reported: {e}")),
                    None => AuthError::failed(&p.name, m),
                }
            })?;
        let result = self.finish_login(&p, s, params).await;
        self.close_idle_listener(s);
        result
    }

    pub(crate) async fn start_login(
        &self,
        p: &ProfileRt,
        s: &OAuthSettings,
        announce_reuse: bool,
    ) -> Result<LoginStart, AuthError> {
        if let Some(start) = self.live_login(p) {
            if announce_reuse {
                self.emit_required(&p.name, &start.authorization_url);
            }
            return Ok(start);
        }
        let req = oauth::authorization_request(s);
        let listening = self.ensure_listener(s).await;
        let ttl = self.inner.opts.login_ttl;
        let pending = PendingLogin {
            url: req.url.to_string(),
            state: req.state,
            verifier: req.pkce_verifier,
            expires: Instant::now() + ttl,
            expires_unix: unix_now() + ttl.as_secs(),
            listening,
        };
        let start = pending.start();
        let state_secret = pending.state.secret().clone();
        {
            let mut rt = lock_rt(p);
            // A concurrent caller may have started one meanwhile: keep a single link.
            if let Some(existing) = rt.pending.as_ref().filter(|l| l.live()) {
                return Ok(existing.start());
            }
            rt.pending = Some(pending);
        }
        tracing::info!(profile = %p.name, "authorization started; waiting for consent");
        // A re-login of a working profile (say, for new scopes) interrupts no client: only the
        // caller, who has the link, needs to know.
        if p.state() != ProfileState::Authorized {
            self.emit_required(&p.name, &start.authorization_url);
            self.set_state(p, ProfileState::Pending, None);
        }
        let (me, name) = (self.clone(), p.name.clone());
        tokio::spawn(async move {
            tokio::time::sleep(ttl).await;
            me.expire_login(&name, &state_secret);
        });
        Ok(start)
    }

    fn live_login(&self, p: &ProfileRt) -> Option<LoginStart> {
        lock_rt(p)
            .pending
            .as_ref()
            .filter(|l| l.live())
            .map(PendingLogin::start)
    }

    fn expire_login(&self, profile: &str, state: &str) {
        let Ok(p) = self.profile(profile) else { return };
        let expired = {
            let mut rt = lock_rt(p);
            let same = rt
                .pending
                .as_ref()
                .is_some_and(|l| l.state.secret() == state);
            if same {
                rt.pending = None;
            }
            same
        };
        if expired && p.state() == ProfileState::Pending {
            self.set_state(
                p,
                ProfileState::Unauthorized,
                Some("the authorization link expired".into()),
            );
        }
        if let Ok(s) = p.oauth() {
            self.close_idle_listener(s);
        }
    }

    /// Makes sure a loopback listener serves the redirect URI's port (on 127.0.0.1 only). False
    /// when the redirect URI is not an IPv4 loopback one or the port is taken: the login then
    /// needs `complete`.
    async fn ensure_listener(&self, s: &OAuthSettings) -> bool {
        let uri = &s.redirect_uri;
        let loopback = matches!(uri.host_str(), Some("127.0.0.1" | "localhost"));
        if uri.scheme() != "http" || !loopback {
            return false;
        }
        let port = uri.port_or_known_default().unwrap_or(80);
        let ttl = self.inner.opts.login_ttl;
        if let Some(l) = lock(&self.inner.listeners)
            .get(&port)
            .filter(|l| !l.is_closed())
        {
            l.extend(ttl);
            return true;
        }
        let me = self.clone();
        let handler: CallbackHandler = Arc::new(move |params| {
            let me = me.clone();
            Box::pin(async move { me.on_callback(port, params).await })
        });
        let limits = self.inner.opts.callback.clone();
        match CallbackListener::start(uri, ttl, handler, limits).await {
            Ok(l) => {
                lock(&self.inner.listeners).insert(port, l);
                true
            }
            Err(e) => {
                // Perhaps another profile's login on the same port started it just now.
                let shared = lock(&self.inner.listeners)
                    .get(&port)
                    .is_some_and(|l| !l.is_closed());
                if !shared {
                    tracing::warn!("cannot listen on 127.0.0.1:{port} for the OAuth callback ({e}); finish with auth/complete");
                }
                shared
            }
        }
    }

    /// One request on the loopback: routed by `state` to the profile whose login it finishes.
    async fn on_callback(&self, port: u16, params: CallbackParams) -> CallbackReply {
        let owner = params.state.as_deref().and_then(|st| {
            self.inner.profiles.values().find(|p| {
                lock_rt(p)
                    .pending
                    .as_ref()
                    .is_some_and(|l| ct_eq(l.state.secret(), st))
            })
        });
        let Some(p) = owner.cloned() else {
            let why = params
                .error_text()
                .map(|e| format!(" Atlassian said: {e}."))
                .unwrap_or_default();
            return reply(
                false,
                "Authorization not accepted",
                format!("This authorization response is unknown, expired or already used.{why} Start again with `jirad auth login`."),
                false,
            );
        };
        let Ok(s) = p.oauth() else {
            return reply(
                false,
                "Authorization failed",
                "The profile is not an OAuth profile.".into(),
                false,
            );
        };
        let result = self.finish_login(&p, s, params).await;
        let close = !self.pending_on_port(port);
        match result {
            Ok(st) => {
                let who = st
                    .account
                    .as_ref()
                    .map(|a| a.display_name.clone())
                    .unwrap_or_else(|| "you".into());
                match st.site {
                    Some(site) => reply(true, "Authorized", format!("Authorized as {who} on {}. You may close this tab.", site.url), close),
                    None => reply(true, "Authorized", format!("Authorized for profile {}. Several Jira sites were granted: choose one with auth/selectSite. You may close this tab.", p.name), close),
                }
            }
            Err(e) => reply(false, "Authorization failed", e.to_string(), close),
        }
    }

    fn pending_on_port(&self, port: u16) -> bool {
        self.inner.profiles.values().any(|p| {
            let same_port = p
                .oauth()
                .is_ok_and(|s| s.redirect_uri.port_or_known_default() == Some(port));
            same_port && lock_rt(p).pending.as_ref().is_some_and(PendingLogin::live)
        })
    }

    fn close_idle_listener(&self, s: &OAuthSettings) {
        let Some(port) = s.redirect_uri.port_or_known_default() else {
            return;
        };
        if !self.pending_on_port(port) {
            if let Some(l) = lock(&self.inner.listeners).remove(&port) {
                l.close();
            }
        }
    }

    /// Checks the callback against the pending login (once), exchanges the code, finds the site
    /// and the account, and saves the tokens.
    async fn finish_login(
        &self,
        p: &ProfileRt,
        s: &OAuthSettings,
        params: CallbackParams,
    ) -> Result<ProfileStatus, AuthError> {
        let pending = {
            let mut rt = lock_rt(p);
            let matches = match (&rt.pending, &params.state) {
                (Some(l), Some(st)) => ct_eq(l.state.secret(), st),
                _ => false,
            };
            if !matches {
                let why = if rt.pending.is_some() {
                    "the response's state does not match the login in progress (a stale or forged link?)"
                } else {
                    "no login is in progress for this profile (already used or expired); start one with `jirad auth login`"
                };
                return Err(AuthError::failed(&p.name, why));
            }
            rt.pending.take()
        };
        let Some(pending) = pending.filter(PendingLogin::live) else {
            return Err(self.login_failed(p, "the authorization link expired".into()));
        };
        if let Some(e) = params.error_text() {
            return Err(self.login_failed(p, format!("authorization was not granted ({e})")));
        }
        let Some(code) = params.code else {
            return Err(self.login_failed(p, "the callback carried no authorization code".into()));
        };
        match self.exchange(p, s, &code, pending.verifier).await {
            Ok(t) => {
                let t = self
                    .update_tokens(p, |_| t)
                    .await
                    .map_err(|e| self.login_failed(p, e.to_string()))?;
                let note = t.site.is_none().then(|| {
                    "several Jira sites were granted: choose one with auth/selectSite".to_owned()
                });
                self.set_state(p, ProfileState::Authorized, note);
                tracing::info!(profile = %p.name, "authorized");
                self.status(&p.name)
            }
            Err(e) => Err(self.login_failed(p, e.to_string())),
        }
    }

    /// Code → tokens → sites → account.
    async fn exchange(
        &self,
        p: &ProfileRt,
        s: &OAuthSettings,
        code: &SecretString,
        verifier: PkceCodeVerifier,
    ) -> Result<StoredTokens, AuthError> {
        let secret = s
            .client_secret
            .resolve(&format!("profile `{}`: client secret", p.name))?;
        let http = &self.inner.http;
        let g = oauth::exchange_code(http, s, &secret, code, verifier)
            .await
            .map_err(|e| match e {
                TokenError::Reauthorize { code, description }
                | TokenError::Rejected { code, description } => AuthError::failed(
                    &p.name,
                    format!("the token endpoint refused the code ({code}: {description})"),
                ),
                TokenError::Unreachable(m) => {
                    AuthError::upstream(format!("cannot reach the token endpoint: {m}"))
                }
                TokenError::Upstream(m) => AuthError::upstream(m),
            })?;
        let sites = resources::accessible_sites(http, &s.api_url, &g.access_token)
            .await
            .map_err(|e| gateway_error(&p.name, e))?;
        lock_rt(p).sites = sites.clone();
        let site = match choose_site(sites, s.site.as_deref()) {
            SiteChoice::One(site) => Some(site),
            SiteChoice::Ambiguous(_) => None,
            SiteChoice::NotFound { wanted, sites } => {
                return Err(no_site(&p.name, wanted.as_deref(), &sites))
            }
        };
        let account = match &site {
            Some(site) => Some(
                resources::myself(http, &s.api_url, &site.id, &g.access_token)
                    .await
                    .map_err(|e| gateway_error(&p.name, e))?,
            ),
            None => None,
        };
        Ok(StoredTokens {
            client_id: s.client_id.clone(),
            refresh_token: g.refresh_token,
            access_token: Some(g.access_token),
            access_expires_at: g.expires_at,
            site,
            account,
            scopes: g.scopes.unwrap_or_else(|| s.scopes.clone()),
        })
    }

    /// Marks a failed login (keeping a still-valid earlier authorization) and builds the error.
    fn login_failed(&self, p: &ProfileRt, reason: String) -> AuthError {
        tracing::warn!(profile = %p.name, "login failed: {reason}");
        let state = if p.tokens().is_some() {
            ProfileState::Authorized
        } else {
            ProfileState::Failed
        };
        self.set_state(p, state, Some(reason.clone()));
        AuthError::failed(&p.name, reason)
    }
}

fn reply(ok: bool, title: &str, message: String, close_listener: bool) -> CallbackReply {
    CallbackReply {
        ok,
        title: title.to_owned(),
        message,
        close_listener,
    }
}

impl AuthManager {
    /// The Jira sites of the profile's grant, fresh from accessible-resources.
    pub async fn sites(&self, profile: &str) -> Result<Vec<Site>, AuthError> {
        let p = self.profile(profile)?.clone();
        let s = p.oauth()?;
        self.fetch_sites(&p, s).await
    }

    /// Chooses the site (URL or cloudId) the profile works on, and looks up the account there.
    pub async fn select_site(&self, profile: &str, site: &str) -> Result<ProfileStatus, AuthError> {
        let p = self.profile(profile)?.clone();
        let s = p.oauth()?;
        let sites = self.fetch_sites(&p, s).await?;
        let chosen = match choose_site(sites, Some(site)) {
            SiteChoice::One(c) => c,
            // With a wanted site the choice is never ambiguous; both mean "not that one".
            SiteChoice::Ambiguous(sites) | SiteChoice::NotFound { sites, .. } => {
                return Err(no_site(&p.name, Some(site), &sites))
            }
        };
        let t = self.valid_tokens(&p, s, None).await?;
        let access = t
            .access_token
            .clone()
            .ok_or_else(|| AuthError::failed(&p.name, "no access token"))?;
        let account = resources::myself(&self.inner.http, &s.api_url, &chosen.id, &access)
            .await
            .map_err(|e| gateway_error(&p.name, e))?;
        self.update_tokens(&p, |cur| {
            let mut t = cur.unwrap_or(t);
            t.site = Some(chosen);
            t.account = Some(account);
            t
        })
        .await?;
        self.set_state(&p, ProfileState::Authorized, None);
        self.status(&p.name)
    }

    async fn fetch_sites(&self, p: &ProfileRt, s: &OAuthSettings) -> Result<Vec<Site>, AuthError> {
        let mut t = self.valid_tokens(p, s, None).await?;
        // One retry after a 401: the token may have been revoked before its expiry.
        for attempt in 0..2 {
            let access = t
                .access_token
                .clone()
                .ok_or_else(|| AuthError::failed(&p.name, "no access token"))?;
            match resources::accessible_sites(&self.inner.http, &s.api_url, &access).await {
                Ok(sites) => {
                    lock_rt(p).sites = sites.clone();
                    return Ok(sites);
                }
                Err(GatewayError::Unauthorized) if attempt == 0 => {
                    t = self.valid_tokens(p, s, Some(&access)).await?;
                }
                Err(e) => return Err(gateway_error(&p.name, e)),
            }
        }
        Err(AuthError::failed(
            &p.name,
            "the gateway keeps rejecting the access token",
        ))
    }
}
