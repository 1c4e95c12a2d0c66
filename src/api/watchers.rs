//! `watchers/list`, `watchers/add`, `watchers/remove`, `votes/get`, `votes/add`, `votes/remove`.
//! Writes answer the state after them, read back from Jira.

use crate::service::projects::user_ref;
use super::{jira, ApiError};
use crate::jira::JiraError;
use crate::rpc::Routes;
use crate::rpc::{Ctx, Register};
use crate::service::state::AppState;
use jirad_protocol::watchers::*;
use serde_json::Value;

/// Registers the family.
pub fn register_all(m: &mut Routes<AppState>) {
    m.request::<WatchersList>(list)
        .request::<WatchersAdd>(add)
        .request::<WatchersRemove>(remove)
        .request::<VotesGet>(votes)
        .request::<VotesAdd>(vote)
        .request::<VotesRemove>(unvote);
}

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

async fn list(p: IssueParams, cx: Ctx<AppState>) -> Result<Watchers, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    Ok(watchers_of(&s.client.watchers(&p.key).await?))
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

async fn add(p: WatcherParams, cx: Ctx<AppState>) -> Result<Watchers, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let who = user_id(&s.client, p.user.as_deref()).await?;
    s.client.add_watcher(&p.key, &who).await?;
    Ok(watchers_of(&s.client.watchers(&p.key).await?))
}

async fn remove(p: WatcherParams, cx: Ctx<AppState>) -> Result<Watchers, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let who = user_id(&s.client, p.user.as_deref()).await?;
    s.client.remove_watcher(&p.key, &who).await?;
    Ok(watchers_of(&s.client.watchers(&p.key).await?))
}

async fn votes(p: IssueParams, cx: Ctx<AppState>) -> Result<Votes, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    Ok(votes_of(&s.client.votes(&p.key).await?))
}

async fn vote(p: IssueParams, cx: Ctx<AppState>) -> Result<Votes, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    s.client.vote(&p.key, true).await?;
    Ok(votes_of(&s.client.votes(&p.key).await?))
}

async fn unvote(p: IssueParams, cx: Ctx<AppState>) -> Result<Votes, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    s.client.vote(&p.key, false).await?;
    Ok(votes_of(&s.client.votes(&p.key).await?))
}
