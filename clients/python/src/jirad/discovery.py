"""Finding the daemon: its socket path (as the daemon computes it), checking the rendezvous, and
starting the daemon when absent.

Before connecting, the socket's directory must be the user's own: opened without following a
symlink, owned by this user, writable by nobody else, inside a parent nobody else can swap it out
of. After connecting, the peer must run as this user (``SO_PEERCRED`` on Linux, ``LOCAL_PEERCRED``
on macOS and the BSDs). Otherwise :class:`UnsafeSocket` is raised and nothing is sent.
"""
from __future__ import annotations

import errno
import os
import shutil
import socket as _socket
import stat
import struct
import subprocess
import sys
import tempfile
import time
from typing import Mapping, Optional, Sequence

from .errors import DaemonNotFound, UnsafeSocket

#: ``jirad serve``'s exit status when another daemon already serves the socket.
ALREADY_RUNNING = 3


def socket_path(env: Optional[Mapping[str, str]] = None) -> str:
    """``$JIRAD_SOCKET``, else ``$XDG_RUNTIME_DIR/jirad/jirad.sock``; without ``XDG_RUNTIME_DIR`` a
    directory other users cannot create first: ``$TMPDIR/jirad/`` on macOS, else
    ``$XDG_CACHE_HOME/jirad/``, else ``~/.cache/jirad/``; ``/tmp/jirad-$UID/`` only without HOME."""
    env = os.environ if env is None else env
    if env.get("JIRAD_SOCKET"):
        return env["JIRAD_SOCKET"]
    if env.get("XDG_RUNTIME_DIR"):
        base = os.path.join(env["XDG_RUNTIME_DIR"], "jirad")
    elif sys.platform == "darwin" and env.get("TMPDIR"):
        base = os.path.join(env["TMPDIR"], "jirad")
    elif env.get("XDG_CACHE_HOME"):
        base = os.path.join(env["XDG_CACHE_HOME"], "jirad")
    elif env.get("HOME"):
        base = os.path.join(env["HOME"], ".cache", "jirad")
    else:
        base = f"/tmp/jirad-{os.geteuid()}"
    return os.path.join(base, "jirad.sock")


def check_socket_dir(path: str) -> bool:
    """Checks the directory of the socket at ``path``: ``False`` when it does not exist (yet),
    ``True`` when it is safe; raises :class:`UnsafeSocket` otherwise."""
    d = os.path.dirname(path) or "."
    try:
        fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    except OSError as e:
        if e.errno not in (errno.ELOOP, errno.EMLINK, errno.ENOTDIR):
            raise
        if os.path.islink(d):
            raise UnsafeSocket(
                f"the socket directory {d} is a symbolic link (to {os.readlink(d)}): jirad never "
                "follows one there, since whoever controls the link can swap it later. Remove the "
                "link and let jirad create the directory, or use the real directory's path") from None
        raise UnsafeSocket(f"{d} is not a directory; remove it or pick another socket path") from None
    try:
        st = os.fstat(fd)
        me = os.geteuid()
        if st.st_uid != me:
            raise UnsafeSocket(
                f"the socket directory {d} belongs to uid {st.st_uid}, not to you (uid {me}): "
                "another user may be posing as jirad there. Remove it (ask an administrator if you "
                "cannot) or use a directory of your own (JIRAD_SOCKET, or set XDG_RUNTIME_DIR)")
        mode = stat.S_IMODE(st.st_mode)
        if mode & 0o022:
            who = "everyone" if mode & 0o002 else "its group"
            raise UnsafeSocket(
                f"the socket directory {d} is writable by {who} (mode {mode:04o}): another user "
                f"could replace the socket. Run `chmod 700 {d}` or use a directory only you can write")
        pfd = os.open("..", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=fd)
        try:
            pst = os.fstat(pfd)
        finally:
            os.close(pfd)
        pmode = stat.S_IMODE(pst.st_mode)
        if pst.st_uid not in (me, 0) or (pmode & 0o022 and not pmode & stat.S_ISVTX):
            raise UnsafeSocket(
                f"the socket directory {d} is inside a directory that another user can change "
                f"(owner uid {pst.st_uid}, mode {pmode:04o}): they could swap the socket directory "
                "for their own. Use a socket path under a directory only you (or root) can write")
    finally:
        os.close(fd)
    return True


