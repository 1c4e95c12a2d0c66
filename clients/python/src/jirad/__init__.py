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
from .errors import *  # noqa: F401,F403  (one class per error kind)
from .errors import KINDS, JiradError, from_error

__all__ = ["AsyncClient", "Client", "PendingCall", "JiradError", "KINDS", "from_error",
           "method_table", "socket_path", "CLIENT_NOTIFICATIONS", "SERVER_NOTIFICATIONS"]
