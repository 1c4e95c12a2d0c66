//! JQL for editors and other clients: `jql/autocomplete`, the fields, operators and functions a
//! query can use, and `jql/validate`, Jira's own verdict on a query with the positions its
//! messages give.

use crate::openrpc::MethodDoc;
use crate::{Annotations, Request};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The family's entries in the OpenRPC document.
pub fn docs() -> Vec<MethodDoc> {
    vec![
        MethodDoc::request::<JqlAutocomplete>(
            "The fields (with their operators), functions and reserved words JQL queries can use",
        ),
        MethodDoc::request::<JqlValidate>(
            "Checks a JQL query with Jira (syntax, fields, values): its errors, with line and character where Jira gives them",
        ),
    ]
}

/// What JQL queries can use: Jira's `jql/autocompletedata`.
pub enum JqlAutocomplete {}
impl Request for JqlAutocomplete {
    const METHOD: &'static str = "jql/autocomplete";
    const ANNOTATIONS: Annotations = Annotations::read("JQL fields and functions");
    type Params = JqlAutocompleteParams;
    type Result = JqlReference;
}

/// Params of `jql/autocomplete`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JqlAutocompleteParams {
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Result of `jql/autocomplete`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JqlReference {
    /// Fields usable in queries.
    pub fields: Vec<JqlField>,
    /// Functions, with their parentheses (`currentUser()`).
    pub functions: Vec<String>,
    /// Words JQL reserves.
    pub reserved_words: Vec<String>,
}

/// A field usable in JQL.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JqlField {
    /// What a query writes (`status`, `cf[10020]`).
    pub name: String,
    /// What people read (`Status`, `Sprint - cf[10020]`).
    pub display_name: String,
    /// Its operators (`=`, `in`, `~`, …).
    pub operators: Vec<String>,
    /// Usable in `ORDER BY`.
    pub orderable: bool,
}

/// Checks a JQL query with Jira.
pub enum JqlValidate {}
impl Request for JqlValidate {
    const METHOD: &'static str = "jql/validate";
    const ANNOTATIONS: Annotations = Annotations::read("Validate JQL");
    type Params = JqlValidateParams;
    type Result = JqlValidation;
}

/// Params of `jql/validate`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JqlValidateParams {
    /// The query.
    pub jql: String,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Result of `jql/validate`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JqlValidation {
    /// No errors.
    pub valid: bool,
    /// Jira's errors, in its words.
    pub errors: Vec<JqlError>,
}

/// One error Jira found in a query.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JqlError {
    /// Jira's message.
    pub message: String,
    /// 1-based line, when the message gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based character within the line, when the message gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub character: Option<u32>,
}