def peer_uid(sock: _socket.socket) -> Optional[int]:
    """The uid of the process at the other end of a connected Unix socket; ``None`` where the
    system has no way to tell."""
    if hasattr(_socket, "SO_PEERCRED"):  # Linux: struct ucred {pid, uid, gid}
        creds = sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, struct.calcsize("3i"))
        return struct.unpack("3i", creds)[1]
    if sys.platform == "darwin" or "bsd" in sys.platform:
        # struct xucred {u_int cr_version; uid_t cr_uid; short cr_ngroups; gid_t cr_groups[16]}
        sol_local, local_peercred = 0, getattr(_socket, "LOCAL_PEERCRED", 1)
        data = sock.getsockopt(sol_local, local_peercred, 4 + 4 + 4 + 16 * 4)
        return struct.unpack_from("Ii", data)[1]
    return None


def check_peer(sock: _socket.socket, path: str) -> None:
    """Raises :class:`UnsafeSocket` unless the peer runs as this user."""
    me = os.geteuid()
    try:
        uid = peer_uid(sock)
    except OSError as e:
        raise UnsafeSocket(f"cannot tell which user listens on {path}: {e}") from e
    if uid is None:
        return  # documented: such systems rely on the directory check alone
    if uid != me:
        raise UnsafeSocket(
            f"the process listening on {path} runs as uid {uid}, not as you (uid {me}): it is not "
            "your jirad, and nothing was sent to it. Find out who runs it, remove the socket, or "
            "use another socket path")


def jirad_binary(explicit: Optional[str] = None, env: Optional[Mapping[str, str]] = None) -> str:
    """The ``jirad`` executable: the argument, else ``$JIRAD_BIN``, else ``jirad`` on ``PATH``."""
    env = os.environ if env is None else env
    found = explicit or env.get("JIRAD_BIN") or shutil.which("jirad")
    if not found:
        raise DaemonNotFound("jirad is not on PATH; set JIRAD_BIN or pass jirad_bin=")
    return found


def try_connect(path: str) -> Optional[_socket.socket]:
    """A connected Unix socket to a daemon of this user's, or ``None`` when nothing listens there.
    Raises :class:`UnsafeSocket` when the directory or the peer fails the checks."""
    if not check_socket_dir(path):
        return None
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.connect(path)
        check_peer(sock, path)
        return sock
    except (FileNotFoundError, ConnectionRefusedError):
        sock.close()
        return None
    except BaseException:
        sock.close()
        raise


def connect_or_spawn(
    path: str,
    *,
    spawn: bool = True,
    jirad_bin: Optional[str] = None,
    args: Sequence[str] = (),
    timeout: float = 5.0,
    env: Optional[Mapping[str, str]] = None,
) -> _socket.socket:
    """Connect to ``path``; if nothing listens and ``spawn``, start ``jirad serve`` and retry."""
    sock = try_connect(path)
    if sock is not None or not spawn:
        if sock is None:
            raise DaemonNotFound(f"no jirad listening on {path}")
        return sock
    binary = jirad_binary(jirad_bin)
    # stderr goes to an unlinked temp file: the detached daemon keeps writing to it safely,
    # and we can quote it if the daemon dies at start (a bad config, say).
    with tempfile.TemporaryFile() as errlog:
        proc = subprocess.Popen(
            [binary, "serve", "--socket", path, *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=errlog,
            start_new_session=True,  # survives us, like any daemon
            close_fds=True,
            env=None if env is None else dict(env),
        )
        deadline = time.monotonic() + timeout
        delay = 0.02
        while True:
            sock = try_connect(path)
            if sock is not None:
                return sock
            code = proc.poll()
            # Exit 3 means "another jirad already serves the socket" (it won the race to
            # start, and may not listen yet): keep trying.
            if code not in (None, 0, ALREADY_RUNNING):
                errlog.seek(0)
                tail = errlog.read()[-2000:].decode("utf-8", "replace").strip()
                raise DaemonNotFound(f"jirad serve exited with {code}: {tail}")
            if time.monotonic() > deadline:
                raise DaemonNotFound(f"jirad serve did not listen on {path} within {timeout:g}s")
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
