//! Jira Software's REST API (`/rest/agile/1.0/...`) on every flavour: boards and their
//! configuration, sprints (list, get, create, update with the state machine, delete), the issues of
//! a board, its backlog, a sprint and an epic (`agile_issues`), moving issues to a sprint, to the
//! backlog, into or out of an epic, and ranking them. Lists of boards, sprints and epics page as
//! `{maxResults,startAt,total,isLast,values}`; lists of issues as the search shape.

use axum::http::{Method, StatusCode};
use serde_json::{json, Map, Value};

use super::agile_issues as issues;
use crate::render::{Ctx, Flavor};
use crate::store::{Board, Inner, Sprint};
use crate::util::{empty, jira_err, jira_field_errs, json_resp, parse_json, Query, Resp};

/// Per-request context of an agile route: the platform context its nested objects (issues,
/// users, projects) are rendered with (REST v2, as Jira Software does), and the agile base URL.
pub struct Actx {
    /// Platform rendering context (`…/rest/api/2`).
    pub ctx: Ctx,
    /// `…/rest/agile/1.0`.
    pub base: String,
}

/// The most issues one move, rank or epic call takes.
pub const MAX_ISSUES: usize = 50;

/// The operation an agile request addresses (Jira Software's operationId), or `None`.
pub fn route(method: &Method, rest: &[&str]) -> Option<&'static str> {
    Some(match (method.as_str(), rest) {
        ("GET", ["board"]) => "getAllBoards",
        ("GET", ["board", _]) => "getBoard",
        ("GET", ["board", _, "configuration"]) => "getConfiguration",
        ("GET", ["board", _, "sprint"]) => "getAllSprints",
        ("GET", ["board", _, "sprint", _, "issue"]) => "getBoardIssuesForSprint",
        ("GET", ["board", _, "issue"]) => "getIssuesForBoard",
        ("GET", ["board", _, "backlog"]) => "getIssuesForBacklog",
        ("GET", ["board", _, "epic"]) => "getEpics",
        ("GET", ["board", _, "epic", "none", "issue"]) => "getIssuesWithoutEpicForBoard",
        ("GET", ["board", _, "epic", _, "issue"]) => "getBoardIssuesForEpic",
        ("POST", ["sprint"]) => "createSprint",
        ("GET", ["sprint", _]) => "getSprint",
        ("POST", ["sprint", _]) => "partiallyUpdateSprint",
        ("PUT", ["sprint", _]) => "updateSprint",
        ("DELETE", ["sprint", _]) => "deleteSprint",
        ("GET", ["sprint", _, "issue"]) => "getIssuesForSprint",
        ("POST", ["sprint", _, "issue"]) => "moveIssuesToSprintAndRank",
        ("POST", ["backlog", "issue"]) => "moveIssuesToBacklog",
        ("PUT", ["issue", "rank"]) => "rankIssues",
        ("GET", ["issue", _]) => "getIssue",
        ("GET", ["epic", "none", "issue"]) => "getIssuesWithoutEpic",
        ("POST", ["epic", "none", "issue"]) => "removeIssuesFromEpic",
        ("GET", ["epic", _]) => "getEpic",
        ("GET", ["epic", _, "issue"]) => "getIssuesForEpic",
        ("POST", ["epic", _, "issue"]) => "moveIssuesToEpic",
        _ => return None,
    })
}

