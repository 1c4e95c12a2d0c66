//! Deterministic seed data: users, the DEMO and OPS projects, hand-written issues with realistic ADF
//! descriptions, comments and sub-tasks, and `--issues N` generated ones. Timestamps are laid out
//! backwards from the start of the current UTC day so that relative JQL (`updated >= -7d`) is
//! meaningful; everything else depends only on the seed.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Value};

use crate::model::{CF_POINTS, CF_RANK, CF_SEVERITY, CF_SPRINT, EPIC};
use crate::store::{Board, Comment, Config, Inner, Issue, Project, Sprint, User};

/// splitmix64: a tiny deterministic PRNG.
pub struct Rng(u64);

impl Rng {
    /// New generator.
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    /// Next u64.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    /// Pick from a slice.
    pub fn pick<'a, T>(&mut self, s: &'a [T]) -> &'a T {
        &s[self.below(s.len() as u64) as usize]
    }
}

/// The seeded users; the first is the authenticated user ("me").
pub fn users() -> Vec<User> {
    let u = |id: &str, name: &str, email: &str, login: &str, tz: &str| User {
        account_id: id.into(),
        display_name: name.into(),
        email: email.into(),
        name: login.into(),
        time_zone: tz.into(),
    };
    vec![
        u(
            "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077",
            "Alex Morgan",
            "alex@example.com",
            "amorgan",
            "Europe/Berlin",
        ),
        u(
            "5b10a2844c20165700ede21g",
            "Mia Krystof",
            "mia@example.com",
            "mkrystof",
            "Australia/Sydney",
        ),
        u(
            "5b10ac8d82e05b22cc7d4ef5",
            "Sam Lee",
            "sam@example.com",
            "slee",
            "America/New_York",
        ),
        u(
            "712020:0e2f0c9a-1a1b-4c5d-9e8f-0a1b2c3d4e5f",
            "Priya Patel",
            "priya@example.com",
            "ppatel",
            "Asia/Kolkata",
        ),
        u(
            "60e5a86a471e61006a0f1234",
            "Jordan Smith",
            "jordan@example.com",
            "jsmith",
            "Europe/London",
        ),
    ]
}

fn text(t: &str) -> Value {
    json!({"type": "text", "text": t})
}

fn para(content: Vec<Value>) -> Value {
    json!({"type": "paragraph", "content": content})
}

/// A realistic ADF description: heading, paragraph with a link and a mention, list, code block.
pub fn rich_description(summary: &str, mention: &User, n: u64) -> Value {
    json!({"type": "doc", "version": 1, "content": [
        {"type": "heading", "attrs": {"level": 2}, "content": [text("Context")]},
        para(vec![
            text(&format!("{summary}. See ")),
            json!({"type": "text", "text": "the runbook", "marks": [{"type": "link", "attrs": {"href": format!("https://example.com/runbooks/{n}")}}]}),
            text(" and ask "),
            json!({"type": "mention", "attrs": {"id": mention.account_id, "text": format!("@{}", mention.display_name), "accessLevel": "", "userType": "DEFAULT"}}),
            text(" for "),
            json!({"type": "text", "text": "details", "marks": [{"type": "strong"}]}),
            text("."),
        ]),
        {"type": "heading", "attrs": {"level": 3}, "content": [text("Steps")]},
        {"type": "orderedList", "attrs": {"order": 1}, "content": [
            {"type": "listItem", "content": [para(vec![text("Reproduce on a clean checkout")])]},
            {"type": "listItem", "content": [para(vec![text("Run "), json!({"type": "text", "text": "make test", "marks": [{"type": "code"}]})])]},
        ]},
        {"type": "bulletList", "content": [
            {"type": "listItem", "content": [para(vec![text("Expected: it works")])]},
            {"type": "listItem", "content": [para(vec![text("Actual: it does not")])]},
        ]},
        {"type": "codeBlock", "attrs": {"language": "rust"}, "content": [text(&format!("fn main() {{\n    println!(\"case {n}\");\n}}"))]},
    ]})
}

fn simple_doc(t: &str) -> Value {
    json!({"type": "doc", "version": 1, "content": [para(vec![text(t)])]})
}

