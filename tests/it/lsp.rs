//! `jirad lsp` as an editor sees it, through the real binary: the `initialize` handshake and its
//! negotiated position encoding, the lifecycle (requests before `initialize`, `shutdown`, `exit`),
//! hover, completion, links, inlay hints and diagnostics on issue keys with UTF-16 columns, a TODO
//! turned into an issue through `workspace/applyEdit`, cancellation, the profile chosen by
//! `initializationOptions`, and a document's keys resolved with one search.

#![cfg(unix)]

use crate::support;

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc;
use support::demo::start_demo;
use support::jira::JiraWorld;

/// `jirad lsp` on pipes, speaking `Content-Length` framed messages.
struct Lsp {
    child: Child,
    stdin: Option<ChildStdin>,
    messages: mpsc::Receiver<Value>,
    /// Server → client messages set aside while waiting for a reply.
    seen: Vec<Value>,
    next_id: i64,
}

impl Lsp {
    fn start(dir: &std::path::Path, socket: &std::path::Path) -> Lsp {
        let mut child = support::jirad(dir)
            .arg("lsp")
            .arg("--socket")
            .arg(socket)
            .arg("--no-spawn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn jirad lsp");
        let out = child.stdout.take().expect("stdout");
        let (tx, messages) = mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(out);
            loop {
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    if line == "\r\n" {
                        break;
                    }
                    let (name, value) = line.split_once(':').expect("a header");
                    assert_eq!(name, "Content-Length", "{line}");
                    length = value.trim().parse().expect("a length");
                }
                let mut body = vec![0; length];
                r.read_exact(&mut body).expect("the body");
                let msg = serde_json::from_slice(&body).expect("JSON");
                if tx.send(msg).is_err() {
                    return;
                }
            }
        });
        Lsp {
            stdin: child.stdin.take(),
            child,
            messages,
            seen: Vec::new(),
            next_id: 0,
        }
    }

    fn send(&mut self, msg: Value) {
        let body = msg.to_string();
        let w = self.stdin.as_mut().expect("stdin open");
        write!(w, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        w.flush().expect("flush");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    fn recv(&mut self) -> Value {
        self.messages
            .recv_timeout(support::READ_TIMEOUT)
            .expect("a message from jirad lsp")
    }

    fn start_request(&mut self, method: &str, params: Value) -> i64 {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        id
    }

    /// The reply to request `id`; server messages before it are kept in `seen`.
    fn reply(&mut self, id: i64) -> Value {
        loop {
            let msg = self.recv();
            if msg["id"] == id && msg.get("method").is_none() {
                return msg;
            }
            self.seen.push(msg);
        }
    }

    fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.start_request(method, params);
        self.reply(id)
    }

    fn result(&mut self, method: &str, params: Value) -> Value {
        let r = self.call(method, params);
        assert!(r.get("error").is_none(), "{method}: {r}");
        r["result"].clone()
    }

    fn initialize(&mut self, params: Value) -> Value {
        let r = self.result("initialize", params);
        self.notify("initialized", json!({}));
        r
    }

    /// The next server notification or request named `method` (earlier ones included).
    fn wait_for(&mut self, method: &str, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self
            .seen
            .iter()
            .position(|m| m["method"] == method && pred(m))
        {
            return self.seen.remove(i);
        }
        loop {
            let msg = self.recv();
            if msg["method"] == method && pred(&msg) {
                return msg;
            }
            self.seen.push(msg);
        }
    }

    fn open(&mut self, uri: &str, language: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": language, "version": 1, "text": text } }),
        );
    }

    fn finish(mut self, shutdown: bool) -> std::process::ExitStatus {
        if shutdown {
            assert_eq!(self.call("shutdown", Value::Null)["result"], Value::Null);
        }
        self.notify("exit", Value::Null);
        drop(self.stdin.take());
        self.child.wait().expect("wait")
    }
}

