//! The in-memory state of the fake: Jira data (users, projects, issues, comments), the OAuth
//! grants and tokens, the test switches, the fault plan and the request log. One `Mutex` guards it;
//! it is never held across an `.await`.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;

/// A Jira user.
#[derive(Clone, Debug)]
pub struct User {
    /// Cloud accountId.
    pub account_id: String,
    /// Display name.
    pub display_name: String,
    /// Email address.
    pub email: String,
    /// Data Center username (`name`) and key.
    pub name: String,
    /// IANA time zone.
    pub time_zone: String,
}

/// A project.
#[derive(Clone, Debug)]
pub struct Project {
    /// Numeric id.
    pub id: u64,
    /// Key, e.g. `DEMO`.
    pub key: String,
    /// Name.
    pub name: String,
    /// Next issue number; never decremented, so keys are never reused.
    pub next_num: u64,
    /// Lead accountId.
    pub lead: String,
}

/// A file attached to an issue.
#[derive(Clone, Debug)]
pub struct Attachment {
    /// Numeric id.
    pub id: u64,
    /// The issue's id.
    pub issue: u64,
    /// File name as uploaded.
    pub filename: String,
    /// MIME type from the upload part.
    pub mime: String,
    /// Author accountId.
    pub author: String,
    /// Created, epoch ms.
    pub created: i64,
    /// The bytes (shared: a download never copies them).
    pub content: Arc<Vec<u8>>,
    /// The token of its short-lived media URL (Cloud's redirect target).
    pub media_token: String,
}

/// A project's version (release).
#[derive(Clone, Debug)]
pub struct Version {
    /// Numeric id.
    pub id: u64,
    /// Project key.
    pub project: String,
    /// Name, unique in the project.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Released.
    pub released: bool,
    /// Archived.
    pub archived: bool,
    /// `yyyy-MM-dd`.
    pub release_date: Option<String>,
    /// `yyyy-MM-dd`.
    pub start_date: Option<String>,
}

/// A project's component.
#[derive(Clone, Debug)]
pub struct Component {
    /// Numeric id.
    pub id: u64,
    /// Project key.
    pub project: String,
    /// Name, unique in the project.
    pub name: String,
    /// Description.
    pub description: Option<String>,
}

/// A comment.
#[derive(Clone, Debug)]
pub struct Comment {
    /// Numeric id.
    pub id: u64,
    /// Author accountId.
    pub author: String,
    /// ADF body.
    pub body: Value,
    /// Created, epoch ms.
    pub created: i64,
    /// Updated, epoch ms.
    pub updated: i64,
    /// Who may see it: `(type, value)`, `("role", "Developers")` or `("group", "jira-users")`.
    pub visibility: Option<(String, String)>,
}

/// Time logged on an issue.
#[derive(Clone, Debug)]
pub struct Worklog {
    /// Numeric id.
    pub id: u64,
    /// Author accountId.
    pub author: String,
    /// ADF comment.
    pub comment: Option<Value>,
    /// `started` exactly as given (Jira keeps the caller's offset).
    pub started: String,
    /// Seconds spent.
    pub seconds: u64,
    /// Created, epoch ms.
    pub created: i64,
    /// Updated, epoch ms.
    pub updated: i64,
}

/// A link between two issues: `inward` takes the type's outward phrase ("A blocks B": A is
/// inward, B outward), as Jira's POST body has it.
#[derive(Clone, Debug)]
pub struct Link {
    /// Numeric id.
    pub id: u64,
    /// Link type id.
    pub type_id: String,
    /// The issue the outward phrase starts from.
    pub inward: u64,
    /// The issue it points at.
    pub outward: u64,
}

/// A remote (web) link of an issue.
#[derive(Clone, Debug)]
pub struct RemoteLink {
    /// Numeric id.
    pub id: u64,
    /// Caller-chosen identity; a POST with a known one updates in place.
    pub global_id: Option<String>,
    /// `relationship` (Jira's default "links to").
    pub relationship: Option<String>,
    /// `application`, as sent.
    pub application: Option<Value>,
    /// `object`: `url`, `title`, `summary`, `icon`, `status`.
    pub object: Value,
}

