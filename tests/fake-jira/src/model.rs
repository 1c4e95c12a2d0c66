//! Static Jira configuration shared by both projects: issue types, workflow statuses and
//! transitions, priorities and the field catalogue (system and custom fields), plus the JSON shapes
//! Jira gives them.

use serde_json::{json, Value};

/// (id, name, subtask, description)
pub const ISSUE_TYPES: &[(&str, &str, bool, &str)] = &[
    ("10001", "Task", false, "A small, distinct piece of work."),
    ("10002", "Bug", false, "A problem or error."),
    (
        "10004",
        "Story",
        false,
        "Functionality or a feature expressed as a user goal.",
    ),
    (
        "10003",
        "Sub-task",
        true,
        "A small piece of work that's part of a larger task.",
    ),
    (
        "10000",
        "Epic",
        false,
        "A big user story that needs to be broken down.",
    ),
];

/// The Epic issue type: a parent of standard issues, offered only in projects with a scrum board.
pub const EPIC: &str = "10000";

/// Projects whose issue type scheme has Epic (the scrum project); the others keep the four
/// basic types.
pub const EPIC_PROJECTS: &[&str] = &["DEMO"];

/// The issue types a project offers, in scheme order.
pub fn project_types(
    project: &str,
) -> impl Iterator<Item = &'static (&'static str, &'static str, bool, &'static str)> + '_ {
    ISSUE_TYPES.iter().filter(move |t| {
        t.0 != EPIC
            || EPIC_PROJECTS
                .iter()
                .any(|p| p.eq_ignore_ascii_case(project))
    })
}

/// (id, name, category id, category key, colour, category name)
pub const STATUSES: &[(&str, &str, u32, &str, &str, &str)] = &[
    ("10000", "To Do", 2, "new", "blue-gray", "To Do"),
    (
        "3",
        "In Progress",
        4,
        "indeterminate",
        "yellow",
        "In Progress",
    ),
    ("10001", "Done", 3, "done", "green", "Done"),
];

/// (transition id, name, target status id)
pub const TRANSITIONS: &[(&str, &str, &str)] = &[
    ("11", "To Do", "10000"),
    ("21", "In Progress", "3"),
    ("31", "Done", "10001"),
];

/// (id, name, colour)
pub const PRIORITIES: &[(&str, &str, &str)] = &[
    ("1", "Highest", "#d04437"),
    ("2", "High", "#f15C75"),
    ("3", "Medium", "#f79232"),
    ("4", "Low", "#707070"),
    ("5", "Lowest", "#999999"),
];

/// Options of the Severity select custom field: (id, value).
pub const SEVERITY: &[(&str, &str)] = &[
    ("10100", "Critical"),
    ("10101", "Major"),
    ("10102", "Minor"),
];

/// Custom field ids.
pub const CF_SEVERITY: &str = "customfield_10010";
/// Story points (number), on Story.
pub const CF_POINTS: &str = "customfield_10011";
/// Acceptance criteria (textarea, ADF), on Story.
pub const CF_ACCEPTANCE: &str = "customfield_10012";
/// Jira Software's Rank (`gh-lexo-rank`): the board order, a LexoRank string.
pub const CF_RANK: &str = "customfield_10019";
/// Jira Software's Sprint (`gh-sprint`): stored as the ids of every sprint the issue has been
/// in, closed ones included; at most one of them is open (active or future).
pub const CF_SPRINT: &str = "customfield_10020";

/// A field in the catalogue.
pub struct FieldDef {
    /// Id.
    pub id: &'static str,
    /// Name.
    pub name: &'static str,
    /// Schema type.
    pub ty: &'static str,
    /// Items type for arrays.
    pub items: Option<&'static str>,
    /// Custom type key.
    pub custom: Option<&'static str>,
    /// Navigable (part of `*navigable`).
    pub navigable: bool,
    /// Orderable (settable on create/edit).
    pub orderable: bool,
}

const fn f(
    id: &'static str,
    name: &'static str,
    ty: &'static str,
    items: Option<&'static str>,
    navigable: bool,
    orderable: bool,
) -> FieldDef {
    FieldDef {
        id,
        name,
        ty,
        items,
        custom: None,
        navigable,
        orderable,
    }
}