const VERBS: &[&str] = &[
    "Fix",
    "Add",
    "Refactor",
    "Document",
    "Investigate",
    "Speed up",
    "Remove",
    "Migrate",
];
const NOUNS: &[&str] = &[
    "login redirect",
    "search paging",
    "CSV export",
    "dark mode",
    "webhook retries",
    "billing report",
    "audit log",
    "rate limiter",
    "onboarding email",
    "cache invalidation",
    "API docs",
    "flaky test",
];
const LABELS: &[&str] = &[
    "backend",
    "frontend",
    "ops",
    "security",
    "tech-debt",
    "customer",
    "perf",
];

/// Builds the seeded state.
pub fn build(seed: u64, extra: usize, config: Config) -> Inner {
    let users = users();
    let mut rng = Rng::new(seed);
    let day = crate::store::real_now().div_euclid(86_400_000) * 86_400_000;
    let mut inner = Inner {
        users: users.clone(),
        projects: BTreeMap::new(),
        issues: BTreeMap::new(),
        keys: HashMap::new(),
        next_issue_id: 10000,
        next_comment_id: 10000,
        next_history_id: 10000,
        links: Vec::new(),
        next_worklog_id: 10000,
        attachments: Vec::new(),
        next_attachment_id: 10000,
        versions: Vec::new(),
        components: Vec::new(),
        next_version_id: 10000,
        next_link_id: 10000,
        boards: Vec::new(),
        sprints: Vec::new(),
        next_sprint_id: 1,
        clock_offset: 0,
        pending: HashMap::new(),
        codes: HashMap::new(),
        access: HashMap::new(),
        refresh: HashMap::new(),
        families: HashMap::new(),
        next_family: 1,
        config,
        faults: Vec::new(),
        log: Vec::new(),
    };
    for (id, key, name, lead) in [
        (10000, "DEMO", "Demo Project", 0),
        (10001, "OPS", "Operations", 2),
    ] {
        inner.projects.insert(
            key.into(),
            Project {
                id,
                key: key.into(),
                name: name.into(),
                next_num: 1,
                lead: users[lead].account_id.clone(),
            },
        );
    }
    // Hand-written-looking issues: 14 in DEMO, 8 in OPS, each with one or two comments.
    let total = 22 + extra;
    let span = 60 * 86_400_000i64;
    for i in 0..total {
        if i == 22 {
            // Before the generated issues, so that the epics' keys do not depend on `--issues`.
            seed_epics(&mut inner, &users[0].account_id, day);
        }
        let project = if !(14..22).contains(&i) {
            "DEMO"
        } else {
            "OPS"
        };
        let generated = i >= 22;
        let created =
            day - span + (i as i64) * (span / (total as i64 + 1)) + rng.below(3_600_000) as i64;
        let updated = (created + rng.below(20 * 86_400_000) as i64).min(day + 8 * 3_600_000);
        let summary = format!("{} {}", rng.pick(VERBS), rng.pick(NOUNS));
        let ty = *rng.pick(&["10001", "10001", "10002", "10004"]);
        let status = *rng.pick(&["10000", "10000", "3", "10001"]);
        let reporter = rng.pick(&users).account_id.clone();
        let assignee = (rng.below(5) != 0).then(|| rng.pick(&users).account_id.clone());
        let mut labels: Vec<String> = (0..rng.below(3))
            .map(|_| rng.pick(LABELS).to_string())
            .collect();
        labels.sort();
        labels.dedup();
        let mention = rng.pick(&users).clone();
        let description = if generated {
            Some(simple_doc(&format!("Generated issue {i}: {summary}.")))
        } else {
            Some(rich_description(&summary, &mention, i as u64))
        };
        let mut custom = BTreeMap::new();
        if ty == "10002" {
            let (oid, v) = crate::model::SEVERITY[rng.below(3) as usize];
            custom.insert(CF_SEVERITY.to_string(), json!({"id": oid, "value": v}));
        }
        if ty == "10004" {
            custom.insert(CF_POINTS.to_string(), json!(rng.pick(&[1, 2, 3, 5, 8])));
        }
        let id = insert_issue(
            &mut inner,
            project,
            ty,
            summary,
            description,
            status,
            &reporter,
            assignee,
            labels,
            None,
            created,
            updated,
            custom,
        );
        if !generated {
            if status != "10000" {
                seed_history(&mut inner, id, &reporter, created + 2 * 3_600_000, updated);
            }
            for c in 0..(1 + rng.below(2)) {
                let author = rng.pick(&users).account_id.clone();
                let t = created + (c as i64 + 1) * 3_600_000;
                add_comment(
                    &mut inner,
                    id,
                    &author,
                    simple_doc(&format!("Comment {c} on this: looks reproducible.")),
                    t,
                );
            }
            // Sub-tasks on a few issues.
            if i % 5 == 0 {
                for s in 0..2 {
                    let st = format!("Sub-task {} of {}", s + 1, inner.issues[&id].key);
                    insert_issue(
                        &mut inner,
                        project,
                        "10003",
                        st,
                        None,
                        "10000",
                        &reporter,
                        None,
                        vec![],
                        Some(id),
                        created + 60_000,
                        created + 60_000,
                        BTreeMap::new(),
                    );
                }
            }
        }
    }
    if total == 22 {
        seed_epics(&mut inner, &users[0].account_id, day);
    }
    seed_agile(&mut inner, day);
    inner
}