impl Drop for Lsp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const URI: &str = "file:///work/notes.md";
/// A non-ASCII line before the keys: columns are UTF-16 units, not bytes.
const NOTES: &str = "Release notes\nhéllo 😀 fixed DEMO-1 today; DEMO-6 shipped; DEMO-999 and ABC-1 are not ours\nnext: DEM\n// TODO: retry the audit upload\n";

fn pos(line: u64, character: u64) -> Value {
    json!({ "textDocument": { "uri": URI }, "position": { "line": line, "character": character } })
}

fn range(line: u64, start: u64, end: u64) -> Value {
    json!({ "start": { "line": line, "character": start }, "end": { "line": line, "character": end } })
}

#[test]
fn initialize_declares_capabilities_and_negotiates_the_position_encoding() {
    let (d, _) = start_demo();
    let mut lsp = Lsp::start(d.dir.path(), &d.socket);
    // Before `initialize`, requests are refused with ServerNotInitialized.
    assert_eq!(
        lsp.call("textDocument/hover", pos(0, 0))["error"]["code"],
        -32002
    );
    let init = lsp.initialize(json!({ "capabilities": {}, "processId": null }));
    let caps = &init["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-16", "the default: {init}");
    assert_eq!(caps["textDocumentSync"]["change"], 2, "incremental sync");
    assert_eq!(caps["textDocumentSync"]["openClose"], true);
    for provider in [
        "hoverProvider",
        "completionProvider",
        "documentLinkProvider",
        "inlayHintProvider",
        "codeActionProvider",
        "executeCommandProvider",
        "workspaceSymbolProvider",
    ] {
        assert!(caps.get(provider).is_some(), "{provider} in {caps}");
    }
    assert_eq!(init["serverInfo"]["name"], "jirad");
    assert_eq!(lsp.call("no/such", json!({}))["error"]["code"], -32601);
    // After `shutdown`, requests are refused; `exit` then ends the process with success.
    assert_eq!(lsp.call("shutdown", Value::Null)["result"], Value::Null);
    assert_eq!(
        lsp.call("textDocument/hover", pos(0, 0))["error"]["code"],
        -32600
    );
    assert!(lsp.finish(false).success());

    // A client preferring UTF-8 gets it, and `exit` without `shutdown` exits 1.
    let mut lsp = Lsp::start(d.dir.path(), &d.socket);
    let init = lsp.initialize(json!({ "capabilities":
        { "general": { "positionEncodings": ["utf-8", "utf-16"] } } }));
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-8");
    assert_eq!(lsp.finish(false).code(), Some(1));
}