/// Runs an agile route. `rest` is the path after `/rest/agile/1.0/`.
pub fn dispatch(
    a: &Actx,
    inner: &mut Inner,
    method: &Method,
    rest: &[&str],
    q: &Query,
    body: &[u8],
) -> Resp {
    let Some(op) = route(method, rest) else {
        return jira_err(
            StatusCode::NOT_FOUND,
            &format!("null for uri: /rest/agile/1.0/{}", rest.join("/")),
        );
    };
    macro_rules! json_body {
        () => {
            match parse_json(body) {
                Ok(v) => v,
                Err(r) => return r,
            }
        };
    }
    macro_rules! board {
        ($s:expr) => {
            match board_of(inner, $s) {
                Ok(b) => b.clone(),
                Err(r) => return r,
            }
        };
    }
    macro_rules! sprint {
        ($s:expr) => {
            match sprint_of(inner, $s) {
                Ok(s) => s.clone(),
                Err(r) => return r,
            }
        };
    }
    match op {
        "getAllBoards" => list_boards(a, inner, q),
        "getBoard" => json_resp(StatusCode::OK, &board_json(a, inner, &board!(rest[1]))),
        "getConfiguration" => configuration(a, inner, &board!(rest[1])),
        "getAllSprints" => {
            let b = board!(rest[1]);
            list_sprints(a, inner, &b, q)
        }
        "getBoardIssuesForSprint" => {
            let b = board!(rest[1]);
            if b.kind != "scrum" {
                return no_sprints();
            }
            let s = sprint!(rest[3]);
            issues::of_sprint(a, inner, &s, Some(&b), q)
        }
        "getIssuesForBoard" => issues::of_board(a, inner, &board!(rest[1]), q),
        "getIssuesForBacklog" => issues::of_backlog(a, inner, &board!(rest[1]), q),
        "getEpics" => issues::board_epics(a, inner, &board!(rest[1]), q),
        "getIssuesWithoutEpicForBoard" => {
            let b = board!(rest[1]);
            issues::of_epic(a, inner, None, Some(&b), q)
        }
        "getBoardIssuesForEpic" => {
            let b = board!(rest[1]);
            match issues::epic_of(inner, rest[3]) {
                Ok(e) => issues::of_epic(a, inner, Some(e), Some(&b), q),
                Err(r) => r,
            }
        }
        "createSprint" => create_sprint(a, inner, &json_body!()),
        "getSprint" => json_resp(StatusCode::OK, &sprint_json(a, &sprint!(rest[1]))),
        "partiallyUpdateSprint" => update_sprint(a, inner, &sprint!(rest[1]), &json_body!(), false),
        "updateSprint" => update_sprint(a, inner, &sprint!(rest[1]), &json_body!(), true),
        "deleteSprint" => delete_sprint(a, inner, &sprint!(rest[1])),
        "getIssuesForSprint" => {
            let s = sprint!(rest[1]);
            issues::of_sprint(a, inner, &s, None, q)
        }
        "moveIssuesToSprintAndRank" => {
            let s = sprint!(rest[1]);
            issues::move_to_sprint(a, inner, Some(&s), &json_body!())
        }
        "moveIssuesToBacklog" => issues::move_to_sprint(a, inner, None, &json_body!()),
        "rankIssues" => issues::rank(a, inner, &json_body!()),
        "getIssue" => issues::get(a, inner, rest[1], q),
        "getIssuesWithoutEpic" => issues::of_epic(a, inner, None, None, q),
        "removeIssuesFromEpic" => issues::move_to_epic(a, inner, None, &json_body!()),
        "getEpic" => match issues::epic_of(inner, rest[1]) {
            Ok(e) => json_resp(StatusCode::OK, &issues::epic_json(a, inner, e)),
            Err(r) => r,
        },
        "getIssuesForEpic" => match issues::epic_of(inner, rest[1]) {
            Ok(e) => issues::of_epic(a, inner, Some(e), None, q),
            Err(r) => r,
        },
        "moveIssuesToEpic" => match issues::epic_of(inner, rest[1]) {
            Ok(e) => issues::move_to_epic(a, inner, Some(e), &json_body!()),
            Err(r) => r,
        },
        _ => jira_err(StatusCode::NOT_FOUND, "null for uri"),
    }
}

/// Jira's 404 for a board that does not exist (or cannot be seen).
pub fn no_board() -> Resp {
    jira_err(
        StatusCode::NOT_FOUND,
        "Board does not exist or you do not have permission to see it.",
    )
}

/// Jira's 400 for sprint routes on a kanban board.
pub fn no_sprints() -> Resp {
    jira_err(
        StatusCode::BAD_REQUEST,
        "The board does not support sprints",
    )
}

fn no_sprint(id: &str) -> Resp {
    jira_err(
        StatusCode::NOT_FOUND,
        &format!("Sprint with id {id} does not exist or you do not have permission to see it."),
    )
}

fn board_of<'a>(inner: &'a Inner, id: &str) -> Result<&'a Board, Resp> {
    id.parse::<u64>()
        .ok()
        .and_then(|n| inner.board(n))
        .ok_or_else(no_board)
}

