//! The keys that describe an OAuth app (the system app or a user's own), Atlassian's defaults for
//! them, and the checks on the URLs credentials are sent to.

use std::path::PathBuf;

use secrecy::SecretString;
use url::Url;

use crate::auth::secret::SecretSource;

/// Atlassian's authorization endpoint; `audience` is kept on the URLs we build from it.
pub const DEFAULT_AUTHORIZE_URL: &str =
    "https://auth.atlassian.com/authorize?audience=api.atlassian.com";
pub const DEFAULT_TOKEN_URL: &str = "https://auth.atlassian.com/oauth/token";
pub const DEFAULT_API_URL: &str = "https://api.atlassian.com";
/// A fixed port: Atlassian matches callback URLs exactly.
pub const DEFAULT_REDIRECT_URI: &str = "http://127.0.0.1:8765/callback";
pub const DEFAULT_SCOPES: [&str; 6] = [
    "write:jira-work",
    "read:jira-work",
    "manage:jira-project",
    "manage:jira-configuration",
    "read:jira-user",
    "offline_access",
];

/// The keys that describe an OAuth app, with defaults applied.
pub(crate) struct AppKeys {
    pub client_id: String,
    pub client_secret: SecretSource,
    pub authorize_url: Url,
    pub token_url: Url,
    pub refresh_url: Url,
    pub api_url: Url,
    pub scopes: Vec<String>,
    pub redirect_uri: Url,
}

impl AppKeys {
    /// `urls` are authorize, token, refresh and api URLs, each optional.
    pub(crate) fn new(
        client_id: String,
        client_secret: SecretSource,
        urls: [&Option<String>; 4],
        scopes: Option<Vec<String>>,
        redirect_uri: Option<&str>,
    ) -> Result<Self, String> {
        let [authorize, token, refresh, api] = urls;
        let url_or = |key: &str, v: &Option<String>, default: &str| {
            secure_url(key, v.as_deref().unwrap_or(default))
        };
        let token_url = url_or("token_url", token, DEFAULT_TOKEN_URL)?;
        let refresh_url = match refresh {
            Some(r) => secure_url("refresh_url", r)?,
            None => token_url.clone(),
        };
        Ok(AppKeys {
            client_id,
            client_secret,
            authorize_url: url_or("authorize_url", authorize, DEFAULT_AUTHORIZE_URL)?,
            token_url,
            refresh_url,
            api_url: url_or("api_url", api, DEFAULT_API_URL)?,
            scopes: scopes
                .unwrap_or_else(|| DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect()),
            redirect_uri: parse_url("redirect_uri", redirect_uri.unwrap_or(DEFAULT_REDIRECT_URI))?,
        })
    }
}

/// `shared`: see [`SecretSource::from_keys`].
pub(crate) fn required_secret(
    key: &str,
    inline: Option<SecretString>,
    env: Option<String>,
    file: Option<PathBuf>,
    shared: bool,
) -> Result<SecretSource, String> {
    SecretSource::from_keys(key, inline, env, file, shared)?
        .ok_or_else(|| format!("set one of `{key}`, `{key}_env` or `{key}_file`"))
}

pub(crate) fn parse_url(key: &str, value: &str) -> Result<Url, String> {
    let url = Url::parse(value.trim()).map_err(|e| format!("`{key}` is not a valid URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("`{key}` must be an http or https URL"));
    }
    Ok(url)
}

/// A URL that credentials are sent to (or the user is sent to, to grant them): `https`, or
/// `http` only to this machine (a local fake, an ssh tunnel, a TLS-terminating proxy on
/// loopback). Cleartext `http` to another host would carry tokens and secrets in the open.
pub(crate) fn secure_url(key: &str, value: &str) -> Result<Url, String> {
    let url = parse_url(key, value)?;
    if url.scheme() == "http" && !is_loopback(&url) {
        return Err(format!(
            "`{key}` is `{}`: cleartext http to another host would send tokens in the open. Use \
             https (plain http is accepted only for localhost, 127.0.0.0/8 and ::1, e.g. an ssh \
             tunnel or a local TLS proxy)",
            url.as_str()
        ));
    }
    Ok(url)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}
