//! Authorization: profiles, Atlassian OAuth 2.0 (3LO) with system and custom apps, API tokens and
//! PATs, the token store and the loopback callback. Knows nothing of JSON-RPC: the api layer calls
//! `AuthManager` and maps `AuthError::kind()` to `data.kind`.
//!
//! The profile keys, one example per kind (`[profiles.NAME]` in the user's config):
//!
//! ```toml
//! [profiles.work]                 # the machine's system app, authorized by the user when needed
//! auth = "oauth"
//! app = "system"                  # default; client keys come from [system_app]
//! authorization = "user"          # default; "pre" = authorized ahead with `jirad auth login`
//! site = "https://acme.atlassian.net"   # or a cloudId; needed when the grant covers several
//!
//! [profiles.mine]                 # the user's own app
//! auth = "oauth"
//! app = "custom"
//! client_id = "AbC..."
//! client_secret_file = "/home/me/.config/jirad/secret"  # or client_secret / client_secret_env
//! # authorize_url, token_url, refresh_url, api_url, scopes, redirect_uri: Atlassian defaults
//! redirect_uri = "http://127.0.0.1:8765/callback"  # must equal the app's registered callback
//! token_store = "keyring"         # default "file"; see below
//!
//! [profiles.cloud]                # Jira Cloud with an API token (REST v3, Basic)
//! auth = "api_token"
//! base_url = "https://acme.atlassian.net"
//! email = "me@acme.com"
//! token_env = "JIRA_API_TOKEN"    # or token / token_file
//!
//! [profiles.dc]                   # Jira Data Center with a personal access token (REST v2)
//! auth = "pat"
//! base_url = "https://jira.acme.internal"
//! token_file = "/run/secrets/jira-pat"
//! ```
//!
//! The machine-wide `/etc/jirad/config.toml` (or `JIRAD_SYSTEM_CONFIG`) holds `[system_app]` with
//! `client_id`, one of `client_secret`/`client_secret_env`/`client_secret_file`, and optionally
//! the URLs, `scopes` and `redirect_uri`.
//!
//! Tokens live in `$XDG_STATE_HOME/jirad/NAME.json`, or with `token_store = "keyring"` in the OS
//! keyring (one entry per profile, service `jirad`, the same JSON; `keyring_store`). Either way
//! every load and save holds the OS file lock `NAME.lock` in that directory, so two daemons or a
//! CLI never race on a rotated refresh token (`store`).
mod app;
pub mod callback;
mod error;
mod event;
mod keyring_store;
mod login;
mod manager;
mod oauth;
mod pending_login;
mod profile;
mod refresh;
mod resources;
pub(crate) mod secret;
mod site;
mod store;
mod system;
mod time;

#[cfg(test)]
mod tests;

pub use app::DEFAULT_SCOPES;
pub use error::AuthError;
pub use event::{
    AuthEvent, Authorization, LoginStart, ProfileState, ProfileStatus, TokenStoreHealth,
};
pub use manager::{AuthManager, AuthOptions};
pub use profile::{
    ApiTokenProfileConfig, AppKind, AuthKind, AuthorizationMode, OAuthProfileConfig, OAuthSettings,
    PatProfileConfig, ProfileConfig, ProfileSettings, TokenStoreKind,
};
pub use secret::SecretSource;
pub use site::{Flavor, Site, SiteInfo};
pub use store::{Account, StoredTokens, TokenStore};
pub use system::{toml_error, SystemAppConfig, SYSTEM_CONFIG_PATH};
pub use time::rfc3339;