fn sprint_of<'a>(inner: &'a Inner, id: &str) -> Result<&'a Sprint, Resp> {
    id.parse::<u64>()
        .ok()
        .and_then(|n| inner.sprint(n))
        .ok_or_else(|| no_sprint(id))
}

/// `startAt` and `maxResults` of a values page: Jira caps the page silently.
pub fn page(q: &Query, cap: i64) -> Result<(usize, usize), Resp> {
    let start = q.int("startAt", 0)?;
    let max = q.int("maxResults", 50)?;
    if start < 0 {
        return Err(jira_err(
            StatusCode::BAD_REQUEST,
            "The 'startAt' parameter must not be negative.",
        ));
    }
    Ok((start as usize, max.clamp(0, cap) as usize))
}

/// A `{maxResults,startAt,total,isLast,values}` page of `all`.
pub fn values_page(all: Vec<Value>, start: usize, max: usize) -> Value {
    let total = all.len();
    let values: Vec<Value> = all.into_iter().skip(start).take(max).collect();
    let end = start + values.len();
    json!({"maxResults": max, "startAt": start, "total": total, "isLast": end >= total, "values": values})
}

/// An agile timestamp: ISO 8601 with milliseconds, `Z` on Cloud and an offset with a colon on
/// Data Center (both parse as RFC 3339).
pub fn iso(a: &Actx, ms: i64) -> String {
    let t = crate::util::jira_time(ms);
    match a.ctx.flavor {
        Flavor::Cloud => format!("{}Z", &t[..23]),
        Flavor::Dc => format!("{}+00:00", &t[..23]),
    }
}

/// Parses an ISO 8601 timestamp as Jira Software takes it (`2015-04-11T15:22:00.000+10:00`, `Z`,
/// `+1000`, seconds and milliseconds optional).
pub fn parse_iso(s: &str) -> Option<i64> {
    let s = s.trim();
    let (date, rest) = s.split_once('T')?;
    let day = crate::util::parse_date(date)?;
    let (time, offset) = match rest.find(['Z', 'z', '+', '-']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let mut parts = time.split(':');
    let h: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let sec: f64 = parts.next().map_or(Some(0.0), |x| x.parse().ok())?;
    if !(0..24).contains(&h) || !(0..60).contains(&m) || !(0.0..61.0).contains(&sec) {
        return None;
    }
    let off_min = match offset {
        "" | "Z" | "z" => 0,
        o => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let digits: String = o[1..].chars().filter(char::is_ascii_digit).collect();
            if digits.len() != 4 {
                return None;
            }
            let oh: i64 = digits[..2].parse().ok()?;
            let om: i64 = digits[2..].parse().ok()?;
            sign * (oh * 60 + om)
        }
    };
    Some(day + h * 3_600_000 + m * 60_000 + (sec * 1000.0) as i64 - off_min * 60_000)
}

fn location(a: &Actx, inner: &Inner, b: &Board) -> Value {
    let Some(p) = inner.project(&b.project) else {
        return json!({});
    };
    let display = format!("{} ({})", p.name, p.key);
    json!({"projectId": p.id, "displayName": display, "projectName": p.name, "projectKey": p.key,
           "projectTypeKey": "software",
           "avatarURI": format!("{}/secure/projectavatar?size=small&s=small&pid={}&avatarId=10400", a.ctx.root, p.id),
           "name": display})
}

/// A board's JSON.
pub fn board_json(a: &Actx, inner: &Inner, b: &Board) -> Value {
    let mut v = json!({"id": b.id, "self": format!("{}/board/{}", a.base, b.id), "name": b.name,
                       "type": b.kind, "location": location(a, inner, b)});
    if a.ctx.flavor == Flavor::Cloud {
        v["isPrivate"] = json!(false);
    }
    v
}

/// The JQL of a board's saved filter.
pub fn filter_jql(b: &Board) -> String {
    format!("project = {} ORDER BY Rank ASC", b.project)
}

