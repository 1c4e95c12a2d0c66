//! Jira Software reads through the shared cache: boards and their configuration live as long as
//! metadata (`meta_ttl`), sprints and epics as long as lists (`list_ttl`, and evicted by writes
//! through the daemon). Also the JQL that scopes an issue list to a sprint, a board's backlog or
//! an epic, and a board's status → column map.

use super::cached::read_through;
use super::projects::text;
use super::state::AppState;
use super::{ApiError, JiraSession};
use crate::cache::{CacheKey, FieldSet, ListKey, MetaKey, ProjectScope};
use crate::jira::{jql, AgilePage, Flavor};
use jirad_protocol::agile::AgileReason;
use jirad_protocol::boards::{Board, BoardConfiguration, Column, ColumnStatus, Epic, Estimation};
use jirad_protocol::sprints::Sprint;
use jirad_protocol::ErrorKind;
use serde::Serialize;
use serde_json::Value;

/// Where a scoped issue list searches: within a JQL condition, or within a Jira Software issue
/// list (its path under `/rest/agile/1.0`), or both; the default is the whole site.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub jql: Option<String>,
    pub route: Vec<String>,
}

/// A page of an agile list, mapped.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Page<T> {
    pub values: Vec<T>,
    pub next_page_token: Option<String>,
    pub is_last: bool,
}

fn page_of<T>(p: AgilePage, f: impl Fn(&Value) -> T) -> Page<T> {
    Page {
        values: p.values.iter().map(f).collect(),
        next_page_token: p.next_page_token,
        is_last: p.is_last,
    }
}

fn opt_text(v: &Value) -> Option<String> {
    Some(text(v)).filter(|t| !t.is_empty())
}

