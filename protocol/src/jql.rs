//! JQL for editors and other clients: `jql/autocomplete`, the fields, operators and functions a
//! query can use, `jql/suggest`, a field's values, and `jql/validate`, Jira's own verdict on a query with the positions its
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
        MethodDoc::request::<JqlSuggest>(
            "Values of a JQL field starting with what was typed (statuses, projects, users, labels, …), or of a WAS/CHANGED predicate (by: users; from, to: the field's values)",
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
    /// Ask Jira rather than the daemon's copy of the site's reference data (kept for the
    /// metadata lifetime).
    #[serde(default)]
    pub fresh: bool,
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

/// Values of a field: Jira's `jql/autocompletedata/suggestions`.
pub enum JqlSuggest {}
impl Request for JqlSuggest {
    const METHOD: &'static str = "jql/suggest";
    const ANNOTATIONS: Annotations = Annotations::read("JQL values");
    type Params = JqlSuggestParams;
    type Result = Vec<JqlSuggestion>;
}

/// Params of `jql/suggest`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JqlSuggestParams {
    /// The field (`status`, `cf[10020]`).
    pub field: String,
    /// What was typed of the value so far.
    #[serde(default)]
    pub value: String,
    /// Ask Jira rather than the daemon's copy (suggestions are kept per site, field and prefix
    /// for the metadata lifetime).
    #[serde(default)]
    pub fresh: bool,
    /// Suggest for this predicate of `field WAS …`/`field CHANGED …` instead: `by` gives
    /// users, `from` and `to` the field's values; `value` is then what was typed after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicate: Option<JqlPredicate>,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// A predicate of JQL's `WAS` and `CHANGED` whose values Jira suggests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum JqlPredicate {
    /// `BY`: who made the change.
    By,
    /// `FROM`: the value before.
    From,
    /// `TO`: the value after.
    To,
}

impl JqlPredicate {
    /// Jira's `predicateName`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::By => "by",
            Self::From => "from",
            Self::To => "to",
        }
    }
}

/// One value Jira suggests.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JqlSuggestion {
    /// What a query writes.
    pub value: String,
    /// What people read, as plain text (Jira's HTML markup removed).
    pub display_name: String,
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