#[test]
fn keys_of_the_profiles_projects_get_hover_links_hints_and_diagnostics() {
    let (d, _) = start_demo();
    let mut lsp = Lsp::start(d.dir.path(), &d.socket);
    lsp.initialize(json!({ "capabilities": {} }));
    lsp.open(URI, "markdown", NOTES);

    // Diagnostics arrive by themselves: a done issue and a missing one, at hint level, with
    // UTF-16 columns (DEMO-1 starts at byte 18 of its line but unit 15).
    let diags = lsp.wait_for("textDocument/publishDiagnostics", |m| {
        m["params"]["uri"] == URI
    })["params"]["diagnostics"]
        .clone();
    let messages: Vec<&str> = diags
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 2, "{diags}");
    assert!(messages[0].starts_with("DEMO-6 is Done"), "{diags}");
    assert!(
        messages[1].starts_with("DEMO-999: no such issue"),
        "{diags}"
    );
    assert!(diags.as_array().unwrap().iter().all(|d| d["severity"] == 4));
    assert_eq!(diags[0]["range"], range(1, 29, 35));

    let hover = lsp.result("textDocument/hover", pos(1, 17));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert_eq!(hover["contents"]["kind"], "markdown");
    assert!(text.starts_with("**[DEMO-1](http"), "{text}");
    assert!(text.contains("Refactor audit log"), "{text}");
    assert!(text.contains("To Do") && text.contains("Story"), "{text}");
    assert!(text.contains("## Context"), "the description: {text}");
    assert_eq!(hover["range"], range(1, 15, 21));
    // A key of a project the profile does not have is plain text.
    let abc = NOTES.lines().nth(1).unwrap().find("ABC-1").unwrap();
    let abc_units = NOTES.lines().nth(1).unwrap()[..abc].encode_utf16().count() as u64;
    assert_eq!(
        lsp.result("textDocument/hover", pos(1, abc_units + 1)),
        Value::Null
    );

    let links = lsp.result(
        "textDocument/documentLink",
        json!({ "textDocument": { "uri": URI } }),
    );
    assert_eq!(links.as_array().unwrap().len(), 2, "{links}");
    assert!(links[0]["target"]
        .as_str()
        .unwrap()
        .ends_with("/browse/DEMO-1"));

    let hints = lsp.result(
        "textDocument/inlayHint",
        json!({ "textDocument": { "uri": URI }, "range": { "start": { "line": 0, "character": 0 },
                "end": { "line": 9, "character": 0 } } }),
    );
    assert_eq!(hints[0]["label"], "To Do");
    assert_eq!(hints[0]["position"], json!({ "line": 1, "character": 21 }));
    assert_eq!(hints[1]["label"], "Done");

    // An incremental edit that removes the done key clears its diagnostic.
    lsp.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": URI, "version": 2 },
                "contentChanges": [{ "range": range(1, 29, 35), "text": "nothing" }] }),
    );
    let diags = lsp.wait_for("textDocument/publishDiagnostics", |m| {
        m["params"]["diagnostics"]
            .as_array()
            .is_some_and(|d| d.len() == 1)
    });
    assert!(diags["params"]["diagnostics"][0]["message"]
        .as_str()
        .unwrap()
        .starts_with("DEMO-999"));
    assert!(lsp.finish(true).success());
}

#[test]
fn completion_offers_keys_after_a_project_prefix_and_by_summary_text() {
    let (d, _) = start_demo();
    let mut lsp = Lsp::start(d.dir.path(), &d.socket);
    lsp.initialize(json!({ "capabilities": {} }));
    lsp.open(URI, "markdown", NOTES);
    let list = lsp.result("textDocument/completion", pos(2, 9));
    let items = list["items"].as_array().unwrap();
    assert!(items.len() > 5, "{list}");
    assert!(items
        .iter()
        .all(|i| i["label"].as_str().unwrap().starts_with("DEMO-")));
    // The edit replaces what was typed (`DEM`).
    assert_eq!(items[0]["textEdit"]["range"], range(2, 6, 9));

    lsp.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": URI, "version": 2 },
                "contentChanges": [{ "range": range(2, 6, 9), "text": "audit" }] }),
    );
    let list = lsp.result("textDocument/completion", pos(2, 11));
    let found: Vec<(&str, &str)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["label"].as_str().unwrap(), i["detail"].as_str().unwrap()))
        .collect();
    assert!(found.contains(&("DEMO-1", "Refactor audit log")), "{list}");

    // After `@`: users, by name.
    lsp.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": URI, "version": 3 },
                "contentChanges": [{ "range": range(2, 6, 11), "text": "ask @al" }] }),
    );
    let list = lsp.result("textDocument/completion", pos(2, 13));
    assert_eq!(list["items"][0]["label"], "Alex Morgan", "{list}");
    assert_eq!(list["items"][0]["textEdit"]["range"], range(2, 11, 13));
}

