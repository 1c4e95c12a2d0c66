/**
 * The protocol surface, hand-written from the contract: params and results per method, and the
 * notifications. `test/integration/openrpc.test.ts` checks the method names against
 * `protocol/openrpc.json` so the two cannot drift.
 */

/** Any call may name the profile to use (default: the one chosen at `initialize`). */
export interface WithProfile { profile?: string }
export type Json = Record<string, unknown>;

export interface User { accountId?: string; displayName?: string }
export interface IssueRef { key: string; id: string; summary?: string }

/** The daemon's normalized issue: common fields at the top (only those that came back). */
export interface Issue {
  key: string;
  id?: string;
  url?: string;
  summary?: string;
  status?: { name: string; category?: string };
  type?: string;
  priority?: string;
  assignee?: User | null;
  reporter?: User | null;
  labels?: string[];
  parent?: IssueRef;
  subtasks?: IssueRef[];
  created?: string;
  updated?: string;
  /** Markdown (the default `format`). */
  description?: string;
  descriptionAdf?: unknown;
  /** Every other returned field, raw, under its id. */
  fields?: Record<string, any>;
  [extra: string]: unknown;
}

export interface InitializeParams extends WithProfile {
  clientInfo: { name: string; version?: string };
  capabilities?: Json;
}
export interface InitializeResult {
  serverInfo: { name: string; version: string };
  protocolVersion: string;
  capabilities: Json;
}

export interface IssueFilter extends WithProfile {
  jql?: string;
  project?: string;
  assignee?: string;
  status?: string;
  text?: string;
  labels?: string[];
}
export interface IssuesListParams extends IssueFilter {
  orderBy?: string;
  fields?: string[];
  limit?: number;
  pageToken?: string;
  all?: boolean;
  fresh?: boolean;
}
export interface IssuePage { issues: Issue[]; nextPageToken?: string; isLast: boolean }

export interface IssuesGetParams extends WithProfile {
  key: string;
  fields?: string[];
  expand?: string[];
  format?: string;
  fresh?: boolean;
}
export interface IssuesCreateParams extends WithProfile {
  project: string;
  type: string;
  summary: string;
  description?: string;
  labels?: string[];
  assignee?: string;
  priority?: string;
  parent?: string;
  fields?: Json;
}
export interface IssuesUpdateParams extends WithProfile {
  key: string;
  summary?: string;
  description?: string;
  labels?: string[];
  addLabels?: string[];
  removeLabels?: string[];
  assignee?: string | null;
  priority?: string;
  fields?: Json;
  update?: Json;
  notifyUsers?: boolean;
  /** Accept an edit that loses formatting (see the `lossyUpdate` error). */
  force?: boolean;
}
export interface KeyParams extends WithProfile { key: string }
/** What a worklog does to the remaining estimate. */
export type AdjustEstimate = "auto" | "leave" | "new" | "manual";
/** Who may see a comment: a project role or a group. */
export interface Visibility { type: "role" | "group"; value: string }

export interface AuthLoginResult { authorizationUrl: string; expiresAt: string | number }
/** A Jira Software board. */
export interface Board { id: number; name: string; type: "scrum" | "kanban" | "simple" | string; project?: string }
/** A board's columns (the last with statuses is done), estimation and filter. */
export interface BoardConfiguration extends Board {
  filterId?: string;
  columns: { name: string; statuses: { id: string; name?: string }[]; min?: number; max?: number }[];
  estimation?: { type: string; fieldId?: string; displayName?: string };
  rankFieldId?: string;
}
export type SprintState = "future" | "active" | "closed";
export interface Sprint {
  id: number; name: string; state: SprintState | string; boardId?: number; goal?: string;
  startDate?: string; endDate?: string; completeDate?: string;
}
export interface Epic { id: string; key: string; name: string; summary?: string; done: boolean; color?: string }
/** A move's or rank's outcome, issue by issue (`error` unless moved; `error.reason` for Jira Software's rules). */
export interface MoveResult {
  moved: number; failed: number;
  results: { index: number; issue: string; status: "moved" | "refused" | "outcomeUnknown"; error?: Json }[];
}
export interface Paged { limit?: number; pageToken?: string; fresh?: boolean }

export interface WatchParams extends IssueFilter { intervalSeconds?: number }
export interface WatchResult { watchId: string; issues: Issue[] }

