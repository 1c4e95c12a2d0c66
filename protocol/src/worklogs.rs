//! Time logged on issues: `worklogs/list`, `worklogs/add`, `worklogs/update`, `worklogs/delete`.

use crate::issues::Empty;
use crate::openrpc::MethodDoc;
use crate::projects::UserRef;
use crate::{Annotations, Request};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The family's entries in the OpenRPC document.
pub fn docs() -> Vec<MethodDoc> {
    vec![
        MethodDoc::request::<WorklogsList>("Every worklog of an issue, oldest first"),
        MethodDoc::request::<WorklogsAdd>(
            "Logs time on an issue (\"1h 30m\"), adjusting the remaining estimate as asked",
        ),
        MethodDoc::request::<WorklogsUpdate>("Changes a worklog; what is left out is kept"),
        MethodDoc::request::<WorklogsDelete>("Deletes a worklog"),
    ]
}

/// Lists an issue's worklogs.
pub enum WorklogsList {}
impl Request for WorklogsList {
    const METHOD: &'static str = "worklogs/list";
    const ANNOTATIONS: Annotations = Annotations::read("List worklogs");
    type Params = WorklogsListParams;
    type Result = WorklogPage;
}

/// Params of `worklogs/list`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorklogsListParams {
    /// Issue key or id.
    pub key: String,
    /// Ask Jira even when the cache holds a fresh answer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fresh: bool,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// An issue's worklogs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorklogPage {
    /// Oldest first (Data Center shows only the oldest 5,000).
    pub worklogs: Vec<Worklog>,
    /// How many the issue has.
    pub total: u64,
    /// Seconds logged in all of them.
    pub time_spent_seconds: u64,
}

/// Time logged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Worklog {
    pub id: String,
    pub author: Option<UserRef>,
    /// When the work started, as Jira keeps it (`2026-01-17T12:34:00.000+0100`).
    pub started: Option<String>,
    /// `1h 30m` (Jira's days have 8 hours, its weeks 5 days).
    pub time_spent: Option<String>,
    pub time_spent_seconds: u64,
    /// Markdown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub created: Option<String>,
    pub updated: Option<String>,
}

/// What a worklog does to the issue's remaining estimate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum AdjustEstimate {
    /// Reduce it by the time logged (give it back on delete).
    #[default]
    Auto,
    /// Leave it.
    Leave,
    /// Set it to `newEstimate`.
    New,
    /// Reduce it by `reduceBy` (on delete: increase it by `increaseBy`).
    Manual,
}

impl AdjustEstimate {
    /// As Jira spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            AdjustEstimate::Auto => "auto",
            AdjustEstimate::Leave => "leave",
            AdjustEstimate::New => "new",
            AdjustEstimate::Manual => "manual",
        }
    }
}

/// Logs time.
pub enum WorklogsAdd {}
impl Request for WorklogsAdd {
    const METHOD: &'static str = "worklogs/add";
    const ANNOTATIONS: Annotations = Annotations::write("Log work");
    type Params = WorklogsAddParams;
    type Result = Worklog;
}

/// Params of `worklogs/add`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorklogsAddParams {
    /// Issue key or id.
    pub key: String,
    /// `1h 30m`, `2d`, `45m` (at least a minute).
    pub time_spent: String,
    /// When the work started, RFC 3339 (`2026-12-07T09:30:00+01:00`); default now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
    /// Markdown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default)]
    pub adjust_estimate: AdjustEstimate,
    /// With `adjustEstimate: new`: the remaining estimate after (`3h`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_estimate: Option<String>,
    /// With `adjustEstimate: manual`: how much to take off the remaining estimate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reduce_by: Option<String>,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Changes a worklog.
pub enum WorklogsUpdate {}
impl Request for WorklogsUpdate {
    const METHOD: &'static str = "worklogs/update";
    const ANNOTATIONS: Annotations = Annotations::write("Change worklog")
        .destructive()
        .idempotent();
    type Params = WorklogsUpdateParams;
    type Result = Worklog;
}

/// Params of `worklogs/update`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorklogsUpdateParams {
    /// Issue key or id.
    pub key: String,
    /// Worklog id.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_spent: Option<String>,
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
    /// Markdown; replaces the old comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// `auto` (by the difference), `leave` or `new` (Jira refuses `manual` on an edit).
    #[serde(default)]
    pub adjust_estimate: AdjustEstimate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_estimate: Option<String>,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Deletes a worklog.
pub enum WorklogsDelete {}
impl Request for WorklogsDelete {
    const METHOD: &'static str = "worklogs/delete";
    const ANNOTATIONS: Annotations = Annotations::write("Delete worklog")
        .idempotent()
        .irreversible();
    type Params = WorklogsDeleteParams;
    type Result = Empty;
}

/// Params of `worklogs/delete`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorklogsDeleteParams {
    /// Issue key or id.
    pub key: String,
    /// Worklog id.
    pub id: String,
    /// `auto` gives the time back to the remaining estimate.
    #[serde(default)]
    pub adjust_estimate: AdjustEstimate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_estimate: Option<String>,
    /// With `adjustEstimate: manual`: how much to add to the remaining estimate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub increase_by: Option<String>,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}
