//! `projects/list`, `projects/issueTypes`, `users/me`, `users/search`.
//!
//! Projects and issue types are metadata: read through the shared cache with the meta TTL
//! (`fresh: true` asks Jira). Users are read live: `users/me` doubles as a credential check.

use super::jira;
use super::ApiError;
use crate::cache::{CacheKey, MetaKey};
use crate::jira::{FieldMeta, JiraClient, JiraError};
use crate::rpc::Routes;
use crate::rpc::{Ctx, Register};
use crate::service::cached::read_through;
use crate::service::state::AppState;
use futures::future::try_join_all;
use jirad_protocol::projects::*;
use jirad_protocol::workflow::StatusRef;
use serde_json::Value;

/// Registers the family.
pub fn register_all(m: &mut Routes<AppState>) {
    m.request::<ProjectsList>(list)
        .request::<ProjectsIssueTypes>(issue_types)
        .request::<UsersMe>(me)
        .request::<UsersSearch>(search_users);
}

async fn list(p: ProjectsListParams, cx: Ctx<AppState>) -> Result<Vec<ProjectInfo>, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let client = s.client.clone();
    // One entry holds every project; a `query` filters it here, as Jira does (key or name
    // contains, case-insensitive), so any query is answered from the one cached list.
    let key = CacheKey::Meta(MetaKey::Projects);
    let all: Value = read_through(&cx.app.cache, &s.ns, key, p.fresh, move || async move {
        client.projects(None).await
    })
    .await?;
    let q = p.query.unwrap_or_default().to_lowercase();
    Ok(all
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| ProjectInfo {
            id: text(&v["id"]),
            key: text(&v["key"]),
            name: text(&v["name"]),
        })
        .filter(|p| {
            q.is_empty() || p.key.to_lowercase().contains(&q) || p.name.to_lowercase().contains(&q)
        })
        .collect())
}

async fn issue_types(
    p: ProjectsIssueTypesParams,
    cx: Ctx<AppState>,
) -> Result<Vec<IssueTypeInfo>, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let project = p.project.to_uppercase();
    let key = CacheKey::Meta(MetaKey::Other(format!("issueTypes:{project}")));
    let client = s.client.clone();
    let all: Value = read_through(&cx.app.cache, &s.ns, key, p.fresh, move || async move {
        create_screens(&client, &project).await
    })
    .await?;
    Ok(all
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| IssueTypeInfo {
            id: text(&t["id"]),
            name: text(&t["name"]),
            subtask: t["subtask"].as_bool().unwrap_or(false),
            fields: t["fields"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(FieldMeta::from_json)
                .map(|f| field_info(&f))
                .collect(),
        })
        .collect())
}

/// Every issue type of a project with its create-screen fields under `fields` (createmeta: one
/// request for the types, then one per type, concurrently).
async fn create_screens(client: &JiraClient, project: &str) -> Result<Value, JiraError> {
    let types = client.createmeta_issue_types(project).await?;
    let fields = try_join_all(types.iter().map(|t| {
        let id = text(&t["id"]);
        async move { client.createmeta_fields(project, &id).await }
    }))
    .await?;
    Ok(types
        .into_iter()
        .zip(fields)
        .map(|(mut t, f)| {
            t["fields"] = Value::Array(f);
            t
        })
        .collect())
}

async fn me(p: UsersMeParams, cx: Ctx<AppState>) -> Result<UserInfo, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let v = s.client.myself().await?;
    Ok(user_info(&s.client, &v))
}

async fn search_users(p: UsersSearchParams, cx: Ctx<AppState>) -> Result<Vec<UserInfo>, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let found = s.client.user_search(&p.query).await?;
    Ok(found.iter().map(|u| user_info(&s.client, u)).collect())
}

fn user_info(client: &JiraClient, v: &Value) -> UserInfo {
    UserInfo {
        account_id: client.user_id(v).unwrap_or_default(),
        display_name: text(&v["displayName"]),
        email: v["emailAddress"].as_str().map(str::to_owned),
        time_zone: v["timeZone"].as_str().map(str::to_owned),
        active: v["active"].as_bool(),
    }
}

/// A user as named in issues: `accountId` on Cloud, the username on Data Center.
pub(super) fn user_ref(v: &Value) -> Option<UserRef> {
    v.is_object().then(|| UserRef {
        account_id: v["accountId"]
            .as_str()
            .or(v["name"].as_str())
            .map(str::to_owned),
        display_name: v["displayName"].as_str().map(str::to_owned),
    })
}

/// A status JSON (`{name, statusCategory: {key}}`) as clients see it.
pub(super) fn status_ref(v: &Value) -> StatusRef {
    StatusRef {
        name: text(&v["name"]),
        category: v["statusCategory"]["key"].as_str().map(str::to_owned),
    }
}

/// A create- or transition-screen field as clients see it.
pub(super) fn field_info(f: &FieldMeta) -> FieldInfo {
    let str_of = |v: &Value| v.as_str().map(str::to_owned);
    FieldInfo {
        id: f.id.clone(),
        name: f.name.clone(),
        required: f.required,
        has_default: f.has_default,
        schema_type: str_of(&f.schema["type"]),
        items: str_of(&f.schema["items"]),
        allowed_values: f.allowed.as_ref().map(|all| {
            all.iter()
                .map(|a| AllowedValue {
                    id: str_of(&a["id"]),
                    // Options carry `value`; projects, types and priorities `name`.
                    name: ["value", "name", "key", "id"]
                        .iter()
                        .find_map(|k| str_of(&a[*k]))
                        .unwrap_or_else(|| a.to_string()),
                })
                .collect()
        }),
    }
}

/// A JSON string as is, any other value as JSON text, null as empty (ids come as either).
pub(super) fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        v => v.to_string(),
    }
}
