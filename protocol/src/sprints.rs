//! Jira Software's sprints and the moves between them: `sprints/list`, `sprints/get`,
//! `sprints/issues`, `sprints/create`, `sprints/update`, `sprints/start`, `sprints/close`,
//! `sprints/delete`, `sprints/moveIssues`, `backlog/moveIssues`, `issues/rank`.

use crate::agile::MoveResult;
use crate::issues::{Empty, IssuesListResult};
use crate::openrpc::MethodDoc;
use crate::{Annotations, Request};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The family's entries in the OpenRPC document.
pub fn docs() -> Vec<MethodDoc> {
    vec![
        MethodDoc::request::<SprintsList>(
            "A board's sprints, optionally only future, active or closed ones (a kanban board has none: boardHasNoSprints)",
        ),
        MethodDoc::request::<SprintsGet>("One sprint: state, dates, goal, board"),
        MethodDoc::request::<SprintsIssues>(
            "The issues of a sprint, in rank order, filtered and paged as issues/list",
        ),
        MethodDoc::request::<SprintsCreate>("Creates a future sprint on a board"),
        MethodDoc::request::<SprintsUpdate>(
            "Changes a sprint's name, goal or dates (a closed sprint takes no edits: sprintClosed)",
        ),
        MethodDoc::request::<SprintsStart>(
            "Starts a future sprint (one active sprint per board unless parallel sprints are on: oneActiveSprint)",
        ),
        MethodDoc::request::<SprintsClose>(
            "Completes an active sprint; its open issues leave it for the backlog. Cannot be undone",
        ),
        MethodDoc::request::<SprintsDelete>(
            "Deletes a sprint; its issues go to the backlog. Cannot be undone",
        ),
        MethodDoc::request::<SprintsMoveIssues>(
            "Moves issues into a future or active sprint, 50 per Jira request, with a result per issue",
        ),
        MethodDoc::request::<BacklogMoveIssues>(
            "Moves issues out of their future and active sprints to the backlog, 50 per Jira request, with a result per issue",
        ),
        MethodDoc::request::<IssuesRank>(
            "Ranks issues, in the order given, right before or after one issue, 50 per Jira request, with a result per issue",
        ),
    ]
}

/// `future`, `active` or `closed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum SprintState {
    Future,
    Active,
    Closed,
}

impl SprintState {
    /// Jira's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            SprintState::Future => "future",
            SprintState::Active => "active",
            SprintState::Closed => "closed",
        }
    }
}

/// A sprint. Dates are ISO 8601 as Jira gives them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Sprint {
    pub id: u64,
    pub name: String,
    /// `future`, `active` or `closed`.
    pub state: String,
    /// The board it was created on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub board_id: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// When it was closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complete_date: Option<String>,
}

/// Lists a board's sprints.
pub enum SprintsList {}
impl Request for SprintsList {
    const METHOD: &'static str = "sprints/list";
    const ANNOTATIONS: Annotations = Annotations::read("List sprints");
    type Params = SprintsListParams;
    type Result = SprintsListResult;
}

crate::with_agile_page! {
    /// Params of `sprints/list`.
    #[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    pub struct SprintsListParams {
        pub board_id: u64,
        /// Only sprints in these states (default: all).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub state: Option<Vec<SprintState>>,
    }
}

/// A page of sprints, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SprintsListResult {
    pub sprints: Vec<Sprint>,
    /// Pass as `pageToken` for the next page; absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
    pub is_last: bool,
}

/// One sprint.
pub enum SprintsGet {}
impl Request for SprintsGet {
    const METHOD: &'static str = "sprints/get";
    const ANNOTATIONS: Annotations = Annotations::read("Get sprint");
    type Params = SprintsGetParams;
    type Result = Sprint;
}

/// Params of `sprints/get`, `sprints/close` and `sprints/delete`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SprintsGetParams {
    pub sprint_id: u64,
    /// Bypass the cache (reads only).
    #[serde(default)]
    pub fresh: bool,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// The issues of a sprint.
pub enum SprintsIssues {}
impl Request for SprintsIssues {
    const METHOD: &'static str = "sprints/issues";
    const ANNOTATIONS: Annotations = Annotations::read("Sprint issues");
    type Params = SprintsIssuesParams;
    type Result = IssuesListResult;
}

