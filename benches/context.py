"""What an agent pays in context: bytes and tokens of `tools/list` and of a fixed set of task results,
jirad mcp against mcp-atlassian on the same fake Jira (Data Center, PAT), in one run.

    target/bench/venv/bin/python benches/context.py [--bin-dir target/release] [--out target/bench]

Each server is driven by a raw stdio client (one JSON message per line), so the figures are the
server's own replies re-serialized the same compact way (`json.dumps`, no spaces, UTF-8) for both.
Tokens: OpenAI's o200k_base (tiktoken-compatible, from the `bpe-openai` package, which bundles the
encoding; tiktoken itself downloads it at first use). Writes `context.md` and `context.json`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bpe_openai

from bench import clean_env, write_config
from ops import JQL, PROJECT
from servers import Fake, log

ENC = bpe_openai.get_encoding("o200k_base")

# task: (jirad tool, its arguments, mcp-atlassian tool, its arguments); `k` is an issue key.
TASKS = {
    "get an issue": ("issues_get", lambda k: {"key": k},
                     "jira_get_issue", lambda k: {"issue_key": k}),
    "search 20 issues": ("issues_list", lambda k: {"project": PROJECT, "limit": 20},
                         "jira_search", lambda k: {"jql": JQL.format(project=PROJECT), "limit": 20}),
    "list transitions": ("issues_transitions", lambda k: {"key": k},
                         "jira_get_transitions", lambda k: {"issue_key": k}),
    "list projects": ("projects_list", lambda k: {},
                      "jira_get_all_projects", lambda k: {}),
}


def compact(v) -> str:
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def size(text: str) -> tuple[int, int]:
    """(UTF-8 bytes, o200k_base tokens)."""
    return len(text.encode()), len(ENC.encode(text))


class Raw:
    """An MCP server on pipes, one JSON message per line, as a host talks to it."""

    def __init__(self, argv: list[str], env: dict[str, str], errlog):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errlog,
                                  env=env, text=True, encoding="utf-8")
        self.next_id = 0
        self.request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                    "clientInfo": {"name": "context-bench", "version": "1"}})
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def send(self, msg: dict) -> None:
        self.p.stdin.write(compact(msg) + "\n")
        self.p.stdin.flush()

    def request(self, method: str, params: dict) -> dict:
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        while True:
            line = self.p.stdout.readline()
            if not line:
                raise RuntimeError(f"{method}: the server closed stdout")
            msg = json.loads(line)
            if msg.get("id") == self.next_id and "method" not in msg:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg["result"]

    def close(self) -> None:
        self.p.stdin.close()
        try:
            self.p.wait(10)
        except subprocess.TimeoutExpired:
            self.p.kill()


def measure(server: Raw, tools_side: int, key: str) -> dict:
    """tools/list and every task's result: whole reply, and what a model reads."""
    listed = server.request("tools/list", {})["tools"]
    # What hosts put in the model's context for each tool: name, description, input schema.
    seen = [{k: t.get(k) for k in ("name", "description", "inputSchema")} for t in listed]
    out = {"tools": len(listed), "list": size(compact(listed)), "list_model": size(compact(seen)), "tasks": {}}
    for task, spec in TASKS.items():
        name, args = spec[tools_side], spec[tools_side + 1]
        result = server.request("tools/call", {"name": name, "arguments": args(key)})
        text = "\n".join(c.get("text", "") for c in result.get("content", []))
        out["tasks"][task] = {"tool": name, "error": bool(result.get("isError")),
                              "reply": size(compact(result)), "text": size(text)}
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bin-dir", type=Path, default=Path("target/release"))
    p.add_argument("--out", type=Path, default=Path("target/bench"))
    p.add_argument("--issues", type=int, default=1000)
    a = p.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    logdir = a.out / "logs"
    logdir.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="jirad-context-"))
    fake = Fake(a.bin_dir / "fake-jira", a.issues, 0, logdir)
    key = fake.keys(1)[0]
    config = work / "jirad" / "config.toml"
    config.parent.mkdir(mode=0o700)
    write_config(config, fake)
    env = clean_env(XDG_CONFIG_HOME=str(work), XDG_STATE_HOME=str(work), XDG_CACHE_HOME=str(work),
                    XDG_RUNTIME_DIR=str(work), JIRAD_CONFIG=str(config), RUST_LOG="warn")
    atl_env = clean_env(JIRA_URL=fake.dc_url, JIRA_PERSONAL_TOKEN=fake.info["pat"],
                        FASTMCP_CHECK_FOR_UPDATES="off", JIRA_SSL_VERIFY="false")
    atl = str(Path(sys.prefix) / "bin" / "mcp-atlassian")
    jirad = str(a.bin_dir / "jirad")
    sock = str(work / "jirad.sock")
    daemon = subprocess.Popen([jirad, "serve", "--socket", sock, "--config", str(config)], env=env,
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=open(logdir / "context-jirad.log", "w"))
    while not Path(sock).exists():
        if daemon.poll() is not None:
            raise RuntimeError("jirad serve exited; see logs/context-jirad.log")
        time.sleep(0.01)
    errlog = open(logdir / "context-servers.log", "w")
    servers = {
        "mcp-atlassian 0.23.1 (default)": ([atl, "--transport", "stdio"], atl_env, 2),
        "mcp-atlassian 0.23.1 --read-only": ([atl, "--transport", "stdio", "--read-only"], atl_env, 2),
        "jirad mcp (default)": ([jirad, "mcp", "--socket", sock], env, 0),
        "jirad mcp --read-only": ([jirad, "mcp", "--socket", sock, "--read-only"], env, 0),
    }
    results = {}
    try:
        for name, (argv, server_env, side) in servers.items():
            log(f"measuring {name}")
            s = Raw(argv, server_env, errlog)
            try:
                results[name] = measure(s, side, key)
            finally:
                s.close()
    finally:
        daemon.terminate()
        daemon.wait(10)
        fake.stop()
        errlog.close()
    (a.out / "context.json").write_text(json.dumps(results, indent=2))
    (a.out / "context.md").write_text(table(results))
    print(table(results))
    return 0


def table(results: dict) -> str:
    """Markdown: one column per server, bytes / tokens per row."""
    names = list(results)
    cell = lambda bt: f"{bt[0]:,} B / {bt[1]:,} tok"  # noqa: E731
    rows = [["tools", *(str(results[n]["tools"]) for n in names)],
            ["`tools/list`, whole reply", *(cell(results[n]["list"]) for n in names)],
            ["`tools/list`, what the model reads (name, description, inputSchema)",
             *(cell(results[n]["list_model"]) for n in names)]]
    for task in TASKS:
        for part, label in (("text", "text the model reads"), ("reply", "whole reply")):
            row = [f"{task}: {label}"]
            for n in names:
                t = results[n]["tasks"].get(task)
                row.append("—" if t is None else cell(t[part]) + (" (error)" if t["error"] else ""))
            rows.append(row)
    head = "| | " + " | ".join(names) + " |\n|---|" + "---|" * len(names) + "\n"
    return head + "".join("| " + " | ".join(r) + " |\n" for r in rows)


if __name__ == "__main__":
    sys.exit(main())
