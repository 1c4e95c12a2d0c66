//! `issues/get`, `issues/list`, `issues/create`, `issues/update`, `issues/delete`: params to the
//! issue service (`service/issues.rs`, the read policy over the shared cache) and back.

use super::{jira, prepared, ApiError};
use crate::jira::{jql, Filters, IssueUpdate, JiraError, NewIssue, RichText};
use crate::rpc::Routes;
use crate::rpc::{Ctx, Register, Reply};
use crate::service::boards::Scope;
use crate::service::issues::{self, ListRequest};
use crate::service::state::AppState;
use crate::service::JiraSession;
use jirad_protocol::issues::*;
use jirad_protocol::lifecycle::{Progress, ProgressParams};
use serde_json::{json, Value};

/// The order of a sprint's, a backlog's or an epic's issues unless the caller gives one: the
/// board's.
const SCOPED_ORDER: &str = "ORDER BY Rank ASC";

/// Registers the family.
pub fn register_all(m: &mut Routes<AppState>) {
    m.request::<IssuesGet>(get)
        .request::<IssuesList>(list)
        .request::<IssuesCreate>(create)
        .request::<IssuesCreateMany>(create_many)
        .request::<IssuesUpdate>(update)
        .request::<IssuesDelete>(delete);
}

async fn get(p: IssuesGetParams, cx: Ctx<AppState>) -> Result<Reply<IssuesGetResult>, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let fields = issues::wanted(p.fields);
    let format = p.format.unwrap_or_default();
    if let Some(expand) = p.expand.filter(|e| !e.is_empty()) {
        let names: Vec<&str> = expand.iter().map(|e| e.as_str()).collect();
        let (issue, expanded) = issues::read_expanded(&s, &p.key, &fields, &names, format).await?;
        return Ok(Reply::Value(IssuesGetResult {
            issue,
            cache: CacheInfo::default(),
            expanded: Some(expanded),
        }));
    }
    let read = issues::read(&cx.app, &s, &p.key, &fields, vec![], p.fresh).await?;
    let cache = issues::info(&read);
    if !read.info.hit {
        let issue = issues::parse_issue(&read.value, format)?;
        return Ok(Reply::Value(IssuesGetResult {
            issue,
            cache,
            expanded: None,
        }));
    }
    let issue_json = issues::prepared(&cx.app, &s, &p.key, &read.value, format, &fields)?;
    let reply = prepared::issue_get(issue_json, &cache)
        .ok_or_else(|| issues::shape_error("an issue serializes as a JSON object"))?;
    Ok(Reply::Prepared(reply))
}

async fn list(p: IssuesListParams, cx: Ctx<AppState>) -> Result<IssuesListResult, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    list_in(&cx, &s, p, Scope::default()).await
}

/// `issues/list` within a scope (a sprint, a backlog, an epic): its JQL ANDed with the filters,
/// or a Jira Software issue list searched with them; a scoped list is in rank order unless the
/// caller orders it.
pub(super) async fn list_in(
    cx: &Ctx<AppState>,
    s: &JiraSession,
    mut p: IssuesListParams,
    scope: Scope,
) -> Result<IssuesListResult, ApiError> {
    let mut filter = p.take_filter();
    filter.jql = match (scope.jql, scope.route.is_empty()) {
        (None, true) => filter.jql,
        (within, _) => {
            let (cond, order) = jql::split_order_by(filter.jql.as_deref().unwrap_or(""));
            let cond = cond.trim();
            let clauses: Vec<String> = within
                .into_iter()
                .chain((!cond.is_empty()).then(|| cond.to_owned()))
                .map(|c| format!("({c})"))
                .collect();
            let order = order.unwrap_or(SCOPED_ORDER);
            Some(format!("{} {order}", clauses.join(" AND ")))
        }
    };
    let filters = filters(filter, p.order_by.take());
    let query = jql::build(&filters)?;
    let list_cap = cx.app.config.jira.list_cap;
    let request = ListRequest {
        filters,
        query,
        fields: issues::field_list(p.fields),
        limit: p.limit,
        page_token: p.page_token,
        all: p.all,
        // `maxIssues` lowers the daemon's cap for this call, never raises it.
        cap: p.max_issues.map_or(list_cap, |m| list_cap.min(m as usize)),
        fresh: p.fresh,
        route: scope.route,
    };
    let progress = p.progress_token.filter(|_| p.all).map(|token| {
        let conn = cx.conn.clone();
        Box::new(move |kind: &str, done: usize| {
            let value = match kind {
                "begin" => json!({"kind": kind, "title": "Listing issues", "done": done}),
                _ => json!({"kind": kind, "message": format!("{done} issues"), "done": done}),
            };
            // A client that stopped reading loses its progress, not its answer.
            let _ = conn.notify::<Progress>(&ProgressParams {
                token: token.clone(),
                value,
            });
        }) as issues::ListProgress
    });
    let (page, cache) = issues::list(&cx.app, s, request, progress).await?;
    let format = p.format.unwrap_or_default();
    Ok(IssuesListResult {
        issues: page
            .issues
            .into_iter()
            .map(|i| issues::shaped(i, format))
            .collect(),
        next_page_token: page.next_page_token,
        is_last: page.is_last,
        cache,
    })
}

