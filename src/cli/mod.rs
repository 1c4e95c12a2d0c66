//! The command line: `jirad serve`, `jirad call`, `jirad issue …`, `jirad board …`,
//! `jirad sprint …`, `jirad version …`, `jirad component …`, `jirad auth …`, `jirad status`,
//! `jirad stop`, `jirad demo`, `jirad mcp`, `jirad lsp`.

mod agile;
mod auth;
mod call;
mod demo;
mod issue;
mod logging;
mod lsp;
mod mcp;
mod project;
mod serve;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// A local daemon that holds your Jira connection and serves it over JSON-RPC 2.0.
#[derive(Debug, Parser)]
#[command(name = "jirad", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the daemon on the local socket (or on stdin/stdout with --stdio).
    Serve(ServeArgs),
    /// Call a method and print its result as JSON (starts the daemon if needed).
    Call(CallArgs),
    /// Get, list, create, update or delete issues (starts the daemon if needed).
    Issue(issue::IssueArgs),
    /// List, create, release or delete a project's versions (starts the daemon if needed).
    Version(project::VersionArgs),
    /// List, create or delete a project's components (starts the daemon if needed).
    Component(project::ComponentArgs),
    /// List boards, show a board's columns or backlog (starts the daemon if needed).
    Board(agile::BoardArgs),
    /// List sprints and their issues, move issues, start or close a sprint.
    Sprint(agile::SprintArgs),
    /// Show the daemon's status.
    Status(SocketArgs),
    /// Stop the daemon gracefully.
    Stop(SocketArgs),
    /// Run the daemon with an embedded sample Jira and a pre-authorized `demo` profile.
    Demo(DemoArgs),
    /// Serve the Model Context Protocol on stdin/stdout for local agents (forwards to the daemon).
    Mcp(McpArgs),
    /// Serve the Language Server Protocol on stdin/stdout for editors (forwards to the daemon).
    Lsp(LspArgs),
    /// Authorize, inspect or forget profiles (through the daemon; starts it if needed).
    Auth(AuthArgs),
}

/// `jirad auth` options.
#[derive(Debug, Clone, Args)]
pub struct AuthArgs {
    #[command(subcommand)]
    command: AuthCommand,
    /// Socket path [default: $XDG_RUNTIME_DIR/jirad/jirad.sock, else a per-user directory: README, Socket location].
    #[arg(long, env = "JIRAD_SOCKET", value_name = "PATH", global = true)]
    socket: Option<PathBuf>,
    /// Config file for a daemon started by this command.
    #[arg(long, env = "JIRAD_CONFIG", value_name = "FILE", global = true)]
    config: Option<PathBuf>,
    /// Print the daemon's results as JSON on stdout (login: the link first, then the outcome).
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Debug, Clone, Subcommand)]
enum AuthCommand {
    /// Authorize an OAuth profile: prints (and opens) the link, waits for consent.
    Login {
        /// The profile [default: default_profile].
        #[arg(long)]
        profile: Option<String>,
        /// Only print the link.
        #[arg(long)]
        no_browser: bool,
    },
    /// Show every profile (or one) and where it stands.
    Status {
        /// Only this profile.
        #[arg(long)]
        profile: Option<String>,
    },
    /// Forget an OAuth profile's tokens and cached data.
    Logout {
        /// The profile [default: default_profile].
        #[arg(long)]
        profile: Option<String>,
    },
}

/// Where the daemon listens.
#[derive(Debug, Clone, Args)]
pub struct SocketArgs {
    /// Socket path [default: $XDG_RUNTIME_DIR/jirad/jirad.sock, else a per-user directory: README, Socket location].
    #[arg(long, env = "JIRAD_SOCKET", value_name = "PATH")]
    socket: Option<PathBuf>,
}

/// `jirad serve` options.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Serve exactly one client on stdin/stdout; exit on EOF or `exit`.
    #[arg(long)]
    stdio: bool,
    #[command(flatten)]
    socket: SocketArgs,
    /// Config file [default: $XDG_CONFIG_HOME/jirad/config.toml].
    #[arg(long, env = "JIRAD_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Write logs to this file instead of stderr.
    #[arg(long, value_name = "FILE")]
    log_file: Option<PathBuf>,
}

