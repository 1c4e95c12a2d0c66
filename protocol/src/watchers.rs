//! Who follows an issue and who wants it: `watchers/list`, `watchers/add`, `watchers/remove`,
//! `votes/get`, `votes/add`, `votes/remove`. (Jira's watchers get its notifications; the daemon's
//! own live lists are `issues/watch`.)

use crate::openrpc::MethodDoc;
use crate::projects::UserRef;
use crate::{Annotations, Request};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The family's entries in the OpenRPC document.
pub fn docs() -> Vec<MethodDoc> {
    vec![
        MethodDoc::request::<WatchersList>(
            "Who watches an issue (gets Jira's notifications about it)",
        ),
        MethodDoc::request::<WatchersAdd>(
            "Adds a watcher to an issue: you, or a user by account id, email or display name",
        ),
        MethodDoc::request::<WatchersRemove>("Removes a watcher from an issue"),
        MethodDoc::request::<VotesGet>("An issue's votes, and whether you voted"),
        MethodDoc::request::<VotesAdd>("Votes for an issue"),
        MethodDoc::request::<VotesRemove>("Takes back your vote for an issue"),
    ]
}

/// Params naming one issue.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssueParams {
    /// Issue key or id.
    pub key: String,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Params naming an issue and a user.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WatcherParams {
    /// Issue key or id.
    pub key: String,
    /// `"me"` (the default), an account id (Data Center: a username), an email, or a display
    /// name matching one user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// An issue's watchers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Watchers {
    /// How many watch (Jira counts people whose names it may not show you).
    pub watch_count: u64,
    /// Whether you watch it.
    pub is_watching: bool,
    /// Those you may see.
    pub watchers: Vec<UserRef>,
}

/// An issue's votes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Votes {
    pub votes: u64,
    /// Whether you voted.
    pub has_voted: bool,
    /// Those you may see.
    pub voters: Vec<UserRef>,
}

/// Lists an issue's watchers.
pub enum WatchersList {}
impl Request for WatchersList {
    const METHOD: &'static str = "watchers/list";
    const ANNOTATIONS: Annotations = Annotations::read("Watchers");
    type Params = IssueParams;
    type Result = Watchers;
}

/// Adds a watcher; answers the watchers after.
pub enum WatchersAdd {}
impl Request for WatchersAdd {
    const METHOD: &'static str = "watchers/add";
    const ANNOTATIONS: Annotations = Annotations::write("Add watcher").idempotent();
    type Params = WatcherParams;
    type Result = Watchers;
}

/// Removes a watcher; answers the watchers after.
pub enum WatchersRemove {}
impl Request for WatchersRemove {
    const METHOD: &'static str = "watchers/remove";
    const ANNOTATIONS: Annotations = Annotations::write("Remove watcher")
        .destructive()
        .idempotent();
    type Params = WatcherParams;
    type Result = Watchers;
}

/// Reads an issue's votes.
pub enum VotesGet {}
impl Request for VotesGet {
    const METHOD: &'static str = "votes/get";
    const ANNOTATIONS: Annotations = Annotations::read("Votes");
    type Params = IssueParams;
    type Result = Votes;
}

/// Votes for an issue; answers the votes after.
pub enum VotesAdd {}
impl Request for VotesAdd {
    const METHOD: &'static str = "votes/add";
    const ANNOTATIONS: Annotations = Annotations::write("Vote").idempotent();
    type Params = IssueParams;
    type Result = Votes;
}

/// Takes back your vote; answers the votes after.
pub enum VotesRemove {}
impl Request for VotesRemove {
    const METHOD: &'static str = "votes/remove";
    const ANNOTATIONS: Annotations = Annotations::write("Remove vote").destructive().idempotent();
    type Params = IssueParams;
    type Result = Votes;
}
