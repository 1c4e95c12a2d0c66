//! Metadata routes: createmeta issue types and fields, myself, projects, fields, serverInfo,
//! priorities and user searches.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::model::{self, PRIORITIES};
use crate::render::{self, Ctx, Flavor};
use crate::store::{Inner, Project};
use crate::util::{jira_err, json_resp, Query, Resp};

fn no_project(k: &str) -> Resp {
    jira_err(
        StatusCode::NOT_FOUND,
        &format!("No project could be found with key '{k}'."),
    )
}

fn page(q: &Query, default: i64, cap: i64) -> Result<(usize, usize), Resp> {
    let start = q.int("startAt", 0)?.max(0) as usize;
    let max = q.int("maxResults", default)?;
    if max > cap {
        return Err(jira_err(
            StatusCode::BAD_REQUEST,
            &format!("Parameter 'maxResults' must not exceed the limit '{cap}'"),
        ));
    }
    Ok((start, max.max(0) as usize))
}

/// `GET /issue/createmeta/{p}/issuetypes`.
pub fn createmeta_types(ctx: &Ctx, inner: &Inner, p: &str, q: &Query) -> Resp {
    let Some(proj) = inner.project(p) else {
        return no_project(p);
    };
    let (start, max) = match page(q, 50, 200) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let all: Vec<Value> = model::project_types(&proj.key)
        .map(|t| model::issuetype_json(&ctx.base, t.0))
        .collect();
    let vals: Vec<Value> = all.iter().skip(start).take(max).cloned().collect();
    json_resp(
        StatusCode::OK,
        &json!({"issueTypes": vals, "maxResults": max, "startAt": start, "total": all.len()}),
    )
}

/// `GET /issue/createmeta/{p}/issuetypes/{id}`.
pub fn createmeta_fields(ctx: &Ctx, inner: &Inner, p: &str, type_id: &str, q: &Query) -> Resp {
    let Some(proj) = inner.project(p) else {
        return no_project(p);
    };
    if !model::project_types(&proj.key).any(|t| t.0 == type_id) {
        return jira_err(
            StatusCode::NOT_FOUND,
            &format!("The issue type with id '{type_id}' does not exist."),
        );
    }
    let (start, max) = match page(q, 50, 200) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let all: Vec<Value> = model::create_screen(type_id)
        .into_iter()
        .filter_map(|(id, required)| {
            let fd = model::field(id)?;
            let schema = model::schema(fd);
            let mut f = json!({
                "required": required, "schema": schema, "name": fd.name, "key": id, "fieldId": id,
                "hasDefaultValue": matches!(id, "priority" | "reporter"),
                "operations": if id == "labels" { json!(["add", "set", "remove"]) } else { json!(["set"]) }
            });
            match id {
                "project" => f["allowedValues"] = json!([render::project_short(ctx, proj)]),
                "issuetype" => f["allowedValues"] = json!([model::issuetype_json(&ctx.base, type_id)]),
                "priority" => {
                    f["allowedValues"] = json!(PRIORITIES.iter().map(|p| model::priority_json(&ctx.base, p.0)).collect::<Vec<_>>());
                    f["defaultValue"] = model::priority_json(&ctx.base, "3");
                }
                model::CF_SEVERITY => {
                    f["allowedValues"] = json!(model::SEVERITY.iter().map(|(oid, v)| json!({"self": format!("{}/customFieldOption/{oid}", ctx.base), "value": v, "id": oid})).collect::<Vec<_>>());
                }
                "assignee" | "reporter" => f["autoCompleteUrl"] = json!(format!("{}/user/search?query=", ctx.base)),
                "labels" => f["autoCompleteUrl"] = json!(format!("{}/label/suggest?query=", ctx.base)),
                "parent" => f["autoCompleteUrl"] = json!(format!("{}/issue/picker?query=", ctx.base)),
                _ => {}
            }
            Some(f)
        })
        .collect();
    let vals: Vec<Value> = all.iter().skip(start).take(max).cloned().collect();
    json_resp(
        StatusCode::OK,
        &json!({"fields": vals, "maxResults": max, "startAt": start, "total": all.len()}),
    )
}

/// `GET /myself`.
pub fn myself(ctx: &Ctx, inner: &Inner) -> Resp {
    match inner.user(&ctx.me) {
        Some(u) => {
            let mut v = render::user(ctx, u);
            v["groups"] = json!({"size": 2, "items": []});
            v["applicationRoles"] = json!({"size": 1, "items": []});
            v["expand"] = json!("groups,applicationRoles");
            v["locale"] = json!("en_US");
            json_resp(StatusCode::OK, &v)
        }
        None => jira_err(
            StatusCode::UNAUTHORIZED,
            "You are not authenticated. Authentication required to perform this operation.",
        ),
    }
}