type P = WithProfile;
/** Params of a method that takes none. */
type None = Record<string, never>;
/** Method name → [params, result]. The single table the typed API is built from. */
export interface Methods {
  "initialize": [InitializeParams, InitializeResult];
  "shutdown": [None | undefined, unknown];
  "daemon/status": [None | undefined, { version: string; pid: number; uptimeMs?: number; connections?: number } & Json];
  "daemon/stop": [None | undefined, unknown];
  "rpc.discover": [None | undefined, { openrpc: string; methods: Array<{ name: string } & Json> } & Json];
  "auth/profiles": [None | undefined, unknown];
  "auth/status": [P, Json];
  "auth/login": [P, AuthLoginResult];
  "auth/complete": [P & { redirectUrl: string }, Json];
  "auth/logout": [P, unknown];
  "auth/sites": [P, unknown];
  "auth/selectSite": [P & { site: string }, unknown];
  "issues/get": [IssuesGetParams, Issue];
  "issues/list": [IssuesListParams | undefined, IssuePage];
  "issues/create": [IssuesCreateParams, { key: string; id: string; url: string }];
  "issues/createMany": [P & { issues: Array<Omit<IssuesCreateParams, "profile">> }, { created: number; failed: number; results: Json[] }];
  "issues/update": [IssuesUpdateParams, unknown];
  "issues/delete": [KeyParams & { deleteSubtasks?: boolean }, unknown];
  "issues/transitions": [KeyParams, unknown];
  "issues/transition": [KeyParams & { to: string; comment?: string; fields?: Json }, unknown];
  "issues/comments": [KeyParams & { limit?: number; pageToken?: string }, unknown];
  "issues/addComment": [KeyParams & { body: string | Json; visibility?: Visibility }, unknown];
  "issues/updateComment": [KeyParams & { id: string; body: string | Json; visibility?: Visibility | null; force?: boolean }, unknown];
  "issues/deleteComment": [KeyParams & { id: string }, unknown];
  "issues/assign": [KeyParams & { assignee: string | null }, unknown];
  "issues/changelog": [KeyParams & { limit?: number; pageToken?: string; fresh?: boolean }, unknown];
  "issues/statusHistory": [KeyParams & { fresh?: boolean }, { periods: { status: string; from: string; to?: string; ms: number }[]; totals: { status: string; ms: number }[] }];
  "issues/watch": [WatchParams, WatchResult];
  "issues/unwatch": [{ watchId: string }, unknown];
  "sprints/watch": [P & { boardId: number; sprint?: "active" | "backlog" | number; fields?: string[]; intervalSeconds?: number },
    { watchId: number; sprint?: Json; columns: string[]; issues: Json[] }];
  "links/types": [P | undefined, unknown];
  "links/list": [KeyParams & { fresh?: boolean }, { links: Json[]; remote: Json[] }];
  "links/create": [P & { from: string; type: string; to: string; comment?: string }, Json];
  "links/delete": [P & { id: string }, unknown];
  "links/addRemote": [KeyParams & { url: string; title: string; summary?: string; relationship?: string; globalId?: string }, { id: string; created: boolean }];
  "links/deleteRemote": [KeyParams & { id?: string; globalId?: string }, unknown];
  "watchers/list": [KeyParams, { watchCount: number; isWatching: boolean; watchers: Json[] }];
  "watchers/add": [KeyParams & { user?: string }, { watchCount: number; isWatching: boolean; watchers: Json[] }];
  "watchers/remove": [KeyParams & { user?: string }, { watchCount: number; isWatching: boolean; watchers: Json[] }];
  "votes/get": [KeyParams, { votes: number; hasVoted: boolean; voters: Json[] }];
  "votes/add": [KeyParams, { votes: number; hasVoted: boolean; voters: Json[] }];
  "votes/remove": [KeyParams, { votes: number; hasVoted: boolean; voters: Json[] }];
  "worklogs/list": [KeyParams & { fresh?: boolean }, { worklogs: Json[]; total: number; timeSpentSeconds: number }];
  "worklogs/add": [KeyParams & { timeSpent: string; started?: string; comment?: string; adjustEstimate?: AdjustEstimate; newEstimate?: string; reduceBy?: string }, Json];
  "worklogs/update": [KeyParams & { id: string; timeSpent?: string; started?: string; comment?: string; adjustEstimate?: AdjustEstimate; newEstimate?: string }, Json];
  "worklogs/delete": [KeyParams & { id: string; adjustEstimate?: AdjustEstimate; newEstimate?: string; increaseBy?: string }, unknown];
  "versions/list": [P & { project: string; released?: boolean; archived?: boolean; fresh?: boolean }, Json[]];
  "versions/create": [P & { project: string; name: string; description?: string; releaseDate?: string; startDate?: string }, Json];
  "versions/update": [P & { id: string; name?: string; description?: string; releaseDate?: string; startDate?: string; released?: boolean; archived?: boolean }, Json];
  "versions/move": [P & { id: string; position?: "First" | "Last" | "Earlier" | "Later"; after?: string }, Json];
  "versions/merge": [P & { id: string; into: string }, unknown];
  "versions/delete": [P & { id: string; moveFixIssuesTo?: string; moveAffectedIssuesTo?: string }, unknown];
  "components/list": [P & { project: string; fresh?: boolean }, Json[]];
  "components/create": [P & { project: string; name: string; description?: string }, Json];
  "components/update": [P & { id: string; name?: string; description?: string }, Json];
  "components/delete": [P & { id: string; moveIssuesTo?: string }, unknown];
  "attachments/list": [KeyParams, Json[]];
  "attachments/upload": [KeyParams & { path?: string; content?: string; filename?: string; mimeType?: string }, Json[]];
  "attachments/download": [P & { id: string; path?: string; overwrite?: boolean; inline?: boolean }, Json];
  "attachments/thumbnail": [P & { id: string; path?: string; overwrite?: boolean; inline?: boolean; width?: number; height?: number }, Json];
  "attachments/delete": [P & { id: string }, unknown];
  "jql/autocomplete": [(P & { fresh?: boolean }) | undefined, { fields: { name: string; displayName: string; operators: string[]; orderable: boolean }[]; functions: string[]; reservedWords: string[] }];
  "jql/suggest": [P & { field: string; value?: string; fresh?: boolean; predicate?: "by" | "from" | "to" }, { value: string; displayName: string }[]];
  "jql/validate": [P & { jql: string }, { valid: boolean; errors: { message: string; line?: number; character?: number }[] }];
  "projects/list": [P | undefined, unknown];
  "projects/issueTypes": [P & { project: string }, unknown];
  "users/me": [P | undefined, Json];
  "users/search": [P & { query: string }, unknown];
  "cache/stats": [None | undefined, Json];
  "cache/clear": [P | undefined, unknown];
  "boards/list": [(P & Paged & { project?: string; type?: "scrum" | "kanban" | "simple"; name?: string }) | undefined, { boards: Board[]; nextPageToken?: string; isLast: boolean }];
  "boards/get": [P & { boardId: number; fresh?: boolean }, BoardConfiguration];
  "boards/backlog": [IssuesListParams & { boardId: number }, IssuePage];
  "epics/list": [P & Paged & { boardId: number; done?: boolean }, { epics: Epic[]; nextPageToken?: string; isLast: boolean }];
  "epics/issues": [IssuesListParams & { epic: string }, IssuePage];
  "epics/moveIssues": [P & { epic: string; issues: string[] }, MoveResult];
  "sprints/list": [P & Paged & { boardId: number; state?: SprintState[] }, { sprints: Sprint[]; nextPageToken?: string; isLast: boolean }];
  "sprints/get": [P & { sprintId: number; fresh?: boolean }, Sprint];
  "sprints/issues": [IssuesListParams & { sprintId: number }, IssuePage];
  "sprints/create": [P & { boardId: number; name: string; goal?: string; startDate?: string; endDate?: string }, Sprint];
  "sprints/update": [P & { sprintId: number; name?: string; goal?: string; startDate?: string; endDate?: string }, Sprint];
  "sprints/start": [P & { sprintId: number; startDate?: string; endDate?: string; goal?: string }, Sprint];
  "sprints/close": [P & { sprintId: number }, Sprint];
  "sprints/delete": [P & { sprintId: number }, unknown];
  "sprints/moveIssues": [P & { sprintId: number; issues: string[] }, MoveResult];
  "backlog/moveIssues": [P & { issues: string[] }, MoveResult];
  "issues/rank": [P & { issues: string[]; before?: string; after?: string }, MoveResult];
  "issues/setParent": [KeyParams & { parent: string }, unknown];
}
export type MethodName = keyof Methods;

