//! Issue writes as the api layer asks for them: create (checked against createmeta), update (with the
//! lossy-description guard), assign and transition by name, with users given as "me", an id or an email.

use super::meta::MetaKey;
use reqwest::Method;
use serde_json::{json, Map, Value};

use super::http::Call;
use super::validate::{self, FieldMeta};
use super::{adf, wiki, Created, EditOptions, Flavor, JiraClient, JiraError};

/// Rich text as a client sends it: a Markdown string or an ADF document.
#[derive(Debug, Clone, PartialEq)]
pub enum RichText {
    Markdown(String),
    Adf(Value),
}

/// Jira's limit on a text field (`jira.text.field.character.limit`, the same default on Cloud and
/// Data Center). Markdown longer than this cannot fit once converted, so it is refused before any
/// conversion runs.
pub const TEXT_FIELD_LIMIT: usize = 32_767;

impl RichText {
    /// A JSON string is Markdown, an object must be an ADF document.
    pub fn from_json(v: &Value, field: &str) -> Result<Self, JiraError> {
        match v {
            Value::String(s) => {
                let chars = s.chars().count();
                if chars > TEXT_FIELD_LIMIT {
                    return Err(JiraError::invalid_field(
                        field,
                        format!(
                            "The entered text is too long. It exceeds the allowed limit of \
                             {TEXT_FIELD_LIMIT} characters ({chars} given)."
                        ),
                    ));
                }
                Ok(Self::Markdown(s.clone()))
            }
            v if adf::is_adf(v) => Ok(Self::Adf(v.clone())),
            _ => Err(JiraError::invalid_field(
                field,
                "expected Markdown text or an ADF document",
            )),
        }
    }
}

/// `issues/create` in domain terms.
#[derive(Debug, Clone, Default)]
pub struct NewIssue {
    pub project: String,
    /// Issue type name or id.
    pub issue_type: String,
    pub summary: String,
    pub description: Option<RichText>,
    pub labels: Vec<String>,
    /// `"me"`, an accountId (DC: username) or an email.
    pub assignee: Option<String>,
    /// Priority name or id.
    pub priority: Option<String>,
    /// Parent issue key (required for sub-tasks).
    pub parent: Option<String>,
    /// Other fields by id or by name.
    pub fields: Map<String, Value>,
}

/// The most issues Jira creates in one bulk request.
pub const BULK_MAX: usize = 50;

/// `issues/update` in domain terms; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct IssueUpdate {
    pub summary: Option<String>,
    pub description: Option<RichText>,
    pub labels: Option<Vec<String>>,
    pub add_labels: Vec<String>,
    pub remove_labels: Vec<String>,
    /// `Some(None)` unassigns.
    pub assignee: Option<Option<String>>,
    pub priority: Option<String>,
    /// Other fields by id or by name.
    pub fields: Map<String, Value>,
    /// Raw Jira update operations (`{"labels":[{"add":"x"}]}`).
    pub update: Map<String, Value>,
    /// Replace a description even if Markdown can't express all of it.
    pub force: bool,
}

fn id_or(key: &str, v: &str) -> Value {
    if !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()) {
        json!({ "id": v })
    } else {
        json!({ key: v })
    }
}

/// Fields whose values are rich text (ADF on Cloud, wiki markup on Data Center): multi-line text
/// custom fields and the environment. A Markdown string for one is converted as a description is.
fn is_rich_text(schema: &Value) -> bool {
    schema["custom"].as_str() == Some("com.atlassian.jira.plugin.system.customfieldtypes:textarea")
        || schema["system"].as_str() == Some("environment")
}

impl JiraClient {
    /// A rich-text field's value in this site's format: Markdown (within Jira's length limit) or
    /// ADF converted, anything else (null, a value in Jira's own shape) left as it is.
    fn rich_field(&self, name: &str, value: &Value) -> Result<Value, JiraError> {
        match value {
            Value::String(_) => Ok(self.rich(&RichText::from_json(value, name)?)),
            v if adf::is_adf(v) => Ok(self.rich(&RichText::Adf(v.clone()))),
            v => Ok(v.clone()),
        }
    }

