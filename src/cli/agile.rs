//! `jirad board list|show|backlog` and `jirad sprint list|issues|move|start|close`: shell
//! wrappers of the board and sprint methods, printing tables (or the raw result with `--json`),
//! with `jirad issue`'s exit codes; a move that left an issue unmoved exits 1.

use super::call::EXIT_NO_DAEMON;
use super::issue::{aligned, columns, s, send, set, table, Target};
use super::SocketArgs;
use clap::{Args, Subcommand};
use serde_json::{json, Map, Value};
use std::path::PathBuf;
use std::process::ExitCode;

/// Options every board and sprint command takes.
#[derive(Debug, Clone, Args)]
pub struct Common {
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

/// `jirad board …`.
#[derive(Debug, Clone, Args)]
pub struct BoardArgs {
    #[command(subcommand)]
    command: BoardCommand,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Clone, Subcommand)]
enum BoardCommand {
    /// Boards you can see: id, type, project, name.
    List {
        /// Only this project's boards.
        #[arg(long)]
        project: Option<String>,
        /// scrum, kanban or simple.
        #[arg(long = "type")]
        board_type: Option<String>,
        /// Only boards whose name contains this.
        #[arg(long)]
        name: Option<String>,
    },
    /// A board's columns and their statuses, and its estimation.
    Show { board: u64 },
    /// A board's backlog, in rank order.
    Backlog {
        board: u64,
        #[command(flatten)]
        filters: IssueFilters,
    },
}

/// `jirad sprint …`.
#[derive(Debug, Clone, Args)]
pub struct SprintArgs {
    #[command(subcommand)]
    command: SprintCommand,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Clone, Subcommand)]
enum SprintCommand {
    /// A board's sprints, oldest first.
    List {
        board: u64,
        /// future, active or closed (repeatable).
        #[arg(long)]
        state: Vec<String>,
    },
    /// A sprint's issues, in rank order.
    Issues {
        sprint: u64,
        #[command(flatten)]
        filters: IssueFilters,
    },
    /// Move issues into a sprint, or with `backlog` out of their sprints.
    Move {
        /// A sprint id, or `backlog`.
        to: String,
        /// Issue keys.
        #[arg(required = true)]
        issues: Vec<String>,
    },
    /// Start a future sprint (dates: the sprint's own, else now and two weeks on).
    Start {
        sprint: u64,
        /// ISO 8601.
        #[arg(long)]
        start: Option<String>,
        /// ISO 8601.
        #[arg(long)]
        end: Option<String>,
        #[arg(long)]
        goal: Option<String>,
    },
    /// Complete an active sprint; its open issues go to the backlog.
    Close { sprint: u64 },
}

/// The `issues/list` filters a scoped list takes.
#[derive(Debug, Clone, Args)]
struct IssueFilters {
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
}

impl IssueFilters {
    fn into_params(self, p: &mut Map<String, Value>) {
        set(
            p,
            &[
                ("assignee", json!(self.assignee)),
                ("status", json!(self.status)),
                ("limit", json!(self.limit)),
                ("pageToken", json!(self.page_token)),
                ("all", json!(self.all)),
            ],
        );
    }
}

fn target(c: Common) -> Target {
    Target {
        json: c.json,
        profile: c.profile,
        socket: c.socket,
        config: c.config,
    }
}

/// Runs `jirad board …`.
pub async fn board(args: BoardArgs) -> ExitCode {
    let _ = super::logging::init("warn", None);
    let mut p = Map::new();
    let (method, render): (&str, fn(&Value) -> String) = match args.command {
        BoardCommand::List {
            project,
            board_type,
            name,
        } => {
            set(
                &mut p,
                &[
                    ("project", json!(project)),
                    ("type", json!(board_type)),
                    ("name", json!(name)),
                ],
            );
            ("boards/list", boards_table)
        }
        BoardCommand::Show { board } => {
            p.insert("boardId".into(), json!(board));
            ("boards/get", board_text)
        }
        BoardCommand::Backlog { board, filters } => {
            p.insert("boardId".into(), json!(board));
            filters.into_params(&mut p);
            ("boards/backlog", table)
        }
    };
    send(target(args.common), method, p, |r| (render(r), true)).await
}

/// Text of a result, and whether it is a success for the exit code.
type Render = fn(&Value) -> (String, bool);

