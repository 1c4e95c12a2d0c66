//! Jira REST routes (`/rest/api/{2,3}/...`), shared by the Cloud site, the gateway and Data
//! Center. `route` names the operation (for scopes), `dispatch` runs it.

pub mod agile;
pub mod agile_issues;
pub mod attachments;
pub mod changelog;
pub mod comments;
pub mod fields;
pub mod issues;
pub mod jql;
pub mod links;
pub mod meta;
pub mod search;
pub mod versions;
pub mod watchers;
pub mod worklogs;

use axum::http::{Method, StatusCode};
use serde_json::Value;

use crate::render::{Ctx, Flavor};
use crate::store::Inner;
use crate::util::{jira_err, parse_json, Query, Resp};

/// The operation a request addresses (Jira's operationId), or `None` for an unknown route.
pub fn route(method: &Method, rest: &[&str]) -> Option<&'static str> {
    let m = method.as_str();
    Some(match (m, rest) {
        ("POST", ["issue"]) => "createIssue",
        ("POST", ["issue", "bulkfetch"]) => "bulkFetchIssues",
        ("POST", ["issue", "bulk"]) => "createIssues",
        ("GET", ["issue", "createmeta", _, "issuetypes"]) => "getCreateIssueMetaIssueTypes",
        ("GET", ["issue", "createmeta", _, "issuetypes", _]) => "getCreateIssueMetaIssueTypeId",
        ("GET", ["issue", _]) => "getIssue",
        ("PUT", ["issue", _]) => "editIssue",
        ("DELETE", ["issue", _]) => "deleteIssue",
        ("GET", ["issue", _, "transitions"]) => "getTransitions",
        ("GET", ["issue", _, "editmeta"]) => "getEditIssueMeta",
        ("POST", ["issue", _, "transitions"]) => "doTransition",
        ("PUT", ["issue", _, "assignee"]) => "assignIssue",
        ("POST", ["issue", _, "attachments"]) => "addAttachment",
        ("GET", ["attachment", "meta"]) => "getAttachmentMeta",
        ("GET", ["attachment", "content", _]) => "getAttachmentContent",
        ("GET", ["attachment", "thumbnail", _]) => "getAttachmentThumbnail",
        ("GET", ["attachment", _]) => "getAttachment",
        ("DELETE", ["attachment", _]) => "removeAttachment",
        ("GET", ["issue", _, "worklog"]) => "getIssueWorklog",
        ("POST", ["issue", _, "worklog"]) => "addWorklog",
        ("PUT", ["issue", _, "worklog", _]) => "updateWorklog",
        ("DELETE", ["issue", _, "worklog", _]) => "deleteWorklog",
        ("GET", ["issue", _, "watchers"]) => "getIssueWatchers",
        ("POST", ["issue", _, "watchers"]) => "addWatcher",
        ("DELETE", ["issue", _, "watchers"]) => "removeWatcher",
        ("GET", ["issue", _, "votes"]) => "getVotes",
        ("POST", ["issue", _, "votes"]) => "addVote",
        ("DELETE", ["issue", _, "votes"]) => "removeVote",
        ("GET", ["issueLinkType"]) => "getIssueLinkTypes",
        ("POST", ["issueLink"]) => "linkIssues",
        ("GET", ["issueLink", _]) => "getIssueLink",
        ("DELETE", ["issueLink", _]) => "deleteIssueLink",
        ("GET", ["issue", _, "remotelink"]) => "getRemoteIssueLinks",
        ("POST", ["issue", _, "remotelink"]) => "createOrUpdateRemoteIssueLink",
        ("DELETE", ["issue", _, "remotelink"]) => "deleteRemoteIssueLinkByGlobalId",
        ("GET", ["issue", _, "remotelink", _]) => "getRemoteIssueLinkById",
        ("PUT", ["issue", _, "remotelink", _]) => "updateRemoteIssueLink",
        ("DELETE", ["issue", _, "remotelink", _]) => "deleteRemoteIssueLinkById",
        ("GET", ["issue", _, "changelog"]) => "getChangeLogs",
        ("POST", ["changelog", "bulkfetch"]) => "getBulkChangelogs",
        ("GET", ["issue", _, "comment"]) => "getComments",
        ("POST", ["issue", _, "comment"]) => "addComment",
        ("GET", ["issue", _, "comment", _]) => "getComment",
        ("PUT", ["issue", _, "comment", _]) => "updateComment",
        ("DELETE", ["issue", _, "comment", _]) => "deleteComment",
        ("GET", ["search", "jql"]) => "searchAndReconsileIssuesUsingJql",
        ("POST", ["search", "jql"]) => "searchAndReconsileIssuesUsingJqlPost",
        ("POST", ["search", "approximate-count"]) => "countIssues",
        ("POST", ["jql", "parse"]) => "parseJqlQueries",
        ("GET", ["jql", "autocompletedata"]) => "getAutoComplete",
        ("GET", ["jql", "autocompletedata", "suggestions"]) => "getFieldAutoCompleteForQueryString",
        ("GET", ["search"]) => "searchForIssuesUsingJql",
        ("POST", ["search"]) => "searchForIssuesUsingJqlPost",
        ("GET", ["myself"]) => "getCurrentUser",
        ("GET", ["project", "search"]) => "searchProjects",
        ("GET", ["project"]) => "getAllProjects",
        ("GET", ["project", _]) => "getProject",
        ("GET", ["project", _, "versions"]) => "getProjectVersions",
        ("GET", ["project", _, "components"]) => "getProjectComponents",
        ("POST", ["version"]) => "createVersion",
        ("GET", ["version", _]) => "getVersion",
        ("PUT", ["version", _]) => "updateVersion",
        ("DELETE", ["version", _]) => "deleteVersion",
        ("POST", ["version", _, "move"]) => "moveVersion",
        ("PUT", ["version", _, "mergeto", _]) => "mergeVersions",
        ("POST", ["version", _, "removeAndSwap"]) => "deleteAndReplaceVersion",
        ("POST", ["component"]) => "createComponent",
        ("GET", ["component", _]) => "getComponent",
        ("PUT", ["component", _]) => "updateComponent",
        ("DELETE", ["component", _]) => "deleteComponent",
        ("GET", ["filter", _]) => "getFilter",
        ("GET", ["field"]) => "getFields",
        ("GET", ["serverInfo"]) => "getServerInfo",
        ("GET", ["priority"]) => "getPriorities",
        ("GET", ["status"]) => "getStatuses",
        ("GET", ["user", "search"]) => "findUsers",
        ("GET", ["user"]) => "getUser",
        ("GET", ["user", "assignable", "search"]) => "findAssignableUsers",
        _ => return None,
    })
}

