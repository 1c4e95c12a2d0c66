//! `watchers/list`, `watchers/add`, `watchers/remove`, `votes/get`, `votes/add`, `votes/remove`:
//! params to `service/watchers.rs` and back.

use super::{jira, ApiError};
use crate::rpc::Routes;
use crate::rpc::{Ctx, Register};
use crate::service::state::AppState;
use crate::service::watchers;
use jirad_protocol::watchers::*;

/// Registers the family.
pub fn register_all(m: &mut Routes<AppState>) {
    m.request::<WatchersList>(list)
        .request::<WatchersAdd>(add)
        .request::<WatchersRemove>(remove)
        .request::<VotesGet>(votes)
        .request::<VotesAdd>(vote)
        .request::<VotesRemove>(unvote);
}

async fn list(p: IssueParams, cx: Ctx<AppState>) -> Result<Watchers, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    watchers::list(&s, &p.key).await
}

async fn add(p: WatcherParams, cx: Ctx<AppState>) -> Result<Watchers, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    watchers::add(&s, &p.key, p.user.as_deref()).await
}

async fn remove(p: WatcherParams, cx: Ctx<AppState>) -> Result<Watchers, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    watchers::remove(&s, &p.key, p.user.as_deref()).await
}

async fn votes(p: IssueParams, cx: Ctx<AppState>) -> Result<Votes, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    watchers::votes(&s, &p.key).await
}

async fn vote(p: IssueParams, cx: Ctx<AppState>) -> Result<Votes, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    watchers::vote(&s, &p.key, true).await
}

async fn unvote(p: IssueParams, cx: Ctx<AppState>) -> Result<Votes, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    watchers::vote(&s, &p.key, false).await
}
