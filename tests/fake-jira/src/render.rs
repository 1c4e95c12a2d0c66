//! JSON shapes of Jira objects (issues with field selection, users, projects, comments) for each
//! flavour: Cloud v3 (ADF), Cloud v2 and Data Center (wiki-markup strings; DC users by name/key).

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use crate::model::{self, FIELDS};
use crate::store::{Comment, Inner, Issue, Project, User};

/// Which product is being played.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// Jira Cloud (site-direct or through the gateway).
    Cloud,
    /// Jira Data Center.
    Dc,
}

/// Per-request rendering context.
#[derive(Clone, Debug)]
pub struct Ctx {
    /// Flavour.
    pub flavor: Flavor,
    /// REST version, 2 or 3.
    pub v: u8,
    /// `http://host/site/rest/api/3`-style base for `self` links.
    pub base: String,
    /// Site root (`http://host/site`), for browse and avatar links.
    pub root: String,
    /// The caller's accountId.
    pub me: String,
}

impl Ctx {
    /// Whether rich text is ADF (v3) rather than wiki markup.
    pub fn adf(&self) -> bool {
        self.v == 3
    }
}

/// Rich text out: ADF on v3, wiki markup on v2 / DC.
pub fn rich(ctx: &Ctx, v: &Option<Value>) -> Value {
    match v {
        None => Value::Null,
        Some(d) if ctx.adf() => d.clone(),
        Some(d) => {
            let mut w = crate::adf::to_wiki(d);
            if ctx.flavor == Flavor::Dc && w.contains("[~accountid:") {
                // Data Center mentions are by username.
                for u in crate::seed::users() {
                    w = w.replace(
                        &format!("[~accountid:{}]", u.account_id),
                        &format!("[~{}]", u.name),
                    );
                }
            }
            json!(w)
        }
    }
}

fn avatars(ctx: &Ctx, seed: &str) -> Value {
    let u = |s: u32| format!("{}/avatar/{seed}?s={s}", ctx.root);
    json!({"48x48": u(48), "24x24": u(24), "16x16": u(16), "32x32": u(32)})
}

/// User JSON.
pub fn user(ctx: &Ctx, u: &User) -> Value {
    match ctx.flavor {
        Flavor::Cloud => json!({
            "self": format!("{}/user?accountId={}", ctx.base, u.account_id),
            "accountId": u.account_id, "accountType": "atlassian", "emailAddress": u.email,
            "avatarUrls": avatars(ctx, &u.account_id), "displayName": u.display_name,
            "active": true, "timeZone": u.time_zone
        }),
        Flavor::Dc => json!({
            "self": format!("{}/user?username={}", ctx.base, u.name),
            "name": u.name, "key": format!("JIRAUSER{}", 10000 + u.name.len()), "emailAddress": u.email,
            "avatarUrls": avatars(ctx, &u.name), "displayName": u.display_name,
            "active": true, "timeZone": u.time_zone, "locale": "en_US"
        }),
    }
}

fn user_ref(ctx: &Ctx, inner: &Inner, id: &Option<String>) -> Value {
    id.as_deref()
        .and_then(|a| inner.user(a))
        .map(|u| user(ctx, u))
        .unwrap_or(Value::Null)
}

/// Project JSON (short form, as embedded in issues).
pub fn project_short(ctx: &Ctx, p: &Project) -> Value {
    json!({
        "self": format!("{}/project/{}", ctx.base, p.id), "id": p.id.to_string(), "key": p.key,
        "name": p.name, "projectTypeKey": "software", "simplified": false,
        "avatarUrls": avatars(ctx, &p.key)
    })
}

/// Comment JSON.
pub fn comment(ctx: &Ctx, inner: &Inner, issue: &Issue, c: &Comment) -> Value {
    let a = user_ref(ctx, inner, &Some(c.author.clone()));
    let mut v = json!({
        "self": format!("{}/issue/{}/comment/{}", ctx.base, issue.id, c.id),
        "id": c.id.to_string(), "author": a, "body": rich(ctx, &Some(c.body.clone())),
        "updateAuthor": a, "created": crate::util::jira_time(c.created),
        "updated": crate::util::jira_time(c.updated)
    });
    if ctx.flavor == Flavor::Cloud {
        v["jsdPublic"] = json!(true);
    }
    if let Some((kind, value)) = &c.visibility {
        v["visibility"] = json!({"type": kind, "value": value});
        if ctx.flavor == Flavor::Cloud {
            // Cloud names groups by id and roles by name.
            let id = model::GROUPS
                .iter()
                .find(|g| g.0 == value)
                .map_or(value.as_str(), |g| g.1);
            v["visibility"]["identifier"] = json!(id);
        }
    }
    v
}