fn list_boards(a: &Actx, inner: &Inner, q: &Query) -> Resp {
    let (start, max) = match page(q, 50) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let project = match q.get("projectKeyOrId") {
        None | Some("") => None,
        Some(p) => match inner.project(p) {
            Some(p) => Some(p.key.clone()),
            None => {
                return jira_err(
                    StatusCode::BAD_REQUEST,
                    &format!("No project could be found with key '{p}'."),
                )
            }
        },
    };
    let types = q.list("type");
    if let Some(t) = types
        .iter()
        .find(|t| !["scrum", "kanban", "simple"].contains(&t.as_str()))
    {
        return jira_err(
            StatusCode::BAD_REQUEST,
            &format!("Board type '{t}' is not valid. Valid types are: scrum, kanban, simple."),
        );
    }
    let name = q.get("name").unwrap_or("").to_lowercase();
    let all: Vec<Value> = inner
        .boards
        .iter()
        .filter(|b| project.as_ref().is_none_or(|p| *p == b.project))
        .filter(|b| types.is_empty() || types.contains(&b.kind))
        .filter(|b| b.name.to_lowercase().contains(&name))
        .map(|b| board_json(a, inner, b))
        .collect();
    json_resp(StatusCode::OK, &values_page(all, start, max))
}

/// `GET /rest/api/{2,3}/filter/{id}`: the saved filters behind the boards (Jira's 400 for any
/// other id, as it answers for a filter one cannot see).
pub fn filter(ctx: &Ctx, inner: &Inner, id: &str) -> Resp {
    let Some(b) = inner.boards.iter().find(|b| b.filter_id.to_string() == id) else {
        return jira_err(
            StatusCode::BAD_REQUEST,
            "The selected filter is not available to you, perhaps it has been deleted or had its permissions changed.",
        );
    };
    let owner = inner
        .project(&b.project)
        .and_then(|p| inner.user(&p.lead))
        .map(|u| crate::render::user(ctx, u))
        .unwrap_or(Value::Null);
    json_resp(
        StatusCode::OK,
        &json!({"self": format!("{}/filter/{id}", ctx.base), "id": id, "name": format!("Filter for {}", b.name),
                "owner": owner, "jql": filter_jql(b),
                "viewUrl": format!("{}/issues/?filter={id}", ctx.root),
                "searchUrl": format!("{}/search?jql={}", ctx.base, url::form_urlencoded::byte_serialize(filter_jql(b).as_bytes()).collect::<String>()),
                "favourite": false, "favouritedCount": 0, "sharePermissions": [], "subscriptions": {"size": 0, "items": [], "max-results": 0, "start-index": 0, "end-index": 0}}),
    )
}

/// The board's columns: (name, status ids). The last one with statuses counts as done.
pub fn columns(_b: &Board) -> Vec<(&'static str, Vec<&'static str>)> {
    vec![
        ("To Do", vec!["10000"]),
        ("In Progress", vec!["3"]),
        ("Done", vec!["10001"]),
    ]
}

/// Whether a status is in the board's done column.
pub fn is_done(b: &Board, status: &str) -> bool {
    columns(b)
        .iter()
        .rev()
        .find(|c| !c.1.is_empty())
        .is_some_and(|c| c.1.contains(&status))
}

fn configuration(a: &Actx, inner: &Inner, b: &Board) -> Resp {
    let root = &a.ctx.base;
    let cols: Vec<Value> = columns(b)
        .into_iter()
        .map(|(name, ids)| {
            json!({"name": name, "statuses": ids.iter().map(|id| json!({"id": id, "self": format!("{root}/status/{id}")})).collect::<Vec<_>>()})
        })
        .collect();
    let project = inner
        .project(&b.project)
        .map(|p| p.id.to_string())
        .unwrap_or_default();
    let mut v = json!({
        "id": b.id, "name": b.name, "type": b.kind,
        "self": format!("{}/board/{}/configuration", a.base, b.id),
        "location": {"type": "project", "projectKeyOrId": project},
        "filter": {"id": b.filter_id.to_string(), "self": format!("{root}/filter/{}", b.filter_id)},
        "columnConfig": {"columns": cols, "constraintType": if b.kind == "kanban" { "issueCount" } else { "none" }},
        "ranking": {"rankCustomFieldId": 10019},
    });
    if b.kind == "kanban" {
        v["subQuery"] =
            json!({"query": "fixVersion in unreleasedVersions() OR fixVersion is EMPTY"});
    } else {
        v["estimation"] = json!({"type": "field", "field": {"fieldId": crate::model::CF_POINTS, "displayName": "Story Points"}});
    }
    json_resp(StatusCode::OK, &v)
}

