//! Project versions and components: list, create, update, reorder, merge and delete
//! (`/project/{p}/versions`, `/version`, `/project/{p}/components`, `/component`), and the issue
//! fields naming them (`fixVersions`, `versions`, `components`).

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::render::Ctx;
use crate::store::{Component, Inner, Version};
use crate::util::{empty, jira_err, jira_field_errs, json_resp, Query, Resp};

/// A version's JSON.
pub fn version_json(ctx: &Ctx, inner: &Inner, v: &Version) -> Value {
    let project_id = inner.project(&v.project).map(|p| p.id).unwrap_or(0);
    let mut j = json!({"self": format!("{}/version/{}", ctx.base, v.id), "id": v.id.to_string(),
                       "name": v.name, "archived": v.archived, "released": v.released,
                       "projectId": project_id});
    if let Some(d) = &v.description {
        j["description"] = json!(d);
    }
    if let Some(d) = &v.release_date {
        j["releaseDate"] = json!(d);
    }
    if let Some(d) = &v.start_date {
        j["startDate"] = json!(d);
    }
    j
}

/// A component's JSON.
pub fn component_json(ctx: &Ctx, c: &Component) -> Value {
    let mut j = json!({"self": format!("{}/component/{}", ctx.base, c.id), "id": c.id.to_string(),
                       "name": c.name, "project": c.project});
    if let Some(d) = &c.description {
        j["description"] = json!(d);
    }
    j
}

fn no_project(key: &str) -> Resp {
    jira_err(
        StatusCode::NOT_FOUND,
        &format!("No project could be found with key '{key}'."),
    )
}

/// `GET /project/{p}/versions`.
pub fn list(ctx: &Ctx, inner: &Inner, project: &str) -> Resp {
    let Some(p) = inner.project(project) else {
        return no_project(project);
    };
    let all: Vec<Value> = inner
        .versions
        .iter()
        .filter(|v| v.project == p.key)
        .map(|v| version_json(ctx, inner, v))
        .collect();
    json_resp(StatusCode::OK, &Value::Array(all))
}

/// `GET /project/{p}/components`.
pub fn list_components(ctx: &Ctx, inner: &Inner, project: &str) -> Resp {
    let Some(p) = inner.project(project) else {
        return no_project(project);
    };
    let all: Vec<Value> = inner
        .components
        .iter()
        .filter(|c| c.project == p.key)
        .map(|c| component_json(ctx, c))
        .collect();
    json_resp(StatusCode::OK, &Value::Array(all))
}

fn date(body: &Value, k: &str) -> Result<Option<String>, Resp> {
    match body.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.len() == 10 && crate::util::parse_date(s).is_some() => {
            Ok(Some(s.clone()))
        }
        Some(_) => Err(jira_field_errs(
            StatusCode::BAD_REQUEST,
            [(
                k.to_string(),
                json!(format!("Invalid date format for {k}. Use yyyy-MM-dd.")),
            )]
            .into_iter()
            .collect(),
        )),
    }
}