/// One write to an issue as its changelog shows it.
#[derive(Clone, Debug)]
pub struct History {
    /// Numeric id (one counter for every issue, as in Jira).
    pub id: u64,
    /// Author accountId.
    pub author: String,
    /// Epoch ms.
    pub created: i64,
    /// The fields it changed.
    pub items: Vec<Change>,
}

/// One field's change. User fields hold accountIds in `from`/`to`.
#[derive(Clone, Debug)]
pub struct Change {
    /// Field id (`status`, `customfield_10010`).
    pub field_id: String,
    /// Raw old value (an id), if the field has one.
    pub from: Option<String>,
    /// Old value as shown.
    pub from_string: Option<String>,
    /// Raw new value.
    pub to: Option<String>,
    /// New value as shown.
    pub to_string: Option<String>,
}

/// An issue. Rich text is stored as ADF and converted for wiki-markup flavours.
#[derive(Clone, Debug)]
pub struct Issue {
    /// Numeric id.
    pub id: u64,
    /// Current key.
    pub key: String,
    /// Project key.
    pub project: String,
    /// Issue type id.
    pub issuetype: String,
    /// Summary.
    pub summary: String,
    /// ADF description.
    pub description: Option<Value>,
    /// Status id.
    pub status: String,
    /// Priority id.
    pub priority: String,
    /// Assignee accountId.
    pub assignee: Option<String>,
    /// Reporter accountId.
    pub reporter: Option<String>,
    /// Creator accountId.
    pub creator: String,
    /// Labels.
    pub labels: Vec<String>,
    /// Parent issue id.
    pub parent: Option<u64>,
    /// Due date `yyyy-MM-dd`.
    pub duedate: Option<String>,
    /// Custom field values by id.
    pub custom: BTreeMap<String, Value>,
    /// Comments, oldest first.
    pub comments: Vec<Comment>,
    /// Changelog, oldest first.
    pub history: Vec<History>,
    /// Remote links, oldest first.
    pub remote_links: Vec<RemoteLink>,
    /// Watchers' accountIds.
    pub watchers: Vec<String>,
    /// Worklogs, oldest first.
    pub worklogs: Vec<Worklog>,
    /// Fix versions (ids).
    pub fix_versions: Vec<u64>,
    /// Affects versions (ids; the `versions` field).
    pub affects_versions: Vec<u64>,
    /// Components (ids).
    pub components: Vec<u64>,
    /// Remaining estimate, seconds (`timetracking`).
    pub remaining: Option<u64>,
    /// Voters' accountIds.
    pub voters: Vec<String>,
    /// Created, epoch ms.
    pub created: i64,
    /// Updated, epoch ms.
    pub updated: i64,
    /// Resolution date, epoch ms.
    pub resolved: Option<i64>,
    /// When search can see the latest version (index delay), epoch ms.
    pub indexed_at: i64,
}

/// A Jira Software board: a saved filter on one project, scrum (sprints) or kanban (none).
#[derive(Clone, Debug)]
pub struct Board {
    /// Numeric id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// `scrum` or `kanban`.
    pub kind: String,
    /// The project it is located in (key).
    pub project: String,
    /// Its saved filter's id.
    pub filter_id: u64,
}

/// A sprint of a scrum board.
#[derive(Clone, Debug)]
pub struct Sprint {
    /// Numeric id (also its sequence).
    pub id: u64,
    /// Name.
    pub name: String,
    /// `future`, `active` or `closed`.
    pub state: String,
    /// Start, epoch ms.
    pub start: Option<i64>,
    /// End, epoch ms.
    pub end: Option<i64>,
    /// When it was closed, epoch ms.
    pub complete: Option<i64>,
    /// When it was started, epoch ms (Data Center's `activatedDate`).
    pub activated: Option<i64>,
    /// Created, epoch ms.
    pub created: i64,
    /// Goal.
    pub goal: Option<String>,
    /// The board it was created on.
    pub board: u64,
}

