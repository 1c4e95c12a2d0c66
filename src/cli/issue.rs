//! `jirad issue get|list|create|update|delete|transition|comment|assign|unassign|vote|unvote|
//! watch|unwatch|thumbnail|projects|users` (and more):
//! shell wrappers of the issue, workflow, project and user methods. They talk to the daemon as
//! `jirad call` does (starting it when needed) and print a table or text, or the raw result with
//! `--json`. Exit codes as `jirad call`.

use super::call::{connect, pretty, EXIT_NO_DAEMON, EXIT_RPC_ERROR};
use super::SocketArgs;
use clap::{Args, Subcommand};
use serde_json::{json, Map, Value};
use std::path::PathBuf;
use std::process::ExitCode;

/// `jirad issue …`.
#[derive(Debug, Clone, Args)]
pub struct IssueArgs {
    #[command(subcommand)]
    command: IssueCommand,
    /// Print the method's JSON result instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// Profile to act as.
    #[arg(long, global = true)]
    profile: Option<String>,
    #[command(flatten)]
    socket: SocketArgs,
    /// Config file for a daemon started by this command.
    #[arg(long, env = "JIRAD_CONFIG", value_name = "FILE", global = true)]
    config: Option<PathBuf>,
}

#[derive(Debug, Clone, Subcommand)]
enum IssueCommand {
    /// Show one issue.
    Get {
        key: String,
        /// Bypass the daemon's cache.
        #[arg(long)]
        fresh: bool,
    },
    /// List issues matching JQL (default: every issue you can see), newest first.
    List {
        jql: Option<String>,
        #[arg(long)]
        project: Option<String>,
        /// `me`, an account id or an email.
        #[arg(long)]
        assignee: Option<String>,
        #[arg(long)]
        status: Option<String>,
        /// Page size (1-1000).
        #[arg(long)]
        limit: Option<u32>,
        /// The page after the one that printed this token.
        #[arg(long, value_name = "TOKEN")]
        page_token: Option<String>,
        /// Every page, up to the daemon's cap.
        #[arg(long)]
        all: bool,
        /// With --all: stop after this many issues.
        #[arg(long, value_name = "N")]
        max_issues: Option<u32>,
    },
    /// Create an issue; prints its key and link.
    Create {
        #[arg(long)]
        project: String,
        #[arg(long = "type")]
        issue_type: String,
        #[arg(long)]
        summary: String,
        /// The description, Markdown.
        #[arg(long, value_name = "MARKDOWN", conflicts_with = "description_file")]
        description: Option<String>,
        /// Markdown file for the description (`-` for stdin).
        #[arg(long, value_name = "FILE")]
        description_file: Option<PathBuf>,
        #[arg(long = "label")]
        labels: Vec<String>,
        #[arg(long)]
        assignee: Option<String>,
        #[arg(long)]
        priority: Option<String>,
        #[arg(long)]
        parent: Option<String>,
    },
    /// Change an issue; prints it afterwards.
    Update {
        key: String,
        #[arg(long)]
        summary: Option<String>,
        /// The description, Markdown.
        #[arg(long, value_name = "MARKDOWN", conflicts_with = "description_file")]
        description: Option<String>,
        /// Markdown file for the description (`-` for stdin).
        #[arg(long, value_name = "FILE")]
        description_file: Option<PathBuf>,
        #[arg(long = "add-label")]
        add_labels: Vec<String>,
        #[arg(long = "remove-label")]
        remove_labels: Vec<String>,
        #[arg(long)]
        assignee: Option<String>,
        #[arg(long)]
        priority: Option<String>,
        /// Replace a description even if Markdown cannot express all of it.
        #[arg(long)]
        force: bool,
    },
    /// Delete an issue.
    Delete {
        key: String,
        /// Delete its sub-tasks too.
        #[arg(long)]
        delete_subtasks: bool,
    },
    /// Move an issue through its workflow: a transition's name or id, or the target status.
    Transition {
        key: String,
        to: String,
        /// A comment added with the transition (Markdown).
        #[arg(long, value_name = "MARKDOWN")]
        comment: Option<String>,
    },
    /// Add a comment (Markdown); `-` or no text reads it from stdin.
    Comment { key: String, text: Option<String> },
    /// Assign an issue: `me`, an account id (Data Center: a username) or an email.
    Assign { key: String, assignee: String },
    /// Leave an issue unassigned.
    Unassign { key: String },
    /// An issue's history, oldest first: when, who, and each field from -> to.
    History {
        key: String,
        /// Histories per page (1-1000).
        #[arg(long)]
        limit: Option<u32>,
        /// The page after the one that printed this token.
        #[arg(long, value_name = "TOKEN")]
        page_token: Option<String>,
    },
    /// Attach a local file to an issue.
    Attach { key: String, path: PathBuf },
    /// An issue's attachments.
    Attachments { key: String },
    /// Save an attachment to a file (never over an existing one unless --overwrite).
    Download {
        id: String,
        path: PathBuf,
        #[arg(long)]
        overwrite: bool,
    },
    /// Link two issues: FROM TYPE TO reads as a sentence ("DEMO-1 blocks DEMO-4").
    Link {
        from: String,
        #[arg(value_name = "TYPE")]
        link_type: String,
        to: String,
    },
    /// Remove an issue link by its id (from `links`).
    Unlink { id: String },
    /// An issue's links, each read from its side, and its web links.
    Links { key: String },
    /// Log time on an issue ("1h 30m").
    Worklog {
        key: String,
        time: String,
        /// What was done (Markdown).
        #[arg(long)]
        comment: Option<String>,
        /// When the work started, RFC 3339 (default now).
        #[arg(long)]
        started: Option<String>,
    },
    /// Watch an issue (get Jira's notifications about it).
    Watch { key: String },
    /// Stop watching an issue, or take someone else off its watchers.
    Unwatch {
        key: String,
        /// Name, email or account id (Data Center: username) [default: you].
        #[arg(long)]
        user: Option<String>,
    },
    /// Vote for an issue.
    Vote { key: String },
    /// Take your vote back.
    Unvote { key: String },
    /// Save an image attachment's thumbnail (PNG) to a file.
    Thumbnail {
        id: String,
        path: PathBuf,
        #[arg(long)]
        overwrite: bool,
    },
    /// Projects you can see, optionally matching a query.
    Projects { query: Option<String> },
    /// Users matching a name or email.
    Users { query: String },
}

