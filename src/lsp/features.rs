//! The answers of `jirad lsp`: hover, links, completion, inlay hints, diagnostics, code actions
//! and their commands, workspace symbols; resolving the keys documents mention with one daemon
//! watch (`issues/watch` on `key in (...)`: one search per batch, then pushed changes).

use super::text::{self, Encoding, Text};
use super::{Failure, Server};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::Arc;
use tokio::sync::mpsc;

/// The fields the editor shows.
const FIELDS: [&str; 8] = [
    "summary",
    "status",
    "issuetype",
    "priority",
    "assignee",
    "updated",
    "description",
    "labels",
];

/// How long an editor may take to accept a progress token.
const PROGRESS_ANSWER: std::time::Duration = std::time::Duration::from_secs(2);

/// The daemon's `notFound` error code.
const NOT_FOUND: i64 = 1004;

/// How much of a description a hover shows.
const DESCRIPTION_CHARS: usize = 600;

/// Routes one editor request.
pub async fn request(server: &Arc<Server>, method: &str, params: Value) -> Result<Value, Failure> {
    match method {
        "textDocument/hover" => hover(server, &params).await,
        "textDocument/completion" => completion(server, &params).await,
        "textDocument/documentLink" => Ok(links(server, &params)),
        "textDocument/inlayHint" => Ok(inlay_hints(server, &params)),
        "textDocument/codeAction" => code_actions(server, &params).await,
        "workspace/executeCommand" => execute(server, &params).await,
        "workspace/symbol" => symbols(server, &params).await,
        _ => Err((-32601, format!("method not found: {method}"))),
    }
}

/// A document's keys: (byte start, byte end, key).
fn doc_keys(text: &Text, projects: &[String]) -> Vec<(usize, usize, String)> {
    text::keys(text.as_str(), |p| projects.iter().any(|k| k == p))
        .into_iter()
        .map(|(s, e)| (s, e, text.as_str()[s..e].to_owned()))
        .collect()
}

/// The key under a position, with its byte range, and the document's text around it.
async fn key_at(server: &Server, params: &Value) -> Option<(String, Value)> {
    let projects = server.projects().await;
    let uri = params["textDocument"]["uri"].as_str()?;
    let enc = server.enc();
    let docs = server.docs.lock().ok()?;
    let doc = docs.get(uri)?;
    let at = doc.text.offset(&params["position"], enc);
    doc_keys(&doc.text, &projects)
        .into_iter()
        .find(|(s, e, _)| *s <= at && at <= *e)
        .map(|(s, e, key)| (key, doc.text.range(s, e, enc)))
}

/// The issue behind a key: known already, or read now.
async fn issue(server: &Server, key: &str) -> Result<Option<Value>, Failure> {
    let known = server
        .issues
        .lock()
        .ok()
        .and_then(|i| i.by_key.get(key).cloned());
    if let Some(known) = known {
        return Ok(known);
    }
    match server
        .call("issues/get", json!({ "key": key, "fields": FIELDS }))
        .await
    {
        Ok(got) => Ok(Some(got)),
        Err((code, _)) if code == NOT_FOUND => Ok(None),
        Err(e) => Err(e),
    }
}

fn name(v: &Value) -> &str {
    v.as_str()
        .or_else(|| v["displayName"].as_str())
        .or_else(|| v["name"].as_str())
        .unwrap_or_default()
}

/// The hover text of an issue, in Markdown.
pub fn markdown(i: &Value) -> String {
    let key = i["key"].as_str().unwrap_or_default();
    let mut out = match i["url"].as_str() {
        Some(url) => format!(
            "**[{key}]({url})** {}\n\n",
            i["summary"].as_str().unwrap_or("")
        ),
        None => format!("**{key}** {}\n\n", i["summary"].as_str().unwrap_or("")),
    };
    let mut facts = Vec::new();
    for (label, v) in [
        ("", &i["type"]),
        ("", &i["status"]),
        ("priority ", &i["priority"]),
    ] {
        if !name(v).is_empty() {
            facts.push(format!("{label}{}", name(v)));
        }
    }
    facts.push(match name(&i["assignee"]) {
        "" => "unassigned".to_owned(),
        who => format!("assignee {who}"),
    });
    if let Some(updated) = i["updated"].as_str() {
        facts.push(format!("updated {}", updated.get(..10).unwrap_or(updated)));
    }
    out.push_str(&facts.join(" · "));
    if let Some(d) = i["description"].as_str().filter(|d| !d.trim().is_empty()) {
        out.push_str("\n\n---\n\n");
        let mut cut: String = d.chars().take(DESCRIPTION_CHARS).collect();
        if cut.len() < d.len() {
            // Never leave a code fence open.
            if cut.matches("```").count() % 2 == 1 {
                cut.push_str("\n```");
            }
            cut.push_str("\n\n…");
        }
        out.push_str(cut.trim_end());
    }
    out
}