/// A pending authorization (consent page shown, not yet decided).
#[derive(Clone, Debug)]
pub struct PendingAuth {
    /// Client id.
    pub client_id: String,
    /// Redirect URI.
    pub redirect_uri: String,
    /// Requested scopes.
    pub scopes: Vec<String>,
    /// State.
    pub state: String,
    /// PKCE (method, challenge).
    pub challenge: Option<(String, String)>,
}

/// An authorization code.
#[derive(Clone, Debug)]
pub struct AuthCode {
    /// The grant.
    pub grant: PendingAuth,
    /// Expiry, fake-clock ms.
    pub expires: i64,
    /// Single use.
    pub used: bool,
}

/// An access token.
#[derive(Clone, Debug)]
pub struct AccessToken {
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Expiry, fake-clock ms.
    pub expires: i64,
    /// Explicitly revoked.
    pub revoked: bool,
    /// Companion refresh token, if any.
    pub refresh: Option<String>,
    /// Family id (0 when there is no refresh token).
    pub family: u64,
}

/// A refresh token.
#[derive(Clone, Debug)]
pub struct RefreshToken {
    /// Family id.
    pub family: u64,
    /// Last issued or used, fake-clock ms (inactivity expiry).
    pub last_used: i64,
    /// When it was rotated, fake-clock ms.
    pub rotated_at: Option<i64>,
    /// Explicitly revoked.
    pub revoked: bool,
    /// The pair issued when it was rotated (for same-pair leeway replay).
    pub successor: Option<(String, String)>,
}

/// A refresh-token family (one consent).
#[derive(Clone, Debug)]
pub struct Family {
    /// Client id.
    pub client_id: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// First issued, fake-clock ms (absolute expiry).
    pub created: i64,
    /// Revoked (e.g. password change).
    pub revoked: bool,
    /// The family's current refresh tokens (more than one after a leeway replay).
    pub current: Vec<String>,
    /// The immediately previous one (valid during the leeway after its rotation).
    pub previous: Option<String>,
}

/// What a fault does.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FaultAction {
    /// Answer with a status (429, 502, 503, 504, ...).
    Status,
    /// Delay, then process normally.
    Delay,
    /// Reset the connection without processing.
    ResetBefore,
    /// Process (side effects happen), then reset the connection.
    ResetAfter,
}

/// One fault rule.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fault {
    /// HTTP method to match; any when absent.
    #[serde(default)]
    pub method: Option<String>,
    /// Substring of the request path to match; any when absent.
    #[serde(default)]
    pub path_contains: Option<String>,
    /// What to do.
    pub action: FaultAction,
    /// Status for `status`.
    #[serde(default)]
    pub status: Option<u16>,
    /// `Retry-After` seconds; 429 defaults to 5 and 503 to 5 unless `omitRetryAfter`.
    #[serde(default)]
    pub retry_after: Option<u64>,
    /// Send no `Retry-After`.
    #[serde(default)]
    pub omit_retry_after: bool,
    /// `RateLimit-Reason` for 429.
    #[serde(default)]
    pub reason: Option<String>,
    /// Delay in ms for `delay`.
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// Response body for `status` (JSON); a Jira ErrorCollection or an HTML page by default.
    #[serde(default)]
    pub body: Option<Value>,
    /// How many matching requests it hits; 0 = unlimited. Default 1.
    #[serde(default = "one")]
    pub count: u64,
}

fn one() -> u64 {
    1
}

/// A logged request.
#[derive(Clone, Debug, serde::Serialize)]
pub struct LoggedRequest {
    /// Method.
    pub method: String,
    /// Path without query.
    pub path: String,
    /// Raw query, if any.
    pub query: Option<String>,
    /// Response status (0 when the connection was reset before answering).
    pub status: u16,
    /// The JQL of a search whose body names one (`POST …/search…`).
    pub jql: Option<String>,
}

