"""Finding the daemon: its socket path (as the daemon computes it) and starting it when absent."""
from __future__ import annotations

import os
import shutil
import socket as _socket
import subprocess
import tempfile
import time
from typing import Mapping, Optional, Sequence

from .errors import DaemonNotFound

#: ``jirad serve``'s exit status when another daemon already serves the socket.
ALREADY_RUNNING = 3


def socket_path(env: Optional[Mapping[str, str]] = None) -> str:
    """``$JIRAD_SOCKET``, else ``$XDG_RUNTIME_DIR/jirad/jirad.sock``, else ``/tmp/jirad-$UID/jirad.sock``."""
    env = os.environ if env is None else env
    if env.get("JIRAD_SOCKET"):
        return env["JIRAD_SOCKET"]
    if env.get("XDG_RUNTIME_DIR"):
        return os.path.join(env["XDG_RUNTIME_DIR"], "jirad", "jirad.sock")
    return f"/tmp/jirad-{os.getuid()}/jirad.sock"


def jirad_binary(explicit: Optional[str] = None, env: Optional[Mapping[str, str]] = None) -> str:
    """The ``jirad`` executable: the argument, else ``$JIRAD_BIN``, else ``jirad`` on ``PATH``."""
    env = os.environ if env is None else env
    found = explicit or env.get("JIRAD_BIN") or shutil.which("jirad")
    if not found:
        raise DaemonNotFound("jirad is not on PATH; set JIRAD_BIN or pass jirad_bin=")
    return found


def try_connect(path: str) -> Optional[_socket.socket]:
    """A connected Unix socket, or ``None`` when nothing listens there."""
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.connect(path)
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
