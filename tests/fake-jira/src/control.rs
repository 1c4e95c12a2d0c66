//! The test control API under `/__fake/`: request log, fake clock, fault plan, switches, the next
//! authorization's decision, token revocation and minting, direct issue edits and reset. Also
//! callable in-process through [`crate::FakeJira::control`].

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::render::{Ctx, Flavor};
use crate::store::{Fault, Inner, Shared};
use crate::util::{jira_err, json_resp, Resp};

fn bad(msg: &str) -> Resp {
    jira_err(StatusCode::BAD_REQUEST, msg)
}

fn ok(v: Value) -> Resp {
    json_resp(StatusCode::OK, &v)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// Applies a partial switch object to the config.
fn config(inner: &mut Inner, b: &Value) -> Resp {
    let Some(o) = b.as_object() else {
        return bad("expected an object");
    };
    let c = &mut inner.config;
    for (k, v) in o {
        match k.as_str() {
            "autoApprove" => c.auto_approve = v.as_bool().unwrap_or(false),
            "accessTtlSeconds" => c.access_ttl = v.as_i64().unwrap_or(3600),
            "leewaySeconds" => c.leeway = v.as_i64().unwrap_or(600),
            "leewaySamePair" => c.leeway_same_pair = v.as_bool().unwrap_or(false),
            "revokeFamilyOnReuse" => c.revoke_family_on_reuse = v.as_bool().unwrap_or(false),
            "stripScopes" => c.stripped_scopes = strings(v),
            "extraSites" => c.extra_sites = strings(v),
            "confluenceDuplicate" => c.confluence_duplicate = v.as_bool().unwrap_or(false),
            "noSites" => c.no_sites = v.as_bool().unwrap_or(false),
            "indexDelayMs" => c.index_delay_ms = v.as_i64().unwrap_or(0),
            "nearLimit" => c.near_limit = v.as_bool().unwrap_or(false),
            "latencyMs" => c.latency_ms = v.as_u64().unwrap_or(0),
            "parallelSprints" => c.parallel_sprints = v.as_bool().unwrap_or(false),
            _ => return bad(&format!("unknown switch '{k}'")),
        }
    }
    ok(config_json(inner))
}

fn config_json(inner: &Inner) -> Value {
    let c = &inner.config;
    json!({"autoApprove": c.auto_approve, "accessTtlSeconds": c.access_ttl, "leewaySeconds": c.leeway,
        "leewaySamePair": c.leeway_same_pair, "revokeFamilyOnReuse": c.revoke_family_on_reuse,
        "stripScopes": c.stripped_scopes, "extraSites": c.extra_sites, "confluenceDuplicate": c.confluence_duplicate,
        "noSites": c.no_sites, "indexDelayMs": c.index_delay_ms, "nearLimit": c.near_limit, "latencyMs": c.latency_ms,
        "parallelSprints": c.parallel_sprints,
        "nextAuthorization": c.next_decision.map(|d| if d { "approve" } else { "deny" })})
}

/// Handles `/__fake/<rest>`.
pub fn handle(sh: &Shared, method: &str, rest: &[&str], body: &[u8]) -> Resp {
    let b: Value = if body.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => return bad(&format!("invalid JSON: {e}")),
        }
    };
    let mut inner = sh.lock();
    match (method, rest) {
        ("GET", ["requests"]) => ok(serde_json::to_value(&inner.log).unwrap_or_default()),
        ("DELETE", ["requests"]) => {
            inner.log.clear();
            ok(json!({}))
        }
        ("POST", ["clock"]) => {
            let Some(n) = b.get("advanceSeconds").and_then(Value::as_i64) else {
                return bad("advanceSeconds required");
            };
            inner.clock_offset += n * 1000;
            let now = inner.now();
            ok(
                json!({"now": crate::util::jira_time(now), "offsetSeconds": inner.clock_offset / 1000}),
            )
        }
        ("GET", ["config"]) => ok(config_json(&inner)),
        ("POST", ["config"]) => config(&mut inner, &b),
        ("GET", ["faults"]) => ok(json!({"count": inner.faults.len()})),
        ("POST", ["faults"]) => {
            let list = if b.is_array() { b.clone() } else { json!([b]) };
            match serde_json::from_value::<Vec<Fault>>(list) {
                Ok(f) => {
                    inner.faults.extend(f);
                    ok(json!({"count": inner.faults.len()}))
                }
                Err(e) => bad(&format!("invalid fault: {e}")),
            }
        }
        ("DELETE", ["faults"]) => {
            inner.faults.clear();
            ok(json!({"count": 0}))
        }
        ("POST", ["authorization"]) => match b.get("decision").and_then(Value::as_str) {
            Some("approve") => {
                inner.config.next_decision = Some(true);
                ok(json!({}))
            }
            Some("deny") => {
                inner.config.next_decision = Some(false);
                ok(json!({}))
            }
            _ => bad("decision must be 'approve' or 'deny'"),
        },
        ("POST", ["revoke"]) => {
            if let Some(at) = b.get("accessToken").and_then(Value::as_str) {
                match inner.access.get_mut(at) {
                    Some(t) => t.revoked = true,
                    None => return bad("unknown access token"),
                }
            }
            if let Some(rt) = b.get("refreshToken").and_then(Value::as_str) {
                let Some(f) = inner.refresh.get(rt).map(|t| t.family) else {
                    return bad("unknown refresh token");
                };
                crate::auth::revoke_family(&mut inner, f);
            }
            ok(json!({}))
        }
        ("POST", ["tokens"]) => {
            let scopes = match b.get("scopes") {
                Some(s) => strings(s),
                None => [
                    "read:jira-work",
                    "write:jira-work",
                    "read:jira-user",
                    "offline_access",
                    "read:me",
                ]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            };
            let client = b
                .get("clientId")
                .and_then(Value::as_str)
                .unwrap_or(&sh.id.system_app.0)
                .to_string();
            ok(crate::auth::issue_pair(&mut inner, &client, &scopes, None))
        }
        ("PATCH", ["issues", key]) => edit_issue(sh, &mut inner, key, &b),
        ("POST", ["issues", key, "move"]) => move_issue(&mut inner, key, &b),
        ("DELETE", ["issues", key]) => match inner.find(key) {
            Some(id) => {
                for s in inner.subtasks(id) {
                    inner.issues.remove(&s);
                }
                inner.issues.remove(&id);
                ok(json!({}))
            }
            None => crate::util::issue_404(),
        },
        ("POST", ["reset"]) => {
            let config = crate::Options::config_from(&inner.config);
            *inner = crate::seed::build(sh.seed.0, sh.seed.1, config);
            ok(json!({}))
        }
        _ => jira_err(StatusCode::NOT_FOUND, "unknown control route"),
    }
}

