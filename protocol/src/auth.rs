//! `auth/*`: profiles, login, logout, sites, and the two auth notifications. No type here ever
//! carries a token, a client secret or an authorization code.

use crate::openrpc::MethodDoc;
use crate::{Annotations, NoParams, Notification, Request};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Every configured profile and where it stands.
pub enum AuthProfiles {}
impl Request for AuthProfiles {
    const METHOD: &'static str = "auth/profiles";
    const ANNOTATIONS: Annotations = Annotations::read("List profiles").local();
    type Params = NoParams;
    type Result = AuthProfilesResult;
}

/// Result of `auth/profiles`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthProfilesResult {
    /// Sorted by name.
    pub profiles: Vec<ProfileInfo>,
}

/// Params naming an optional profile (default: the connection's, then `default_profile`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProfileParams {
    /// The profile; absent means the connection's profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// One profile's status; with `verify`, checked against Jira now.
pub enum AuthStatus {}
impl Request for AuthStatus {
    const METHOD: &'static str = "auth/status";
    const ANNOTATIONS: Annotations = Annotations::read("Profile status");
    type Params = StatusParams;
    type Result = ProfileInfo;
}

/// Params of `auth/status`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatusParams {
    /// The profile; absent means the connection's profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Ask Jira who the credentials belong to (`myself`) before answering. Like any Jira call it
    /// may need authorization first (`authRequired`, or held with `waitForAuthorization`).
    #[serde(default)]
    pub verify: bool,
}

/// Starts a login: the link to open, and the loopback listener. `auth/didChange` follows.
pub enum AuthLogin {}
impl Request for AuthLogin {
    const METHOD: &'static str = "auth/login";
    const ANNOTATIONS: Annotations = Annotations::write("Start a login").admin();
    type Params = ProfileParams;
    type Result = LoginResult;
}

/// Result of `auth/login`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoginResult {
    /// Open this in a browser and grant access.
    pub authorization_url: String,
    /// RFC 3339; the link and the loopback listener are gone after it.
    pub expires_at: String,
    /// False when the loopback port could not be bound: finish with `auth/complete`.
    pub listening: bool,
}

/// Finishes a login from the URL the browser ended on (when it could not reach the loopback).
pub enum AuthComplete {}
impl Request for AuthComplete {
    const METHOD: &'static str = "auth/complete";
    const ANNOTATIONS: Annotations = Annotations::write("Complete a login").destructive().admin();
    type Params = CompleteParams;
    type Result = ProfileInfo;
}

/// Params of `auth/complete`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CompleteParams {
    /// The profile; absent means the connection's profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The whole URL shown in the browser's address bar after consent (or Atlassian's error page).
    pub redirect_url: String,
}

/// Forgets the profile's tokens and everything cached for it.
pub enum AuthLogout {}
impl Request for AuthLogout {
    const METHOD: &'static str = "auth/logout";
    const ANNOTATIONS: Annotations = Annotations::write("Log out")
        .idempotent()
        .irreversible()
        .admin()
        .local();
    type Params = ProfileParams;
    type Result = ProfileInfo;
}

/// The Jira sites the profile's grant covers (OAuth profiles).
pub enum AuthSites {}
impl Request for AuthSites {
    const METHOD: &'static str = "auth/sites";
    const ANNOTATIONS: Annotations = Annotations::read("List sites");
    type Params = ProfileParams;
    type Result = SitesResult;
}

/// Result of `auth/sites`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SitesResult {
    /// The granted Jira sites.
    pub sites: Vec<SiteInfo>,
}

/// Chooses the site an OAuth profile works on when its grant covers several.
pub enum AuthSelectSite {}
impl Request for AuthSelectSite {
    const METHOD: &'static str = "auth/selectSite";
    const ANNOTATIONS: Annotations = Annotations::write("Choose the site")
        .destructive()
        .idempotent()
        .admin()
        .local();
    type Params = SelectSiteParams;
    type Result = ProfileInfo;
}

/// Params of `auth/selectSite`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SelectSiteParams {
    /// The profile; absent means the connection's profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// A site URL (`https://acme.atlassian.net`) or a cloudId.
    pub site: String,
}

/// Server → client: someone must open `authorizationUrl` to authorize `profile`. Sent to every
/// connection using that profile.
pub enum AuthorizationRequired {}
impl Notification for AuthorizationRequired {
    const METHOD: &'static str = "auth/authorizationRequired";
    type Params = AuthorizationRequiredParams;
}

/// Params of `auth/authorizationRequired`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationRequiredParams {
    /// The profile to authorize.
    pub profile: String,
    /// Where to grant access.
    pub authorization_url: String,
}

