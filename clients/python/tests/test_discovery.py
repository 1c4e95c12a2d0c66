"""Finding and starting the daemon, without the real daemon (a stub stands in)."""
import os
import signal
from pathlib import Path

import pytest

import jirad
from jirad import discovery

STUB = str(Path(__file__).with_name("stub_jirad.py"))


def test_socket_path_precedence():
    assert discovery.socket_path({"JIRAD_SOCKET": "/x/s", "XDG_RUNTIME_DIR": "/run/u"}) == "/x/s"
    assert discovery.socket_path({"XDG_RUNTIME_DIR": "/run/u"}) == "/run/u/jirad/jirad.sock"
    assert discovery.socket_path({}) == f"/tmp/jirad-{os.getuid()}/jirad.sock"
    assert discovery.socket_path({"JIRAD_SOCKET": "", "XDG_RUNTIME_DIR": ""}) == \
        f"/tmp/jirad-{os.getuid()}/jirad.sock"


def test_binary_lookup(monkeypatch):
    assert discovery.jirad_binary("/opt/jirad") == "/opt/jirad"
    assert discovery.jirad_binary(None, {"JIRAD_BIN": "/b/jirad"}) == "/b/jirad"
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(jirad.DaemonNotFound):
        discovery.jirad_binary(None, {})


def test_no_spawn_means_no_daemon(tmp_path):
    with pytest.raises(jirad.DaemonNotFound, match="no jirad listening"):
        jirad.Client.connect(str(tmp_path / "none.sock"), spawn=False)


def _kill(pid):
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass


def test_connect_starts_the_daemon_when_none_listens(tmp_path):
    path = str(tmp_path / "sub" / "jirad.sock")
    with jirad.Client.connect(path, jirad_bin=STUB, args=["--config", "c.toml"]) as c:
        echoed = c.daemon.status()
    _kill(echoed["pid"])
    assert echoed["method"] == "daemon/status"
    # Detached: the spawned daemon is the leader of its own session.
    assert os.path.exists(path)


def test_connect_reuses_a_running_daemon(tmp_path):
    path = str(tmp_path / "jirad.sock")
    with jirad.Client.connect(path, jirad_bin=STUB) as a:
        pid = a.call("ping")["pid"]
    with jirad.Client.connect(path, jirad_bin="/nonexistent/jirad") as b:
        assert b.call("ping")["pid"] == pid
    _kill(pid)


def test_a_daemon_that_dies_at_start_is_reported(tmp_path):
    with pytest.raises(jirad.DaemonNotFound, match="unknown key"):
        jirad.Client.connect(str(tmp_path / "j.sock"), jirad_bin=STUB, args=["--config", "FAIL"])


def test_spawn_stdio_talks_over_pipes_and_reaps_the_child():
    with jirad.Client.spawn_stdio(STUB) as c:
        r = c.issues.get("DEMO-1", fields=["summary"])
        proc = c.process
    assert r["method"] == "issues/get" and r["params"] == {"key": "DEMO-1", "fields": ["summary"]}
    assert proc.returncode == 0  # EOF on stdin ended it