#[test]
fn a_todo_becomes_an_issue_whose_key_is_inserted_through_apply_edit() {
    let (d, _) = start_demo();
    let mut lsp = Lsp::start(d.dir.path(), &d.socket);
    lsp.initialize(json!({ "capabilities": { "workspace": { "applyEdit": true } } }));
    lsp.open(URI, "markdown", NOTES);
    let actions = lsp.result(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": URI }, "range": range(3, 4, 4),
                "context": { "diagnostics": [] } }),
    );
    assert_eq!(
        actions[0]["title"],
        "Create a Jira issue: retry the audit upload"
    );
    let id = lsp.start_request("workspace/executeCommand", actions[0]["command"].clone());
    let apply = lsp.wait_for("workspace/applyEdit", |_| true);
    let edit = &apply["params"]["edit"]["changes"][URI][0];
    let key = edit["newText"]
        .as_str()
        .unwrap()
        .trim_matches(['(', ')'])
        .to_owned();
    assert!(key.starts_with("DEMO-"), "{apply}");
    assert_eq!(edit["range"], range(3, 7, 7), "right after TODO");
    lsp.send(json!({ "jsonrpc": "2.0", "id": apply["id"], "result": { "applied": true } }));
    assert_eq!(lsp.reply(id)["result"]["key"], key.as_str());

    // The issue exists, with the comment's text as its summary.
    let mut c = support::FramedClient::connect(&d.socket, support::Framing::Ndjson);
    let issue = c.result("issues/get", json!({ "key": key }));
    assert_eq!(issue["summary"], "retry the audit upload");

    // On a key, the actions are the issue's transitions, assigning, opening and linking.
    let actions = lsp.result(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": URI }, "range": range(1, 16, 16),
                "context": { "diagnostics": [] } }),
    );
    let titles: Vec<&str> = actions
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert!(titles.contains(&"Move DEMO-1 to In Progress"), "{titles:?}");
    assert!(titles.contains(&"Assign DEMO-1 to me"), "{titles:?}");
    assert!(titles.contains(&"Open DEMO-1 in the browser"), "{titles:?}");
    let transition = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Move DEMO-1 to In Progress")
        .unwrap();
    lsp.result("workspace/executeCommand", transition["command"].clone());
    let issue = c.result("issues/get", json!({ "key": "DEMO-1", "fresh": true }));
    assert_eq!(issue["status"]["name"], "In Progress");

    let symbols = lsp.result("workspace/symbol", json!({ "query": "retry the audit" }));
    assert!(
        symbols[0]["name"].as_str().unwrap().starts_with(&key),
        "{symbols}"
    );
}

#[test]
fn a_cancelled_request_is_answered_as_cancelled_and_the_session_goes_on() {
    let world = JiraWorld::start();
    let d = world.daemon("cloud");
    // The search behind workspace/symbol hangs for a while: the editor gives up on it.
    let (status, body) = world.control(
        "POST",
        "faults",
        json!({ "method": "POST", "pathContains": "/search", "action": "delay",
                "delayMs": 5000, "count": 1 }),
    );
    assert!(status < 300, "{body}");
    let mut lsp = Lsp::start(d.dir.path(), &d.socket);
    lsp.initialize(json!({ "capabilities": {} }));
    let id = lsp.start_request("workspace/symbol", json!({ "query": "audit" }));
    lsp.notify("$/cancelRequest", json!({ "id": id }));
    let r = lsp.reply(id);
    assert_eq!(r["error"]["code"], -32800, "{r}");
    // Exactly one answer, and the session still serves: the next reply is the next request's.
    let symbols = lsp.result("workspace/symbol", json!({ "query": "limiter" }));
    assert!(
        symbols[0]["name"].as_str().unwrap().starts_with("DEMO-"),
        "{symbols}"
    );
    assert!(lsp.finish(true).success());
}

