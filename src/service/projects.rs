//! `projects/list`, `projects/issueTypes`, `users/me`, `users/search`; and the readers of Jira's
//! JSON every family shares (`text`, `user_ref`, `status_ref`, `field_info`).
//!
//! Projects and issue types are metadata: read through the shared cache with the meta TTL
//! (`fresh: true` asks Jira). Users are read live: `users/me` doubles as a credential check.

use super::cached::read_through;
use super::state::AppState;
use super::{ApiError, JiraSession};
use crate::cache::{CacheKey, MetaKey};
use crate::jira::{FieldMeta, JiraClient, JiraError};
use futures::future::try_join_all;
use jirad_protocol::projects::*;
use jirad_protocol::workflow::StatusRef;
use serde_json::Value;

/// The site's projects whose key or name contains `query` (case-insensitive), as Jira filters.
pub async fn list(
    app: &AppState,
    s: &JiraSession,
    query: Option<String>,
    fresh: bool,
) -> Result<Vec<ProjectInfo>, ApiError> {
    let client = s.client.clone();
    // One entry holds every project; a `query` filters it here, as Jira does (key or name
    // contains, case-insensitive), so any query is answered from the one cached list.
    let key = CacheKey::Meta(MetaKey::Projects);
    let all: Value = read_through(&app.cache, &s.ns, key, fresh, move || async move {
        client.projects(None).await
    })
    .await?;
    let q = query.unwrap_or_default().to_lowercase();
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

/// A project's issue types with their create-screen fields.
pub async fn issue_types(
    app: &AppState,
    s: &JiraSession,
    project: &str,
    fresh: bool,
) -> Result<Vec<IssueTypeInfo>, ApiError> {
    let project = project.to_uppercase();
    let key = CacheKey::Meta(MetaKey::Other(format!("issueTypes:{project}")));
    let client = s.client.clone();
    let all: Value = read_through(&app.cache, &s.ns, key, fresh, move || async move {
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

/// The user the session acts as.
pub async fn me(s: &JiraSession) -> Result<UserInfo, ApiError> {
    let v = s.client.myself().await?;
    Ok(user_info(&s.client, &v))
}

/// Users matching `query`, as Jira's user search finds them.
pub async fn search_users(s: &JiraSession, query: &str) -> Result<Vec<UserInfo>, ApiError> {
    let found = s.client.user_search(query).await?;
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
pub fn user_ref(v: &Value) -> Option<UserRef> {
    v.is_object().then(|| UserRef {
        account_id: v["accountId"]
            .as_str()
            .or(v["name"].as_str())
            .map(str::to_owned),
        display_name: v["displayName"].as_str().map(str::to_owned),
    })
}

/// A status JSON (`{name, statusCategory: {key}}`) as clients see it.
pub fn status_ref(v: &Value) -> StatusRef {
    StatusRef {
        name: text(&v["name"]),
        category: v["statusCategory"]["key"].as_str().map(str::to_owned),
    }
}

/// A create- or transition-screen field as clients see it.
pub fn field_info(f: &FieldMeta) -> FieldInfo {
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
pub fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        v => v.to_string(),
    }
}
