//! `versions/*` and `components/*`: a project's versions and components, listed, created,
//! changed, reordered, merged and deleted.
//!
//! The lists are project metadata: read through the shared cache with the meta TTL (`fresh: true`
//! asks Jira), one entry per project for all states, and forgotten after any write to versions
//! (or components) through the daemon. A merge or delete moves issues to other versions, so it
//! also forgets the profile's cached issues and lists.

use super::{jira, ApiError};
use crate::cache::{CacheKey, MetaKey};
use crate::jira::JiraError;
use crate::rpc::Routes;
use crate::rpc::{Ctx, Register};
use crate::service::cached::read_through;
use crate::service::projects::text;
use crate::service::state::AppState;
use crate::service::JiraSession;
use jirad_protocol::issues::Empty;
use jirad_protocol::versions::*;
use serde_json::{json, Value};

/// Registers the family.
pub fn register_all(m: &mut Routes<AppState>) {
    m.request::<VersionsList>(list)
        .request::<VersionsCreate>(create)
        .request::<VersionsUpdate>(update)
        .request::<VersionsMove>(move_version)
        .request::<VersionsMerge>(merge)
        .request::<VersionsDelete>(delete)
        .request::<ComponentsList>(components)
        .request::<ComponentsCreate>(create_component)
        .request::<ComponentsUpdate>(update_component)
        .request::<ComponentsDelete>(delete_component);
}

fn version_of(v: &Value) -> Version {
    let opt = |x: &Value| x.as_str().map(str::to_owned);
    Version {
        id: text(&v["id"]),
        name: text(&v["name"]),
        description: opt(&v["description"]),
        released: v["released"].as_bool().unwrap_or(false),
        archived: v["archived"].as_bool().unwrap_or(false),
        release_date: opt(&v["releaseDate"]),
        start_date: opt(&v["startDate"]),
    }
}

fn component_of(c: &Value) -> Component {
    Component {
        id: text(&c["id"]),
        name: text(&c["name"]),
        description: c["description"].as_str().map(str::to_owned),
    }
}

/// Which list a metadata entry holds.
#[derive(Clone, Copy)]
enum Family {
    Versions,
    Components,
}

impl Family {
    fn prefix(self) -> &'static str {
        match self {
            Family::Versions => "versions:",
            Family::Components => "components:",
        }
    }

    fn key(self, project: &str) -> CacheKey {
        CacheKey::Meta(MetaKey::Other(format!(
            "{}{}",
            self.prefix(),
            project.to_uppercase()
        )))
    }
}

/// A project's versions or components, through the cache.
async fn cached_list(
    cx: &Ctx<AppState>,
    s: &JiraSession,
    family: Family,
    project: &str,
    fresh: bool,
) -> Result<Vec<Value>, ApiError> {
    let client = s.client.clone();
    let project = project.to_owned();
    let key = family.key(&project);
    read_through(&cx.app.cache, &s.ns, key, fresh, move || async move {
        match family {
            Family::Versions => client.versions(&project).await,
            Family::Components => client.components(&project).await,
        }
    })
    .await
}

/// After a write through the daemon (whatever its outcome: a timed-out write may have landed):
/// the family's cached lists go, and with `issues_too` the issues and lists that may name it.
fn changed(cx: &Ctx<AppState>, s: &JiraSession, family: Family, issues_too: bool) {
    let prefix = family.prefix();
    cx.app.cache.meta_changed(
        &s.ns,
        |m| matches!(m, MetaKey::Other(k) if k.starts_with(prefix)),
        issues_too,
    );
}

async fn list(p: VersionsListParams, cx: Ctx<AppState>) -> Result<Vec<Version>, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    Ok(cached_list(&cx, &s, Family::Versions, &p.project, p.fresh)
        .await?
        .iter()
        .map(version_of)
        .filter(|v| p.archived || !v.archived)
        .filter(|v| p.released.is_none_or(|r| v.released == r))
        .collect())
}

/// Adds each `Some` value under its key.
fn set(body: &mut Value, pairs: &[(&str, &Option<String>)]) {
    for (k, v) in pairs {
        if let Some(v) = v {
            body[*k] = json!(v);
        }
    }
}

async fn create(p: VersionsCreateParams, cx: Ctx<AppState>) -> Result<Version, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    // Jira takes the project by id here; a key is looked up.
    let project = if p.project.chars().all(|c| c.is_ascii_digit()) {
        p.project.clone()
    } else {
        let found = s.client.project(&p.project).await?;
        text(&found["id"])
    };
    let mut body = json!({"name": p.name, "projectId": project});
    set(
        &mut body,
        &[
            ("description", &p.description),
            ("releaseDate", &p.release_date),
            ("startDate", &p.start_date),
        ],
    );
    let made = s.client.create_version(body).await;
    changed(&cx, &s, Family::Versions, false);
    Ok(version_of(&made?))
}

