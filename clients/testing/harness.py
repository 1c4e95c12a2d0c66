#!/usr/bin/env python3
"""Test environment shared by the three client suites: a fake Jira plus a real jirad.

Starts ``fake-jira`` ($FAKE_JIRA_BIN, default ``target/debug/fake-jira``), writes a temp config
pointing at it, and starts ``jirad serve --socket PATH --config FILE`` ($JIRAD_BIN, default
``target/debug/jirad``) with every XDG directory inside a temp dir, so nothing touches the user's
state. Python tests import :class:`TestEnv`; other languages run this file, read the one JSON line
it prints (socket, config, jirad, fake, project, env) and close its stdin to stop everything.

Standard library only: CI's Debian has Python 3.11, and the TS and Neovim suites use it too.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

REPO = Path(__file__).resolve().parents[2]

# The one place that knows the daemon's config schema. JIRAD_TEST_CONFIG may name a
# template file using the same {placeholders} to follow a schema change without editing code.
CONFIG_TEMPLATE = """\
# Written by clients/testing/harness.py for one test run.
default_profile = "test"

# Jira Cloud with an API token (basic auth) against the fake's site.
[profiles.test]
auth = "api_token"
base_url = "{siteUrl}"
email = "{email}"
token = "{token}"

# OAuth (3LO) with the fake's custom app: unauthorized until a test logs in.
[profiles.oauth]
auth = "oauth"
app = "custom"
client_id = "{clientId}"
client_secret = "{clientSecret}"
authorize_url = "{url}/authorize?audience=api.atlassian.com"
token_url = "{url}/oauth/token"
api_url = "{url}"
redirect_uri = "{redirectUri}"
"""

def _bin(var: str, default: str) -> str:
    path = os.environ.get(var) or str(REPO / default)
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"{var}: {path} is not an executable (build it, or set {var})")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _project_key(fake: Dict[str, Any]) -> str:
    projects = fake.get("projects") or []
    first = projects[0] if projects else "DEMO"
    return first["key"] if isinstance(first, dict) else str(first)


class TestEnv:
    """``with TestEnv() as env: Client.connect(env.socket, spawn=False)``."""

    __test__ = False  # not a pytest test class

    def __init__(self) -> None:
        # Find the binaries first: a missing build must not leave a temp dir behind.
        self.jirad = _bin("JIRAD_BIN", "target/debug/jirad")
        self.fake_bin = _bin("FAKE_JIRA_BIN", "target/debug/fake-jira")
        self.tmp = Path(tempfile.mkdtemp(prefix="jirad-clients-"))
        # AF_UNIX paths are limited to ~107 bytes; mkdtemp under /tmp stays well short.
        self.socket = str(self.tmp / "run" / "jirad.sock")
        self.config = str(self.tmp / "config.toml")
        self.env = dict(os.environ)
        for name in ("CONFIG", "STATE", "CACHE", "DATA"):
            d = self.tmp / name.lower()
            d.mkdir()
            self.env[f"XDG_{name}_HOME"] = str(d)
        run = self.tmp / "run"
        run.mkdir(mode=0o700)
        self.env["XDG_RUNTIME_DIR"] = str(run)
        self.env["JIRAD_SOCKET"] = self.socket
        self.env["JIRAD_CONFIG"] = self.config
        self.env["JIRAD_BIN"] = self.jirad
        self.fake: Dict[str, Any] = {}
        self.project = "DEMO"
        self.redirect_uri = ""
        self._procs: List[subprocess.Popen] = []

    # --- lifecycle ----------------------------------------------------------------------
    def __enter__(self) -> "TestEnv":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def start(self) -> None:
        # A callback port of our own, so a login never collides with a real jirad's 8765.
        self.redirect_uri = f"http://127.0.0.1:{_free_port()}/callback"
        # --auto-approve: the fake's /authorize redirects at once, as a user clicking "Accept".
        fake = subprocess.Popen([self.fake_bin, "--auto-approve", "--redirect-uri", self.redirect_uri],
                                stdout=subprocess.PIPE,
                                stderr=open(self.tmp / "fake-jira.log", "wb"),
                                env=self.env, start_new_session=True)
        self._procs.append(fake)
        line = fake.stdout.readline()  # type: ignore[union-attr]
        if not line:
            raise RuntimeError(f"fake-jira printed nothing; see {self.tmp / 'fake-jira.log'}")
        self.fake = json.loads(line)
        self.project = _project_key(self.fake)
        api = self.fake.get("apiToken") or {}
        template = CONFIG_TEMPLATE
        if os.environ.get("JIRAD_TEST_CONFIG"):
            template = Path(os.environ["JIRAD_TEST_CONFIG"]).read_text()
        # 0600: jirad refuses a config holding secrets that others can read.
        fd = os.open(self.config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(template.format(
                url=self.fake.get("url", ""), cloudId=self.fake.get("cloudId", ""),
                siteUrl=self.fake.get("siteUrl") or f"{self.fake.get('url', '')}/site",
                email=api.get("email", ""), token=api.get("token", ""),
                pat=self.fake.get("pat", ""), project=self.project,
                clientId=(self.fake.get("customApp") or {}).get("clientId", ""),
                clientSecret=(self.fake.get("customApp") or {}).get("clientSecret", ""),
                redirectUri=self.redirect_uri))
        self.start_daemon()

    def start_daemon(self) -> subprocess.Popen:
        log = open(self.tmp / "jirad.log", "ab")
        proc = subprocess.Popen([self.jirad, "serve", "--socket", self.socket,
                                 "--config", self.config],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                env=self.env, start_new_session=True)
        self._procs.append(proc)
        self.wait_listening(proc)
        return proc

    def wait_listening(self, proc: Optional[subprocess.Popen] = None, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            s = socket.socket(socket.AF_UNIX)
            try:
                s.connect(self.socket)
                return
            except OSError:
                pass
            finally:
                s.close()
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"jirad exited with {proc.returncode}:\n{self.log_tail()}")
            time.sleep(0.05)
        raise RuntimeError(f"jirad did not listen on {self.socket}:\n{self.log_tail()}")

    def log_tail(self) -> str:
        try:
            return (self.tmp / "jirad.log").read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    def stop(self) -> None:
        for proc in reversed(self._procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            if proc.stdout:
                proc.stdout.close()
        self._procs.clear()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def approve(self, authorization_url: str) -> str:
        """Play the user's browser: open the authorization link, return where the fake redirects
        (the URL ``auth/complete`` takes). The redirect is not followed."""
        import urllib.error
        import urllib.request

        class Stop(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: Any, **kwargs: Any) -> None:
                return None

        try:
            urllib.request.build_opener(Stop).open(authorization_url, timeout=10)
        except urllib.error.HTTPError as e:
            if e.code in (301, 302, 303, 307) and e.headers.get("Location"):
                return e.headers["Location"]
            raise
        raise RuntimeError("the fake did not redirect the authorization request")

    def kill_spawned(self, socket_path: str) -> None:
        """End a daemon a test had the client spawn (detached, so not our child) by its pid,
        found through its unique ``--socket`` argument."""
        for pid_dir in Path("/proc").glob("[0-9]*"):
            try:
                argv = (pid_dir / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if socket_path.encode() in argv and b"serve" in argv:
                try:
                    os.kill(int(pid_dir.name), signal.SIGTERM)
                except OSError:
                    pass

    def describe(self) -> Dict[str, Any]:
        return {"socket": self.socket, "config": self.config, "jirad": self.jirad,
                "tmp": str(self.tmp), "project": self.project, "redirectUri": self.redirect_uri,
                # The fake's credentials stay out of what we print.
                "fake": {k: v for k, v in self.fake.items() if k not in ("apiToken", "pat", "systemApp", "customApp")},
                "env": {k: v for k, v in self.env.items()
                        if k.startswith(("XDG_", "JIRAD_"))}}


def main() -> int:
    # Run as a helper: print where everything is, then live until stdin closes.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with TestEnv() as env:
        print(json.dumps(env.describe()), flush=True)
        try:
            sys.stdin.read()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeError as e:
        print(json.dumps({"error": str(e)}), flush=True)
        sys.exit(1)
