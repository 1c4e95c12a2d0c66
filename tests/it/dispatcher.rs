//! The dispatcher over an in-memory pair, with a module built for the test: concurrency and
//! out-of-order replies, `$/cancelRequest`, disconnect cancelling calls, panics, pushes, slow clients.

use jirad::rpc::memory::{memory, MemoryConnection};
use jirad::rpc::{Ctx, Hub, Register, ServeOptions};
use jirad_protocol::Request;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream, ReadHalf, WriteHalf};
use tokio::sync::{mpsc, Notify};

/// A guard that reports when a handler's future is dropped (i.e. cancelled).
struct DropSignal(mpsc::UnboundedSender<&'static str>);
impl Drop for DropSignal {
    fn drop(&mut self) {
        let _ = self.0.send("dropped");
    }
}

struct TestState {
    gate: Notify,
    waiting: AtomicUsize,
    big_calls: AtomicUsize,
    dropped: mpsc::UnboundedSender<&'static str>,
}

#[derive(Serialize, Deserialize, JsonSchema, Default)]
struct Any {
    #[serde(default)]
    n: u64,
}

macro_rules! method {
    ($ty:ident, $name:literal) => {
        enum $ty {}
        impl Request for $ty {
            const METHOD: &'static str = $name;
            type Params = Any;
            type Result = Value;
            const ANNOTATIONS: jirad_protocol::Annotations =
                jirad_protocol::Annotations::read("test");
        }
    };
}
method!(Wait, "test/wait");
method!(Echo, "test/echo");
method!(Forever, "test/forever");
method!(Panic, "test/panic");
method!(Push, "test/push");
method!(Broadcast, "test/broadcast");
method!(Big, "test/big");
method!(Profile, "test/profile");

type Res = Result<Value, jsonrpsee::types::ErrorObjectOwned>;

fn module(state: Arc<TestState>) -> jirad::rpc::Router {
    let mut m = jirad::rpc::registry(state);
    m.request::<Wait>(|_, cx: Ctx<TestState>| async move {
        cx.app.waiting.fetch_add(1, Ordering::Relaxed);
        cx.app.gate.notified().await;
        Res::Ok(json!("released"))
    });
    m.request::<Echo>(|p: Any, _| async move { Res::Ok(json!(p.n)) });
    m.request::<Forever>(|_, cx: Ctx<TestState>| async move {
        let _guard = DropSignal(cx.app.dropped.clone());
        std::future::pending::<()>().await;
        Res::Ok(Value::Null)
    });
    m.request::<Panic>(|p: Any, _| async move {
        if p.n < 100 {
            panic!("handler bug");
        }
        Res::Ok(Value::Null)
    });
    m.request::<Push>(|_, cx: Ctx<TestState>| async move {
        let params = jirad_protocol::lifecycle::ProgressParams {
            token: jirad_protocol::lifecycle::NumberOrString::String("t".into()),
            value: json!({"pct": 50}),
        };
        cx.conn
            .notify::<jirad_protocol::lifecycle::Progress>(&params)
            .expect("push");
        Res::Ok(json!("done"))
    });
    m.request::<Broadcast>(|_, cx: Ctx<TestState>| async move {
        let n = cx
            .conn
            .hub()
            .broadcast_raw("test/news", &json!({"hello": 1}))
            .expect("broadcast");
        Res::Ok(json!(n))
    });
    m.request::<Big>(|_, cx: Ctx<TestState>| async move {
        cx.app.big_calls.fetch_add(1, Ordering::Relaxed);
        Res::Ok(json!("x".repeat(64 * 1024)))
    });
    m.request::<Profile>(|_, cx: Ctx<TestState>| async move {
        cx.conn.session().profile = Some("work".into());
        Res::Ok(json!(cx.conn.profile()))
    });
    m.into()
}

struct Client {
    rd: BufReader<ReadHalf<DuplexStream>>,
    wr: WriteHalf<DuplexStream>,
    server: tokio::task::JoinHandle<()>,
}

impl Client {
    fn new(conn: MemoryConnection) -> Client {
        let (rd, wr) = tokio::io::split(conn.client);
        Client {
            rd: BufReader::new(rd),
            wr,
            server: conn.server,
        }
    }
    async fn send(&mut self, v: Value) {
        self.wr
            .write_all(format!("{v}\n").as_bytes())
            .await
            .unwrap();
    }
    async fn call(&mut self, id: Value, method: &str) {
        self.send(json!({"jsonrpc":"2.0","id":id,"method":method}))
            .await;
    }
    async fn recv(&mut self) -> Option<Value> {
        let mut line = String::new();
        let n = tokio::time::timeout(Duration::from_secs(10), self.rd.read_line(&mut line))
            .await
            .expect("no reply in 10 s");
        (n.unwrap_or(0) > 0).then(|| serde_json::from_str(&line).unwrap())
    }
}

fn setup() -> (
    Arc<TestState>,
    jirad::rpc::Router,
    Hub,
    mpsc::UnboundedReceiver<&'static str>,
) {
    let (tx, rx) = mpsc::unbounded_channel();
    let state = Arc::new(TestState {
        gate: Notify::new(),
        waiting: AtomicUsize::new(0),
        big_calls: AtomicUsize::new(0),
        dropped: tx,
    });
    (state.clone(), module(state), Hub::new(), rx)
}

#[tokio::test]
async fn a_slow_call_never_delays_a_fast_one() {
    let (state, methods, hub, _) = setup();
    let mut c = Client::new(memory(methods, hub, ServeOptions::default()));
    c.call(json!(1), "test/wait").await;
    c.call(json!(2), "test/echo").await;
    assert_eq!(c.recv().await.unwrap()["id"], 2);
    state.gate.notify_one();
    assert_eq!(
        c.recv().await.unwrap(),
        json!({"jsonrpc":"2.0","id":1,"result":"released"})
    );
}

#[tokio::test]
async fn calls_beyond_max_in_flight_wait_for_a_slot_while_reading_pauses() {
    let (state, methods, hub, _) = setup();
    let opts = ServeOptions {
        max_in_flight: 2,
        ..ServeOptions::default()
    };
    let mut c = Client::new(memory(methods, hub, opts));
    for id in 1..=3 {
        c.call(json!(id), "test/wait").await;
    }
    c.call(json!(4), "test/echo").await;
    // Wait until the server stops starting calls.
    let mut started = usize::MAX;
    while started != state.waiting.load(Ordering::Relaxed) {
        started = state.waiting.load(Ordering::Relaxed);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(started, 2, "calls started beyond max_in_flight");
    // One finishes: its slot goes to the third call, and reading pauses again (even for a quick
    // call) until another slot is free.
    state.gate.notify_one();
    let first = c.recv().await.unwrap();
    assert_eq!(first["result"], "released");
    state.gate.notify_one();
    state.gate.notify_one();
    let mut rest: Vec<i64> = Vec::new();
    for _ in 0..3 {
        rest.push(c.recv().await.unwrap()["id"].as_i64().unwrap_or(-1));
    }
    rest.push(first["id"].as_i64().unwrap_or(-1));
    rest.sort_unstable();
    assert_eq!(rest, [1, 2, 3, 4]);
    assert_eq!(state.waiting.load(Ordering::Relaxed), 3);
}

#[tokio::test]
async fn cancel_request_drops_the_future_and_answers_32800() {
    let (_state, methods, hub, mut dropped) = setup();
    let mut c = Client::new(memory(methods, hub, ServeOptions::default()));
    c.call(json!("c"), "test/forever").await;
    c.call(json!(-3), "test/forever").await;
    c.call(json!(0), "test/echo").await; // once this answers, both calls above are running
    assert_eq!(c.recv().await.unwrap()["id"], 0);
    c.send(json!({"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":"c"}}))
        .await;
    let r = c.recv().await.unwrap();
    assert_eq!(
        (&r["id"], &r["error"]["code"]),
        (&json!("c"), &json!(-32800))
    );
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(10), dropped.recv())
            .await
            .expect("future not dropped"),
        Some("dropped")
    );
    c.send(json!({"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":-3}}))
        .await;
    assert_eq!(c.recv().await.unwrap()["id"], -3);
    // Cancelling an unknown or finished id is a no-op; the connection keeps working.
    c.send(json!({"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":"c"}}))
        .await;
    c.call(json!(9), "test/echo").await;
    assert_eq!(c.recv().await.unwrap()["id"], 9);
}

