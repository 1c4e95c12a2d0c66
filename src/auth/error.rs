//! `AuthError`: the one error type of the auth domain, with a stable kind per variant that the api
//! layer maps to JSON-RPC `data.kind`. No variant ever carries a secret.

use crate::auth::site::Site;

/// Everything that can go wrong while authorizing a profile.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The profile has no usable tokens; someone must authorize it (kind `authRequired`).
    #[error("{message}")]
    AuthRequired {
        profile: String,
        /// Where to grant access, when a login could be started.
        authorization_url: Option<String>,
        /// For people: says whether to follow the link or run `jirad auth login`.
        message: String,
    },
    /// Jira or Atlassian refused the credentials or the consent (kind `authFailed`).
    #[error("authorization failed for profile `{profile}`: {reason}")]
    AuthFailed { profile: String, reason: String },
    /// Several Jira sites were granted and none is configured (kind `siteAmbiguous`).
    #[error("profile `{profile}` has access to {} Jira sites; choose one with auth/selectSite or `site` in the profile", sites.len())]
    SiteAmbiguous { profile: String, sites: Vec<Site> },
    /// A call named a profile the config does not have (kind `notFound`, like an unknown issue).
    #[error("unknown profile `{profile}` (configured: {configured})")]
    UnknownProfile { profile: String, configured: String },
    /// The configuration is wrong or incomplete, or the token store is unusable (kind `configError`).
    #[error("{message}")]
    Config { message: String },
    /// The auth server or gateway could not be reached or answered nonsense (kind `upstreamUnavailable`).
    #[error("{message}")]
    UpstreamUnavailable { message: String },
}

impl AuthError {
    /// The stable `data.kind` of this error.
    pub fn kind(&self) -> &'static str {
        match self {
            AuthError::AuthRequired { .. } => "authRequired",
            AuthError::AuthFailed { .. } => "authFailed",
            AuthError::SiteAmbiguous { .. } => "siteAmbiguous",
            AuthError::UnknownProfile { .. } => "notFound",
            AuthError::Config { .. } => "configError",
            AuthError::UpstreamUnavailable { .. } => "upstreamUnavailable",
        }
    }

    /// `profile` is not among `known`.
    pub fn unknown_profile<'a>(profile: &str, known: impl IntoIterator<Item = &'a str>) -> Self {
        let known: Vec<&str> = known.into_iter().collect();
        AuthError::UnknownProfile {
            profile: profile.to_owned(),
            configured: if known.is_empty() {
                "none".into()
            } else {
                known.join(", ")
            },
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        AuthError::Config {
            message: message.into(),
        }
    }

    pub(crate) fn upstream(message: impl Into<String>) -> Self {
        AuthError::UpstreamUnavailable {
            message: message.into(),
        }
    }

    pub(crate) fn failed(profile: &str, reason: impl Into<String>) -> Self {
        AuthError::AuthFailed {
            profile: profile.to_owned(),
            reason: reason.into(),
        }
    }
}