async fn update(p: VersionsUpdateParams, cx: Ctx<AppState>) -> Result<Version, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let mut body = json!({});
    set(
        &mut body,
        &[
            ("name", &p.name),
            ("description", &p.description),
            ("releaseDate", &p.release_date),
            ("startDate", &p.start_date),
        ],
    );
    if let Some(r) = p.released {
        body["released"] = json!(r);
    }
    if let Some(a) = p.archived {
        body["archived"] = json!(a);
    }
    if body.as_object().is_some_and(|o| o.is_empty()) {
        return Err(
            JiraError::invalid_field("id", "nothing to change: give a field to set").into(),
        );
    }
    let done = s.client.update_version(&p.id, body).await;
    changed(&cx, &s, Family::Versions, false);
    Ok(version_of(&done?))
}

async fn move_version(p: VersionsMoveParams, cx: Ctx<AppState>) -> Result<Version, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let body = match (p.position, &p.after) {
        (Some(position), None) => json!({ "position": position }),
        (None, Some(after)) => json!({ "after": s.client.version_url(after)? }),
        _ => {
            return Err(
                JiraError::invalid_field("position", "give either position or after").into(),
            )
        }
    };
    let done = s.client.move_version(&p.id, body).await;
    changed(&cx, &s, Family::Versions, false);
    Ok(version_of(&done?))
}

async fn merge(p: VersionsMergeParams, cx: Ctx<AppState>) -> Result<Empty, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    if p.id == p.into {
        return Err(
            JiraError::invalid_field("into", "a version cannot be merged into itself").into(),
        );
    }
    let done = s.client.merge_version(&p.id, &p.into).await;
    changed(&cx, &s, Family::Versions, true);
    done?;
    Ok(Empty {})
}

/// A version id as the delete body takes it: a number.
fn version_number(id: &Option<String>, field: &str) -> Result<Option<u64>, ApiError> {
    id.as_deref()
        .map(|v| {
            v.trim().parse::<u64>().map_err(|_| {
                ApiError::from(JiraError::invalid_field(
                    field,
                    format!("'{v}' is not a version id"),
                ))
            })
        })
        .transpose()
}

async fn delete(p: VersionsDeleteParams, cx: Ctx<AppState>) -> Result<Empty, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let mut body = json!({});
    if let Some(to) = version_number(&p.move_fix_issues_to, "moveFixIssuesTo")? {
        body["moveFixIssuesTo"] = json!(to);
    }
    if let Some(to) = version_number(&p.move_affected_issues_to, "moveAffectedIssuesTo")? {
        body["moveAffectedIssuesTo"] = json!(to);
    }
    let done = s.client.delete_version(&p.id, body).await;
    changed(&cx, &s, Family::Versions, true);
    done?;
    Ok(Empty {})
}

async fn components(
    p: ComponentsListParams,
    cx: Ctx<AppState>,
) -> Result<Vec<Component>, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    Ok(
        cached_list(&cx, &s, Family::Components, &p.project, p.fresh)
            .await?
            .iter()
            .map(component_of)
            .collect(),
    )
}

async fn create_component(
    p: ComponentsCreateParams,
    cx: Ctx<AppState>,
) -> Result<Component, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let mut body = json!({"name": p.name, "project": p.project.to_uppercase()});
    set(&mut body, &[("description", &p.description)]);
    let made = s.client.create_component(body).await;
    changed(&cx, &s, Family::Components, false);
    Ok(component_of(&made?))
}

async fn update_component(
    p: ComponentsUpdateParams,
    cx: Ctx<AppState>,
) -> Result<Component, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let mut body = json!({});
    set(
        &mut body,
        &[("name", &p.name), ("description", &p.description)],
    );
    if body.as_object().is_some_and(|o| o.is_empty()) {
        return Err(
            JiraError::invalid_field("id", "nothing to change: give a field to set").into(),
        );
    }
    let done = s.client.update_component(&p.id, body).await;
    changed(&cx, &s, Family::Components, false);
    Ok(component_of(&done?))
}

async fn delete_component(p: ComponentsDeleteParams, cx: Ctx<AppState>) -> Result<Empty, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let done = s
        .client
        .delete_component(&p.id, p.move_issues_to.as_deref())
        .await;
    changed(&cx, &s, Family::Components, true);
    done?;
    Ok(Empty {})
}