/// The two epics of DEMO (In Progress and To Do), created a month ago.
fn seed_epics(inner: &mut Inner, reporter: &str, day: i64) {
    for (n, (summary, status)) in [("Audit log overhaul", "3"), ("Onboarding", "10000")]
        .into_iter()
        .enumerate()
    {
        let created = day - (30 - n as i64) * 86_400_000;
        insert_issue(
            inner,
            "DEMO",
            EPIC,
            summary.into(),
            Some(simple_doc(&format!("{summary}: the stories below."))),
            status,
            reporter,
            Some(reporter.into()),
            vec![],
            None,
            created,
            created,
            BTreeMap::new(),
        );
    }
}

/// Jira Software's data: the DEMO scrum board with a closed, an active and a future sprint, the
/// OPS kanban board, every issue's rank (id order), some DEMO stories under the epics, and the
/// sprint of the first DEMO issues (sub-tasks go with their parent).
fn seed_agile(inner: &mut Inner, day: i64) {
    let ids: Vec<u64> = inner.issues.keys().copied().collect();
    for (n, id) in ids.iter().enumerate() {
        if let Some(i) = inner.issues.get_mut(id) {
            i.custom
                .insert(CF_RANK.into(), json!(crate::rank::initial(n as u64)));
        }
    }
    for (id, name, kind, project) in [
        (1, "DEMO board", "scrum", "DEMO"),
        (2, "OPS board", "kanban", "OPS"),
    ] {
        inner.boards.push(Board {
            id,
            name: name.into(),
            kind: kind.into(),
            project: project.into(),
            filter_id: 9999 + id,
        });
    }
    let h = 3_600_000i64;
    let d = 24 * h;
    let sprint = |id: u64,
                  state: &str,
                  start: Option<i64>,
                  end: Option<i64>,
                  complete: Option<i64>,
                  goal: Option<&str>| Sprint {
        id,
        name: format!("DEMO Sprint {id}"),
        state: state.into(),
        start,
        end,
        complete,
        activated: start,
        created: day - (36 - 7 * id as i64) * d,
        goal: goal.map(String::from),
        board: 1,
    };
    inner.sprints = vec![
        sprint(
            1,
            "closed",
            Some(day - 21 * d + 9 * h),
            Some(day - 7 * d + 9 * h),
            Some(day - 7 * d + 10 * h),
            Some("Import the backlog"),
        ),
        sprint(
            2,
            "active",
            Some(day - 7 * d + 10 * h),
            Some(day + 7 * d + 10 * h),
            None,
            Some("Ship the audit log"),
        ),
        sprint(3, "future", None, None, None, None),
    ];
    inner.next_sprint_id = 4;
    // The first fourteen DEMO issues (stories, tasks and bugs, not sub-tasks or epics).
    let work: Vec<(u64, bool)> = inner
        .issues
        .values()
        .filter(|i| i.project == "DEMO" && i.parent.is_none() && i.issuetype != EPIC)
        .take(14)
        .map(|i| (i.id, i.status == "10001"))
        .collect();
    let epics: Vec<u64> = inner
        .issues
        .values()
        .filter(|i| i.issuetype == EPIC)
        .map(|i| i.id)
        .collect();
    // Sprint 1: the first two done issues, and the first unfinished one, carried over to sprint 2.
    let mut plan: Vec<(u64, Vec<u64>)> = Vec::new();
    plan.extend(work.iter().filter(|w| w.1).take(2).map(|w| (w.0, vec![1])));
    if let Some(w) = work.iter().find(|w| !w.1) {
        plan.push((w.0, vec![1, 2]));
    }
    let rest: Vec<u64> = work
        .iter()
        .map(|w| w.0)
        .filter(|id| !plan.iter().any(|p| p.0 == *id))
        .collect();
    plan.extend(rest.iter().take(5).map(|id| (*id, vec![2])));
    plan.extend(rest.iter().skip(5).take(2).map(|id| (*id, vec![3])));
    for (id, sprints) in plan {
        let mut targets = inner.subtasks(id);
        targets.push(id);
        for t in targets {
            if let Some(i) = inner.issues.get_mut(&t) {
                i.custom.insert(CF_SPRINT.into(), json!(sprints));
            }
        }
    }
    // Three issues under the first epic, two under the second.
    for (n, w) in work.iter().skip(3).take(5).enumerate() {
        let epic = epics.get(usize::from(n >= 3)).copied();
        if let (Some(i), Some(e)) = (inner.issues.get_mut(&w.0), epic) {
            i.parent = Some(e);
        }
    }
}

