//! Property tests: random bytes into the framing decoder, random JSON and random well-framed request
//! streams into the dispatcher. No panic; every well-framed request gets exactly one reply.

use bytes::BytesMut;
use jirad::rpc::framing::JsonRpcCodec;
use jirad::rpc::memory::memory;
use jirad::rpc::{Hub, ServeOptions};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::codec::Decoder;

fn methods() -> jirad::rpc::Router {
    let state = Arc::new(
        jirad::service::AppState::new(jirad::config::Config::default(), Hub::new(), None)
            .expect("state without profiles"),
    );
    jirad::api::build_module(state)
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "[a-z/$. ]{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::hash_map("jsonrpc|id|method|params|[a-z]{1,3}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A well-formed call with a unique id (number or string), a real or unknown method, any params.
fn arb_call(n: usize) -> impl Strategy<Value = Value> {
    let method = prop_oneof![
        Just("daemon/status"),
        Just("rpc.discover"),
        Just("no/such"),
        Just("initialize")
    ];
    let params = prop_oneof![
        Just(None),
        Just(Some(json!(null))),
        Just(Some(json!([]))),
        Just(Some(json!({"x": 1})))
    ];
    (method, params, any::<bool>()).prop_map(move |(m, p, string_id)| {
        let id = if string_id {
            json!(format!("s{n}"))
        } else {
            json!(n as i64 - 5)
        };
        let mut v = json!({"jsonrpc": "2.0", "id": id, "method": m});
        if let Some(p) = p {
            v["params"] = p;
        }
        v
    })
}

fn frame(lsp: bool, body: &str) -> String {
    if lsp {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    } else {
        format!("{body}\n")
    }
}

/// Writes the whole input, closes our side, reads everything back.
fn exchange(input: Vec<u8>) -> Vec<u8> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let opts = ServeOptions {
            max_message_bytes: 4096,
            cancel_on_eof: false,
            ..ServeOptions::default()
        };
        let conn = memory(methods(), Hub::new(), opts);
        let (mut rd, mut wr) = tokio::io::split(conn.client);
        let writer = tokio::spawn(async move {
            let _ = wr.write_all(&input).await;
            let _ = wr.shutdown().await;
        });
        let mut out = Vec::new();
        let _ = rd.read_to_end(&mut out).await;
        let _ = writer.await;
        conn.server.await.expect("server task panicked");
        out
    })
}

fn replies(lsp: bool, out: &[u8]) -> Vec<Value> {
    let mut codec = JsonRpcCodec::with_framing(
        if lsp {
            jirad::rpc::Framing::Lsp
        } else {
            jirad::rpc::Framing::Ndjson
        },
        usize::MAX,
    );
    let mut buf = BytesMut::from(out);
    let mut v = Vec::new();
    while let Some(f) = codec
        .decode_eof(&mut buf)
        .expect("daemon output is well framed")
    {
        v.push(serde_json::from_slice(&f).expect("daemon output is JSON"));
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn decoder_never_panics_on_random_bytes(data in prop::collection::vec(any::<u8>(), 0..2048), lsp_prefix in any::<bool>()) {
        let mut input = if lsp_prefix { b"Content-Length: ".to_vec() } else { Vec::new() };
        input.extend(data);
        let mut codec = JsonRpcCodec::new(512);
        let mut buf = BytesMut::from(&input[..]);
        while let Ok(Some(_)) = codec.decode(&mut buf) {}
        let _ = codec.decode_eof(&mut buf);
    }

    #[test]
    fn random_bytes_to_the_dispatcher_never_panic(data in prop::collection::vec(any::<u8>(), 0..1024)) {
        let _ = exchange(data);
    }

    #[test]
    fn random_json_gets_at_most_one_reply_per_message(values in prop::collection::vec(arb_json(), 1..6), lsp in any::<bool>()) {
        let input: String = values.iter().map(|v| frame(lsp, &v.to_string())).collect();
        let out = exchange(input.into_bytes());
        prop_assert!(replies(lsp, &out).len() <= values.len());
    }

    #[test]
    fn every_well_framed_request_gets_exactly_one_reply(
        calls in (1usize..12).prop_flat_map(|n| (0..n).map(arb_call).collect::<Vec<_>>()),
        lsp in any::<bool>(),
    ) {
        let input: String = calls.iter().map(|c| frame(lsp, &c.to_string())).collect();
        let out = exchange(input.into_bytes());
        let mut count: HashMap<String, usize> = HashMap::new();
        for r in replies(lsp, &out) {
            prop_assert!(r.get("result").is_some() != r.get("error").is_some(), "{}", r);
            *count.entry(r["id"].to_string()).or_default() += 1;
        }
        let expected: HashMap<String, usize> = calls.iter().map(|c| (c["id"].to_string(), 1)).collect();
        prop_assert_eq!(count, expected);
    }
}
