//! Field validation and application for create, edit and transitions: the `fields` map (plain
//! sets) and the `update` map (operation lists), collecting Jira's per-field error messages.

use serde_json::{json, Map, Value};

use crate::model::{self, CF_ACCEPTANCE, CF_POINTS, CF_SEVERITY, CF_SPRINT, EPIC};
use crate::render::{Ctx, Flavor};
use crate::store::{Inner, Issue};

/// Jira's "cannot be set" message.
pub fn cannot_set(id: &str) -> String {
    format!("Field '{id}' cannot be set. It is not on the appropriate screen, or unknown.")
}

/// The ADF error message.
pub const NOT_ADF: &str =
    "Operation value must be an Atlassian Document (see the Atlassian Document Format)";

/// Jira's `jira.text.field.character.limit`, the default on Cloud and Data Center. Cloud counts an
/// ADF document as its JSON text.
pub const TEXT_LIMIT: usize = 32_767;

fn too_long() -> String {
    format!(
        "The entered text is too long. It exceeds the allowed limit of {TEXT_LIMIT} characters."
    )
}

/// Parses a rich-text input value for this flavour.
pub fn rich_in(ctx: &Ctx, v: &Value) -> Result<Option<Value>, String> {
    match v {
        Value::Null => Ok(None),
        _ if ctx.adf() => match crate::adf::validate(v) {
            Ok(()) if v.to_string().chars().count() > TEXT_LIMIT => Err(too_long()),
            Ok(()) => Ok(Some(v.clone())),
            Err(_) => Err(NOT_ADF.into()),
        },
        Value::String(s) if s.is_empty() => Ok(None),
        Value::String(s) if s.chars().count() > TEXT_LIMIT => Err(too_long()),
        Value::String(s) => Ok(Some(crate::adf::from_wiki(s))),
        _ => Err("Operation value must be a string".into()),
    }
}

/// A user reference (`{accountId}` on Cloud, `{name}` on DC, or null) to an account id.
pub fn user_in(ctx: &Ctx, inner: &Inner, v: &Value) -> Result<Option<String>, String> {
    if v.is_null() {
        return Ok(None);
    }
    let key = match ctx.flavor {
        Flavor::Cloud => v.get("accountId").or_else(|| v.get("id")),
        Flavor::Dc => v.get("name").or_else(|| v.get("key")),
    };
    match key.and_then(Value::as_str) {
        Some("-1") | None if key.is_some_and(Value::is_null) => Ok(None),
        Some(s) => inner
            .user_any(s)
            .map(|u| Some(u.account_id.clone()))
            .ok_or_else(|| match ctx.flavor {
                Flavor::Cloud => {
                    "Specified user does not exist or you do not have required permissions"
                        .to_string()
                }
                Flavor::Dc => format!("User '{s}' does not exist."),
            }),
        None => Err("expected Object containing an 'accountId' property".into()),
    }
}