/// The reference data of JQL (`jql/autocomplete`), fetched once per session.
async fn jql_reference(server: &Server) -> Result<Arc<Value>, Failure> {
    let mut slot = server.jql_reference.lock().await;
    if let Some(r) = slot.as_ref() {
        return Ok(r.clone());
    }
    let r = Arc::new(server.call("jql/autocomplete", json!({})).await?);
    *slot = Some(r.clone());
    Ok(r)
}

/// Hover on a field of a JQL query: its name, display name, operators and whether it orders.
async fn jql_hover(server: &Server, params: &Value) -> Result<Value, Failure> {
    let enc = server.enc();
    let Some((word, range)) = (|| {
        let docs = server.docs.lock().ok()?;
        let doc = docs.get(params["textDocument"]["uri"].as_str()?)?;
        let at = doc.text.offset(&params["position"], enc);
        let s = doc.text.as_str();
        let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '[' || c == ']';
        let start = s[..at].rfind(|c: char| !is_word(c)).map_or(0, |i| i + 1);
        let end = s[at..]
            .find(|c: char| !is_word(c))
            .map_or(s.len(), |i| at + i);
        (start < end).then(|| (s[start..end].to_owned(), doc.text.range(start, end, enc)))
    })() else {
        return Ok(Value::Null);
    };
    let reference = jql_reference(server).await?;
    let Some(f) = reference["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| {
            f["name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(&word))
        })
    else {
        return Ok(Value::Null);
    };
    let operators: Vec<String> = f["operators"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|o| format!("`{o}`"))
        .collect();
    let mut value = format!(
        "**{}** ({})\n\noperators: {}",
        f["name"].as_str().unwrap_or_default(),
        f["displayName"].as_str().unwrap_or_default(),
        operators.join(" ")
    );
    if f["orderable"] == true {
        value.push_str("\n\ncan order results (`ORDER BY`)");
    }
    Ok(json!({ "contents": { "kind": "markdown", "value": value }, "range": range }))
}

async fn hover(server: &Server, params: &Value) -> Result<Value, Failure> {
    let is_jql = server.docs.lock().ok().is_some_and(|d| {
        params["textDocument"]["uri"]
            .as_str()
            .and_then(|u| d.get(u))
            .is_some_and(|doc| doc.language == "jql")
    });
    if is_jql {
        return jql_hover(server, params).await;
    }
    let Some((key, range)) = key_at(server, params).await else {
        return Ok(Value::Null);
    };
    let value = match issue(server, &key).await? {
        Some(i) => markdown(&i),
        None => format!("**{key}**: no such issue, or this profile cannot see it"),
    };
    Ok(json!({ "contents": { "kind": "markdown", "value": value }, "range": range }))
}

/// The word being typed before the cursor: its byte start and text.
fn typed(doc: &Text, at: usize) -> (usize, String) {
    let s = doc.as_str();
    let start = s[..at]
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '_' || *c == '-')
        .last()
        .map_or(at, |(i, _)| i);
    (start, s[start..at].to_owned())
}