#[tokio::test]
async fn disconnect_cancels_in_flight_calls_and_unregisters() {
    let (_state, methods, hub, mut dropped) = setup();
    let mut c = Client::new(memory(
        methods.clone(),
        hub.clone(),
        ServeOptions::default(),
    ));
    let mut other = Client::new(memory(methods, hub.clone(), ServeOptions::default()));
    c.call(json!(1), "test/forever").await;
    other.call(json!(1), "test/echo").await;
    assert_eq!(other.recv().await.unwrap()["result"], 0);
    assert_eq!(hub.connection_count(), 2);
    let Client { rd, wr, server } = c;
    drop((rd, wr));
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(10), dropped.recv())
            .await
            .expect("future not dropped"),
        Some("dropped")
    );
    server.await.unwrap();
    assert_eq!(hub.connection_count(), 1);
    other.call(json!(2), "test/echo").await;
    assert_eq!(other.recv().await.unwrap()["id"], 2);
}

#[tokio::test]
async fn a_panicking_handler_answers_32603_and_the_connection_survives() {
    let (_s, methods, hub, _) = setup();
    let mut c = Client::new(memory(methods, hub, ServeOptions::default()));
    c.call(json!(1), "test/panic").await;
    assert_eq!(c.recv().await.unwrap()["error"]["code"], -32603);
    c.call(json!(2), "test/echo").await;
    assert_eq!(c.recv().await.unwrap()["id"], 2);
}

