"""jirad against mcp-atlassian, side by side in one run. `benches/run.sh` builds, installs and starts it.

One fake Jira, then one "face" at a time, each through the same client code:
  mcp-atlassian (MCP over stdio, Data Center mode, PAT) · jirad mcp (MCP over stdio, forwarding to a daemon)
  · jirad native (JSON-RPC on the daemon's socket, DC profile) · jirad native (same, Cloud profile).
Every jirad face gets a fresh daemon, so its cold figures are cold. All traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import report
from ops import CLIENTS, PROJECT
from servers import (CallError, Daemon, Fake, McpFace, NativeFace, children, clock, count_issues, hwm_mib,
                     log)

# ------------------------------------------------------------------------------------------------
# Measurements, the same for every face


def check_get(res: object, key: str) -> None:
    if key not in json.dumps(res):
        raise CallError(f"get {key}: the answer does not mention the key: {json.dumps(res)[:200]}")


async def timed(coro, timeout: float) -> tuple[float, object]:
    t0 = clock()
    async with asyncio.timeout(timeout):  # in this task: anyio's scopes must not change task
        res = await coro
    return (clock() - t0) * 1000, res


class Bench:
    def __init__(self, args, fake: Fake, keys: dict[str, list[str]]):
        self.a, self.fake, self.keys = args, fake, keys
        self.results: dict[str, dict[str, object]] = {}
        self.notes: list[str] = []

    async def step(self, face: str, what: str, coro) -> None:
        """Runs one measurement; a failure is noted and the run goes on."""
        try:
            await coro
        except Exception as e:  # noqa: BLE001 - any failure of one figure must not stop the others
            msg = f"{face}: {what} failed: {type(e).__name__}: {e}"
            log(msg)
            self.notes.append(msg[:400])
        except asyncio.CancelledError:  # the SDK cancels us when its server process dies: give up this face
            raise CallError(f"{what}: the server went away; see logs/") from None

    async def measure(self, name: str, face, make_client, warm: int, calls_each: int) -> None:
        """Cold gets, repeated gets, 50-issue list, fetch all, then 16 concurrent clients."""
        r, fake, keys = self.results.setdefault(name, {}), self.fake, self.keys[name]

        async def cold():
            c0, lat = fake.count(), []
            for i, k in enumerate(keys):
                ms, res = await timed(face.run("get", {"key": k}), 60)
                check_get(res, k)
                lat.append(ms)
                if i == 0:
                    first = fake.requests()[c0:]
                    r["cold_get_requests"] = [f"{q['method']} {q['path']}" for q in first]
            r["get_cold_p50"], r["get_cold_p99"] = report.percentile(lat, 50), report.percentile(lat, 99)
            r["up_get_cold"] = (fake.count() - c0) / len(keys)

        async def repeated():
            await face.run("get", {"key": keys[0]})
            c0, lat = fake.count(), []
            for _ in range(warm):
                ms, res = await timed(face.run("get", {"key": keys[0]}), 60)
                lat.append(ms)
            check_get(res, keys[0])
            r["get_warm_p50"], r["get_warm_p99"] = report.percentile(lat, 50), report.percentile(lat, 99)
            r["up_get_warm"] = (fake.count() - c0) / warm

        async def list50():
            c0 = fake.count()
            ms, res = await timed(face.run("list", {"project": PROJECT}), 120)
            n, _ = count_issues(res)
            if n != 50:
                raise CallError(f"list returned {n} issues, not 50")
            r["list50"], r["up_list50"] = ms, fake.count() - c0

        async def list_all():
            c0 = fake.count()
            ms, n = await timed(face.list_all(), 300)
            r["list_all"], r["list_all_count"], r["up_list_all"] = ms, n, fake.count() - c0

        async def throughput():
            # Each client lives in its own task from open to close (anyio's stdio_client requires it).
            clients = [make_client() for _ in range(CLIENTS)]
            go, done, release = asyncio.Barrier(CLIENTS + 1), asyncio.Barrier(CLIENTS + 1), asyncio.Event()

            async def client(i, c):
                try:
                    await c.open()
                    if isinstance(c, McpFace):
                        await c.discover()
                    await go.wait()
                    for j in range(calls_each):
                        k = keys[(i + j) % len(keys)]
                        check_get((await timed(c.run("get", {"key": k}), 120))[1], k)
                    await done.wait()
                    await release.wait()
                except BaseException:
                    await go.abort()
                    await done.abort()
                    raise
                finally:
                    await c.close()

            before = children()
            tasks = [asyncio.create_task(client(i, c)) for i, c in enumerate(clients)]
            try:
                await go.wait()
                c0, t0 = fake.count(), clock()
                await done.wait()
                secs, total = clock() - t0, CLIENTS * calls_each
                r["throughput"], r["up_throughput"] = total / secs, (fake.count() - c0) / total
                spawned = children() - before
                if spawned:
                    r["rss_16"] = sum(hwm_mib(p) for p in spawned)
            finally:
                release.set()
                for res in await asyncio.gather(*tasks, return_exceptions=True):
                    if isinstance(res, BaseException) and not isinstance(res, asyncio.BrokenBarrierError):
                        raise CallError(f"a client failed: {type(res).__name__}: {res}")

        for what, fn in [("cold get", cold), ("repeated get", repeated), ("list 50", list50),
                         ("fetch all", list_all)]:
            log(f"{name}: {what}")
            await self.step(name, what, fn())
        if hasattr(face, "rss"):
            r["rss"] = face.rss()
        log(f"{name}: {CLIENTS} clients × {calls_each} gets")
        await self.step(name, "throughput", throughput())


# ------------------------------------------------------------------------------------------------
# The run


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.update(extra)
    return env


def write_config(path: Path, fake: Fake) -> None:
    i = fake.info
    path.write_text(f"""default_profile = "dc"