/// An issue's links as its `issuelinks` field shows them: each from this issue's side.
fn issue_links(ctx: &Ctx, inner: &Inner, i: &Issue) -> Value {
    let side = |l: &crate::store::Link| {
        let t = model::LINK_TYPES.iter().find(|t| t.0 == l.type_id)?;
        let mut v = json!({"id": l.id.to_string(), "self": format!("{}/issueLink/{}", ctx.base, l.id),
                           "type": model::link_type_json(&ctx.base, t)});
        // From A's side "A blocks B" shows B as outwardIssue; from B's, A as inwardIssue.
        if l.inward == i.id {
            v["outwardIssue"] = link(ctx, inner.issues.get(&l.outward)?);
        } else {
            v["inwardIssue"] = link(ctx, inner.issues.get(&l.inward)?);
        }
        Some(v)
    };
    Value::Array(
        inner
            .links
            .iter()
            .filter(|l| l.inward == i.id || l.outward == i.id)
            .filter_map(side)
            .collect(),
    )
}

/// An issue as a link shows it: key, summary, status, priority, type.
pub fn link(ctx: &Ctx, i: &Issue) -> Value {
    json!({
        "id": i.id.to_string(), "key": i.key, "self": format!("{}/issue/{}", ctx.base, i.id),
        "fields": {
            "summary": i.summary, "status": model::status_json(&ctx.base, &i.status),
            "priority": model::priority_json(&ctx.base, &i.priority),
            "issuetype": model::issuetype_json(&ctx.base, &i.issuetype)
        }
    })
}

/// The value of one field.
pub fn field_value(ctx: &Ctx, inner: &Inner, i: &Issue, id: &str) -> Value {
    let b = &ctx.base;
    match id {
        "summary" => json!(i.summary),
        "description" => rich(ctx, &i.description),
        "issuetype" => model::issuetype_json(b, &i.issuetype),
        "project" => inner
            .projects
            .get(&i.project)
            .map(|p| project_short(ctx, p))
            .unwrap_or(Value::Null),
        "status" => model::status_json(b, &i.status),
        "priority" => model::priority_json(b, &i.priority),
        "assignee" => user_ref(ctx, inner, &i.assignee),
        "reporter" => user_ref(ctx, inner, &i.reporter),
        "creator" => user_ref(ctx, inner, &Some(i.creator.clone())),
        "labels" => json!(i.labels),
        "created" => json!(crate::util::jira_time(i.created)),
        "updated" => json!(crate::util::jira_time(i.updated)),
        "duedate" => json!(i.duedate),
        "resolution" => match i.resolved {
            Some(_) => {
                json!({"self": format!("{b}/resolution/10000"), "id": "10000", "description": "Work has been done on this issue.", "name": "Done"})
            }
            None => Value::Null,
        },
        "resolutiondate" => i
            .resolved
            .map(|t| json!(crate::util::jira_time(t)))
            .unwrap_or(Value::Null),
        "parent" => i
            .parent
            .and_then(|p| inner.issues.get(&p))
            .map(|p| link(ctx, p))
            .unwrap_or(Value::Null),
        "issuelinks" => issue_links(ctx, inner, i),
        "timetracking" => crate::api::worklogs::timetracking(i),
        "attachment" => Value::Array(
            inner
                .attachments
                .iter()
                .filter(|a| a.issue == i.id)
                .map(|a| crate::api::attachments::json_of(ctx, inner, a))
                .collect(),
        ),
        "fixVersions" | "versions" => Value::Array(
            if id == "fixVersions" {
                &i.fix_versions
            } else {
                &i.affects_versions
            }
            .iter()
            .filter_map(|id| inner.versions.iter().find(|v| v.id == *id))
            .map(|v| crate::api::versions::version_json(ctx, inner, v))
            .collect(),
        ),
        "components" => Value::Array(
            i.components
                .iter()
                .filter_map(|id| inner.components.iter().find(|c| c.id == *id))
                .map(|c| crate::api::versions::component_json(ctx, c))
                .collect(),
        ),
        "subtasks" => Value::Array(
            inner
                .issues
                .values()
                .filter(|s| s.parent == Some(i.id))
                .map(|s| link(ctx, s))
                .collect(),
        ),
        "comment" => json!({
            "comments": i.comments.iter().map(|c| comment(ctx, inner, i, c)).collect::<Vec<_>>(),
            "self": format!("{b}/issue/{}/comment", i.id), "maxResults": i.comments.len(),
            "total": i.comments.len(), "startAt": 0
        }),
        model::CF_ACCEPTANCE => rich(ctx, &i.custom.get(id).cloned()),
        model::CF_SPRINT => crate::api::agile::sprint_field(ctx, inner, &inner.sprints_of(i)),
        _ => i.custom.get(id).cloned().unwrap_or(Value::Null),
    }
}

