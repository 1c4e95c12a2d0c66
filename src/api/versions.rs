//! `versions/*` and `components/*`: params to `service/versions.rs` and back.

use super::{jira, ApiError};
use crate::rpc::Routes;
use crate::rpc::{Ctx, Register};
use crate::service::state::AppState;
use crate::service::versions;
use jirad_protocol::issues::Empty;
use jirad_protocol::versions::*;

/// Registers the family.
pub fn register_all(m: &mut Routes<AppState>) {
    m.request::<VersionsList>(list)
        .request::<VersionsCreate>(create)
        .request::<VersionsUpdate>(update)
        .request::<VersionsMove>(move_version)
        .request::<VersionsMerge>(merge)
        .request::<VersionsDelete>(delete)
        .request::<ComponentsList>(components)
        .request::<ComponentsCreate>(create_component)
        .request::<ComponentsUpdate>(update_component)
        .request::<ComponentsDelete>(delete_component);
}

async fn list(p: VersionsListParams, cx: Ctx<AppState>) -> Result<Vec<Version>, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    versions::list(&cx.app, &s, &p.project, p.released, p.archived, p.fresh).await
}

async fn create(p: VersionsCreateParams, cx: Ctx<AppState>) -> Result<Version, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    versions::create(&cx.app, &s, &p).await
}

async fn update(p: VersionsUpdateParams, cx: Ctx<AppState>) -> Result<Version, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    versions::update(&cx.app, &s, &p).await
}

async fn move_version(p: VersionsMoveParams, cx: Ctx<AppState>) -> Result<Version, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    versions::move_version(&cx.app, &s, &p).await
}

async fn merge(p: VersionsMergeParams, cx: Ctx<AppState>) -> Result<Empty, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    versions::merge(&cx.app, &s, &p.id, &p.into).await?;
    Ok(Empty {})
}

async fn delete(p: VersionsDeleteParams, cx: Ctx<AppState>) -> Result<Empty, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    versions::delete(&cx.app, &s, &p).await?;
    Ok(Empty {})
}

async fn components(
    p: ComponentsListParams,
    cx: Ctx<AppState>,
) -> Result<Vec<Component>, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    versions::components(&cx.app, &s, &p.project, p.fresh).await
}

async fn create_component(
    p: ComponentsCreateParams,
    cx: Ctx<AppState>,
) -> Result<Component, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    versions::create_component(&cx.app, &s, &p).await
}

async fn update_component(
    p: ComponentsUpdateParams,
    cx: Ctx<AppState>,
) -> Result<Component, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    versions::update_component(&cx.app, &s, &p).await
}

async fn delete_component(p: ComponentsDeleteParams, cx: Ctx<AppState>) -> Result<Empty, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    versions::delete_component(&cx.app, &s, &p.id, p.move_issues_to.as_deref()).await?;
    Ok(Empty {})
}
