//! Authorization: profiles, Atlassian OAuth 2.0 (3LO) with system and custom apps, API tokens and
//! PATs, the token store and the loopback callback. Knows nothing of JSON-RPC: the api layer calls
//! `AuthManager` and maps `AuthError::kind()` to `data.kind`.

mod callback;
mod error;
mod event;
mod login;
mod manager;
mod oauth;
mod profile;
mod refresh;
mod resources;
mod secret;
mod site;
mod sites;
mod store;
mod system;
mod time;

#[cfg(test)]
mod tests;

pub use error::AuthError;
pub use event::{AuthEvent, Authorization, LoginStart, ProfileState, ProfileStatus};
pub use manager::{AuthManager, AuthOptions};
pub use profile::{
    ApiTokenProfileConfig, AppKind, AuthKind, AuthorizationMode, OAuthProfileConfig,
    PatProfileConfig, ProfileConfig, TokenStoreKind,
};
pub use site::{Flavor, Site, SiteInfo};
pub use store::Account;
pub use system::{toml_error, SystemAppConfig, SYSTEM_CONFIG_PATH};
pub use time::rfc3339;
