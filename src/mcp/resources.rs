//! Jira as MCP resources: issues (`jira://issue/{key}`) and, when the session offers the agile
//! tools, a board's active sprint or backlog (`jira://board/{id}/sprint`, `…/backlog`), listed
//! by `resources/list`. `resources/read` gives an issue as Markdown-ish text (description whole)
//! and a board as its issues under their columns; `resources/subscribe` is backed by a daemon
//! watch (`issues/watch` of the one issue, `sprints/watch` of the board), whose change
//! notifications become `notifications/resources/updated`.

use super::results::{self, View};
use super::Server;
use serde_json::{json, Value};

/// Seconds between the daemon's checks of a subscribed resource (its floor still applies).
const WATCH_INTERVAL_SECONDS: f64 = 10.0;

/// What a resource URI names.
enum Resource<'a> {
    Issue(&'a str),
    /// A board's `"active"` sprint or its `"backlog"`.
    Board(u64, &'static str),
}

impl<'a> Resource<'a> {
    fn parse(uri: &'a str) -> Option<Self> {
        if let Some(key) = uri.strip_prefix("jira://issue/") {
            let valid = !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            return valid.then_some(Resource::Issue(key));
        }
        let (id, part) = uri.strip_prefix("jira://board/")?.split_once('/')?;
        let part = match part {
            "sprint" => "active",
            "backlog" => "backlog",
            _ => return None,
        };
        Some(Resource::Board(id.parse().ok()?, part))
    }
}

/// Whether the session offers a tool of `method`: resources are reads its tools could make.
fn offers(server: &Server, method: &str) -> bool {
    server
        .tools
        .iter()
        .any(|t| t.method == method && server.policy.check(t).is_ok())
}

/// Issue resources are offered with `issues_get`.
pub(super) fn offered(server: &Server) -> bool {
    offers(server, "issues/get")
}

fn boards_offered(server: &Server) -> bool {
    offers(server, "sprints/issues")
}

/// `resources/templates/list`.
pub(super) fn templates(server: &Server) -> Value {
    let mut templates = Vec::new();
    if offered(server) {
        templates.push(json!({
            "uriTemplate": "jira://issue/{key}",
            "name": "jira-issue",
            "title": "Jira issue",
            "description": "One Jira issue by key (e.g. jira://issue/DEMO-1): its fields, link and \
                            whole description. Subscribe to hear when it changes.",
            "mimeType": "text/markdown",
        }));
    }
    if boards_offered(server) {
        templates.push(json!({
            "uriTemplate": "jira://board/{boardId}/sprint",
            "name": "jira-sprint",
            "title": "Active sprint of a board",
            "description": "A scrum board's active sprint: its issues under the board's columns. \
                            Subscribe to hear when issues enter, leave or move.",
            "mimeType": "text/markdown",
        }));
        templates.push(json!({
            "uriTemplate": "jira://board/{boardId}/backlog",
            "name": "jira-backlog",
            "title": "Backlog of a board",
            "description": "A board's backlog in rank order. Subscribe to hear when it changes.",
            "mimeType": "text/markdown",
        }));
    }
    json!({ "resourceTemplates": templates })
}

/// `resources/list`: the boards' sprints and backlogs, when the session offers boards.
async fn list(server: &Server) -> Result<Value, (i64, String)> {
    if !boards_offered(server) {
        return Ok(json!({ "resources": [] }));
    }
    let boards = daemon(server, "boards/list", with_profile(server, json!({}))).await?;
    let mut resources = Vec::new();
    for b in boards["boards"].as_array().into_iter().flatten() {
        let (Some(id), Some(name)) = (b["id"].as_u64(), b["name"].as_str()) else {
            continue;
        };
        if b["type"] == "scrum" {
            resources.push(json!({
                "uri": format!("jira://board/{id}/sprint"),
                "name": format!("{name}: active sprint"),
                "mimeType": "text/markdown",
            }));
        }
        resources.push(json!({
            "uri": format!("jira://board/{id}/backlog"),
            "name": format!("{name}: backlog"),
            "mimeType": "text/markdown",
        }));
    }
    Ok(json!({ "resources": resources }))
}

fn with_profile(server: &Server, mut args: Value) -> Value {
    if let Some(p) = server.policy.profile() {
        args["profile"] = json!(p);
    }
    args
}

/// The daemon watch a subscription to `resource` holds.
fn watch_request(server: &Server, resource: &Resource) -> (&'static str, Value) {
    let args = match resource {
        Resource::Issue(key) => json!({
            "jql": format!("key = \"{key}\""),
            "fields": ["summary", "status", "updated"],
            "intervalSeconds": WATCH_INTERVAL_SECONDS,
        }),
        Resource::Board(id, part) => json!({
            "boardId": id,
            "sprint": part,
            "fields": ["summary", "status", "assignee", "updated"],
            "intervalSeconds": WATCH_INTERVAL_SECONDS,
        }),
    };
    let method = match resource {
        Resource::Issue(_) => "issues/watch",
        Resource::Board(..) => "sprints/watch",
    };
    (method, with_profile(server, args))
}

/// `resources/list`, `resources/read`, `resources/subscribe`, `resources/unsubscribe`.
pub(super) async fn handle(
    server: &Server,
    method: &str,
    params: &Value,
) -> Result<Value, (i64, String)> {
    if method == "resources/list" {
        return list(server).await;
    }
    let uri = params["uri"].as_str().unwrap_or_default();
    let resource = Resource::parse(uri)
        .filter(|r| match r {
            Resource::Issue(_) => offered(server),
            Resource::Board(..) => boards_offered(server),
        })
        .ok_or_else(|| (-32002, format!("resource not found: {uri}")))?;
    match method {
        "resources/read" => {
            let text = match resource {
                Resource::Issue(key) => {
                    let args = with_profile(server, json!({ "key": key }));
                    let issue = daemon(server, "issues/get", args).await?;
                    let view = View {
                        full_description: true,
                        ..View::default()
                    };
                    results::success("issues/get", issue, view)["content"][0]["text"].clone()
                }
                Resource::Board(..) => {
                    // The live board's first answer is the board now; the watch ends at once.
                    let (watch, args) = watch_request(server, &resource);
                    let board = daemon(server, watch, args).await?;
                    if let Some(id) = board["watchId"].as_u64() {
                        daemon(server, "issues/unwatch", json!({ "watchId": id })).await?;
                    }
                    json!(board_text(&board))
                }
            };
            Ok(json!({ "contents": [{ "uri": uri, "mimeType": "text/markdown", "text": text }] }))
        }
        "resources/subscribe" => {
            let (watch, args) = watch_request(server, &resource);
            let reply = daemon(server, watch, args).await?;
            let id = reply["watchId"]
                .as_u64()
                .ok_or((-32603, "the daemon gave no watch id".to_owned()))?;
            if let Ok(mut subs) = server.subscriptions.lock() {
                subs.insert(id, uri.to_owned());
            }
            Ok(json!({}))
        }
        _ => {
            let ids: Vec<u64> = server
                .subscriptions
                .lock()
                .map(|mut subs| {
                    let ids: Vec<u64> = subs
                        .iter()
                        .filter(|(_, u)| *u == uri)
                        .map(|(id, _)| *id)
                        .collect();
                    ids.iter().for_each(|id| {
                        subs.remove(id);
                    });
                    ids
                })
                .unwrap_or_default();
            for id in ids {
                daemon(server, "issues/unwatch", json!({ "watchId": id })).await?;
            }
            Ok(json!({}))
        }
    }
}

/// A live board's answer as text: the sprint's headline, then each column's issues, one row each
/// (`key | summary | assignee`).
fn board_text(board: &Value) -> String {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let mut out = match board.get("sprint").filter(|v| v.is_object()) {
        Some(sprint) => {
            let mut head = format!("{} ({})", s(&sprint["name"]), s(&sprint["state"]));
            let dates = [&sprint["startDate"], &sprint["endDate"]].map(s);
            if !dates[0].is_empty() {
                head.push_str(&format!(", {} to {}", dates[0], dates[1]));
            }
            if let Some(goal) = sprint["goal"].as_str().filter(|g| !g.is_empty()) {
                head.push_str(&format!(": {goal}"));
            }
            head
        }
        None => "Backlog, in rank order".to_owned(),
    };
    let issues: Vec<&Value> = board["issues"].as_array().into_iter().flatten().collect();
    let row = |i: &Value| {
        let assignee = results::user(&i["assignee"]).unwrap_or("unassigned");
        format!("\n{} | {} | {assignee}", s(&i["key"]), s(&i["summary"]))
    };
    let columns: Vec<&str> = board["columns"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    for column in &columns {
        out.push_str(&format!("\n\n## {column}"));
        for i in issues
            .iter()
            .filter(|i| i["column"].as_str() == Some(column))
        {
            out.push_str(&row(i));
        }
    }
    let elsewhere: Vec<&&Value> = issues
        .iter()
        .filter(|i| !i["column"].as_str().is_some_and(|c| columns.contains(&c)))
        .collect();
    if !elsewhere.is_empty() {
        out.push_str("\n\n## In no column");
        for i in elsewhere {
            out.push_str(&row(i));
        }
    }
    out
}

/// A daemon call whose errors are JSON-RPC errors of the resource request: not found is
/// MCP's `-32002`, anything else `-32603` with the daemon's message.
async fn daemon(server: &Server, method: &str, params: Value) -> Result<Value, (i64, String)> {
    let conn = server
        .forwarder
        .conn()
        .await
        .map_err(|e| (-32603, format!("jirad is not reachable: {e}")))?;
    let call = conn
        .start(method, params)
        .await
        .map_err(|e| (-32603, format!("jirad is not reachable: {e}")))?;
    call.reply().await.map_err(|e| {
        let text = results::failure(&e)["content"][0]["text"]
            .as_str()
            .unwrap_or("the call failed")
            .to_owned();
        let code = if e["data"]["kind"] == "notFound" {
            -32002
        } else {
            -32603
        };
        (code, text)
    })
}
