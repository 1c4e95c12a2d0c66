//! Watchers and votes: `/issue/{key}/watchers` and `/issue/{key}/votes`. Cloud names users by
//! accountId, Data Center by username, in the add body (a bare JSON string) and the remove query.

use reqwest::Method;
use serde_json::Value;

use super::client::JiraClient;
use super::http::Call;
use super::{Flavor, JiraError};

impl JiraClient {
    /// `{watchCount, isWatching, watchers}`.
    pub async fn watchers(&self, key: &str) -> Result<Value, JiraError> {
        self.get(&["issue", key, "watchers"], &[], "issue/{key}/watchers")
            .await
    }

    /// Adds `user` (an id as [`Self::user_id`] gives it) as a watcher.
    pub async fn add_watcher(&self, key: &str, user: &str) -> Result<(), JiraError> {
        let call = Call::new(
            Method::POST,
            self.url(&["issue", key, "watchers"], &[])?,
            "issue/{key}/watchers",
        )
        .issue(key)
        .body(Value::String(user.to_owned()));
        self.send(call).await.map(drop)
    }

    /// Removes `user` from the watchers (no error if they were not watching).
    pub async fn remove_watcher(&self, key: &str, user: &str) -> Result<(), JiraError> {
        let param = match self.site.flavor {
            Flavor::Cloud => "accountId",
            Flavor::DataCenter => "username",
        };
        let call = Call::new(
            Method::DELETE,
            self.url(&["issue", key, "watchers"], &[(param, user.to_owned())])?,
            "issue/{key}/watchers",
        )
        .issue(key);
        self.send(call).await.map(drop)
    }

    /// `{votes, hasVoted, voters}`.
    pub async fn votes(&self, key: &str) -> Result<Value, JiraError> {
        self.get(&["issue", key, "votes"], &[], "issue/{key}/votes")
            .await
    }

    /// Votes (`up`) or takes the vote back.
    pub async fn vote(&self, key: &str, up: bool) -> Result<(), JiraError> {
        let method = if up { Method::POST } else { Method::DELETE };
        let call = Call::new(
            method,
            self.url(&["issue", key, "votes"], &[])?,
            "issue/{key}/votes",
        )
        .issue(key);
        self.send(call).await.map(drop)
    }
}
