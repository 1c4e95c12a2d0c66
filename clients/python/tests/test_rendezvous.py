"""The rendezvous, attacked: the client checks the socket's directory before connecting or starting
a daemon, and the peer's uid after connecting, and sends nothing to an impostor.

Tests with two users need root (CI runs as root): they are skipped otherwise."""
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import jirad
from jirad import discovery

STUB = str(Path(__file__).with_name("stub_jirad.py"))
OTHER = 65534
root_only = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as another user")


def test_fallback_path_is_not_guessable_by_other_users():
    home = {"HOME": "/home/u"}
    assert discovery.socket_path(home) == "/home/u/.cache/jirad/jirad.sock"
    assert discovery.socket_path({**home, "XDG_CACHE_HOME": "/c"}) == "/c/jirad/jirad.sock"
    assert discovery.socket_path({**home, "XDG_RUNTIME_DIR": "/run/u"}) == "/run/u/jirad/jirad.sock"
    if sys.platform == "darwin":
        assert discovery.socket_path({**home, "TMPDIR": "/var/f/T/"}) == "/var/f/T/jirad/jirad.sock"
    else:
        assert discovery.socket_path({**home, "TMPDIR": "/t"}) == "/home/u/.cache/jirad/jirad.sock"
    assert discovery.socket_path({}) == f"/tmp/jirad-{os.geteuid()}/jirad.sock"


def _no_spawn(path):
    """Connecting must fail without starting anything (the binary does not exist)."""
    return jirad.Client.connect(str(path), jirad_bin="/nonexistent/jirad")


def test_a_symlinked_directory_is_refused(tmp_path):
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    link = tmp_path / "link"
    link.symlink_to(real)
    with pytest.raises(jirad.UnsafeSocket, match="is a symbolic link"):
        _no_spawn(link / "jirad.sock")
    assert list(real.iterdir()) == []


def test_a_world_writable_directory_is_refused(tmp_path):
    d = tmp_path / "shared"
    d.mkdir()
    d.chmod(0o777)
    with pytest.raises(jirad.UnsafeSocket, match=r"writable by everyone \(mode 0777\).*chmod 700"):
        _no_spawn(d / "jirad.sock")
    d.chmod(0o770)
    with pytest.raises(jirad.UnsafeSocket, match="writable by its group"):
        _no_spawn(d / "jirad.sock")


def test_a_directory_in_a_swappable_parent_is_refused(tmp_path):
    parent = tmp_path / "p"
    parent.mkdir()
    (parent / "jirad").mkdir(mode=0o700)
    parent.chmod(0o777)  # not sticky: anyone could rename jirad/ away and put theirs
    with pytest.raises(jirad.UnsafeSocket, match="another user can change"):
        _no_spawn(parent / "jirad" / "jirad.sock")
    parent.chmod(0o1777)  # sticky, like /tmp: fine
    with pytest.raises(jirad.DaemonNotFound) as e:
        jirad.Client.connect(str(parent / "jirad" / "jirad.sock"), spawn=False)
    assert not isinstance(e.value, jirad.UnsafeSocket)


def test_an_unsafe_directory_starts_no_daemon(tmp_path):
    d = tmp_path / "shared"
    d.mkdir()
    d.chmod(0o777)
    with pytest.raises(jirad.UnsafeSocket):
        jirad.Client.connect(str(d / "jirad.sock"), jirad_bin=STUB)
    assert list(d.iterdir()) == []


@root_only
def test_a_directory_of_another_user_is_refused(tmp_path):
    d = tmp_path / "squat"
    d.mkdir(mode=0o700)
    os.chown(d, OTHER, OTHER)
    with pytest.raises(jirad.UnsafeSocket, match=f"belongs to uid {OTHER}, not to you"):
        _no_spawn(d / "jirad.sock")


@root_only
def test_a_listener_of_another_uid_gets_nothing(tmp_path):
    """Our own directory, but the process listening there runs as another uid: SO_PEERCRED tells
    after connecting, and nothing is sent. The impostor binds as root, then drops to another uid
    before listen(), which is when the kernel records the credentials peers see."""
    d = tmp_path / "run"
    d.mkdir(mode=0o700)
    path = d / "jirad.sock"
    impostor = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import os, socket, sys
        s = socket.socket(socket.AF_UNIX)
        s.bind({str(path)!r})
        os.setgid({OTHER}); os.setuid({OTHER})
        s.listen()
        print("ready", flush=True)
        c, _ = s.accept()
        c.settimeout(10)
        got = b""
        try:
            while True:
                chunk = c.recv(4096)
                if not chunk:
                    break
                got += chunk
        except OSError:
            pass
        print(len(got), flush=True)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert impostor.stdout.readline().strip() == "ready"
        with pytest.raises(jirad.UnsafeSocket, match=f"runs as uid {OTHER}, not as you"):
            _no_spawn(path)
        assert impostor.stdout.readline().strip() == "0"  # not a byte was sent
    finally:
        impostor.kill()
        impostor.wait()


def test_a_listener_of_our_own_uid_is_accepted(tmp_path):
    d = tmp_path / "run"
    d.mkdir(mode=0o700)
    path = str(d / "jirad.sock")
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    srv.listen()
    try:
        sock = discovery.try_connect(path)
        assert sock is not None
        assert discovery.peer_uid(sock) == os.geteuid()
        sock.close()
    finally:
        srv.close()
