//! One `[profiles.NAME]` table of the user's config: how that profile reaches Jira (OAuth 3LO with
//! the system or a custom app, an API token, or a personal access token), and its validation into
//! the settings the rest of the auth domain uses.

use std::path::PathBuf;

use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

use crate::auth::app::{parse_url, required_secret, secure_url, AppKeys};
use crate::auth::error::AuthError;
use crate::auth::secret::SecretSource;
use crate::auth::system::SystemAppConfig;

/// How one profile reaches Jira, tagged by its `auth` key. A key of another kind is an error
/// naming it.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "auth")]
pub enum ProfileConfig {
    #[serde(rename = "oauth")]
    OAuth(OAuthProfileConfig),
    #[serde(rename = "api_token")]
    ApiToken(ApiTokenProfileConfig),
    #[serde(rename = "pat")]
    Pat(PatProfileConfig),
}

/// `auth = "oauth"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuthProfileConfig {
    #[serde(default)]
    pub app: AppKind,
    #[serde(default)]
    pub authorization: AuthorizationMode,
    pub client_id: Option<String>,
    pub client_secret: Option<SecretString>,
    pub client_secret_env: Option<String>,
    pub client_secret_file: Option<PathBuf>,
    pub authorize_url: Option<String>,
    pub token_url: Option<String>,
    pub refresh_url: Option<String>,
    pub api_url: Option<String>,
    pub scopes: Option<Vec<String>>,
    pub redirect_uri: Option<String>,
    /// A site URL or a cloudId.
    pub site: Option<String>,
    #[serde(default)]
    pub token_store: TokenStoreKind,
}

/// `auth = "api_token"`: Jira Cloud, REST v3, Basic auth.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiTokenProfileConfig {
    pub base_url: String,
    pub email: String,
    pub token: Option<SecretString>,
    pub token_env: Option<String>,
    pub token_file: Option<PathBuf>,
}

/// `auth = "pat"`: Jira Data Center, REST v2, Bearer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatProfileConfig {
    pub base_url: String,
    pub token: Option<SecretString>,
    pub token_env: Option<String>,
    pub token_file: Option<PathBuf>,
}

/// Whose OAuth app a profile uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AppKind {
    /// The machine-wide app from `[system_app]`.
    #[default]
    System,
    /// The user's own app, configured in the profile.
    Custom,
}

/// Who authorizes an OAuth profile, and when.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthorizationMode {
    /// Authorized ahead of time (`jirad auth login`); never prompts clients.
    Pre,
    /// Authorized by the user when a call first needs it.
    #[default]
    User,
}

/// Where tokens are kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenStoreKind {
    #[default]
    File,
    Keyring,
}

/// The kind of a profile, as `auth/profiles` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    #[serde(rename = "oauth")]
    OAuth,
    ApiToken,
    Pat,
}

/// A validated OAuth profile: every default applied, every URL parsed. The secret is read when
/// used, so a rotated secret file needs no restart.
#[derive(Debug, Clone)]
pub struct OAuthSettings {
    pub app: AppKind,
    pub authorization: AuthorizationMode,
    pub client_id: String,
    pub client_secret: SecretSource,
    pub authorize_url: Url,
    pub token_url: Url,
    pub refresh_url: Url,
    pub api_url: Url,
    pub scopes: Vec<String>,
    pub redirect_uri: Url,
    pub site: Option<String>,
}

/// A validated profile.
#[derive(Debug, Clone)]
pub enum ProfileSettings {
    OAuth(Box<OAuthSettings>),
    ApiToken {
        base_url: Url,
        email: String,
        token: SecretSource,
    },
    Pat {
        base_url: Url,
        token: SecretSource,
    },
}

impl ProfileSettings {
    pub fn kind(&self) -> AuthKind {
        match self {
            ProfileSettings::OAuth(_) => AuthKind::OAuth,
            ProfileSettings::ApiToken { .. } => AuthKind::ApiToken,
            ProfileSettings::Pat { .. } => AuthKind::Pat,
        }
    }
}

impl ProfileConfig {
    pub fn kind(&self) -> AuthKind {
        match self {
            ProfileConfig::OAuth(_) => AuthKind::OAuth,
            ProfileConfig::ApiToken(_) => AuthKind::ApiToken,
            ProfileConfig::Pat(_) => AuthKind::Pat,
        }
    }