/// The description given inline, else read from its file.
fn description(inline: &Option<String>, file: &Option<PathBuf>) -> Result<Option<String>, String> {
    if inline.is_some() {
        return Ok(inline.clone());
    }
    read_description(file)
}

fn read_description(file: &Option<PathBuf>) -> Result<Option<String>, String> {
    let Some(path) = file else { return Ok(None) };
    let text = if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(path)
    };
    text.map(Some)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Adds the `Some` values and non-empty lists of `pairs` to `params`.
pub(super) fn set(params: &mut Map<String, Value>, pairs: &[(&str, Value)]) {
    for (k, v) in pairs {
        let empty = v.is_null() || v.as_array().is_some_and(Vec::is_empty) || v == &json!(false);
        if !empty {
            params.insert((*k).to_owned(), v.clone());
        }
    }
}

fn request(cmd: &IssueCommand) -> Result<(&'static str, Map<String, Value>), String> {
    let mut p = Map::new();
    let method = match cmd {
        IssueCommand::Get { key, fresh } => {
            set(&mut p, &[("key", json!(key)), ("fresh", json!(fresh))]);
            "issues/get"
        }
        IssueCommand::List {
            jql,
            project,
            assignee,
            status,
            limit,
            page_token,
            all,
            max_issues,
        } => {
            set(
                &mut p,
                &[
                    ("jql", json!(jql)),
                    ("project", json!(project)),
                    ("assignee", json!(assignee)),
                    ("status", json!(status)),
                    ("limit", json!(limit)),
                    ("pageToken", json!(page_token)),
                    ("all", json!(all)),
                    ("maxIssues", json!(max_issues)),
                ],
            );
            "issues/list"
        }
        IssueCommand::Create {
            project,
            issue_type,
            summary,
            description: inline,
            description_file,
            labels,
            assignee,
            priority,
            parent,
        } => {
            set(
                &mut p,
                &[
                    ("project", json!(project)),
                    ("type", json!(issue_type)),
                    ("summary", json!(summary)),
                    ("description", json!(description(inline, description_file)?)),
                    ("labels", json!(labels)),
                    ("assignee", json!(assignee)),
                    ("priority", json!(priority)),
                    ("parent", json!(parent)),
                ],
            );
            "issues/create"
        }
        IssueCommand::Update {
            key,
            summary,
            description: inline,
            description_file,
            add_labels,
            remove_labels,
            assignee,
            priority,
            force,
        } => {
            set(
                &mut p,
                &[
                    ("key", json!(key)),
                    ("summary", json!(summary)),
                    ("description", json!(description(inline, description_file)?)),
                    ("addLabels", json!(add_labels)),
                    ("removeLabels", json!(remove_labels)),
                    ("assignee", json!(assignee)),
                    ("priority", json!(priority)),
                    ("force", json!(force)),
                ],
            );
            "issues/update"
        }
        IssueCommand::Delete {
            key,
            delete_subtasks,
        } => {
            set(
                &mut p,
                &[
                    ("key", json!(key)),
                    ("deleteSubtasks", json!(delete_subtasks)),
                ],
            );
            "issues/delete"
        }
        IssueCommand::Transition { key, to, comment } => {
            set(
                &mut p,
                &[
                    ("key", json!(key)),
                    ("to", json!(to)),
                    ("comment", json!(comment)),
                ],
            );
            "issues/transition"
        }
        IssueCommand::Comment { key, text } => {
            let body = match text.as_deref() {
                Some(t) if t != "-" => t.to_owned(),
                _ => std::io::read_to_string(std::io::stdin())
                    .map_err(|e| format!("cannot read the comment from stdin: {e}"))?,
            };
            set(&mut p, &[("key", json!(key)), ("body", json!(body))]);
            "issues/addComment"
        }
        IssueCommand::Assign { key, assignee } => {
            set(
                &mut p,
                &[("key", json!(key)), ("assignee", json!(assignee))],
            );
            "issues/assign"
        }
        IssueCommand::Unassign { key } => {
            // `set` drops nulls; here null is the point.
            p.insert("key".into(), json!(key));
            p.insert("assignee".into(), Value::Null);
            "issues/assign"
        }
        IssueCommand::History {
            key,
            limit,
            page_token,
        } => {
            set(
                &mut p,
                &[
                    ("key", json!(key)),
                    ("limit", json!(limit)),
                    ("pageToken", json!(page_token)),
                ],
            );
            "issues/changelog"
        }
        IssueCommand::Attach { key, path } => {
            set(
                &mut p,
                &[("key", json!(key)), ("path", json!(absolute(path)?))],
            );
            "attachments/upload"
        }
        IssueCommand::Attachments { key } => {
            set(&mut p, &[("key", json!(key))]);
            "attachments/list"
        }
        IssueCommand::Download {
            id,
            path,
            overwrite,
        } => {
            set(
                &mut p,
                &[
                    ("id", json!(id)),
                    ("path", json!(absolute(path)?)),
                    ("overwrite", json!(overwrite)),
                ],
            );
            "attachments/download"
        }
        IssueCommand::Link {
            from,
            link_type,
            to,
        } => {
            set(
                &mut p,
                &[
                    ("from", json!(from)),
                    ("type", json!(link_type)),
                    ("to", json!(to)),
                ],
            );
            "links/create"
        }
        IssueCommand::Unlink { id } => {
            set(&mut p, &[("id", json!(id))]);
            "links/delete"
        }
        IssueCommand::Links { key } => {
            set(&mut p, &[("key", json!(key))]);
            "links/list"
        }
        IssueCommand::Worklog {
            key,
            time,
            comment,
            started,
        } => {
            set(
                &mut p,
                &[
                    ("key", json!(key)),
                    ("timeSpent", json!(time)),
                    ("comment", json!(comment)),
                    ("started", json!(started)),
                ],
            );
            "worklogs/add"
        }
        IssueCommand::Watch { key } => {
            set(&mut p, &[("key", json!(key))]);
            "watchers/add"
        }
        IssueCommand::Unwatch { key, user } => {
            set(&mut p, &[("key", json!(key)), ("user", json!(user))]);
            "watchers/remove"
        }
        IssueCommand::Vote { key } => {
            set(&mut p, &[("key", json!(key))]);
            "votes/add"
        }
        IssueCommand::Unvote { key } => {
            set(&mut p, &[("key", json!(key))]);
            "votes/remove"
        }
        IssueCommand::Thumbnail {
            id,
            path,
            overwrite,
        } => {
            set(
                &mut p,
                &[
                    ("id", json!(id)),
                    ("path", json!(absolute(path)?)),
                    ("overwrite", json!(overwrite)),
                ],
            );
            "attachments/thumbnail"
        }
        IssueCommand::Projects { query } => {
            set(&mut p, &[("query", json!(query))]);
            "projects/list"
        }
        IssueCommand::Users { query } => {
            set(&mut p, &[("query", json!(query))]);
            "users/search"
        }
    };
    Ok((method, p))
}

