//! `issues/get`, `issues/list`, `issues/create`, `issues/update`, `issues/delete`.
//!
//! Reads carry `cache: {hit, ageMs, stale}` ([`CacheInfo`]) and take `fresh: true` to bypass the
//! daemon's cache. `issues/list {all: true, progressToken}` reports LSP work-done progress
//! (`$/progress {token, value: {kind: "begin"|"report"|"end", message, done}}`) to the calling
//! connection while it follows the cursor.

use crate::openrpc::MethodDoc;
use crate::{Annotations, Request};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// How a read was answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CacheInfo {
    /// Answered from the daemon's cache.
    pub hit: bool,
    /// Age of the answer in milliseconds (0 when just fetched).
    pub age_ms: u64,
    /// An expired entry, given because Jira failed transiently.
    pub stale: bool,
}

/// How `description` travels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum DescriptionFormat {
    /// `description` as Markdown (default).
    #[default]
    Markdown,
    /// `descriptionAdf` only (Data Center's wiki markup is converted to ADF).
    Adf,
    /// Both `description` and `descriptionAdf`.
    Both,
}

/// An issue's status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    pub name: String,
    /// `new`, `indeterminate` or `done`.
    pub category: Option<String>,
}

/// A user reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Cloud's accountId; on Data Center the username.
    pub account_id: Option<String>,
    pub display_name: Option<String>,
}

/// A parent or sub-task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssueRef {
    pub key: String,
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

/// A normalized issue. Only the fields that were requested (and came back) are present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Issue {
    pub key: String,
    pub id: String,
    /// The browse link.
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub issue_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// `null` when unassigned; absent when not requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<Option<User>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporter: Option<Option<User>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<IssueRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtasks: Option<Vec<IssueRef>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    /// Markdown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// ADF (Data Center's wiki markup converted), with `format` adf or both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description_adf: Option<Value>,
    /// Other requested fields, raw: custom fields under their id and their name.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub fields: Map<String, Value>,
}