    /// Checks the profile and applies defaults (no secret is read). `system` is the machine-wide
    /// `[system_app]`, needed by `app = "system"` profiles.
    pub fn validate(
        &self,
        name: &str,
        system: Option<&SystemAppConfig>,
    ) -> Result<ProfileSettings, AuthError> {
        let err = |msg: String| AuthError::config(format!("profile `{name}`: {msg}"));
        match self {
            ProfileConfig::OAuth(c) => c
                .validate(system)
                .map(|s| ProfileSettings::OAuth(Box::new(s)))
                .map_err(err),
            ProfileConfig::ApiToken(c) => Ok(ProfileSettings::ApiToken {
                base_url: secure_url("base_url", &c.base_url).map_err(err)?,
                email: non_empty("email", &c.email).map_err(err)?,
                token: required_secret(
                    "token",
                    c.token.clone(),
                    c.token_env.clone(),
                    c.token_file.clone(),
                    false,
                )
                .map_err(err)?,
            }),
            ProfileConfig::Pat(c) => Ok(ProfileSettings::Pat {
                base_url: secure_url("base_url", &c.base_url).map_err(err)?,
                token: required_secret(
                    "token",
                    c.token.clone(),
                    c.token_env.clone(),
                    c.token_file.clone(),
                    false,
                )
                .map_err(err)?,
            }),
        }
    }
}

impl OAuthProfileConfig {
    fn validate(&self, system: Option<&SystemAppConfig>) -> Result<OAuthSettings, String> {
        let app = match self.app {
            AppKind::Custom => self.custom_app()?,
            AppKind::System => self.system_app(system)?,
        };
        let scopes = match &self.scopes {
            Some(s) => s.clone(),
            None => app.scopes,
        };
        if scopes.is_empty()
            || scopes
                .iter()
                .any(|s| s.trim().is_empty() || s.contains(' '))
        {
            return Err("`scopes` must be a non-empty list of scope names without spaces".into());
        }
        if !scopes.iter().any(|s| s == "offline_access") {
            tracing::warn!("an OAuth profile without `offline_access` gets no refresh token and must re-authorize hourly");
        }
        let redirect = match &self.redirect_uri {
            Some(r) => parse_url("redirect_uri", r)?,
            None => app.redirect_uri,
        };
        if let Some(site) = &self.site {
            non_empty("site", site)?;
        }
        Ok(OAuthSettings {
            app: self.app,
            authorization: self.authorization,
            client_id: app.client_id,
            client_secret: app.client_secret,
            authorize_url: app.authorize_url,
            refresh_url: app.refresh_url,
            token_url: app.token_url,
            api_url: app.api_url,
            scopes,
            redirect_uri: redirect,
            site: self.site.clone(),
        })
    }

    fn custom_app(&self) -> Result<AppKeys, String> {
        let client_id = match &self.client_id {
            Some(id) => non_empty("client_id", id)?,
            None => return Err("a custom app (`app = \"custom\"`) needs `client_id`".into()),
        };
        let secret = required_secret(
            "client_secret",
            self.client_secret.clone(),
            self.client_secret_env.clone(),
            self.client_secret_file.clone(),
            false,
        )?;
        AppKeys::new(
            client_id,
            secret,
            [
                &self.authorize_url,
                &self.token_url,
                &self.refresh_url,
                &self.api_url,
            ],
            self.scopes.clone(),
            self.redirect_uri.as_deref(),
        )
    }

    fn system_app(&self, system: Option<&SystemAppConfig>) -> Result<AppKeys, String> {
        let app_keys = [
            ("client_id", self.client_id.is_some()),
            ("client_secret", self.client_secret.is_some()),
            ("client_secret_env", self.client_secret_env.is_some()),
            ("client_secret_file", self.client_secret_file.is_some()),
            ("authorize_url", self.authorize_url.is_some()),
            ("token_url", self.token_url.is_some()),
            ("refresh_url", self.refresh_url.is_some()),
            ("api_url", self.api_url.is_some()),
        ];
        if let Some((key, _)) = app_keys.iter().find(|(_, set)| *set) {
            return Err(format!(
                "`{key}` belongs to the app: with `app = \"system\"` it comes from [system_app] \
                 in the machine-wide config; use `app = \"custom\"` for your own app"
            ));
        }
        let Some(sys) = system else {
            return Err(
                "`app = \"system\"` but no [system_app] is configured on this machine \
                        (/etc/jirad/config.toml or JIRAD_SYSTEM_CONFIG); use `app = \"custom\"`"
                    .into(),
            );
        };
        sys.app_keys()
    }
}

fn non_empty(key: &str, value: &str) -> Result<String, String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(format!("`{key}` must not be empty"));
    }
    Ok(v.to_owned())
}

#[cfg(test)]
mod tests;