/// Runs `jirad issue …`.
pub async fn run(args: IssueArgs) -> ExitCode {
    let request = request(&args.command);
    let command = args.command.clone();
    let target = Target {
        json: args.json,
        profile: args.profile,
        socket: args.socket,
        config: args.config,
    };
    call(request, target, |r| render(&command, r)).await
}

/// Calls the method of `request` (as the profile given) and prints the result as `render` puts
/// it, or as JSON with `--json`; a request that could not be built is the exit code.
pub(super) async fn call(
    request: Result<(&'static str, Map<String, Value>), String>,
    target: Target,
    render: impl FnOnce(&Value) -> String,
) -> ExitCode {
    let _ = super::logging::init("warn", None);
    let (method, params) = match request {
        Ok(r) => r,
        Err(e) => {
            eprintln!("jirad: {e}");
            return ExitCode::from(EXIT_NO_DAEMON);
        }
    };
    send(target, method, params, |r| (render(r), true)).await
}

/// Where a shell wrapper's call goes and how its answer is printed.
pub(super) struct Target {
    pub json: bool,
    pub profile: Option<String>,
    pub socket: SocketArgs,
    pub config: Option<PathBuf>,
}

/// Calls `method` (starting the daemon if needed) and prints the result as text from `render`,
/// or as JSON with `--json`; `render` says whether the result is a success for the exit code.
pub(super) async fn send(
    target: Target,
    method: &str,
    mut params: Map<String, Value>,
    render: impl FnOnce(&Value) -> (String, bool),
) -> ExitCode {
    if let Some(p) = &target.profile {
        params.insert("profile".into(), json!(p));
    }
    let mut client = match connect(target.socket.socket, false, target.config).await {
        Ok(c) => c,
        Err(code) => return code,
    };
    match client.call(method, Some(Value::Object(params))).await {
        Ok(Ok(result)) => {
            let (text, ok) = render(&result);
            if target.json {
                println!("{}", pretty(&result));
            } else {
                println!("{text}");
            }
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(EXIT_RPC_ERROR)
            }
        }
        Ok(Err(error)) => {
            if target.json {
                eprintln!("{}", pretty(&error));
            } else {
                eprintln!("jirad: {}", describe_error(&error));
            }
            ExitCode::from(EXIT_RPC_ERROR)
        }
        Err(e) => {
            eprintln!("jirad: {e}");
            ExitCode::from(EXIT_NO_DAEMON)
        }
    }
}

