//! Any JSON as the params of every method (the first byte picks the method): exactly one reply for
//! a request, with a result or a standard or application error; none for a notification.
#![no_main]
use jirad::rpc::memory::memory;
use jirad::rpc::{Hub, ServeOptions};
use jirad_protocol::openrpc::{contract, Direction};
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn methods() -> &'static jsonrpsee::Methods {
    static M: OnceLock<jsonrpsee::Methods> = OnceLock::new();
    M.get_or_init(|| {
        let state = jirad::service::AppState::new(jirad::config::Config::default(), Hub::new(), None)
            .expect("state");
        jirad::api::build_module(Arc::new(state)).into()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let Ok(params) = serde_json::from_slice::<serde_json::Value>(rest) else { return };
    let names: Vec<_> = contract()
        .into_iter()
        .filter(|m| m.direction != Direction::ServerNotification && m.name != "exit")
        .collect();
    let m = &names[pick as usize % names.len()];
    let notification = m.direction == Direction::ClientNotification;
    let mut msg = serde_json::json!({"jsonrpc": "2.0", "method": m.name, "params": params});
    if !notification {
        msg["id"] = 1.into();
    }
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let reply = rt.block_on(async move {
        let conn = memory(methods().clone(), Hub::new(), ServeOptions::default());
        let (mut rd, mut wr) = tokio::io::split(conn.client);
        wr.write_all(format!("{msg}\n").as_bytes()).await.unwrap();
        wr.shutdown().await.unwrap();
        let mut out = Vec::new();
        rd.read_to_end(&mut out).await.unwrap();
        conn.server.await.unwrap();
        out
    });
    let lines: Vec<serde_json::Value> = String::from_utf8(reply)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    if notification {
        // Scalar params make it an invalid Request: -32600 with a null id; otherwise no reply.
        let invalid = |r: &serde_json::Value| r["error"]["code"] == -32600 && r["id"].is_null();
        assert!(lines.is_empty() || (lines.len() == 1 && invalid(&lines[0])), "{lines:?}");
        return;
    }
    assert_eq!(lines.len(), 1, "{lines:?}");
    let r = &lines[0];
    assert!(r.get("result").is_some() != r.get("error").is_some(), "{r}");
    if let Some(e) = r.get("error") {
        let code = e["code"].as_i64().unwrap_or(0);
        assert!((-32768..=-32000).contains(&code) || ((1001..=1012).contains(&code) && e["data"]["kind"].is_string()), "{r}");
    }
});