/// Full project JSON.
pub fn project_full(ctx: &Ctx, inner: &Inner, p: &Project) -> Value {
    let mut v = render::project_short(ctx, p);
    v["description"] = json!(format!("{} for fake-jira", p.name));
    v["lead"] = inner
        .user(&p.lead)
        .map(|u| render::user(ctx, u))
        .unwrap_or(Value::Null);
    v["issueTypes"] = json!(model::project_types(&p.key)
        .map(|t| model::issuetype_json(&ctx.base, t.0))
        .collect::<Vec<_>>());
    v["assigneeType"] = json!("UNASSIGNED");
    v["style"] = json!("classic");
    v["isPrivate"] = json!(false);
    let key = v["key"].as_str().unwrap_or_default().to_owned();
    v["components"] = json!(inner
        .components
        .iter()
        .filter(|c| c.project == key)
        .map(|c| super::versions::component_json(ctx, c))
        .collect::<Vec<_>>());
    v["versions"] = json!(inner
        .versions
        .iter()
        .filter(|x| x.project == key)
        .map(|x| super::versions::version_json(ctx, inner, x))
        .collect::<Vec<_>>());
    v["roles"] = json!({});
    v
}

/// `GET /project/{p}`.
pub fn project(ctx: &Ctx, inner: &Inner, p: &str) -> Resp {
    match inner.project(p) {
        Some(pr) => json_resp(StatusCode::OK, &project_full(ctx, inner, pr)),
        None => no_project(p),
    }
}

/// `GET /project` (all projects, a plain array).
pub fn project_list(ctx: &Ctx, inner: &Inner) -> Resp {
    json_resp(
        StatusCode::OK,
        &Value::Array(
            inner
                .projects
                .values()
                .map(|p| render::project_short(ctx, p))
                .collect(),
        ),
    )
}

/// `GET /project/search`.
pub fn project_search(ctx: &Ctx, inner: &Inner, q: &Query) -> Resp {
    let start = match q.int("startAt", 0) {
        Ok(v) => v.max(0) as usize,
        Err(r) => return r,
    };
    let max = match q.int("maxResults", 50) {
        Ok(v) => v.clamp(0, 100) as usize,
        Err(r) => return r,
    };
    let query = q.get("query").unwrap_or("").to_lowercase();
    let keys = q.list("keys");
    let all: Vec<&Project> = inner
        .projects
        .values()
        .filter(|p| {
            query.is_empty()
                || p.key.to_lowercase().contains(&query)
                || p.name.to_lowercase().contains(&query)
        })
        .filter(|p| keys.is_empty() || keys.iter().any(|k| k.eq_ignore_ascii_case(&p.key)))
        .collect();
    let vals: Vec<Value> = all
        .iter()
        .skip(start)
        .take(max)
        .map(|p| {
            let mut v = render::project_short(ctx, p);
            v["style"] = json!("classic");
            v["isPrivate"] = json!(false);
            v
        })
        .collect();
    let is_last = start + vals.len() >= all.len();
    let mut out = json!({"self": format!("{}/project/search?maxResults={max}&startAt={start}", ctx.base), "maxResults": max, "startAt": start, "total": all.len(), "isLast": is_last, "values": vals});
    if !is_last {
        out["nextPage"] = json!(format!(
            "{}/project/search?maxResults={max}&startAt={}",
            ctx.base,
            start + max
        ));
    }
    json_resp(StatusCode::OK, &out)
}

/// `GET /field`.
pub fn fields(_ctx: &Ctx) -> Resp {
    let v: Vec<Value> = model::FIELDS
        .iter()
        .map(|f| {
            let mut v = json!({
                "id": f.id, "key": f.id, "name": f.name, "custom": f.custom.is_some(), "orderable": f.orderable,
                "navigable": f.navigable, "searchable": true, "clauseNames": [f.id], "schema": model::schema(f)
            });
            if f.custom.is_some() {
                v["clauseNames"] = json!([f.id, format!("cf[{}]", f.id.trim_start_matches("customfield_")), f.name]);
            }
            v
        })
        .collect();
    json_resp(StatusCode::OK, &Value::Array(v))
}

/// `GET /serverInfo`.
pub fn server_info(ctx: &Ctx, now: i64) -> Resp {
    let v = match ctx.flavor {
        Flavor::Cloud => {
            json!({"baseUrl": ctx.root, "version": "1001.0.0-SNAPSHOT", "versionNumbers": [1001, 0, 0], "deploymentType": "Cloud",
            "buildNumber": 100280, "buildDate": "2026-11-27T06:00:00.000+0000", "serverTime": crate::util::jira_time(now),
            "scmInfo": "32b43b28d3f0c3ee7f2535b395e90b205ac3bc6f", "serverTitle": "Jira", "serverTimeZone": "Etc/UTC"})
        }
        Flavor::Dc => {
            json!({"baseUrl": ctx.root, "version": "9.12.15", "versionNumbers": [9, 12, 15], "deploymentType": "Server",
            "buildNumber": 9120015, "buildDate": "2024-10-01T00:00:00.000+0000", "serverTime": crate::util::jira_time(now),
            "scmInfo": "0f1c2d3e", "serverTitle": "Jira"})
        }
    };
    json_resp(StatusCode::OK, &v)
}