#[test]
fn the_profile_comes_from_initialization_options_and_keys_resolve_in_one_search() {
    let world = JiraWorld::start();
    let d = world.daemon("cloud");
    let mut lsp = Lsp::start(d.dir.path(), &d.socket);
    // The daemon's default is the Cloud profile; the editor asks for the Data Center one.
    lsp.initialize(json!({ "capabilities": {}, "initializationOptions": { "profile": "dc" } }));
    let text: String = (1..=40).map(|n| format!("line {n}: DEMO-{n}\n")).collect();
    lsp.open(URI, "plaintext", &text);
    lsp.wait_for("textDocument/publishDiagnostics", |_| true);
    let hover = lsp.result("textDocument/hover", pos(4, 10));
    assert!(hover["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("DEMO-5"));
    // Forty keys: one search (Data Center's v2 API, so the dc profile), no read per key.
    assert_eq!(
        world.count_requests("GET", "/rest/api/2/search")
            + world.count_requests("POST", "/rest/api/2/search"),
        1
    );
    assert_eq!(world.count_requests("GET", "/rest/api/2/issue/DEMO-"), 0);
    assert_eq!(world.count_requests("POST", "/rest/api/3/search/jql"), 0);
}

#[test]
fn a_referenced_issue_changing_elsewhere_refreshes_diagnostics_and_hints() {
    let world = JiraWorld::start();
    let d = support::Daemon::start_with(
        &[],
        Some(&world.config("cloud", "[cache]\nwatch_min_interval_ms = 20\n")),
    );
    let mut lsp = Lsp::start(d.dir.path(), &d.socket);
    lsp.initialize(json!({
        "capabilities": { "workspace": { "inlayHint": { "refreshSupport": true } } },
        "initializationOptions": { "jirad": { "watchIntervalSeconds": 0.05 } },
    }));
    lsp.open(URI, "markdown", "fixed in DEMO-1\n");
    let first = lsp.wait_for("textDocument/publishDiagnostics", |_| true);
    assert_eq!(first["params"]["diagnostics"], json!([]), "DEMO-1 is open");
    let refresh = lsp.wait_for("workspace/inlayHint/refresh", |_| true);
    lsp.send(json!({ "jsonrpc": "2.0", "id": refresh["id"], "result": null }));

    // Another client closes the issue: the editor hears of it without asking.
    let mut c = support::FramedClient::connect(&d.socket, support::Framing::Ndjson);
    c.result(
        "issues/transition",
        json!({ "key": "DEMO-1", "to": "Done" }),
    );
    let diags = lsp.wait_for("textDocument/publishDiagnostics", |m| {
        m["params"]["diagnostics"]
            .as_array()
            .is_some_and(|d| !d.is_empty())
    });
    assert!(diags["params"]["diagnostics"][0]["message"]
        .as_str()
        .unwrap()
        .starts_with("DEMO-1 is Done"));
    lsp.wait_for("workspace/inlayHint/refresh", |_| true);
    let hints = lsp.result(
        "textDocument/inlayHint",
        json!({ "textDocument": { "uri": URI }, "range": range(0, 0, 20) }),
    );
    assert_eq!(hints[0]["label"], "Done");
}

#[test]
fn settings_turn_hints_and_diagnostics_off() {
    let (d, _) = start_demo();
    let mut lsp = Lsp::start(d.dir.path(), &d.socket);
    lsp.initialize(json!({ "capabilities": {} }));
    lsp.open(URI, "markdown", NOTES);
    lsp.wait_for("textDocument/publishDiagnostics", |m| {
        m["params"]["diagnostics"]
            .as_array()
            .is_some_and(|d| !d.is_empty())
    });
    lsp.notify(
        "workspace/didChangeConfiguration",
        json!({ "settings": { "jirad": { "diagnostics": false, "inlayHints": false } } }),
    );
    let cleared = lsp.wait_for("textDocument/publishDiagnostics", |_| true);
    assert_eq!(cleared["params"]["diagnostics"], json!([]));
    let hints = lsp.result(
        "textDocument/inlayHint",
        json!({ "textDocument": { "uri": URI }, "range": range(0, 0, 20) }),
    );
    assert_eq!(hints, json!([]));
    // Hover and links do not depend on them.
    let links = lsp.result(
        "textDocument/documentLink",
        json!({ "textDocument": { "uri": URI } }),
    );
    assert_eq!(links.as_array().unwrap().len(), 2, "{links}");
}

#[test]
fn jql_documents_get_jiras_errors_as_diagnostics() {
    let (d, _) = start_demo();
    let mut lsp = Lsp::start(d.dir.path(), &d.socket);
    lsp.initialize(json!({ "capabilities": {} }));
    let uri = "file:///work/mine.jql";
    lsp.open(
        uri,
        "jql",
        "project = DEMO AND status = \"To Do\" ORDER BY updated DESC",
    );
    let ok = lsp.wait_for("textDocument/publishDiagnostics", |m| {
        m["params"]["uri"] == uri
    });
    assert_eq!(ok["params"]["diagnostics"], json!([]));

    // A syntax error: at the word Jira names, as an error.
    lsp.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 2 },
                "contentChanges": [{ "text": "summary ~ \"unclosed" }] }),
    );
    let bad = lsp.wait_for("textDocument/publishDiagnostics", |m| {
        m["params"]["uri"] == uri && m["params"]["diagnostics"] != json!([])
    });
    let diag = &bad["params"]["diagnostics"][0];
    assert_eq!(diag["severity"], 1);
    assert!(diag["message"]
        .as_str()
        .unwrap()
        .contains("has not been completed. (line 1, character 11)"));
    assert_eq!(diag["range"], range(0, 10, 19), "{diag}");

    // A value Jira does not know: the whole query.
    lsp.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 3 },
                "contentChanges": [{ "text": "project = NOPE" }] }),
    );
    let unknown = lsp.wait_for("textDocument/publishDiagnostics", |m| {
        m["params"]["diagnostics"][0]["message"]
            .as_str()
            .is_some_and(|t| t.contains("NOPE"))
    });
    assert_eq!(
        unknown["params"]["diagnostics"][0]["range"],
        range(0, 0, 14)
    );
    // Hover on a field: what it is and its operators.
    let hover = lsp.result(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 0, "character": 3 } }),
    );
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.starts_with("**project** (Project)"), "{text}");
    assert!(text.contains("`in`"), "{text}");
    assert_eq!(hover["range"], range(0, 0, 7));
    assert!(lsp.finish(true).success());
}

