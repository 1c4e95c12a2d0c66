//! `versions/list`, `versions/create`, `versions/update`, `components/list`, `components/create`.

use super::projects::text;
use super::{jira, ApiError};
use crate::jira::JiraError;
use crate::rpc::Routes;
use crate::rpc::{Ctx, Register};
use crate::service::state::AppState;
use jirad_protocol::versions::*;
use serde_json::{json, Value};

/// Registers the family.
pub fn register_all(m: &mut Routes<AppState>) {
    m.request::<VersionsList>(list)
        .request::<VersionsCreate>(create)
        .request::<VersionsUpdate>(update)
        .request::<ComponentsList>(components)
        .request::<ComponentsCreate>(create_component);
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

async fn list(p: VersionsListParams, cx: Ctx<AppState>) -> Result<Vec<Version>, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    Ok(s.client
        .versions(&p.project)
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
    Ok(version_of(&s.client.create_version(body).await?))
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
    Ok(version_of(&s.client.update_version(&p.id, body).await?))
}

async fn components(
    p: ComponentsListParams,
    cx: Ctx<AppState>,
) -> Result<Vec<Component>, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    Ok(s.client
        .components(&p.project)
        .await?
        .iter()
        .map(component_of)
        .collect())
}

async fn create_component(
    p: ComponentsCreateParams,
    cx: Ctx<AppState>,
) -> Result<Component, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let mut body = json!({"name": p.name, "project": p.project.to_uppercase()});
    set(&mut body, &[("description", &p.description)]);
    Ok(component_of(&s.client.create_component(body).await?))
}
