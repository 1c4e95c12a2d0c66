"""Integration: the client against the real ``jirad serve`` and ``fake-jira``.

Every test here needs JIRAD_BIN and FAKE_JIRA_BIN (defaults: the repo's target/debug/).
"""
import asyncio
import concurrent.futures
import json
import threading
import uuid

import pytest

import jirad

pytestmark = pytest.mark.integration


@pytest.fixture
def client(env):
    with jirad.Client.connect(env.socket, spawn=False) as c:
        yield c


def new_issue(client, env, **kw):
    summary = f"client test {uuid.uuid4().hex[:8]}"
    created = client.issues.create(env.project, "Task", summary, **kw)
    return created["key"], summary


def summary_of(issue):
    # The daemon's normalized issue lifts summary to the top; accept Jira's fields.summary too.
    return issue.get("summary") or (issue.get("fields") or {}).get("summary")


def keys_of(page):
    return [i["key"] for i in page["issues"]]


def test_initialize_reports_the_server(client):
    r = client.initialize()
    assert r["serverInfo"]["name"] and r["serverInfo"]["version"]
    assert r["protocolVersion"] and isinstance(r["capabilities"], dict)
    assert isinstance(client.daemon.status(), dict)


def test_discover_lists_exactly_the_typed_methods(client):
    served = {m["name"] for m in client.discover()["methods"] if "result" in m}
    assert served == set(jirad.method_table())


def test_issue_lifecycle(client, env):
    key, summary = new_issue(client, env, description="Made by the *Python* client.",
                             labels=["client-test"])
    assert key.startswith(env.project + "-")
    assert summary_of(client.issues.get(key)) == summary

    found = client.issues.list(f'project = {env.project} AND labels = "client-test"', all=True)
    assert key in keys_of(found) and found["isLast"] is True

    client.issues.update(key, summary=summary + " (edited)", add_labels=["edited"])
    assert summary_of(client.issues.get(key, fresh=True)) == summary + " (edited)"

    client.issues.add_comment(key, "hello from python")
    comments = client.issues.comments(key)
    assert "hello from python" in str(comments)

    transitions = client.issues.transitions(key)
    listed = transitions["transitions"] if isinstance(transitions, dict) else transitions
    names = [t["name"] for t in listed]
    assert names
    client.issues.transition(key, names[-1])

    client.issues.delete(key)
    with pytest.raises(jirad.NotFound):
        client.issues.get(key, fresh=True)


def test_paging_follows_next_page_token(client, env):
    for _ in range(3):
        new_issue(client, env)
    first = client.issues.list(project=env.project, limit=2)
    assert len(first["issues"]) <= 2
    assert first["isLast"] is False and first["nextPageToken"]
    second = client.issues.list(project=env.project, limit=2, page_token=first["nextPageToken"])
    assert not set(keys_of(first)) & set(keys_of(second))


def test_errors_arrive_as_their_classes(client, env):
    with pytest.raises(jirad.NotFound) as nf:
        client.issues.get(f"{env.project}-999999")
    assert nf.value.kind == "notFound"
    with pytest.raises(jirad.MethodNotFound):
        client.call("issues/noSuchMethod", {})
    with pytest.raises(jirad.InvalidParams):
        client.call("issues/get", {"key": 42})
    with pytest.raises(jirad.InvalidFields) as inv:
        client.issues.create(env.project, "NoSuchIssueType", "x")
    assert inv.value.errors or inv.value.error_messages


def test_projects_users_auth_cache(client, env):
    projects = client.projects.list()
    assert env.project in str(projects)
    assert "Task" in str(client.projects.issue_types(env.project))
    assert client.users.me()
    assert '"test"' in json.dumps(client.auth.profiles())
    assert isinstance(client.auth.status("test"), dict)
    assert isinstance(client.cache.stats(), dict)
    client.cache.clear()


def test_watch_notifies_changes(client, env):
    key, _ = new_issue(client, env)
    changes, seen = [], threading.Event()

    def on_change(params):
        changes.append(params)
        if key in str(params.get("changed")):
            seen.set()

    client.on("issues/didChange", on_change)
    watch = client.issues.watch(f"project = {env.project}", interval_seconds=1)
    assert key in keys_of(watch)
    # The edit comes from another connection, as another editor would make it.
    with jirad.Client.connect(env.socket, spawn=False) as other:
        other.issues.update(key, summary="changed elsewhere")
    assert seen.wait(20), f"no issues/didChange for {key}: {changes}"
    assert all(c["watchId"] == watch["watchId"] for c in changes)
    client.issues.unwatch(watch["watchId"])


def test_cancel_leaves_the_connection_usable(client, env):
    pending = client.futures.issues.list(project=env.project, all=True, fresh=True)
    pending.cancel()
    try:
        pending.result(10)  # the answer may have won the race; either outcome is fine
    except (concurrent.futures.CancelledError, jirad.RequestCancelled):
        pass
    assert client.daemon.status()


def test_connect_spawns_the_daemon(env, tmp_path):
    path = str(tmp_path / "spawned.sock")
    try:
        with jirad.Client.connect(path, jirad_bin=env.jirad, args=["--config", env.config],
                                  timeout=20, env=env.env) as c:
            assert c.users.me()
    finally:
        env.kill_spawned(path)


def test_spawn_stdio(env, monkeypatch):
    for k, v in env.env.items():
        monkeypatch.setenv(k, v)
    with jirad.Client.spawn_stdio(env.jirad, ["--config", env.config]) as c:
        assert c.initialize()["serverInfo"]["name"]
        assert c.projects.list()


def test_async_client(env):
    async def main():
        async with await jirad.AsyncClient.connect(env.socket, spawn=False) as c:
            me, projects = await asyncio.gather(c.users.me(), c.projects.list())
            assert me and env.project in str(projects)
            with pytest.raises(jirad.NotFound):
                await c.issues.get(f"{env.project}-999999")
            task = asyncio.ensure_future(c.issues.list(project=env.project, all=True, fresh=True))
            await asyncio.sleep(0)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert await c.daemon.status()
    asyncio.run(main())


def test_oauth_profile_asks_for_authorization_then_logs_in(client, env):
    # The harness's "oauth" profile (the fake's custom app) starts with no token.
    key = f"{env.project}-1"
    with pytest.raises(jirad.AuthRequired) as info:
        client.issues.get(key, profile="oauth")
    assert info.value.profile == "oauth"
    assert info.value.authorization_url.startswith(env.fake["url"])

    start = client.auth.login("oauth")
    assert start["authorizationUrl"].startswith(env.fake["url"] + "/authorize")
    assert start["expiresAt"]
    redirect = env.approve(start["authorizationUrl"])  # what the browser would be sent to
    assert redirect.startswith(env.redirect_uri) and "code=" in redirect
    client.auth.complete(redirect, profile="oauth")

    assert client.issues.get(key, profile="oauth")["key"] == key
    client.auth.logout("oauth")
    with pytest.raises(jirad.AuthRequired):
        client.issues.get(key, profile="oauth", fresh=True)