/// Test switches.
#[derive(Clone, Debug)]
pub struct Config {
    /// Auto-approve authorizations.
    pub auto_approve: bool,
    /// One-shot decision for the next authorization: Some(true) approve, Some(false) deny.
    pub next_decision: Option<bool>,
    /// Access-token lifetime, seconds.
    pub access_ttl: i64,
    /// Refresh reuse leeway, seconds.
    pub leeway: i64,
    /// Leeway replay returns the same successor pair instead of a fresh one.
    pub leeway_same_pair: bool,
    /// Reusing a rotated refresh token after the leeway revokes its whole family.
    pub revoke_family_on_reuse: bool,
    /// Scopes stripped from grants and from token checks.
    pub stripped_scopes: Vec<String>,
    /// Extra sites in accessible-resources (cloudIds; they serve the same data).
    pub extra_sites: Vec<String>,
    /// Add a duplicate-id Confluence entry to accessible-resources.
    pub confluence_duplicate: bool,
    /// accessible-resources returns `[]`.
    pub no_sites: bool,
    /// Search index delay, ms.
    pub index_delay_ms: i64,
    /// Send `X-RateLimit-NearLimit: true` on successes.
    pub near_limit: bool,
    /// Per-request latency, ms.
    pub latency_ms: u64,
    /// Jira Software's "parallel sprints": a board may have several active sprints.
    pub parallel_sprints: bool,
}

/// Everything mutable.
pub struct Inner {
    /// Users; the first is "me".
    pub users: Vec<User>,
    /// Projects by key.
    pub projects: BTreeMap<String, Project>,
    /// Issues by id.
    pub issues: BTreeMap<u64, Issue>,
    /// Key (upper case) → id, including old keys.
    pub keys: HashMap<String, u64>,
    /// Next issue id.
    pub next_issue_id: u64,
    /// Next comment id.
    pub next_comment_id: u64,
    /// Next changelog history id.
    pub next_history_id: u64,
    /// Issue links.
    pub links: Vec<Link>,
    /// Next worklog id.
    pub next_worklog_id: u64,
    /// Attachments of every issue.
    pub attachments: Vec<Attachment>,
    /// Next attachment id.
    pub next_attachment_id: u64,
    /// Versions of every project.
    pub versions: Vec<Version>,
    /// Components of every project.
    pub components: Vec<Component>,
    /// Next version or component id.
    pub next_version_id: u64,
    /// Next issue link or remote link id (one counter, as ids are only compared per kind).
    pub next_link_id: u64,
    /// Jira Software boards.
    pub boards: Vec<Board>,
    /// Sprints of every board.
    pub sprints: Vec<Sprint>,
    /// Next sprint id.
    pub next_sprint_id: u64,
    /// Fake clock offset from real time, ms.
    pub clock_offset: i64,
    /// Pending consents by id.
    pub pending: HashMap<String, PendingAuth>,
    /// Codes.
    pub codes: HashMap<String, AuthCode>,
    /// Access tokens.
    pub access: HashMap<String, AccessToken>,
    /// Refresh tokens.
    pub refresh: HashMap<String, RefreshToken>,
    /// Families.
    pub families: HashMap<u64, Family>,
    /// Next family id.
    pub next_family: u64,
    /// Switches.
    pub config: Config,
    /// Fault plan.
    pub faults: Vec<Fault>,
    /// Request log.
    pub log: Vec<LoggedRequest>,
}

/// Fixed identities that never change for a given seed.
#[derive(Clone, Debug)]
pub struct Identity {
    /// cloudId.
    pub cloud_id: String,
    /// (client id, secret) of the system app.
    pub system_app: (String, String),
    /// (client id, secret) of the custom app.
    pub custom_app: (String, String),
    /// Registered redirect URIs.
    pub redirect_uris: Vec<String>,
    /// API token email and token.
    pub api_token: (String, String),
    /// Data Center PAT.
    pub pat: String,
}