/// A number, or a string holding one.
fn number(v: &Value) -> Option<u64> {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

/// The project key of a board's `location` (the board list's and the configuration's shapes).
fn location_project(loc: &Value) -> Option<String> {
    ["projectKey", "key", "projectKeyOrId"]
        .iter()
        .find_map(|k| opt_text(&loc[*k]))
}

pub fn board_of(v: &Value) -> Board {
    Board {
        id: number(&v["id"]).unwrap_or(0),
        name: text(&v["name"]),
        board_type: text(&v["type"]),
        project: location_project(&v["location"]),
    }
}

/// A sprint as Jira's agile API gives it.
pub fn sprint_of(v: &Value) -> Sprint {
    Sprint {
        id: number(&v["id"]).unwrap_or(0),
        name: text(&v["name"]),
        state: text(&v["state"]).to_lowercase(),
        board_id: number(&v["originBoardId"]),
        goal: opt_text(&v["goal"]),
        start_date: opt_text(&v["startDate"]),
        end_date: opt_text(&v["endDate"]),
        complete_date: opt_text(&v["completeDate"]),
    }
}

pub fn epic_of(v: &Value) -> Epic {
    Epic {
        id: text(&v["id"]),
        key: text(&v["key"]),
        name: text(&v["name"]),
        summary: opt_text(&v["summary"]),
        done: v["done"].as_bool().unwrap_or(false),
        color: opt_text(&v["color"]["key"]),
    }
}

/// A board's configuration, its columns' statuses named from the site's `statuses` when known.
pub fn configuration_of(v: &Value, statuses: &[Value]) -> BoardConfiguration {
    let name_of = |id: &str| {
        statuses
            .iter()
            .find(|s| text(&s["id"]) == id)
            .and_then(|s| opt_text(&s["name"]))
    };
    let columns = v["columnConfig"]["columns"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|c| Column {
            name: text(&c["name"]),
            statuses: c["statuses"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|s| {
                    let id = text(&s["id"]);
                    ColumnStatus {
                        name: name_of(&id),
                        id,
                    }
                })
                .collect(),
            min: number(&c["min"]).and_then(|n| u32::try_from(n).ok()),
            max: number(&c["max"]).and_then(|n| u32::try_from(n).ok()),
        })
        .collect();
    let est = &v["estimation"];
    let estimation = opt_text(&est["type"]).map(|t| Estimation {
        estimation_type: t,
        field_id: opt_text(&est["field"]["fieldId"]),
        display_name: opt_text(&est["field"]["displayName"]),
    });
    let rank = &v["ranking"]["rankCustomFieldId"];
    BoardConfiguration {
        id: number(&v["id"]).unwrap_or(0),
        name: text(&v["name"]),
        board_type: text(&v["type"]),
        project: location_project(&v["location"]),
        filter_id: opt_text(&v["filter"]["id"]),
        columns,
        estimation,
        rank_field_id: number(rank).map(|n| format!("customfield_{n}")),
    }
}

/// Metadata-lived: boards and configurations change rarely.
fn meta_key(what: &str, args: &impl Serialize) -> CacheKey {
    let args = serde_json::to_string(args).unwrap_or_default();
    CacheKey::Meta(MetaKey::Other(format!("agile {what} {args}")))
}

/// List-lived, and evicted by every write in the namespace: sprints and epics change.
fn list_key(what: &str, args: &impl Serialize) -> CacheKey {
    let args = serde_json::to_string(args).unwrap_or_default();
    let key = ListKey::new(
        &format!("agile {what} {args}"),
        &FieldSet::All,
        None,
        None,
        "",
    );
    CacheKey::List(key.with_scope(ProjectScope::Unknown))
}

/// `boards/list`.
pub async fn boards(
    app: &AppState,
    s: &JiraSession,
    project: Option<String>,
    board_type: Option<&'static str>,
    name: Option<String>,
    page: (Option<String>, Option<u32>),
    fresh: bool,
) -> Result<Page<Board>, ApiError> {
    let key = meta_key("boards", &(&project, board_type, &name, &page));
    let client = s.client.clone();
    read_through(&app.cache, &s.ns, key, fresh, move || async move {
        let (token, limit) = page;
        let p = client
            .boards(
                project.as_deref(),
                board_type,
                name.as_deref(),
                token.as_deref(),
                limit,
            )
            .await?;
        Ok(page_of(p, board_of))
    })
    .await
}

/// `boards/get`: the configuration, its statuses named when the site lists them.
pub async fn configuration(
    app: &AppState,
    s: &JiraSession,
    board: u64,
    fresh: bool,
) -> Result<BoardConfiguration, ApiError> {
    let key = meta_key("configuration", &board);
    let client = s.client.clone();
    read_through(&app.cache, &s.ns, key, fresh, move || async move {
        let v = client.board_configuration(board).await?;
        // Names are a courtesy: a site that does not list its statuses still has ids.
        let statuses = client.statuses().await.unwrap_or_default();
        let mut config = configuration_of(&v, &statuses);
        let loc = &v["location"];
        if loc["key"].is_null() && loc["projectKey"].is_null() {
            // The configuration may name its project by id only; the board names it by key.
            let b = client.board(board).await?;
            config.project = location_project(&b["location"]).or(config.project);
        }
        Ok(config)
    })
    .await
}

/// A board's columns as the status each issue shows maps to them: `(column, status ids and
/// names)`, left to right. A live board places an issue by its status's id or name.
pub async fn status_columns(
    app: &AppState,
    s: &JiraSession,
    board: u64,
) -> Result<Vec<(String, Vec<ColumnStatus>)>, ApiError> {
    let config = configuration(app, s, board, false).await?;
    Ok(config
        .columns
        .into_iter()
        .map(|c| (c.name, c.statuses))
        .collect())
}

/// The column a status (by id or name, as issues carry it) is shown in.
pub fn column_of<'a>(columns: &'a [(String, Vec<ColumnStatus>)], status: &str) -> Option<&'a str> {
    columns.iter().find_map(|(column, statuses)| {
        statuses
            .iter()
            .any(|s| {
                s.id == status
                    || s.name
                        .as_deref()
                        .is_some_and(|n| n.eq_ignore_ascii_case(status))
            })
            .then_some(column.as_str())
    })
}

/// `sprints/list`.
pub async fn sprints(
    app: &AppState,
    s: &JiraSession,
    board: u64,
    states: Vec<&'static str>,
    page: (Option<String>, Option<u32>),
    fresh: bool,
) -> Result<Page<Sprint>, ApiError> {
    let key = list_key("sprints", &(board, &states, &page));
    let client = s.client.clone();
    read_through(&app.cache, &s.ns, key, fresh, move || async move {
        let (token, limit) = page;
        let p = client
            .board_sprints(board, &states, token.as_deref(), limit)
            .await?;
        Ok(page_of(p, sprint_of))
    })
    .await
    .map_err(with_reason)
}

/// A read's error with the agile rule it broke (a kanban board has no sprints).
fn with_reason(e: ApiError) -> ApiError {
    let text = e.message.to_lowercase();
    if e.kind == ErrorKind::InvalidFields && text.contains("support sprint") {
        return e.with("reason", AgileReason::BoardHasNoSprints.as_str());
    }
    e
}

