//! Work on one issue: `issues/transitions`, `issues/transition`, `issues/comments`,
//! `issues/addComment`, `issues/updateComment`, `issues/deleteComment`, `issues/assign`,
//! `issues/changelog`.

use crate::openrpc::MethodDoc;
use crate::projects::UserRef;
use crate::{Annotations, Request};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// The family's entries in the OpenRPC document.
pub fn docs() -> Vec<MethodDoc> {
    vec![
        MethodDoc::request::<IssuesTransitions>(
            "The transitions available on an issue now, each with the status it leads to",
        ),
        MethodDoc::request::<IssuesTransition>(
            "Moves an issue by transition name, target status name or transition id, optionally with a comment",
        ),
        MethodDoc::request::<IssuesComments>("One page of an issue's comments, oldest first"),
        MethodDoc::request::<IssuesAddComment>(
            "Adds a comment (Markdown or ADF) to an issue, optionally visible to a role or group only",
        ),
        MethodDoc::request::<IssuesUpdateComment>(
            "Replaces a comment's text (refused if Markdown would lose what it cannot express, unless forced) and optionally its visibility",
        ),
        MethodDoc::request::<IssuesDeleteComment>("Deletes a comment"),
        MethodDoc::request::<IssuesAssign>(
            "Assigns an issue to \"me\", an account id or an email, or unassigns it with null",
        ),
        MethodDoc::request::<IssuesStatusHistory>(
            "How long an issue spent in each status, from its history",
        ),
        MethodDoc::request::<IssuesChangelog>(
            "One page of an issue's history (who changed which field from what to what), oldest first",
        ),
    ]
}

/// Rich text from a client: a Markdown string, or an ADF document (`{"type": "doc", ...}`).
/// The daemon sends Jira Cloud ADF and Jira Data Center wiki markup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RichText {
    /// CommonMark with tables, strikethrough and task lists.
    Markdown(String),
    /// An Atlassian Document Format document.
    Adf(Map<String, Value>),
}

/// How rich text comes back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum TextFormat {
    /// Markdown only (`body`).
    #[default]
    Markdown,
    /// ADF only (`bodyAdf`).
    Adf,
    /// Both.
    Both,
}

/// A status and its category (`new`, `indeterminate` or `done`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusRef {
    /// The status name, e.g. `In Progress`.
    pub name: String,
    /// The status category key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

/// Lists the transitions an issue can take from its current status.
pub enum IssuesTransitions {}
impl Request for IssuesTransitions {
    const METHOD: &'static str = "issues/transitions";
    const ANNOTATIONS: Annotations = Annotations::read("Available transitions");
    type Params = IssuesTransitionsParams;
    type Result = Vec<Transition>;
}

/// Params of `issues/transitions`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssuesTransitionsParams {
    /// Issue key or id.
    pub key: String,
    /// Ask Jira even when the cache holds a fresh answer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fresh: bool,
    /// Profile to act as (default: the connection's, then the config's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// A transition available on an issue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Transition {
    /// Transition id (what `issues/transition` sends to Jira).
    pub id: String,
    /// Transition name, e.g. `Start Progress`.
    pub name: String,
    /// The status the issue ends in.
    pub to: StatusRef,
    /// Fields of the transition's screen, when it has one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<crate::projects::FieldInfo>,
}

/// Moves an issue through its workflow.
pub enum IssuesTransition {}
impl Request for IssuesTransition {
    const METHOD: &'static str = "issues/transition";
    const ANNOTATIONS: Annotations = Annotations::write("Transition issue");
    type Params = IssuesTransitionParams;
    type Result = TransitionResult;
}

/// Params of `issues/transition`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssuesTransitionParams {
    /// Issue key or id.
    pub key: String,
    /// A transition id, a transition name or the name of the target status (case-insensitive).
    pub to: String,
    /// A comment added with the transition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<RichText>,
    /// Fields of the transition screen (e.g. `resolution`), in Jira's shapes.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub fields: Map<String, Value>,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Result of `issues/transition`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TransitionResult {
    /// The transition taken.
    pub transition: TransitionTaken,
    /// The issue's status afterwards, as Jira reports it.
    pub status: StatusRef,
}

/// The id and name of the transition taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TransitionTaken {
    /// Transition id.
    pub id: String,
    /// Transition name.
    pub name: String,
}