async fn completion(server: &Server, params: &Value) -> Result<Value, Failure> {
    let projects = server.projects().await;
    let enc = server.enc();
    let Some((word, range, jql_before, mention)) = (|| {
        let docs = server.docs.lock().ok()?;
        let doc = docs.get(params["textDocument"]["uri"].as_str()?)?;
        let at = doc.text.offset(&params["position"], enc);
        let (start, word) = typed(&doc.text, at);
        let jql = (doc.language == "jql").then(|| doc.text.as_str()[..start].to_owned());
        let mention = doc.text.as_str()[..start].ends_with('@');
        Some((word, doc.text.range(start, at, enc), jql, mention))
    })() else {
        return Ok(json!({ "isIncomplete": false, "items": [] }));
    };
    if let Some(before) = jql_before {
        return jql_completion(server, &before, &word, &range).await;
    }
    if mention {
        return users(server, &word, &range).await;
    }
    let upper = word.to_ascii_uppercase();
    let project = upper.split('-').next().unwrap_or_default();
    let matching: Vec<&String> = projects
        .iter()
        .filter(|p| !project.is_empty() && p.starts_with(project))
        .collect();
    let query = if !matching.is_empty() && (upper == word || word.contains('-')) {
        let list = matching
            .iter()
            .map(|p| format!("\"{p}\""))
            .collect::<Vec<_>>()
            .join(", ");
        json!({ "jql": format!("project in ({list}) ORDER BY updated DESC") })
    } else if word.chars().count() >= 3 {
        json!({ "text": word })
    } else {
        // Nothing typed to go on: the user's own open work.
        json!({ "assignee": "me" })
    };
    let mut query = query;
    query["limit"] = json!(50);
    query["fields"] = json!(["summary", "status", "issuetype"]);
    let list = server.call("issues/list", query).await?;
    let by_key = matching.is_empty();
    let items: Vec<Value> = list["issues"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| {
            let key = i["key"].as_str()?;
            let summary = i["summary"].as_str().unwrap_or_default();
            let mut item = json!({
                "label": key,
                "kind": 18,
                "detail": summary,
                "labelDetails": { "description": name(&i["status"]) },
                "textEdit": { "range": range, "newText": key },
            });
            if by_key {
                // Found by its summary: the text typed is what the editor filters on.
                item["filterText"] = json!(word);
            }
            Some(item)
        })
        .collect();
    Ok(json!({ "isIncomplete": true, "items": items }))
}