/// Shared state handle.
#[derive(Clone)]
pub struct Shared {
    /// The state.
    pub inner: Arc<Mutex<Inner>>,
    /// Identity.
    pub id: Arc<Identity>,
    /// Base URL `http://127.0.0.1:PORT`.
    pub base: Arc<str>,
    /// Seed and extra-issue count, for reset.
    pub seed: (u64, usize),
}

impl Shared {
    /// Locks the state (recovering from a poisoned lock).
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Real wall-clock ms.
pub fn real_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Inner {
    /// Fake-clock now, ms.
    pub fn now(&self) -> i64 {
        real_now() + self.clock_offset
    }
    /// Looks up an issue id by id or key (case-insensitive).
    pub fn find(&self, id_or_key: &str) -> Option<u64> {
        if let Ok(n) = id_or_key.parse::<u64>() {
            return self.issues.contains_key(&n).then_some(n);
        }
        self.keys
            .get(&id_or_key.to_ascii_uppercase())
            .copied()
            .filter(|id| self.issues.contains_key(id))
    }
    /// User by accountId.
    pub fn user(&self, account_id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.account_id == account_id)
    }
    /// User by accountId, DC name or key.
    pub fn user_any(&self, s: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.account_id == s || u.name.eq_ignore_ascii_case(s))
    }
    /// Project by key or id.
    pub fn project(&self, key_or_id: &str) -> Option<&Project> {
        self.projects
            .get(&key_or_id.to_ascii_uppercase())
            .or_else(|| {
                self.projects
                    .values()
                    .find(|p| p.id.to_string() == key_or_id)
            })
    }
    /// A sprint by id.
    pub fn sprint(&self, id: u64) -> Option<&Sprint> {
        self.sprints.iter().find(|s| s.id == id)
    }
    /// A board by id.
    pub fn board(&self, id: u64) -> Option<&Board> {
        self.boards.iter().find(|b| b.id == id)
    }
    /// The ids of the sprints an issue is or was in (the Sprint field).
    pub fn sprints_of(&self, i: &Issue) -> Vec<u64> {
        i.custom
            .get(crate::model::CF_SPRINT)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_u64).collect())
            .unwrap_or_default()
    }
    /// The issue's open (active or future) sprint, if any.
    pub fn open_sprint_of(&self, i: &Issue) -> Option<&Sprint> {
        self.sprints_of(i)
            .into_iter()
            .filter_map(|id| self.sprint(id))
            .find(|s| s.state != "closed")
    }
    /// The issue's rank (LexoRank string); empty when it has none.
    pub fn rank_of<'a>(&self, i: &'a Issue) -> &'a str {
        i.custom
            .get(crate::model::CF_RANK)
            .and_then(Value::as_str)
            .unwrap_or("")
    }
    /// The Sprint field's ids after moving an issue to `to` (None: the backlog): closed sprints
    /// stay, as in Jira, an open one is replaced.
    pub fn move_sprints(&self, i: &Issue, to: Option<u64>) -> Vec<u64> {
        let mut v: Vec<u64> = self
            .sprints_of(i)
            .into_iter()
            .filter(|id| self.sprint(*id).is_some_and(|s| s.state == "closed"))
            .collect();
        v.extend(to);
        v
    }
    /// The highest rank of any issue (new issues go below it).
    pub fn last_rank(&self) -> Option<String> {
        self.issues
            .values()
            .map(|i| self.rank_of(i))
            .filter(|r| !r.is_empty())
            .max()
            .map(String::from)
    }
    /// Sub-task ids of an issue.
    pub fn subtasks(&self, id: u64) -> Vec<u64> {
        self.issues
            .values()
            .filter(|i| i.parent == Some(id))
            .map(|i| i.id)
            .collect()
    }
}
