//! Checks a create request against createmeta before it is sent: names resolve to field ids, option values
//! to their ids, and a missing required field or a value outside the allowed ones is an `InvalidFields`
//! error naming the field and what it allows.

use serde_json::{json, Map, Value};

use super::{JiraError, JiraMessages};

/// One field of a create screen (`createmeta/{p}/issuetypes/{id}`), Cloud or Data Center.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldMeta {
    pub id: String,
    pub name: String,
    pub required: bool,
    pub has_default: bool,
    pub schema: Value,
    pub allowed: Option<Vec<Value>>,
}

impl FieldMeta {
    pub fn from_json(v: &Value) -> Option<Self> {
        let id = v["fieldId"].as_str().or(v["key"].as_str())?.to_string();
        Some(Self {
            name: v["name"].as_str().unwrap_or(&id).to_string(),
            id,
            required: v["required"].as_bool().unwrap_or(false),
            has_default: v["hasDefaultValue"].as_bool().unwrap_or(false),
            schema: v["schema"].clone(),
            allowed: v["allowedValues"].as_array().cloned(),
        })
    }
}

/// How many allowed values an error lists (some fields have thousands).
const LIST_MAX: usize = 50;

/// Fields the daemon always sets itself, checked by Jira if createmeta doesn't list them.
const IMPLICIT: &[&str] = &["project", "issuetype"];

/// A readable label of an allowed value.
fn label(v: &Value) -> String {
    ["name", "value", "key", "id"]
        .iter()
        .find_map(|k| v[*k].as_str())
        .map(str::to_string)
        .unwrap_or_else(|| v.to_string())
}

/// The labels of allowed values, at most [`LIST_MAX`].
pub fn describe(allowed: &[Value]) -> String {
    let mut names: Vec<String> = allowed.iter().take(LIST_MAX).map(label).collect();
    if allowed.len() > LIST_MAX {
        names.push(format!("… ({} more)", allowed.len() - LIST_MAX));
    }
    names.join(", ")
}

/// The allowed value a given value names (by id, name, value or key), as the `{id}` Jira wants.
fn resolve(given: &Value, allowed: &[Value]) -> Option<Value> {
    let wanted: Vec<String> = match given {
        Value::Object(o) => ["id", "name", "value", "key"]
            .iter()
            .filter_map(|k| o.get(*k))
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
            .collect(),
        Value::String(s) => vec![s.clone()],
        v => vec![v.to_string()],
    };
    let hit = allowed.iter().find(|a| {
        ["id", "name", "value", "key"]
            .iter()
            .filter_map(|k| a[*k].as_str())
            .any(|c| wanted.iter().any(|w| w.eq_ignore_ascii_case(c)))
    })?;
    let Some(id) = hit["id"].as_str() else {
        return Some(given.clone());
    };
    let mut out = json!({ "id": id });
    if let Some(child) = given.get("child") {
        out["child"] = child.clone(); // cascading selects keep their second level
    }
    Some(out)
}