/// Completion in a JQL query, from what precedes the word being typed: after a field, its
/// operators; after a field and an operator, its values (`jql/suggest`) and the functions;
/// after `field CHANGED`, its predicates; after a `BY`, `FROM` or `TO` of a `WAS`/`CHANGED`
/// clause, that predicate's values; elsewhere, fields and keywords (and within a `WAS`/`CHANGED`
/// clause, its predicates).
async fn jql_completion(
    server: &Server,
    before: &str,
    word: &str,
    range: &Value,
) -> Result<Value, Failure> {
    let reference = jql_reference(server).await?;
    let tokens: Vec<&str> = before.split_whitespace().collect();
    let last = tokens
        .last()
        .map(|t| t.to_ascii_lowercase())
        .unwrap_or_default();
    let field = |name: &str| {
        reference["fields"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|f| {
                f["name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .cloned()
    };
    let item = |label: &str, kind: u8, detail: &str| {
        json!({ "label": label, "kind": kind, "detail": detail,
                "textEdit": { "range": range, "newText": label } })
    };
    // The history clause (`status WAS …`, `status CHANGED …`) the first `upto` words end in:
    // its field, and whether it is a CHANGED one.
    let history = |upto: usize| {
        let words = &tokens[..upto];
        let at = words.iter().rposition(|t| {
            ["was", "changed", "and", "or", "order"]
                .iter()
                .any(|k| t.eq_ignore_ascii_case(k))
        })?;
        let kw = words[at].to_ascii_lowercase();
        if kw != "was" && kw != "changed" {
            return None;
        }
        Some((field(words.get(at.checked_sub(1)?)?)?, kw == "changed"))
    };
    let predicates = |changed: bool| {
        let all = ["FROM", "TO", "BY", "AFTER", "BEFORE", "ON", "DURING"];
        // FROM and TO belong to CHANGED.
        all.into_iter().skip(if changed { 0 } else { 2 })
    };
    let mut items = Vec::new();
    let predicate = ["by", "from", "to"]
        .contains(&last.as_str())
        .then(|| history(tokens.len().saturating_sub(1)))
        .flatten();
    if let Some((f, _)) = predicate {
        // Jira's values of the predicate: users after BY, the field's values after FROM/TO.
        let name = f["name"].as_str().unwrap_or_default();
        let values = server
            .call(
                "jql/suggest",
                json!({ "field": name, "value": word, "predicate": last }),
            )
            .await
            .unwrap_or_default();
        push_values(&mut items, &values, &item);
        if last == "by" {
            items.push(item("currentUser()", 3, "function"));
        }
    } else if last == "changed" && tokens.len() >= 2 && field(tokens[tokens.len() - 2]).is_some() {
        for w in predicates(true) {
            items.push(item(w, 14, "predicate"));
        }
    } else if let Some(f) = field(&last) {
        for op in f["operators"].as_array().into_iter().flatten() {
            if let Some(op) = op.as_str() {
                items.push(item(op, 24, "operator"));
            }
        }
    } else if let Some(f) = tokens.len().checked_sub(2).and_then(|i| field(tokens[i])) {
        // Jira's values of that field; a value with spaces is written quoted.
        let name = f["name"].as_str().unwrap_or_default();
        let values = server
            .call("jql/suggest", json!({ "field": name, "value": word }))
            .await
            .unwrap_or_default();
        push_values(&mut items, &values, &item);
        for f in reference["functions"].as_array().into_iter().flatten() {
            if let Some(f) = f.as_str() {
                items.push(item(f, 3, "function"));
            }
        }
    } else {
        for f in reference["fields"].as_array().into_iter().flatten() {
            if let Some(name) = f["name"].as_str() {
                items.push(item(name, 5, f["displayName"].as_str().unwrap_or(name)));
            }
        }
        for w in ["AND", "OR", "NOT", "ORDER BY"] {
            items.push(item(w, 14, "keyword"));
        }
        // Within a history clause, its further predicates.
        if let Some((_, changed)) = history(tokens.len()) {
            for w in predicates(changed) {
                items.push(item(w, 14, "predicate"));
            }
        }
    }
    let lower = word.to_lowercase();
    items.retain(|i| {
        i.get("filterText")
            .unwrap_or(&i["label"])
            .as_str()
            .is_some_and(|l| l.to_lowercase().starts_with(&lower))
    });
    Ok(json!({ "isIncomplete": false, "items": items }))
}

/// `jql/suggest`'s values as completion items; a value with spaces is written quoted.
fn push_values(items: &mut Vec<Value>, values: &Value, item: &dyn Fn(&str, u8, &str) -> Value) {
    for v in values.as_array().into_iter().flatten() {
        if let Some(value) = v["value"].as_str() {
            let text = if value.contains(char::is_whitespace) {
                format!("\"{value}\"")
            } else {
                value.to_owned()
            };
            let mut it = item(&text, 12, v["displayName"].as_str().unwrap_or(value));
            // Filtered by the value, not its quotes.
            it["filterText"] = json!(value);
            items.push(it);
        }
    }
}

/// After `@`: the users whose name or email starts with what was typed, by display name.
async fn users(server: &Server, word: &str, range: &Value) -> Result<Value, Failure> {
    if word.is_empty() {
        return Ok(json!({ "isIncomplete": true, "items": [] }));
    }
    let found = server
        .call("users/search", json!({ "query": word }))
        .await?;
    let items: Vec<Value> = found
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|u| {
            let name = u["displayName"].as_str()?;
            Some(json!({
                "label": name,
                "kind": 4,
                "detail": u["email"].as_str().or_else(|| u["accountId"].as_str()),
                "filterText": word,
                "textEdit": { "range": range, "newText": name },
            }))
        })
        .collect();
    Ok(json!({ "isIncomplete": true, "items": items }))
}

fn links(server: &Server, params: &Value) -> Value {
    each_key(server, params, |text, enc, s, e, _, issue| {
        let url = issue?["url"].as_str()?;
        Some(json!({ "range": text.range(s, e, enc), "target": url }))
    })
}

fn inlay_hints(server: &Server, params: &Value) -> Value {
    if !server.settings().inlay_hints {
        return json!([]);
    }
    each_key(server, params, |text, enc, _, e, _, issue| {
        let status = name(&issue?["status"]).to_owned();
        (!status.is_empty()).then(
            || json!({ "position": text.position(e, enc), "label": status, "paddingLeft": true }),
        )
    })
}

/// Maps each resolved key of a document (known issue or known missing), using only what is
/// resolved already: links and hints never wait on Jira, and arrive with the refresh.
fn each_key(
    server: &Server,
    params: &Value,
    f: impl Fn(&Text, Encoding, usize, usize, &str, Option<&Value>) -> Option<Value>,
) -> Value {
    let enc = server.enc();
    let uri = params["textDocument"]["uri"].as_str().unwrap_or_default();
    let projects = server
        .projects
        .try_lock()
        .ok()
        .and_then(|p| p.clone())
        .unwrap_or_default();
    let (Ok(docs), Ok(issues)) = (server.docs.lock(), server.issues.lock()) else {
        return json!([]);
    };
    let Some(doc) = docs.get(uri) else {
        return json!([]);
    };
    let out: Vec<Value> = doc_keys(&doc.text, &projects)
        .into_iter()
        .filter_map(|(s, e, key)| {
            let issue = issues.by_key.get(&key)?;
            f(&doc.text, enc, s, e, &key, issue.as_ref())
        })
        .collect();
    Value::Array(out)
}

/// Resolves the keys of the open documents that are not known yet, with one watch over all of
/// them, then republishes diagnostics and asks for fresh inlay hints.
pub async fn refresh(server: Arc<Server>, uri: Option<String>) {
    if let Some(u) = uri.as_deref() {
        let jql = server.docs.lock().ok().and_then(|d| {
            d.get(u)
                .filter(|doc| doc.language == "jql")
                .map(|doc| doc.text.as_str().to_owned())
        });
        if let Some(jql) = jql {
            return validate_jql(&server, u, &jql).await;
        }
    }
    let _one = server.resolving.lock().await;
    let projects = server.projects().await;
    let wanted: BTreeSet<String> = {
        let Ok(docs) = server.docs.lock() else { return };
        docs.values()
            .flat_map(|d| doc_keys(&d.text, &projects).into_iter().map(|k| k.2))
            .collect()
    };
    let (unknown, old) = {
        let Ok(issues) = server.issues.lock() else {
            return;
        };
        let unknown: Vec<String> = wanted
            .iter()
            .filter(|k| !issues.by_key.contains_key(*k))
            .cloned()
            .collect();
        (unknown, issues.watch.clone())
    };
    if !unknown.is_empty() {
        // Watch every key still referenced and found, plus the new ones.
        let mut keys: BTreeSet<String> = {
            let Ok(issues) = server.issues.lock() else {
                return;
            };
            wanted
                .iter()
                .filter(|k| matches!(issues.by_key.get(*k), Some(Some(_))))
                .cloned()
                .collect()
        };
        keys.extend(unknown.iter().cloned());
        let progress =
            begin_progress(&server, &format!("Reading {} Jira issues", unknown.len())).await;
        watch(&server, keys, &unknown).await;
        if let Some(token) = progress {
            server.notify(
                "$/progress",
                json!({ "token": token, "value": { "kind": "end" } }),
            );
        }
        if let Some((id, _)) = old {
            let _ = server
                .call("issues/unwatch", json!({ "watchId": id }))
                .await;
        }
    }
    publish(&server, uri.as_deref());
    if server.client_can(&["workspace", "inlayHint", "refreshSupport"]) && !unknown.is_empty() {
        let s = server.clone();
        tokio::spawn(async move { s.ask("workspace/inlayHint/refresh", Value::Null).await });
    }
}

/// Starts a work-done progress the editor shows while Jira is read, when it supports them.
async fn begin_progress(server: &Server, title: &str) -> Option<String> {
    if !server.client_can(&["window", "workDoneProgress"]) {
        return None;
    }
    let token = format!("jirad-{}", rand::random::<u32>());
    // An editor that never answers must not hold up reading the issues.
    let create = server.ask("window/workDoneProgress/create", json!({ "token": token }));
    let answer = tokio::time::timeout(PROGRESS_ANSWER, create).await.ok()??;
    // An error answer means the editor refused the token.
    if answer.get("error").is_some() {
        return None;
    }
    server.notify(
        "$/progress",
        json!({ "token": token, "value": { "kind": "begin", "title": title } }),
    );
    Some(token)
}

/// Opens the watch over `keys`; those `asked` that it does not return are missing. Jira refuses a
/// JQL naming a key that does not exist, naming it: those keys are dropped and asked again once.
async fn watch(server: &Server, mut keys: BTreeSet<String>, asked: &[String]) {
    let mut missing: BTreeSet<String> = BTreeSet::new();
    for _ in 0..2 {
        if keys.is_empty() {
            break;
        }
        let list = keys
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        let mut params = json!({ "jql": format!("key in ({list})"), "fields": FIELDS });
        if let Some(s) = server.settings().watch_interval {
            params["intervalSeconds"] = json!(s);
        }
        match server.call("issues/watch", params).await {
            Ok(r) => {
                let Ok(mut issues) = server.issues.lock() else {
                    return;
                };
                let found: Vec<Value> = r["issues"].as_array().cloned().unwrap_or_default();
                for i in &found {
                    if let Some(k) = i["key"].as_str() {
                        issues.by_key.insert(k.to_owned(), Some(i.clone()));
                    }
                }
                for k in asked {
                    if !found.iter().any(|i| i["key"] == k.as_str()) {
                        issues.by_key.insert(k.clone(), None);
                    }
                }
                for k in &missing {
                    issues.by_key.insert(k.clone(), None);
                }
                issues.watch = r["watchId"].as_u64().map(|id| (id, keys));
                return;
            }
            Err((_, message)) => {
                let named: Vec<String> = keys
                    .iter()
                    .filter(|k| message.contains(&format!("'{k}'")))
                    .cloned()
                    .collect();
                if named.is_empty() {
                    tracing::warn!("reading the issues of open documents: {message}");
                    return;
                }
                for k in named {
                    keys.remove(&k);
                    missing.insert(k);
                }
            }
        }
    }
    if let Ok(mut issues) = server.issues.lock() {
        for k in missing {
            issues.by_key.insert(k, None);
        }
    }
}

/// Pushes the diagnostics of one document, or of all: a hint on each key of a done or missing
/// issue.
fn publish(server: &Server, uri: Option<&str>) {
    let enc = server.enc();
    let enabled = server.settings().diagnostics;
    let projects = server
        .projects
        .try_lock()
        .ok()
        .and_then(|p| p.clone())
        .unwrap_or_default();
    let mut out = Vec::new();
    {
        let (Ok(docs), Ok(issues)) = (server.docs.lock(), server.issues.lock()) else {
            return;
        };
        let mine = |u: &String, doc: &super::Doc| {
            doc.language != "jql" && uri.is_none_or(|x| x == u.as_str())
        };
        for (u, doc) in docs.iter().filter(|(u, doc)| mine(u, doc)) {
            let mut diags = Vec::new();
            for (s, e, key) in doc_keys(&doc.text, &projects)
                .into_iter()
                .filter(|_| enabled)
            {
                let message = match issues.by_key.get(&key) {
                    Some(None) => format!("{key}: no such issue, or this profile cannot see it"),
                    Some(Some(i)) if i["status"]["category"] == "done" => {
                        format!("{key} is {}: {}", name(&i["status"]), name(&i["summary"]))
                    }
                    _ => continue,
                };
                diags.push(json!({
                    "range": doc.text.range(s, e, enc),
                    "severity": 4,
                    "source": "jirad",
                    "message": message,
                }));
            }
            out.push((u.clone(), diags));
        }
    }
    for (u, diags) in out {
        server.notify(
            "textDocument/publishDiagnostics",
            json!({ "uri": u, "diagnostics": diags }),
        );
    }
}

/// A JQL document's diagnostics: Jira's errors (`jql/validate`), each at the line and character
/// its message names (to the end of the word there), else on the whole query.
async fn validate_jql(server: &Server, uri: &str, jql: &str) {
    let diagnostics = if jql.trim().is_empty() {
        Vec::new()
    } else {
        let Ok(r) = server.call("jql/validate", json!({ "jql": jql })).await else {
            return;
        };
        let enc = server.enc();
        let Ok(docs) = server.docs.lock() else {
            return;
        };
        let Some(doc) = docs.get(uri).filter(|d| d.text.as_str() == jql) else {
            // Edited meanwhile: the newer text's check publishes.
            return;
        };
        r["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                let range = match (e["line"].as_u64(), e["character"].as_u64()) {
                    (Some(line), Some(character)) => {
                        let start = doc.text.offset(
                            &json!({ "line": line.saturating_sub(1),
                                     "character": character.saturating_sub(1) }),
                            Encoding::Utf32,
                        );
                        let rest = &jql[start..];
                        let len = rest
                            .find(char::is_whitespace)
                            .unwrap_or(rest.len())
                            .max(rest.chars().next().map_or(0, char::len_utf8));
                        doc.text.range(start, start + len, enc)
                    }
                    _ => doc.text.range(0, jql.trim_end().len(), enc),
                };
                json!({ "range": range, "severity": 1, "source": "jira",
                        "message": e["message"] })
            })
            .collect()
    };
    server.notify(
        "textDocument/publishDiagnostics",
        json!({ "uri": uri, "diagnostics": diagnostics }),
    );
}

