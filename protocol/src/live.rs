//! The live board: `sprints/watch` answers a board's sprint (its active one by default, any one
//! by id) or its backlog now, each issue placed in its board column, then pushes
//! `sprints/didChange` when issues enter, leave, change or move column. It is an `issues/watch`
//! of the sprint's or backlog's JQL underneath: it shares that watch's poller and the profile's
//! polling budget, and `issues/unwatch` ends it.

use crate::openrpc::MethodDoc;
use crate::sprints::Sprint;
use crate::{Annotations, Notification, Request};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The family's entries in the OpenRPC document.
pub fn docs() -> Vec<MethodDoc> {
    vec![
        MethodDoc::request::<SprintsWatch>(
            "Watches a board's active sprint, one sprint or its backlog as a live board: answers it now, then pushes sprints/didChange",
        ),
        MethodDoc::server_notification::<SprintsDidChange>(
            "A watched board changed: issues that entered, left, changed, and those that changed status or column",
        ),
    ]
}

/// Which part of a board a live board shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum BoardPart {
    /// The board's active sprint (resolved when the watch starts); with parallel sprints, all
    /// of its active sprints, `sprint` naming the oldest.
    Active,
    /// The board's backlog: no future or active sprint, not in the last column.
    Backlog,
}

/// A sprint id, or `"active"` / `"backlog"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum SprintChoice {
    /// One sprint, by id.
    Id(u64),
    /// The active sprint or the backlog.
    Part(BoardPart),
}

impl Default for SprintChoice {
    fn default() -> Self {
        SprintChoice::Part(BoardPart::Active)
    }
}

/// Watches a board's sprint or backlog as a live board.
pub enum SprintsWatch {}
impl Request for SprintsWatch {
    const METHOD: &'static str = "sprints/watch";
    const ANNOTATIONS: Annotations = Annotations::read("Watch a board");
    type Params = SprintsWatchParams;
    type Result = SprintsWatchResult;
}

/// Params of `sprints/watch`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SprintsWatchParams {
    /// The board (a scrum board, unless `sprint` is `"backlog"`).
    pub board_id: u64,
    /// `"active"` (default), `"backlog"`, or a sprint id.
    #[serde(default)]
    pub sprint: SprintChoice,
    /// Fields of each issue (default: summary, status, issuetype, priority, assignee, labels,
    /// updated); `status` and `updated` are always fetched.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// Seconds between refreshes (default 30; the daemon's floor applies). A watch of the same
    /// list, by `sprints/watch` or `issues/watch`, shares it and its interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_seconds: Option<f64>,
    /// The profile; default: the connection's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Result of `sprints/watch`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SprintsWatchResult {
    /// Names this watch in `sprints/didChange` and `issues/unwatch`.
    pub watch_id: u64,
    /// The watched sprint; absent for the backlog.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sprint: Option<Sprint>,
    /// The board's columns, left to right.
    pub columns: Vec<String>,
    /// The issues now, in rank order, as `issues/list` gives them plus `column` (absent when
    /// the board shows their status in no column).
    pub issues: Vec<serde_json::Value>,
}

/// Server → client: a watched board changed.
pub enum SprintsDidChange {}
impl Notification for SprintsDidChange {
    const METHOD: &'static str = "sprints/didChange";
    type Params = SprintsDidChangeParams;
}

/// An issue that changed status or column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BoardMove {
    pub key: String,
    /// Status names, before and after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_status: Option<String>,
    /// Columns, before and after (equal when the status moved within one column).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_column: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_column: Option<String>,
}

/// Params of `sprints/didChange`. Never all empty.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SprintsDidChangeParams {
    /// The watch, from `sprints/watch`.
    pub watch_id: u64,
    /// Issues that entered the sprint or backlog (with `column`).
    pub entered: Vec<serde_json::Value>,
    /// Issues that left it or were deleted (as last seen).
    pub left: Vec<serde_json::Value>,
    /// Issues of it that were updated (as they are now, with `column`).
    pub changed: Vec<serde_json::Value>,
    /// Of the changed ones, those whose status changed: from and to, status and column.
    pub moved: Vec<BoardMove>,
}
