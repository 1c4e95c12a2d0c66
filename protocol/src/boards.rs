//! Jira Software's boards and epics: `boards/list`, `boards/get` (columns and their statuses,
//! estimation, filter), `boards/backlog`, `epics/list`, `epics/issues`, `epics/moveIssues`,
//! `issues/setParent`.

use crate::agile::MoveResult;
use crate::issues::IssuesListResult;
use crate::openrpc::MethodDoc;
use crate::{Annotations, Request};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The family's entries in the OpenRPC document.
pub fn docs() -> Vec<MethodDoc> {
    vec![
        MethodDoc::request::<BoardsList>(
            "Boards (scrum, kanban, simple), filtered by project, type and name",
        ),
        MethodDoc::request::<BoardsGet>(
            "A board's configuration: its columns and their statuses (the last is done), estimation field, filter, project",
        ),
        MethodDoc::request::<BoardsBacklog>(
            "A board's backlog (issues in no open sprint, not done), in rank order, filtered and paged as issues/list",
        ),
        MethodDoc::request::<EpicsList>("A board's epics, optionally only done or not done ones"),
        MethodDoc::request::<EpicsIssues>(
            "The issues of an epic, filtered and paged as issues/list",
        ),
        MethodDoc::request::<EpicsMoveIssues>(
            "Moves issues into an epic, or out of theirs (epic \"none\"), 50 per Jira request, with a result per issue",
        ),
        MethodDoc::request::<IssuesSetParent>(
            "Sets an issue's parent (its epic, or a sub-task's issue), or clears it with \"none\"",
        ),
    ]
}

/// `scrum`, `kanban` or `simple` (team-managed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum BoardType {
    Scrum,
    Kanban,
    Simple,
}

impl BoardType {
    /// Jira's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            BoardType::Scrum => "scrum",
            BoardType::Kanban => "kanban",
            BoardType::Simple => "simple",
        }
    }
}

/// A board.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Board {
    pub id: u64,
    pub name: String,
    /// `scrum`, `kanban` or `simple`.
    #[serde(rename = "type")]
    pub board_type: String,
    /// The key of the project the board belongs to, when it belongs to one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
}

/// Lists boards.
pub enum BoardsList {}
impl Request for BoardsList {
    const METHOD: &'static str = "boards/list";
    const ANNOTATIONS: Annotations = Annotations::read("List boards");
    type Params = BoardsListParams;
    type Result = BoardsListResult;
}

crate::with_agile_page! {
    /// Params of `boards/list`.
    #[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    pub struct BoardsListParams {
        /// Only boards of this project (key or id).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub project: Option<String>,
        /// Only boards of this type.
        #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
        pub board_type: Option<BoardType>,
        /// Only boards whose name contains this.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub name: Option<String>,
    }
}

/// A page of boards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BoardsListResult {
    pub boards: Vec<Board>,
    /// Pass as `pageToken` for the next page; absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
    pub is_last: bool,
}

/// One board's configuration.
pub enum BoardsGet {}
impl Request for BoardsGet {
    const METHOD: &'static str = "boards/get";
    const ANNOTATIONS: Annotations = Annotations::read("Get board");
    type Params = BoardsGetParams;
    type Result = BoardConfiguration;
}

/// Params of `boards/get`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BoardsGetParams {
    pub board_id: u64,
    /// Bypass the cache.
    #[serde(default)]
    pub fresh: bool,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// A board with its columns, estimation and filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BoardConfiguration {
    pub id: u64,
    pub name: String,
    /// `scrum`, `kanban` or `simple`.
    #[serde(rename = "type")]
    pub board_type: String,
    /// The key (or id) of the project the board belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// The saved filter that selects the board's issues.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_id: Option<String>,
    /// Left to right; an issue whose status is in the last column that has statuses is done.
    pub columns: Vec<Column>,
    /// How issues are estimated (scrum boards).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimation: Option<Estimation>,
    /// The Rank field's id (`customfield_10019`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank_field_id: Option<String>,
}

