//! What Jira Software's families share: the params of an issue list scoped to a sprint, a
//! backlog or an epic (the filters, fields, paging and `all` of `issues/list`), and the per-item
//! result of moving or ranking issues. The methods are in [`crate::boards`] and
//! [`crate::sprints`].

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Declares the params of a scoped issue list: the scope's own fields, then every filter and
/// option of `issues/list`, and `into_list()` giving those as `issues/list` params.
macro_rules! scoped_list_params {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        pub struct $name {
            $($(#[$fmeta])* pub $field: $ty,)*
            /// Raw JQL, ANDed with the scope and the filters.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub jql: Option<String>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub project: Option<String>,
            /// `"me"`, `"none"`, an accountId (DC: username), or an email or display name naming one user.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub assignee: Option<String>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub status: Option<String>,
            /// Full-text search.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub text: Option<String>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub labels: Option<Vec<String>>,
            /// `ORDER BY` clause without the keywords; default: the board's order, `Rank ASC`.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub order_by: Option<String>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub fields: Option<Vec<String>>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub format: Option<crate::issues::DescriptionFormat>,
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
            /// Follow the cursor inside the daemon up to `maxIssues`, at most `[jira] list_cap` issues.
            #[serde(default)]
            pub all: bool,
            /// With `all`: stop after this many issues; at most `[jira] list_cap`.
            #[serde(
                default,
                skip_serializing_if = "Option::is_none",
                deserialize_with = "crate::bounded::positive"
            )]
            #[schemars(range(min = 1))]
            pub max_issues: Option<u32>,
            /// Bypass the cache.
            #[serde(default)]
            pub fresh: bool,
            /// Profile to act as.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub profile: Option<String>,
            /// With `all`: LSP work-done token; `$/progress` notifications carry it.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub progress_token: Option<crate::lifecycle::NumberOrString>,
        }

        impl $name {
            /// The `issues/list` part of the params (the scope's own fields are left out).
            pub fn into_list(self) -> crate::issues::IssuesListParams {
                crate::issues::IssuesListParams {
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
pub(crate) use scoped_list_params;

/// How many issues one move or rank call takes (Jira's own limit is 50 per request; the daemon
/// splits).
pub const MAX_MOVE: usize = 1000;

/// What happened to one issue of a move or a rank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum MoveStatus {
    /// Jira confirmed it.
    Moved,
    /// Jira refused it; `error` says why.
    Refused,
    /// The answer was lost: it may or may not have moved. Moves can be repeated safely.
    OutcomeUnknown,
}

/// One issue's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MoveItem {
    /// The issue's position in `issues`, from 0.
    pub index: u32,
    /// The issue as given.
    pub issue: String,
    pub status: MoveStatus,
    /// Unless moved: the error (`kind`, `message`, and its `data`, e.g. `reason`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
}

/// What a move or rank did, issue by issue; sent to Jira 50 at a time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MoveResult {
    /// How many moved.
    pub moved: u32,
    /// How many did not, or may not have (`outcomeUnknown`).
    pub failed: u32,
    /// One per issue, in the order given.
    pub results: Vec<MoveItem>,
}

/// `data.reason` of an error Jira Software gives for its own rules (the `kind` is the usual
/// one: `invalidFields`, `conflict`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum AgileReason {
    /// The sprint is closed: it takes no issues and no edits.
    SprintClosed,
    /// The board does not support sprints (a kanban board).
    BoardHasNoSprints,
    /// More issues than one Jira request takes.
    TooManyIssues,
    /// The board already has an active sprint (parallel sprints are off).
    OneActiveSprint,
    /// The sprint's state does not allow this change (e.g. closing a future sprint).
    SprintState,
}

impl AgileReason {
    /// The `data.reason` string.
    pub const fn as_str(self) -> &'static str {
        match self {
            AgileReason::SprintClosed => "sprintClosed",
            AgileReason::BoardHasNoSprints => "boardHasNoSprints",
            AgileReason::TooManyIssues => "tooManyIssues",
            AgileReason::OneActiveSprint => "oneActiveSprint",
            AgileReason::SprintState => "sprintState",
        }
    }
}
