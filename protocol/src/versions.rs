//! A project's versions (releases) and components: `versions/list`, `versions/create`,
//! `versions/update`, `versions/move`, `versions/merge`, `versions/delete`, `components/list`,
//! `components/create`, `components/update`, `components/delete`. Issues name them in their
//! `fixVersions`, `versions` (affects) and `components` fields.

use crate::issues::Empty;
use crate::openrpc::MethodDoc;
use crate::{Annotations, Request};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The family's entries in the OpenRPC document.
pub fn docs() -> Vec<MethodDoc> {
    vec![
        MethodDoc::request::<VersionsList>(
            "A project's versions, optionally only released or unreleased ones (cached as project metadata)",
        ),
        MethodDoc::request::<VersionsCreate>("Creates a version in a project"),
        MethodDoc::request::<VersionsUpdate>(
            "Changes a version: name, dates, description; releases or archives it",
        ),
        MethodDoc::request::<VersionsMove>(
            "Moves a version in its project's order: first, last, one earlier or later, or after another",
        ),
        MethodDoc::request::<VersionsMerge>(
            "Merges a version into another: its issues' fix version becomes the other, and it is deleted",
        ),
        MethodDoc::request::<VersionsDelete>(
            "Deletes a version; its issues lose it or get the replacements named",
        ),
        MethodDoc::request::<ComponentsList>(
            "A project's components (cached as project metadata)",
        ),
        MethodDoc::request::<ComponentsCreate>("Creates a component in a project"),
        MethodDoc::request::<ComponentsUpdate>("Renames a component or changes its description"),
        MethodDoc::request::<ComponentsDelete>(
            "Deletes a component; its issues lose it or get the replacement named",
        ),
    ]
}

/// A version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Version {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub released: bool,
    pub archived: bool,
    /// `yyyy-MM-dd`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_date: Option<String>,
    /// `yyyy-MM-dd`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
}

/// A component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Component {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Lists a project's versions.
pub enum VersionsList {}
impl Request for VersionsList {
    const METHOD: &'static str = "versions/list";
    const ANNOTATIONS: Annotations = Annotations::read("List versions");
    type Params = VersionsListParams;
    type Result = Vec<Version>;
}

/// Params of `versions/list`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VersionsListParams {
    /// Project key or id.
    pub project: String,
    /// Only released (`true`) or only unreleased (`false`) versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub released: Option<bool>,
    /// Archived versions too (default: not).
    #[serde(default)]
    pub archived: bool,
    /// Ask Jira even when the cache holds a fresh answer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fresh: bool,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Creates a version.
pub enum VersionsCreate {}
impl Request for VersionsCreate {
    const METHOD: &'static str = "versions/create";
    const ANNOTATIONS: Annotations = Annotations::write("Create version");
    type Params = VersionsCreateParams;
    type Result = Version;
}

/// Params of `versions/create`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VersionsCreateParams {
    /// Project key or id.
    pub project: String,
    /// Unique in the project.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `yyyy-MM-dd`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_date: Option<String>,
    /// `yyyy-MM-dd`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Changes a version.
pub enum VersionsUpdate {}
impl Request for VersionsUpdate {
    const METHOD: &'static str = "versions/update";
    const ANNOTATIONS: Annotations = Annotations::write("Update version")
        .destructive()
        .idempotent();
    type Params = VersionsUpdateParams;
    type Result = Version;
}

/// Params of `versions/update`: what is given changes.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VersionsUpdateParams {
    /// Version id.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `yyyy-MM-dd`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_date: Option<String>,
    /// `yyyy-MM-dd`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    /// Release (`true`) or unrelease it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub released: Option<bool>,
    /// Archive (`true`) or restore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived: Option<bool>,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Lists a project's components.
pub enum ComponentsList {}
impl Request for ComponentsList {
    const METHOD: &'static str = "components/list";
    const ANNOTATIONS: Annotations = Annotations::read("List components");
    type Params = ComponentsListParams;
    type Result = Vec<Component>;
}

/// Params of `components/list`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ComponentsListParams {
    /// Project key or id.
    pub project: String,
    /// Ask Jira even when the cache holds a fresh answer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fresh: bool,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Creates a component.
pub enum ComponentsCreate {}
impl Request for ComponentsCreate {
    const METHOD: &'static str = "components/create";
    const ANNOTATIONS: Annotations = Annotations::write("Create component");
    type Params = ComponentsCreateParams;
    type Result = Component;
}

/// Params of `components/create`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ComponentsCreateParams {
    /// Project key.
    pub project: String,
    /// Unique in the project, at most 255 characters.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Moves a version in its project's order.
pub enum VersionsMove {}
impl Request for VersionsMove {
    const METHOD: &'static str = "versions/move";
    const ANNOTATIONS: Annotations = Annotations::write("Reorder version");
    type Params = VersionsMoveParams;
    type Result = Version;
}

/// Where `versions/move` puts a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum VersionPosition {
    First,
    Last,
    Earlier,
    Later,
}

/// Params of `versions/move`: `position` or `after`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VersionsMoveParams {
    /// Version id.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<VersionPosition>,
    /// The id of the version to put it after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Merges a version into another. The merged version is gone, and which issues had it cannot
/// be told afterwards: irreversible.
pub enum VersionsMerge {}
impl Request for VersionsMerge {
    const METHOD: &'static str = "versions/merge";
    const ANNOTATIONS: Annotations = Annotations::write("Merge versions").irreversible();
    type Params = VersionsMergeParams;
    type Result = Empty;
}

/// Params of `versions/merge`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VersionsMergeParams {
    /// The version to merge away (deleted).
    pub id: String,
    /// The version its issues get instead, in the same project.
    pub into: String,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Deletes a version: irreversible.
pub enum VersionsDelete {}
impl Request for VersionsDelete {
    const METHOD: &'static str = "versions/delete";
    const ANNOTATIONS: Annotations = Annotations::write("Delete version").irreversible();
    type Params = VersionsDeleteParams;
    type Result = Empty;
}

/// Params of `versions/delete`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VersionsDeleteParams {
    /// Version id.
    pub id: String,
    /// The version (id, same project) issues fixed in this one get instead (default: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub move_fix_issues_to: Option<String>,
    /// The version (id, same project) issues affected by this one get instead (default: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub move_affected_issues_to: Option<String>,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Changes a component.
pub enum ComponentsUpdate {}
impl Request for ComponentsUpdate {
    const METHOD: &'static str = "components/update";
    const ANNOTATIONS: Annotations = Annotations::write("Update component")
        .destructive()
        .idempotent();
    type Params = ComponentsUpdateParams;
    type Result = Component;
}

/// Params of `components/update`: what is given changes.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ComponentsUpdateParams {
    /// Component id.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Deletes a component: irreversible.
pub enum ComponentsDelete {}
impl Request for ComponentsDelete {
    const METHOD: &'static str = "components/delete";
    const ANNOTATIONS: Annotations = Annotations::write("Delete component").irreversible();
    type Params = ComponentsDeleteParams;
    type Result = Empty;
}

/// Params of `components/delete`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ComponentsDeleteParams {
    /// Component id.
    pub id: String,
    /// The component (id, same project) its issues get instead (default: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub move_issues_to: Option<String>,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}