/// One issue by key.
pub enum IssuesGet {}
impl Request for IssuesGet {
    const METHOD: &'static str = "issues/get";
    const ANNOTATIONS: Annotations = Annotations::read("Get issue");
    type Params = IssuesGetParams;
    type Result = IssuesGetResult;
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssuesGetParams {
    pub key: String,
    /// Field ids or names; default: the fields of the normalized issue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<String>>,
    /// Jira expansions to return under `expanded`; the read then goes to Jira (and is not cached).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expand: Option<Vec<Expand>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<DescriptionFormat>,
    /// Bypass the cache.
    #[serde(default)]
    pub fresh: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// An `expand` value of `issues/get`: Jira's IssueBean expansions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Expand {
    /// Field id → the field rendered as HTML.
    RenderedFields,
    /// Field id → display name.
    Names,
    /// Field id → the field's schema (`type`, `custom`, …).
    Schema,
    /// The transitions available now, as `issues/transitions` lists them raw.
    Transitions,
    /// `{startAt, maxResults, total, histories}`: the issue's history, newest changes last.
    Changelog,
    /// Operations (links) the user may perform.
    Operations,
    /// Field id → how it may be edited.
    Editmeta,
    /// Field id → every representation version of its value.
    VersionedRepresentations,
}

impl Expand {
    /// The name Jira uses (and the key under `expanded`).
    pub fn as_str(self) -> &'static str {
        match self {
            Expand::RenderedFields => "renderedFields",
            Expand::Names => "names",
            Expand::Schema => "schema",
            Expand::Transitions => "transitions",
            Expand::Changelog => "changelog",
            Expand::Operations => "operations",
            Expand::Editmeta => "editmeta",
            Expand::VersionedRepresentations => "versionedRepresentations",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssuesGetResult {
    #[serde(flatten)]
    pub issue: Issue,
    pub cache: CacheInfo,
    /// With `expand`: each expansion asked for, as Jira returned it, under its name
    /// (`renderedFields`, `names`, `schema`, `transitions`, `changelog`, …); `null` when Jira
    /// sent none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expanded: Option<Map<String, Value>>,
}

/// A page of issues, or every issue up to the cap with `all`.
pub enum IssuesList {}
impl Request for IssuesList {
    const METHOD: &'static str = "issues/list";
    const ANNOTATIONS: Annotations = Annotations::read("Search issues");
    type Params = IssuesListParams;
    type Result = IssuesListResult;
}

/// The filters every issue list and watch takes, ANDed into its JQL; each value is quoted and
/// escaped. A params struct gets them through [`with_issue_filter!`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IssueFilter {
    pub jql: Option<String>,
    pub project: Option<String>,
    pub assignee: Option<String>,
    pub status: Option<String>,
    pub text: Option<String>,
    pub labels: Option<Vec<String>>,
}

/// Declares a params struct whose first fields are the [`IssueFilter`] ones, documented once, and
/// its `take_filter`. serde cannot flatten a struct into one that denies unknown fields, so the
/// fields are written into each struct instead.
#[macro_export]
macro_rules! with_issue_filter {
    ($(#[$attr:meta])* pub struct $name:ident { $($fields:tt)* }) => {
        $(#[$attr])*
        pub struct $name {
            /// Raw JQL, ANDed with the other filters (its `ORDER BY`, if any, orders the list).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub jql: Option<String>,
            /// A project key.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub project: Option<String>,
            /// `"me"`, `"none"`, an accountId (DC: username), or an email or display name naming one user.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub assignee: Option<String>,
            /// A status name.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub status: Option<String>,
            /// Full-text search.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub text: Option<String>,
            /// Labels (any of them).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub labels: Option<Vec<String>>,
            $($fields)*
        }

        impl $name {
            /// Takes the filters out, leaving the rest of the params.
            pub fn take_filter(&mut self) -> $crate::issues::IssueFilter {
                $crate::issues::IssueFilter {
                    jql: self.jql.take(),
                    project: self.project.take(),
                    assignee: self.assignee.take(),
                    status: self.status.take(),
                    text: self.text.take(),
                    labels: self.labels.take(),
                }
            }
        }
    };
}

/// Declares a params struct with every filter and option of `issues/list` after its own fields
/// (a sprint's, a backlog's or an epic's issue list), and `into_list` giving the `issues/list`
/// params of it.
#[macro_export]
macro_rules! with_list_params {
    ($(#[$attr:meta])* pub struct $name:ident { $($fields:tt)* }) => {
        $crate::with_issue_filter! {
            $(#[$attr])*
            pub struct $name {
                $($fields)*
                /// `ORDER BY` clause without the keywords, e.g. `"created DESC"` (scoped lists: the board's order, `Rank ASC`, by default).
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub order_by: Option<String>,
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub fields: Option<Vec<String>>,
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub format: Option<$crate::issues::DescriptionFormat>,
                /// Page size, 1 to 1000 (Jira may return fewer); with `all`, the size of each page fetched.
                #[serde(
                    default,
                    skip_serializing_if = "Option::is_none",
                    deserialize_with = "crate::bounded::page_size"
                )]
                #[schemars(range(min = 1, max = 1000))]
                pub limit: Option<u32>,
                /// `nextPageToken` of the previous page.
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub page_token: Option<String>,
                /// Follow the cursor inside the daemon up to `maxIssues`, at most `[jira] list_cap` issues
                /// (default 10,000).
                #[serde(default)]
                pub all: bool,
                /// With `all`: stop after this many issues (`isLast: false` then says more exist); at most
                /// `[jira] list_cap`.
                #[serde(
                    default,
                    skip_serializing_if = "Option::is_none",
                    deserialize_with = "crate::bounded::positive"
                )]
                #[schemars(range(min = 1))]
                pub max_issues: Option<u32>,
                #[serde(default)]
                pub fresh: bool,
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub profile: Option<String>,
                /// With `all`: LSP work-done token; `$/progress` notifications carry it.
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub progress_token: Option<$crate::lifecycle::NumberOrString>,
            }
        }

        impl $name {
            /// The `issues/list` part of the params (its own fields are left out).
            pub fn into_list(self) -> $crate::issues::IssuesListParams {
                $crate::issues::IssuesListParams {
                    jql: self.jql,
                    project: self.project,
                    assignee: self.assignee,
                    status: self.status,
                    text: self.text,
                    labels: self.labels,
                    order_by: self.order_by,
                    fields: self.fields,
                    format: self.format,
                    limit: self.limit,
                    page_token: self.page_token,
                    all: self.all,
                    max_issues: self.max_issues,
                    fresh: self.fresh,
                    profile: self.profile,
                    progress_token: self.progress_token,
                }
            }
        }
    };
}

with_list_params! {
/// `issues/list`: the filters, or none to list every issue the user can see.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssuesListParams {}
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssuesListResult {
    pub issues: Vec<Issue>,
    /// Pass as `pageToken` for the next page; absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
    pub is_last: bool,
    pub cache: CacheInfo,
}

/// Creates an issue, checked against createmeta first.
pub enum IssuesCreate {}
impl Request for IssuesCreate {
    const METHOD: &'static str = "issues/create";
    const ANNOTATIONS: Annotations = Annotations::write("Create issue");
    type Params = IssuesCreateParams;
    type Result = IssuesCreateResult;
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssuesCreateParams {
    /// Project key or id.
    pub project: String,
    /// Issue type name or id.
    #[serde(rename = "type")]
    pub issue_type: String,
    pub summary: String,
    /// Markdown string or ADF document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
    /// `"me"`, an accountId (DC: username), an email or a display name (matching one user).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// Priority name or id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// Parent issue key (sub-tasks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Other fields, by id or by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssuesCreateResult {
    pub key: String,
    pub id: String,
    pub url: String,
}

/// Creates many issues.
pub enum IssuesCreateMany {}
impl Request for IssuesCreateMany {
    const METHOD: &'static str = "issues/createMany";
    const ANNOTATIONS: Annotations = Annotations::write("Create issues");
    type Params = IssuesCreateManyParams;
    type Result = CreateManyResult;
}

/// Params of `issues/createMany`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssuesCreateManyParams {
    /// 1 to 1,000 issues, each as `issues/create` takes one (without `profile`).
    #[schemars(length(min = 1, max = 1000))]
    pub issues: Vec<NewIssueItem>,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// One issue of `issues/createMany`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewIssueItem {
    /// Project key or id.
    pub project: String,
    /// Issue type name or id.
    #[serde(rename = "type")]
    pub issue_type: String,
    pub summary: String,
    /// Markdown string or ADF document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
    /// `"me"`, an accountId (DC: username), an email or a display name (matching one user).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// Priority name or id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// Parent issue key (sub-tasks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Other fields, by id or by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<Map<String, Value>>,
}

/// What `issues/createMany` did, item by item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateManyResult {
    /// How many were created.
    pub created: u32,
    /// How many were not (or may not have been: `outcomeUnknown`).
    pub failed: u32,
    /// One per item, in the order given.
    pub results: Vec<CreateManyItem>,
}

/// One item's outcome: the issue, or the error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateManyItem {
    /// The item's position in `issues`, from 0.
    pub index: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Why it was not created: the error `issues/create` would have given (`kind`, `message`,
    /// and the error's `data`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
}

/// Edits an issue and returns it.
pub enum IssuesUpdate {}
impl Request for IssuesUpdate {
    const METHOD: &'static str = "issues/update";
    const ANNOTATIONS: Annotations = Annotations::write("Update issue")
        .destructive()
        .idempotent();
    type Params = IssuesUpdateParams;
    type Result = IssuesGetResult;
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssuesUpdateParams {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Markdown string or ADF document. Markdown replacing rich text it cannot express is refused
    /// with `lossyUpdate` unless `force`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Value>,
    /// Replaces all labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add_labels: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remove_labels: Option<Vec<String>>,
    /// `"me"`, an accountId, an email, a display name (matching one user), or `null` to unassign.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::some_null"
    )]
    pub assignee: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// Other fields, by id or by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<Map<String, Value>>,
    /// Raw Jira update operations, e.g. `{"labels": [{"add": "x"}]}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_users: Option<bool>,
    /// Replace the description even if Markdown cannot express all of it.
    #[serde(default)]
    pub force: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Deletes an issue.
pub enum IssuesDelete {}
impl Request for IssuesDelete {
    const METHOD: &'static str = "issues/delete";
    const ANNOTATIONS: Annotations = Annotations::write("Delete issue")
        .idempotent()
        .irreversible();
    type Params = IssuesDeleteParams;
    type Result = Empty;
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssuesDeleteParams {
    pub key: String,
    /// Also delete its sub-tasks (Jira refuses otherwise).
    #[serde(default)]
    pub delete_subtasks: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// `{}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Empty {}

/// The family's entries in the OpenRPC document.
pub fn docs() -> Vec<MethodDoc> {
    vec![
        MethodDoc::request::<IssuesGet>(
            "One normalized issue by key; only the requested fields travel. Cached per key and field set.",
        ),
        MethodDoc::request::<IssuesList>(
            "Issues matching filters (quoted into JQL) or JQL, one page or all up to the cap, with $/progress.",
        ),
        MethodDoc::request::<IssuesCreateMany>(
            "Creates up to 1,000 issues, 50 per Jira request, with a result per item; never resent",
        ),
        MethodDoc::request::<IssuesCreate>(
            "Creates an issue after checking it against createmeta (invalidFields names the field and allowed values).",
        ),
        MethodDoc::request::<IssuesUpdate>(
            "Edits an issue and returns it; a lossy Markdown description is refused (lossyUpdate) unless force.",
        ),
        MethodDoc::request::<IssuesDelete>(
            "Deletes an issue (deleteSubtasks to take its sub-tasks along).",
        ),
    ]
}
