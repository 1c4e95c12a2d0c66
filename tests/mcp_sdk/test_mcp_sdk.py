"""`jirad mcp` driven by the official MCP Python SDK client over stdio, against `jirad demo`.

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
from mcp import ClientSession, StdioServerParameters
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


async def session_do(demo, body):
    socket, env = demo
    params = StdioServerParameters(command=JIRAD, args=["mcp", "--socket", socket, "--no-spawn"],
                                   env=env)
    async with stdio_client(params) as (r, w):
        async with ClientSession(r, w) as s:
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
            "auth_status", "auth_login"} <= names
    get = next(t for t in tools.tools if t.name == "issues_get")
    assert get.input_schema["type"] == "object"
    assert "key" in get.input_schema["required"]


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
        out["delete"] = await s.call_tool("issues_delete", {"key": key})
        out["gone"] = await s.call_tool("issues_get", {"key": key})
        return out

    _, r = run(session_do(demo, body))
    for step in ("get", "list", "create", "update", "delete"):
        assert not r[step].is_error, (step, r[step])
    assert r["get"].structured_content["key"] == "DEMO-1"
    assert r["get"].content[0].text.startswith("DEMO-1 | ")
    assert len(r["list"].structured_content["issues"]) == 5
    assert r["update"].structured_content["summary"] == "SDK renamed"
    assert r["gone"].is_error
    assert "notFound" in r["gone"].content[0].text
