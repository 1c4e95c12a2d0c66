//! What Jira Software's families share: the per-item result of moving or ranking issues (their
//! issue lists take `issues/list`'s params through [`crate::with_list_params`]). The methods are in [`crate::boards`] and
//! [`crate::sprints`].

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

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

/// Declares the params of a Jira Software list (`boards/list`, `sprints/list`, `epics/list`): the
/// fields given, then paging, `fresh` and `profile`.
#[macro_export]
macro_rules! with_agile_page {
    ($(#[$attr:meta])* pub struct $name:ident { $($fields:tt)* }) => {
        $(#[$attr])*
        pub struct $name {
            $($fields)*
            /// Page size, 1 to 1000 (Jira may return fewer).
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
            /// Bypass the cache.
            #[serde(default)]
            pub fresh: bool,
            /// Profile to act as.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub profile: Option<String>,
        }
    };
}