#[tokio::test]
async fn pushes_arrive_before_the_reply_and_broadcasts_reach_every_connection() {
    let (_s, methods, hub, _) = setup();
    let mut a = Client::new(memory(
        methods.clone(),
        hub.clone(),
        ServeOptions::default(),
    ));
    let mut b = Client::new(memory(methods, hub, ServeOptions::default()));
    a.call(json!(1), "test/push").await;
    let n = a.recv().await.unwrap();
    assert_eq!(
        n,
        json!({"jsonrpc":"2.0","method":"$/progress","params":{"token":"t","value":{"pct":50}}})
    );
    assert_eq!(a.recv().await.unwrap()["result"], "done");

    b.call(json!(1), "test/echo").await; // b has spoken, so its framing is known
    b.recv().await.unwrap();
    a.call(json!(2), "test/broadcast").await;
    let mut got_a = [a.recv().await.unwrap(), a.recv().await.unwrap()];
    got_a.sort_by_key(|m| m.get("id").is_some());
    assert_eq!(got_a[0]["method"], "test/news");
    assert_eq!(got_a[1]["result"], 2);
    assert_eq!(b.recv().await.unwrap()["method"], "test/news");
}

#[tokio::test]
async fn session_state_is_per_connection() {
    let (_s, methods, hub, _) = setup();
    let mut a = Client::new(memory(methods, hub.clone(), ServeOptions::default()));
    a.call(json!(1), "test/profile").await;
    assert_eq!(a.recv().await.unwrap()["result"], "work");
    let profiles: Vec<_> = hub.connections().iter().map(|c| c.profile()).collect();
    assert_eq!(profiles, vec![Some("work".to_owned())]);
}

#[tokio::test]
async fn a_client_that_stops_reading_is_dropped_without_hurting_others() {
    let opts = ServeOptions {
        outbound_queue: 4,
        write_timeout: Duration::from_millis(200),
        ..ServeOptions::default()
    };
    let (_s, methods, hub, _) = setup();
    let mut stuck = Client::new(memory(methods.clone(), hub.clone(), opts.clone()));
    let mut fine = Client::new(memory(methods, hub.clone(), opts));
    for i in 0..64 {
        // The server may stop reading us once it gives up; ignore write errors then.
        if stuck
            .wr
            .write_all(
                format!("{}\n", json!({"jsonrpc":"2.0","id":i,"method":"test/big"})).as_bytes(),
            )
            .await
            .is_err()
        {
            break;
        }
    }
    tokio::time::timeout(Duration::from_secs(10), &mut stuck.server)
        .await
        .expect("stuck client not dropped")
        .unwrap();
    fine.call(json!(1), "test/echo").await;
    assert_eq!(fine.recv().await.unwrap()["id"], 1);
    assert_eq!(hub.connection_count(), 1);
}