/// The field catalogue.
pub const FIELDS: &[FieldDef] = &[
    f("summary", "Summary", "string", None, true, true),
    f("description", "Description", "string", None, true, true),
    f("issuetype", "Issue Type", "issuetype", None, true, true),
    f("project", "Project", "project", None, true, true),
    f("status", "Status", "status", None, true, false),
    f("priority", "Priority", "priority", None, true, true),
    f("assignee", "Assignee", "user", None, true, true),
    f("reporter", "Reporter", "user", None, true, true),
    f("creator", "Creator", "user", None, true, false),
    f("labels", "Labels", "array", Some("string"), true, true),
    f("created", "Created", "datetime", None, true, false),
    f("updated", "Updated", "datetime", None, true, false),
    f("duedate", "Due date", "date", None, true, true),
    f("resolution", "Resolution", "resolution", None, true, false),
    f("resolutiondate", "Resolved", "datetime", None, true, false),
    f("parent", "Parent", "issuelink", None, true, true),
    f(
        "attachment",
        "Attachment",
        "array",
        Some("attachment"),
        true,
        false,
    ),
    f(
        "fixVersions",
        "Fix versions",
        "array",
        Some("version"),
        true,
        true,
    ),
    f(
        "versions",
        "Affects versions",
        "array",
        Some("version"),
        true,
        true,
    ),
    f(
        "components",
        "Components",
        "array",
        Some("component"),
        true,
        true,
    ),
    f(
        "timetracking",
        "Time tracking",
        "timetracking",
        None,
        false,
        true,
    ),
    f(
        "issuelinks",
        "Linked Issues",
        "array",
        Some("issuelinks"),
        true,
        true,
    ),
    f(
        "subtasks",
        "Sub-tasks",
        "array",
        Some("issuelinks"),
        true,
        false,
    ),
    f("comment", "Comment", "comments-page", None, false, true),
    FieldDef {
        id: CF_SEVERITY,
        name: "Severity",
        ty: "option",
        items: None,
        custom: Some("com.atlassian.jira.plugin.system.customfieldtypes:select"),
        navigable: true,
        orderable: true,
    },
    FieldDef {
        id: CF_POINTS,
        name: "Story Points",
        ty: "number",
        items: None,
        custom: Some("com.atlassian.jira.plugin.system.customfieldtypes:float"),
        navigable: true,
        orderable: true,
    },
    FieldDef {
        id: CF_ACCEPTANCE,
        name: "Acceptance criteria",
        ty: "string",
        items: None,
        custom: Some("com.atlassian.jira.plugin.system.customfieldtypes:textarea"),
        navigable: true,
        orderable: true,
    },
    FieldDef {
        id: CF_RANK,
        name: "Rank",
        ty: "any",
        items: None,
        custom: Some("com.pyxis.greenhopper.jira:gh-lexo-rank"),
        navigable: true,
        // Ranked through the agile API only.
        orderable: false,
    },
    FieldDef {
        id: CF_SPRINT,
        name: "Sprint",
        ty: "array",
        items: Some("json"),
        custom: Some("com.pyxis.greenhopper.jira:gh-sprint"),
        navigable: true,
        orderable: true,
    },
];

/// Field definition by id.
pub fn field(id: &str) -> Option<&'static FieldDef> {
    FIELDS.iter().find(|f| f.id == id)
}

/// Fields on the create screen of a type: (field id, required).
pub fn create_screen(type_id: &str) -> Vec<(&'static str, bool)> {
    let mut v = vec![
        ("project", true),
        ("issuetype", true),
        ("summary", true),
        ("description", false),
        ("priority", false),
        ("assignee", false),
        ("reporter", true),
        ("labels", false),
        ("duedate", false),
    ];
    match type_id {
        "10002" => v.push((CF_SEVERITY, true)),
        "10004" => {
            v.push((CF_POINTS, false));
            v.push((CF_ACCEPTANCE, false));
        }
        "10003" => v.push(("parent", true)),
        _ => {}
    }
    v
}

