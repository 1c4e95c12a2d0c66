//! `jirad call`, `jirad status`, `jirad stop`: shell clients of the daemon.
//!
//! Exit codes: 0 success, 1 JSON-RPC error (printed on stderr), 2 cannot connect or bad arguments.

use super::{CallArgs, SocketArgs};
use crate::daemon_client::{DaemonClient, SpawnArgs};
use crate::rpc::transport::socket_path;
use serde_json::Value;
use std::process::ExitCode;
use std::time::{Duration, Instant};

pub(super) const EXIT_RPC_ERROR: u8 = 1;
pub(super) const EXIT_NO_DAEMON: u8 = 2;

/// `jirad call METHOD [JSON]`.
pub async fn call(args: CallArgs) -> ExitCode {
    let _ = super::logging::init("warn", None);
    let text = match args.params.as_deref().map(params_text).transpose() {
        Ok(text) => text,
        Err(e) => {
            eprintln!("jirad: {e}");
            return ExitCode::from(EXIT_NO_DAEMON);
        }
    };
    let params = match text.as_deref().map(serde_json::from_str::<Value>) {
        None => None,
        Some(Ok(v)) => Some(v),
        Some(Err(e)) => {
            eprintln!("jirad: params are not valid JSON: {e}");
            return ExitCode::from(EXIT_NO_DAEMON);
        }
    };
    let mut client = match connect(args.socket.socket, args.no_spawn, args.config).await {
        Ok(c) => c,
        Err(code) => return code,
    };
    print_reply(client.call(&args.method, params).await)
}

/// The params' text: the argument itself, stdin for `-`, a file's contents for `@FILE` (argv
/// holds at most 128 KiB on Linux, and quoting JSON for a shell is error-prone).
fn params_text(arg: &str) -> Result<String, String> {
    if arg == "-" {
        return std::io::read_to_string(std::io::stdin())
            .map_err(|e| format!("cannot read params from stdin: {e}"));
    }
    match arg.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read params from {path}: {e}")),
        None => Ok(arg.to_owned()),
    }
}

/// Connects to the daemon, starting it (with `config`) unless `no_spawn`; prints why not.
pub(super) async fn connect(
    socket: Option<std::path::PathBuf>,
    no_spawn: bool,
    config: Option<std::path::PathBuf>,
) -> Result<DaemonClient, ExitCode> {
    let path = socket_path(socket);
    let client = if no_spawn {
        DaemonClient::connect(&path).await
    } else {
        let mut spawn = SpawnArgs::default();
        if let Some(c) = &config {
            spawn.extra = vec!["--config".into(), c.display().to_string()];
        }
        DaemonClient::connect_or_spawn(&path, &spawn).await
    };
    client.map_err(|e| {
        eprintln!("jirad: {e}");
        ExitCode::from(EXIT_NO_DAEMON)
    })
}

fn print_reply(reply: Result<Result<Value, Value>, crate::daemon_client::ClientError>) -> ExitCode {
    match reply {
        Ok(Ok(result)) => {
            println!("{}", pretty(&result));
            ExitCode::SUCCESS
        }
        Ok(Err(error)) => {
            eprintln!("{}", pretty(&error));
            ExitCode::from(EXIT_RPC_ERROR)
        }
        Err(e) => {
            eprintln!("jirad: {e}");
            ExitCode::from(EXIT_NO_DAEMON)
        }
    }
}

pub(super) fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

/// `jirad status`: `daemon/status`, never starting a daemon.
pub async fn status(args: SocketArgs) -> ExitCode {
    let _ = super::logging::init("warn", None);
    let path = socket_path(args.socket);
    match DaemonClient::connect(&path).await {
        Ok(mut c) => print_reply(c.call("daemon/status", None).await),
        Err(e) => {
            eprintln!("jirad: not running ({e})");
            ExitCode::from(EXIT_NO_DAEMON)
        }
    }
}

/// `jirad stop`: `daemon/stop`, then waits (up to 10 s) until the socket is gone.
pub async fn stop(args: SocketArgs) -> ExitCode {
    let _ = super::logging::init("warn", None);
    let path = socket_path(args.socket);
    let mut client = match DaemonClient::connect(&path).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("jirad: not running ({e})");
            return ExitCode::from(EXIT_NO_DAEMON);
        }
    };
    match client.call("daemon/stop", None).await {
        Ok(Ok(_)) => {}
        other => return print_reply(other),
    }
    drop(client);
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if DaemonClient::connect(&path).await.is_err() {
            println!("stopped");
            return ExitCode::SUCCESS;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    eprintln!("jirad: the daemon did not stop within 10 s");
    ExitCode::FAILURE
}