/// A board column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Column {
    pub name: String,
    /// The statuses shown in it.
    pub statuses: Vec<ColumnStatus>,
    /// Work-in-progress limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u32>,
}

/// A status of a column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ColumnStatus {
    pub id: String,
    /// The status's name, when the site lists its statuses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A board's estimation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Estimation {
    /// `none`, `issueCount` or `field`.
    #[serde(rename = "type")]
    pub estimation_type: String,
    /// With `field`: the field's id (`customfield_10011`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_id: Option<String>,
    /// With `field`: its name (`Story Points`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// A board's backlog.
pub enum BoardsBacklog {}
impl Request for BoardsBacklog {
    const METHOD: &'static str = "boards/backlog";
    const ANNOTATIONS: Annotations = Annotations::read("Board backlog");
    type Params = BoardsBacklogParams;
    type Result = IssuesListResult;
}

crate::with_list_params! {
/// Params of `boards/backlog`: the board, then `issues/list`'s filters and options.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BoardsBacklogParams {
    pub board_id: u64,
}
}

/// An epic of a board.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Epic {
    pub id: String,
    /// The epic's issue key.
    pub key: String,
    /// Its epic name (on Cloud, its summary).
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    pub done: bool,
    /// `color_1` … `color_14`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
}

/// Lists a board's epics.
pub enum EpicsList {}
impl Request for EpicsList {
    const METHOD: &'static str = "epics/list";
    const ANNOTATIONS: Annotations = Annotations::read("List epics");
    type Params = EpicsListParams;
    type Result = EpicsListResult;
}

crate::with_agile_page! {
    /// Params of `epics/list`.
    #[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    pub struct EpicsListParams {
        pub board_id: u64,
        /// Only done (`true`) or only not done (`false`) epics.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub done: Option<bool>,
    }
}

/// A page of epics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EpicsListResult {
    pub epics: Vec<Epic>,
    /// Pass as `pageToken` for the next page; absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
    pub is_last: bool,
}

/// The issues of an epic.
pub enum EpicsIssues {}
impl Request for EpicsIssues {
    const METHOD: &'static str = "epics/issues";
    const ANNOTATIONS: Annotations = Annotations::read("Epic issues");
    type Params = EpicsIssuesParams;
    type Result = IssuesListResult;
}

crate::with_list_params! {
/// Params of `epics/issues`: the epic, then `issues/list`'s filters and options.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EpicsIssuesParams {
    /// The epic's key.
    pub epic: String,
}
}

/// Moves issues into an epic or out of theirs.
pub enum EpicsMoveIssues {}
impl Request for EpicsMoveIssues {
    const METHOD: &'static str = "epics/moveIssues";
    const ANNOTATIONS: Annotations = Annotations::write("Move issues to epic")
        .destructive()
        .idempotent();
    type Params = EpicsMoveIssuesParams;
    type Result = MoveResult;
}

/// Params of `epics/moveIssues`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EpicsMoveIssuesParams {
    /// The epic's key, or `"none"` to take the issues out of their epic.
    pub epic: String,
    /// 1 to 1,000 issue keys or ids.
    #[schemars(length(min = 1, max = 1000))]
    pub issues: Vec<String>,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Sets or clears one issue's parent.
pub enum IssuesSetParent {}
impl Request for IssuesSetParent {
    const METHOD: &'static str = "issues/setParent";
    const ANNOTATIONS: Annotations = Annotations::write("Set parent").destructive().idempotent();
    type Params = IssuesSetParentParams;
    type Result = crate::issues::Empty;
}

/// Params of `issues/setParent`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssuesSetParentParams {
    /// The issue.
    pub key: String,
    /// The parent's key, or `"none"` to clear it. On Data Center an epic parent is the issue's
    /// Epic Link.
    pub parent: String,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}