/// `jirad call` options.
#[derive(Debug, Clone, Args)]
pub struct CallArgs {
    /// Method name, e.g. `daemon/status`.
    method: String,
    /// Params as JSON (an object or an array); `-` reads them from stdin, `@FILE` from a file.
    params: Option<String>,
    #[command(flatten)]
    socket: SocketArgs,
    /// Fail (exit 2) instead of starting the daemon when nothing listens.
    #[arg(long)]
    no_spawn: bool,
    /// Config file for a daemon started by this call.
    #[arg(long, env = "JIRAD_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
}

/// `jirad demo` options.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    socket: SocketArgs,
}

/// `jirad mcp` options.
#[derive(Debug, Clone, Args)]
pub struct McpArgs {
    #[command(flatten)]
    socket: SocketArgs,
    /// Fail the tool calls instead of starting the daemon when nothing listens.
    #[arg(long)]
    no_spawn: bool,
    /// Config file: its `[mcp]` table, and for a daemon started by this command.
    #[arg(long, env = "JIRAD_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Offer only tools that change nothing (overrides the allow lists).
    #[arg(long)]
    read_only: bool,
    /// Toolsets to offer, comma-separated: default (all but admin), all, admin (login, logout,
    /// site choice, cache clearing), or a method namespace (issues, projects, users, auth, cache).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    toolsets: Option<Vec<String>>,
    /// Tools to offer by name, on top of --toolsets (alone: only these).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    tools: Option<Vec<String>>,
    /// Tools never offered.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    exclude_tools: Vec<String>,
    /// Act as this profile only; the tools then take no profile argument.
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
}

/// `jirad lsp` options.
#[derive(Debug, Clone, Args)]
pub struct LspArgs {
    #[command(flatten)]
    socket: SocketArgs,
    /// Fail the requests instead of starting the daemon when nothing listens.
    #[arg(long)]
    no_spawn: bool,
    /// Config file for a daemon started by this command.
    #[arg(long, env = "JIRAD_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Act as this profile (overrides the editor's `initializationOptions`).
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
}

/// `JIRAD_THREADS=N` picks a multi-thread runtime; the default is one thread (lowest latency).
fn runtime_builder() -> tokio::runtime::Builder {
    let mut b = match std::env::var("JIRAD_THREADS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
    {
        Some(n) if n > 1 => {
            let mut b = tokio::runtime::Builder::new_multi_thread();
            b.worker_threads(n);
            b
        }
        _ => tokio::runtime::Builder::new_current_thread(),
    };
    b.thread_stack_size(crate::rpc::transport::THREAD_STACK);
    b
}

/// One-shot commands end quietly when their reader goes away (`jirad call … | head`), as Unix
/// tools do, instead of panicking in `println!`. Long-running ones keep Rust's default (SIGPIPE
/// ignored), so a client that hangs up can never kill the daemon.
fn quiet_broken_pipe() {
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of one signal before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Parses the command line and runs it.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(
        cli.command,
        Command::Serve(_) | Command::Demo(_) | Command::Mcp(_) | Command::Lsp(_)
    ) {
        quiet_broken_pipe();
    }
    #[cfg(unix)]
    if matches!(cli.command, Command::Serve(_) | Command::Demo(_)) {
        // Before the runtime starts threads: it edits the environment.
        crate::rpc::transport::socket::claim_systemd_socket();
    }
    if matches!(cli.command, Command::Serve(_) | Command::Demo(_)) {
        crate::heap::configure();
    }
    let runtime = match runtime_builder().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("jirad: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => serve::run(args).await,
            Command::Call(args) => call::call(args).await,
            Command::Issue(args) => issue::run(args).await,
            Command::Version(args) => project::run_version(args).await,
            Command::Component(args) => project::run_component(args).await,
            Command::Board(args) => agile::board(args).await,
            Command::Sprint(args) => agile::sprint(args).await,
            Command::Status(args) => call::status(args).await,
            Command::Stop(args) => call::stop(args).await,
            Command::Demo(args) => demo::run(args).await,
            Command::Mcp(args) => mcp::run(args).await,
            Command::Lsp(args) => lsp::run(args).await,
            Command::Auth(args) => auth::run(args).await,
        }
    });
    // Don't wait for the blocking stdin reader (tokio cannot cancel it).
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    code
}