/// The daemon's pushes: a watched issue changed (hints and diagnostics follow it).
pub async fn daemon_notifications(server: Arc<Server>, mut notes: mpsc::UnboundedReceiver<Value>) {
    let mut asked_consent = BTreeSet::new();
    while let Some(msg) = notes.recv().await {
        let p = &msg["params"];
        match msg["method"].as_str().unwrap_or_default() {
            "auth/authorizationRequired" => {
                let url = p["authorizationUrl"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                // Once per link: every read of a document would otherwise ask again.
                if !url.is_empty() && asked_consent.insert(url.clone()) {
                    let s = server.clone();
                    let profile = p["profile"].as_str().unwrap_or_default().to_owned();
                    tokio::spawn(async move { consent(&s, &profile, &url).await });
                }
                continue;
            }
            "auth/didChange" if p["state"] == "authorized" => {
                // Now the profile can read what it could not: its projects, then the documents.
                if let Ok(mut projects) = server.projects.try_lock() {
                    *projects = None;
                }
                tokio::spawn(refresh(server.clone(), None));
                continue;
            }
            "issues/didChange" => {}
            _ => continue,
        }
        {
            let Ok(mut issues) = server.issues.lock() else {
                continue;
            };
            if issues.watch.as_ref().map(|w| w.0) != p["watchId"].as_u64() {
                continue;
            }
            for i in ["added", "changed"]
                .iter()
                .flat_map(|k| p[*k].as_array().into_iter().flatten())
            {
                if let Some(k) = i["key"].as_str() {
                    issues.by_key.insert(k.to_owned(), Some(i.clone()));
                }
            }
            for i in p["removed"].as_array().into_iter().flatten() {
                if let Some(k) = i["key"].as_str() {
                    issues.by_key.insert(k.to_owned(), None);
                }
            }
        }
        publish(&server, None);
        if server.client_can(&["workspace", "inlayHint", "refreshSupport"]) {
            let s = server.clone();
            tokio::spawn(async move { s.ask("workspace/inlayHint/refresh", Value::Null).await });
        }
    }
}

/// A profile needs its user's consent: the editor opens the link when it can
/// (`window/showDocument`), else shows it.
async fn consent(server: &Server, profile: &str, url: &str) {
    let message = format!("jirad: the profile `{profile}` needs authorization; open {url}");
    if server.client_can(&["window", "showDocument", "support"]) {
        server.notify(
            "window/showMessage",
            json!({ "type": 3, "message": message }),
        );
        server
            .ask(
                "window/showDocument",
                json!({ "uri": url, "external": true }),
            )
            .await;
    } else {
        server.notify(
            "window/showMessage",
            json!({ "type": 2, "message": message }),
        );
    }
}

fn command(title: &str, name: &str, args: Value) -> Value {
    json!({ "title": title, "command": { "title": title, "command": name, "arguments": [args] } })
}

async fn code_actions(server: &Server, params: &Value) -> Result<Value, Failure> {
    let p = json!({ "textDocument": params["textDocument"], "position": params["range"]["start"] });
    let mut actions = Vec::new();
    if let Some((key, range)) = key_at(server, &p).await {
        let issue = issue(server, &key).await?;
        let Some(issue) = issue else {
            return Ok(json!([]));
        };
        let transitions = server
            .call("issues/transitions", json!({ "key": key }))
            .await
            .unwrap_or_default();
        for t in transitions.as_array().into_iter().flatten() {
            let to = name(&t["to"]);
            if to.is_empty() || to == name(&issue["status"]) {
                continue;
            }
            actions.push(command(
                &format!("Move {key} to {to}"),
                "jirad.transition",
                json!({ "key": key, "to": t["id"] }),
            ));
        }
        actions.push(command(
            &format!("Assign {key} to me"),
            "jirad.assignToMe",
            json!({ "key": key }),
        ));
        if let Some(url) = issue["url"].as_str() {
            actions.push(command(
                &format!("Open {key} in the browser"),
                "jirad.open",
                json!({ "url": url }),
            ));
            let uri = params["textDocument"]["uri"].clone();
            actions.push(json!({
                "title": format!("Link {key} (Markdown)"),
                "kind": "refactor",
                "edit": { "changes": { uri.as_str().unwrap_or_default():
                    [{ "range": range, "newText": format!("[{key}]({url})") }] } },
            }));
        }
        return Ok(Value::Array(actions));
    }
    // A TODO without a key on the line: file it.
    let enc = server.enc();
    let uri = params["textDocument"]["uri"].as_str().unwrap_or_default();
    let todo = {
        let Ok(docs) = server.docs.lock() else {
            return Ok(json!([]));
        };
        docs.get(uri).and_then(|doc| {
            let at = doc.text.offset(&params["range"]["start"], enc);
            let (start, end) = doc.text.line_at(at);
            let (_, marker_end, summary) = text::todo(&doc.text.as_str()[start..end])?;
            Some((
                doc.text.position(start + marker_end, enc),
                summary.to_owned(),
            ))
        })
    };
    if let Some((at, summary)) = todo {
        actions.push(json!({
            "title": format!("Create a Jira issue: {summary}"),
            "kind": "quickfix",
            "command": { "title": "Create a Jira issue", "command": "jirad.createFromTodo",
                         "arguments": [{ "uri": uri, "position": at, "summary": summary }] },
        }));
    }
    Ok(Value::Array(actions))
}

async fn execute(server: &Server, params: &Value) -> Result<Value, Failure> {
    let args = &params["arguments"][0];
    let key = args["key"].as_str().unwrap_or_default();
    match params["command"].as_str().unwrap_or_default() {
        "jirad.open" => {
            let url = args["url"].as_str().unwrap_or_default();
            if server.client_can(&["window", "showDocument", "support"]) {
                server
                    .ask(
                        "window/showDocument",
                        json!({ "uri": url, "external": true }),
                    )
                    .await;
            } else {
                server.notify("window/showMessage", json!({ "type": 3, "message": url }));
            }
            Ok(Value::Null)
        }
        "jirad.assignToMe" => {
            server
                .call("issues/assign", json!({ "key": key, "assignee": "me" }))
                .await?;
            forget(server, key);
            Ok(Value::Null)
        }
        "jirad.transition" => {
            let to = match &args["to"] {
                Value::String(s) => s.clone(),
                v => v.to_string(),
            };
            server
                .call("issues/transition", json!({ "key": key, "to": to }))
                .await?;
            forget(server, key);
            Ok(Value::Null)
        }
        "jirad.createFromTodo" => create_from_todo(server, args).await,
        other => Err((-32602, format!("unknown command: {other}"))),
    }
}

/// Drops what is known of an issue the user just changed; the next refresh reads it again.
fn forget(server: &Server, key: &str) {
    if let Ok(mut i) = server.issues.lock() {
        i.by_key.remove(key);
    }
}

async fn create_from_todo(server: &Server, args: &Value) -> Result<Value, Failure> {
    let settings = server.settings();
    let project = match settings.project {
        Some(p) => p,
        None => server
            .projects()
            .await
            .first()
            .cloned()
            .ok_or((-32603, "this profile sees no project".to_owned()))?,
    };
    let summary = args["summary"].as_str().unwrap_or_default();
    let created = server
        .call(
            "issues/create",
            json!({ "project": project, "summary": summary, "type": settings.issue_type }),
        )
        .await?;
    let key = created["key"].as_str().unwrap_or_default().to_owned();
    let uri = args["uri"].as_str().unwrap_or_default();
    let edit = json!({ "changes": { uri: [{
        "range": { "start": args["position"], "end": args["position"] },
        "newText": format!("({key})"),
    }] } });
    let answer = server
        .ask(
            "workspace/applyEdit",
            json!({ "label": format!("Insert {key}"), "edit": edit }),
        )
        .await;
    if answer.is_none_or(|a| a["applied"] != true) {
        server.notify(
            "window/showMessage",
            json!({ "type": 3, "message": format!("Created {key}") }),
        );
    }
    Ok(json!({ "key": key }))
}

async fn symbols(server: &Server, params: &Value) -> Result<Value, Failure> {
    let query = params["query"].as_str().unwrap_or_default().trim();
    if query.is_empty() {
        return Ok(json!([]));
    }
    let list = server
        .call(
            "issues/list",
            json!({ "text": query, "limit": 50, "fields": ["summary", "status"] }),
        )
        .await?;
    let out: Vec<Value> = list["issues"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| {
            let key = i["key"].as_str()?;
            let url = i["url"].as_str()?;
            Some(json!({
                "name": format!("{key} {}", i["summary"].as_str().unwrap_or_default()),
                "kind": 14,
                "containerName": name(&i["status"]),
                "location": { "uri": url,
                    "range": { "start": { "line": 0, "character": 0 },
                               "end": { "line": 0, "character": 0 } } },
            }))
        })
        .collect();
    Ok(Value::Array(out))
}
