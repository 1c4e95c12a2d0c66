//! The normalized issue of `issues/get` and `issues/list`, from a Cloud or Data Center IssueBean.

use serde::Serialize;
use serde_json::{Map, Value};

use super::budget::{Budget, Halt, Stop};
use super::{adf, wiki, Site};

/// Fields fetched when a caller names none: what the normalized issue shows.
pub const DEFAULT_FIELDS: &[&str] = &[
    "summary",
    "status",
    "issuetype",
    "priority",
    "assignee",
    "reporter",
    "labels",
    "parent",
    "subtasks",
    "created",
    "updated",
    "description",
];

/// Fields the normalized issue lifts to the top; every other returned field goes to `fields`.
const LIFTED: &[&str] = &[
    "summary",
    "status",
    "issuetype",
    "priority",
    "assignee",
    "reporter",
    "labels",
    "parent",
    "subtasks",
    "created",
    "updated",
    "description",
];

// The normalized issue is the protocol's: what clients get is what this builds.
pub use jirad_protocol::issues::{DescriptionFormat, Issue, IssueRef, Status, User};

fn string(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

fn user(v: &Value) -> Option<User> {
    v.is_object().then(|| User {
        account_id: string(&v["accountId"]).or_else(|| string(&v["name"])),
        display_name: string(&v["displayName"]),
    })
}

fn issue_ref(v: &Value) -> Option<IssueRef> {
    Some(IssueRef {
        key: string(&v["key"])?,
        id: string(&v["id"]).unwrap_or_default(),
        summary: string(&v["fields"]["summary"]),
    })
}

/// Normalizes an IssueBean. `names` (field id → name) comes from `expand=names`, on the bean or
/// the search page. The description converts within a [`Budget`] of its size, and nothing is done
/// once `stop` is raised.
pub fn normalize(
    bean: &Value,
    site: &Site,
    format: DescriptionFormat,
    names: Option<&Map<String, Value>>,
    stop: &Stop,
) -> Result<Issue, Halt> {
    if stop.requested() {
        return Err(Halt::Stopped);
    }
    let f = &bean["fields"];
    let has = |k: &str| f.get(k).is_some();
    let key = string(&bean["key"]).unwrap_or_default();
    let names = names.or(bean["names"].as_object());
    let (description, description_adf) = match f.get("description") {
        None => (None, None),
        Some(Value::Null) => (None, None),
        Some(d) => rich_text(d, format, stop)?,
    };
    let mut fields = Map::new();
    for (id, value) in f
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| !LIFTED.contains(&k.as_str()))
    {
        if let Some(name) = names
            .and_then(|n| n.get(id))
            .and_then(Value::as_str)
            .filter(|_| id.starts_with("customfield_"))
        {
            fields.insert(name.to_string(), value.clone());
        }
        fields.insert(id.clone(), value.clone());
    }
    Ok(Issue {
        url: site.browse_url(&key),
        key,
        id: string(&bean["id"]).unwrap_or_default(),
        summary: string(&f["summary"]),
        status: string(&f["status"]["name"]).map(|name| Status {
            name,
            category: string(&f["status"]["statusCategory"]["key"]),
        }),
        issue_type: string(&f["issuetype"]["name"]),
        priority: string(&f["priority"]["name"]),
        assignee: has("assignee").then(|| user(&f["assignee"])),
        reporter: has("reporter").then(|| user(&f["reporter"])),
        labels: f["labels"]
            .as_array()
            .map(|l| l.iter().filter_map(string).collect()),
        parent: issue_ref(&f["parent"]),
        subtasks: f["subtasks"]
            .as_array()
            .map(|s| s.iter().filter_map(issue_ref).collect()),
        created: string(&f["created"]),
        updated: string(&f["updated"]),
        description,
        description_adf,
        fields,
    })
}

/// A comment as clients see it: body as Markdown (and ADF when asked).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    pub id: String,
    pub author: Option<User>,
    pub body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_adf: Option<Value>,
    pub created: Option<String>,
    pub updated: Option<String>,
}

/// Wiki markup longer than this (8 times Jira's default text limit) is kept whole in a code block
/// rather than parsed: its document would hold hundreds of bytes per byte of markup. Only a Jira whose
/// admin raised the limit far, or something posing as Jira, sends more.
pub const MAX_PARSED_MARKUP: usize = 8 * 32_768;

/// A Data Center text field as ADF.
/// Data Center's wiki markup as ADF, spending `budget`.
fn wiki_doc_within(wiki: &str, budget: &mut Budget) -> Result<Value, Halt> {
    if wiki.len() <= MAX_PARSED_MARKUP {
        return wiki::wiki_to_adf_within(wiki, budget);
    }
    Ok(serde_json::json!({"type": "doc", "version": 1, "content": [
        {"type": "codeBlock", "content": [{"type": "text", "text": wiki}]}]}))
}