/// Runs `jirad sprint …`.
pub async fn sprint(args: SprintArgs) -> ExitCode {
    let _ = super::logging::init("warn", None);
    let mut p = Map::new();
    let (method, render): (&str, Render) = match args.command {
        SprintCommand::List { board, state } => {
            p.insert("boardId".into(), json!(board));
            set(&mut p, &[("state", json!(state))]);
            ("sprints/list", |r| (sprints_table(r), true))
        }
        SprintCommand::Issues { sprint, filters } => {
            p.insert("sprintId".into(), json!(sprint));
            filters.into_params(&mut p);
            ("sprints/issues", |r| (table(r), true))
        }
        SprintCommand::Move { to, issues } => {
            p.insert("issues".into(), json!(issues));
            if to.eq_ignore_ascii_case("backlog") {
                ("backlog/moveIssues", moves_text)
            } else {
                let Ok(id) = to.parse::<u64>() else {
                    eprintln!("jirad: move to a sprint id or `backlog`, not {to:?}");
                    return ExitCode::from(EXIT_NO_DAEMON);
                };
                p.insert("sprintId".into(), json!(id));
                ("sprints/moveIssues", moves_text)
            }
        }
        SprintCommand::Start {
            sprint,
            start,
            end,
            goal,
        } => {
            p.insert("sprintId".into(), json!(sprint));
            set(
                &mut p,
                &[
                    ("startDate", json!(start)),
                    ("endDate", json!(end)),
                    ("goal", json!(goal)),
                ],
            );
            ("sprints/start", |r| (sprint_line("started", r), true))
        }
        SprintCommand::Close { sprint } => {
            p.insert("sprintId".into(), json!(sprint));
            ("sprints/close", |r| (sprint_line("closed", r), true))
        }
    };
    send(target(args.common), method, p, render).await
}

fn boards_table(r: &Value) -> String {
    let mut rows = vec![["ID", "TYPE", "PROJECT", "NAME"].map(String::from).to_vec()];
    for b in r["boards"].as_array().into_iter().flatten() {
        rows.push(vec![
            b["id"].to_string(),
            s(&b["type"]).to_owned(),
            s(&b["project"]).to_owned(),
            s(&b["name"]).to_owned(),
        ]);
    }
    aligned(&rows)
}

/// A board's columns, one a line with their statuses, then its estimation.
fn board_text(r: &Value) -> String {
    let mut out = format!("{}  {} ({})\n", r["id"], s(&r["name"]), s(&r["type"]));
    for c in r["columns"].as_array().into_iter().flatten() {
        let statuses: Vec<&str> = c["statuses"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|st| st["name"].as_str().unwrap_or_else(|| s(&st["id"])))
            .collect();
        out.push_str(&format!(
            "  {:<14} {}\n",
            s(&c["name"]),
            statuses.join(", ")
        ));
    }
    if let Some(field) = r["estimation"]["displayName"].as_str() {
        out.push_str(&format!("Estimation: {field}\n"));
    }
    out.trim_end().to_owned()
}

/// Dates as `yyyy-mm-dd`.
fn day(v: &Value) -> &str {
    s(v).get(..10).unwrap_or("")
}

fn sprints_table(r: &Value) -> String {
    let mut rows = vec![["ID", "STATE", "START", "END", "NAME", "GOAL"]
        .map(String::from)
        .to_vec()];
    for sp in r["sprints"].as_array().into_iter().flatten() {
        rows.push(vec![
            sp["id"].to_string(),
            s(&sp["state"]).to_owned(),
            day(&sp["startDate"]).to_owned(),
            day(&sp["endDate"]).to_owned(),
            s(&sp["name"]).to_owned(),
            s(&sp["goal"]).to_owned(),
        ]);
    }
    aligned(&rows)
}

/// One line per issue: moved, or why not; a failure makes the exit code 1.
fn moves_text(r: &Value) -> (String, bool) {
    let lines: Vec<Value> = r["results"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| {
            let why = match i["status"].as_str() {
                Some("moved") => String::new(),
                _ => s(&i["error"]["message"]).to_owned(),
            };
            json!({"issue": i["issue"], "status": i["status"], "why": why})
        })
        .collect();
    let text = columns(&Value::Array(lines), &["issue", "status", "why"]);
    (text, r["failed"].as_u64() == Some(0))
}

fn sprint_line(done: &str, r: &Value) -> String {
    format!(
        "{done} {} ({}): {} to {}",
        s(&r["name"]),
        r["id"],
        day(&r["startDate"]),
        day(&r["endDate"])
    )
}
