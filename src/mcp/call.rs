//! One `tools/call`: refused when the session does not offer the tool, its own arguments taken
//! out, the user asked first when it cannot be undone, forwarded to the daemon in its own task
//! (so slow Jira calls do not block `ping` or cancellation), and when Jira needs the user's
//! consent, the host asked to open the link before the call is retried.

use super::results::{self, Prepared};
use super::tools::Tool;
use super::{error, Running, Server};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;

/// Characters of a call's arguments a confirmation shows.
const SHOWN_ARGS: usize = 300;

/// How long a call waits for the user to finish a consent the host opened.
const CONSENT_WAIT: Duration = Duration::from_secs(300);

/// Checks and starts a call; protocol errors are answered at once.
pub(super) fn start(server: &Arc<Server>, id: Value, params: Value, tasks: &mut JoinSet<()>) {
    let name = params["name"].as_str().unwrap_or_default();
    let Some(tool) = server.tools.iter().find(|t| t.name == name) else {
        server
            .host
            .send(error(id, -32602, &format!("unknown tool: {name}")));
        return;
    };
    if let Err(refusal) = server.policy.check(tool) {
        let mut e = error(id, -32602, &format!("tool not available: {refusal}"));
        e["error"]["data"] = json!({ "tool": name });
        server.host.send(e);
        return;
    }
    let args = match params.get("arguments") {
        None | Some(Value::Null) => json!({}),
        Some(a @ Value::Object(_)) => a.clone(),
        Some(_) => {
            server
                .host
                .send(error(id, -32602, "tool arguments must be an object"));
            return;
        }
    };
    let host_token = params["_meta"]["progressToken"].clone();
    let key = id.to_string();
    let (server2, tool, key2) = (server.clone(), tool.clone(), key.clone());
    // Hold the lock while spawning so the task cannot finish before it is registered.
    let Ok(mut map) = server.calls.lock() else {
        return;
    };
    let task = tasks.spawn(async move {
        let result = run(&server2, &tool, args, host_token, &key2).await;
        let registered = server2
            .calls
            .lock()
            .ok()
            .and_then(|mut c| c.remove(&key2))
            .is_some();
        if registered {
            server2
                .host
                .send(json!({ "jsonrpc": "2.0", "id": id, "result": result }));
        }
    });
    map.insert(key, Running { task, daemon: None });
}

async fn run(server: &Server, tool: &Tool, args: Value, host_token: Value, key: &str) -> Value {
    let Prepared {
        mut params,
        view,
        confirmed,
    } = match results::prepare(tool, args, server.policy.profile()) {
        Ok(p) => p,
        Err(text) => return results::error_text(text, None),
    };
    if tool.effect.irreversible {
        if let Err(refused) = confirm(server, tool, &params, confirmed).await {
            return refused;
        }
    }
    // Progress of a whole-list read, when the host asked for it.
    let progress = (tool.method == "issues/list"
        && params["all"] == true
        && (host_token.is_string() || host_token.is_number()))
    .then(|| {
        params["progressToken"] = host_token.clone();
        let daemon_token = host_token.to_string();
        if let Ok(mut p) = server.progress.lock() {
            p.insert(daemon_token.clone(), (host_token, None));
        }
        daemon_token
    });
    let mut reply = forward(server, &tool.method, params.clone(), key).await;
    if let Err(e) = &reply {
        if e["data"]["kind"] == "authRequired" && consent(server, e).await {
            reply = forward(server, &tool.method, params, key).await;
        }
    }
    if let Some(token) = progress {
        if let Ok(mut p) = server.progress.lock() {
            p.remove(&token);
        }
    }
    match reply {
        Ok(result) => results::success(&tool.method, result, view),
        Err(e) if e.get("code").is_none() => {
            results::error_text(e["message"].as_str().unwrap_or_default().to_owned(), None)
        }
        Err(e) => results::failure(&e),
    }
}

