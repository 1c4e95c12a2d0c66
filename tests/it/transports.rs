//! Both transports (socket, stdio) with both framings (LSP, NDJSON) answer the same conformance
//! script: ids, params leniency, every protocol error code the binary can produce, batches.

#![cfg(unix)]

use crate::support;

use serde_json::{json, Value};
use std::io::{Read, Write};
use support::*;

fn conformance<R: Read, W: Write>(c: &mut FramedClient<R, W>) {
    // ids 0, negative and strings are echoed unchanged.
    for id in [json!(0), json!(-7), json!("x"), json!(12345678901234u64)] {
        c.send(&json!({"jsonrpc":"2.0","id":id,"method":"daemon/status"}));
        let reply = c.recv().expect("reply");
        assert_eq!(reply["id"], id);
        assert!(reply["result"]["pid"].is_u64(), "{reply}");
    }
    // params absent, null, {} and [] all accepted for a method without params.
    for params in [json!(null), json!([]), json!({})] {
        assert!(c.result("daemon/status", params)["version"].is_string());
    }
    // A notification is never answered: the next message is the following call's reply.
    c.send(&json!({"jsonrpc":"2.0","method":"initialized"}));
    c.send(&json!({"jsonrpc":"2.0","method":"no/such"}));
    assert_eq!(c.call("daemon/status", json!(null))["id"], json!(1 + 3));

    // Every standard error the binary produces.
    c.send_raw("{\"jsonrpc\":\"2.0\",\"id\":1,");
    let r = c.recv().expect("parse error reply");
    assert_eq!((code(&r), &r["id"]), (-32700, &Value::Null));
    c.send(&json!({"jsonrpc":"2.0","id":"bad","method":7}));
    let r = c.recv().expect("invalid request reply");
    assert_eq!((code(&r), &r["id"]), (-32600, &json!("bad")));
    assert_eq!(code(&c.call("no/such", json!({}))), -32601);
    let r = c.call("daemon/status", json!({"unexpected": 1}));
    assert_eq!(code(&r), -32602);
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unexpected"),
        "{r}"
    );
    assert_eq!(
        code(&c.call("initialize", json!({"clientInfo": 5}))),
        -32602
    );

    // A batch mixing calls, a notification and an invalid member: one array, order kept.
    c.send(&json!([
        {"jsonrpc":"2.0","id":"a","method":"daemon/status"},
        {"jsonrpc":"2.0","method":"initialized"},
        {"foo": 1},
        {"jsonrpc":"2.0","id":"b","method":"no/such"},
        {"jsonrpc":"2.0","id":"c","method":"initialize","params":{"clientInfo":{"name":"t"}}}
    ]));
    let r = c.recv().expect("batch reply");
    let items = r.as_array().expect("array");
    assert_eq!(items.len(), 4, "{r}");
    assert_eq!(items[0]["id"], "a");
    assert_eq!((code(&items[1]), &items[1]["id"]), (-32600, &Value::Null));
    assert_eq!((code(&items[2]), &items[2]["id"]), (-32601, &json!("b")));
    assert_eq!(items[3]["result"]["serverInfo"]["name"], "jirad");
    // Empty batch: one -32600. A batch of notifications only: no reply at all.
    c.send_raw("[]");
    assert_eq!(code(&c.recv().expect("reply")), -32600);
    c.send(&json!([{"jsonrpc":"2.0","method":"initialized"}]));
    let id = c.request("rpc.discover", json!(null));
    let r = c.recv().expect("reply");
    assert_eq!(r["id"], id);
    assert_eq!(r["result"]["openrpc"], "1.3.2");
}

#[test]
fn socket_lsp() {
    let d = Daemon::start();
    conformance(&mut d.client(Framing::Lsp));
}

#[test]
fn socket_ndjson() {
    let d = Daemon::start();
    conformance(&mut d.client(Framing::Ndjson));
}

#[test]
fn stdio_lsp() {
    let (_d, mut c) = StdioDaemon::start(Framing::Lsp);
    conformance(&mut c);
}

#[test]
fn stdio_ndjson_exits_on_eof_after_answering() {
    let (mut d, mut c) = StdioDaemon::start(Framing::Ndjson);
    conformance(&mut c);
    let id = c.request("daemon/status", json!(null));
    c.close_write();
    assert_eq!(c.recv().expect("reply after EOF")["id"], id);
    c.expect_closed();
    assert!(d.child.wait().expect("wait").success());
}

#[test]
fn stdio_exit_notification_ends_the_process_and_stdout_has_frames_only() {
    let (mut d, mut c) = StdioDaemon::start(Framing::Lsp);
    assert_eq!(
        c.result("initialize", json!({"clientInfo": {"name": "editor"}}))["protocolVersion"],
        "0.1"
    );
    assert_eq!(c.result("shutdown", json!(null)), Value::Null);
    assert_eq!(code(&c.call("daemon/status", json!(null))), -32600);
    c.send(&json!({"jsonrpc":"2.0","method":"exit"}));
    c.expect_closed();
    assert!(d.child.wait().expect("wait").success());
}

#[test]
fn initialize_is_optional_and_picks_a_profile() {
    let d = Daemon::start_with(&[], Some("[profiles.work]\nauth = \"oauth\"\n"));
    let mut c = d.client(Framing::Ndjson);
    let r = c.result("initialize", json!({"clientInfo": {"name": "nvim", "version": "0.10"}, "profile": "work", "capabilities": {}}));
    let methods = r["capabilities"]["methods"].as_array().expect("methods");
    assert!(methods.contains(&json!("daemon/status")) && methods.contains(&json!("rpc.discover")));
    assert_eq!(
        r["capabilities"]["notifications"],
        json!(jirad_protocol::openrpc::server_notification_names())
    );
    // A stock LSP client's initialize (extra fields) is accepted.
    let lsp = json!({"processId": 42, "rootUri": null, "capabilities": {"general": {}}, "clientInfo": {"name": "Neovim"}, "workspaceFolders": null});
    assert_eq!(c.result("initialize", lsp)["serverInfo"]["name"], "jirad");
    let r = c.call("initialize", json!({"profile": "nope"}));
    assert_eq!(
        (code(&r), &r["error"]["data"]["kind"]),
        (1004, &json!("notFound"))
    );
}
