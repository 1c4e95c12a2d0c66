"""`jirad mcp` driven by the official MCP Python SDK client over stdio, against `jirad demo`:
listing (no administration, every tool annotated), structured output validated by the SDK,
elicitation answered by the client, read-only sessions, resource subscriptions.

Run through scripts/test-clients.sh (or: pip install -r requirements.txt; pytest -q). Uses
$JIRAD_BIN (default: the repo's target/debug/jirad).
"""
import asyncio
import os
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import mcp.types as types
from mcp import ClientSession, MCPError, StdioServerParameters
from mcp.client.stdio import stdio_client

REPO = Path(__file__).resolve().parents[2]
JIRAD = os.environ.get("JIRAD_BIN") or str(REPO / "target" / "debug" / "jirad")


@pytest.fixture(scope="module")
def demo():
    """`jirad demo --socket S` in a private temp dir; yields (socket, env)."""
    with tempfile.TemporaryDirectory(prefix="jirad-mcp-sdk-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("JIRAD_")}
        for name in ("CONFIG", "STATE", "RUNTIME"):
            d = Path(tmp) / name.lower()
            d.mkdir(mode=0o700)
            env[f"XDG_{name}_HOME" if name != "RUNTIME" else "XDG_RUNTIME_DIR"] = str(d)
        socket = str(Path(tmp) / "jirad.sock")
        proc = subprocess.Popen([JIRAD, "demo", "--socket", socket], env=env,
                                stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 20
            while not os.path.exists(socket):
                assert proc.poll() is None, "jirad demo exited"
                assert time.monotonic() < deadline, "jirad demo never listened"
                time.sleep(0.02)
            yield socket, env
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, timeout=60))


ADMIN = {"auth_login", "auth_complete", "auth_logout", "auth_selectSite", "cache_clear"}


async def session_do(demo, body, args=(), **callbacks):
    """Runs `body(session)` in a `jirad mcp --socket S --no-spawn ARGS` session; `callbacks` go to
    the SDK's ClientSession (an elicitation callback declares the capability)."""
    socket, env = demo
    params = StdioServerParameters(
        command=JIRAD, args=["mcp", "--socket", socket, "--no-spawn", *args], env=env)
    async with stdio_client(params) as (r, w):
        async with ClientSession(r, w, **callbacks) as s:
            init = await s.initialize()
            return init, await body(s)


def test_handshake_and_tools(demo):
    async def body(s):
        return await s.list_tools()

    init, tools = run(session_do(demo, body))
    assert init.protocol_version in ("2025-11-25", "2025-06-18")
    assert init.server_info.name == "jirad"
    names = {t.name for t in tools.tools}
    assert {"issues_get", "issues_list", "issues_create", "issues_update", "issues_delete",
            "auth_status"} <= names
    # Least privilege: no account or cache administration unless enabled.
    assert not names & ADMIN
    get = next(t for t in tools.tools if t.name == "issues_get")
    assert get.input_schema["type"] == "object"
    assert "key" in get.input_schema["required"]
    for t in tools.tools:
        a = t.annotations
        assert a is not None and a.title, t.name
        for hint in (a.read_only_hint, a.destructive_hint, a.idempotent_hint, a.open_world_hint):
            assert isinstance(hint, bool), t.name
        assert t.output_schema["type"] == "object", t.name
    by_name = {t.name: t.annotations for t in tools.tools}
    assert by_name["issues_get"].read_only_hint and not by_name["issues_get"].destructive_hint
    assert by_name["issues_delete"].destructive_hint and not by_name["issues_delete"].read_only_hint
    assert not by_name["issues_create"].destructive_hint


def test_get_list_create_update_delete(demo):
    async def body(s):
        out = {}
        out["get"] = await s.call_tool("issues_get", {"key": "DEMO-1"})
        out["list"] = await s.call_tool("issues_list", {"project": "DEMO", "limit": 5})
        created = await s.call_tool("issues_create",
                                    {"project": "DEMO", "type": "Task", "summary": "From the SDK"})
        out["create"] = created
        key = created.structured_content["key"]
        out["update"] = await s.call_tool("issues_update", {"key": key, "summary": "SDK renamed"})
        # This client declares no elicitation: an irreversible call needs the user's yes passed on.
        out["unconfirmed"] = await s.call_tool("issues_delete", {"key": key})
        out["delete"] = await s.call_tool("issues_delete", {"key": key, "confirm": True})
        out["gone"] = await s.call_tool("issues_get", {"key": key})
        return out

    _, r = run(session_do(demo, body))
    for step in ("get", "list", "create", "update", "delete"):
        assert not r[step].is_error, (step, r[step])
    assert r["get"].structured_content["key"] == "DEMO-1"
    assert r["get"].content[0].text.startswith("DEMO-1 | ")
    assert len(r["list"].structured_content["issues"]) == 5
    # Compact rows: a header, then one line per issue.
    rows = r["list"].content[0].text.splitlines()
    assert len(rows) == 6 and rows[0].startswith("5 issue(s)")
    assert r["unconfirmed"].is_error and "cannot be undone" in r["unconfirmed"].content[0].text
    assert r["update"].structured_content["summary"] == "SDK renamed"
    assert r["gone"].is_error
    assert "notFound" in r["gone"].content[0].text


