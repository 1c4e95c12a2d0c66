"""Client behaviour over an in-memory socket pair: requests, params, errors, notifications,
cancellation and connection loss, for the blocking and the asyncio client."""
import asyncio
import concurrent.futures
import socket
import threading

import pytest

import jirad
from jirad import framing
from peer import Peer, err, ok


def echo(m):
    if "id" not in m or "method" not in m:
        return []
    if m["method"] == "issues/get" and m["params"]["key"] == "NOPE-1":
        return err(m, -32004, "Issue does not exist", {"kind": "notFound"})
    if m["method"] == "slow":
        return []  # never answers: only a cancel ends it
    return ok(m, {"method": m["method"], "params": m.get("params")})


def client_for(peer, wire=framing.LSP):
    s = peer.client_sock

    def close():
        s.shutdown(socket.SHUT_RDWR)  # wakes the reader thread, as Client.connect's close does
        s.close()
    return jirad.Client(lambda: s.recv(65536), s.sendall, close, wire=wire)


@pytest.fixture
def peer():
    p = Peer(echo)
    yield p
    p.close()


def test_typed_methods_send_camelcase_params_and_omit_unset(peer):
    with client_for(peer) as c:
        r = c.issues.list(project="DEMO", order_by="created DESC", page_token="t", limit=5)
        assert r == {"method": "issues/list", "params": {
            "project": "DEMO", "orderBy": "created DESC", "pageToken": "t", "limit": 5}}
        assert c.issues.update("DEMO-1", add_labels=["x"], notify_users=False)["params"] == {
            "key": "DEMO-1", "addLabels": ["x"], "notifyUsers": False}
        assert c.auth.select_site("s1", profile="work")["params"] == {"site": "s1", "profile": "work"}
        assert c.issues.unwatch("w1")["params"] == {"watchId": "w1"}
        # A required param given as None is sent as null (unassign).
        assert c.issues.assign("DEMO-1", None)["params"] == {"key": "DEMO-1", "assignee": None}
        # visibility: left out keeps the comment's, None makes it public.
        assert c.issues.update_comment("DEMO-1", "7", "x")["params"] == {
            "key": "DEMO-1", "id": "7", "body": "x"}
        assert c.issues.update_comment("DEMO-1", "7", "x", visibility=None)["params"] == {
            "key": "DEMO-1", "id": "7", "body": "x", "visibility": None}
        assert c.discover()["method"] == "rpc.discover"


def test_initialize_names_the_client(peer):
    with client_for(peer) as c:
        p = c.initialize(profile="demo")["params"]
        c.initialized()
        c.daemon.stop()
    assert peer.wait_for(lambda m: m.get("method") == "initialized") == {
        "jsonrpc": "2.0", "method": "initialized"}
    assert p == {"clientInfo": {"name": "jirad-python", "version": jirad.__version__},
                 "profile": "demo"}


def test_requests_use_lsp_frames_by_default_and_ndjson_on_request():
    raw = []
    p = Peer(lambda m: raw.append(m) or ok(m, 1), wire=framing.NDJSON)
    with client_for(p, framing.NDJSON) as c:
        assert c.call("x") == 1
    p.close()
    assert raw[0] == {"jsonrpc": "2.0", "id": 1, "method": "x"}


def test_errors_raise_their_class(peer):
    with client_for(peer) as c:
        with pytest.raises(jirad.NotFound) as info:
            c.issues.get("NOPE-1")
    assert info.value.kind == "notFound" and "does not exist" in str(info.value)


def test_concurrent_calls_from_threads_get_their_own_answers(peer):
    with client_for(peer) as c, concurrent.futures.ThreadPoolExecutor(8) as pool:
        keys = [f"DEMO-{i}" for i in range(50)]
        results = list(pool.map(lambda k: c.issues.get(k)["params"]["key"], keys))
    assert results == keys