/// Reads an issue's comments, one page at a time.
pub enum IssuesComments {}
impl Request for IssuesComments {
    const METHOD: &'static str = "issues/comments";
    const ANNOTATIONS: Annotations = Annotations::read("Read comments");
    type Params = IssuesCommentsParams;
    type Result = CommentPage;
}

/// Params of `issues/comments`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssuesCommentsParams {
    /// Issue key or id.
    pub key: String,
    /// Comments per page (1–1000, default 50).
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
    /// `markdown` (default), `adf` or `both`.
    #[serde(default)]
    pub format: TextFormat,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// A page of comments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommentPage {
    /// Oldest first.
    pub comments: Vec<IssueComment>,
    /// Pass it back as `pageToken` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
    /// How many comments the issue has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
}

/// A comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssueComment {
    /// Comment id.
    pub id: String,
    /// Who wrote it (on Data Center `accountId` is the username).
    pub author: Option<UserRef>,
    /// The body as Markdown (absent with `format: adf`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The body as ADF (with `format: adf` or `both`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_adf: Option<Value>,
    /// Jira timestamp.
    pub created: Option<String>,
    /// Jira timestamp.
    pub updated: Option<String>,
    /// Who may see it; absent when everyone who sees the issue may.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
}

/// Who may see a comment: the members of a project role, or of a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Visibility {
    /// `role` or `group`.
    #[serde(rename = "type")]
    pub kind: VisibilityKind,
    /// The role's or group's name.
    pub value: String,
}

/// What a [`Visibility`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum VisibilityKind {
    /// A project role (`Developers`).
    Role,
    /// A group (`jira-users`).
    Group,
}

impl VisibilityKind {
    /// As Jira spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            VisibilityKind::Role => "role",
            VisibilityKind::Group => "group",
        }
    }
}

/// Replaces a comment's text.
pub enum IssuesUpdateComment {}
impl Request for IssuesUpdateComment {
    const METHOD: &'static str = "issues/updateComment";
    const ANNOTATIONS: Annotations = Annotations::write("Edit comment")
        .destructive()
        .idempotent();
    type Params = IssuesUpdateCommentParams;
    type Result = IssueComment;
}

/// Params of `issues/updateComment`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssuesUpdateCommentParams {
    /// Issue key or id.
    pub key: String,
    /// Comment id.
    pub id: String,
    /// The new text, Markdown or an ADF document (it replaces the old one whole).
    pub body: RichText,
    /// A role or group to restrict it to, or `null` to show it to everyone; absent keeps it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::some_null"
    )]
    pub visibility: Option<Option<Visibility>>,
    /// Replace it even though Markdown cannot express all of the old text (mentions, panels, …).
    #[serde(default)]
    pub force: bool,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Deletes a comment.
pub enum IssuesDeleteComment {}
impl Request for IssuesDeleteComment {
    const METHOD: &'static str = "issues/deleteComment";
    const ANNOTATIONS: Annotations = Annotations::write("Delete comment")
        .idempotent()
        .irreversible();
    type Params = IssuesDeleteCommentParams;
    type Result = crate::issues::Empty;
}

/// Params of `issues/deleteComment`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssuesDeleteCommentParams {
    /// Issue key or id.
    pub key: String,
    /// Comment id.
    pub id: String,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Adds a comment.
pub enum IssuesAddComment {}
impl Request for IssuesAddComment {
    const METHOD: &'static str = "issues/addComment";
    const ANNOTATIONS: Annotations = Annotations::write("Add comment");
    type Params = IssuesAddCommentParams;
    type Result = IssueComment;
}

/// Params of `issues/addComment`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssuesAddCommentParams {
    /// Issue key or id.
    pub key: String,
    /// Markdown or an ADF document.
    pub body: RichText,
    /// Only members of this role or group see it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Assigns or unassigns an issue.
pub enum IssuesAssign {}
impl Request for IssuesAssign {
    const METHOD: &'static str = "issues/assign";
    const ANNOTATIONS: Annotations = Annotations::write("Assign issue")
        .destructive()
        .idempotent();
    type Params = IssuesAssignParams;
    type Result = AssignResult;
}

/// Params of `issues/assign`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssuesAssignParams {
    /// Issue key or id.
    pub key: String,
    /// `"me"`, an account id (Data Center: a username), an email, a display name (matching one
    /// user), or `null` to unassign.
    /// Required, so that a forgotten field never unassigns.
    #[serde(deserialize_with = "present")]
    #[schemars(with = "NullableString")]
    pub assignee: Option<String>,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Result of `issues/assign`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssignResult {
    /// The assignee now; `null` when unassigned.
    pub assignee: Option<UserRef>,
}

