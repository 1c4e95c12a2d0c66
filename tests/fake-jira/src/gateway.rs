//! The API gateway (api.atlassian.com): Bearer-token checks, per-route scopes (classic or the full
//! granular set), `accessible-resources` and `/me`.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::store::{Inner, Shared};
use crate::util::{json_resp, Resp};

/// 401 for a missing, unknown, expired or revoked token.
pub fn unauthorized() -> Resp {
    json_resp(
        StatusCode::UNAUTHORIZED,
        &json!({"code": 401, "message": "Unauthorized"}),
    )
}

/// 401 for a valid token without the route's scope.
pub fn scope_mismatch() -> Resp {
    json_resp(
        StatusCode::UNAUTHORIZED,
        &json!({"code": 401, "message": "Unauthorized; scope does not match"}),
    )
}

/// (classic scope, granular set) required by an operation.
pub fn required(op: &str) -> (&'static str, &'static [&'static str]) {
    const GET_ISSUE: &[&str] = &[
        "read:issue-meta:jira",
        "read:issue-security-level:jira",
        "read:issue.vote:jira",
        "read:issue.changelog:jira",
        "read:avatar:jira",
        "read:issue:jira",
        "read:status:jira",
        "read:user:jira",
        "read:field-configuration:jira",
    ];
    const SEARCH_GET: &[&str] = &[
        "read:issue-details:jira",
        "read:audit-log:jira",
        "read:avatar:jira",
        "read:field-configuration:jira",
        "read:issue-meta:jira",
    ];
    const SEARCH_POST: &[&str] = &[
        "read:issue-details:jira",
        "read:field.default-value:jira",
        "read:field.option:jira",
        "read:field:jira",
        "read:group:jira",
    ];
    const COMMENTS: &[&str] = &[
        "read:comment:jira",
        "read:comment.property:jira",
        "read:group:jira",
        "read:project:jira",
        "read:project-role:jira",
        "read:user:jira",
        "read:avatar:jira",
    ];
    const ADD_COMMENT: &[&str] = &[
        "read:comment:jira",
        "read:comment.property:jira",
        "read:group:jira",
        "read:project:jira",
        "read:project-role:jira",
        "read:user:jira",
        "read:avatar:jira",
        "write:comment:jira",
    ];
    const META: &[&str] = &[
        "read:issue-meta:jira",
        "read:avatar:jira",
        "read:field-configuration:jira",
    ];
    const PROJECT: &[&str] = &[
        "read:issue-type:jira",
        "read:project:jira",
        "read:project.property:jira",
        "read:user:jira",
        "read:application-role:jira",
        "read:avatar:jira",
        "read:group:jira",
        "read:issue-type-hierarchy:jira",
        "read:project-category:jira",
        "read:project-version:jira",
        "read:project.component:jira",
    ];
    match op {
        "createIssue" | "createIssues" => (
            "write:jira-work",
            &[
                "write:issue:jira",
                "write:comment:jira",
                "write:comment.property:jira",
                "write:attachment:jira",
                "read:issue:jira",
            ],
        ),
        "editIssue" | "assignIssue" => ("write:jira-work", &["write:issue:jira"]),
        "deleteIssue" => ("write:jira-work", &["delete:issue:jira"]),
        "getIssue" | "bulkFetchIssues" => ("read:jira-work", GET_ISSUE),
        "searchAndReconsileIssuesUsingJql" | "searchForIssuesUsingJql" => {
            ("read:jira-work", SEARCH_GET)
        }
        "searchAndReconsileIssuesUsingJqlPost" | "countIssues" | "searchForIssuesUsingJqlPost" => {
            ("read:jira-work", SEARCH_POST)
        }
        "getEditIssueMeta" => (
            "read:jira-work",
            &[
                "read:issue-meta:jira",
                "read:field-configuration:jira",
                "read:avatar:jira",
            ],
        ),
        "getTransitions" => (
            "read:jira-work",
            &[
                "read:issue.transition:jira",
                "read:status:jira",
                "read:field-configuration:jira",
            ],
        ),
        "doTransition" => (
            "write:jira-work",
            &["write:issue:jira", "write:issue.property:jira"],
        ),
        "getComments" | "getComment" => ("read:jira-work", COMMENTS),
        // The granular sets of the platform OpenAPI document.
        "getAttachmentContent" | "getAttachmentThumbnail" => {
            ("read:jira-work", &["read:attachment:jira"])
        }
        "getAttachmentMeta" => ("read:jira-work", &["read:instance-configuration:jira"]),
        "removeAttachment" => ("write:jira-work", &["delete:attachment:jira"]),
        "getAttachment" => (
            "read:jira-work",
            &[
                "read:attachment:jira",
                "read:user:jira",
                "read:application-role:jira",
                "read:avatar:jira",
                "read:group:jira",
            ],
        ),
        "addAttachment" => (
            "write:jira-work",
            &[
                "read:user:jira",
                "write:attachment:jira",
                "read:attachment:jira",
                "read:avatar:jira",
            ],
        ),
        "getProjectVersions" | "getVersion" => ("read:jira-work", &["read:project-version:jira"]),
        "createVersion" | "updateVersion" | "moveVersion" => (
            "manage:jira-project",
            &["write:project-version:jira", "read:project-version:jira"],
        ),
        "mergeVersions" | "deleteAndReplaceVersion" => (
            "manage:jira-project",
            &["delete:project-version:jira", "write:project-version:jira"],
        ),
        "deleteVersion" => ("manage:jira-project", &["delete:project-version:jira"]),
        "deleteComponent" => ("manage:jira-project", &["delete:project.component:jira"]),
        "getComponent" => (
            "read:jira-work",
            &[
                "read:project:jira",
                "read:project.component:jira",
                "read:user:jira",
                "read:application-role:jira",
                "read:avatar:jira",
                "read:group:jira",
            ],
        ),
        "getProjectComponents" => (
            "read:jira-work",
            &[
                "read:project:jira",
                "read:project.component:jira",
                "read:user:jira",
                "read:application-role:jira",
                "read:avatar:jira",
                "read:group:jira",
            ],
        ),
        "createComponent" | "updateComponent" => (
            "manage:jira-project",
            &[
                "read:project:jira",
                "read:user:jira",
                "write:project.component:jira",
                "read:application-role:jira",
                "read:avatar:jira",
                "read:group:jira",
                "read:project.component:jira",
            ],
        ),
        "getIssueWorklog" => (
            "read:jira-work",
            &[
                "read:group:jira",
                "read:issue-worklog:jira",
                "read:issue-worklog.property:jira",
                "read:project-role:jira",
                "read:user:jira",
                "read:avatar:jira",
            ],
        ),
        "addWorklog" => (
            "write:jira-work",
            &[
                "write:issue-worklog:jira",
                "write:issue-worklog.property:jira",
                "read:avatar:jira",
                "read:group:jira",
                "read:issue-worklog:jira",
                "read:project-role:jira",
                "read:user:jira",
                "read:issue-worklog.property:jira",
            ],
        ),
        "updateWorklog" => (
            "write:jira-work",
            &[
                "read:comment:jira",
                "read:group:jira",
                "read:issue-worklog:jira",
                "read:issue-worklog.property:jira",
                "read:project-role:jira",
                "read:user:jira",
                "write:comment:jira",
                "write:issue-worklog:jira",
                "write:issue-worklog.property:jira",
                "read:avatar:jira",
            ],
        ),
        "deleteWorklog" => (
            "write:jira-work",
            &[
                "delete:issue-worklog:jira",
                "delete:issue-worklog.property:jira",
                "write:issue.time-tracking:jira",
            ],
        ),
        "getIssueWatchers" => (
            "read:jira-work",
            &[
                "read:issue.watcher:jira",
                "read:user:jira",
                "read:avatar:jira",
            ],
        ),
        "addWatcher" | "removeWatcher" => ("write:jira-work", &["write:issue.watcher:jira"]),
        "getVotes" => (
            "read:jira-work",
            &[
                "read:issue.vote:jira",
                "read:user:jira",
                "read:application-role:jira",
                "read:avatar:jira",
                "read:group:jira",
            ],
        ),
        "addVote" | "removeVote" => ("write:jira-work", &["write:issue.vote:jira"]),
        "getIssueLinkTypes" => ("read:jira-work", &["read:issue-link-type:jira"]),
        "getIssueLink" => (
            "read:jira-work",
            &[
                "read:field:jira",
                "read:issue-link-type:jira",
                "read:issue:jira",
                "read:issue-type:jira",
                "read:priority:jira",
                "read:status:jira",
                "read:avatar:jira",
                "read:issue.time-tracking:jira",
                "read:project-category:jira",
                "read:project:jira",
                "read:user:jira",
            ],
        ),
        "linkIssues" => (
            "write:jira-work",
            &[
                "write:comment:jira",
                "write:issue:jira",
                "write:issue-link:jira",
            ],
        ),
        "deleteIssueLink" => ("write:jira-work", &["delete:issue-link:jira"]),
        "getRemoteIssueLinks" | "getRemoteIssueLinkById" => (
            "read:jira-work",
            &["read:issue.remote-link:jira", "read:status:jira"],
        ),
        "createOrUpdateRemoteIssueLink" => (
            "write:jira-work",
            &[
                "write:issue:jira",
                "write:issue.remote-link:jira",
                "read:issue.remote-link:jira",
            ],
        ),
        "updateRemoteIssueLink" => (
            "write:jira-work",
            &["write:issue:jira", "write:issue.remote-link:jira"],
        ),
        "deleteRemoteIssueLinkByGlobalId" | "deleteRemoteIssueLinkById" => (
            "write:jira-work",
            &["delete:issue.remote-link:jira", "write:issue:jira"],
        ),
        "getChangeLogs" | "getBulkChangelogs" => (
            "read:jira-work",
            &[
                "read:issue-meta:jira",
                "read:avatar:jira",
                "read:issue.changelog:jira",
            ],
        ),
        "updateComment" => (
            "write:jira-work",
            &[
                "read:comment:jira",
                "read:comment.property:jira",
                "read:group:jira",
                "read:project:jira",
                "read:project-role:jira",
                "read:user:jira",
                "write:comment:jira",
                "read:avatar:jira",
            ],
        ),
        "deleteComment" => (
            "write:jira-work",
            &["delete:comment:jira", "delete:comment.property:jira"],
        ),
        "addComment" => ("write:jira-work", ADD_COMMENT),
        "getCreateIssueMetaIssueTypes" | "getCreateIssueMetaIssueTypeId" => {
            ("read:jira-work", META)
        }
        "getCurrentUser" => (
            "read:jira-user",
            &[
                "read:application-role:jira",
                "read:group:jira",
                "read:user:jira",
                "read:avatar:jira",
            ],
        ),
        "searchProjects" | "getProject" | "getAllProjects" => ("read:jira-work", PROJECT),
        "getAutoComplete" => ("read:jira-work", &["read:field:jira"]),
        "getFieldAutoCompleteForQueryString" => ("read:jira-work", &["read:issue-details:jira"]),
        "parseJqlQueries" => (
            "read:jira-work",
            &["read:field:jira", "validate:jql:jira", "read:jql:jira"],
        ),
        "getFields" => (
            "read:jira-work",
            &[
                "read:field:jira",
                "read:avatar:jira",
                "read:project-category:jira",
                "read:project:jira",
                "read:field-configuration:jira",
            ],
        ),
        "getServerInfo" => ("read:jira-user", &["read:instance-configuration:jira"]),
        "getPriorities" => ("read:jira-work", &["read:priority:jira"]),
        "getStatuses" => ("read:jira-work", &["read:status:jira"]),
        "getFilter" => (
            "read:jira-work",
            &[
                "read:filter:jira",
                "read:group:jira",
                "read:project:jira",
                "read:project-role:jira",
                "read:user:jira",
                "read:jql:jira",
                "read:application-role:jira",
                "read:avatar:jira",
                "read:issue-type-hierarchy:jira",
            ],
        ),
        _ => ("read:jira-user", &["read:user:jira", "read:avatar:jira"]),
    }
}

/// (classic scope, granular set) of a Jira Software operation: its granular scopes from the
/// Jira Software OpenAPI document, or the classic Jira scope, as Atlassian accepts for agile apps.
pub fn agile_required(op: &str) -> Option<(&'static str, &'static [&'static str])> {
    const ISSUES: &[&str] = &["read:board-scope:jira-software", "read:issue-details:jira"];
    const SPRINT_ISSUES: &[&str] = &[
        "read:sprint:jira-software",
        "read:issue-details:jira",
        "read:jql:jira",
    ];
    const EPIC_ISSUES: &[&str] = &[
        "read:epic:jira-software",
        "read:issue-details:jira",
        "read:jql:jira",
    ];
    Some(match op {
        "getAllBoards" => (
            "read:jira-work",
            &["read:board-scope:jira-software", "read:project:jira"],
        ),
        "getBoard" | "getIssuesForBoard" | "getIssuesForBacklog" => ("read:jira-work", ISSUES),
        "getConfiguration" => (
            "read:jira-work",
            &["read:board-scope.admin:jira-software", "read:project:jira"],
        ),
        "getAllSprints" | "getSprint" => ("read:jira-work", &["read:sprint:jira-software"]),
        "getIssuesForSprint" | "getBoardIssuesForSprint" => ("read:jira-work", SPRINT_ISSUES),
        "getEpics" | "getEpic" => ("read:jira-work", &["read:epic:jira-software"]),
        "getIssuesForEpic"
        | "getBoardIssuesForEpic"
        | "getIssuesWithoutEpic"
        | "getIssuesWithoutEpicForBoard" => ("read:jira-work", EPIC_ISSUES),
        "getIssue" => ("read:jira-work", &["read:issue:jira-software"]),
        "createSprint" | "updateSprint" | "partiallyUpdateSprint" | "moveIssuesToSprintAndRank" => {
            ("write:jira-work", &["write:sprint:jira-software"])
        }
        "deleteSprint" => ("write:jira-work", &["delete:sprint:jira-software"]),
        "moveIssuesToBacklog" => ("write:jira-work", &["write:board-scope:jira-software"]),
        "rankIssues" => ("write:jira-work", &["write:issue:jira-software"]),
        "moveIssuesToEpic" | "removeIssuesFromEpic" => {
            ("write:jira-work", &["write:epic:jira-software"])
        }
        _ => return None,
    })
}

/// Whether `scopes` satisfy an operation.
pub fn allowed(op: &str, scopes: &[String]) -> bool {
    let (classic, granular) = required(op);
    scopes.iter().any(|s| s == classic) || granular.iter().all(|g| scopes.iter().any(|s| s == g))
}

/// Whether `scopes` satisfy a Jira Software operation.
pub fn allowed_agile(op: &str, scopes: &[String]) -> bool {
    let Some((classic, granular)) = agile_required(op) else {
        return false;
    };
    scopes.iter().any(|s| s == classic) || granular.iter().all(|g| scopes.iter().any(|s| s == g))
}

/// Extracts a Bearer token.
pub fn bearer(auth: Option<&str>) -> Option<&str> {
    let a = auth?;
    let (scheme, tok) = a.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(tok.trim())
}

/// `GET /oauth/token/accessible-resources`.
pub fn accessible_resources(sh: &Shared, inner: &Inner, scopes: &[String]) -> Resp {
    if inner.config.no_sites {
        return json_resp(StatusCode::OK, &json!([]));
    }
    let jira: Vec<&String> = scopes.iter().filter(|s| s.contains("jira")).collect();
    let site = |id: &str, name: &str, url: String| json!({"id": id, "name": name, "url": url, "scopes": jira, "avatarUrl": "https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/flag.png"});
    let mut v = vec![site(
        &sh.id.cloud_id,
        "fake-site",
        format!("{}/site", sh.base),
    )];
    for (n, id) in inner.config.extra_sites.iter().enumerate() {
        v.push(site(
            id,
            &format!("fake-site-{}", n + 2),
            format!("{}/site", sh.base),
        ));
    }
    if inner.config.confluence_duplicate {
        v.push(json!({"id": sh.id.cloud_id, "name": "fake-site", "url": format!("{}/site", sh.base), "scopes": ["read:confluence-content.all", "write:confluence-content"], "avatarUrl": "https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/flag.png"}));
    }
    json_resp(StatusCode::OK, &Value::Array(v))
}

/// `GET /me` (needs `read:me`).
pub fn me(inner: &Inner, scopes: &[String]) -> Resp {
    if !scopes.iter().any(|s| s == "read:me") {
        return scope_mismatch();
    }
    let u = &inner.users[0];
    json_resp(
        StatusCode::OK,
        &json!({
            "account_type": "atlassian", "account_id": u.account_id, "email": u.email, "name": u.display_name,
            "picture": format!("https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/{}/avatar.png", u.account_id),
            "account_status": "active", "nickname": u.name, "zoneinfo": u.time_zone, "locale": "en-US",
            "extended_profile": {"job_title": "Engineer", "organization": "example.com", "department": "Engineering", "location": "Berlin"}
        }),
    )
}