/**
 * The params each method takes, at run time: the daemon refuses any other key, and the typed
 * methods refuse it before sending (`test/integration/openrpc.test.ts` holds this to the contract).
 */
export const PARAM_NAMES: Readonly<Record<MethodName, readonly string[]>> = {
  "initialize": ["capabilities", "clientInfo", "initializationOptions", "locale", "processId", "profile",
    "rootPath", "rootUri", "trace", "workDoneToken", "workspaceFolders"],
  "shutdown": [],
  "rpc.discover": [],
  "daemon/status": [],
  "daemon/stop": [],
  "auth/profiles": [],
  "auth/status": ["profile", "verify"],
  "auth/login": ["profile"],
  "auth/complete": ["profile", "redirectUrl"],
  "auth/logout": ["profile"],
  "auth/sites": ["profile"],
  "auth/selectSite": ["profile", "site"],
  "issues/get": ["expand", "fields", "format", "fresh", "key", "profile"],
  "issues/list": ["all", "assignee", "fields", "format", "fresh", "jql", "labels", "limit", "maxIssues",
    "orderBy", "pageToken", "profile", "progressToken", "project", "status", "text"],
  "issues/create": ["assignee", "description", "fields", "labels", "parent", "priority", "profile",
    "project", "summary", "type"],
  "issues/createMany": ["issues", "profile"],
  "issues/update": ["addLabels", "assignee", "description", "fields", "force", "key", "labels",
    "notifyUsers", "priority", "profile", "removeLabels", "summary", "update"],
  "issues/delete": ["deleteSubtasks", "key", "profile"],
  "issues/transitions": ["fresh", "key", "profile"],
  "issues/transition": ["comment", "fields", "key", "profile", "to"],
  "issues/comments": ["format", "key", "limit", "pageToken", "profile"],
  "issues/addComment": ["body", "key", "profile", "visibility"],
  "issues/updateComment": ["body", "force", "id", "key", "profile", "visibility"],
  "issues/deleteComment": ["id", "key", "profile"],
  "issues/assign": ["assignee", "key", "profile"],
  "issues/changelog": ["fresh", "key", "limit", "pageToken", "profile"],
  "issues/statusHistory": ["fresh", "key", "profile"],
  "links/types": ["profile"],
  "links/list": ["fresh", "key", "profile"],
  "links/create": ["comment", "from", "profile", "to", "type"],
  "links/delete": ["id", "profile"],
  "links/addRemote": ["globalId", "key", "profile", "relationship", "summary", "title", "url"],
  "links/deleteRemote": ["globalId", "id", "key", "profile"],
  "watchers/list": ["key", "profile"],
  "watchers/add": ["key", "profile", "user"],
  "watchers/remove": ["key", "profile", "user"],
  "votes/get": ["key", "profile"],
  "votes/add": ["key", "profile"],
  "votes/remove": ["key", "profile"],
  "worklogs/list": ["fresh", "key", "profile"],
  "worklogs/add": ["adjustEstimate", "comment", "key", "newEstimate", "profile", "reduceBy", "started", "timeSpent"],
  "worklogs/update": ["adjustEstimate", "comment", "id", "key", "newEstimate", "profile", "started", "timeSpent"],
  "worklogs/delete": ["adjustEstimate", "id", "increaseBy", "key", "newEstimate", "profile"],
  "versions/list": ["archived", "fresh", "profile", "project", "released"],
  "versions/create": ["description", "name", "profile", "project", "releaseDate", "startDate"],
  "versions/update": ["archived", "description", "id", "name", "profile", "releaseDate", "released", "startDate"],
  "versions/move": ["after", "id", "position", "profile"],
  "versions/merge": ["id", "into", "profile"],
  "versions/delete": ["id", "moveAffectedIssuesTo", "moveFixIssuesTo", "profile"],
  "components/list": ["fresh", "profile", "project"],
  "components/create": ["description", "name", "profile", "project"],
  "components/update": ["description", "id", "name", "profile"],
  "components/delete": ["id", "moveIssuesTo", "profile"],
  "attachments/list": ["key", "profile"],
  "attachments/upload": ["content", "filename", "key", "mimeType", "path", "profile"],
  "attachments/download": ["id", "inline", "overwrite", "path", "profile"],
  "attachments/thumbnail": ["height", "id", "inline", "overwrite", "path", "profile", "width"],
  "attachments/delete": ["id", "profile"],
  "jql/autocomplete": ["fresh", "profile"],
  "jql/suggest": ["field", "fresh", "value", "predicate", "profile"],
  "jql/validate": ["jql", "profile"],
  "projects/list": ["fresh", "profile", "query"],
  "projects/issueTypes": ["fresh", "profile", "project"],
  "users/me": ["profile"],
  "users/search": ["profile", "query"],
  "cache/stats": [],
  "cache/clear": ["profile"],
  "issues/watch": ["assignee", "fields", "intervalSeconds", "jql", "labels", "profile", "project",
    "status", "text"],
  "issues/unwatch": ["watchId"],
  "boards/list": ["fresh", "limit", "name", "pageToken", "profile", "project", "type"],
  "boards/get": ["boardId", "fresh", "profile"],
  "boards/backlog": ["all", "assignee", "boardId", "fields", "format", "fresh", "jql", "labels", "limit", "maxIssues",
    "orderBy", "pageToken", "profile", "progressToken", "project", "status", "text"],
  "epics/list": ["boardId", "done", "fresh", "limit", "pageToken", "profile"],
  "epics/issues": ["all", "assignee", "epic", "fields", "format", "fresh", "jql", "labels", "limit", "maxIssues",
    "orderBy", "pageToken", "profile", "progressToken", "project", "status", "text"],
  "epics/moveIssues": ["epic", "issues", "profile"],
  "sprints/list": ["boardId", "fresh", "limit", "pageToken", "profile", "state"],
  "sprints/get": ["fresh", "profile", "sprintId"],
  "sprints/issues": ["all", "assignee", "fields", "format", "fresh", "jql", "labels", "limit", "maxIssues",
    "orderBy", "pageToken", "profile", "progressToken", "project", "sprintId", "status", "text"],
  "sprints/create": ["boardId", "endDate", "goal", "name", "profile", "startDate"],
  "sprints/update": ["endDate", "goal", "name", "profile", "sprintId", "startDate"],
  "sprints/start": ["endDate", "goal", "profile", "sprintId", "startDate"],
  "sprints/close": ["profile", "sprintId"],
  "sprints/delete": ["profile", "sprintId"],
  "sprints/moveIssues": ["issues", "profile", "sprintId"],
  "backlog/moveIssues": ["issues", "profile"],
  "issues/rank": ["after", "before", "issues", "profile"],
  "issues/setParent": ["key", "parent", "profile"],
  "sprints/watch": ["boardId", "fields", "intervalSeconds", "profile", "sprint"],
};

