//! `links/types`, `links/list`, `links/create`, `links/delete`, `links/addRemote`,
//! `links/deleteRemote`: params to `service/links.rs` and back.

use super::{jira, ApiError};
use crate::rpc::Routes;
use crate::rpc::{Ctx, Register};
use crate::service::links;
use crate::service::state::AppState;
use jirad_protocol::issues::Empty;
use jirad_protocol::links::*;

/// Registers the family.
pub fn register_all(m: &mut Routes<AppState>) {
    m.request::<LinksTypes>(types)
        .request::<LinksList>(list)
        .request::<LinksCreate>(create)
        .request::<LinksDelete>(delete)
        .request::<LinksAddRemote>(add_remote)
        .request::<LinksDeleteRemote>(delete_remote);
}

async fn types(p: LinksTypesParams, cx: Ctx<AppState>) -> Result<Vec<LinkType>, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    links::types(&s).await
}

async fn list(p: LinksListParams, cx: Ctx<AppState>) -> Result<IssueLinks, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    links::list(&cx.app, &s, &p.key, p.fresh).await
}

async fn create(p: LinksCreateParams, cx: Ctx<AppState>) -> Result<IssueLink, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let comment = p.comment.as_deref();
    links::create(&cx.app, &s, &p.link_type, &p.from, &p.to, comment).await
}

async fn delete(p: LinksDeleteParams, cx: Ctx<AppState>) -> Result<Empty, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    links::delete(&cx.app, &s, &p.id).await?;
    Ok(Empty {})
}

async fn add_remote(
    p: LinksAddRemoteParams,
    cx: Ctx<AppState>,
) -> Result<RemoteLinkSaved, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    links::add_remote(&cx.app, &s, &p).await
}

async fn delete_remote(p: LinksDeleteRemoteParams, cx: Ctx<AppState>) -> Result<Empty, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let (id, global_id) = (p.id.as_deref(), p.global_id.as_deref());
    links::delete_remote(&cx.app, &s, &p.key, id, global_id).await?;
    Ok(Empty {})
}