/// Normalizes a Comment (Cloud ADF body or DC wiki body).
/// Rich text (Data Center's wiki markup, else ADF) as the Markdown and the ADF `format` asks
/// for, converted within a budget of its size.
fn rich_text(
    v: &Value,
    format: DescriptionFormat,
    stop: &Stop,
) -> Result<(Option<String>, Option<Value>), Halt> {
    let (doc, mut budget) = match v {
        Value::String(w) => {
            let mut budget = Budget::new(stop, w.len());
            (wiki_doc_within(w, &mut budget)?, budget)
        }
        v => (v.clone(), Budget::new(stop, adf::json_weight(v))),
    };
    let md = match format {
        DescriptionFormat::Adf => None,
        _ => Some(adf::adf_to_markdown_within(&doc, &mut budget)?),
    };
    Ok((md, (format != DescriptionFormat::Markdown).then_some(doc)))
}

/// Whether `v` holds rich text: wiki markup or an ADF document.
fn is_rich(v: &Value) -> bool {
    v.is_string() || adf::is_adf(v)
}

/// A rich-text field value that is not a description or a comment body (a worklog's comment)
/// as Markdown; empty when it holds no rich text.
pub fn markdown_of(value: &Value, stop: &Stop) -> Result<String, Halt> {
    if !is_rich(value) {
        return Ok(String::new());
    }
    let (md, _) = rich_text(value, DescriptionFormat::Markdown, stop)?;
    Ok(md.unwrap_or_default())
}

/// A comment as clients see it, its body converted like a description.
pub fn normalize_comment(
    c: &Value,
    format: DescriptionFormat,
    stop: &Stop,
) -> Result<Comment, Halt> {
    let (body, body_adf) = match &c["body"] {
        b if is_rich(b) => rich_text(b, format, stop)?,
        _ => (None, None),
    };
    Ok(Comment {
        id: string(&c["id"]).unwrap_or_default(),
        author: user(&c["author"]),
        body,
        body_adf,
        created: string(&c["created"]),
        updated: string(&c["updated"]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn site(flavor: super::super::Flavor) -> Site {
        let u = url::Url::parse("https://x.atlassian.net").unwrap();
        Site {
            api_base: u.clone(),
            browse_base: u,
            flavor,
        }
    }

    #[test]
    fn normalizes_cloud_and_dc() {
        let bean = json!({"id": "10002", "key": "ED-1", "names": {"customfield_10010": "Story Points"}, "fields": {
            "summary": "S", "status": {"name": "To Do", "statusCategory": {"key": "new"}}, "issuetype": {"name": "Task"},
            "priority": {"name": "High"}, "assignee": null, "reporter": {"accountId": "abc", "displayName": "Mia"},
            "labels": ["a"], "parent": {"key": "ED-0", "id": "10001", "fields": {"summary": "P"}}, "subtasks": [],
            "created": "2021-01-17T12:34:00.000+0000", "customfield_10010": 5, "duedate": null,
            "description": {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": "hi", "marks": [{"type": "strong"}]}]}]}}});
        let i = normalize(
            &bean,
            &site(super::super::Flavor::Cloud),
            DescriptionFormat::Both,
            None,
            &Stop::default(),
        )
        .unwrap();
        let v = serde_json::to_value(&i).unwrap();
        assert_eq!(v["url"], "https://x.atlassian.net/browse/ED-1");
        assert_eq!(v["status"], json!({"name": "To Do", "category": "new"}));
        assert_eq!(v["assignee"], Value::Null);
        assert_eq!(
            v["reporter"],
            json!({"accountId": "abc", "displayName": "Mia"})
        );
        assert_eq!(
            v["parent"],
            json!({"key": "ED-0", "id": "10001", "summary": "P"})
        );
        assert_eq!(v["description"], "**hi**\n");
        assert_eq!(v["descriptionAdf"]["type"], "doc");
        assert_eq!(
            v["fields"],
            json!({"customfield_10010": 5, "Story Points": 5, "duedate": null})
        );
        assert!(v.get("updated").is_none(), "only returned fields travel");

        let dc = json!({"id": "1", "key": "D-1", "fields": {"assignee": {"name": "jdoe", "displayName": "J"}, "description": "h1. Title\n*bold*"}});
        let v = serde_json::to_value(
            normalize(
                &dc,
                &site(super::super::Flavor::DataCenter),
                DescriptionFormat::Markdown,
                None,
                &Stop::default(),
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(v["assignee"]["accountId"], "jdoe");
        assert_eq!(v["description"], "# Title\n\n**bold**\n");
        assert!(v.get("descriptionAdf").is_none());
        let c = normalize_comment(
            &json!({"id": "5", "author": {"accountId": "a", "displayName": "A"}, "body": "_hi_"}),
            DescriptionFormat::Markdown,
            &Stop::default(),
        )
        .unwrap();
        assert_eq!(c.body.as_deref(), Some("*hi*\n"));
    }
}
