//! Short fuzz runs inside `cargo test` (proptest, ~1 s each) of every parser a client, a browser or a
//! config file can reach: both framings (chunking-independence and structured LSP headers, beside the
//! random-bytes runs in `tests/it/properties.rs`), the params of every registered method, the OAuth callback
//! query, config loading and JQL quoting. Markdown ↔ ADF runs in `src/jira/adf/tests.rs` (its schema
//! validator is crate-private). The long runs are `scripts/fuzz.sh` (cargo-fuzz targets in `fuzz/`).

use bytes::BytesMut;
use jirad::auth::callback::CallbackParams;
use jirad::config::Config;
use jirad::jira::jql;
use jirad::rpc::framing::JsonRpcCodec;
use jirad::rpc::memory::memory;
use jirad::rpc::{Hub, ServeOptions};
use proptest::prelude::*;
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::codec::Decoder;

fn cfg(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Decodes everything in `chunks`, fed one chunk at a time; `Err` ends the stream like a closed
/// connection does.
fn decode_chunked(chunks: &[&[u8]], max: usize) -> (Vec<Vec<u8>>, bool) {
    let mut codec = JsonRpcCodec::new(max);
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    for c in chunks {
        buf.extend_from_slice(c);
        loop {
            match codec.decode(&mut buf) {
                Ok(Some(f)) => frames.push(f.to_vec()),
                Ok(None) => break,
                Err(_) => return (frames, true),
            }
        }
    }
    match codec.decode_eof(&mut buf) {
        Ok(Some(f)) => frames.push(f.to_vec()),
        Ok(None) => {}
        Err(_) => return (frames, true),
    }
    (frames, false)
}

/// An LSP header block with a random mix of real and odd headers around the right length.
fn arb_lsp_message() -> impl Strategy<Value = Vec<u8>> {
    let body = "[ -~]{0,40}";
    let header = prop_oneof![
        Just("Content-Type: application/vscode-jsonrpc; charset=utf-8".to_string()),
        "[A-Za-z-]{1,12}: [ -~]{0,20}",
        "[ -~]{0,20}",
    ];
    (
        body,
        prop::collection::vec(header, 0..3),
        any::<bool>(),
        prop_oneof![Just(0i64), -3i64..3],
    )
        .prop_map(|(body, extra, lower, skew)| {
            let name = if lower {
                "content-length"
            } else {
                "Content-Length"
            };
            let len = (body.len() as i64 + skew).max(0);
            let mut h = vec![format!("{name}: {len}")];
            h.extend(extra);
            format!("{}\r\n\r\n{body}", h.join("\r\n")).into_bytes()
        })
}

fn methods() -> jirad::rpc::Router {
    let state = Arc::new(
        jirad::service::AppState::new(Config::default(), Hub::new(), None)
            .expect("state without profiles"),
    );
    jirad::api::build_module(state)
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
        Just(json!("DEMO-1")),
        Just(json!("cloud")),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::hash_map(
                "key|profile|fields|jql|id|summary|project|timeoutMs|[a-zA-Z]{1,8}",
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Sends one message per method of the contract (requests with an id, notifications without) with the given params; returns the replies by id.
fn call_every_method(params: &[Value]) -> Vec<(String, bool, Value)> {
    use jirad_protocol::openrpc::{contract, Direction};
    let names: Vec<(&str, bool)> = contract()
        .into_iter()
        .filter(|m| m.direction != Direction::ServerNotification)
        .map(|m| (m.name, m.direction == Direction::ClientNotification))
        .collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let m = methods();
        let mut out = Vec::new();
        for (i, &(name, notification)) in names.iter().enumerate() {
            // `exit` closes the connection by design; it is a notification anyway.
            if name == "exit" {
                continue;
            }
            let conn = memory(m.clone(), Hub::new(), ServeOptions::default());
            let (mut rd, mut wr) = tokio::io::split(conn.client);
            let p = &params[i % params.len()];
            let mut msg = json!({"jsonrpc": "2.0", "method": name, "params": p});
            if !notification {
                msg["id"] = json!(i);
            }
            wr.write_all(format!("{msg}\n").as_bytes()).await.unwrap();
            wr.shutdown().await.unwrap();
            let mut buf = Vec::new();
            tokio::time::timeout(Duration::from_secs(10), rd.read_to_end(&mut buf))
                .await
                .unwrap_or_else(|_| panic!("{name} with {p} did not answer"))
                .unwrap();
            conn.server.await.expect("server task panicked");
            let text = String::from_utf8(buf).unwrap();
            let reply = text
                .lines()
                .find(|l| !l.trim().is_empty())
                .map(|l| serde_json::from_str(l).unwrap())
                .unwrap_or(Value::Null);
            out.push((format!("{name} {p}"), notification, reply));
        }
        out
    })
}

proptest! {
    #![proptest_config(cfg(256))]

    #[test]
    fn decoding_does_not_depend_on_how_reads_are_chunked(
        msgs in prop::collection::vec(prop_oneof![
            arb_lsp_message(),
            "\\{[ -~]{0,30}\n".prop_map(String::into_bytes),
        ], 1..5),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
    ) {
        let input: Vec<u8> = msgs.concat();
        let (whole, whole_err) = decode_chunked(&[&input], 64);
        let mut at: Vec<usize> = cuts.iter().map(|i| i.index(input.len() + 1)).collect();
        at.sort_unstable();
        let mut pieces = Vec::new();
        let mut prev = 0;
        for a in at.into_iter().chain([input.len()]) {
            pieces.push(&input[prev..a]);
            prev = a;
        }
        let (split, split_err) = decode_chunked(&pieces, 64);
        prop_assert_eq!(whole_err, split_err);
        prop_assert_eq!(whole, split);
    }

    #[test]
    fn a_frame_never_exceeds_the_limit(msgs in prop::collection::vec(arb_lsp_message(), 1..4)) {
        let (frames, _) = decode_chunked(&[&msgs.concat()], 24);
        prop_assert!(frames.iter().all(|f| f.len() <= 24));
    }

    #[test]
    fn callback_query_parser_takes_any_text(q in "\\PC{0,80}", pairs in prop::collection::vec(
        ("code|state|error|error_description|[a-z]{1,5}", "[ -~]{0,12}"), 0..6)) {
        let _ = CallbackParams::from_query(&q).error_text();
        let query = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&pairs).finish();
        let p = CallbackParams::from_query(&query);
        // Form decoding round-trips: the last value of each known key wins.
        let last = |k: &str| pairs.iter().rev().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        prop_assert_eq!(p.state, last("state"));
        prop_assert_eq!(p.code.map(|c| c.expose_secret().to_owned()), last("code"));
        prop_assert_eq!(p.error, last("error"));
        let uri = url::Url::parse("http://127.0.0.1:8931/callback").unwrap();
        let _ = CallbackParams::from_redirect_url(&q, &uri);
        let _ = CallbackParams::from_redirect_url(&format!("http://localhost:8931/callback?{q}"), &uri);
    }

    #[test]
    fn config_text_never_panics_and_errors_name_a_line(text in prop::collection::vec(prop_oneof![
        Just("default_profile = \"a\"".to_string()),
        Just("max_message_bytes = 10".to_string()),
        Just("[profiles.a]".to_string()),
        Just("auth = \"api_token\"".to_string()),
        Just("auth = \"oauth\"".to_string()),
        Just("base_url = \"https://x.atlassian.net\"".to_string()),
        Just("[cache]".to_string()),
        "[a-z_]{1,10} = [\"0-9a-z\\[\\]{}]{0,10}",
        "\\PC{0,20}",
    ], 0..8)) {
        let text = text.join("\n");
        if let Err(e) = Config::parse(&text, Path::new("c.toml")) {
            let msg = e.to_string();
            prop_assert!(msg.contains("c.toml"), "{msg}");
            if matches!(e, jirad::config::ConfigError::Invalid { .. }) {
                prop_assert!(msg.contains("line"), "no line in {msg:?}");
            }
        }
    }

    #[test]
    fn jql_quoting_keeps_every_value_one_literal(v in "\\PC{0,30}|[\"\\\\\n\r\t\u{0}-\u{1f}a ]{0,12}") {
        let q = jql::quote(&v);
        // One string literal: starts and ends with a quote, and no unescaped quote or raw control
        // character inside.
        prop_assert!(q.len() >= 2 && q.starts_with('"') && q.ends_with('"'));
        let inner = &q[1..q.len() - 1];
        let mut chars = inner.chars();
        let mut decoded = String::new();
        while let Some(c) = chars.next() {
            prop_assert!(c != '"' && !c.is_control(), "raw {c:?} in {q}");
            if c == '\\' {
                match chars.next() {
                    Some('"') => decoded.push('"'),
                    Some('\\') => decoded.push('\\'),
                    Some('n') => decoded.push('\n'),
                    Some('r') => decoded.push('\r'),
                    Some('t') => decoded.push('\t'),
                    Some('u') => {
                        let hex: String = chars.by_ref().take(4).collect();
                        decoded.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
                    }
                    other => prop_assert!(false, "bad escape {other:?} in {q}"),
                }
            } else {
                decoded.push(c);
            }
        }
        prop_assert_eq!(decoded, v.clone());
        let built = jql::build(&jql::Filters { text: Some(v.clone()), labels: vec![v.clone(), "x".into()], ..Default::default() });
        let built = built.unwrap();
        prop_assert!(v.is_empty() || built.contains(&format!("text ~ {q}")), "{built}");
    }
}

