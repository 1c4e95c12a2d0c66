//! `projects/list`, `projects/issueTypes`, `users/me`, `users/search`.

use crate::openrpc::MethodDoc;
use crate::{Annotations, Request};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The family's entries in the OpenRPC document.
pub fn docs() -> Vec<MethodDoc> {
    vec![
        MethodDoc::request::<ProjectsList>("Projects the user can see, optionally filtered"),
        MethodDoc::request::<ProjectsIssueTypes>(
            "Issue types a project can create, with their create fields, required flags and allowed values",
        ),
        MethodDoc::request::<UsersMe>("The user the profile acts as"),
        MethodDoc::request::<UsersSearch>("Users matching a name or email"),
    ]
}

/// A user as named in issues and comments. On Data Center `accountId` is the username.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserRef {
    /// Cloud account id, or the Data Center username.
    pub account_id: Option<String>,
    /// Name for people.
    pub display_name: Option<String>,
}

/// Lists projects.
pub enum ProjectsList {}
impl Request for ProjectsList {
    const METHOD: &'static str = "projects/list";
    const ANNOTATIONS: Annotations = Annotations::read("List projects");
    type Params = ProjectsListParams;
    type Result = Vec<ProjectInfo>;
}

/// Params of `projects/list`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProjectsListParams {
    /// Only projects whose key or name contains this (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Ask Jira even when the cache holds a fresh answer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fresh: bool,
    /// Profile to act as (default: the connection's, then the config's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// A project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectInfo {
    /// Numeric id.
    pub id: String,
    /// Key, e.g. `DEMO`.
    pub key: String,
    /// Name for people.
    pub name: String,
}

/// Lists a project's issue types with their create fields.
pub enum ProjectsIssueTypes {}
impl Request for ProjectsIssueTypes {
    const METHOD: &'static str = "projects/issueTypes";
    const ANNOTATIONS: Annotations = Annotations::read("Issue types and create fields");
    type Params = ProjectsIssueTypesParams;
    type Result = Vec<IssueTypeInfo>;
}

/// Params of `projects/issueTypes`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProjectsIssueTypesParams {
    /// Project key or id.
    pub project: String,
    /// Ask Jira even when the cache holds a fresh answer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fresh: bool,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// An issue type and what creating one takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssueTypeInfo {
    /// Issue type id.
    pub id: String,
    /// Name, e.g. `Bug`.
    pub name: String,
    /// Whether issues of this type are sub-tasks (they need a `parent`).
    pub subtask: bool,
    /// The fields of its create screen.
    pub fields: Vec<FieldInfo>,
}

/// A field of a create or transition screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FieldInfo {
    /// Field id, e.g. `summary` or `customfield_10010`.
    pub id: String,
    /// Name for people, e.g. `Severity`; `issues/create` accepts it in place of the id.
    pub name: String,
    /// Must be given (and has no default).
    pub required: bool,
    /// Jira fills it in when left out.
    pub has_default: bool,
    /// Jira's schema type (`string`, `option`, `array`, `user`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_type: Option<String>,
    /// For arrays, the type of the items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<String>,
    /// The values it accepts, when Jira lists them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_values: Option<Vec<AllowedValue>>,
}

/// One accepted value of a field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AllowedValue {
    /// Option id (what Jira stores).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Label for people (an option's `value`, or a `name`/`key`); accepted in place of the id.
    pub name: String,
}

/// The user the profile acts as.
pub enum UsersMe {}
impl Request for UsersMe {
    const METHOD: &'static str = "users/me";
    const ANNOTATIONS: Annotations = Annotations::read("Current user");
    type Params = UsersMeParams;
    type Result = UserInfo;
}

/// Params of `users/me`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UsersMeParams {
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// A user with the details Jira shares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserInfo {
    /// Cloud account id, or the Data Center username (what `assignee` takes).
    pub account_id: String,
    /// Name for people.
    pub display_name: String,
    /// Email, when the user's privacy settings share it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// IANA time zone, when shared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Whether the account is active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

/// Finds users.
pub enum UsersSearch {}
impl Request for UsersSearch {
    const METHOD: &'static str = "users/search";
    const ANNOTATIONS: Annotations = Annotations::read("Search users");
    type Params = UsersSearchParams;
    type Result = Vec<UserInfo>;
}

/// Params of `users/search`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UsersSearchParams {
    /// Part of a display name, or the start of an email or username.
    pub query: String,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}
