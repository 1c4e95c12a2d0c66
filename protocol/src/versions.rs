//! A project's versions (releases) and components: `versions/list`, `versions/create`,
//! `versions/update`, `components/list`, `components/create`. Issues name them in their
//! `fixVersions` and `components` fields.

use crate::openrpc::MethodDoc;
use crate::{Annotations, Request};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The family's entries in the OpenRPC document.
pub fn docs() -> Vec<MethodDoc> {
    vec![
        MethodDoc::request::<VersionsList>(
            "A project's versions, optionally only released or unreleased ones",
        ),
        MethodDoc::request::<VersionsCreate>("Creates a version in a project"),
        MethodDoc::request::<VersionsUpdate>(
            "Changes a version: name, dates, description; releases or archives it",
        ),
        MethodDoc::request::<ComponentsList>("A project's components"),
        MethodDoc::request::<ComponentsCreate>("Creates a component in a project"),
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