/// Resolves a `fields` selection to field ids. `default` applies when nothing positive is given.
pub fn select(req: &[String], default: &str) -> BTreeSet<&'static str> {
    let mut out = BTreeSet::new();
    let positive: Vec<&String> = req.iter().filter(|s| !s.starts_with('-')).collect();
    let add = |s: &str, out: &mut BTreeSet<&'static str>| match s {
        "*all" => out.extend(FIELDS.iter().map(|f| f.id)),
        "*navigable" => out.extend(FIELDS.iter().filter(|f| f.navigable).map(|f| f.id)),
        "*none" => {}
        other => {
            if let Some(f) = model::field(other) {
                out.insert(f.id);
            }
        }
    };
    if positive.is_empty() {
        add(default, &mut out);
    }
    for p in positive {
        add(p, &mut out);
    }
    for x in req.iter().filter_map(|s| s.strip_prefix('-')) {
        out.remove(x);
    }
    out
}

/// Full issue JSON (IssueBean) with the given fields and expansions.
pub fn issue(
    ctx: &Ctx,
    inner: &Inner,
    i: &Issue,
    fields: &BTreeSet<&'static str>,
    expand: &[String],
) -> Value {
    let mut fm = Map::new();
    for f in fields {
        fm.insert((*f).to_string(), field_value(ctx, inner, i, f));
    }
    let mut v = json!({
        "expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
        "id": i.id.to_string(), "self": format!("{}/issue/{}", ctx.base, i.id), "key": i.key,
    });
    let has = |e: &str| expand.iter().any(|x| x == e);
    if has("renderedFields") {
        let mut r = Map::new();
        for f in fields {
            let val = match *f {
                "description" => i
                    .description
                    .as_ref()
                    .map(|d| json!(crate::adf::to_html(d)))
                    .unwrap_or(Value::Null),
                model::CF_ACCEPTANCE => i
                    .custom
                    .get(*f)
                    .map(|d| json!(crate::adf::to_html(d)))
                    .unwrap_or(Value::Null),
                "created" | "updated" => json!(crate::util::jira_time(if *f == "created" {
                    i.created
                } else {
                    i.updated
                })[..16]
                    .replace('T', " ")),
                "comment" => json!({
                    "comments": i.comments.iter().map(|c| {
                        let mut cj = comment(ctx, inner, i, c);
                        cj["body"] = json!(crate::adf::to_html(&c.body));
                        cj
                    }).collect::<Vec<_>>(),
                    "maxResults": i.comments.len(), "total": i.comments.len(), "startAt": 0
                }),
                _ => Value::Null,
            };
            r.insert((*f).to_string(), val);
        }
        v["renderedFields"] = Value::Object(r);
    }
    if has("names") {
        let names: Map<String, Value> = fields
            .iter()
            .filter_map(|f| model::field(f).map(|d| (f.to_string(), json!(d.name))))
            .collect();
        v["names"] = Value::Object(names);
    }
    if has("schema") {
        let s: Map<String, Value> = fields
            .iter()
            .filter_map(|f| model::field(f).map(|d| (f.to_string(), model::schema(d))))
            .collect();
        v["schema"] = Value::Object(s);
    }
    v["fields"] = Value::Object(fm);
    v
}