/// A sprint's JSON (the agile API's SprintBean).
pub fn sprint_json(a: &Actx, s: &Sprint) -> Value {
    let mut v = json!({"id": s.id, "self": format!("{}/sprint/{}", a.base, s.id), "state": s.state,
                       "name": s.name, "originBoardId": s.board});
    for (k, t) in [
        ("startDate", s.start),
        ("endDate", s.end),
        ("completeDate", s.complete),
    ] {
        if let Some(t) = t {
            v[k] = json!(iso(a, t));
        }
    }
    match a.ctx.flavor {
        Flavor::Cloud => v["createdDate"] = json!(iso(a, s.created)),
        Flavor::Dc => {
            v["autoStartStop"] = json!(false);
            v["synced"] = json!(false);
            if let Some(t) = s.activated {
                v["activatedDate"] = json!(iso(a, t));
            }
        }
    }
    if let Some(g) = &s.goal {
        v["goal"] = json!(g);
    }
    v
}

/// The Sprint field's value on a platform issue: Cloud gives objects, Data Center the Java
/// `toString` of each sprint; `null` when the issue was never in a sprint.
pub fn sprint_field(ctx: &Ctx, inner: &Inner, ids: &[u64]) -> Value {
    let sprints: Vec<&Sprint> = ids.iter().filter_map(|id| inner.sprint(*id)).collect();
    if sprints.is_empty() {
        return Value::Null;
    }
    let t = |ms: Option<i64>, dc: bool| {
        ms.map(|ms| {
            let x = crate::util::jira_time(ms);
            if dc {
                format!("{}+00:00", &x[..23])
            } else {
                format!("{}Z", &x[..23])
            }
        })
    };
    Value::Array(
        sprints
            .iter()
            .map(|s| match ctx.flavor {
                Flavor::Cloud => {
                    let mut v = json!({"id": s.id, "name": s.name, "state": s.state, "boardId": s.board,
                                       "goal": s.goal.clone().unwrap_or_default()});
                    for (k, ms) in [("startDate", s.start), ("endDate", s.end), ("completeDate", s.complete)] {
                        if let Some(x) = t(ms, false) {
                            v[k] = json!(x);
                        }
                    }
                    v
                }
                Flavor::Dc => {
                    let or_null = |x: Option<String>| x.unwrap_or_else(|| "<null>".into());
                    json!(format!(
                        "com.atlassian.greenhopper.service.sprint.Sprint@{:x}[activatedDate={},autoStartStop=false,completeDate={},endDate={},goal={},id={},incompleteIssuesDestinationId=<null>,name={},rapidViewId={},sequence={},startDate={},state={},synced=false]",
                        0x1f00 + s.id * 37,
                        or_null(t(s.activated, true)),
                        or_null(t(s.complete, true)),
                        or_null(t(s.end, true)),
                        or_null(s.goal.clone()),
                        s.id,
                        s.name,
                        s.board,
                        s.id,
                        or_null(t(s.start, true)),
                        s.state.to_uppercase(),
                    ))
                }
            })
            .collect(),
    )
}

fn list_sprints(a: &Actx, inner: &Inner, b: &Board, q: &Query) -> Resp {
    if b.kind != "scrum" {
        return no_sprints();
    }
    let (start, max) = match page(q, 50) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let states = q.list("state");
    if let Some(s) = states
        .iter()
        .find(|s| !["future", "active", "closed"].contains(&s.as_str()))
    {
        return jira_err(
            StatusCode::BAD_REQUEST,
            &format!(
                "The sprint state '{s}' is not valid. Valid states are: future, active, closed."
            ),
        );
    }
    let order = |s: &Sprint| match s.state.as_str() {
        "closed" => 0,
        "active" => 1,
        _ => 2,
    };
    let mut sprints: Vec<&Sprint> = inner
        .sprints
        .iter()
        .filter(|s| s.board == b.id)
        .filter(|s| states.is_empty() || states.contains(&s.state))
        .collect();
    sprints.sort_by_key(|s| (order(s), s.id));
    let all = sprints.into_iter().map(|s| sprint_json(a, s)).collect();
    json_resp(StatusCode::OK, &values_page(all, start, max))
}

