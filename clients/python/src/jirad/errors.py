"""Exceptions: one class per protocol fault and per application error ``data.kind``.

Application errors are mapped by ``data.kind`` only; numeric codes of application errors are
the daemon's business and may change. Standard JSON-RPC codes map when no kind is given.
"""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Type


class JiradError(Exception):
    """A JSON-RPC error answered by the daemon."""

    #: the ``data.kind`` this class stands for (``None`` for protocol faults)
    kind: Optional[str] = None

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data if data is not None else {}

    def _get(self, field: str, default: Any = None) -> Any:
        return self.data.get(field, default) if isinstance(self.data, Mapping) else default

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, data={self.data!r})"


class ConnectionClosed(JiradError):
    """The connection to the daemon ended before the answer arrived (client-side)."""

    def __init__(self, message: str = "connection to jirad closed") -> None:
        super().__init__(0, message)


class DaemonNotFound(JiradError):
    """No daemon listens on the socket and none could be started."""

    def __init__(self, message: str) -> None:
        super().__init__(0, message)


class UnsafeSocket(DaemonNotFound):
    """The socket's directory, or the process listening on it, is not to be trusted (another
    user's, a symlink, writable by others): nothing was sent and no daemon was started there.
    The message says what is wrong and how to fix it."""


# --- protocol faults (standard codes) -------------------------------------------------
class ParseError(JiradError): ...
class InvalidRequest(JiradError): ...
class MethodNotFound(JiradError): ...
class InvalidParams(JiradError):
    """The params do not fit the method (code -32602, ``data.kind`` ``invalidParams``)."""
    kind = "invalidParams"

    @property
    def path(self) -> Optional[str]:
        """JSON path of the offending value (``$.sumary``)."""
        return self._get("path")

    @property
    def field(self) -> Optional[str]:
        """The unknown key, for an unknown key."""
        return self._get("field")

    @property
    def did_you_mean(self) -> Optional[str]:
        """The closest key the method takes, when one is close."""
        return self._get("didYouMean")

class UnknownArgument(InvalidParams, TypeError):
    """A typed method got a keyword argument it does not take; raised before anything is sent
    (also a ``TypeError``, as Python raises for an unexpected keyword)."""


class InternalError(JiradError): ...
class RequestCancelled(JiradError):
    """The request was cancelled (code -32800), usually by our own ``$/cancelRequest``."""


# --- application errors (by data.kind) ------------------------------------------------
class AuthRequired(JiradError):
    """The profile needs the user to authorize in a browser: open ``authorization_url``."""
    kind = "authRequired"

    @property
    def profile(self) -> Optional[str]:
        return self._get("profile")

    @property
    def authorization_url(self) -> Optional[str]:
        return self._get("authorizationUrl")


class AuthFailed(JiradError):
    kind = "authFailed"


class Forbidden(JiradError):
    kind = "forbidden"


class NotFound(JiradError):
    kind = "notFound"


class InvalidFields(JiradError):
    """Jira rejected field values; ``errors`` maps field id to message."""
    kind = "invalidFields"

    @property
    def errors(self) -> Dict[str, str]:
        return self._get("errors") or {}

    @property
    def error_messages(self) -> List[str]:
        return self._get("errorMessages") or []


class RateLimited(JiradError):
    kind = "rateLimited"

    @property
    def retry_after_ms(self) -> Optional[int]:
        return self._get("retryAfterMs")

    @property
    def reason(self) -> Optional[str]:
        return self._get("reason")


class UpstreamUnavailable(JiradError):
    kind = "upstreamUnavailable"


class Conflict(JiradError):
    kind = "conflict"


class SiteAmbiguous(JiradError):
    """The account reaches several sites; pick one with ``auth/selectSite``."""
    kind = "siteAmbiguous"

    @property
    def sites(self) -> List[Any]:
        return self._get("sites") or []


class ConfigError(JiradError):
    kind = "configError"


class UpstreamRemoved(JiradError):
    kind = "upstreamRemoved"


class LossyUpdate(JiradError):
    """The edit would lose formatting Markdown cannot express; retry with ``force=True``."""
    kind = "lossyUpdate"


class LimitExceeded(JiradError):
    """A limit of the daemon refused the call; ``limit`` names the ``[limits]`` key."""
    kind = "limitExceeded"

    @property
    def limit(self) -> Optional[str]:
        return self._get("limit")

    @property
    def max(self) -> Optional[int]:
        return self._get("max")


_BY_KIND: Dict[str, Type[JiradError]] = {
    cls.kind: cls
    for cls in (AuthRequired, AuthFailed, Forbidden, NotFound, InvalidFields, RateLimited,
                UpstreamUnavailable, Conflict, SiteAmbiguous, ConfigError, UpstreamRemoved,
                LossyUpdate, LimitExceeded)
    if cls.kind
}

#: protocol faults that carry a ``data.kind`` (only -32602 does)
_PROTOCOL_KINDS: Dict[str, Type[JiradError]] = {InvalidParams.kind: InvalidParams}

_BY_CODE: Dict[int, Type[JiradError]] = {
    -32700: ParseError,
    -32600: InvalidRequest,
    -32601: MethodNotFound,
    -32602: InvalidParams,
    -32603: InternalError,
    -32800: RequestCancelled,
}

#: every application error kind the protocol defines
KINDS = tuple(sorted(_BY_KIND))


def from_error(error: Any) -> JiradError:
    """Build the matching exception from a JSON-RPC ``error`` object."""
    if not isinstance(error, Mapping):
        return InternalError(-32603, f"malformed error object: {error!r}")
    code = error.get("code", 0)
    message = str(error.get("message", ""))
    data = error.get("data")
    kind = data.get("kind") if isinstance(data, Mapping) else None
    cls = (_BY_KIND.get(kind) or _PROTOCOL_KINDS.get(kind)) if kind else None
    if cls is None:
        cls = _BY_CODE.get(code, JiradError) if not kind else JiradError
    err = cls(code, message, data)
    if kind and cls is JiradError:
        err.kind = kind  # a kind newer than this client: keep it visible
    return err