/// `POST /version`: `{name, projectId | project, description?, releaseDate?, startDate?}`.
pub fn create(ctx: &Ctx, inner: &mut Inner, body: &Value) -> Resp {
    let project = body["projectId"]
        .as_u64()
        .map(|n| n.to_string())
        .or(body["projectId"].as_str().map(str::to_owned))
        .or(body["project"].as_str().map(str::to_owned));
    let Some(project) = project else {
        return jira_err(
            StatusCode::BAD_REQUEST,
            "Project must be specified to create a version.",
        );
    };
    let Some(key) = inner.project(&project).map(|p| p.key.clone()) else {
        return jira_err(StatusCode::NOT_FOUND, &format!("Project with key '{project}' either does not exist or you do not have permission to create versions in it."));
    };
    let name = body["name"].as_str().unwrap_or("").trim().to_owned();
    if name.is_empty() {
        return jira_field_errs(
            StatusCode::BAD_REQUEST,
            [(
                "name".to_string(),
                json!("You must specify a valid version name"),
            )]
            .into_iter()
            .collect(),
        );
    }
    if inner
        .versions
        .iter()
        .any(|v| v.project == key && v.name.eq_ignore_ascii_case(&name))
    {
        return jira_field_errs(
            StatusCode::BAD_REQUEST,
            [(
                "name".to_string(),
                json!("A version with this name already exists in this project."),
            )]
            .into_iter()
            .collect(),
        );
    }
    let (release_date, start_date) = match (date(body, "releaseDate"), date(body, "startDate")) {
        (Ok(r), Ok(s)) => (r, s),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let id = inner.next_version_id;
    inner.next_version_id += 1;
    let v = Version {
        id,
        project: key,
        name,
        description: body["description"].as_str().map(str::to_owned),
        released: body["released"].as_bool().unwrap_or(false),
        archived: body["archived"].as_bool().unwrap_or(false),
        release_date,
        start_date,
    };
    inner.versions.push(v.clone());
    json_resp(StatusCode::CREATED, &version_json(ctx, inner, &v))
}

fn no_version(id: &str) -> Resp {
    jira_err(
        StatusCode::NOT_FOUND,
        &format!("Could not find version for id '{id}'"),
    )
}

/// `GET /version/{id}`.
pub fn get(ctx: &Ctx, inner: &Inner, id: &str) -> Resp {
    match inner.versions.iter().find(|v| v.id.to_string() == id) {
        Some(v) => json_resp(StatusCode::OK, &version_json(ctx, inner, v)),
        None => no_version(id),
    }
}

/// `PUT /version/{id}`: what the body names changes (release, archive, dates, name).
pub fn update(ctx: &Ctx, inner: &mut Inner, id: &str, body: &Value) -> Resp {
    let Some(at) = inner.versions.iter().position(|v| v.id.to_string() == id) else {
        return no_version(id);
    };
    let mut v = inner.versions[at].clone();
    if let Some(name) = body["name"].as_str() {
        let taken = inner
            .versions
            .iter()
            .any(|o| o.id != v.id && o.project == v.project && o.name.eq_ignore_ascii_case(name));
        if taken {
            return jira_field_errs(
                StatusCode::BAD_REQUEST,
                [(
                    "name".to_string(),
                    json!("A version with this name already exists in this project."),
                )]
                .into_iter()
                .collect(),
            );
        }
        v.name = name.to_owned();
    }
    match (date(body, "releaseDate"), date(body, "startDate")) {
        (Ok(r), Ok(s)) => {
            if body.get("releaseDate").is_some() {
                v.release_date = r;
            }
            if body.get("startDate").is_some() {
                v.start_date = s;
            }
        }
        (Err(e), _) | (_, Err(e)) => return e,
    }
    if let Some(d) = body.get("description") {
        v.description = d.as_str().map(str::to_owned);
    }
    if let Some(r) = body["released"].as_bool() {
        v.released = r;
    }
    if let Some(a) = body["archived"].as_bool() {
        v.archived = a;
    }
    inner.versions[at] = v.clone();
    json_resp(StatusCode::OK, &version_json(ctx, inner, &v))
}

/// `POST /version/{id}/move`: `{"position": First|Last|Earlier|Later}` or `{"after": <version
/// self URL>}`, one of them; the project's versions are listed in this order.
pub fn move_version(ctx: &Ctx, inner: &mut Inner, id: &str, body: &Value) -> Resp {
    let Some(at) = inner.versions.iter().position(|v| v.id.to_string() == id) else {
        return no_version(id);
    };
    let project = inner.versions[at].project.clone();
    let position = body.get("position").filter(|v| !v.is_null());
    let after = body.get("after").filter(|v| !v.is_null());
    // Indexes of the project's versions in `inner.versions`, in order.
    let slots: Vec<usize> = (0..inner.versions.len())
        .filter(|&i| inner.versions[i].project == project)
        .collect();
    let Some(me) = slots.iter().position(|&i| i == at) else {
        return no_version(id);
    };
    let mut order: Vec<usize> = slots.clone();
    let moving = order.remove(me);
    let to = match (position, after) {
        (Some(_), Some(_)) => {
            return jira_err(
                StatusCode::BAD_REQUEST,
                "Only one of 'position' and 'after' can be specified.",
            )
        }
        (None, None) => {
            return jira_err(
                StatusCode::BAD_REQUEST,
                "A 'position' or an 'after' version must be specified.",
            )
        }
        (Some(p), None) => match p.as_str() {
            Some("First") => 0,
            Some("Last") => order.len(),
            Some("Earlier") => me.saturating_sub(1),
            Some("Later") => (me + 1).min(order.len()),
            _ => {
                return jira_err(
                    StatusCode::BAD_REQUEST,
                    &format!(
                        "Invalid position '{}'.",
                        p.as_str().unwrap_or(&p.to_string())
                    ),
                )
            }
        },
        (None, Some(a)) => {
            let url = a.as_str().unwrap_or("");
            let other = url.trim_end_matches('/').rsplit('/').next().unwrap_or("");
            let Some(k) = order
                .iter()
                .position(|&i| inner.versions[i].id.to_string() == other)
            else {
                return no_version(other);
            };
            k + 1
        }
    };
    order.insert(to, moving);
    let reordered: Vec<Version> = order.iter().map(|&i| inner.versions[i].clone()).collect();
    for (slot, v) in slots.iter().zip(reordered) {
        inner.versions[*slot] = v;
    }
    let moved = inner.versions.iter().find(|v| v.id.to_string() == id);
    match moved {
        Some(v) => json_resp(StatusCode::OK, &version_json(ctx, inner, v)),
        None => no_version(id),
    }
}

/// A replacement version for the issues of `gone`: same project, not itself.
fn replacement(inner: &Inner, gone: &Version, to: &Value, what: &str) -> Result<Option<u64>, Resp> {
    let id = match to {
        Value::Null => return Ok(None),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.is_empty() => return Ok(None),
        Value::String(s) => s.clone(),
        _ => {
            return Err(jira_err(
                StatusCode::BAD_REQUEST,
                &format!("The {what} version must be a version id."),
            ))
        }
    };
    match inner.versions.iter().find(|v| v.id.to_string() == id) {
        Some(v) if v.id == gone.id => Err(jira_err(
            StatusCode::BAD_REQUEST,
            &format!("The {what} version cannot be the version being deleted."),
        )),
        Some(v) if v.project != gone.project => Err(jira_err(
            StatusCode::BAD_REQUEST,
            &format!(
                "The {what} version must be in the same project as the version being deleted."
            ),
        )),
        Some(v) => Ok(Some(v.id)),
        None => Err(no_version(&id)),
    }
}

/// Replaces `gone` by `with` (or drops it) in an issue's version list, keeping each once.
fn swap(list: &mut Vec<u64>, gone: u64, with: Option<u64>) {
    if !list.contains(&gone) {
        return;
    }
    list.retain(|v| *v != gone);
    if let Some(w) = with.filter(|w| !list.contains(w)) {
        list.push(w);
    }
}

/// Deletes a version, moving its fix and affects issues to the replacements given (else the
/// issues lose it).
fn remove_version(inner: &mut Inner, id: &str, fix_to: &Value, affected_to: &Value) -> Resp {
    let Some(gone) = inner
        .versions
        .iter()
        .find(|v| v.id.to_string() == id)
        .cloned()
    else {
        return no_version(id);
    };
    let fix = match replacement(inner, &gone, fix_to, "fix") {
        Ok(v) => v,
        Err(r) => return r,
    };
    let affected = match replacement(inner, &gone, affected_to, "affected") {
        Ok(v) => v,
        Err(r) => return r,
    };
    let now = inner.now();
    for i in inner
        .issues
        .values_mut()
        .filter(|i| i.project == gone.project)
    {
        let before = (i.fix_versions.clone(), i.affects_versions.clone());
        swap(&mut i.fix_versions, gone.id, fix);
        swap(&mut i.affects_versions, gone.id, affected);
        if before != (i.fix_versions.clone(), i.affects_versions.clone()) {
            i.updated = now;
        }
    }
    inner.versions.retain(|v| v.id != gone.id);
    empty(StatusCode::NO_CONTENT)
}

/// `POST /version/{id}/removeAndSwap`: `{moveFixIssuesTo?, moveAffectedIssuesTo?,
/// customFieldReplacementList?}` (no version-picker custom fields here).
pub fn remove_and_swap(inner: &mut Inner, id: &str, body: &Value) -> Resp {
    remove_version(
        inner,
        id,
        &body["moveFixIssuesTo"],
        &body["moveAffectedIssuesTo"],
    )
}

/// `DELETE /version/{id}?moveFixIssuesTo=&moveAffectedIssuesTo=` (deprecated on Cloud).
pub fn delete(inner: &mut Inner, id: &str, q: &Query) -> Resp {
    let param = |k: &str| q.get(k).map_or(Value::Null, |v| json!(v));
    remove_version(
        inner,
        id,
        &param("moveFixIssuesTo"),
        &param("moveAffectedIssuesTo"),
    )
}

/// `PUT /version/{id}/mergeto/{to}`: the issues fixed in `id` are fixed in `to`, and `id` is
/// deleted.
pub fn merge(inner: &mut Inner, id: &str, to: &str) -> Resp {
    if !inner.versions.iter().any(|v| v.id.to_string() == to) {
        return no_version(to);
    }
    remove_version(inner, id, &json!(to), &Value::Null)
}

fn no_component(id: &str) -> Resp {
    jira_err(
        StatusCode::NOT_FOUND,
        &format!("The component with id '{id}' does not exist."),
    )
}

/// `GET /component/{id}`.
pub fn get_component(ctx: &Ctx, inner: &Inner, id: &str) -> Resp {
    match inner.components.iter().find(|c| c.id.to_string() == id) {
        Some(c) => json_resp(StatusCode::OK, &component_json(ctx, c)),
        None => no_component(id),
    }
}

/// `PUT /component/{id}`: what the body names changes (name, description).
pub fn update_component(ctx: &Ctx, inner: &mut Inner, id: &str, body: &Value) -> Resp {
    let Some(at) = inner.components.iter().position(|c| c.id.to_string() == id) else {
        return no_component(id);
    };
    let mut c = inner.components[at].clone();
    if let Some(name) = body.get("name").filter(|n| !n.is_null()) {
        let name = name.as_str().unwrap_or("").trim().to_owned();
        if let Err(r) = component_name(inner, &c.project, &name, Some(c.id)) {
            return r;
        }
        c.name = name;
    }
    if let Some(d) = body.get("description") {
        c.description = d.as_str().map(str::to_owned);
    }
    inner.components[at] = c.clone();
    json_resp(StatusCode::OK, &component_json(ctx, &c))
}

/// `DELETE /component/{id}?moveIssuesTo=`: its issues get the replacement, or lose it.
pub fn delete_component(inner: &mut Inner, id: &str, q: &Query) -> Resp {
    let Some(gone) = inner
        .components
        .iter()
        .find(|c| c.id.to_string() == id)
        .cloned()
    else {
        return no_component(id);
    };
    let with = match q.get("moveIssuesTo").filter(|m| !m.is_empty()) {
        None => None,
        Some(m) => match inner
            .components
            .iter()
            .find(|c| c.id.to_string() == m && c.id != gone.id)
        {
            Some(c) => Some(c.id),
            None => return no_component(m),
        },
    };
    let now = inner.now();
    for i in inner.issues.values_mut() {
        if i.components.contains(&gone.id) {
            swap(&mut i.components, gone.id, with);
            i.updated = now;
        }
    }
    inner.components.retain(|c| c.id != gone.id);
    empty(StatusCode::NO_CONTENT)
}

/// A component name Jira takes: 1 to 255 characters, unique in the project (but for `except`).
fn component_name(
    inner: &Inner,
    project: &str,
    name: &str,
    except: Option<u64>,
) -> Result<(), Resp> {
    if name.is_empty() || name.chars().count() > 255 {
        return Err(jira_field_errs(
            StatusCode::BAD_REQUEST,
            [(
                "name".to_string(),
                json!("The component name must be 1 to 255 characters."),
            )]
            .into_iter()
            .collect(),
        ));
    }
    if inner
        .components
        .iter()
        .any(|c| Some(c.id) != except && c.project == project && c.name.eq_ignore_ascii_case(name))
    {
        return Err(jira_field_errs(
            StatusCode::BAD_REQUEST,
            [(
                "name".to_string(),
                json!(format!(
                    "A component with the name {name} already exists in this project."
                )),
            )]
            .into_iter()
            .collect(),
        ));
    }
    Ok(())
}

/// `POST /component`: `{name, project, description?}`.
pub fn create_component(ctx: &Ctx, inner: &mut Inner, body: &Value) -> Resp {
    let project = body["project"].as_str().unwrap_or("");
    let Some(key) = inner.project(project).map(|p| p.key.clone()) else {
        return jira_field_errs(
            StatusCode::BAD_REQUEST,
            [("project".to_string(), json!("The project is not valid."))]
                .into_iter()
                .collect(),
        );
    };
    let name = body["name"].as_str().unwrap_or("").trim().to_owned();
    if let Err(r) = component_name(inner, &key, &name, None) {
        return r;
    }
    let id = inner.next_version_id;
    inner.next_version_id += 1;
    let c = Component {
        id,
        project: key,
        name,
        description: body["description"].as_str().map(str::to_owned),
    };
    inner.components.push(c.clone());
    json_resp(StatusCode::CREATED, &component_json(ctx, &c))
}

/// The ids of the versions or components an issue field names (`[{"name"} | {"id"}]`), or the
/// message Jira gives for one that is not in the project.
pub fn ids_in(inner: &Inner, project: &str, field: &str, v: &Value) -> Result<Vec<u64>, String> {
    let Some(items) = v.as_array() else {
        return if v.is_null() {
            Ok(vec![])
        } else {
            Err(format!("Field '{field}' must be an array."))
        };
    };
    let mut out = Vec::new();
    for item in items {
        let name = item["name"].as_str();
        let id = item["id"]
            .as_str()
            .map(str::to_owned)
            .or(item["id"].as_u64().map(|n| n.to_string()));
        let found = if field != "components" {
            inner
                .versions
                .iter()
                .find(|x| {
                    x.project == project
                        && (name.is_some_and(|n| x.name == n)
                            || id.as_deref() == Some(&x.id.to_string()))
                })
                .map(|x| x.id)
        } else {
            inner
                .components
                .iter()
                .find(|x| {
                    x.project == project
                        && (name.is_some_and(|n| x.name == n)
                            || id.as_deref() == Some(&x.id.to_string()))
                })
                .map(|x| x.id)
        };
        match found {
            Some(i) => out.push(i),
            None => {
                let what = if field != "components" {
                    "Version"
                } else {
                    "Component"
                };
                let shown = name.map(str::to_owned).or(id).unwrap_or_default();
                return Err(format!("{what} name '{shown}' is not valid"));
            }
        }
    }
    Ok(out)
}
