"""The processes under test (fake Jira, jirad daemon, MCP servers) and the clients that drive them.

`McpFace` (either MCP server, through the official SDK) and `NativeFace` (jirad's socket) offer the same
`open`, `run(op, a)`, `list_all` and `close`, so every measurement is the same code for every server.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from ops import ALL_CAP, JIRAD_TOOLS, JQL, OPS, PROJECT

clock = time.perf_counter  # monotonic


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class CallError(Exception):
    pass


# ------------------------------------------------------------------------------------------------
# Processes and memory


def children(pid: int | None = None) -> set[int]:
    """PIDs whose parent is `pid` (default: this process)."""
    pid = pid or os.getpid()
    out = set()
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                stat = Path(f"/proc/{d}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.add(int(d))
    return out


def hwm_mib(pid: int, tree: bool = True) -> float:
    """Peak resident memory (VmHWM) of `pid`, plus its descendants' when `tree`, in MiB."""
    total = 0.0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1]) / 1024
    except OSError:
        return 0.0
    if tree:
        total += sum(hwm_mib(c) for c in children(pid))
    return total


class Fake:
    """The fake Jira process and its request log."""

    def __init__(self, exe: Path, issues: int, latency_ms: int, logdir: Path):
        self.proc = subprocess.Popen(
            [str(exe), "--addr", "127.0.0.1:0", "--issues", str(issues), "--latency-ms", str(latency_ms)],
            stdout=subprocess.PIPE, stderr=open(logdir / "fake-jira.log", "w"), text=True)
        self.info = json.loads(self.proc.stdout.readline())
        self.url = self.info["url"]
        self.dc_url = self.info.get("dcUrl", self.url + "/dc")
        self.site_url = self.info.get("siteUrl", self.url + "/site")

    def requests(self) -> list[dict]:
        with urllib.request.urlopen(self.url + "/__fake/requests", timeout=30) as r:
            return json.load(r)

    def count(self) -> int:
        return len(self.requests())

    def keys(self, n: int) -> list[str]:
        """`n` issue keys of PROJECT, spread over the project, read straight from the fake (DC, PAT)."""
        q = urllib.parse.urlencode({"jql": JQL.format(project=PROJECT), "maxResults": 1000, "fields": "summary"})
        req = urllib.request.Request(f"{self.dc_url}/rest/api/2/search?{q}",
                                     headers={"Authorization": "Bearer " + self.info["pat"]})
        with urllib.request.urlopen(req, timeout=60) as r:
            keys = [i["key"] for i in json.load(r)["issues"]]
        step = max(1, len(keys) // n)
        return keys[::step][:n]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


# ------------------------------------------------------------------------------------------------
# Clients: an MCP session (either server) and a native JSON-RPC connection, with the same `run(op, a)`.


def decode_tool_result(res) -> object:
    if getattr(res, "isError", None) or getattr(res, "is_error", None):
        raise CallError(" ".join(getattr(c, "text", "") for c in res.content)[:300])
    sc = getattr(res, "structuredContent", None) or getattr(res, "structured_content", None)
    if isinstance(sc, dict) and not (set(sc) == {"result"} and isinstance(sc["result"], str)):
        return sc
    text = "".join(getattr(c, "text", "") for c in res.content)
    try:
        return json.loads(text)
    except ValueError:
        return text


def count_issues(res: object) -> tuple[int, int | None]:
    """(issues in this reply, total the server reports or None)."""
    if isinstance(res, list):
        return len(res), None
    if isinstance(res, dict):
        issues = res.get("issues", res.get("items", []))
        total = res.get("total")
        return len(issues), total if isinstance(total, int) else None
    return 0, None


class McpFace:
    """An MCP server spawned over stdio and driven with the official SDK."""

    def __init__(self, command: str, args: list[str], env: dict[str, str], errlog, peer: bool):
        self.params = StdioServerParameters(command=command, args=args, env=env)
        self.errlog, self.peer = errlog, peer
        self.stack = AsyncExitStack()
        self.pids: set[int] = set()
        self.tools: dict[str, str] = {}

    async def open(self) -> float:
        """Spawns the server; returns ms from spawn to the `initialize` answer."""
        before = children()
        t0 = clock()
        try:
            r, w = await self.stack.enter_async_context(stdio_client(self.params, errlog=self.errlog))
            self.session = await self.stack.enter_async_context(
                ClientSession(r, w, read_timeout_seconds=timedelta(seconds=300)))
            await self.session.initialize()
        except BaseException as e:  # a server that exits cancels the SDK's scope: close it, then report
            await self.close()
            raise CallError(f"{self.params.command} {' '.join(self.params.args)}: no initialize answer "
                            f"({type(e).__name__}); see logs/mcp-servers.log") from None
        ms = (clock() - t0) * 1000
        self.pids = children() - before
        return ms

    async def discover(self) -> list[str]:
        """Picks each operation's tool; returns warnings about arguments the tool's schema does not list."""
        tools = {t.name: t for t in (await self.session.list_tools()).tools}
        warnings = []
        for op, (method, params, peer_tool, peer_args) in OPS.items():
            name = peer_tool if self.peer else JIRAD_TOOLS.get(method) or match_tool(method, list(tools))
            self.tools[op] = name
            schema = getattr(tools.get(name), "inputSchema", None) or getattr(tools.get(name), "input_schema", {})
            sent = (peer_args if self.peer else params)({"key": "K-1", "project": PROJECT, "start": 0})
            unknown = set(sent) - set((schema or {}).get("properties", sent))
            if unknown:
                warnings.append(f"tool {name} does not list {sorted(unknown)} in its input schema")
        return warnings

    def rss(self) -> float:
        return sum(hwm_mib(p) for p in self.pids)

    async def run(self, op: str, a: dict) -> object:
        method, params, _, peer_args = OPS[op]
        args = peer_args(a) if self.peer else params(a)
        return decode_tool_result(await self.session.call_tool(self.tools[op], args))

    async def list_all(self) -> int:
        if not self.peer:
            return count_issues(await self.run("list_all", {"project": PROJECT, "start": 0}))[0]
        start = 0
        while True:  # mcp-atlassian: page with its search tool, 50 at a time, up to jirad's cap
            got, total = count_issues(await self.run("list_all", {"project": PROJECT, "start": start}))
            start += got
            if got == 0 or start >= min(total or ALL_CAP, ALL_CAP):
                return min(start, ALL_CAP)

    async def close(self) -> None:
        try:
            await self.stack.aclose()
        except BaseException as e:  # noqa: BLE001 - a dead server's transport fails on close; nothing to do
            log(f"closing {self.params.command}: {type(e).__name__}")


def match_tool(method: str, names: list[str]) -> str:
    """jirad's MCP tool for a JSON-RPC method: the tool whose name, letters and digits only, matches."""
    norm = lambda s: "".join(ch for ch in s.lower() if ch.isalnum())  # noqa: E731
    for n in names:
        if norm(n) == norm(method) or norm(n) == "jira" + norm(method):
            return n
    raise CallError(f"no MCP tool for {method} among {names}")


class NativeFace:
    """A JSON-RPC connection to the daemon's socket, one JSON object per line."""

    def __init__(self, socket: Path, profile: str | None):
        self.socket, self.profile, self.next_id = socket, profile, 0

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_unix_connection(str(self.socket), limit=1 << 30)
        if self.profile:
            await self.call("initialize", {"clientInfo": {"name": "jirad-bench"}, "profile": self.profile})

    async def call(self, method: str, params: dict | None = None) -> object:
        self.next_id += 1
        msg = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            msg["params"] = params
        self.writer.write(json.dumps(msg).encode() + b"\n")
        await self.writer.drain()
        while True:
            line = await self.reader.readline()
            if not line:
                raise CallError(f"{method}: connection closed")
            reply = json.loads(line)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise CallError(f"{method}: {json.dumps(reply['error'])[:300]}")
                return reply.get("result")

    async def run(self, op: str, a: dict) -> object:
        method, params, _, _ = OPS[op]
        return await self.call(method, params(a))

    async def list_all(self) -> int:
        return count_issues(await self.run("list_all", {"project": PROJECT}))[0]

    async def close(self) -> None:
        if hasattr(self, "writer"):
            self.writer.close()


# ------------------------------------------------------------------------------------------------
# The daemon


class Daemon:
    def __init__(self, exe: Path, config: Path, workdir: Path, env: dict[str, str], logdir: Path, n: int):
        self.socket = workdir / f"jirad-{n}.sock"
        t0 = clock()
        self.log = logdir / f"jirad-serve-{n}.log"
        self.proc = subprocess.Popen([str(exe), "serve", "--socket", str(self.socket), "--config", str(config)],
                                     env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=open(self.log, "w"))
        self.t0 = t0

    async def first_answer(self, timeout: float = 20.0) -> float:
        """ms from spawn to the first `daemon/status` answer on the socket."""
        while clock() - self.t0 < timeout:
            if self.proc.poll() is not None:
                tail = " | ".join(self.log.read_text().strip().splitlines()[-3:])
                raise CallError(f"jirad serve exited with {self.proc.returncode}: {tail}")
            try:
                c = NativeFace(self.socket, None)
                await c.open()
            except OSError:
                await asyncio.sleep(0.001)
                continue
            await c.call("daemon/status")
            ms = (clock() - self.t0) * 1000
            await c.close()
            return ms
        raise CallError("jirad serve did not answer daemon/status in time")

    def rss(self) -> float:
        return hwm_mib(self.proc.pid, tree=False)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
