"""The typed protocol surface: one Python method per JSON-RPC method.

Each method's signature is its parameter list; the ``@rpc`` decorator turns the keyword
arguments into the camelCase params object (omitting ``None``) and hands it to the client's
invoker. The same classes serve the blocking client (the invoker returns the result), the
future-returning view (it returns a :class:`~jirad.client.PendingCall`) and the asyncio client
(it returns a coroutine).
"""
from __future__ import annotations

import difflib
import functools
import inspect
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

Params = Dict[str, Any]
Invoker = Callable[[str, Optional[Params]], Any]
Json = Dict[str, Any]


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


#: The default of a keyword whose ``None`` is sent as JSON null (``visibility=None`` makes a
#: comment public); left out, the key is not sent.
_UNSET: Any = object()


def rpc(method: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a stub as the binding of ``method``; its body is never run."""

    def decorate(stub: Callable[..., Any]) -> Callable[..., Any]:
        sig = inspect.signature(stub)

        @functools.wraps(stub)
        def call(self: "_Namespace", *args: Any, **kwargs: Any) -> Any:
            _refuse_unknown(method, sig, kwargs)
            bound = sig.bind(self, *args, **kwargs)
            # None means "not given" for optional params; a required param, or one defaulting
            # to _UNSET, passes it on as JSON null (``issues.assign(key, None)`` unassigns).
            params = {
                camel(k): v
                for k, v in list(bound.arguments.items())[1:]
                if v is not _UNSET and (v is not None or sig.parameters[k].default is not None)
            }
            return self._invoke(method, params)

        call.rpc_method = method  # type: ignore[attr-defined]
        return call

    return decorate


def _refuse_unknown(method: str, sig: inspect.Signature, kwargs: Dict[str, Any]) -> None:
    """A keyword the method does not take is refused before anything is sent, as the daemon
    refuses an unknown key: naming it and the closest one the method takes."""
    names = [n for n in sig.parameters if n != "self"]
    for key in kwargs:
        if key in names:
            continue
        from .errors import UnknownArgument

        close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
        folded = {n.replace("_", "").lower(): n for n in names}
        meant = folded.get(key.replace("_", "").replace("-", "").lower()) or (close[0] if close else None)
        hint = f"; did you mean `{meant}`?" if meant else f"; expected one of {', '.join(names)}"
        data: Dict[str, Any] = {"kind": "invalidParams", "path": f"$.{camel(key)}", "field": key,
                                "expected": names, "method": method}
        if meant:
            data["didYouMean"] = meant
        raise UnknownArgument(-32602, f"Invalid params: unknown field `{key}`{hint}", data)


class _Namespace:
    def __init__(self, invoke: Invoker) -> None:
        self._invoke = invoke


class Auth(_Namespace):
    """``auth/*``: profiles and their authorization."""

    @rpc("auth/profiles")
    def profiles(self) -> List[Json]: ...

    @rpc("auth/status")
    def status(self, profile: Optional[str] = None) -> Json: ...

    @rpc("auth/login")
    def login(self, profile: Optional[str] = None) -> Json:
        """Start authorization; returns ``{authorizationUrl, expiresAt}`` to open in a browser."""

    @rpc("auth/complete")
    def complete(self, redirect_url: str, profile: Optional[str] = None) -> Json:
        """Finish authorization with the URL the browser was redirected to."""

    @rpc("auth/logout")
    def logout(self, profile: Optional[str] = None) -> Json: ...

    @rpc("auth/sites")
    def sites(self, profile: Optional[str] = None) -> List[Json]: ...

    @rpc("auth/selectSite")
    def select_site(self, site: str, profile: Optional[str] = None) -> Json: ...


class Issues(_Namespace):
    """``issues/*``: read, search, edit and watch issues."""

    @rpc("issues/get")
    def get(self, key: str, *, fields: Optional[Sequence[str]] = None,
            expand: Optional[Sequence[str]] = None, format: Optional[str] = None,
            fresh: Optional[bool] = None, profile: Optional[str] = None) -> Json: ...

    @rpc("issues/list")
    def list(self, jql: Optional[str] = None, *, project: Optional[str] = None,
             assignee: Optional[str] = None, status: Optional[str] = None,
             text: Optional[str] = None, labels: Optional[Sequence[str]] = None,
             order_by: Optional[str] = None, fields: Optional[Sequence[str]] = None,
             limit: Optional[int] = None, page_token: Optional[str] = None,
             all: Optional[bool] = None, max_issues: Optional[int] = None,
             fresh: Optional[bool] = None, profile: Optional[str] = None) -> Json:
        """Returns ``{issues, nextPageToken?, isLast}``."""

    @rpc("issues/create")
    def create(self, project: str, type: str, summary: str, *,
               description: Optional[str] = None, labels: Optional[Sequence[str]] = None,
               assignee: Optional[str] = None, priority: Optional[str] = None,
               parent: Optional[str] = None, fields: Optional[Json] = None,
               profile: Optional[str] = None) -> Json:
        """Returns ``{key, id, url}``."""

    @rpc("issues/update")
    def update(self, key: str, *, summary: Optional[str] = None,
               description: Optional[str] = None, labels: Optional[Sequence[str]] = None,
               add_labels: Optional[Sequence[str]] = None,
               remove_labels: Optional[Sequence[str]] = None,
               assignee: Optional[str] = None, priority: Optional[str] = None,
               fields: Optional[Json] = None, update: Optional[Json] = None,
               notify_users: Optional[bool] = None, force: Optional[bool] = None,
               profile: Optional[str] = None) -> Json: ...

    @rpc("issues/createMany")
    def create_many(self, issues: Sequence[Json], *, profile: Optional[str] = None) -> Json:
        """Up to 1,000 issues, each as ``create`` takes one: ``{created, failed, results}``."""

    @rpc("issues/delete")
    def delete(self, key: str, *, delete_subtasks: Optional[bool] = None,
               profile: Optional[str] = None) -> Json: ...

    @rpc("issues/transitions")
    def transitions(self, key: str, *, profile: Optional[str] = None) -> Json: ...

    @rpc("issues/transition")
    def transition(self, key: str, to: str, *, comment: Optional[str] = None,
                   fields: Optional[Json] = None, profile: Optional[str] = None) -> Json: ...

    @rpc("issues/comments")
    def comments(self, key: str, *, limit: Optional[int] = None,
                 page_token: Optional[str] = None, profile: Optional[str] = None) -> Json: ...

    @rpc("issues/addComment")
    def add_comment(self, key: str, body: Any, *, visibility: Optional[Json] = None,
                    profile: Optional[str] = None) -> Json: ...

    @rpc("issues/updateComment")
    def update_comment(self, key: str, id: str, body: Any, *, visibility: Any = _UNSET,
                       force: Optional[bool] = None, profile: Optional[str] = None) -> Json:
        """Replaces a comment's text; ``visibility=None`` makes it public, left out keeps it."""

    @rpc("issues/deleteComment")
    def delete_comment(self, key: str, id: str, *, profile: Optional[str] = None) -> Json: ...

    @rpc("issues/assign")
    def assign(self, key: str, assignee: Optional[str], *,
               profile: Optional[str] = None) -> Json: ...

    @rpc("issues/statusHistory")
    def status_history(self, key: str, *, fresh: Optional[bool] = None,
                       profile: Optional[str] = None) -> Json:
        """Time in each status: ``{periods: [{status, from, to, ms}], totals: [{status, ms}]}``."""

    @rpc("issues/changelog")
    def changelog(self, key: str, *, limit: Optional[int] = None,
                  page_token: Optional[str] = None, fresh: Optional[bool] = None,
                  profile: Optional[str] = None) -> Json:
        """One page of the issue's history, oldest first: ``{histories, nextPageToken, total}``."""

    @rpc("issues/watch")
    def watch(self, jql: Optional[str] = None, *, project: Optional[str] = None,
              assignee: Optional[str] = None, status: Optional[str] = None,
              text: Optional[str] = None, labels: Optional[Sequence[str]] = None,
              interval_seconds: Optional[int] = None, profile: Optional[str] = None) -> Json:
        """Returns ``{watchId, issues}``; changes arrive as ``issues/didChange`` notifications."""

    @rpc("issues/unwatch")
    def unwatch(self, watch_id: str) -> Json: ...

    @rpc("issues/setParent")
    def set_parent(self, key: str, parent: str, *, profile: Optional[str] = None) -> Json:
        """Sets the issue's parent (an epic, or a sub-task's issue); ``"none"`` clears it."""

    @rpc("issues/rank")
    def rank(self, issues: Sequence[str], *, before: Optional[str] = None,
             after: Optional[str] = None, profile: Optional[str] = None) -> Json:
        """In the order given, right before or after one issue: ``{moved, failed, results}``."""


class Links(_Namespace):
    @rpc("links/types")
    def types(self, *, profile: Optional[str] = None) -> Any: ...

    @rpc("links/list")
    def list(self, key: str, *, fresh: Optional[bool] = None,
             profile: Optional[str] = None) -> Json:
        """``{links: [{id, type, phrase, issue}], remote: [{id, url, title, ...}]}``."""

    @rpc("links/create")
    def create(self, from_: str, type: str, to: str, *, comment: Optional[str] = None,
               profile: Optional[str] = None) -> Json:
        """``from_`` <type's outward phrase> ``to``: ``create("DEMO-1", "blocks", "DEMO-4")``."""

    @rpc("links/delete")
    def delete(self, id: str, *, profile: Optional[str] = None) -> Json: ...

    @rpc("links/addRemote")
    def add_remote(self, key: str, url: str, title: str, *, summary: Optional[str] = None,
                   relationship: Optional[str] = None, global_id: Optional[str] = None,
                   profile: Optional[str] = None) -> Json: ...

    @rpc("links/deleteRemote")
    def delete_remote(self, key: str, *, id: Optional[str] = None,
                      global_id: Optional[str] = None, profile: Optional[str] = None) -> Json: ...


class Watchers(_Namespace):
    @rpc("watchers/list")
    def list(self, key: str, *, profile: Optional[str] = None) -> Json: ...

    @rpc("watchers/add")
    def add(self, key: str, user: Optional[str] = None, *,
            profile: Optional[str] = None) -> Json:
        """Adds ``user`` (default: you); returns ``{watchCount, isWatching, watchers}``."""

    @rpc("watchers/remove")
    def remove(self, key: str, user: Optional[str] = None, *,
               profile: Optional[str] = None) -> Json: ...


class Votes(_Namespace):
    @rpc("votes/get")
    def get(self, key: str, *, profile: Optional[str] = None) -> Json: ...

    @rpc("votes/add")
    def add(self, key: str, *, profile: Optional[str] = None) -> Json: ...

    @rpc("votes/remove")
    def remove(self, key: str, *, profile: Optional[str] = None) -> Json: ...


class Worklogs(_Namespace):
    @rpc("worklogs/list")
    def list(self, key: str, *, fresh: Optional[bool] = None,
             profile: Optional[str] = None) -> Json:
        """Every worklog, oldest first: ``{worklogs, total, timeSpentSeconds}``."""

    @rpc("worklogs/add")
    def add(self, key: str, time_spent: str, *, started: Optional[str] = None,
            comment: Optional[str] = None, adjust_estimate: Optional[str] = None,
            new_estimate: Optional[str] = None, reduce_by: Optional[str] = None,
            profile: Optional[str] = None) -> Json: ...

    @rpc("worklogs/update")
    def update(self, key: str, id: str, *, time_spent: Optional[str] = None,
               started: Optional[str] = None, comment: Optional[str] = None,
               adjust_estimate: Optional[str] = None, new_estimate: Optional[str] = None,
               profile: Optional[str] = None) -> Json: ...

    @rpc("worklogs/delete")
    def delete(self, key: str, id: str, *, adjust_estimate: Optional[str] = None,
               new_estimate: Optional[str] = None, increase_by: Optional[str] = None,
               profile: Optional[str] = None) -> Json: ...


class Versions(_Namespace):
    @rpc("versions/list")
    def list(self, project: str, *, released: Optional[bool] = None,
             archived: Optional[bool] = None, fresh: Optional[bool] = None,
             profile: Optional[str] = None) -> Any: ...

    @rpc("versions/create")
    def create(self, project: str, name: str, *, description: Optional[str] = None,
               release_date: Optional[str] = None, start_date: Optional[str] = None,
               profile: Optional[str] = None) -> Json: ...

    @rpc("versions/update")
    def update(self, id: str, *, name: Optional[str] = None, description: Optional[str] = None,
               release_date: Optional[str] = None, start_date: Optional[str] = None,
               released: Optional[bool] = None, archived: Optional[bool] = None,
               profile: Optional[str] = None) -> Json: ...

    @rpc("versions/move")
    def move(self, id: str, *, position: Optional[str] = None, after: Optional[str] = None,
             profile: Optional[str] = None) -> Json:
        """``position`` ``First|Last|Earlier|Later``, or ``after`` another version's id."""

    @rpc("versions/merge")
    def merge(self, id: str, into: str, *, profile: Optional[str] = None) -> Json:
        """Issues fixed in ``id`` are fixed in ``into``; ``id`` is deleted."""

    @rpc("versions/delete")
    def delete(self, id: str, *, move_fix_issues_to: Optional[str] = None,
               move_affected_issues_to: Optional[str] = None,
               profile: Optional[str] = None) -> Json: ...


class Components(_Namespace):
    @rpc("components/list")
    def list(self, project: str, *, fresh: Optional[bool] = None,
             profile: Optional[str] = None) -> Any: ...

    @rpc("components/create")
    def create(self, project: str, name: str, *, description: Optional[str] = None,
               profile: Optional[str] = None) -> Json: ...

    @rpc("components/update")
    def update(self, id: str, *, name: Optional[str] = None, description: Optional[str] = None,
               profile: Optional[str] = None) -> Json: ...

    @rpc("components/delete")
    def delete(self, id: str, *, move_issues_to: Optional[str] = None,
               profile: Optional[str] = None) -> Json: ...


class Attachments(_Namespace):
    @rpc("attachments/list")
    def list(self, key: str, *, profile: Optional[str] = None) -> Any: ...

    @rpc("attachments/upload")
    def upload(self, key: str, *, path: Optional[str] = None, content: Optional[str] = None,
               filename: Optional[str] = None, mime_type: Optional[str] = None,
               profile: Optional[str] = None) -> Any:
        """Attach a local file (absolute ``path``, streamed by the daemon) or base64 ``content``."""

    @rpc("attachments/download")
    def download(self, id: str, *, path: Optional[str] = None, overwrite: Optional[bool] = None,
                 inline: Optional[bool] = None, profile: Optional[str] = None) -> Json:
        """Save to an absolute ``path`` (never over a file unless ``overwrite``), or ``inline``."""

    @rpc("attachments/thumbnail")
    def thumbnail(self, id: str, *, path: Optional[str] = None, overwrite: Optional[bool] = None,
                  inline: Optional[bool] = None, width: Optional[int] = None,
                  height: Optional[int] = None, profile: Optional[str] = None) -> Json:
        """An image attachment's PNG thumbnail, saved to ``path`` or ``inline``."""

    @rpc("attachments/delete")
    def delete(self, id: str, *, profile: Optional[str] = None) -> Json: ...
class Boards(_Namespace):
    """``boards/*``: Jira Software boards, their columns and backlog."""

    @rpc("boards/list")
    def list(self, *, project: Optional[str] = None, type: Optional[str] = None,
             name: Optional[str] = None, limit: Optional[int] = None,
             page_token: Optional[str] = None, fresh: Optional[bool] = None,
             profile: Optional[str] = None) -> Json:
        """``{boards: [{id, name, type, project}], nextPageToken?, isLast}``."""

    @rpc("boards/get")
    def get(self, board_id: int, *, fresh: Optional[bool] = None,
            profile: Optional[str] = None) -> Json:
        """The configuration: ``{columns: [{name, statuses}], estimation, filterId, project}``."""

    @rpc("boards/backlog")
    def backlog(self, board_id: int, *, jql: Optional[str] = None, assignee: Optional[str] = None,
                status: Optional[str] = None, text: Optional[str] = None,
                labels: Optional[Sequence[str]] = None, order_by: Optional[str] = None,
                fields: Optional[Sequence[str]] = None, limit: Optional[int] = None,
                page_token: Optional[str] = None, all: Optional[bool] = None,
                max_issues: Optional[int] = None, fresh: Optional[bool] = None,
                profile: Optional[str] = None) -> Json:
        """The backlog in rank order, filtered and paged as ``issues.list``."""


class Sprints(_Namespace):
    """``sprints/*``: a board's sprints and the issues in them."""

    @rpc("sprints/list")
    def list(self, board_id: int, *, state: Optional[Sequence[str]] = None,
             limit: Optional[int] = None, page_token: Optional[str] = None,
             fresh: Optional[bool] = None, profile: Optional[str] = None) -> Json:
        """``{sprints: [{id, name, state, goal, startDate, endDate}], nextPageToken?, isLast}``."""

    @rpc("sprints/get")
    def get(self, sprint_id: int, *, fresh: Optional[bool] = None,
            profile: Optional[str] = None) -> Json: ...

    @rpc("sprints/issues")
    def issues(self, sprint_id: int, *, jql: Optional[str] = None, assignee: Optional[str] = None,
                status: Optional[str] = None, text: Optional[str] = None,
                labels: Optional[Sequence[str]] = None, order_by: Optional[str] = None,
                fields: Optional[Sequence[str]] = None, limit: Optional[int] = None,
                page_token: Optional[str] = None, all: Optional[bool] = None,
                max_issues: Optional[int] = None, fresh: Optional[bool] = None,
                profile: Optional[str] = None) -> Json:
        """The sprint's issues in rank order, filtered and paged as ``issues.list``."""

    @rpc("sprints/create")
    def create(self, board_id: int, name: str, *, goal: Optional[str] = None,
               start_date: Optional[str] = None, end_date: Optional[str] = None,
               profile: Optional[str] = None) -> Json: ...

    @rpc("sprints/update")
    def update(self, sprint_id: int, *, name: Optional[str] = None, goal: Optional[str] = None,
               start_date: Optional[str] = None, end_date: Optional[str] = None,
               profile: Optional[str] = None) -> Json: ...

    @rpc("sprints/start")
    def start(self, sprint_id: int, *, start_date: Optional[str] = None,
              end_date: Optional[str] = None, goal: Optional[str] = None,
              profile: Optional[str] = None) -> Json: ...

    @rpc("sprints/close")
    def close(self, sprint_id: int, *, profile: Optional[str] = None) -> Json:
        """Completes an active sprint; its open issues go to the backlog. Cannot be undone."""

    @rpc("sprints/delete")
    def delete(self, sprint_id: int, *, profile: Optional[str] = None) -> Json: ...

    @rpc("sprints/watch")
    def watch(self, board_id: int, sprint: Any = None, *, fields: Optional[Sequence[str]] = None,
              interval_seconds: Optional[float] = None, profile: Optional[str] = None) -> Json:
        """A live board: ``sprint`` is ``"active"`` (default), ``"backlog"`` or a sprint id.
        Returns ``{watchId, sprint?, columns, issues}`` (each issue with its ``column``); changes
        arrive as ``sprints/didChange`` (``entered``, ``left``, ``changed``, ``moved``); end it
        with ``issues.unwatch``."""

    @rpc("sprints/moveIssues")
    def move_issues(self, sprint_id: int, issues: Sequence[str], *,
                    profile: Optional[str] = None) -> Json:
        """``{moved, failed, results: [{index, issue, status, error?}]}``, 50 per Jira request."""


class Backlog(_Namespace):
    @rpc("backlog/moveIssues")
    def move_issues(self, issues: Sequence[str], *, profile: Optional[str] = None) -> Json:
        """Out of their future and active sprints: ``{moved, failed, results}``."""


class Epics(_Namespace):
    @rpc("epics/list")
    def list(self, board_id: int, *, done: Optional[bool] = None, limit: Optional[int] = None,
             page_token: Optional[str] = None, fresh: Optional[bool] = None,
             profile: Optional[str] = None) -> Json: ...

    @rpc("epics/issues")
    def issues(self, epic: str, *, jql: Optional[str] = None, assignee: Optional[str] = None,
                status: Optional[str] = None, text: Optional[str] = None,
                labels: Optional[Sequence[str]] = None, order_by: Optional[str] = None,
                fields: Optional[Sequence[str]] = None, limit: Optional[int] = None,
                page_token: Optional[str] = None, all: Optional[bool] = None,
                max_issues: Optional[int] = None, fresh: Optional[bool] = None,
                profile: Optional[str] = None) -> Json: ...

    @rpc("epics/moveIssues")
    def move_issues(self, epic: str, issues: Sequence[str], *,
                    profile: Optional[str] = None) -> Json:
        """Into ``epic``, or out of theirs with ``"none"``: ``{moved, failed, results}``."""


class Jql(_Namespace):
    @rpc("jql/autocomplete")
    def autocomplete(self, *, fresh: Optional[bool] = None,
                     profile: Optional[str] = None) -> Json: ...

    @rpc("jql/suggest")
    def suggest(self, field: str, *, value: Optional[str] = None,
                fresh: Optional[bool] = None, predicate: Optional[str] = None,
                profile: Optional[str] = None) -> Any:
        """``field``'s values, or with ``predicate`` (``"by"``, ``"from"``, ``"to"``) those of
        ``field WAS/CHANGED … <predicate>``."""

    @rpc("jql/validate")
    def validate(self, jql: str, *, profile: Optional[str] = None) -> Json: ...


class Projects(_Namespace):
    @rpc("projects/list")
    def list(self, *, profile: Optional[str] = None) -> Any: ...

    @rpc("projects/issueTypes")
    def issue_types(self, project: str, *, profile: Optional[str] = None) -> Any: ...


class Users(_Namespace):
    @rpc("users/me")
    def me(self, *, profile: Optional[str] = None) -> Json: ...

    @rpc("users/search")
    def search(self, query: str, *, profile: Optional[str] = None) -> Any: ...


class Cache(_Namespace):
    @rpc("cache/stats")
    def stats(self) -> Json: ...

    @rpc("cache/clear")
    def clear(self, *, profile: Optional[str] = None) -> Json: ...


class Daemon(_Namespace):
    @rpc("daemon/status")
    def status(self) -> Json:
        """``{version, pid, uptimeMs, socketPath?, connections, ...}``."""

    @rpc("daemon/stop")
    def stop(self) -> None:
        """Ask the daemon to exit (every client is disconnected)."""


class Api(_Namespace):
    """The whole surface: lifecycle methods here, the rest in one attribute per namespace."""

    def __init__(self, invoke: Invoker, notify: Optional[Invoker] = None) -> None:
        super().__init__(invoke)
        self._notify = notify
        self.auth = Auth(invoke)
        self.issues = Issues(invoke)
        self.links = Links(invoke)
        self.watchers = Watchers(invoke)
        self.votes = Votes(invoke)
        self.worklogs = Worklogs(invoke)
        self.versions = Versions(invoke)
        self.components = Components(invoke)
        self.attachments = Attachments(invoke)
        self.boards = Boards(invoke)
        self.sprints = Sprints(invoke)
        self.backlog = Backlog(invoke)
        self.epics = Epics(invoke)
        self.jql = Jql(invoke)
        self.projects = Projects(invoke)
        self.users = Users(invoke)
        self.cache = Cache(invoke)
        self.daemon = Daemon(invoke)

    @rpc("initialize")
    def _initialize(self, client_info: Json, *, profile: Optional[str] = None,
                    capabilities: Optional[Json] = None) -> Json: ...

    def initialize(self, *, client_info: Optional[Json] = None, profile: Optional[str] = None,
                   capabilities: Optional[Json] = None) -> Json:
        """Name this client and pick its default profile (optional for scripts)."""
        from . import __version__

        info = client_info or {"name": "jirad-python", "version": __version__}
        return self._initialize(info, profile=profile, capabilities=capabilities)

    initialize.rpc_method = "initialize"  # type: ignore[attr-defined]

    @rpc("shutdown")
    def shutdown(self) -> None: ...

    # Client -> server notifications (LSP habits; scripts need neither).
    def initialized(self) -> Any:
        """Tell the daemon the ``initialize`` handshake is complete."""
        return self._notify("initialized", None)  # type: ignore[misc]

    def exit(self) -> Any:
        """After ``shutdown``: the daemon closes this connection."""
        return self._notify("exit", None)  # type: ignore[misc]

    @rpc("rpc.discover")
    def discover(self) -> Json:
        """The daemon's OpenRPC document."""


#: Notifications this client sends (``$/cancelRequest`` through ``cancel()``).
CLIENT_NOTIFICATIONS = ("initialized", "exit", "$/cancelRequest")
#: Notifications the daemon sends, for :meth:`Client.on`.
SERVER_NOTIFICATIONS = ("auth/authorizationRequired", "auth/didChange", "issues/didChange",
                        "sprints/didChange", "$/progress")


def method_table() -> Dict[str, str]:
    """Map of JSON-RPC method name to the Python attribute path that binds it."""
    table: Dict[str, str] = {}
    for prefix, cls in _walk():
        for attr, member in vars(cls).items():
            name = getattr(member, "rpc_method", None)
            if name and not attr.startswith("_"):
                table[name] = prefix + attr
    return table


def _walk() -> Iterator[Tuple[str, type]]:
    yield "", Api
    for attr, cls in (("auth", Auth), ("issues", Issues), ("links", Links),
                      ("watchers", Watchers), ("votes", Votes), ("worklogs", Worklogs),
                      ("versions", Versions), ("components", Components),
                      ("attachments", Attachments), ("boards", Boards),
                      ("sprints", Sprints), ("backlog", Backlog), ("epics", Epics),
                      ("watchers", Watchers), ("votes", Votes), ("jql", Jql),
                      ("projects", Projects), ("users", Users), ("cache", Cache),
                      ("daemon", Daemon)):
        yield attr + ".", cls