def test_notifications_reach_callbacks_in_order_and_may_call_back(peer):
    got, done = [], threading.Event()
    with client_for(peer) as c:
        def on_change(params):
            got.append(params["watchId"])
            if len(got) == 2:
                got.append(c.call("nested")["method"])  # calling from a callback must not deadlock
                done.set()
        c.on("issues/didChange", on_change)
        every = []
        c.on("*", every.append)
        c.call("ping")
        for w in ("w1", "w2"):
            peer.send({"jsonrpc": "2.0", "method": "issues/didChange",
                       "params": {"watchId": w, "added": [], "changed": ["DEMO-1"], "removed": []}})
        assert done.wait(5)
    assert got == ["w1", "w2", "nested"]
    assert [e["method"] for e in every] == ["issues/didChange"] * 2


def test_unsubscribe_stops_callbacks(peer):
    with client_for(peer) as c:
        got = []
        off = c.on("auth/didChange", got.append)
        off()
        peer.send({"jsonrpc": "2.0", "method": "auth/didChange", "params": {}})
        c.call("ping")
    assert got == []


def test_cancel_sends_cancel_request_and_the_call_reports_cancelled(peer):
    with client_for(peer) as c:
        pending = c.futures.issues.list(all=True)
        slow = c.submit("slow")
        assert slow.cancel()
        assert pending.result(5)["method"] == "issues/list"
        with pytest.raises(concurrent.futures.CancelledError):
            slow.result(1)
        cancel = peer.wait_for(lambda m: m.get("method") == "$/cancelRequest")
        assert cancel["params"] == {"id": slow.id} and "id" not in cancel
        assert c.call("after")["method"] == "after"  # the connection is still usable


def test_timeout_cancels_at_the_daemon(peer):
    with client_for(peer) as c:
        with pytest.raises(TimeoutError):
            c.call("slow", timeout=0.1)
        peer.wait_for(lambda m: m.get("method") == "$/cancelRequest")


def test_server_requests_are_refused_not_ignored(peer):
    with client_for(peer):
        peer.send({"jsonrpc": "2.0", "id": "s1", "method": "window/showMessageRequest"})
        reply = peer.wait_for(lambda m: m.get("id") == "s1")
    assert reply["error"]["code"] == -32601


def test_connection_loss_fails_waiting_calls(peer):
    with client_for(peer) as c:
        pending = c.submit("slow")
        peer.close()
        with pytest.raises(jirad.ConnectionClosed):
            pending.result(5)


def test_a_garbage_frame_closes_with_a_clear_error(peer):
    with client_for(peer) as c:
        pending = c.submit("slow")
        peer.send_raw(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        with pytest.raises(jirad.ConnectionClosed, match="unreadable frame"):
            pending.result(5)


# --- asyncio ------------------------------------------------------------------------------
async def async_client(peer):
    reader, writer = await asyncio.open_unix_connection(sock=peer.client_sock)
    return jirad.AsyncClient(reader, writer)


def test_async_calls_errors_and_notifications(peer):
    async def main():
        async with await async_client(peer) as c:
            seen = asyncio.Queue()

            async def on_required(params):
                await seen.put(params["authorizationUrl"])
            c.on("auth/authorizationRequired", on_required)
            got = await asyncio.gather(*(c.issues.get(f"DEMO-{i}") for i in range(5)))
            assert [g["params"]["key"] for g in got] == [f"DEMO-{i}" for i in range(5)]
            with pytest.raises(jirad.NotFound):
                await c.issues.get("NOPE-1")
            peer.send({"jsonrpc": "2.0", "method": "auth/authorizationRequired",
                       "params": {"profile": "p", "authorizationUrl": "http://127.0.0.1/auth"}})
            assert await asyncio.wait_for(seen.get(), 5) == "http://127.0.0.1/auth"
    asyncio.run(main())


def test_async_cancellation_sends_cancel_request(peer):
    async def main():
        async with await async_client(peer) as c:
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(c.call("slow"), 0.1)
            assert (await c.daemon.status())["method"] == "daemon/status"
    asyncio.run(main())
    cancel = peer.wait_for(lambda m: m.get("method") == "$/cancelRequest")
    assert cancel["params"] == {"id": 1}