/// Sets one field on a draft issue. `Err` is the message for `errors.<id>`.
pub fn set_field(
    ctx: &Ctx,
    inner: &Inner,
    d: &mut Issue,
    id: &str,
    v: &Value,
) -> Result<(), String> {
    match id {
        "summary" => {
            let s = v.as_str().unwrap_or("");
            if s.trim().is_empty() {
                return Err("You must specify a summary of the issue.".into());
            }
            if s.chars().count() > 255 {
                return Err("Summary must be less than 255 characters.".into());
            }
            if s.contains(['\n', '\r']) {
                return Err(
                    "The summary is invalid because it contains newline characters.".into(),
                );
            }
            d.summary = s.to_string();
        }
        "description" => d.description = rich_in(ctx, v)?,
        CF_ACCEPTANCE => match rich_in(ctx, v)? {
            Some(doc) => {
                d.custom.insert(id.into(), doc);
            }
            None => {
                d.custom.remove(id);
            }
        },
        "labels" => {
            let arr = v
                .as_array()
                .ok_or("Operation value must be an array of strings")?;
            let mut labels = Vec::new();
            for l in arr {
                let s = l
                    .as_str()
                    .ok_or("Operation value must be an array of strings")?;
                if s.contains(char::is_whitespace) {
                    return Err(format!("The label '{s}' contains spaces which is invalid."));
                }
                if !labels.iter().any(|x| x == s) {
                    labels.push(s.to_string());
                }
            }
            d.labels = labels;
        }
        "assignee" => d.assignee = user_in(ctx, inner, v)?,
        "reporter" => d.reporter = user_in(ctx, inner, v)?,
        "priority" => {
            d.priority = model::find_priority(v)
                .ok_or("The priority selected is invalid.")?
                .to_string()
        }
        "duedate" => match v {
            Value::Null => d.duedate = None,
            Value::String(s) if crate::util::parse_date(s).is_some() && s.len() == 10 => {
                d.duedate = Some(s.clone())
            }
            _ => {
                return Err(format!(
                    "Error parsing date string: {}",
                    v.as_str().unwrap_or(&v.to_string())
                ))
            }
        },
        "fixVersions" => d.fix_versions = super::versions::ids_in(inner, &d.project, id, v)?,
        "versions" => d.affects_versions = super::versions::ids_in(inner, &d.project, id, v)?,
        "components" => d.components = super::versions::ids_in(inner, &d.project, id, v)?,
        "timetracking" => {
            // Only the remaining estimate is kept; the original one is not modelled.
            if let Some(r) = v.get("remainingEstimate") {
                let text = r.as_str().unwrap_or_default();
                d.remaining = Some(
                    super::worklogs::parse_duration(text)
                        .ok_or("The remaining estimate specified is not valid.")?,
                );
            }
        }
        "parent" => {
            if v.get("none").and_then(Value::as_bool) == Some(true) || v.is_null() {
                d.parent = None;
                return Ok(());
            }
            let k = v
                .get("key")
                .or_else(|| v.get("id"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let pid = inner.find(k).ok_or("Could not find issue by id or key.")?;
            // Epic above standard issues above sub-tasks, one level at a time.
            let parent_level = inner.issues.get(&pid).map(|p| level(&p.issuetype));
            if pid == d.id || parent_level != Some(level(&d.issuetype) + 1) {
                return Err("Given parent issue does not belong to appropriate hierarchy.".into());
            }
            d.parent = Some(pid);
        }
        CF_SEVERITY => {
            if v.is_null() {
                d.custom.remove(id);
                return Ok(());
            }
            let want_id = v.get("id").and_then(Value::as_str);
            let want_v = v.get("value").and_then(Value::as_str);
            let o = model::SEVERITY
                .iter()
                .find(|(oid, val)| Some(*oid) == want_id || Some(*val) == want_v);
            match o {
                Some((oid, val)) => {
                    d.custom.insert(id.into(), json!({"id": oid, "value": val}));
                }
                None => return Err("Specify a valid 'id' or 'name' for Severity".into()),
            }
        }
        CF_POINTS => match v {
            Value::Null => {
                d.custom.remove(id);
            }
            Value::Number(_) => {
                d.custom.insert(id.into(), v.clone());
            }
            _ => return Err("Operation value must be a number".into()),
        },
        CF_SPRINT => {
            let to = match v {
                Value::Null => None,
                Value::Number(n) => Some(
                    n.as_u64()
                        .ok_or("Number value expected as the Sprint id.")?,
                ),
                _ => return Err("Number value expected as the Sprint id.".into()),
            };
            if let Some(sid) = to {
                match inner.sprint(sid) {
                    None => return Err(format!("Sprint with id {sid} does not exist.")),
                    Some(s) if s.state == "closed" => {
                        return Err("Issue can be assigned only active or future sprints.".into())
                    }
                    Some(_) => {}
                }
            }
            let ids = inner.move_sprints(d, to);
            if ids.is_empty() {
                d.custom.remove(id);
            } else {
                d.custom.insert(id.into(), json!(ids));
            }
        }
        _ => return Err(cannot_set(id)),
    }
    Ok(())
}

/// An issue type's hierarchy level: sub-task -1, standard 0, epic 1.
pub fn level(type_id: &str) -> i32 {
    match type_id {
        "10003" => -1,
        EPIC => 1,
        _ => 0,
    }
}

/// Applies an `update` map. Comments added via `update.comment` are returned as ADF bodies.
pub fn apply_update(
    ctx: &Ctx,
    inner: &Inner,
    d: &mut Issue,
    update: &Map<String, Value>,
    errors: &mut Map<String, Value>,
) -> Vec<Value> {
    let mut comments = Vec::new();
    for (fid, ops) in update {
        let Some(ops) = ops.as_array() else {
            errors.insert(fid.clone(), json!(cannot_set(fid)));
            continue;
        };
        for op in ops {
            let Some((name, val)) = op.as_object().and_then(|o| o.iter().next()) else {
                errors.insert(fid.clone(), json!(cannot_set(fid)));
                continue;
            };
            let r = match (fid.as_str(), name.as_str()) {
                ("comment", "add") => match val.get("body").map(|b| rich_in(ctx, b)) {
                    Some(Ok(Some(b))) => {
                        comments.push(b);
                        Ok(())
                    }
                    _ => Err(NOT_ADF.to_string()),
                },
                ("labels", "add") => match val.as_str() {
                    Some(s) if !s.contains(char::is_whitespace) => {
                        if !d.labels.iter().any(|l| l == s) {
                            d.labels.push(s.into());
                        }
                        Ok(())
                    }
                    _ => Err(format!(
                        "The label '{}' contains spaces which is invalid.",
                        val.as_str().unwrap_or("")
                    )),
                },
                ("labels", "remove") => {
                    d.labels.retain(|l| Some(l.as_str()) != val.as_str());
                    Ok(())
                }
                (f, "set") if f != "comment" => set_field(ctx, inner, d, f, val),
                (f, _) => Err(cannot_set(f)),
            };
            if let Err(e) = r {
                errors.insert(fid.clone(), json!(e));
            }
        }
    }
    comments
}