pub(super) fn describe_error(error: &Value) -> String {
    let mut text = error["message"].as_str().unwrap_or("error").to_owned();
    if let Some(kind) = error["data"]["kind"].as_str() {
        text.push_str(&format!(" [{kind}]"));
    }
    text
}

pub(super) fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

fn render(cmd: &IssueCommand, r: &Value) -> String {
    match cmd {
        IssueCommand::Get { .. } | IssueCommand::Update { .. } => issue_text(r),
        IssueCommand::List { .. } => table(r),
        IssueCommand::Create { .. } => format!("{}\t{}", s(&r["key"]), s(&r["url"])),
        IssueCommand::Delete { key, .. } => format!("deleted {key}"),
        IssueCommand::Transition { key, .. } => format!(
            "{key}: {} -> {}",
            s(&r["transition"]["name"]),
            s(&r["status"]["name"])
        ),
        IssueCommand::Comment { key, .. } => format!("commented on {key} ({})", s(&r["id"])),
        IssueCommand::Assign { key, .. } | IssueCommand::Unassign { key } => {
            match r["assignee"]["displayName"].as_str() {
                Some(name) => format!("{key} assigned to {name}"),
                None => format!("{key} unassigned"),
            }
        }
        IssueCommand::History { .. } => history_text(r),
        IssueCommand::Attach { key, .. } => r
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| format!("attached {} to {key} ({})", s(&a["filename"]), s(&a["id"])))
            .collect::<Vec<_>>()
            .join("\n"),
        IssueCommand::Attachments { .. } => columns(r, &["id", "filename", "mimeType"]),
        IssueCommand::Download { .. } => {
            format!(
                "saved {} ({} bytes) to {}",
                s(&r["filename"]),
                r["size"],
                s(&r["path"])
            )
        }
        IssueCommand::Link { from, .. } => format!(
            "{from} {} {} ({})",
            s(&r["phrase"]),
            s(&r["issue"]["key"]),
            s(&r["id"])
        ),
        IssueCommand::Unlink { id } => format!("removed link {id}"),
        IssueCommand::Links { .. } => links_text(r),
        IssueCommand::Worklog { key, .. } => {
            format!("logged {} on {key} ({})", s(&r["timeSpent"]), s(&r["id"]))
        }
        IssueCommand::Watch { key } => format!("watching {key} ({} watchers)", r["watchCount"]),
        IssueCommand::Unwatch { key, user } => format!(
            "{} no longer watching {key} ({} watchers)",
            user.as_deref()
                .map_or("you are".to_owned(), |u| format!("{u} is")),
            r["watchCount"]
        ),
        IssueCommand::Vote { key } | IssueCommand::Unvote { key } => {
            let mine = if r["hasVoted"] == true {
                "yours included"
            } else {
                "not yours"
            };
            let n = r["votes"].as_u64().unwrap_or(0);
            let plural = if n == 1 { "" } else { "s" };
            format!("{key}: {n} vote{plural} ({mine})")
        }
        IssueCommand::Thumbnail { .. } => format!(
            "saved the thumbnail of {} ({} bytes) to {}",
            s(&r["id"]),
            r["size"],
            s(&r["path"])
        ),
        IssueCommand::Projects { .. } => columns(r, &["key", "name"]),
        IssueCommand::Users { .. } => columns(r, &["accountId", "displayName", "email"]),
    }
}

