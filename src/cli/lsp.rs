//! `jirad lsp`: the Language Server Protocol face on stdio, forwarding to the shared daemon.

use super::LspArgs;
use crate::daemon_client::SpawnArgs;
use crate::rpc::transport::socket_path;
use std::process::ExitCode;

/// Serves LSP until `exit` or the end of stdin; exits 1 on `exit` without `shutdown`, as LSP asks.
pub async fn run(args: LspArgs) -> ExitCode {
    // Stderr only: stdout carries the LSP messages.
    let _ = super::logging::init("warn", None);
    let spawn = (!args.no_spawn).then(|| SpawnArgs {
        extra: args
            .config
            .iter()
            .flat_map(|c| ["--config".to_owned(), c.display().to_string()])
            .collect(),
    });
    let session = crate::lsp::LspArgs {
        socket: socket_path(args.socket.socket),
        spawn,
        profile: args.profile,
    };
    match crate::lsp::serve(session).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("jirad lsp: {e}");
            ExitCode::FAILURE
        }
    }
}