crate::with_list_params! {
/// Params of `sprints/issues`: the sprint, then `issues/list`'s filters and options.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SprintsIssuesParams {
    pub sprint_id: u64,
}
}

/// Creates a sprint.
pub enum SprintsCreate {}
impl Request for SprintsCreate {
    const METHOD: &'static str = "sprints/create";
    const ANNOTATIONS: Annotations = Annotations::write("Create sprint");
    type Params = SprintsCreateParams;
    type Result = Sprint;
}

/// Params of `sprints/create`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SprintsCreateParams {
    pub board_id: u64,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal: Option<String>,
    /// ISO 8601 (`2026-12-07T09:00:00.000+01:00`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    /// ISO 8601.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Changes a sprint.
pub enum SprintsUpdate {}
impl Request for SprintsUpdate {
    const METHOD: &'static str = "sprints/update";
    const ANNOTATIONS: Annotations = Annotations::write("Update sprint")
        .destructive()
        .idempotent();
    type Params = SprintsUpdateParams;
    type Result = Sprint;
}

/// Params of `sprints/update`: what is given changes.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SprintsUpdateParams {
    pub sprint_id: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal: Option<String>,
    /// ISO 8601.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    /// ISO 8601.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Starts a sprint.
pub enum SprintsStart {}
impl Request for SprintsStart {
    const METHOD: &'static str = "sprints/start";
    const ANNOTATIONS: Annotations = Annotations::write("Start sprint").destructive();
    type Params = SprintsStartParams;
    type Result = Sprint;
}

/// Params of `sprints/start`. Jira needs both dates: those given, else the sprint's own, else
/// now and two weeks from now.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SprintsStartParams {
    pub sprint_id: u64,
    /// ISO 8601.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    /// ISO 8601.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal: Option<String>,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Closes (completes) a sprint.
pub enum SprintsClose {}
impl Request for SprintsClose {
    const METHOD: &'static str = "sprints/close";
    const ANNOTATIONS: Annotations = Annotations::write("Close sprint").irreversible();
    type Params = SprintRef;
    type Result = Sprint;
}

/// Deletes a sprint.
pub enum SprintsDelete {}
impl Request for SprintsDelete {
    const METHOD: &'static str = "sprints/delete";
    const ANNOTATIONS: Annotations = Annotations::write("Delete sprint")
        .idempotent()
        .irreversible();
    type Params = SprintRef;
    type Result = Empty;
}

/// Params of a call on one sprint.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SprintRef {
    pub sprint_id: u64,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Moves issues into a sprint.
pub enum SprintsMoveIssues {}
impl Request for SprintsMoveIssues {
    const METHOD: &'static str = "sprints/moveIssues";
    const ANNOTATIONS: Annotations = Annotations::write("Move issues to sprint")
        .destructive()
        .idempotent();
    type Params = SprintsMoveIssuesParams;
    type Result = MoveResult;
}

/// Params of `sprints/moveIssues`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SprintsMoveIssuesParams {
    /// A future or active sprint.
    pub sprint_id: u64,
    /// 1 to 1,000 issue keys or ids.
    #[schemars(length(min = 1, max = 1000))]
    pub issues: Vec<String>,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Moves issues to the backlog.
pub enum BacklogMoveIssues {}
impl Request for BacklogMoveIssues {
    const METHOD: &'static str = "backlog/moveIssues";
    const ANNOTATIONS: Annotations = Annotations::write("Move issues to backlog")
        .destructive()
        .idempotent();
    type Params = IssuesMoveParams;
    type Result = MoveResult;
}

/// Params of `backlog/moveIssues`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssuesMoveParams {
    /// 1 to 1,000 issue keys or ids.
    #[schemars(length(min = 1, max = 1000))]
    pub issues: Vec<String>,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Ranks issues before or after another.
pub enum IssuesRank {}
impl Request for IssuesRank {
    const METHOD: &'static str = "issues/rank";
    const ANNOTATIONS: Annotations = Annotations::write("Rank issues").destructive().idempotent();
    type Params = IssuesRankParams;
    type Result = MoveResult;
}

/// Params of `issues/rank`: exactly one of `before` and `after`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssuesRankParams {
    /// 1 to 1,000 issue keys or ids; they keep the order given.
    #[schemars(length(min = 1, max = 1000))]
    pub issues: Vec<String>,
    /// Rank them right before this issue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// Rank them right after this issue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}