fn body_json(body: &[u8]) -> Result<Value, Resp> {
    parse_json(body)
}

/// Runs a Jira route. `rest` is the path after `/rest/api/{v}/`, percent-decoded.
pub fn dispatch(
    ctx: &Ctx,
    inner: &mut Inner,
    method: &Method,
    rest: &[&str],
    q: &Query,
    body: &[u8],
) -> Resp {
    let Some(op) = route(method, rest) else {
        return not_found(rest);
    };
    let cloud = ctx.flavor == Flavor::Cloud;
    macro_rules! json_body {
        () => {
            match body_json(body) {
                Ok(v) => v,
                Err(r) => return r,
            }
        };
    }
    match op {
        "createIssue" => issues::create(ctx, inner, &json_body!()),
        "createIssues" => issues::create_bulk(ctx, inner, &json_body!()),
        "bulkFetchIssues" if cloud => search::bulkfetch(ctx, inner, &json_body!()),
        "getCreateIssueMetaIssueTypes" => meta::createmeta_types(ctx, inner, rest[2], q),
        "getCreateIssueMetaIssueTypeId" => meta::createmeta_fields(ctx, inner, rest[2], rest[4], q),
        "getIssue" => issues::get(ctx, inner, rest[1], q),
        "editIssue" => issues::edit(ctx, inner, rest[1], q, &json_body!()),
        "deleteIssue" => issues::delete(inner, rest[1], q),
        "getTransitions" => issues::list_transitions(ctx, inner, rest[1]),
        "getEditIssueMeta" => meta::editmeta(ctx, inner, rest[1]),
        "getUser" => meta::get_user(ctx, inner, q),
        "doTransition" => issues::do_transition(ctx, inner, rest[1], &json_body!()),
        "assignIssue" => issues::assign(ctx, inner, rest[1], &json_body!()),
        "getAttachmentMeta" => attachments::meta(ctx),
        "getAttachmentContent" if cloud => {
            attachments::content(ctx, inner, rest[2], q.get("redirect") != Some("false"))
        }
        "getAttachmentThumbnail" if cloud => attachments::thumbnail(ctx, inner, rest[2], q),
        "getAttachment" => attachments::get(ctx, inner, rest[1]),
        "removeAttachment" => attachments::delete(inner, rest[1]),
        "getIssueWorklog" => worklogs::list(ctx, inner, rest[1], q),
        "addWorklog" => worklogs::add(ctx, inner, rest[1], q, &json_body!()),
        "updateWorklog" => worklogs::update(ctx, inner, rest[1], rest[3], q, &json_body!()),
        "deleteWorklog" => worklogs::delete(inner, rest[1], rest[3], q),
        "getIssueWatchers" => watchers::list(ctx, inner, rest[1]),
        "addWatcher" => watchers::add(ctx, inner, rest[1], body),
        "removeWatcher" => watchers::remove(ctx, inner, rest[1], q),
        "getVotes" => watchers::votes(ctx, inner, rest[1]),
        "addVote" => watchers::vote(ctx, inner, rest[1], true),
        "removeVote" => watchers::vote(ctx, inner, rest[1], false),
        "getIssueLinkTypes" => links::types(ctx),
        "parseJqlQueries" if cloud => jql::parse(inner, q, &json_body!()),
        "getAutoComplete" => jql::autocomplete_data(),
        "getFieldAutoCompleteForQueryString" => jql::suggestions(inner, q),
        "linkIssues" => links::create(ctx, inner, &json_body!()),
        "getIssueLink" => links::get(ctx, inner, rest[1]),
        "deleteIssueLink" => links::delete(inner, rest[1]),
        "getRemoteIssueLinks" => links::list_remote(ctx, inner, rest[1], q),
        "createOrUpdateRemoteIssueLink" => links::upsert_remote(ctx, inner, rest[1], &json_body!()),
        "deleteRemoteIssueLinkByGlobalId" => links::delete_remote(inner, rest[1], None, q),
        "getRemoteIssueLinkById" => links::get_remote(ctx, inner, rest[1], rest[3]),
        "updateRemoteIssueLink" => links::update_remote(inner, rest[1], rest[3], &json_body!()),
        "deleteRemoteIssueLinkById" => links::delete_remote(inner, rest[1], Some(rest[3]), q),
        "getChangeLogs" if cloud => changelog::list(ctx, inner, rest[1], q),
        "getBulkChangelogs" if cloud => changelog::bulkfetch(ctx, inner, &json_body!()),
        "getComments" => issues::list_comments(ctx, inner, rest[1], q),
        "addComment" => issues::add_comment(ctx, inner, rest[1], &json_body!()),
        "getComment" => comments::get(ctx, inner, rest[1], rest[3]),
        "updateComment" => comments::update(ctx, inner, rest[1], rest[3], &json_body!()),
        "deleteComment" => comments::delete(inner, rest[1], rest[3]),
        "searchAndReconsileIssuesUsingJql" if cloud => match search::params_get(q) {
            Ok(p) => search::search_jql(ctx, inner, p),
            Err(r) => r,
        },
        "searchAndReconsileIssuesUsingJqlPost" if cloud => match search::params_post(&json_body!())
        {
            Ok(p) => search::search_jql(ctx, inner, p),
            Err(r) => r,
        },
        "countIssues" if cloud => search::approximate_count(ctx, inner, &json_body!()),
        "searchForIssuesUsingJql" | "searchForIssuesUsingJqlPost" if cloud => {
            jira_err(StatusCode::GONE, search::REMOVED)
        }
        "searchForIssuesUsingJql" => {
            let start = match q.int("startAt", 0) {
                Ok(v) => v,
                Err(r) => return r,
            };
            let max = match q.int("maxResults", 50) {
                Ok(v) => v,
                Err(r) => return r,
            };
            search::search_dc(
                ctx,
                inner,
                q.get("jql").unwrap_or(""),
                start,
                max,
                q.list("fields"),
                q.list("expand"),
            )
        }
        "searchForIssuesUsingJqlPost" => {
            let b = json_body!();
            let list = |k: &str| -> Vec<String> {
                b.get(k)
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(String::from)
                            .collect()
                    })
                    .unwrap_or_default()
            };
            search::search_dc(
                ctx,
                inner,
                b.get("jql").and_then(Value::as_str).unwrap_or(""),
                b.get("startAt").and_then(Value::as_i64).unwrap_or(0),
                b.get("maxResults").and_then(Value::as_i64).unwrap_or(50),
                list("fields"),
                list("expand"),
            )
        }
        "getCurrentUser" => meta::myself(ctx, inner),
        "searchProjects" => meta::project_search(ctx, inner, q),
        "getAllProjects" => meta::project_list(ctx, inner),
        "getProject" => meta::project(ctx, inner, rest[1]),
        "getProjectVersions" => versions::list(ctx, inner, rest[1]),
        "getProjectComponents" => versions::list_components(ctx, inner, rest[1]),
        "createVersion" => versions::create(ctx, inner, &json_body!()),
        "getVersion" => versions::get(ctx, inner, rest[1]),
        "updateVersion" => versions::update(ctx, inner, rest[1], &json_body!()),
        "deleteVersion" => versions::delete(inner, rest[1], q),
        "moveVersion" => versions::move_version(ctx, inner, rest[1], &json_body!()),
        "mergeVersions" => versions::merge(inner, rest[1], rest[3]),
        "deleteAndReplaceVersion" => versions::remove_and_swap(inner, rest[1], &json_body!()),
        "createComponent" => versions::create_component(ctx, inner, &json_body!()),
        "getComponent" => versions::get_component(ctx, inner, rest[1]),
        "updateComponent" => versions::update_component(ctx, inner, rest[1], &json_body!()),
        "deleteComponent" => versions::delete_component(inner, rest[1], q),
        "getFields" => meta::fields(ctx),
        "getFilter" => agile::filter(ctx, inner, rest[1]),
        "getServerInfo" => meta::server_info(ctx, inner.now()),
        "getPriorities" => meta::priorities(ctx),
        "getStatuses" => crate::util::json_resp(
            StatusCode::OK,
            &Value::Array(
                crate::model::STATUSES
                    .iter()
                    .map(|st| crate::model::status_json(&ctx.base, st.0))
                    .collect(),
            ),
        ),
        "findUsers" => meta::user_search(ctx, inner, q, false),
        "findAssignableUsers" => meta::user_search(ctx, inner, q, true),
        _ => not_found(rest),
    }
}

/// Jira's 404 for an unknown REST path.
pub fn not_found(rest: &[&str]) -> Resp {
    jira_err(
        StatusCode::NOT_FOUND,
        &format!("null for uri: /rest/api/{}", rest.join("/")),
    )
}
