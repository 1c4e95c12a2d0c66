//! `projects/list`, `projects/issueTypes`, `users/me`, `users/search`: params to
//! `service/projects.rs` and back.

use super::{jira, ApiError};
use crate::rpc::Routes;
use crate::rpc::{Ctx, Register};
use crate::service::projects;
use crate::service::state::AppState;
use jirad_protocol::projects::*;

/// Registers the family.
pub fn register_all(m: &mut Routes<AppState>) {
    m.request::<ProjectsList>(list)
        .request::<ProjectsIssueTypes>(issue_types)
        .request::<UsersMe>(me)
        .request::<UsersSearch>(search_users);
}

async fn list(p: ProjectsListParams, cx: Ctx<AppState>) -> Result<Vec<ProjectInfo>, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    projects::list(&cx.app, &s, p.query, p.fresh).await
}

async fn issue_types(
    p: ProjectsIssueTypesParams,
    cx: Ctx<AppState>,
) -> Result<Vec<IssueTypeInfo>, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    projects::issue_types(&cx.app, &s, &p.project, p.fresh).await
}

async fn me(p: UsersMeParams, cx: Ctx<AppState>) -> Result<UserInfo, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    projects::me(&s).await
}

async fn search_users(p: UsersSearchParams, cx: Ctx<AppState>) -> Result<Vec<UserInfo>, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    projects::search_users(&s, &p.query).await
}
