//! Project versions and components: `/project/{p}/versions`, `/version`, `/project/{p}/components`,
//! `/component` (Cloud v3 and Data Center v2 alike).

use reqwest::Method;
use serde_json::Value;

use super::client::JiraClient;
use super::http::Call;
use super::JiraError;

impl JiraClient {
    /// Every version of a project.
    pub async fn versions(&self, project: &str) -> Result<Vec<Value>, JiraError> {
        let v = self
            .get(
                &["project", project, "versions"],
                &[],
                "project/{p}/versions",
            )
            .await?;
        Ok(v.as_array().cloned().unwrap_or_default())
    }

    /// `POST version`.
    pub async fn create_version(&self, body: Value) -> Result<Value, JiraError> {
        let call = Call::new(Method::POST, self.url(&["version"], &[])?, "version").body(body);
        self.send(call).await
    }

    /// `PUT version/{id}`.
    pub async fn update_version(&self, id: &str, body: Value) -> Result<Value, JiraError> {
        let call = Call::new(
            Method::PUT,
            self.url(&["version", id], &[])?,
            "version/{id}",
        )
        .body(body);
        self.send(call).await
    }

    /// Every component of a project.
    pub async fn components(&self, project: &str) -> Result<Vec<Value>, JiraError> {
        let v = self
            .get(
                &["project", project, "components"],
                &[],
                "project/{p}/components",
            )
            .await?;
        Ok(v.as_array().cloned().unwrap_or_default())
    }

    /// `POST component`.
    pub async fn create_component(&self, body: Value) -> Result<Value, JiraError> {
        let call = Call::new(Method::POST, self.url(&["component"], &[])?, "component").body(body);
        self.send(call).await
    }
}
