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

    /// `POST version/{id}/move`: `{"position"}` or `{"after": <self URL>}`.
    pub async fn move_version(&self, id: &str, body: Value) -> Result<Value, JiraError> {
        let call = Call::new(
            Method::POST,
            self.url(&["version", id, "move"], &[])?,
            "version/{id}/move",
        )
        .body(body);
        self.send(call).await
    }

    /// A version's `self` URL, as `move` takes it for `after`.
    pub fn version_url(&self, id: &str) -> Result<String, JiraError> {
        Ok(self.url(&["version", id], &[])?.to_string())
    }

    /// `PUT version/{id}/mergeto/{into}`.
    pub async fn merge_version(&self, id: &str, into: &str) -> Result<(), JiraError> {
        let call = Call::new(
            Method::PUT,
            self.url(&["version", id, "mergeto", into], &[])?,
            "version/{id}/mergeto/{into}",
        );
        self.send(call).await.map(drop)
    }

    /// `POST version/{id}/removeAndSwap`, Jira's delete that also takes the replacements (the
    /// plain `DELETE` is deprecated on Cloud).
    pub async fn delete_version(&self, id: &str, body: Value) -> Result<(), JiraError> {
        let call = Call::new(
            Method::POST,
            self.url(&["version", id, "removeAndSwap"], &[])?,
            "version/{id}/removeAndSwap",
        )
        .body(body);
        self.send(call).await.map(drop)
    }

    /// `PUT component/{id}`.
    pub async fn update_component(&self, id: &str, body: Value) -> Result<Value, JiraError> {
        let call = Call::new(
            Method::PUT,
            self.url(&["component", id], &[])?,
            "component/{id}",
        )
        .body(body);
        self.send(call).await
    }

    /// `DELETE component/{id}?moveIssuesTo=`.
    pub async fn delete_component(
        &self,
        id: &str,
        move_issues_to: Option<&str>,
    ) -> Result<(), JiraError> {
        let call = Call::new(
            Method::DELETE,
            self.url(
                &["component", id],
                &[(
                    "moveIssuesTo",
                    move_issues_to.unwrap_or_default().to_owned(),
                )],
            )?,
            "component/{id}",
        );
        self.send(call).await.map(drop)
    }
}