[profiles.dc]
auth = "pat"
base_url = "{fake.dc_url}"
token = "{i['pat']}"

[profiles.cloud]
auth = "api_token"
base_url = "{fake.site_url}"
email = "{i['apiToken']['email']}"
token = "{i['apiToken']['token']}"
""")
    path.chmod(0o600)


async def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--latency-ms", type=int, default=30)
    p.add_argument("--issues", type=int, help="generated issues (default 10000; 1000 with --quick)")
    p.add_argument("--quick", action="store_true", help="few calls, for a smoke test")
    p.add_argument("--bin-dir", type=Path, default=Path("target/release"))
    p.add_argument("--out", type=Path, default=Path("target/bench"))
    p.add_argument("--only", default="", help="comma-separated faces to run (atlassian,mcp,dc,cloud)")
    a = p.parse_args()
    q = a.quick
    a.issues = a.issues or (1000 if q else 10000)
    cold_n, warm_n, starts = (5, 10, 1) if q else (20, 200, 3)
    peer_warm, peer_calls, our_calls = (5, 1, 10) if q else (30, 4, 100)
    only = set(a.only.split(",")) if a.only else {"atlassian", "mcp", "dc", "cloud"}

    a.out.mkdir(parents=True, exist_ok=True)
    logdir = a.out / "logs"
    logdir.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="jirad-bench-"))
    jirad_exe, atl_exe = a.bin_dir / "jirad", Path(sys.prefix) / "bin" / "mcp-atlassian"
    t_run = clock()

    fake = Fake(a.bin_dir / "fake-jira", a.issues, a.latency_ms, logdir)
    log(f"fake Jira at {fake.url} with {a.issues} generated issues, {a.latency_ms} ms latency")
    faces = ["mcp-atlassian", "jirad mcp", "jirad native (DC)", "jirad native (Cloud)"]
    all_keys = fake.keys(cold_n * len(faces))
    keys = {f: all_keys[i::len(faces)] for i, f in enumerate(faces)}
    bench = Bench(a, fake, keys)
    config = work / "jirad" / "config.toml"  # also where jirad looks by default under XDG_CONFIG_HOME
    config.parent.mkdir(mode=0o700)
    write_config(config, fake)
    env = clean_env(XDG_CONFIG_HOME=str(work), XDG_STATE_HOME=str(work), XDG_CACHE_HOME=str(work),
                    XDG_RUNTIME_DIR=str(work), JIRAD_CONFIG=str(config), RUST_LOG="warn")
    errlog = open(logdir / "mcp-servers.log", "w")
    try:
        # mcp-atlassian, Data Center mode with the PAT (its env as in clients-security.md §2.1)
        if "atlassian" in only:
            atl_env = clean_env(JIRA_URL=fake.dc_url, JIRA_PERSONAL_TOKEN=fake.info["pat"], TOOLSETS="all",
                                FASTMCP_CHECK_FOR_UPDATES="off", JIRA_SSL_VERIFY="false")
            mk = lambda: McpFace(str(atl_exe), ["--transport", "stdio"], atl_env, errlog, peer=True)  # noqa: E731
            await run_mcp_face(bench, "mcp-atlassian", mk, starts, peer_warm, peer_calls, None)

        # jirad: a fresh daemon per face, so that each face's cold figures are cold
        n = 0

        async def daemon() -> tuple[Daemon, list[float]]:
            nonlocal n
            ms = []
            for i in range(starts):
                n += 1
                d = Daemon(jirad_exe, config, work, env, logdir, n)
                try:
                    ms.append(await d.first_answer())
                except Exception:
                    d.stop()
                    raise
                if i < starts - 1:
                    d.stop()
            return d, ms

        if "mcp" in only:
            d = None
            try:
                d, _ = await daemon()
                mk = lambda: McpFace(str(jirad_exe), ["mcp", "--socket", str(d.socket)], env, errlog, peer=False)  # noqa: E731
                await run_mcp_face(bench, "jirad mcp", mk, starts, warm_n, our_calls, d)
            except Exception as e:  # noqa: BLE001
                bench.notes.append(f"jirad mcp: {type(e).__name__}: {e}")
                log(bench.notes[-1])
            finally:
                d and d.stop()

        for face, profile, tag in [("jirad native (DC)", "dc", "dc"), ("jirad native (Cloud)", "cloud", "cloud")]:
            if tag not in only:
                continue
            d = None
            try:
                d, ms = await daemon()
                r = bench.results.setdefault(face, {})
                r["start"] = report.percentile(ms, 50)
                c = NativeFace(d.socket, profile)
                await c.open()
                await bench.measure(face, c, lambda: NativeFace(d.socket, profile), warm_n, our_calls)
                await c.close()
                r["rss"] = d.rss()
            except Exception as e:  # noqa: BLE001
                bench.notes.append(f"{face}: {type(e).__name__}: {e}")
                log(bench.notes[-1])
            finally:
                d and d.stop()
    finally:
        fake.stop()
        errlog.close()
        shutil.rmtree(work, ignore_errors=True)

    secs = clock() - t_run
    write_outputs(a, bench, secs)
    return 0


async def run_mcp_face(bench: Bench, name: str, make, starts: int, warm: int, calls_each: int,
                       daemon: Daemon | None) -> None:
    r = bench.results.setdefault(name, {})
    face = make()
    try:
        start_ms = [await face.open()]
        for w in await face.discover():
            bench.notes.append(f"{name}: {w}")
            log(bench.notes[-1])
        r["tools"] = dict(face.tools)
        for _ in range(starts - 1):  # further cold starts of the same server, for a steadier figure
            extra = make()
            try:
                start_ms.append(await extra.open())
            finally:
                await extra.close()
        r["start"] = report.percentile(start_ms, 50)
        await bench.measure(name, face, make, warm, calls_each)
        if daemon:
            r["rss_daemon"] = daemon.rss()
    except Exception as e:  # noqa: BLE001
        bench.notes.append(f"{name}: {type(e).__name__}: {e}")
        log(bench.notes[-1])
    finally:
        await face.close()


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def write_outputs(a, bench: Bench, secs: float) -> None:
    res = bench.results
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    cmd = "benches/run.sh " + " ".join(sys.argv[1:])
    title = f"jirad vs mcp-atlassian, fake Jira with {a.issues} issues, {a.latency_ms} ms upstream latency"
    verdicts = report.verdict_lines(report.verdicts(res))
    md = [f"# {title}\n", f"{when}, `{cmd}`, {secs:.0f} s in all.  \nMachine: {machine()}\n",
          report.markdown_table(res), "\nTargets (ratios from this run):\n", "```\n" + verdicts + "```\n"]
    for face, r in res.items():
        if r.get("cold_get_requests"):
            md.append(f"\nUpstream requests of one cold get, {face}: " +
                      ", ".join(f"`{x}`" for x in r["cold_get_requests"]) + "  ")
    if bench.notes:
        md.append("\n\nNotes:\n" + "".join(f"- {n}\n" for n in bench.notes))
    (a.out / "results.md").write_text("\n".join(md) + "\n")
    (a.out / "results.json").write_text(json.dumps(
        {"when": when, "command": cmd, "machine": machine(), "seconds": secs, "results": res,
         "notes": bench.notes}, indent=2, default=str))
    try:
        report.draw_chart(res, str(a.out / "results.png"), title)
    except Exception as e:  # noqa: BLE001
        log(f"chart not drawn: {e}")
    print(report.markdown_table(res))
    print(verdicts)
    for n in bench.notes:
        print("note:", n)
    print(f"wrote {a.out}/results.md, results.json, results.png ({secs:.0f} s)")


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
