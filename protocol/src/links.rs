//! Links between issues and from issues to the web: `links/types`, `links/list`, `links/create`,
//! `links/delete`, `links/addRemote`, `links/deleteRemote`.

use crate::issues::Empty;
use crate::openrpc::MethodDoc;
use crate::{Annotations, Request};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The family's entries in the OpenRPC document.
pub fn docs() -> Vec<MethodDoc> {
    vec![
        MethodDoc::request::<LinksTypes>(
            "The site's issue link types, each with its outward and inward phrase",
        ),
        MethodDoc::request::<LinksList>(
            "An issue's links to other issues, read from its side, and its remote (web) links",
        ),
        MethodDoc::request::<LinksCreate>(
            "Links two issues: `from` <type's outward phrase> `to` (\"DEMO-1 blocks DEMO-4\"), optionally with a comment",
        ),
        MethodDoc::request::<LinksDelete>("Removes an issue link from both issues"),
        MethodDoc::request::<LinksAddRemote>(
            "Adds a remote (web) link to an issue, or with a known globalId replaces that link",
        ),
        MethodDoc::request::<LinksDeleteRemote>(
            "Removes an issue's remote link by id, or every one with a globalId",
        ),
    ]
}

/// Lists the link types.
pub enum LinksTypes {}
impl Request for LinksTypes {
    const METHOD: &'static str = "links/types";
    const ANNOTATIONS: Annotations = Annotations::read("Link types");
    type Params = LinksTypesParams;
    type Result = Vec<LinkType>;
}

/// Params of `links/types`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinksTypesParams {
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// A link type: "A <outward> B", read from B as "B <inward> A".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LinkType {
    pub id: String,
    /// `Blocks`.
    pub name: String,
    /// `blocks`.
    pub outward: String,
    /// `is blocked by`.
    pub inward: String,
}

/// Lists an issue's links.
pub enum LinksList {}
impl Request for LinksList {
    const METHOD: &'static str = "links/list";
    const ANNOTATIONS: Annotations = Annotations::read("List links");
    type Params = LinksListParams;
    type Result = IssueLinks;
}

/// Params of `links/list`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinksListParams {
    /// Issue key or id.
    pub key: String,
    /// Ask Jira even when the cache holds a fresh answer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fresh: bool,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// An issue's links.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssueLinks {
    /// Links to other issues, each read from this issue's side.
    pub links: Vec<IssueLink>,
    /// Links to the web.
    pub remote: Vec<RemoteLink>,
}

/// A link from the listed issue's side: "<this issue> <phrase> <issue>".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssueLink {
    /// The link's id (for `links/delete`).
    pub id: String,
    /// The type's name (`Blocks`).
    #[serde(rename = "type")]
    pub link_type: String,
    /// How it reads from this issue (`blocks`, or `is blocked by`).
    pub phrase: String,
    /// The issue at the other end.
    pub issue: LinkedIssue,
}

/// The issue at the other end of a link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LinkedIssue {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Status name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// A remote (web) link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RemoteLink {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub global_id: Option<String>,
    pub url: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// How the issue relates to it (Jira's default: `links to`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationship: Option<String>,
}

/// Links two issues.
pub enum LinksCreate {}
impl Request for LinksCreate {
    const METHOD: &'static str = "links/create";
    const ANNOTATIONS: Annotations = Annotations::write("Link issues").idempotent();
    type Params = LinksCreateParams;
    type Result = IssueLink;
}

/// Params of `links/create`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinksCreateParams {
    /// The issue the phrase starts from.
    pub from: String,
    /// A type's name (`Blocks`) or one of its phrases: the outward one reads `from` → `to`
    /// (`blocks`), the inward one the other way (`is blocked by`).
    #[serde(rename = "type")]
    pub link_type: String,
    /// The issue the phrase points at.
    pub to: String,
    /// A comment (Markdown) added to `to` with the link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Removes an issue link.
pub enum LinksDelete {}
impl Request for LinksDelete {
    const METHOD: &'static str = "links/delete";
    const ANNOTATIONS: Annotations = Annotations::write("Delete link").destructive().idempotent();
    type Params = LinksDeleteParams;
    type Result = Empty;
}

/// Params of `links/delete`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinksDeleteParams {
    /// The link's id (from `links/list`).
    pub id: String,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Adds or replaces a remote link.
pub enum LinksAddRemote {}
impl Request for LinksAddRemote {
    const METHOD: &'static str = "links/addRemote";
    const ANNOTATIONS: Annotations = Annotations::write("Add remote link")
        .destructive()
        .idempotent();
    type Params = LinksAddRemoteParams;
    type Result = RemoteLinkSaved;
}

/// Params of `links/addRemote`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinksAddRemoteParams {
    /// Issue key or id.
    pub key: String,
    /// An absolute URL.
    pub url: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// How the issue relates to it (default `links to`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationship: Option<String>,
    /// Your identity for the link (at most 255 characters): adding one the issue has replaces it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub global_id: Option<String>,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// A remote link saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RemoteLinkSaved {
    pub id: String,
    /// `false` when a link with the same globalId was replaced.
    pub created: bool,
}

/// Removes remote links.
pub enum LinksDeleteRemote {}
impl Request for LinksDeleteRemote {
    const METHOD: &'static str = "links/deleteRemote";
    const ANNOTATIONS: Annotations = Annotations::write("Delete remote link")
        .destructive()
        .idempotent();
    type Params = LinksDeleteRemoteParams;
    type Result = Empty;
}

/// Params of `links/deleteRemote`: `id` or `globalId`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinksDeleteRemoteParams {
    /// Issue key or id.
    pub key: String,
    /// The remote link's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Removes every remote link of the issue with this globalId.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub global_id: Option<String>,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}