fn rich(v: Option<&Value>, field: &str) -> Result<Option<RichText>, JiraError> {
    v.map(|v| RichText::from_json(v, field)).transpose()
}

async fn create(p: IssuesCreateParams, cx: Ctx<AppState>) -> Result<IssuesCreateResult, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let new = NewIssue {
        project: p.project,
        issue_type: p.issue_type,
        summary: p.summary,
        description: rich(p.description.as_ref(), "description")?,
        labels: p.labels.unwrap_or_default(),
        assignee: p.assignee,
        priority: p.priority,
        parent: p.parent,
        fields: p.fields.unwrap_or_default(),
    };
    let c = issues::create(&cx.app, &s, &new).await?;
    Ok(IssuesCreateResult {
        key: c.key,
        id: c.id,
        url: c.url,
    })
}

async fn create_many(
    p: IssuesCreateManyParams,
    cx: Ctx<AppState>,
) -> Result<CreateManyResult, ApiError> {
    if p.issues.is_empty() || p.issues.len() > 1000 {
        return Err(JiraError::invalid_field(
            "issues",
            format!("give 1 to 1000 issues ({} given)", p.issues.len()),
        )
        .into());
    }
    let s = jira(&cx, p.profile.as_deref()).await?;
    let mut items = Vec::with_capacity(p.issues.len());
    for i in p.issues {
        items.push(NewIssue {
            project: i.project,
            issue_type: i.issue_type,
            summary: i.summary,
            description: rich(i.description.as_ref(), "description")?,
            labels: i.labels.unwrap_or_default(),
            assignee: i.assignee,
            priority: i.priority,
            parent: i.parent,
            fields: i.fields.unwrap_or_default(),
        });
    }
    let outcomes = issues::create_many(&cx.app, &s, &items).await;
    let mut result = CreateManyResult {
        created: 0,
        failed: 0,
        results: Vec::with_capacity(outcomes.len()),
    };
    for (index, outcome) in (0u32..).zip(outcomes) {
        let mut item = CreateManyItem {
            index,
            key: None,
            id: None,
            url: None,
            error: None,
        };
        match outcome {
            Ok(c) => {
                result.created += 1;
                (item.key, item.id, item.url) = (Some(c.key), Some(c.id), Some(c.url));
            }
            Err(e) => {
                result.failed += 1;
                let mut data = e.data;
                data.insert("kind".into(), json!(e.kind.as_str()));
                data.insert("message".into(), json!(e.message));
                item.error = Some(Value::Object(data));
            }
        }
        result.results.push(item);
    }
    Ok(result)
}

async fn update(p: IssuesUpdateParams, cx: Ctx<AppState>) -> Result<IssuesGetResult, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let upd = IssueUpdate {
        summary: p.summary,
        description: rich(p.description.as_ref(), "description")?,
        labels: p.labels,
        add_labels: p.add_labels.unwrap_or_default(),
        remove_labels: p.remove_labels.unwrap_or_default(),
        assignee: p.assignee,
        priority: p.priority,
        fields: p.fields.unwrap_or_default(),
        update: p.update.unwrap_or_default(),
        force: p.force,
    };
    let (issue, cache) = issues::update(&cx.app, &s, &p.key, &upd, p.notify_users).await?;
    Ok(IssuesGetResult {
        issue,
        cache,
        expanded: None,
    })
}

async fn delete(p: IssuesDeleteParams, cx: Ctx<AppState>) -> Result<Empty, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    issues::delete(&cx.app, &s, &p.key, p.delete_subtasks).await?;
    Ok(Empty {})
}

/// The domain's filters from the protocol's, for every list and watch.
pub(crate) fn filters(f: IssueFilter, order_by: Option<String>) -> Filters {
    Filters {
        jql: f.jql,
        project: f.project.into_iter().collect(),
        assignee: f.assignee,
        status: f.status.into_iter().collect(),
        text: f.text,
        labels: f.labels.unwrap_or_default(),
        order_by,
    }
}
