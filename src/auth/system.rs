//! The machine-wide OAuth app (`[system_app]` in `/etc/jirad/config.toml` or `JIRAD_SYSTEM_CONFIG`),
//! which `app = "system"` profiles use without ever showing its secret.

use std::path::{Path, PathBuf};

use secrecy::SecretString;
use serde::Deserialize;

use crate::auth::app::{required_secret, AppKeys};
use crate::auth::error::AuthError;

/// Where the machine-wide config lives unless `JIRAD_SYSTEM_CONFIG` says otherwise.
pub const SYSTEM_CONFIG_PATH: &str = "/etc/jirad/config.toml";

/// The `[system_app]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemAppConfig {
    pub client_id: String,
    pub client_secret: Option<SecretString>,
    pub client_secret_env: Option<String>,
    pub client_secret_file: Option<PathBuf>,
    pub authorize_url: Option<String>,
    pub token_url: Option<String>,
    pub refresh_url: Option<String>,
    pub api_url: Option<String>,
    pub scopes: Option<Vec<String>>,
    /// The callback URL registered with the system app.
    pub redirect_uri: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SystemConfigFile {
    system_app: Option<SystemAppConfig>,
}

impl SystemAppConfig {
    /// Loads `[system_app]` from `JIRAD_SYSTEM_CONFIG`, else `/etc/jirad/config.toml`. A missing
    /// default file means "no system app"; a missing file named by the variable is an error.
    pub fn load() -> Result<Option<Self>, AuthError> {
        match std::env::var_os("JIRAD_SYSTEM_CONFIG") {
            Some(p) => Self::load_from(Path::new(&p)).and_then(|c| {
                c.map(Some).ok_or_else(|| {
                    AuthError::config(format!(
                        "JIRAD_SYSTEM_CONFIG names `{}`, which does not exist",
                        Path::new(&p).display()
                    ))
                })
            }),
            None => Self::load_from(Path::new(SYSTEM_CONFIG_PATH)),
        }
        .map(Option::flatten)
    }

    /// Loads one file: `Ok(None)` when it does not exist, `Ok(Some(None))` when it has no
    /// `[system_app]`.
    pub fn load_from(path: &Path) -> Result<Option<Option<Self>>, AuthError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(AuthError::config(format!(
                    "cannot read the system config `{}`: {e}",
                    path.display()
                )))
            }
        };
        // Every user's daemon reads it (its secret is shared by design); nobody else may change
        // it: whoever can could point `token_url` at themselves.
        crate::auth::secret::check_file(path, "the system config", false)
            .map_err(AuthError::config)?;
        let file: SystemConfigFile = toml::from_str(&text).map_err(|e| {
            AuthError::config(format!(
                "system config `{}`: {}",
                path.display(),
                toml_error(&e, &text)
            ))
        })?;
        if let Some(app) = &file.system_app {
            app.app_keys().map_err(|m| {
                AuthError::config(format!(
                    "system config `{}`: [system_app]: {m}",
                    path.display()
                ))
            })?;
        }
        Ok(Some(file.system_app))
    }

    pub(crate) fn app_keys(&self) -> Result<AppKeys, String> {
        let secret = required_secret(
            "client_secret",
            self.client_secret.clone(),
            self.client_secret_env.clone(),
            self.client_secret_file.clone(),
            true,
        )?;
        if self.client_id.trim().is_empty() {
            return Err("`client_id` must not be empty".into());
        }
        AppKeys::new(
            self.client_id.trim().to_owned(),
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
}

/// A TOML error as message plus line, without the source excerpt that `Display` shows: that line
/// may hold an inline secret.
pub fn toml_error(e: &toml::de::Error, text: &str) -> String {
    match e.span() {
        Some(span) => {
            let line = text.as_bytes()[..span.start.min(text.len())]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            format!("line {line}: {}", e.message())
        }
        None => e.message().to_owned(),
    }
}