#[test]
fn jql_documents_complete_fields_operators_and_values() {
    let (d, _) = start_demo();
    let mut lsp = Lsp::start(d.dir.path(), &d.socket);
    lsp.initialize(json!({ "capabilities": {} }));
    let uri = "file:///work/mine.jql";
    let labels = |lsp: &mut Lsp, text: &str| -> Vec<String> {
        lsp.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "jql", "version": 1, "text": text } }),
        );
        let list = lsp.result(
            "textDocument/completion",
            json!({ "textDocument": { "uri": uri },
                    "position": { "line": 0, "character": text.len() } }),
        );
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_owned())
            .collect()
    };
    // A field, by its prefix.
    assert_eq!(labels(&mut lsp, "project = DEMO AND st"), ["status"]);
    // After a field: its operators.
    let ops = labels(&mut lsp, "project = DEMO AND status ");
    assert!(
        ops.contains(&"in".to_owned()) && ops.contains(&"=".to_owned()),
        "{ops:?}"
    );
    assert!(
        !ops.contains(&"~".to_owned()),
        "status is not a text field: {ops:?}"
    );
    let ops = labels(&mut lsp, "summary ");
    assert!(ops.contains(&"~".to_owned()), "{ops:?}");
    // After an operator: the profile's projects and the functions.
    let values = labels(&mut lsp, "project = ");
    assert!(
        values.contains(&"DEMO".to_owned()) && values.contains(&"OPS".to_owned()),
        "{values:?}"
    );
    assert_eq!(labels(&mut lsp, "assignee = cur"), ["currentUser()"]);
    // A field's values from Jira, quoted when they hold spaces.
    assert_eq!(
        labels(&mut lsp, "project = DEMO AND status = In"),
        ["\"In Progress\""]
    );
}

