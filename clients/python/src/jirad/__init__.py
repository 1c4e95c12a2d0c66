"""jirad: a client for the local Jira daemon.

>>> from jirad import Client
>>> with Client.connect() as jira:
...     print(jira.issues.get("DEMO-1")["summary"])
"""
__version__ = "0.1.0"

from .aio import AsyncClient
from .api import CLIENT_NOTIFICATIONS, SERVER_NOTIFICATIONS, method_table
from .client import Client, PendingCall
from .discovery import socket_path
from .errors import (  # one class per error kind, then protocol faults and client-side errors
    KINDS, AuthFailed, AuthRequired, ConfigError, Conflict, ConnectionClosed, DaemonNotFound,
    Forbidden, InternalError, InvalidFields, InvalidParams, InvalidRequest, JiradError, LimitExceeded,
    LossyUpdate,
    MethodNotFound, NotFound, ParseError, RateLimited, RequestCancelled, SiteAmbiguous,
    UnknownArgument, UnsafeSocket, UpstreamRemoved, UpstreamUnavailable, from_error,
)

__all__ = [
    "AsyncClient", "Client", "PendingCall", "method_table", "socket_path",
    "CLIENT_NOTIFICATIONS", "SERVER_NOTIFICATIONS", "KINDS", "from_error", "JiradError",
    "AuthRequired", "AuthFailed", "Forbidden", "NotFound", "InvalidFields", "RateLimited",
    "UpstreamUnavailable", "Conflict", "SiteAmbiguous", "ConfigError", "UpstreamRemoved",
    "LossyUpdate", "LimitExceeded", "ParseError", "InvalidRequest", "MethodNotFound", "InvalidParams",
    "InternalError", "RequestCancelled", "ConnectionClosed", "DaemonNotFound", "UnknownArgument",
    "UnsafeSocket",
]