/// Someone else edits an issue: `{"fields": {...v3 values..., "status": "Done"}}`; bumps `updated`.
fn edit_issue(sh: &Shared, inner: &mut Inner, key: &str, b: &Value) -> Resp {
    let Some(id) = inner.find(key) else {
        return crate::util::issue_404();
    };
    let Some(mut d) = inner.issues.get(&id).cloned() else {
        return crate::util::issue_404();
    };
    let ctx = Ctx {
        flavor: Flavor::Cloud,
        v: 3,
        base: format!("{}/site/rest/api/3", sh.base),
        root: format!("{}/site", sh.base),
        me: inner.users[1].account_id.clone(),
    };
    let fields = b
        .get("fields")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (k, v) in &fields {
        if k == "status" {
            let name = v
                .as_str()
                .or_else(|| v.get("name").and_then(Value::as_str))
                .unwrap_or("");
            match crate::model::STATUSES
                .iter()
                .find(|s| s.1.eq_ignore_ascii_case(name))
            {
                Some(s) => d.status = s.0.into(),
                None => return bad(&format!("unknown status '{name}'")),
            }
        } else if let Err(e) = crate::api::fields::set_field(&ctx, inner, &mut d, k, v) {
            return bad(&format!("{k}: {e}"));
        }
    }
    let now = inner.now();
    d.updated = now;
    d.indexed_at = now + inner.config.index_delay_ms;
    inner.issues.insert(id, d);
    ok(json!({"id": id.to_string(), "key": key}))
}

/// Someone else moves an issue to another project: it gets a new key there; the old key keeps
/// resolving to it (as Jira does), and sub-tasks move along.
fn move_issue(inner: &mut Inner, key: &str, b: &Value) -> Resp {
    let Some(id) = inner.find(key) else {
        return crate::util::issue_404();
    };
    let Some(target) = b
        .get("project")
        .and_then(Value::as_str)
        .and_then(|p| inner.project(p))
        .map(|p| p.key.clone())
    else {
        return bad("project: unknown project");
    };
    let now = inner.now();
    let delay = inner.config.index_delay_ms;
    let mut moved = Vec::new();
    for i in std::iter::once(id).chain(inner.subtasks(id)) {
        let num = match inner.projects.get_mut(&target) {
            Some(p) => {
                p.next_num += 1;
                p.next_num - 1
            }
            None => return bad("project: unknown project"),
        };
        let new_key = format!("{target}-{num}");
        inner.keys.insert(new_key.clone(), i);
        if let Some(issue) = inner.issues.get_mut(&i) {
            issue.key = new_key.clone();
            issue.project = target.clone();
            issue.updated = now;
            issue.indexed_at = now + delay;
        }
        moved.push(new_key);
    }
    ok(json!({"id": id.to_string(), "key": moved[0], "subtasks": moved[1..]}))
}