/** Every method, at run time (the type above checks it is complete both ways). */
export const METHOD_NAMES = [
  "initialize", "shutdown", "daemon/status", "daemon/stop", "rpc.discover",
  "auth/profiles", "auth/status", "auth/login", "auth/complete", "auth/logout", "auth/sites",
  "auth/selectSite",
  "issues/get", "issues/list", "issues/create", "issues/createMany", "issues/update", "issues/delete",
  "issues/transitions", "issues/transition", "issues/comments", "issues/addComment",
  "issues/updateComment", "issues/deleteComment",
  "issues/assign", "issues/changelog", "issues/statusHistory", "issues/watch", "issues/unwatch",
  "links/types", "links/list", "links/create", "links/delete", "links/addRemote", "links/deleteRemote",
  "watchers/list", "watchers/add", "watchers/remove", "votes/get", "votes/add", "votes/remove",
  "worklogs/list", "worklogs/add", "worklogs/update", "worklogs/delete",
  "versions/list", "versions/create", "versions/update", "versions/move", "versions/merge",
  "versions/delete", "components/list", "components/create", "components/update",
  "components/delete",
  "attachments/list", "attachments/upload", "attachments/download", "attachments/thumbnail",
  "attachments/delete",
  "jql/autocomplete", "jql/suggest", "jql/validate",
  "projects/list", "projects/issueTypes", "users/me", "users/search", "cache/stats", "cache/clear",
  "boards/list", "boards/get", "boards/backlog", "epics/list", "epics/issues", "epics/moveIssues",
  "sprints/list", "sprints/get", "sprints/issues", "sprints/create", "sprints/update", "sprints/start",
  "sprints/close", "sprints/delete", "sprints/moveIssues", "backlog/moveIssues", "issues/rank",
  "issues/setParent",
  "sprints/watch",
] as const;
type Listed = (typeof METHOD_NAMES)[number];
// Compile-time proof that METHOD_NAMES and Methods have the same members.
const _complete: [Exclude<MethodName, Listed>, Exclude<Listed, MethodName>] extends [never, never] ? true : never = true;
void _complete;

/** Client → server notifications (`$/cancelRequest` is sent by vscode-jsonrpc on cancellation). */
export const CLIENT_NOTIFICATIONS = ["initialized", "exit", "$/cancelRequest"] as const;

/** Server → client notifications. */
export interface Notifications {
  "auth/authorizationRequired": { profile: string; authorizationUrl: string };
  "auth/didChange": Json;
  "issues/didChange": { watchId: string; added: unknown[]; changed: unknown[]; removed: unknown[] };
  "sprints/didChange": {
    watchId: number; entered: unknown[]; left: unknown[]; changed: unknown[];
    moved: { key: string; fromStatus?: string; toStatus?: string; fromColumn?: string; toColumn?: string }[];
  };
  "$/progress": { token: string | number; value: unknown };
}

export const SERVER_NOTIFICATIONS: ReadonlyArray<keyof Notifications> = [
  "auth/authorizationRequired", "auth/didChange", "issues/didChange", "sprints/didChange", "$/progress",
];
