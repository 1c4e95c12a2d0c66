//! `issues/watch`, `issues/unwatch` and `issues/didChange`: a list answered now, then pushed to
//! the connection when it changes (`sprints/watch`, in [`crate::live`], is the same over a board).

use crate::openrpc::MethodDoc;
use crate::{Annotations, Notification, Request};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Watches a list: answers it now, then pushes `issues/didChange` when it changes.
pub enum IssuesWatch {}
impl Request for IssuesWatch {
    const METHOD: &'static str = "issues/watch";
    const ANNOTATIONS: Annotations = Annotations::read("Watch a list");
    type Params = IssuesWatchParams;
    type Result = IssuesWatchResult;
}

crate::with_issue_filter! {
/// Params of `issues/watch`: the `issues/list` filters.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssuesWatchParams {
    /// Fields of each issue (default: summary, status, issuetype, priority, assignee, labels,
    /// updated); `updated` is always fetched.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// Seconds between refreshes (default 30; the daemon's floor applies). A watch identical
    /// to a running one shares it, and its interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_seconds: Option<f64>,
    /// The profile; default: the connection's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}
}

/// Result of `issues/watch`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssuesWatchResult {
    /// Names this watch in `issues/didChange` and `issues/unwatch`.
    pub watch_id: u64,
    /// The list now (normalized issues, as `issues/list` gives them).
    pub issues: Vec<serde_json::Value>,
}

/// Ends a watch of this connection (watches also end with their connection).
pub enum IssuesUnwatch {}
impl Request for IssuesUnwatch {
    const METHOD: &'static str = "issues/unwatch";
    const ANNOTATIONS: Annotations = Annotations::read("End a watch").local();
    type Params = IssuesUnwatchParams;
    type Result = ();
}

/// Params of `issues/unwatch`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssuesUnwatchParams {
    /// From `issues/watch`.
    pub watch_id: u64,
}

/// Server → client: a watched list changed.
pub enum IssuesDidChange {}
impl Notification for IssuesDidChange {
    const METHOD: &'static str = "issues/didChange";
    type Params = IssuesDidChangeParams;
}

/// Params of `issues/didChange`. Never all empty.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssuesDidChangeParams {
    /// The watch, from `issues/watch`.
    pub watch_id: u64,
    /// Issues that joined the list.
    pub added: Vec<serde_json::Value>,
    /// Issues of the list that were updated (as they are now).
    pub changed: Vec<serde_json::Value>,
    /// Issues that left the list or were deleted (as last seen).
    pub removed: Vec<serde_json::Value>,
}

/// The family's entries in the OpenRPC document.
pub fn docs() -> Vec<MethodDoc> {
    vec![
        MethodDoc::request::<IssuesWatch>(
            "Answers a list now and pushes issues/didChange to this connection when it changes.",
        ),
        MethodDoc::request::<IssuesUnwatch>("Ends a watch of this connection."),
        MethodDoc::server_notification::<IssuesDidChange>(
            "A watched list changed: issues added, changed, removed.",
        ),
    ]
}
