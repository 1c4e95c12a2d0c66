//! `boards/list`, `boards/get`, `boards/backlog`, `epics/list`, `epics/issues`,
//! `epics/moveIssues`, `issues/setParent`: params to the agile service (`service/boards.rs` reads,
//! `service/sprints.rs` moves) and back.

use super::issues::list_in;
use super::{jira, ApiError};
use crate::jira::{JiraError, MoveTarget};
use crate::rpc::Routes;
use crate::rpc::{Ctx, Register};
use crate::service::boards as agile;
use crate::service::sprints::{self, Outcome};
use crate::service::state::AppState;
use jirad_protocol::agile::{MoveItem, MoveResult, MoveStatus, MAX_MOVE};
use jirad_protocol::boards::*;
use jirad_protocol::issues::IssuesListResult;
use serde_json::{json, Value};

/// Registers the family.
pub fn register_all(m: &mut Routes<AppState>) {
    m.request::<BoardsList>(list)
        .request::<BoardsGet>(get)
        .request::<BoardsBacklog>(backlog)
        .request::<EpicsList>(epics)
        .request::<EpicsIssues>(epic_issues)
        .request::<EpicsMoveIssues>(epic_move)
        .request::<IssuesSetParent>(set_parent);
}

async fn list(p: BoardsListParams, cx: Ctx<AppState>) -> Result<BoardsListResult, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let page = (p.page_token, p.limit);
    let board_type = p.board_type.map(BoardType::as_str);
    let boards = agile::boards(&cx.app, &s, p.project, board_type, p.name, page, p.fresh).await?;
    Ok(BoardsListResult {
        boards: boards.values,
        next_page_token: boards.next_page_token,
        is_last: boards.is_last,
    })
}

async fn get(p: BoardsGetParams, cx: Ctx<AppState>) -> Result<BoardConfiguration, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    agile::configuration(&cx.app, &s, p.board_id, p.fresh).await
}

async fn backlog(p: BoardsBacklogParams, cx: Ctx<AppState>) -> Result<IssuesListResult, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let scope = agile::backlog_scope(p.board_id);
    list_in(&cx, &s, p.into_list(), scope).await
}

async fn epics(p: EpicsListParams, cx: Ctx<AppState>) -> Result<EpicsListResult, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let page = (p.page_token, p.limit);
    let epics = agile::epics(&cx.app, &s, p.board_id, p.done, page, p.fresh).await?;
    Ok(EpicsListResult {
        epics: epics.values,
        next_page_token: epics.next_page_token,
        is_last: epics.is_last,
    })
}

async fn epic_issues(
    p: EpicsIssuesParams,
    cx: Ctx<AppState>,
) -> Result<IssuesListResult, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let scope = agile::epic_scope(&s, &p.epic);
    list_in(&cx, &s, p.into_list(), scope).await
}

async fn epic_move(p: EpicsMoveIssuesParams, cx: Ctx<AppState>) -> Result<MoveResult, ApiError> {
    check_count(&p.issues)?;
    let s = jira(&cx, p.profile.as_deref()).await?;
    let to = match p.epic.trim() {
        e if e.eq_ignore_ascii_case("none") => MoveTarget::NoEpic,
        "" => return Err(JiraError::invalid_field("epic", "give an epic key or \"none\"").into()),
        e => MoveTarget::Epic(e),
    };
    let outcomes = sprints::move_issues(&cx.app, &s, to, &p.issues).await;
    Ok(move_result(&p.issues, outcomes))
}

async fn set_parent(
    p: IssuesSetParentParams,
    cx: Ctx<AppState>,
) -> Result<jirad_protocol::issues::Empty, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let parent = match p.parent.trim() {
        "" => return Err(JiraError::invalid_field("parent", "give a key or \"none\"").into()),
        none if none.eq_ignore_ascii_case("none") => None,
        key => Some(key),
    };
    sprints::set_parent(&cx.app, &s, &p.key, parent).await?;
    Ok(jirad_protocol::issues::Empty {})
}

/// 1 to [`MAX_MOVE`] issues, or `invalidFields` naming `issues`.
pub(super) fn check_count(issues: &[String]) -> Result<(), ApiError> {
    if issues.is_empty() || issues.len() > MAX_MOVE {
        return Err(JiraError::invalid_field(
            "issues",
            format!("give 1 to {MAX_MOVE} issues ({} given)", issues.len()),
        )
        .into());
    }
    Ok(())
}

/// The per-issue reply of a move or rank.
pub(super) fn move_result(issues: &[String], outcomes: Vec<Outcome>) -> MoveResult {
    let mut result = MoveResult {
        moved: 0,
        failed: 0,
        results: Vec::with_capacity(outcomes.len()),
    };
    for ((index, issue), outcome) in (0u32..).zip(issues).zip(outcomes) {
        let (status, error) = match outcome {
            Outcome::Moved => (MoveStatus::Moved, None),
            Outcome::Refused(e) => (MoveStatus::Refused, Some(e)),
            Outcome::Unknown(e) => (MoveStatus::OutcomeUnknown, Some(e)),
        };
        match status {
            MoveStatus::Moved => result.moved += 1,
            _ => result.failed += 1,
        }
        let error = error.map(|e| {
            let mut data = e.data;
            data.insert("kind".into(), json!(e.kind.as_str()));
            data.insert("message".into(), json!(e.message));
            Value::Object(data)
        });
        result.results.push(MoveItem {
            index,
            issue: issue.clone(),
            status,
            error,
        });
    }
    result
}