/// `sprints/get`.
pub async fn sprint(
    app: &AppState,
    s: &JiraSession,
    sprint: u64,
    fresh: bool,
) -> Result<Sprint, ApiError> {
    let key = list_key("sprint", &sprint);
    let client = s.client.clone();
    read_through(&app.cache, &s.ns, key, fresh, move || async move {
        Ok(sprint_of(&client.sprint(sprint).await?))
    })
    .await
}

/// `epics/list`.
pub async fn epics(
    app: &AppState,
    s: &JiraSession,
    board: u64,
    done: Option<bool>,
    page: (Option<String>, Option<u32>),
    fresh: bool,
) -> Result<Page<Epic>, ApiError> {
    let key = list_key("epics", &(board, done, &page));
    let client = s.client.clone();
    read_through(&app.cache, &s.ns, key, fresh, move || async move {
        let (token, limit) = page;
        let p = client
            .board_epics(board, done, token.as_deref(), limit)
            .await?;
        Ok(page_of(p, epic_of))
    })
    .await
}

/// A sprint's issues, by JQL (which a watch can poll too); an unknown sprint is `notFound`, as
/// Jira's agile API says.
pub async fn sprint_scope(
    app: &AppState,
    s: &JiraSession,
    sprint_id: u64,
    fresh: bool,
) -> Result<Scope, ApiError> {
    sprint(app, s, sprint_id, fresh).await?;
    Ok(Scope {
        jql: Some(sprint_jql(sprint_id)),
        route: vec![],
    })
}

/// The JQL of a sprint's issues.
pub fn sprint_jql(sprint_id: u64) -> String {
    format!("sprint = {sprint_id}")
}

/// An epic's issues: on Cloud by JQL on `parent` (team-managed projects have no agile epic
/// routes); on Data Center Jira Software's epic list, which follows the Epic Link field.
pub fn epic_scope(s: &JiraSession, epic: &str) -> Scope {
    match s.client.site().flavor {
        Flavor::Cloud => Scope {
            jql: Some(format!("parent = {}", jql::quote(epic))),
            route: vec![],
        },
        Flavor::DataCenter => Scope {
            jql: None,
            route: vec!["epic".into(), epic.to_owned(), "issue".into()],
        },
    }
}

/// A board's backlog, as Jira Software defines it (its issues in no future or active sprint, not
/// in the last column, neither epics nor sub-tasks): Jira's own backlog list, searched with the
/// filters. An unknown board is `notFound`.
pub fn backlog_scope(board: u64) -> Scope {
    Scope {
        jql: None,
        route: vec!["board".into(), board.to_string(), "backlog".into()],
    }
}

/// The project of a board, for evicting its lists after a write (none when unknown).
pub async fn board_project(app: &AppState, s: &JiraSession, board: u64) -> Option<String> {
    configuration(app, s, board, false).await.ok()?.project
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_configuration_names_its_statuses_and_fields() {
        let v = json!({
            "id": 1, "name": "DEMO board", "type": "scrum",
            "location": {"type": "project", "key": "DEMO", "id": "10000"},
            "filter": {"id": "10000", "self": "x"},
            "columnConfig": {"columns": [
                {"name": "To Do", "statuses": [{"id": "1", "self": "x"}]},
                {"name": "Done", "statuses": [{"id": "5", "self": "x"}], "max": 4}
            ]},
            "estimation": {"type": "field", "field": {"fieldId": "customfield_10011", "displayName": "Story Points"}},
            "ranking": {"rankCustomFieldId": 10019}
        });
        let c = configuration_of(&v, &[json!({"id": "5", "name": "Done"})]);
        assert_eq!(c.project.as_deref(), Some("DEMO"));
        assert_eq!(c.filter_id.as_deref(), Some("10000"));
        assert_eq!(c.columns[1].statuses[0].name.as_deref(), Some("Done"));
        assert_eq!(c.columns[0].statuses[0].name, None);
        assert_eq!(c.columns[1].max, Some(4));
        assert_eq!(c.rank_field_id.as_deref(), Some("customfield_10019"));
        let columns: Vec<_> = c
            .columns
            .into_iter()
            .map(|c| (c.name, c.statuses))
            .collect();
        assert_eq!(column_of(&columns, "done"), Some("Done"));
        assert_eq!(column_of(&columns, "1"), Some("To Do"));
        assert_eq!(column_of(&columns, "7"), None);
    }

    #[test]
    fn dc_sprint_states_read_like_clouds() {
        let s = sprint_of(&json!({"id": 2, "name": "S", "state": "ACTIVE", "originBoardId": 1}));
        assert_eq!((s.state.as_str(), s.board_id), ("active", Some(1)));
    }
}