/// `GET /priority`.
pub fn priorities(ctx: &Ctx) -> Resp {
    let v: Vec<Value> = PRIORITIES
        .iter()
        .map(|p| {
            let mut j = model::priority_json(&ctx.base, p.0);
            j["statusColor"] = json!(p.2);
            j["description"] = json!(format!("{} priority", p.1));
            j
        })
        .collect();
    json_resp(StatusCode::OK, &Value::Array(v))
}

/// `GET /user/search` and `/user/assignable/search`.
pub fn user_search(ctx: &Ctx, inner: &Inner, q: &Query, assignable: bool) -> Resp {
    let query = q
        .get("query")
        .or_else(|| q.get("username"))
        .unwrap_or("")
        .to_lowercase();
    let account = q.get("accountId");
    if assignable
        && q.get("project").is_none()
        && q.get("issueKey").is_none()
        && q.get("issueId").is_none()
    {
        return jira_err(
            StatusCode::BAD_REQUEST,
            "At least one of 'issueKey', 'issueId' or 'project' is required.",
        );
    }
    if let Some(p) = q.get("project") {
        if inner.project(p).is_none() {
            return no_project(p);
        }
    }
    if !assignable && query.is_empty() && account.is_none() && ctx.flavor == Flavor::Cloud {
        return jira_err(
            StatusCode::BAD_REQUEST,
            "One of 'query' or 'accountId' parameters must be provided.",
        );
    }
    let max = match q.int("maxResults", 50) {
        Ok(v) => v.clamp(0, 1000) as usize,
        Err(r) => return r,
    };
    let v: Vec<Value> = inner
        .users
        .iter()
        .filter(|u| account.is_none_or(|a| a == u.account_id))
        .filter(|u| {
            query.is_empty()
                || u.display_name.to_lowercase().contains(&query)
                || u.email.to_lowercase().starts_with(&query)
                || u.name.starts_with(&query)
        })
        .take(max)
        .map(|u| render::user(ctx, u))
        .collect();
    json_resp(StatusCode::OK, &Value::Array(v))
}

/// `GET /issue/{k}/editmeta`: the fields of the issue's type that can be edited.
pub fn editmeta(ctx: &Ctx, inner: &Inner, key: &str) -> Resp {
    let Some(i) = inner.find(key).and_then(|id| inner.issues.get(&id)) else {
        return crate::util::issue_404();
    };
    let mut fields = serde_json::Map::new();
    for (id, required) in model::create_screen(&i.issuetype) {
        if id == "project" {
            continue;
        }
        let Some(fd) = model::field(id) else { continue };
        let mut f = json!({
            "required": required, "schema": model::schema(fd), "name": fd.name, "key": id,
            "operations": if id == "labels" { json!(["add", "set", "remove"]) } else { json!(["set"]) }
        });
        match id {
            "priority" => f["allowedValues"] = json!(PRIORITIES.iter().map(|p| model::priority_json(&ctx.base, p.0)).collect::<Vec<_>>()),
            "issuetype" => f["allowedValues"] = json!([model::issuetype_json(&ctx.base, &i.issuetype)]),
            model::CF_SEVERITY => {
                f["allowedValues"] = json!(model::SEVERITY.iter().map(|(oid, v)| json!({"self": format!("{}/customFieldOption/{oid}", ctx.base), "value": v, "id": oid})).collect::<Vec<_>>())
            }
            "assignee" | "reporter" => f["autoCompleteUrl"] = json!(format!("{}/user/search?query=", ctx.base)),
            _ => {}
        }
        fields.insert(id.to_string(), f);
    }
    json_resp(StatusCode::OK, &json!({"fields": fields}))
}

/// `GET /user?accountId=` (Cloud) or `?username=` / `?key=` (Data Center).
pub fn get_user(ctx: &Ctx, inner: &Inner, q: &Query) -> Resp {
    let want = q
        .get("accountId")
        .or_else(|| q.get("username"))
        .or_else(|| q.get("key"));
    let Some(want) = want else {
        return jira_err(
            StatusCode::BAD_REQUEST,
            "The query parameter 'accountId' is required.",
        );
    };
    match inner.user_any(want) {
        Some(u) => json_resp(StatusCode::OK, &render::user(ctx, u)),
        None => jira_err(
            StatusCode::NOT_FOUND,
            "Specified user does not exist or you do not have required permissions",
        ),
    }
}
