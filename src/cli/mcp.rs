//! `jirad mcp`: the Model Context Protocol face on stdio, forwarding to the shared daemon.

use super::McpArgs;
use crate::client::SpawnArgs;
use crate::rpc::transport::socket_path;
use std::process::ExitCode;

/// Serves MCP until stdin closes.
pub async fn run(args: McpArgs) -> ExitCode {
    // Stderr only: stdout carries the MCP messages.
    let _ = super::logging::init("warn", None);
    let spawn = (!args.no_spawn).then(|| SpawnArgs {
        extra: args
            .config
            .iter()
            .flat_map(|c| ["--config".to_owned(), c.display().to_string()])
            .collect(),
    });
    match crate::mcp::serve(socket_path(args.socket.socket), spawn).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("jirad mcp: {e}");
            ExitCode::FAILURE
        }
    }
}
