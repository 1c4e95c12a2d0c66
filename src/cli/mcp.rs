//! `jirad mcp`: the Model Context Protocol face on stdio, forwarding to the shared daemon.

use super::McpArgs;
use crate::config::Config;
use crate::config::McpConfig;
use crate::daemon_client::SpawnArgs;
use crate::rpc::transport::socket_path;
use std::process::ExitCode;

/// Serves MCP until stdin closes. The session's tools come from the config file's `[mcp]` table
/// overridden by the flags; a config that cannot be read stops it, since falling back to every
/// tool would grant more than the user chose.
pub async fn run(args: McpArgs) -> ExitCode {
    // Stderr only: stdout carries the MCP messages.
    let _ = super::logging::init("warn", None);
    let file = match Config::load(args.config.as_deref()) {
        Ok((config, _)) => config.mcp,
        Err(e) => {
            eprintln!("jirad mcp: {e}");
            return ExitCode::FAILURE;
        }
    };
    let flags = McpConfig {
        read_only: args.read_only,
        toolsets: args.toolsets,
        tools: args.tools,
        exclude_tools: args.exclude_tools,
        profile: args.profile,
    };
    let spawn = (!args.no_spawn).then(|| SpawnArgs {
        extra: args
            .config
            .iter()
            .flat_map(|c| ["--config".to_owned(), c.display().to_string()])
            .collect(),
    });
    match crate::mcp::serve(socket_path(args.socket.socket), spawn, file.merged(flags)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("jirad mcp: {e}");
            ExitCode::FAILURE
        }
    }
}