/// Server → client: a profile's state changed (login completed or failed, logout, refresh failed).
pub enum AuthDidChange {}
impl Notification for AuthDidChange {
    const METHOD: &'static str = "auth/didChange";
    type Params = DidChangeParams;
}

/// Params of `auth/didChange`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DidChangeParams {
    /// The profile.
    pub profile: String,
    /// Its new state.
    pub state: ProfileState,
    /// Why, when it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Set when the change is about where the tokens are kept: `degraded` when a rotated token
    /// pair could not be saved (it is kept in memory and used, and saving is retried), `saved`
    /// when it finally was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_store: Option<TokenStoreState>,
    /// Why the tokens could not be saved (with `tokenStore: "degraded"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_store_error: Option<String>,
}

/// Whether an OAuth profile's current tokens are safely stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum TokenStoreState {
    /// The tokens in use are the ones in the token store.
    Saved,
    /// The tokens in use (a rotated pair: the only live credential) could not be saved. They are
    /// kept in memory and used, and saving is retried with backoff; if the daemon stops before
    /// it succeeds, the grant is lost and someone must log in again. Fix the token store (disk
    /// space, permissions, keyring quota; see `tokenStoreError`).
    Degraded,
}

/// Where a profile stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ProfileState {
    /// Usable.
    Authorized,
    /// No tokens: someone must log in.
    Unauthorized,
    /// A login waits for the user's consent.
    Pending,
    /// The last attempt failed (see `error`).
    Failed,
}

/// How a profile authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    /// Atlassian OAuth 2.0 (3LO).
    #[serde(rename = "oauth")]
    OAuth,
    /// Jira Cloud API token (Basic).
    ApiToken,
    /// Jira Data Center personal access token (Bearer).
    Pat,
}

/// Whose OAuth app a profile uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppKind {
    /// The machine-wide app (`[system_app]`).
    System,
    /// The user's own app.
    Custom,
}

/// Who authorizes an OAuth profile, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthorizationMode {
    /// Ahead of time, by an operator (`jirad auth login`); never prompts clients.
    Pre,
    /// By the user, when a call first needs it.
    User,
}

/// A profile as `auth/profiles` and `auth/status` show it. Never a token.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProfileInfo {
    /// The `[profiles.NAME]` name.
    pub name: String,
    /// How it authenticates.
    pub kind: AuthKind,
    /// OAuth only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<AppKind>,
    /// OAuth only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization: Option<AuthorizationMode>,
    /// Where it stands.
    pub state: ProfileState,
    /// The Jira site it works on (OAuth, once chosen).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<SiteInfo>,
    /// The Jira account it acts as (OAuth, once authorized).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<AccountInfo>,
    /// Granted scopes (OAuth).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// RFC 3339 expiry of the current access token (OAuth).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token_expires_at: Option<String>,
    /// Why the profile is `failed`, or what is missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Whether the tokens in use are saved (OAuth profiles with tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_store: Option<TokenStoreState>,
    /// Why the tokens could not be saved (with `tokenStore: "degraded"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_store_error: Option<String>,
}

/// A Jira Cloud site of an OAuth grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SiteInfo {
    /// The cloudId.
    pub id: String,
    /// `https://NAME.atlassian.net`.
    pub url: String,
    /// The site's name.
    pub name: String,
}

/// The Jira account a profile acts as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountInfo {
    /// Jira's accountId.
    pub account_id: String,
    /// The name people see.
    pub display_name: String,
}

/// The family's entries in the OpenRPC document.
pub fn docs() -> Vec<MethodDoc> {
    vec![
        MethodDoc::request::<AuthProfiles>(
            "Every profile: kind, app, authorization, state, site, account, scopes, token expiry.",
        ),
        MethodDoc::request::<AuthStatus>(
            "One profile's status; with verify, checked against Jira (myself) first.",
        ),
        MethodDoc::request::<AuthLogin>(
            "Starts an OAuth login: the link to open; auth/didChange follows when it ends.",
        ),
        MethodDoc::request::<AuthComplete>(
            "Finishes a login from the URL the browser ended on (when the loopback is unreachable).",
        ),
        MethodDoc::request::<AuthLogout>(
            "Forgets the profile's tokens and everything cached for it.",
        ),
        MethodDoc::request::<AuthSites>("The Jira sites the profile's OAuth grant covers."),
        MethodDoc::request::<AuthSelectSite>(
            "Chooses the Jira site of a grant covering several (URL or cloudId).",
        ),
        MethodDoc::server_notification::<AuthorizationRequired>(
            "A profile this connection uses needs someone to open the link and grant access.",
        ),
        MethodDoc::server_notification::<AuthDidChange>(
            "A profile's state changed (authorized, unauthorized, pending, failed), or its token store degraded or recovered.",
        ),
    ]
}