#[test]
fn jql_documents_complete_the_predicates_of_was_and_changed_on_both_flavors() {
    let world = JiraWorld::start();
    let d = world.daemon("cloud");
    for profile in ["cloud", "dc"] {
        let mut lsp = Lsp::start(d.dir.path(), &d.socket);
        lsp.initialize(
            json!({ "capabilities": {}, "initializationOptions": { "profile": profile } }),
        );
        let uri = "file:///work/history.jql";
        let mut version = 0;
        let mut labels = |lsp: &mut Lsp, text: &str| -> Vec<String> {
            version += 1;
            lsp.notify(
                "textDocument/didOpen",
                json!({ "textDocument": { "uri": uri, "languageId": "jql", "version": version, "text": text } }),
            );
            let list = lsp.result(
                "textDocument/completion",
                json!({ "textDocument": { "uri": uri },
                        "position": { "line": 0, "character": text.len() } }),
            );
            list["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["label"].as_str().unwrap().to_owned())
                .collect()
        };
        // Jira lists WAS and CHANGED among status's operators.
        let ops = labels(&mut lsp, "status ");
        assert!(
            ops.contains(&"changed".to_owned()) && ops.contains(&"was".to_owned()),
            "{profile}: {ops:?}"
        );
        // After CHANGED: its predicates.
        let preds = labels(&mut lsp, "project = OPS AND status CHANGED ");
        for p in ["FROM", "TO", "BY", "AFTER"] {
            assert!(preds.contains(&p.to_owned()), "{profile}: {preds:?}");
        }
        // BY: the people who could have made the change.
        assert_eq!(
            labels(&mut lsp, "status CHANGED BY Al"),
            ["\"Alex Morgan\""],
            "{profile}"
        );
        assert_eq!(
            labels(&mut lsp, "status CHANGED BY cu"),
            ["currentUser()"],
            "{profile}"
        );
        // FROM and TO, and BY after a WAS value: the field's values, or people.
        assert_eq!(
            labels(&mut lsp, "status CHANGED FROM \"To Do\" TO In"),
            ["\"In Progress\""],
            "{profile}"
        );
        assert_eq!(
            labels(&mut lsp, "status WAS Done BY Mi"),
            ["\"Mia Krystof\""],
            "{profile}"
        );
        // After a WAS value: its predicates among the keywords, without CHANGED's FROM and TO.
        let next = labels(&mut lsp, "status WAS Done ");
        assert!(
            next.contains(&"BEFORE".to_owned()) && next.contains(&"AND".to_owned()),
            "{profile}: {next:?}"
        );
        assert!(!next.contains(&"FROM".to_owned()), "{profile}: {next:?}");
        let next = labels(&mut lsp, "status CHANGED FROM Done T");
        assert!(next.contains(&"TO".to_owned()), "{profile}: {next:?}");
        // ORDER BY is not a predicate.
        let after_order = labels(&mut lsp, "project = OPS ORDER BY up");
        assert_eq!(after_order, ["updated"], "{profile}");
        assert!(lsp.finish(true).success());
    }
    // Jira was asked for predicate values with the field, on each flavor's API.
    for api in ["/rest/api/3/", "/rest/api/2/"] {
        assert!(
            world.count_requests("GET", &format!("{api}jql/autocompletedata/suggestions")) >= 3,
            "{api}"
        );
    }
}

#[test]
fn a_profile_needing_consent_has_the_editor_open_the_link_and_reads_again_once_granted() {
    let world = JiraWorld::start();
    let d = world.daemon("oauth");
    let mut lsp = Lsp::start(d.dir.path(), &d.socket);
    lsp.initialize(
        json!({ "capabilities": { "window": { "showDocument": { "support": true } } } }),
    );
    lsp.open(URI, "markdown", NOTES);
    let show = lsp.wait_for("window/showDocument", |_| true);
    let url = show["params"]["uri"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/authorize?", world.s(&["url"]))),
        "{show}"
    );
    assert_eq!(show["params"]["external"], true);
    lsp.send(json!({ "jsonrpc": "2.0", "id": show["id"], "result": { "success": true } }));
    let message = lsp.wait_for("window/showMessage", |_| true);
    assert!(message["params"]["message"]
        .as_str()
        .unwrap()
        .contains("`oauth`"));

    // The user consents in the browser the editor opened: the open document is read again, and
    // its keys resolve without the user touching it.
    let landing = support::auth::browse(url);
    assert_eq!(landing.status, 200, "{}", landing.body);
    let diags = lsp.wait_for("textDocument/publishDiagnostics", |m| {
        m["params"]["uri"] == URI && !m["params"]["diagnostics"].as_array().unwrap().is_empty()
    });
    let first = diags["params"]["diagnostics"][0]["message"]
        .as_str()
        .unwrap();
    assert!(first.starts_with("DEMO-6 is Done"), "{diags}");
    let hover = lsp.result("textDocument/hover", pos(1, 17));
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("Refactor audit log"),
        "{hover}"
    );
}