/// Field schema JSON.
pub fn schema(fd: &FieldDef) -> Value {
    let mut s = json!({"type": fd.ty});
    if let Some(i) = fd.items {
        s["items"] = json!(i);
    }
    match fd.custom {
        Some(c) => {
            s["custom"] = json!(c);
            let n: u64 = fd
                .id
                .trim_start_matches("customfield_")
                .parse()
                .unwrap_or(0);
            s["customId"] = json!(n);
        }
        None => s["system"] = json!(fd.id),
    }
    s
}

/// Status JSON.
pub fn status_json(base: &str, id: &str) -> Value {
    let s = STATUSES.iter().find(|s| s.0 == id).unwrap_or(&STATUSES[0]);
    json!({
        "self": format!("{base}/status/{}", s.0),
        "description": "",
        "iconUrl": format!("{base}/images/icons/statuses/generic.png"),
        "name": s.1,
        "id": s.0,
        "statusCategory": {
            "self": format!("{base}/statuscategory/{}", s.2),
            "id": s.2, "key": s.3, "colorName": s.4, "name": s.5
        }
    })
}

/// Issue type JSON.
pub fn issuetype_json(base: &str, id: &str) -> Value {
    let t = ISSUE_TYPES
        .iter()
        .find(|t| t.0 == id)
        .unwrap_or(&ISSUE_TYPES[0]);
    json!({
        "self": format!("{base}/issuetype/{}", t.0),
        "id": t.0, "description": t.3,
        "iconUrl": format!("{base}/images/icons/issuetypes/{}.svg", t.1.to_lowercase()),
        "name": t.1, "subtask": t.2, "avatarId": 10300 + t.0.parse::<u64>().unwrap_or(0) % 100,
        "hierarchyLevel": if t.2 { -1 } else if t.0 == EPIC { 1 } else { 0 }
    })
}

/// Priority JSON.
pub fn priority_json(base: &str, id: &str) -> Value {
    let p = PRIORITIES
        .iter()
        .find(|p| p.0 == id)
        .unwrap_or(&PRIORITIES[2]);
    json!({
        "self": format!("{base}/priority/{}", p.0),
        "iconUrl": format!("{base}/images/icons/priorities/{}.svg", p.1.to_lowercase()),
        "name": p.1, "id": p.0
    })
}

/// Resolves an issue type by id or name.
pub fn find_type(v: &Value) -> Option<&'static str> {
    let id = v.get("id").and_then(Value::as_str);
    let name = v.get("name").and_then(Value::as_str);
    ISSUE_TYPES
        .iter()
        .find(|t| Some(t.0) == id || name.is_some_and(|n| n.eq_ignore_ascii_case(t.1)))
        .map(|t| t.0)
}

/// Resolves a priority by id or name.
pub fn find_priority(v: &Value) -> Option<&'static str> {
    let id = v.get("id").and_then(Value::as_str);
    let name = v.get("name").and_then(Value::as_str);
    PRIORITIES
        .iter()
        .find(|p| Some(p.0) == id || name.is_some_and(|n| n.eq_ignore_ascii_case(p.1)))
        .map(|p| p.0)
}

/// Groups: (name, groupId, whether the caller belongs).
pub const GROUPS: &[(&str, &str, bool)] = &[
    ("jira-users", "6e9b6b6c-1c5a-4f57-b0a6-2f1a2e3b4c5d", true),
    ("developers", "0f4a7f2c-8d3e-4b9a-9c1d-7e6f5a4b3c2d", true),
    ("site-admins", "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", false),
];

/// Project roles: (name, whether the caller holds it in every project).
pub const ROLES: &[(&str, bool)] = &[
    ("Developers", true),
    ("Users", true),
    ("Administrators", false),
];

/// Issue link types: (id, name, inward phrase, outward phrase).
pub const LINK_TYPES: &[(&str, &str, &str, &str)] = &[
    ("10000", "Blocks", "is blocked by", "blocks"),
    ("10001", "Cloners", "is cloned by", "clones"),
    ("10002", "Duplicate", "is duplicated by", "duplicates"),
    ("10003", "Relates", "relates to", "relates to"),
];

/// A link type's JSON.
pub fn link_type_json(base: &str, t: &(&str, &str, &str, &str)) -> Value {
    json!({"id": t.0, "name": t.1, "inward": t.2, "outward": t.3, "self": format!("{base}/issueLinkType/{}", t.0)})
}