def test_structured_output_conforms_to_the_output_schema(demo):
    """The SDK validates structuredContent against outputSchema on every successful call_tool."""
    async def body(s):
        await s.list_tools()
        return [await s.call_tool(name, args) for name, args in [
            ("issues_get", {"key": "DEMO-2", "fullDescription": True}),
            ("issues_list", {"project": "DEMO", "limit": 3, "detail": "full"}),
            ("issues_transitions", {"key": "DEMO-2"}),
            ("issues_comments", {"key": "DEMO-2"}),
            ("projects_list", {}),
            ("users_me", {}),
            ("auth_status", {}),
            ("cache_stats", {}),
        ]]

    _, results = run(session_do(demo, body))
    for r in results:
        assert not r.is_error, r
        assert isinstance(r.structured_content, dict)


def test_a_delete_asks_the_user_who_declines_then_accepts(demo):
    asked = []
    answers = [types.ElicitResult(action="decline"),
               types.ElicitResult(action="accept", content={"confirm": True})]

    async def on_elicit(context, params):
        asked.append(params)
        return answers[len(asked) - 1]

    async def body(s):
        created = await s.call_tool("issues_create",
                                    {"project": "DEMO", "type": "Task", "summary": "Ask first"})
        key = created.structured_content["key"]
        declined = await s.call_tool("issues_delete", {"key": key})
        kept = await s.call_tool("issues_get", {"key": key})
        accepted = await s.call_tool("issues_delete", {"key": key})
        gone = await s.call_tool("issues_get", {"key": key})
        return key, declined, kept, accepted, gone

    _, (key, declined, kept, accepted, gone) = run(
        session_do(demo, body, elicitation_callback=on_elicit))
    assert len(asked) == 2
    assert asked[0].mode in (None, "form")
    assert key in asked[0].message and "cannot be undone" in asked[0].message
    assert declined.is_error and "did not approve" in declined.content[0].text
    assert not kept.is_error
    assert not accepted.is_error
    assert gone.is_error


def test_read_only_refuses_every_write_and_the_fake_is_unchanged(demo):
    async def body(s):
        tools = (await s.list_tools()).tools
        before = (await s.call_tool("issues_get", {"key": "DEMO-6"})).structured_content
        refusals = []
        for name, args in [("issues_update", {"key": "DEMO-6", "summary": "nope"}),
                           ("issues_delete", {"key": "DEMO-6", "confirm": True}),
                           ("issues_create", {"project": "DEMO", "type": "Task", "summary": "x"}),
                           ("issues_transition", {"key": "DEMO-6", "to": "Done"})]:
            try:
                r = await s.call_tool(name, args)
                refusals.append(r)
            except MCPError as e:
                refusals.append(e)
        after = (await s.call_tool("issues_get", {"key": "DEMO-6"})).structured_content
        return tools, before, refusals, after

    _, (tools, before, refusals, after) = run(session_do(demo, body, args=["--read-only"]))
    assert tools and all(t.annotations.read_only_hint for t in tools)
    for r in refusals:
        assert isinstance(r, MCPError), r
        assert "read-only" in str(r)
    for field in ("summary", "status", "assignee", "updated"):
        assert before.get(field) == after.get(field), field


# jirad speaks the 2025 protocol versions, where resources/subscribe is current.
@pytest.mark.filterwarnings("ignore::mcp.MCPDeprecationWarning")
def test_a_subscribed_issue_reports_its_updates(demo):
    updated = asyncio.Event()
    seen = []

    async def on_message(m):
        m = getattr(m, "root", m)
        if isinstance(m, types.ResourceUpdatedNotification):
            seen.append(m.params.uri)
            updated.set()

    async def body(s):
        templates = await s.list_resource_templates()
        read = await s.read_resource("jira://issue/DEMO-7")
        await s.subscribe_resource("jira://issue/DEMO-7")
        await s.call_tool("issues_update", {"key": "DEMO-7", "summary": "Seen by a subscriber"})
        # The daemon's watch reports the change on its next check (seconds).
        await updated.wait()
        reread = await s.read_resource("jira://issue/DEMO-7")
        await s.unsubscribe_resource("jira://issue/DEMO-7")
        return templates, read, reread

    _, (templates, read, reread) = run(session_do(demo, body, message_handler=on_message))
    assert templates.resource_templates[0].uri_template == "jira://issue/{key}"
    assert read.contents[0].text.startswith("DEMO-7 | ")
    assert "jira://issue/DEMO-7" in seen
    assert "Seen by a subscriber" in reread.contents[0].text


def test_a_whole_list_read_reports_progress(demo):
    seen = []

    async def on_progress(progress, total, message):
        seen.append(progress)

    async def body(s):
        return await s.call_tool("issues_list", {"project": "DEMO", "all": True, "limit": 5},
                                 progress_callback=on_progress)

    _, r = run(session_do(demo, body))
    assert not r.is_error
    assert len(r.structured_content["issues"]) > 5
    assert seen and seen == sorted(set(seen)), seen