fn unknown_key(b: &Map<String, Value>, allowed: &[&str]) -> Option<Resp> {
    b.keys().find(|k| !allowed.contains(&k.as_str())).map(|k| {
        jira_err(
            StatusCode::BAD_REQUEST,
            &format!("Unrecognized field \"{k}\""),
        )
    })
}

/// A date field of a sprint body: absent (None), null (Some(None)) or a timestamp.
fn date_in(
    b: &Map<String, Value>,
    k: &str,
    errors: &mut Map<String, Value>,
) -> Option<Option<i64>> {
    match b.get(k)? {
        Value::Null => Some(None),
        Value::String(s) => match parse_iso(s) {
            Some(t) => Some(Some(t)),
            None => {
                errors.insert(k.into(), json!(format!("Invalid date format '{s}'. Please use the format yyyy-MM-dd'T'HH:mm:ss.SSSZ.")));
                None
            }
        },
        _ => {
            errors.insert(k.into(), json!("Dates must be strings."));
            None
        }
    }
}

fn name_in(v: &Value, errors: &mut Map<String, Value>) -> Option<String> {
    let n = v.as_str().map(str::trim).unwrap_or("");
    if n.is_empty() {
        errors.insert("name".into(), json!("The sprint name must not be empty."));
        return None;
    }
    if n.chars().count() > 255 {
        errors.insert(
            "name".into(),
            json!("The sprint name must not be longer than 255 characters."),
        );
        return None;
    }
    Some(n.to_string())
}

fn create_sprint(a: &Actx, inner: &mut Inner, body: &Value) -> Resp {
    let Some(b) = body.as_object() else {
        return jira_err(
            StatusCode::BAD_REQUEST,
            "The request body must be a JSON object.",
        );
    };
    if let Some(r) = unknown_key(
        b,
        &["name", "startDate", "endDate", "originBoardId", "goal"],
    ) {
        return r;
    }
    let Some(board_id) = b.get("originBoardId").and_then(Value::as_u64) else {
        return jira_field_errs(
            StatusCode::BAD_REQUEST,
            [(
                "originBoardId".to_string(),
                json!("The sprint's board must be specified."),
            )]
            .into_iter()
            .collect(),
        );
    };
    let Some(board) = inner.board(board_id).cloned() else {
        return no_board();
    };
    if board.kind != "scrum" {
        return no_sprints();
    }
    let mut errors = Map::new();
    let name = name_in(b.get("name").unwrap_or(&Value::Null), &mut errors);
    let start = date_in(b, "startDate", &mut errors).flatten();
    let end = date_in(b, "endDate", &mut errors).flatten();
    if let (Some(s), Some(e)) = (start, end) {
        if e < s {
            errors.insert(
                "endDate".into(),
                json!("The sprint's end date must be after its start date."),
            );
        }
    }
    if !errors.is_empty() {
        return jira_field_errs(StatusCode::BAD_REQUEST, errors);
    }
    let id = inner.next_sprint_id;
    inner.next_sprint_id += 1;
    let s = Sprint {
        id,
        name: name.unwrap_or_default(),
        state: "future".into(),
        start,
        end,
        complete: None,
        activated: None,
        created: inner.now(),
        goal: b
            .get("goal")
            .and_then(Value::as_str)
            .filter(|g| !g.is_empty())
            .map(String::from),
        board: board.id,
    };
    let v = sprint_json(a, &s);
    inner.sprints.push(s);
    json_resp(StatusCode::CREATED, &v)
}

