//! `jirad serve`: load the config, build the registry, serve the socket or stdio until stopped.

use super::ServeArgs;
use crate::api::build_module;
use crate::auth::AuthOptions;
use crate::config::Config;
use crate::rpc::admission::{raise_open_file_limit, Admission};
use crate::rpc::input_budget::InputBudget;
use crate::rpc::outbound::OutputBudget;
use crate::rpc::transport::{
    socket::SocketServer, socket_path, stdio::serve_stdio, TransportError, EXIT_ALREADY_RUNNING,
};
use crate::rpc::{Hub, ServeOptions};
use crate::service::state::AppState;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Runs the daemon.
pub async fn run(args: ServeArgs) -> ExitCode {
    if let Err(e) = super::logging::init("info", args.log_file.as_deref()) {
        eprintln!("jirad: cannot open the log file: {e}");
        return ExitCode::FAILURE;
    }
    let config = match Config::load(args.config.as_deref()) {
        Ok((config, path)) => {
            if let Some(p) = path {
                tracing::info!("config: {}", p.display());
            }
            config
        }
        Err(e) => return fail(&e),
    };
    if args.stdio {
        let daemon = match Daemon::start(config, None, AuthOptions::default()) {
            Ok(d) => d,
            Err(e) => return fail(&e),
        };
        serve_stdio(daemon.methods, daemon.hub, daemon.opts).await;
        return ExitCode::SUCCESS;
    }

    serve_socket(config, args.socket.socket, AuthOptions::default(), |_| {}).await
}

/// Binds the socket (`None`: the default path), calls `ready` with the bound path, serves until
/// stopped. Shared by `jirad serve` and `jirad demo`.
pub(super) async fn serve_socket(
    config: Config,
    socket: Option<PathBuf>,
    auth: AuthOptions,
    ready: impl FnOnce(&Path),
) -> ExitCode {
    let limits = &config.limits;
    let admission = Admission {
        max_connections: limits.max_connections,
        first_message: Duration::from_millis(limits.first_message_timeout_ms),
        partial_message: Duration::from_millis(limits.partial_message_timeout_ms),
        reserved_files: limits.reserved_files,
    };
    let open_files = raise_open_file_limit();
    let path = socket_path(socket);
    let server = match SocketServer::bind(&path).await {
        Ok(s) => s,
        Err(e @ TransportError::AlreadyRunning { .. }) => {
            fail(&e);
            return ExitCode::from(EXIT_ALREADY_RUNNING);
        }
        Err(e) => return fail(&e),
    };
    tracing::info!(
        pid = std::process::id(),
        "listening on {}",
        server.path().display()
    );
    let daemon = match Daemon::start(config, Some(server.path().to_owned()), auth) {
        Ok(d) => d,
        Err(e) => return fail(&e),
    };
    ready(server.path());
    server
        .run(
            daemon.methods,
            daemon.hub,
            daemon.opts,
            admission,
            open_files,
        )
        .await;
    tracing::info!("stopped");
    ExitCode::SUCCESS
}

/// What a daemon serves with, whatever the transport: the connections' hub, every method over the
/// shared state, and the per-connection limits. Wired here once for `--stdio`, the socket and
/// `jirad demo`.
struct Daemon {
    hub: Hub,
    methods: crate::rpc::Router,
    opts: ServeOptions,
}

impl Daemon {
    /// Builds the state (auth, cache, HTTP) for `config`, with the signal handler and the heap
    /// trimmer running; `socket` is the path served, shown by `daemon/status`.
    fn start(
        config: Config,
        socket: Option<PathBuf>,
        auth: AuthOptions,
    ) -> Result<Daemon, crate::auth::AuthError> {
        let hub = Hub::new();
        let opts = serve_options(&config);
        spawn_signal_handler(hub.clone());
        crate::heap::spawn_trimmer();
        let state = Arc::new(AppState::with_auth_options(
            config,
            hub.clone(),
            socket,
            auth,
        )?);
        Ok(Daemon {
            methods: build_module(state),
            hub,
            opts,
        })
    }
}

/// The per-connection limits of the config.
fn serve_options(config: &Config) -> ServeOptions {
    let limits = &config.limits;
    ServeOptions {
        max_message_bytes: config.max_message_bytes,
        outbound_bytes: limits.outbound_bytes,
        max_in_flight: limits.max_in_flight,
        max_batch: limits.max_batch,
        input_budget: InputBudget::new(limits.max_buffered_input_bytes),
        output_budget: OutputBudget::new(limits.max_queued_output_bytes),
        ..ServeOptions::default()
    }
}

/// Startup failures go to stderr once, and to the log (which may be a file).
pub(super) fn fail(e: &dyn std::fmt::Display) -> ExitCode {
    tracing::error!("{e}");
    eprintln!("jirad: {e}");
    ExitCode::FAILURE
}

/// SIGTERM/SIGINT (Ctrl-C on Windows) stop the daemon gracefully. The handlers are installed
/// before this returns, not when the task first runs: a SIGTERM right after the daemon announced
/// itself must not kill it without cleanup (socket file, the demo's private directory).
fn spawn_signal_handler(hub: Hub) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            tracing::warn!("cannot install signal handlers");
            return;
        };
        tokio::spawn(async move {
            tokio::select! {
                _ = term.recv() => tracing::info!("SIGTERM: stopping"),
                _ = int.recv() => tracing::info!("SIGINT: stopping"),
            }
            hub.stop();
        });
    }
    #[cfg(not(unix))]
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_err() {
            return;
        }
        hub.stop();
    });
}
