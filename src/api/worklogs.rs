//! `worklogs/list`, `worklogs/add`, `worklogs/update`, `worklogs/delete`: params to
//! `service/worklogs.rs` and back.

use super::{jira, ApiError};
use crate::rpc::Routes;
use crate::rpc::{Ctx, Register};
use crate::service::state::AppState;
use crate::service::worklogs;
use jirad_protocol::issues::Empty;
use jirad_protocol::worklogs::*;

/// Registers the family.
pub fn register_all(m: &mut Routes<AppState>) {
    m.request::<WorklogsList>(list)
        .request::<WorklogsAdd>(add)
        .request::<WorklogsUpdate>(update)
        .request::<WorklogsDelete>(delete);
}

async fn list(p: WorklogsListParams, cx: Ctx<AppState>) -> Result<WorklogPage, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    worklogs::list(&cx.app, &s, &p.key, p.fresh).await
}

async fn add(p: WorklogsAddParams, cx: Ctx<AppState>) -> Result<Worklog, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    worklogs::add(&cx.app, &s, &p).await
}

async fn update(p: WorklogsUpdateParams, cx: Ctx<AppState>) -> Result<Worklog, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    worklogs::update(&cx.app, &s, &p).await
}

async fn delete(p: WorklogsDeleteParams, cx: Ctx<AppState>) -> Result<Empty, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    worklogs::delete(&cx.app, &s, &p).await?;
    Ok(Empty {})
}