/// `POST /sprint/{id}` (partial) and `PUT /sprint/{id}` (full: what is left out becomes null).
fn update_sprint(a: &Actx, inner: &mut Inner, s: &Sprint, body: &Value, full: bool) -> Resp {
    let Some(b) = body.as_object() else {
        return jira_err(
            StatusCode::BAD_REQUEST,
            "The request body must be a JSON object.",
        );
    };
    if let Some(r) = unknown_key(
        b,
        &[
            "id",
            "self",
            "state",
            "name",
            "startDate",
            "endDate",
            "completeDate",
            "createdDate",
            "originBoardId",
            "goal",
        ],
    ) {
        return r;
    }
    if s.state == "closed" {
        return jira_err(StatusCode::BAD_REQUEST, "A closed sprint cannot be edited.");
    }
    let mut errors = Map::new();
    let mut n = s.clone();
    match b.get("name") {
        Some(v) => n.name = name_in(v, &mut errors).unwrap_or_default(),
        None if full => {
            errors.insert("name".into(), json!("The sprint name must not be empty."));
        }
        None => {}
    }
    match b.get("goal") {
        Some(g) => n.goal = g.as_str().filter(|g| !g.is_empty()).map(String::from),
        None if full => n.goal = None,
        None => {}
    }
    match date_in(b, "startDate", &mut errors) {
        Some(t) => n.start = t,
        None if full && !b.contains_key("startDate") => n.start = None,
        None => {}
    }
    match date_in(b, "endDate", &mut errors) {
        Some(t) => n.end = t,
        None if full && !b.contains_key("endDate") => n.end = None,
        None => {}
    }
    if b.get("completeDate").is_some_and(|v| !v.is_null()) {
        errors.insert(
            "completeDate".into(),
            json!("The complete date of a sprint cannot be set."),
        );
    }
    if let Some(o) = b.get("originBoardId").filter(|v| !v.is_null()) {
        if o.as_u64() != Some(s.board) {
            errors.insert(
                "originBoardId".into(),
                json!("The board of a sprint cannot be changed."),
            );
        }
    }
    if !errors.is_empty() {
        return jira_field_errs(StatusCode::BAD_REQUEST, errors);
    }
    let to = match b.get("state") {
        None | Some(Value::Null) => s.state.clone(),
        Some(Value::String(t))
            if ["future", "active", "closed"].contains(&t.to_lowercase().as_str()) =>
        {
            t.to_lowercase()
        }
        Some(t) => {
            return jira_err(
                StatusCode::BAD_REQUEST,
                &format!(
                    "The sprint state '{}' is not valid. Valid states are: future, active, closed.",
                    t.as_str().unwrap_or_default()
                ),
            )
        }
    };
    let now = inner.now();
    match (s.state.as_str(), to.as_str()) {
        (x, y) if x == y => {}
        ("future", "active") => {
            if !inner.config.parallel_sprints
                && inner
                    .sprints
                    .iter()
                    .any(|o| o.board == s.board && o.state == "active")
            {
                return jira_err(
                    StatusCode::BAD_REQUEST,
                    "There can only be one active sprint on each board. Complete the active sprint before starting another.",
                );
            }
            if n.start.is_none() || n.end.is_none() {
                return jira_err(
                    StatusCode::BAD_REQUEST,
                    "A sprint needs a start date and an end date to be started.",
                );
            }
            n.activated = Some(now);
        }
        ("active", "closed") => n.complete = Some(now),
        (from, to) => {
            return jira_err(
                StatusCode::BAD_REQUEST,
                &format!("A sprint cannot go from '{from}' to '{to}'. Sprints go from future to active to closed."),
            )
        }
    }
    n.state = to;
    if n.state == "active" && (n.start.is_none() || n.end.is_none()) {
        return jira_err(
            StatusCode::BAD_REQUEST,
            "An active sprint must have a start date and an end date.",
        );
    }
    if let (Some(st), Some(e)) = (n.start, n.end) {
        if e < st {
            return jira_field_errs(
                StatusCode::BAD_REQUEST,
                [(
                    "endDate".to_string(),
                    json!("The sprint's end date must be after its start date."),
                )]
                .into_iter()
                .collect(),
            );
        }
    }
    let v = sprint_json(a, &n);
    if let Some(slot) = inner.sprints.iter_mut().find(|x| x.id == s.id) {
        *slot = n;
    }
    // Closing leaves every unfinished issue in no open sprint, i.e. in the backlog: its Sprint
    // field keeps the closed sprint, as in Jira.
    json_resp(StatusCode::OK, &v)
}

fn delete_sprint(a: &Actx, inner: &mut Inner, s: &Sprint) -> Resp {
    if s.state == "closed" {
        return jira_err(
            StatusCode::BAD_REQUEST,
            "A closed sprint cannot be deleted.",
        );
    }
    let members: Vec<u64> = inner
        .issues
        .values()
        .filter(|i| inner.sprints_of(i).contains(&s.id))
        .map(|i| i.id)
        .collect();
    // Its open issues go to the backlog.
    issues::set_sprint(a, inner, &members, None);
    inner.sprints.retain(|x| x.id != s.id);
    empty(StatusCode::NO_CONTENT)
}
