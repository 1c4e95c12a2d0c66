//! `sites` and `select_site`: listing the Jira sites a grant covers and choosing one when there
//! are several.

use crate::auth::error::AuthError;
use crate::auth::event::{ProfileState, ProfileStatus};
use crate::auth::manager::{lock_rt, AuthManager, ProfileRt};
use crate::auth::profile::OAuthSettings;
use crate::auth::refresh::{gateway_error, no_site};
use crate::auth::resources::{self, GatewayError};
use crate::auth::site::{choose_site, Site, SiteChoice};

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