/// A value as a person typed it: `Urgent` for `"Urgent"` and for `{"name": "Urgent"}` (how the
/// daemon sends a priority), JSON only for what has no name.
fn shown(item: &Value) -> String {
    let named = match item {
        Value::Object(o) => ["name", "value", "key", "id"]
            .iter()
            .find_map(|k| o.get(*k))
            .unwrap_or(item),
        v => v,
    };
    match named {
        Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

/// Resolves field names to ids and option values to ids in place; reports every problem at once.
pub fn check(fields: &mut Map<String, Value>, meta: &[FieldMeta]) -> Result<(), JiraError> {
    let mut errors = Map::new();
    let known = || {
        meta.iter()
            .map(|m| m.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    for key in fields.keys().cloned().collect::<Vec<_>>() {
        let Some(m) = meta
            .iter()
            .find(|m| m.id == key)
            .or_else(|| meta.iter().find(|m| m.name.eq_ignore_ascii_case(&key)))
        else {
            if !IMPLICIT.contains(&key.as_str()) {
                errors.insert(key.clone(), json!(format!("Field '{key}' is not on the create screen of this issue type; its fields are: {}", known())));
            }
            continue;
        };
        let Some(mut value) = fields.remove(&key) else {
            continue;
        };
        if let (Some(allowed), false) = (&m.allowed, value.is_null()) {
            let items: Vec<Value> = match &value {
                Value::Array(a) => a.clone(),
                v => vec![v.clone()],
            };
            let mut resolved = Vec::new();
            for item in &items {
                match resolve(item, allowed) {
                    Some(r) => resolved.push(r),
                    None => {
                        let shown = shown(item);
                        errors.insert(
                            m.id.clone(),
                            json!(format!(
                                "'{shown}' is not an allowed value of {}; allowed values: {}",
                                m.name,
                                describe(allowed)
                            )),
                        );
                    }
                }
            }
            if resolved.len() == items.len() {
                value = if value.is_array() {
                    Value::Array(resolved)
                } else {
                    resolved.remove(0)
                };
            }
        }
        fields.insert(m.id.clone(), value);
    }
    for m in meta
        .iter()
        .filter(|m| m.required && !m.has_default && !IMPLICIT.contains(&m.id.as_str()))
    {
        let missing = match fields.get(&m.id) {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.trim().is_empty(),
            Some(Value::Array(a)) => a.is_empty(),
            _ => false,
        };
        if missing {
            let allowed = m
                .allowed
                .as_deref()
                .map(|a| format!("; allowed values: {}", describe(a)))
                .unwrap_or_default();
            errors.insert(
                m.id.clone(),
                json!(format!("{} is required{allowed}", m.name)),
            );
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(JiraError::InvalidFields(JiraMessages {
            error_messages: vec![],
            errors,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> Vec<FieldMeta> {
        [
            json!({"fieldId": "summary", "key": "summary", "name": "Summary", "required": true, "schema": {"type": "string"}}),
            json!({"fieldId": "priority", "name": "Priority", "required": false, "allowedValues": [{"id": "1", "name": "Highest"}, {"id": "3", "name": "Medium"}]}),
            json!({"fieldId": "customfield_10020", "name": "Team", "required": true, "allowedValues": [{"id": "100", "value": "Red"}, {"id": "101", "value": "Blue"}]}),
            json!({"fieldId": "customfield_10030", "name": "Tags", "required": false, "allowedValues": [{"id": "7", "value": "x"}, {"id": "8", "value": "y"}]}),
            json!({"fieldId": "reporter", "name": "Reporter", "required": true, "hasDefaultValue": true}),
        ]
        .iter()
        .filter_map(FieldMeta::from_json)
        .collect()
    }

    #[test]
    fn resolves_names_and_values() {
        let mut f = json!({"summary": "s", "priority": {"name": "medium"}, "Team": "Blue", "tags": ["x", {"value": "y"}], "project": {"key": "P"}});
        let f = f.as_object_mut().unwrap();
        check(f, &meta()).unwrap();
        assert_eq!(
            Value::Object(f.clone()),
            json!({"summary": "s", "priority": {"id": "3"}, "customfield_10020": {"id": "101"}, "customfield_10030": [{"id": "7"}, {"id": "8"}], "project": {"key": "P"}})
        );
    }

    #[test]
    fn names_the_field_and_its_allowed_values() {
        let mut f = json!({"priority": "Urgent", "Colour": 1});
        let e = check(f.as_object_mut().unwrap(), &meta()).unwrap_err();
        assert_eq!(e.kind(), "invalidFields");
        let errs = &e.messages().unwrap().errors;
        assert_eq!(
            errs["priority"],
            "'Urgent' is not an allowed value of Priority; allowed values: Highest, Medium"
        );
        assert_eq!(
            errs["customfield_10020"],
            "Team is required; allowed values: Red, Blue"
        );
        assert_eq!(errs["summary"], "Summary is required");
        assert!(errs["Colour"]
            .as_str()
            .unwrap()
            .contains("not on the create screen"));
        assert!(errs.get("reporter").is_none(), "a default fills it");
        // As `issues/create {priority}` sends it: the value, not its JSON.
        let mut f = json!({"priority": {"name": "Urgent"}});
        let e = check(f.as_object_mut().unwrap(), &meta()).unwrap_err();
        assert_eq!(
            e.messages().unwrap().errors["priority"],
            "'Urgent' is not an allowed value of Priority; allowed values: Highest, Medium"
        );
    }

    #[test]
    fn long_option_lists_are_cut() {
        let many: Vec<Value> = (0..60)
            .map(|i| json!({"id": i.to_string(), "value": format!("v{i}")}))
            .collect();
        assert!(describe(&many).ends_with("v49, … (10 more)"));
    }
}