/// Sends the call to the daemon, recording its id so a cancellation reaches it. `Err` is the
/// daemon's error object, or `{message}` alone when the daemon could not be reached.
async fn forward(server: &Server, method: &str, params: Value, key: &str) -> Result<Value, Value> {
    let unreachable =
        |e: &dyn std::fmt::Display| json!({ "message": format!("jirad is not reachable: {e}") });
    let conn = server.forwarder.conn().await.map_err(|e| unreachable(&e))?;
    let call = conn
        .start(method, params)
        .await
        .map_err(|e| unreachable(&e))?;
    if let Some(r) = server
        .calls
        .lock()
        .ok()
        .as_mut()
        .and_then(|c| c.get_mut(key))
    {
        r.daemon = Some((conn.clone(), call.id));
    }
    call.reply().await
}

/// A call that cannot be undone runs only when the user says so: through the host's form when it
/// can ask, else with `confirm: true` (which the host's own approval of a destructive tool stands
/// behind). `Err` is the tool result saying why nothing was done.
async fn confirm(
    server: &Server,
    tool: &Tool,
    params: &Value,
    confirmed: bool,
) -> Result<(), Value> {
    // The arguments come from the agent: shown as JSON, and cut, so they cannot pass for the
    // dialog's own words or push them off screen.
    let mut args = serde_json::to_string(params).unwrap_or_default();
    if let Some((cut, _)) = args.char_indices().nth(SHOWN_ARGS) {
        args.truncate(cut);
        args.push('…');
    }
    let what = format!(
        "{} ({}) with {args}",
        tool.listing["title"].as_str().unwrap_or(&tool.name),
        tool.name,
    );
    if !server.host.elicitation().form {
        if confirmed {
            return Ok(());
        }
        return Err(results::error_text(
            format!(
                "Not done: {what} cannot be undone, and this host cannot ask the user (it \
                 declared no elicitation capability). Ask the user; if they agree, call again \
                 with \"confirm\": true."
            ),
            None,
        ));
    }
    let ask = json!({
        "mode": "form",
        "message": format!("An agent asks to run {what}. This cannot be undone. Go ahead?"),
        "requestedSchema": {
            "type": "object",
            "properties": { "confirm": { "type": "boolean", "title": "Yes, do it",
                                         "default": false } },
            "required": ["confirm"],
        },
    });
    let answer = server.host.request("elicitation/create", ask).await;
    match answer {
        Ok(a) if a["action"] == "accept" && a["content"]["confirm"] == true => Ok(()),
        Ok(a) => Err(results::error_text(
            format!(
                "Not done: the user did not approve {what} (answer: {}).",
                a["action"].as_str().unwrap_or("none")
            ),
            None,
        )),
        Err(e) => Err(results::error_text(
            format!(
                "Not done: asking the user to approve {what} failed: {}",
                e["message"].as_str().unwrap_or("no answer")
            ),
            None,
        )),
    }
}

/// When the host can open links, asks it to open the consent link and waits until the daemon
/// reports the profile authorized (true) or the user declines, the login fails or the wait ends
/// (false: the caller gets the error text with the link).
async fn consent(server: &Server, error: &Value) -> bool {
    let data = &error["data"];
    let (Some(url), Some(profile)) = (data["authorizationUrl"].as_str(), data["profile"].as_str())
    else {
        return false;
    };
    if !server.host.elicitation().url {
        return false;
    }
    let mut changes = server.auth_changes.subscribe();
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let elicitation_id = format!("jirad-consent-{}", NEXT.fetch_add(1, Ordering::Relaxed));
    let ask = json!({
        "mode": "url",
        "message": format!("Jira needs your consent for jirad's profile `{profile}`: open the \
                            link and approve access; the call continues once you have."),
        "url": url,
        "elicitationId": elicitation_id,
    });
    match server.host.request("elicitation/create", ask).await {
        Ok(a) if a["action"] == "accept" => {}
        _ => return false,
    }
    let authorized = async {
        while let Ok(change) = changes.recv().await {
            if change["profile"] != profile {
                continue;
            }
            match change["state"].as_str() {
                Some("authorized") => return true,
                Some("failed" | "unauthorized") => return false,
                _ => {}
            }
        }
        false
    };
    let done = tokio::time::timeout(CONSENT_WAIT, authorized)
        .await
        .unwrap_or(false);
    if done {
        server.host.notify(
            "notifications/elicitation/complete",
            json!({ "elicitationId": elicitation_id }),
        );
    }
    done
}
