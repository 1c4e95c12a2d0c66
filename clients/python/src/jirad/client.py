"""The blocking client: one reader thread, one thread for notification callbacks."""
from __future__ import annotations

import concurrent.futures
import itertools
import os
import queue
import socket as _socket
import subprocess
import threading
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

from . import discovery, framing
from .api import Api, Params
from .errors import ConnectionClosed, from_error

Handler = Callable[[Any], None]


class PendingCall(concurrent.futures.Future):
    """A request in flight. ``cancel()`` tells the daemon to stop (``$/cancelRequest``)."""

    def __init__(self, client: "Client", request_id: int, method: str) -> None:
        super().__init__()
        self._client = client
        self.id = request_id
        self.method = method

    def cancel(self) -> bool:
        if self.done():
            return False
        # Tell the daemon first; whatever it answers later is dropped (we are done).
        self._client._notify_quietly("$/cancelRequest", {"id": self.id})
        self._client._pending.pop(self.id, None)
        return super().cancel()


class Client(Api):
    """A connection to jirad. Use :meth:`connect` or :meth:`spawn_stdio`, ideally as a context manager.

    Typed methods live in namespaces (``client.issues.get("DEMO-1")``) and block until the answer;
    ``client.futures.issues.get(...)`` returns a :class:`PendingCall` instead.
    """

    def __init__(self, recv: Callable[[], bytes], send: Callable[[bytes], None],
                 close: Callable[[], None], *, wire: str = framing.LSP) -> None:
        super().__init__(self.call, self.notify)
        self.futures = Api(self.submit, self.notify)
        self._recv, self._send_raw, self._close_transport = recv, send, close
        self._wire = wire
        self._ids = itertools.count(1)
        self._pending: Dict[Any, PendingCall] = {}
        self._send_lock = threading.Lock()
        self._handlers: Dict[str, List[Handler]] = {}
        self._events: "queue.Queue[Any]" = queue.Queue()
        self._closed = threading.Event()
        self._reader = threading.Thread(target=self._read_loop, name="jirad-reader", daemon=True)
        self._dispatcher = threading.Thread(target=self._dispatch_loop, name="jirad-events", daemon=True)
        self._reader.start()
        self._dispatcher.start()

    # --- construction -------------------------------------------------------------------
    @classmethod
    def connect(cls, socket: Optional[str] = None, spawn: bool = True, *,
                jirad_bin: Optional[str] = None, args: Sequence[str] = (),
                timeout: float = 5.0, env: Optional[Mapping[str, str]] = None,
                wire: str = framing.LSP) -> "Client":
        """Connect to the daemon's socket, starting ``jirad serve`` if none listens.

        ``socket`` defaults to the daemon's own choice (``$JIRAD_SOCKET``, ``$XDG_RUNTIME_DIR``...);
        ``args`` are extra arguments for a spawned ``jirad serve`` (``["--config", path]``).
        """
        path = socket or discovery.socket_path()
        sock = discovery.connect_or_spawn(path, spawn=spawn, jirad_bin=jirad_bin, args=args,
                                          timeout=timeout, env=env)

        def close() -> None:
            try:
                sock.shutdown(_socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

        return cls(lambda: sock.recv(65536), sock.sendall, close, wire=wire)

    @classmethod
    def spawn_stdio(cls, jirad_bin: Optional[str] = None, args: Sequence[str] = (), *,
                    wire: str = framing.LSP) -> "Client":
        """Start a private ``jirad serve --stdio`` and talk to it over its stdin/stdout."""
        proc = subprocess.Popen(
            [discovery.jirad_binary(jirad_bin), "serve", "--stdio", *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )
        assert proc.stdin and proc.stdout

        def send(data: bytes) -> None:
            proc.stdin.write(data)  # type: ignore[union-attr]
            proc.stdin.flush()  # type: ignore[union-attr]

        def close() -> None:
            # EOF on stdin is how a stdio server is told to exit.
            try:
                proc.stdin.close()  # type: ignore[union-attr]
            except OSError:
                pass
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            proc.stdout.close()  # type: ignore[union-attr]

        client = cls(lambda: os.read(proc.stdout.fileno(), 65536), send, close, wire=wire)  # type: ignore[union-attr]
        client.process = proc
        return client

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection; calls still waiting fail with :class:`ConnectionClosed`."""
        if self._closed.is_set():
            return
        self._closed.set()
        self._close_transport()
        self._reader.join(timeout=5)
        self._fail_pending(ConnectionClosed())
        self._events.put(None)
        if threading.current_thread() is not self._dispatcher:
            self._dispatcher.join(timeout=5)

    # --- requests -------------------------------------------------------------------------
    def submit(self, method: str, params: Optional[Params] = None) -> PendingCall:
        """Send a request and return its :class:`PendingCall` without waiting."""
        request_id = next(self._ids)
        call = PendingCall(self, request_id, method)
        self._pending[request_id] = call
        message: Dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        try:
            self._send(message)
        except OSError as e:
            self._pending.pop(request_id, None)
            raise ConnectionClosed(f"connection to jirad closed: {e}") from e
        return call

    def call(self, method: str, params: Optional[Params] = None, *,
             timeout: Optional[float] = None) -> Any:
        """Send a request and wait for its result; raise the mapped :class:`JiradError`.

        On ``timeout`` the request is cancelled at the daemon and ``TimeoutError`` is raised.
        """
        pending = self.submit(method, params)
        try:
            return pending.result(timeout)
        except concurrent.futures.TimeoutError:
            pending.cancel()
            raise TimeoutError(f"{method} did not answer within {timeout}s") from None

    def notify(self, method: str, params: Optional[Params] = None) -> None:
        message: Dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        self._send(message)

    # --- notifications --------------------------------------------------------------------
    def on(self, method: str, handler: Handler) -> Callable[[], None]:
        """Call ``handler(params)`` for each ``method`` notification (``"*"``: every one, as
        ``handler({"method":..., "params":...})``). Handlers run on one background thread, in
        order, and may make calls. Returns a function that unsubscribes."""
        self._handlers.setdefault(method, []).append(handler)
        return lambda: self._handlers.get(method, []).remove(handler)

    # --- internals ------------------------------------------------------------------------
    def _send(self, message: Any) -> None:
        data = framing.encode(message, self._wire)
        with self._send_lock:
            self._send_raw(data)

    def _notify_quietly(self, method: str, params: Params) -> None:
        try:
            self.notify(method, params)
        except OSError:
            pass  # the connection is gone, so is the request

    def _read_loop(self) -> None:
        decoder = framing.Decoder()
        reason: Exception = ConnectionClosed()
        try:
            while True:
                data = self._recv()
                if not data:
                    break
                for message in decoder.feed(data):
                    for item in message if isinstance(message, list) else [message]:
                        self._handle(item)
        except framing.FramingError as e:
            reason = ConnectionClosed(f"jirad sent an unreadable frame: {e}")
        except OSError:
            pass
        self._fail_pending(reason)

    def _handle(self, message: Any) -> None:
        if not isinstance(message, dict):
            return
        if "method" in message:
            if "id" in message:
                # The protocol has no server->client requests; answer so the daemon never waits.
                self._refuse_request(message["id"], message["method"])
            else:
                self._events.put(message)
            return
        call = self._pending.pop(message.get("id"), None)
        if call is None:
            return  # cancelled, or an answer we never asked for
        if "error" in message:
            _settle(call.set_exception, from_error(message["error"]))
        else:
            _settle(call.set_result, message.get("result"))

    def _refuse_request(self, request_id: Any, method: str) -> None:
        try:
            self._send({"jsonrpc": "2.0", "id": request_id,
                        "error": {"code": -32601, "message": f"client does not handle {method}"}})
        except OSError:
            pass

    def _dispatch_loop(self) -> None:
        while True:
            message = self._events.get()
            if message is None:
                return
            method, params = message["method"], message.get("params")
            for handler in list(self._handlers.get(method, ())):
                _safely(handler, params)
            for handler in list(self._handlers.get("*", ())):
                _safely(handler, {"method": method, "params": params})

    def _fail_pending(self, error: Exception) -> None:
        while self._pending:
            _, call = self._pending.popitem()
            _settle(call.set_exception, error)


def _settle(setter: Callable[[Any], None], value: Any) -> None:
    # A caller may cancel between our lookup and the set: the cancel wins.
    try:
        setter(value)
    except concurrent.futures.InvalidStateError:
        pass


def _safely(handler: Handler, arg: Any) -> None:
    try:
        handler(arg)
    except Exception:  # a broken callback must not stop the others
        import traceback

        traceback.print_exc()
