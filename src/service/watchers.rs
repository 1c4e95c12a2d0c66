//! `watchers/list`, `watchers/add`, `watchers/remove`, `votes/get`, `votes/add`, `votes/remove`.
//! Writes answer the state after them, read back from Jira.

use super::projects::user_ref;
use super::{ApiError, JiraSession};
use crate::jira::JiraError;
use jirad_protocol::watchers::*;
use serde_json::Value;

fn watchers_of(v: &Value) -> Watchers {
    Watchers {
        watch_count: v["watchCount"].as_u64().unwrap_or(0),
        is_watching: v["isWatching"].as_bool().unwrap_or(false),
        watchers: v["watchers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(user_ref)
            .collect(),
    }
}

fn votes_of(v: &Value) -> Votes {
    Votes {
        votes: v["votes"].as_u64().unwrap_or(0),
        has_voted: v["hasVoted"].as_bool().unwrap_or(false),
        voters: v["voters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(user_ref)
            .collect(),
    }
}

/// An issue's watchers.
pub async fn list(s: &JiraSession, key: &str) -> Result<Watchers, ApiError> {
    Ok(watchers_of(&s.client.watchers(key).await?))
}

/// The user's id as Jira's watcher routes name them.
async fn user_id(client: &crate::jira::JiraClient, who: Option<&str>) -> Result<String, ApiError> {
    let user = client.resolve_user(who.unwrap_or("me")).await?;
    ["accountId", "name"]
        .iter()
        .find_map(|k| user[*k].as_str())
        .map(str::to_owned)
        .ok_or_else(|| JiraError::Protocol("a user without an id".into()).into())
}

/// Adds a watcher (the session's user when `who` is `None`); the watchers after.
pub async fn add(s: &JiraSession, key: &str, who: Option<&str>) -> Result<Watchers, ApiError> {
    let who = user_id(&s.client, who).await?;
    s.client.add_watcher(key, &who).await?;
    list(s, key).await
}

/// Removes a watcher (the session's user when `who` is `None`); the watchers after.
pub async fn remove(s: &JiraSession, key: &str, who: Option<&str>) -> Result<Watchers, ApiError> {
    let who = user_id(&s.client, who).await?;
    s.client.remove_watcher(key, &who).await?;
    list(s, key).await
}

/// An issue's votes.
pub async fn votes(s: &JiraSession, key: &str) -> Result<Votes, ApiError> {
    Ok(votes_of(&s.client.votes(key).await?))
}

/// Votes for an issue (`up`) or withdraws the vote; the votes after.
pub async fn vote(s: &JiraSession, key: &str, up: bool) -> Result<Votes, ApiError> {
    s.client.vote(key, up).await?;
    votes(s, key).await
}