/// One line per changed field: `created  author  field: from -> to`, then the next page's token.
fn history_text(r: &Value) -> String {
    let mut out = String::new();
    for h in r["histories"].as_array().into_iter().flatten() {
        for item in h["items"].as_array().into_iter().flatten() {
            out.push_str(&format!(
                "{}  {}  {}: {} -> {}\n",
                s(&h["created"]),
                s(&h["author"]["displayName"]),
                s(&item["field"]),
                item["fromString"].as_str().unwrap_or("(none)"),
                item["toString"].as_str().unwrap_or("(none)"),
            ));
        }
    }
    if let Some(token) = r["nextPageToken"].as_str() {
        out.push_str(&format!("next page: --page-token {token}\n"));
    }
    out.trim_end().to_owned()
}

/// An issue's links from its side, then its web links.
fn links_text(r: &Value) -> String {
    let mut out = String::new();
    for l in r["links"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "{}  {} {}  {}\n",
            s(&l["id"]),
            s(&l["phrase"]),
            s(&l["issue"]["key"]),
            s(&l["issue"]["summary"])
        ));
    }
    for w in r["remote"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "{}  {}  {}\n",
            s(&w["id"]),
            s(&w["title"]),
            s(&w["url"])
        ));
    }
    out.trim_end().to_owned()
}

