"""The asyncio client: the same typed API, every method a coroutine.

Cancelling the awaiting task (``task.cancel()``, ``asyncio.wait_for``) sends ``$/cancelRequest``.
"""
from __future__ import annotations

import asyncio
import inspect
import itertools
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Sequence, Union

from . import discovery, framing
from .api import Api, Params
from .errors import ConnectionClosed, from_error

AsyncHandler = Callable[[Any], Union[None, Awaitable[None]]]


class AsyncClient(Api):
    """``async with await AsyncClient.connect() as client: await client.issues.get("DEMO-1")``."""

    def __init__(self, reader: asyncio.StreamReader, writer: Any, *,
                 process: Optional[asyncio.subprocess.Process] = None,
                 wire: str = framing.LSP) -> None:
        super().__init__(self.call, self.notify)
        self._reader, self._writer, self.process = reader, writer, process
        self._wire = wire
        self._ids = itertools.count(1)
        self._pending: Dict[Any, asyncio.Future] = {}
        self._handlers: Dict[str, List[AsyncHandler]] = {}
        self._tasks: set = set()
        self._read_task = asyncio.ensure_future(self._read_loop())

    @classmethod
    async def connect(cls, socket: Optional[str] = None, spawn: bool = True, *,
                      jirad_bin: Optional[str] = None, args: Sequence[str] = (),
                      timeout: float = 5.0, env: Optional[Mapping[str, str]] = None,
                      wire: str = framing.LSP) -> "AsyncClient":
        """Like :meth:`jirad.Client.connect`; the connect-or-spawn wait runs in a thread."""
        path = socket or discovery.socket_path()
        loop = asyncio.get_running_loop()
        sock = await loop.run_in_executor(
            None, lambda: discovery.connect_or_spawn(
                path, spawn=spawn, jirad_bin=jirad_bin, args=args, timeout=timeout, env=env))
        reader, writer = await asyncio.open_unix_connection(sock=sock, limit=2**24)
        return cls(reader, writer, wire=wire)

    @classmethod
    async def spawn_stdio(cls, jirad_bin: Optional[str] = None, args: Sequence[str] = (), *,
                          wire: str = framing.LSP) -> "AsyncClient":
        proc = await asyncio.create_subprocess_exec(
            discovery.jirad_binary(jirad_bin), "serve", "--stdio", *args,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=2**24)
        assert proc.stdout and proc.stdin
        return cls(proc.stdout, proc.stdin, process=proc, wire=wire)

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._writer.is_closing():
            return
        self._writer.close()
        try:
            await self._writer.wait_closed()
        except (OSError, AttributeError):
            pass
        if self.process is not None:
            try:
                await asyncio.wait_for(self.process.wait(), 5)
            except asyncio.TimeoutError:
                self.process.kill()
                await self.process.wait()
        self._read_task.cancel()
        self._fail_pending(ConnectionClosed())

    async def call(self, method: str, params: Optional[Params] = None) -> Any:
        """Send a request and await its result; raise the mapped :class:`JiradError`."""
        request_id = next(self._ids)
        future = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        message: Dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        try:
            await self._send(message)
            return await future
        except asyncio.CancelledError:
            # Our caller gave up: let the daemon stop working on it too.
            if self._pending.pop(request_id, None) is not None:
                await self._send_quietly({"jsonrpc": "2.0", "method": "$/cancelRequest",
                                          "params": {"id": request_id}})
            raise
        finally:
            self._pending.pop(request_id, None)

    async def notify(self, method: str, params: Optional[Params] = None) -> None:
        message: Dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        await self._send(message)

    def on(self, method: str, handler: AsyncHandler) -> Callable[[], None]:
        """Call ``handler(params)`` (a function or coroutine function) per notification."""
        self._handlers.setdefault(method, []).append(handler)
        return lambda: self._handlers.get(method, []).remove(handler)

    # --- internals ------------------------------------------------------------------------
    async def _send(self, message: Any) -> None:
        if self._writer.is_closing():
            raise ConnectionClosed()
        # One write() per frame keeps frames whole even with concurrent senders.
        self._writer.write(framing.encode(message, self._wire))
        try:
            await self._writer.drain()
        except (ConnectionError, OSError) as e:
            raise ConnectionClosed(f"connection to jirad closed: {e}") from e

    async def _send_quietly(self, message: Any) -> None:
        try:
            await asyncio.shield(self._send(message))
        except (ConnectionClosed, asyncio.CancelledError):
            pass

    async def _read_loop(self) -> None:
        decoder = framing.Decoder()
        reason: Exception = ConnectionClosed()
        try:
            while True:
                data = await self._reader.read(65536)
                if not data:
                    break
                for message in decoder.feed(data):
                    for item in message if isinstance(message, list) else [message]:
                        await self._handle(item)
        except framing.FramingError as e:
            reason = ConnectionClosed(f"jirad sent an unreadable frame: {e}")
        except (ConnectionError, OSError):
            pass
        self._fail_pending(reason)

    async def _handle(self, message: Any) -> None:
        if not isinstance(message, dict):
            return
        if "method" in message:
            if "id" in message:
                await self._send_quietly({"jsonrpc": "2.0", "id": message["id"], "error": {
                    "code": -32601, "message": f"client does not handle {message['method']}"}})
                return
            method, params = message["method"], message.get("params")
            for handler in list(self._handlers.get(method, ())):
                self._run_handler(handler, params)
            for handler in list(self._handlers.get("*", ())):
                self._run_handler(handler, {"method": method, "params": params})
            return
        future = self._pending.pop(message.get("id"), None)
        if future is None or future.done():
            return
        if "error" in message:
            future.set_exception(from_error(message["error"]))
        else:
            future.set_result(message.get("result"))

    def _run_handler(self, handler: AsyncHandler, arg: Any) -> None:
        result = handler(arg)
        if inspect.isawaitable(result):
            task = asyncio.ensure_future(result)
            self._tasks.add(task)  # keep a reference until it finishes
            task.add_done_callback(self._tasks.discard)

    def _fail_pending(self, error: Exception) -> None:
        while self._pending:
            _, future = self._pending.popitem()
            if not future.done():
                future.set_exception(error)


