//! What the auth domain reports: profile states, status snapshots (never a token) and the events
//! the api layer turns into `auth/authorizationRequired` and `auth/didChange` notifications.

use secrecy::SecretString;
use serde::Serialize;

use crate::auth::profile::{AppKind, AuthKind, AuthorizationMode};
use crate::auth::site::{Site, SiteInfo};
use crate::auth::store::Account;

/// Where a profile stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ProfileState {
    Authorized,
    Unauthorized,
    /// A login was started and waits for the user's consent.
    Pending,
    /// The last attempt failed (denied consent, bad configuration, refused credentials).
    Failed,
}

/// A profile as `auth/profiles` and `auth/status` show it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileStatus {
    pub name: String,
    pub kind: AuthKind,
    pub app: Option<AppKind>,
    pub authorization: Option<AuthorizationMode>,
    pub state: ProfileState,
    pub site: Option<Site>,
    pub account: Option<Account>,
    pub scopes: Vec<String>,
    /// Unix seconds; see `auth::rfc3339`.
    pub access_token_expires_at: Option<u64>,
    /// Why the profile is `failed`, or what is missing.
    pub error: Option<String>,
    /// Whether the tokens in use are stored (OAuth profiles with tokens).
    pub token_store: Option<TokenStoreHealth>,
}

/// Whether an OAuth profile's tokens in use are the stored ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TokenStoreHealth {
    Saved,
    /// A rotated pair could not be saved (why): it is kept in memory, used, and saving retried.
    Degraded(String),
}

/// A started login.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginStart {
    pub authorization_url: String,
    /// Unix seconds after which the link and the listener are gone.
    pub expires_at: u64,
    /// False when the loopback port could not be bound: only `complete` can finish this login.
    pub listening: bool,
}

/// What the Jira client needs for one request: where, and the `Authorization` header value.
#[derive(Debug, Clone)]
pub struct Authorization {
    pub site: SiteInfo,
    /// `Bearer …` or `Basic …`; hand it back to `AuthManager::rejected` after a 401.
    pub header: SecretString,
}

/// Pushed to every subscriber.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthEvent {
    /// A user must open `url` to authorize `profile`.
    AuthorizationRequired { profile: String, url: String },
    /// The profile's state changed; `error` says why when it failed.
    DidChange {
        profile: String,
        state: ProfileState,
        error: Option<String>,
    },
    /// The profile's token store degraded (a rotated pair could not be saved) or recovered.
    TokenStore {
        profile: String,
        state: ProfileState,
        health: TokenStoreHealth,
    },
}