/// The history of a started or finished issue: moved to In Progress, then (if done) to Done.
fn seed_history(inner: &mut Inner, id: u64, author: &str, started: i64, updated: i64) {
    let Some(issue) = inner.issues.get_mut(&id) else {
        return;
    };
    let (status, resolved) = (issue.status.clone(), issue.resolved);
    issue.status = "3".into();
    issue.resolved = None;
    let mut todo = issue.clone();
    todo.status = "10000".into();
    crate::api::changelog::record(inner, id, author, &todo, started.min(updated));
    if status == "10001" {
        let Some(issue) = inner.issues.get_mut(&id) else {
            return;
        };
        let doing = issue.clone();
        issue.status = status;
        issue.resolved = resolved;
        crate::api::changelog::record(inner, id, author, &doing, updated);
    }
}

/// Inserts an issue, allocating id and key.
#[allow(clippy::too_many_arguments)]
pub fn insert_issue(
    inner: &mut Inner,
    project: &str,
    ty: &str,
    summary: String,
    description: Option<Value>,
    status: &str,
    reporter: &str,
    assignee: Option<String>,
    labels: Vec<String>,
    parent: Option<u64>,
    created: i64,
    updated: i64,
    custom: BTreeMap<String, Value>,
) -> u64 {
    let id = inner.next_issue_id;
    inner.next_issue_id += 1;
    let num = match inner.projects.get_mut(project) {
        Some(p) => {
            p.next_num += 1;
            p.next_num - 1
        }
        None => 0,
    };
    let key = format!("{project}-{num}");
    inner.keys.insert(key.clone(), id);
    let resolved = (status == "10001").then_some(updated);
    inner.issues.insert(
        id,
        Issue {
            id,
            key,
            project: project.into(),
            issuetype: ty.into(),
            summary,
            description,
            status: status.into(),
            priority: ["1", "2", "3", "3", "4", "5"][(id % 6) as usize].into(),
            assignee,
            reporter: Some(reporter.into()),
            creator: reporter.into(),
            labels,
            parent,
            duedate: None,
            custom,
            comments: Vec::new(),
            history: Vec::new(),
            remote_links: Vec::new(),
            // As Jira's default: the reporter watches what they report.
            watchers: vec![reporter.to_owned()],
            voters: Vec::new(),
            worklogs: Vec::new(),
            fix_versions: Vec::new(),
            affects_versions: Vec::new(),
            components: Vec::new(),
            remaining: None,
            created,
            updated,
            resolved,
            indexed_at: 0,
        },
    );
    id
}

/// Adds a comment.
pub fn add_comment(
    inner: &mut Inner,
    issue: u64,
    author: &str,
    body: Value,
    at: i64,
) -> Option<Comment> {
    let cid = inner.next_comment_id;
    inner.next_comment_id += 1;
    let c = Comment {
        id: cid,
        author: author.into(),
        body,
        created: at,
        updated: at,
        visibility: None,
    };
    let i = inner.issues.get_mut(&issue)?;
    i.comments.push(c.clone());
    Some(c)
}
