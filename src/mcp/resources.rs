//! Issues as MCP resources: the template `jira://issue/{key}`, `resources/read` (the issue as
//! Markdown-ish text, description whole), and `resources/subscribe` backed by a daemon watch of
//! the one issue, whose `issues/didChange` becomes `notifications/resources/updated`.

use super::results::{self, View};
use super::Server;
use serde_json::{json, Value};

const PREFIX: &str = "jira://issue/";

/// Seconds between the daemon's checks of a subscribed issue (its floor still applies).
const WATCH_INTERVAL_SECONDS: f64 = 10.0;

/// Resources are reads of issues: offered when the session offers `issues_get`.
pub(super) fn offered(server: &Server) -> bool {
    server
        .tools
        .iter()
        .any(|t| t.method == "issues/get" && server.policy.check(t).is_ok())
}

/// `resources/templates/list`.
pub(super) fn templates(server: &Server) -> Value {
    if !offered(server) {
        return json!({ "resourceTemplates": [] });
    }
    json!({ "resourceTemplates": [{
        "uriTemplate": "jira://issue/{key}",
        "name": "jira-issue",
        "title": "Jira issue",
        "description": "One Jira issue by key (e.g. jira://issue/DEMO-1): its fields, link and \
                        whole description. Subscribe to hear when it changes.",
        "mimeType": "text/markdown",
    }] })
}

/// `resources/read`, `resources/subscribe`, `resources/unsubscribe`.
pub(super) async fn handle(
    server: &Server,
    method: &str,
    params: &Value,
) -> Result<Value, (i64, String)> {
    let uri = params["uri"].as_str().unwrap_or_default();
    let key = uri
        .strip_prefix(PREFIX)
        .filter(|k| {
            !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .filter(|_| offered(server))
        .ok_or_else(|| (-32002, format!("resource not found: {uri}")))?;
    let mut args = json!({ "key": key });
    if let Some(p) = server.policy.profile() {
        args["profile"] = json!(p);
    }
    match method {
        "resources/read" => {
            let issue = daemon(server, "issues/get", args).await?;
            let view = View {
                full_description: true,
                ..View::default()
            };
            let result = results::success("issues/get", issue, view);
            Ok(json!({ "contents": [{
                "uri": uri, "mimeType": "text/markdown",
                "text": result["content"][0]["text"],
            }] }))
        }
        "resources/subscribe" => {
            let mut watch = json!({
                "jql": format!("key = \"{key}\""),
                "fields": ["summary", "status", "updated"],
                "intervalSeconds": WATCH_INTERVAL_SECONDS,
            });
            if let Some(p) = args.get("profile") {
                watch["profile"] = p.clone();
            }
            let reply = daemon(server, "issues/watch", watch).await?;
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