    /// Rich text in this site's format (ADF on Cloud, wiki markup on Data Center).
    pub fn rich(&self, text: &RichText) -> Value {
        match (text, self.site.flavor) {
            (RichText::Markdown(md), _) => self.rich_text(md),
            (RichText::Adf(doc), Flavor::Cloud) => doc.clone(),
            (RichText::Adf(doc), Flavor::DataCenter) => Value::String(wiki::adf_to_wiki(doc)),
        }
    }

    /// Issue types a project can create (cached).
    pub async fn issue_types(
        &self,
        project: &str,
    ) -> Result<std::sync::Arc<Vec<Value>>, JiraError> {
        let key = MetaKey::CreateMeta {
            project: project.to_uppercase(),
        };
        match self.meta.get(&key) {
            Some(v) => Ok(v),
            None => Ok(self
                .meta
                .put(key, self.createmeta_issue_types(project).await?)),
        }
    }

    /// The create-screen fields of a project and issue type id (cached).
    pub async fn create_fields(
        &self,
        project: &str,
        type_id: &str,
    ) -> Result<Vec<FieldMeta>, JiraError> {
        let key = MetaKey::CreateFields {
            project: project.to_uppercase(),
            issue_type: type_id.to_owned(),
        };
        let raw = match self.meta.get(&key) {
            Some(v) => v,
            None => self
                .meta
                .put(key, self.createmeta_fields(project, type_id).await?),
        };
        Ok(raw.iter().filter_map(FieldMeta::from_json).collect())
    }

    /// A user reference for a field: `"me"`, an email (looked up; must match one user) or an id.
    pub async fn resolve_user(&self, who: &str) -> Result<Value, JiraError> {
        if who.eq_ignore_ascii_case("me") {
            let me = self.myself().await?;
            let id = self
                .user_id(&me)
                .ok_or_else(|| JiraError::Protocol("myself has no user id".into()))?;
            return Ok(self.user_ref(&id));
        }
        if self.looks_like_user_id(who) {
            return Ok(self.user_ref(who));
        }
        // An email or a display name: whoever it names exactly, else the only match.
        let users = self.user_search(who).await?;
        let exact: Vec<&Value> = users
            .iter()
            .filter(|u| {
                ["emailAddress", "displayName"]
                    .iter()
                    .any(|k| u[*k].as_str().is_some_and(|v| v.eq_ignore_ascii_case(who)))
            })
            .collect();
        let pick = if exact.is_empty() {
            users.iter().collect()
        } else {
            exact
        };
        match pick.as_slice() {
            [one] => self
                .user_id(one)
                .map(|id| self.user_ref(&id))
                .ok_or_else(|| JiraError::Protocol("user without id".into())),
            [] => Err(JiraError::invalid_field(
                "assignee",
                format!("no user matches '{who}'"),
            )),
            many => {
                let candidates: Vec<String> = many
                    .iter()
                    .take(10)
                    .map(|u| {
                        format!(
                            "{} ({})",
                            u["displayName"].as_str().unwrap_or("?"),
                            self.user_id(u).unwrap_or_default()
                        )
                    })
                    .collect();
                Err(JiraError::invalid_field(
                    "assignee",
                    format!(
                        "{} users match '{who}': {}; give an account id or an email",
                        many.len(),
                        candidates.join(", ")
                    ),
                ))
            }
        }
    }

    /// An account id (Cloud: `557058:…` or 24 characters) or, on Data Center, a username: one
    /// word, no `@`. Anything else is looked up as an email or a display name.
    pub(super) fn looks_like_user_id(&self, who: &str) -> bool {
        if who.contains('@') || who.chars().any(char::is_whitespace) || who.is_empty() {
            return false;
        }
        match self.site.flavor {
            super::Flavor::Cloud => {
                who.contains(':')
                    || (who.len() >= 20 && who.chars().all(|c| c.is_ascii_alphanumeric()))
            }
            super::Flavor::DataCenter => true,
        }
    }