#[tokio::test]
async fn a_client_that_does_not_read_gets_no_more_work_done_than_its_byte_budget() {
    let opts = ServeOptions {
        outbound_bytes: 256 * 1024,
        write_timeout: Duration::from_secs(30),
        ..ServeOptions::default()
    };
    let (state, methods, hub, _) = setup();
    let mut stuck = Client::new(memory(methods.clone(), hub.clone(), opts.clone()));
    let mut fine = Client::new(memory(methods, hub, opts));
    let flood = tokio::spawn(async move {
        let msg = format!("{}\n", json!({"jsonrpc":"2.0","id":1,"method":"test/big"}));
        for _ in 0..200 {
            if stuck.wr.write_all(msg.as_bytes()).await.is_err() {
                break;
            }
        }
        stuck
    });
    // Wait until the server stops taking requests from the flooding client.
    let mut seen = usize::MAX;
    while seen != state.big_calls.load(Ordering::Relaxed) {
        seen = state.big_calls.load(Ordering::Relaxed);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // 64 KiB replies: the 256 KiB budget, plus what the 64 KiB pipe and the writer's batch hold.
    assert!(
        seen <= 8,
        "{seen} replies built for a client that reads none"
    );
    fine.call(json!(7), "test/echo").await;
    assert_eq!(fine.recv().await.unwrap()["id"], 7);
    flood.abort();
}

#[tokio::test]
async fn a_broadcast_behind_a_reply_larger_than_the_budget_does_not_drop_the_client() {
    let opts = ServeOptions {
        outbound_bytes: 16 * 1024,
        ..ServeOptions::default()
    };
    let (_s, methods, hub, _) = setup();
    let mut a = Client::new(memory(methods.clone(), hub.clone(), opts.clone()));
    let mut b = Client::new(memory(methods, hub, opts));
    // A's 64 KiB reply fills the pipe and stays queued until A reads; meanwhile B broadcasts.
    a.call(json!(1), "test/big").await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    b.call(json!(2), "test/broadcast").await;
    assert_eq!(b.recv().await.unwrap()["method"], "test/news");
    assert_eq!(b.recv().await.unwrap()["result"], 2, "A was dropped");
    let first = a.recv().await.expect("A dropped");
    assert_eq!(first["id"], 1);
    assert_eq!(a.recv().await.expect("A dropped")["method"], "test/news");
}

#[tokio::test]
async fn a_reply_larger_than_the_pipe_arrives_whole_and_before_later_replies() {
    let (_s, methods, hub, _) = setup();
    let mut c = Client::new(memory(methods, hub, ServeOptions::default()));
    // The 64 KiB pipe takes only part of this reply when it is written; the rest must still go
    // first, though the calls below finish while it waits.
    c.call(json!(1), "test/big").await;
    for n in 2..20 {
        c.send(json!({"jsonrpc":"2.0","id":n,"method":"test/echo","params":{"n":n}}))
            .await;
    }
    c.call(json!(20), "test/push").await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let big = c.recv().await.unwrap();
    assert_eq!(big["id"], 1);
    assert_eq!(big["result"].as_str().map(str::len), Some(64 * 1024));
    for n in 2..20 {
        assert_eq!(c.recv().await.unwrap()["result"], n);
    }
    assert_eq!(c.recv().await.unwrap()["method"], "$/progress");
    assert_eq!(c.recv().await.unwrap()["result"], "done");
}

#[tokio::test]
async fn stop_lets_in_flight_calls_finish_then_closes() {
    let (state, methods, hub, _) = setup();
    let mut c = Client::new(memory(methods, hub.clone(), ServeOptions::default()));
    c.call(json!(1), "test/wait").await;
    c.call(json!(2), "test/echo").await;
    assert_eq!(c.recv().await.unwrap()["id"], 2); // the wait call is now surely in flight
    hub.stop();
    state.gate.notify_one();
    assert_eq!(c.recv().await.unwrap()["result"], "released");
    assert_eq!(c.recv().await, None);
}