#[test]
fn reading_a_documents_issues_shows_work_done_progress() {
    let (d, _) = start_demo();
    let mut lsp = Lsp::start(d.dir.path(), &d.socket);
    lsp.initialize(json!({ "capabilities": { "window": { "workDoneProgress": true } } }));
    lsp.open(URI, "markdown", NOTES);
    let create = lsp.wait_for("window/workDoneProgress/create", |_| true);
    let token = create["params"]["token"].clone();
    lsp.send(json!({ "jsonrpc": "2.0", "id": create["id"], "result": null }));
    let begin = lsp.wait_for("$/progress", |m| m["params"]["value"]["kind"] == "begin");
    assert_eq!(begin["params"]["token"], token);
    assert_eq!(begin["params"]["value"]["title"], "Reading 3 Jira issues");
    let end = lsp.wait_for("$/progress", |m| m["params"]["value"]["kind"] == "end");
    assert_eq!(end["params"]["token"], token);
    // The diagnostics of what was read follow.
    lsp.wait_for("textDocument/publishDiagnostics", |m| {
        m["params"]["diagnostics"]
            .as_array()
            .is_some_and(|d| d.len() == 2)
    });
}

/// Hostile documents: a 2 MB note full of key-like text and a JQL query 100,000 parentheses deep
/// are read, checked and completed, while the daemon keeps answering another client.
#[test]
fn a_megabyte_note_and_a_query_100000_levels_deep_leave_the_daemon_answering() {
    let _heavy = support::heavy();
    let (d, _) = start_demo();
    let mut lsp = Lsp::start(d.dir.path(), &d.socket);
    lsp.initialize(json!({ "capabilities": {} }));
    let note = "DEMO-1 DEMO- DEMO-99999999999999999999 [x](DEMO-2) ".repeat(40_000);
    lsp.open("file:///work/big.md", "markdown", &note);
    let deep = "(".repeat(100_000) + "project = DEMO" + &")".repeat(100_000);
    lsp.open("file:///work/deep.jql", "jql", &deep);
    let mut other = d.client(support::Framing::Ndjson);
    assert_eq!(
        other.result("daemon/status", json!(null))["pid"],
        d.pid() as u64
    );
    let hover = lsp.result(
        "textDocument/hover",
        json!({ "textDocument": { "uri": "file:///work/big.md" },
                "position": { "line": 0, "character": 2 } }),
    );
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .contains("Refactor audit log"),
        "{hover}"
    );
    let completion = lsp.result(
        "textDocument/completion",
        json!({ "textDocument": { "uri": "file:///work/deep.jql" },
                "position": { "line": 0, "character": deep.len() } }),
    );
    assert!(
        completion.is_object() || completion.is_array(),
        "{completion}"
    );
    assert_eq!(
        other.result("daemon/status", json!(null))["pid"],
        d.pid() as u64,
        "the daemon is still up"
    );
}
