"""The operations, mapped onto each server: the one place to edit when a name or an argument changes.

op: (jirad JSON-RPC method, its params, mcp-atlassian tool, its arguments); `a` holds key/project/start.
jirad's MCP tool for a method is found in tools/list (issues/get → issues_get, issuesGet, …) and takes
the method's params; pin a name in JIRAD_TOOLS if discovery picks the wrong one.
"""

JQL = "project = {project} ORDER BY key"
OPS = {
    "get": ("issues/get", lambda a: {"key": a["key"]},
            "jira_get_issue", lambda a: {"issue_key": a["key"]}),
    "list": ("issues/list", lambda a: {"project": a["project"], "limit": 50},
             "jira_search", lambda a: {"jql": JQL.format(**a), "limit": 50}),
    "list_all": ("issues/list", lambda a: {"project": a["project"], "all": True},
                 "jira_search", lambda a: {"jql": JQL.format(**a), "limit": 50, "start_at": a["start"]}),
}
JIRAD_TOOLS: dict[str, str] = {}  # e.g. {"issues/get": "jira_issues_get"}
PROJECT = "DEMO"
CLIENTS = 16
ALL_CAP = 10_000  # jirad's default cap of issues/list {all: true}; the peer's paging stops there too