proptest! {
    #![proptest_config(cfg(12))]

    /// Random JSON into every registered method's params: always exactly one reply, with a
    /// result or a standard (-32xxx) or application (1001–1012, with `data.kind`) error.
    #[test]
    fn every_method_answers_any_params(params in prop::collection::vec(arb_json(), 1..4)) {
        for (what, notification, reply) in call_every_method(&params) {
            if notification {
                // Scalar params make the message an invalid Request, which JSON-RPC answers with
                // -32600 and a null id (found by this test); anything else gets no reply.
                let invalid = reply["error"]["code"] == -32600 && reply["id"].is_null();
                prop_assert!(reply.is_null() || invalid, "a notification got a reply: {what} → {reply}");
                continue;
            }
            prop_assert!(reply.get("result").is_some() != reply.get("error").is_some(), "{what} → {reply}");
            if let Some(e) = reply.get("error") {
                let code = e["code"].as_i64().unwrap_or(0);
                let standard = (-32768..=-32000).contains(&code);
                let app = (1001..=1012).contains(&code) && e["data"]["kind"].is_string();
                prop_assert!(standard || app, "{what} → {reply}");
            }
        }
    }
}

/// Regression (found by `every_method_answers_any_params`): a notification with scalar params is an
/// invalid Request, answered once with -32600 and a null id; a valid one gets no reply.
#[test]
fn a_notification_with_scalar_params_is_an_invalid_request() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let out = rt.block_on(async {
        let conn = memory(methods(), Hub::new(), ServeOptions::default());
        let (mut rd, mut wr) = tokio::io::split(conn.client);
        let input = concat!(
            r#"{"jsonrpc":"2.0","method":"initialized","params":-56693530345}"#,
            "\n",
            r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#,
            "\n"
        );
        wr.write_all(input.as_bytes()).await.unwrap();
        wr.shutdown().await.unwrap();
        let mut buf = String::new();
        rd.read_to_string(&mut buf).await.unwrap();
        buf
    });
    let replies: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(replies.len(), 1, "{out}");
    assert_eq!(replies[0]["error"]["code"], -32600);
    assert!(replies[0]["id"].is_null());
}