    /// Creates an issue after checking it against createmeta (missing required fields, disallowed values).
    pub async fn create(&self, new: &NewIssue) -> Result<Created, JiraError> {
        let fields = self.create_fields_of(new).await?;
        let created = self.create_issue(&json!({ "fields": fields })).await;
        if let Err(JiraError::InvalidFields(_)) = created {
            self.meta.forget(); // our check passed, so the cached createmeta may be stale
        }
        created
    }

    /// The `fields` of a create, checked against createmeta and converted for this site.
    pub async fn create_fields_of(&self, new: &NewIssue) -> Result<Map<String, Value>, JiraError> {
        let types = self.issue_types(&new.project).await?;
        let wanted = &new.issue_type;
        let Some(ty) = types.iter().find(|t| {
            t["id"].as_str() == Some(wanted)
                || t["name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(wanted))
        }) else {
            let names: Vec<Value> = types.iter().map(|t| json!({"name": t["name"]})).collect();
            return Err(JiraError::invalid_field(
                "issuetype",
                format!(
                    "'{wanted}' is not an issue type of {}; allowed values: {}",
                    new.project,
                    validate::describe(&names)
                ),
            ));
        };
        let type_id = ty["id"].as_str().unwrap_or_default().to_string();
        let meta = self.create_fields(&new.project, &type_id).await?;
        let mut fields = new.fields.clone();
        fields.insert("project".into(), id_or("key", &new.project));
        fields.insert("issuetype".into(), json!({ "id": type_id }));
        fields.insert("summary".into(), json!(new.summary));
        if let Some(d) = &new.description {
            fields.insert("description".into(), self.rich(d));
        }
        if !new.labels.is_empty() {
            fields.insert("labels".into(), json!(new.labels));
        }
        if let Some(a) = &new.assignee {
            fields.insert("assignee".into(), self.resolve_user(a).await?);
        }
        if let Some(p) = &new.priority {
            fields.insert("priority".into(), id_or("name", p));
        }
        if let Some(p) = &new.parent {
            fields.insert("parent".into(), id_or("key", p));
        }
        validate::check(&mut fields, &meta)?;
        for m in meta.iter().filter(|m| is_rich_text(&m.schema)) {
            if let Some(v) = fields.get(&m.id) {
                let converted = self.rich_field(&m.name, v)?;
                fields.insert(m.id.clone(), converted);
            }
        }
        Ok(fields)
    }

    /// `POST issue/bulk` with at most [`BULK_MAX`] issues' `fields`: per element, the created
    /// issue or Jira's error, in request order. Never retried (a POST): a connection lost after
    /// sending is `OutcomeUnknown` for the whole batch.
    pub async fn create_bulk(
        &self,
        fields: Vec<Map<String, Value>>,
    ) -> Result<Vec<Result<Created, JiraError>>, JiraError> {
        let n = fields.len();
        let updates: Vec<Value> = fields.into_iter().map(|f| json!({ "fields": f })).collect();
        let call = Call::new(
            Method::POST,
            self.url(&["issue", "bulk"], &[])?,
            "issue/bulk",
        )
        .body(json!({ "issueUpdates": updates }))
        .answering(reqwest::StatusCode::BAD_REQUEST);
        let v = self.send(call).await?;
        let mut out: Vec<Option<Result<Created, JiraError>>> = (0..n).map(|_| None).collect();
        for e in v["errors"].as_array().into_iter().flatten() {
            let at = e["failedElementNumber"].as_u64().map(|i| i as usize);
            if let Some(slot) = at.and_then(|i| out.get_mut(i)) {
                let messages =
                    serde_json::from_value(e["elementErrors"].clone()).unwrap_or_default();
                *slot = Some(Err(JiraError::InvalidFields(messages)));
            }
        }
        // The successes come in request order, skipping the failures.
        let mut created = v["issues"].as_array().into_iter().flatten();
        for slot in out.iter_mut().filter(|s| s.is_none()) {
            *slot = created.next().map(|c| {
                let key = c["key"].as_str().unwrap_or_default().to_owned();
                Ok(Created {
                    id: c["id"].as_str().unwrap_or_default().to_owned(),
                    url: self.site.browse_url(&key),
                    key,
                })
            });
        }
        Ok(out
            .into_iter()
            .map(|s| {
                s.unwrap_or_else(|| {
                    Err(JiraError::Protocol(
                        "Jira's bulk answer accounts for fewer issues than were sent".into(),
                    ))
                })
            })
            .collect())
    }

    /// Field name → id for the whole site (cached `/field`), to accept custom fields by name.
    pub async fn field_list(&self) -> Result<std::sync::Arc<Vec<Value>>, JiraError> {
        match self.meta.get(&MetaKey::Fields) {
            Some(v) => Ok(v),
            None => Ok(self.meta.put(MetaKey::Fields, self.fields().await?)),
        }
    }

    /// Updates an issue. A Markdown description that would drop nodes Markdown can't express is refused
    /// with `LossyUpdate` unless `force`.
    pub async fn update(
        &self,
        key: &str,
        upd: &IssueUpdate,
        opts: &EditOptions,
    ) -> Result<Option<Value>, JiraError> {
        let mut fields = Map::new();
        let mut update = upd.update.clone();
        if !upd.fields.is_empty() {
            let known = self.field_list().await?;
            for (k, v) in &upd.fields {
                let field = known.iter().find(|f| {
                    f["id"] == json!(k)
                        || f["name"]
                            .as_str()
                            .is_some_and(|n| n.eq_ignore_ascii_case(k))
                });
                let id = field.and_then(|f| f["id"].as_str()).unwrap_or(k);
                let value = match field {
                    Some(f) if is_rich_text(&f["schema"]) => self.rich_field(k, v)?,
                    Some(f) => by_name(&f["schema"], v),
                    None => v.clone(),
                };
                fields.insert(id.to_string(), value);
            }
        }
        if let Some(s) = &upd.summary {
            fields.insert("summary".into(), json!(s));
        }
        if let Some(d) = &upd.description {
            if let (RichText::Markdown(_), false) = (d, upd.force) {
                let lost = self.description_loss(key).await?;
                if !lost.is_empty() {
                    return Err(JiraError::LossyUpdate { nodes: lost });
                }
            }
            fields.insert("description".into(), self.rich(d));
        }
        match (
            &upd.labels,
            upd.add_labels.is_empty() && upd.remove_labels.is_empty(),
        ) {
            (Some(_), false) => {
                return Err(JiraError::invalid_field(
                    "labels",
                    "give labels, or addLabels/removeLabels, not both",
                ))
            }
            (Some(l), true) => {
                fields.insert("labels".into(), json!(l));
            }
            (None, false) => {
                let ops = upd
                    .add_labels
                    .iter()
                    .map(|l| json!({"add": l}))
                    .chain(upd.remove_labels.iter().map(|l| json!({"remove": l})));
                update.insert("labels".into(), Value::Array(ops.collect()));
            }
            (None, true) => {}
        }
        if let Some(a) = &upd.assignee {
            let v = match a {
                Some(who) => self.resolve_user(who).await?,
                None => Value::Null,
            };
            fields.insert("assignee".into(), v);
        }
        if let Some(p) = &upd.priority {
            fields.insert("priority".into(), id_or("name", p));
        }
        let mut body = Map::new();
        if !fields.is_empty() {
            body.insert("fields".into(), Value::Object(fields));
        }
        if !update.is_empty() {
            body.insert("update".into(), Value::Object(update));
        }
        if body.is_empty() && !opts.return_issue {
            return Ok(None);
        }
        if body.is_empty() {
            return self
                .get_issue(key, &opts.fields, &opts.expand)
                .await
                .map(Some);
        }
        self.edit_issue(key, &Value::Object(body), opts).await
    }

    /// Node types of the current description that Markdown can't express.
    pub async fn description_loss(&self, key: &str) -> Result<Vec<String>, JiraError> {
        let mut issue = self.get_issue(key, &["description".into()], &[]).await?;
        inexpressible(issue["fields"]["description"].take()).await
    }

    /// What Markdown cannot express in a comment's current body (`["mention"]`), which a
    /// Markdown replacement would lose.
    pub async fn comment_loss(&self, key: &str, id: &str) -> Result<Vec<String>, JiraError> {
        let mut comment = self.comment(key, id).await?;
        inexpressible(comment["body"].take()).await
    }

    /// Assigns (or with `None` unassigns) an issue.
    pub async fn assign(&self, key: &str, who: Option<&str>) -> Result<(), JiraError> {
        let body = match who {
            Some(w) => self.resolve_user(w).await?,
            None if self.site.flavor == Flavor::Cloud => json!({ "accountId": null }),
            None => json!({ "name": null }),
        };
        let call = Call::new(
            Method::PUT,
            self.url(&["issue", key, "assignee"], &[])?,
            "issue/{key}/assignee",
        )
        .issue(key)
        .body(body);
        self.send(call).await.map(drop)
    }

    /// Moves an issue by transition id, transition name or target status name, with an optional
    /// comment; returns the transition taken (`{id, name, to}`).
    pub async fn transition(
        &self,
        key: &str,
        to: &str,
        comment: Option<&RichText>,
        fields: &Map<String, Value>,
    ) -> Result<Value, JiraError> {
        let all = self.transitions(key).await?;
        let is = |v: &Value| v.as_str().is_some_and(|s| s.eq_ignore_ascii_case(to));
        let Some(t) = all
            .iter()
            .find(|t| is(&t["id"]))
            .or_else(|| all.iter().find(|t| is(&t["name"])))
            .or_else(|| all.iter().find(|t| is(&t["to"]["name"])))
        else {
            let names: Vec<String> = all
                .iter()
                .map(|t| {
                    format!(
                        "{} (→ {})",
                        t["name"].as_str().unwrap_or("?"),
                        t["to"]["name"].as_str().unwrap_or("?")
                    )
                })
                .collect();
            return Err(JiraError::invalid_field(
                "transition",
                format!(
                    "'{to}' is not available for {key}; available: {}",
                    names.join(", ")
                ),
            ));
        };
        let mut body = json!({"transition": {"id": t["id"]}});
        if !fields.is_empty() {
            body["fields"] = Value::Object(fields.clone());
        }
        if let Some(c) = comment {
            body["update"] = json!({"comment": [{"add": {"body": self.rich(c)}}]});
        }
        self.do_transition(key, &body).await?;
        Ok(t.clone())
    }
}

#[cfg(test)]
mod tests;

/// The nodes of rich text (ADF or wiki markup) that Markdown cannot express.
async fn inexpressible(text: Value) -> Result<Vec<String>, JiraError> {
    use super::budget::Budget;
    super::offload::heavy(super::offload::UNKNOWN_SIZE, move |stop| match &text {
        Value::String(w) => wiki::inexpressible_within(w, &mut Budget::new(stop, w.len())),
        d if adf::is_adf(d) => {
            adf::inexpressible_within(d, &mut Budget::new(stop, adf::json_weight(d)))
        }
        _ => Ok(vec![]),
    })
    .await?
    .map_err(JiraError::from)
}

/// Versions and components given as plain names (`["1.0"]`) in the shape Jira takes
/// (`[{"name": "1.0"}]`); any other value as it is.
fn by_name(schema: &Value, v: &Value) -> Value {
    let named = matches!(schema["items"].as_str(), Some("version" | "component"));
    match v.as_array() {
        Some(items) if named => Value::Array(
            items
                .iter()
                .map(|i| match i {
                    Value::String(name) => json!({ "name": name }),
                    other => other.clone(),
                })
                .collect(),
        ),
        _ => v.clone(),
    }
}
