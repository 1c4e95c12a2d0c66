//! `versions/*` and `components/*`: a project's versions and components, listed, created,
//! changed, reordered, merged and deleted.
//!
//! The lists are project metadata: read through the shared cache with the meta TTL (`fresh: true`
//! asks Jira), one entry per project for all states, and forgotten after any write to versions
//! (or components) through the daemon. A merge or delete moves issues to other versions, so it
//! also forgets the profile's cached issues and lists.

use super::cached::read_through;
use super::projects::text;
use super::state::AppState;
use super::{ApiError, JiraSession};
use crate::cache::{CacheKey, MetaKey};
use crate::jira::JiraError;
use jirad_protocol::versions::*;
use serde_json::{json, Value};

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
    app: &AppState,
    s: &JiraSession,
    family: Family,
    project: &str,
    fresh: bool,
) -> Result<Vec<Value>, ApiError> {
    let client = s.client.clone();
    let project = project.to_owned();
    let key = family.key(&project);
    read_through(&app.cache, &s.ns, key, fresh, move || async move {
        match family {
            Family::Versions => client.versions(&project).await,
            Family::Components => client.components(&project).await,
        }
    })
    .await
}

/// After a write through the daemon (whatever its outcome: a timed-out write may have landed):
/// the family's cached lists go, and with `issues_too` the issues and lists that may name it.
fn changed(app: &AppState, s: &JiraSession, family: Family, issues_too: bool) {
    let prefix = family.prefix();
    app.cache.meta_changed(
        &s.ns,
        |m| matches!(m, MetaKey::Other(k) if k.starts_with(prefix)),
        issues_too,
    );
}

/// A project's versions: archived ones only with `archived`, and of one `released` state when
/// given.
pub async fn list(
    app: &AppState,
    s: &JiraSession,
    project: &str,
    released: Option<bool>,
    archived: bool,
    fresh: bool,
) -> Result<Vec<Version>, ApiError> {
    Ok(cached_list(app, s, Family::Versions, project, fresh)
        .await?
        .iter()
        .map(version_of)
        .filter(|v| archived || !v.archived)
        .filter(|v| released.is_none_or(|r| v.released == r))
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

/// Creates a version in a project named by key or id.
pub async fn create(
    app: &AppState,
    s: &JiraSession,
    p: &VersionsCreateParams,
) -> Result<Version, ApiError> {
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
    changed(app, s, Family::Versions, false);
    Ok(version_of(&made?))
}

/// Changes the fields of a version the params name.
pub async fn update(
    app: &AppState,
    s: &JiraSession,
    p: &VersionsUpdateParams,
) -> Result<Version, ApiError> {
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
    changed(app, s, Family::Versions, false);
    Ok(version_of(&done?))
}

/// Moves a version to a position, or after another version.
pub async fn move_version(
    app: &AppState,
    s: &JiraSession,
    p: &VersionsMoveParams,
) -> Result<Version, ApiError> {
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
    changed(app, s, Family::Versions, false);
    Ok(version_of(&done?))
}

/// Merges version `id` into `into` (its issues move there; `id` is deleted).
pub async fn merge(app: &AppState, s: &JiraSession, id: &str, into: &str) -> Result<(), ApiError> {
    if id == into {
        return Err(
            JiraError::invalid_field("into", "a version cannot be merged into itself").into(),
        );
    }
    let done = s.client.merge_version(id, into).await;
    changed(app, s, Family::Versions, true);
    done?;
    Ok(())
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

/// Deletes a version, moving its issues where the params say.
pub async fn delete(
    app: &AppState,
    s: &JiraSession,
    p: &VersionsDeleteParams,
) -> Result<(), ApiError> {
    let mut body = json!({});
    if let Some(to) = version_number(&p.move_fix_issues_to, "moveFixIssuesTo")? {
        body["moveFixIssuesTo"] = json!(to);
    }
    if let Some(to) = version_number(&p.move_affected_issues_to, "moveAffectedIssuesTo")? {
        body["moveAffectedIssuesTo"] = json!(to);
    }
    let done = s.client.delete_version(&p.id, body).await;
    changed(app, s, Family::Versions, true);
    done?;
    Ok(())
}

/// A project's components.
pub async fn components(
    app: &AppState,
    s: &JiraSession,
    project: &str,
    fresh: bool,
) -> Result<Vec<Component>, ApiError> {
    Ok(cached_list(app, s, Family::Components, project, fresh)
        .await?
        .iter()
        .map(component_of)
        .collect())
}

/// Creates a component in a project.
pub async fn create_component(
    app: &AppState,
    s: &JiraSession,
    p: &ComponentsCreateParams,
) -> Result<Component, ApiError> {
    let mut body = json!({"name": p.name, "project": p.project.to_uppercase()});
    set(&mut body, &[("description", &p.description)]);
    let made = s.client.create_component(body).await;
    changed(app, s, Family::Components, false);
    Ok(component_of(&made?))
}

/// Changes the fields of a component the params name.
pub async fn update_component(
    app: &AppState,
    s: &JiraSession,
    p: &ComponentsUpdateParams,
) -> Result<Component, ApiError> {
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
    changed(app, s, Family::Components, false);
    Ok(component_of(&done?))
}

/// Deletes a component, its issues moved to `move_issues_to` when given.
pub async fn delete_component(
    app: &AppState,
    s: &JiraSession,
    id: &str,
    move_issues_to: Option<&str>,
) -> Result<(), ApiError> {
    let done = s.client.delete_component(id, move_issues_to).await;
    changed(app, s, Family::Components, true);
    done?;
    Ok(())
}