/// A path the daemon can use: it runs elsewhere, so relative paths are made absolute here.
fn absolute(path: &std::path::Path) -> Result<String, String> {
    let full = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| format!("cannot find the current directory: {e}"))?
            .join(path)
    };
    Ok(full.display().to_string())
}

/// An array of objects as aligned columns of the named string fields.
pub(super) fn columns(r: &Value, names: &[&str]) -> String {
    let items = r.as_array().cloned().unwrap_or_default();
    let rows: Vec<Vec<&str>> = items
        .iter()
        .map(|i| names.iter().map(|n| s(&i[*n])).collect())
        .collect();
    aligned(&rows)
}

/// Rows of cells as aligned columns, two spaces apart, with no trailing blanks.
pub(super) fn aligned<S: AsRef<str>>(rows: &[Vec<S>]) -> String {
    let mut width = vec![0usize; rows.iter().map(Vec::len).max().unwrap_or(0)];
    for row in rows {
        for (w, cell) in width.iter_mut().zip(row) {
            *w = (*w).max(cell.as_ref().chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let line: Vec<String> = width
            .iter()
            .zip(row)
            .map(|(w, cell)| format!("{:<w$}", cell.as_ref()))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out.trim_end().to_owned()
}

fn issue_text(i: &Value) -> String {
    let mut out = format!("{}  {}\n", s(&i["key"]), s(&i["summary"]));
    let who = |u: &Value| s(&u["displayName"]).to_owned();
    let rows = [
        ("Type", s(&i["type"]).to_owned()),
        ("Status", s(&i["status"]["name"]).to_owned()),
        ("Priority", s(&i["priority"]).to_owned()),
        ("Assignee", who(&i["assignee"])),
        ("Reporter", who(&i["reporter"])),
        (
            "Labels",
            i["labels"]
                .as_array()
                .map(|l| l.iter().map(s).collect::<Vec<_>>().join(", "))
                .unwrap_or_default(),
        ),
        ("Parent", s(&i["parent"]["key"]).to_owned()),
        ("Updated", s(&i["updated"]).to_owned()),
        ("URL", s(&i["url"]).to_owned()),
    ];
    for (name, value) in rows.iter().filter(|(_, v)| !v.is_empty()) {
        out.push_str(&format!("{name:<9} {value}\n"));
    }
    if let Some(d) = i["description"].as_str().filter(|d| !d.trim().is_empty()) {
        out.push('\n');
        out.push_str(d.trim_end());
        out.push('\n');
    }
    out.trim_end().to_owned()
}

pub(super) fn table(r: &Value) -> String {
    let issues = r["issues"].as_array().cloned().unwrap_or_default();
    let rows: Vec<[String; 5]> = issues
        .iter()
        .map(|i| {
            [
                s(&i["key"]).to_owned(),
                s(&i["type"]).to_owned(),
                s(&i["status"]["name"]).to_owned(),
                s(&i["assignee"]["displayName"]).to_owned(),
                s(&i["summary"]).to_owned(),
            ]
        })
        .collect();
    let head = ["KEY", "TYPE", "STATUS", "ASSIGNEE", "SUMMARY"].map(String::from);
    let mut width = [0usize; 4];
    for row in std::iter::once(&head).chain(&rows) {
        for (w, cell) in width.iter_mut().zip(row.iter()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&head).chain(&rows) {
        for (w, cell) in width.iter().zip(row.iter()) {
            out.push_str(&format!("{cell:<w$}  "));
        }
        out.push_str(&row[4]);
        out.push('\n');
    }
    if let Some(t) = r["nextPageToken"].as_str() {
        out.push_str(&format!("(more: --page-token {t}, or --all)\n"));
    }
    out.trim_end().to_owned()
}
