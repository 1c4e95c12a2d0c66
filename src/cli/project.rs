//! `jirad version list|create|release|delete` and `jirad component list|create|delete`: shell
//! wrappers of the versions and components methods, printed as `jirad issue` prints (a table or
//! a line of text, or the raw result with `--json`).

use super::issue::{aligned, call, s, set, Target};
use super::SocketArgs;
use clap::{Args, Subcommand};
use serde_json::{json, Map, Value};
use std::path::PathBuf;
use std::process::ExitCode;

/// The options of both commands.
#[derive(Debug, Clone, Args)]
pub struct Shared {
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

impl Shared {
    fn target(self) -> Target {
        Target {
            json: self.json,
            profile: self.profile,
            socket: self.socket,
            config: self.config,
        }
    }
}

/// `jirad version …`.
#[derive(Debug, Clone, Args)]
pub struct VersionArgs {
    #[command(subcommand)]
    command: VersionCommand,
    #[command(flatten)]
    shared: Shared,
}

#[derive(Debug, Clone, Subcommand)]
enum VersionCommand {
    /// A project's versions, in the project's order (archived ones with --archived).
    List {
        project: String,
        /// Only released versions.
        #[arg(long, conflicts_with = "unreleased")]
        released: bool,
        /// Only unreleased versions.
        #[arg(long)]
        unreleased: bool,
        /// Archived versions too.
        #[arg(long)]
        archived: bool,
    },
    /// Create a version.
    Create {
        project: String,
        name: String,
        #[arg(long)]
        description: Option<String>,
        /// yyyy-MM-dd.
        #[arg(long, value_name = "DATE")]
        release_date: Option<String>,
        /// yyyy-MM-dd.
        #[arg(long, value_name = "DATE")]
        start_date: Option<String>,
    },
    /// Mark a version released (by its id, from `list`).
    Release {
        id: String,
        /// The release date, yyyy-MM-dd.
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
    },
    /// Delete a version; its issues lose it unless moved to another version (ids).
    Delete {
        id: String,
        #[arg(long, value_name = "ID")]
        move_fix_issues_to: Option<String>,
        #[arg(long, value_name = "ID")]
        move_affected_issues_to: Option<String>,
    },
}

/// `jirad component …`.
#[derive(Debug, Clone, Args)]
pub struct ComponentArgs {
    #[command(subcommand)]
    command: ComponentCommand,
    #[command(flatten)]
    shared: Shared,
}

#[derive(Debug, Clone, Subcommand)]
enum ComponentCommand {
    /// A project's components.
    List { project: String },
    /// Create a component.
    Create {
        project: String,
        name: String,
        #[arg(long)]
        description: Option<String>,
    },
    /// Delete a component; its issues lose it unless moved to another component (id).
    Delete {
        id: String,
        #[arg(long, value_name = "ID")]
        move_issues_to: Option<String>,
    },
}

type Request = Result<(&'static str, Map<String, Value>), String>;

fn version_request(cmd: &VersionCommand) -> Request {
    let mut p = Map::new();
    let method = match cmd {
        VersionCommand::List {
            project,
            released,
            unreleased,
            archived,
        } => {
            let state = match (released, unreleased) {
                (true, _) => json!(true),
                (_, true) => json!(false),
                _ => Value::Null,
            };
            set(
                &mut p,
                &[("project", json!(project)), ("archived", json!(archived))],
            );
            if !state.is_null() {
                p.insert("released".into(), state);
            }
            "versions/list"
        }
        VersionCommand::Create {
            project,
            name,
            description,
            release_date,
            start_date,
        } => {
            set(
                &mut p,
                &[
                    ("project", json!(project)),
                    ("name", json!(name)),
                    ("description", json!(description)),
                    ("releaseDate", json!(release_date)),
                    ("startDate", json!(start_date)),
                ],
            );
            "versions/create"
        }
        VersionCommand::Release { id, date } => {
            set(
                &mut p,
                &[
                    ("id", json!(id)),
                    ("released", json!(true)),
                    ("releaseDate", json!(date)),
                ],
            );
            "versions/update"
        }
        VersionCommand::Delete {
            id,
            move_fix_issues_to,
            move_affected_issues_to,
        } => {
            set(
                &mut p,
                &[
                    ("id", json!(id)),
                    ("moveFixIssuesTo", json!(move_fix_issues_to)),
                    ("moveAffectedIssuesTo", json!(move_affected_issues_to)),
                ],
            );
            "versions/delete"
        }
    };
    Ok((method, p))
}

fn component_request(cmd: &ComponentCommand) -> Request {
    let mut p = Map::new();
    let method = match cmd {
        ComponentCommand::List { project } => {
            set(&mut p, &[("project", json!(project))]);
            "components/list"
        }
        ComponentCommand::Create {
            project,
            name,
            description,
        } => {
            set(
                &mut p,
                &[
                    ("project", json!(project)),
                    ("name", json!(name)),
                    ("description", json!(description)),
                ],
            );
            "components/create"
        }
        ComponentCommand::Delete { id, move_issues_to } => {
            set(
                &mut p,
                &[("id", json!(id)), ("moveIssuesTo", json!(move_issues_to))],
            );
            "components/delete"
        }
    };
    Ok((method, p))
}

/// Runs `jirad version …`.
pub async fn run_version(args: VersionArgs) -> ExitCode {
    let command = args.command.clone();
    call(
        version_request(&args.command),
        args.shared.target(),
        |r| match &command {
            VersionCommand::List { .. } => versions_table(r),
            VersionCommand::Create { project, .. } => {
                format!(
                    "created version {} ({}) in {project}",
                    s(&r["name"]),
                    s(&r["id"])
                )
            }
            VersionCommand::Release { .. } => format!(
                "released {} ({}){}",
                s(&r["name"]),
                s(&r["id"]),
                r["releaseDate"]
                    .as_str()
                    .map(|d| format!(" on {d}"))
                    .unwrap_or_default()
            ),
            VersionCommand::Delete { id, .. } => format!("deleted version {id}"),
        },
    )
    .await
}

/// Runs `jirad component …`.
pub async fn run_component(args: ComponentArgs) -> ExitCode {
    let command = args.command.clone();
    call(
        component_request(&args.command),
        args.shared.target(),
        |r| match &command {
            ComponentCommand::List { .. } => table(
                &["ID", "NAME", "DESCRIPTION"],
                rows(r, |c| {
                    vec![s(&c["id"]), s(&c["name"]), s(&c["description"])]
                }),
            ),
            ComponentCommand::Create { project, .. } => format!(
                "created component {} ({}) in {project}",
                s(&r["name"]),
                s(&r["id"])
            ),
            ComponentCommand::Delete { id, .. } => format!("deleted component {id}"),
        },
    )
    .await
}

fn versions_table(r: &Value) -> String {
    table(
        &["ID", "NAME", "STATE", "RELEASE DATE"],
        rows(r, |v| {
            let state = match (v["archived"] == true, v["released"] == true) {
                (true, _) => "archived",
                (_, true) => "released",
                _ => "unreleased",
            };
            vec![s(&v["id"]), s(&v["name"]), state, s(&v["releaseDate"])]
        }),
    )
}

/// One row of cells per element of the array `r`.
fn rows<'a>(r: &'a Value, row: impl Fn(&'a Value) -> Vec<&'a str>) -> Vec<Vec<&'a str>> {
    r.as_array().into_iter().flatten().map(row).collect()
}

/// Aligned columns under a header; `(none)` for an empty list.
fn table(head: &[&str], rows: Vec<Vec<&str>>) -> String {
    if rows.is_empty() {
        return "(none)".into();
    }
    let all: Vec<Vec<&str>> = std::iter::once(head.to_vec()).chain(rows).collect();
    aligned(&all)
}
