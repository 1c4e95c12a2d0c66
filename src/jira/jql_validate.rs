//! JQL reference data (`/jql/autocompletedata`, on both flavors) and validation: Cloud's `POST /jql/parse?validation=strict`; Data Center has no parse route,
//! so a search of no results with `validateQuery=strict` stands in (a bad query is its 400).

use reqwest::Method;
use serde_json::{json, Value};

use super::client::JiraClient;
use super::http::Call;
use super::{Flavor, JiraError};

impl JiraClient {
    /// `{visibleFieldNames, visibleFunctionNames, jqlReservedWords}`.
    pub async fn jql_reference(&self) -> Result<Value, JiraError> {
        self.get(&["jql", "autocompletedata"], &[], "jql/autocompletedata")
            .await
    }

    /// `{results: [{value, displayName}]}` for a field's values starting with `value`, or with a
    /// `predicate` (`by`, `from`, `to`) that predicate's values: Jira takes the field with it.
    pub async fn jql_suggestions(
        &self,
        field: &str,
        value: &str,
        predicate: Option<&str>,
    ) -> Result<Value, JiraError> {
        let query = match predicate {
            None => vec![
                ("fieldName", field.to_owned()),
                ("fieldValue", value.to_owned()),
            ],
            Some(p) => vec![
                ("fieldName", field.to_owned()),
                ("predicateName", p.to_owned()),
                ("predicateValue", value.to_owned()),
            ],
        };
        self.get(
            &["jql", "autocompletedata", "suggestions"],
            &query,
            "jql/autocompletedata/suggestions",
        )
        .await
    }

    /// Jira's error messages for `jql` (none when it is valid).
    pub async fn validate_jql(&self, jql: &str) -> Result<Vec<String>, JiraError> {
        match self.site.flavor {
            Flavor::Cloud => {
                let call = Call::new(
                    Method::POST,
                    self.url(&["jql", "parse"], &[("validation", "strict".into())])?,
                    "jql/parse",
                )
                .body(json!({ "queries": [jql] }));
                let r = self.send(call).await?;
                Ok(r["queries"][0]["errors"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect())
            }
            Flavor::DataCenter => {
                let query = [
                    ("jql", jql.to_owned()),
                    ("maxResults", "0".into()),
                    ("validateQuery", "strict".into()),
                ];
                match self.get(&["search"], &query, "search").await {
                    Ok(_) => Ok(Vec::new()),
                    Err(JiraError::InvalidFields(m)) => Ok(m
                        .error_messages
                        .into_iter()
                        .chain(
                            m.errors
                                .values()
                                .filter_map(|v| v.as_str().map(str::to_owned)),
                        )
                        .collect()),
                    Err(e) => Err(e),
                }
            }
        }
    }
}