/// The schema of `assignee`: a string or null, and required (schemars makes `Option` fields optional).
#[derive(JsonSchema)]
#[serde(transparent)]
#[schemars(inline)]
#[allow(dead_code)]
struct NullableString(Option<String>);

/// A custom `deserialize_with` makes serde treat the field as required even though it is an
/// `Option` (a plain `Option` field silently defaults to `None` when missing).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::deserialize(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn assignee_must_be_given_but_may_be_null() {
        let p: IssuesAssignParams =
            serde_json::from_value(json!({"key": "A-1", "assignee": null})).unwrap();
        assert_eq!(p.assignee, None);
        let missing = serde_json::from_value::<IssuesAssignParams>(json!({"key": "A-1"}));
        assert!(missing.unwrap_err().to_string().contains("assignee"));
    }

    #[test]
    fn rich_text_is_a_string_or_an_object() {
        let md: RichText = serde_json::from_value(json!("**hi**")).unwrap();
        assert_eq!(md, RichText::Markdown("**hi**".into()));
        let adf: RichText =
            serde_json::from_value(json!({"type": "doc", "version": 1, "content": []})).unwrap();
        assert!(matches!(adf, RichText::Adf(_)));
        assert!(serde_json::from_value::<RichText>(json!(3)).is_err());
    }
}

/// Reads an issue's history, one page at a time.
pub enum IssuesChangelog {}
impl Request for IssuesChangelog {
    const METHOD: &'static str = "issues/changelog";
    const ANNOTATIONS: Annotations = Annotations::read("Issue history");
    type Params = IssuesChangelogParams;
    type Result = ChangelogPage;
}

/// Params of `issues/changelog`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssuesChangelogParams {
    /// Issue key or id.
    pub key: String,
    /// Histories per page (1–1000, default 100).
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
    /// Ask Jira even when the cache holds a fresh answer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fresh: bool,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// A page of an issue's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangelogPage {
    /// Oldest first.
    pub histories: Vec<ChangeHistory>,
    /// Pass it back as `pageToken` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
    /// How many histories the issue has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
}

/// One write to an issue: who, when, and each field it changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangeHistory {
    /// History id.
    pub id: String,
    /// Who made the change (on Data Center `accountId` is the username).
    pub author: Option<UserRef>,
    /// Jira timestamp.
    pub created: Option<String>,
    /// The fields changed.
    pub items: Vec<ChangeItem>,
}

/// One field's change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangeItem {
    /// The field's name as Jira shows it (`status`, `assignee`, `Story Points`).
    pub field: String,
    /// The field's id (`status`, `customfield_10011`); Jira Cloud only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_id: Option<String>,
    /// The old raw value (an id, account id or username), when the field has one.
    pub from: Option<String>,
    /// The old value as shown.
    pub from_string: Option<String>,
    /// The new raw value.
    pub to: Option<String>,
    /// The new value as shown.
    pub to_string: Option<String>,
}

/// How long an issue spent in each status.
pub enum IssuesStatusHistory {}
impl Request for IssuesStatusHistory {
    const METHOD: &'static str = "issues/statusHistory";
    const ANNOTATIONS: Annotations = Annotations::read("Time in status");
    type Params = IssuesStatusHistoryParams;
    type Result = StatusHistory;
}

/// Params of `issues/statusHistory`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssuesStatusHistoryParams {
    /// Issue key or id.
    pub key: String,
    /// Ask Jira even when the cache holds a fresh answer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fresh: bool,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// An issue's time in each status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusHistory {
    /// Each stretch in one status, oldest first; the last is the current one, still open.
    pub periods: Vec<StatusPeriod>,
    /// Milliseconds in each status, summed over its stretches, in order of first entry.
    pub totals: Vec<StatusTotal>,
}

/// A stretch in one status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusPeriod {
    pub status: String,
    /// Jira timestamp it entered the status (the issue's creation for the first).
    pub from: String,
    /// Jira timestamp it left; absent for the current status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Milliseconds in it (until now for the current status).
    pub ms: u64,
}

/// Time in one status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusTotal {
    pub status: String,
    pub ms: u64,
}
