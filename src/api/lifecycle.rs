//! Lifecycle and discovery: `initialize`, `initialized`, `shutdown`, `exit`, `rpc.discover`,
//! `daemon/status`, `daemon/stop`. LSP semantics, except that `initialize` is optional.

use super::{unknown_profile, ApiError};
use crate::rpc::Routes;
use crate::rpc::{Ctx, Register};
use crate::service::state::AppState;
use jirad_protocol::lifecycle::*;
use jirad_protocol::{openrpc, NoParams};
use serde_json::value::RawValue;
use std::convert::Infallible;
use std::sync::OnceLock;

/// Registers the lifecycle family.
pub fn register_all(m: &mut Routes<AppState>) {
    m.request::<Initialize>(initialize)
        .notification::<Initialized>(|_, _| async {})
        .request::<Shutdown>(shutdown)
        .notification::<Exit>(|_, cx: Ctx<AppState>| async move { cx.conn.close() })
        .request::<RpcDiscover>(discover)
        .request::<DaemonStatus>(status)
        .request::<DaemonStop>(stop);
}

async fn initialize(p: InitializeParams, cx: Ctx<AppState>) -> Result<InitializeResult, ApiError> {
    if let Some(profile) = &p.profile {
        if !cx.app.config.profiles.contains_key(profile) {
            return Err(unknown_profile(&cx.app.config, profile));
        }
    }
    {
        let mut session = cx.conn.session();
        session.profile = p.profile.or_else(|| cx.app.config.default_profile.clone());
        session.client_name = p.client_info.map(|c| c.name);
        session.capabilities = p.capabilities;
        session.initialized = true;
    }
    tracing::debug!(conn = cx.conn.id(), "initialized");
    Ok(InitializeResult {
        server_info: ServerInfo {
            name: "jirad".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        protocol_version: PROTOCOL_VERSION.into(),
        capabilities: ServerCapabilities {
            methods: openrpc::method_names()
                .into_iter()
                .map(String::from)
                .collect(),
            notifications: openrpc::server_notification_names()
                .into_iter()
                .map(String::from)
                .collect(),
        },
    })
}

async fn shutdown(_: NoParams, cx: Ctx<AppState>) -> Result<(), Infallible> {
    cx.conn.session().shutdown = true;
    Ok(())
}

/// The document is large and fixed: serialized once, each call copies bytes, so clients that ask
/// for it in a loop cost little.
async fn discover(_: NoParams, _: Ctx<AppState>) -> Result<Box<RawValue>, Infallible> {
    static DOC: OnceLock<Box<RawValue>> = OnceLock::new();
    Ok(DOC
        .get_or_init(|| {
            serde_json::value::to_raw_value(&openrpc::document())
                .unwrap_or_else(|_| RawValue::NULL.to_owned())
        })
        .clone())
}

async fn status(_: NoParams, cx: Ctx<AppState>) -> Result<DaemonStatusResult, Infallible> {
    Ok(DaemonStatusResult {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        pid: std::process::id(),
        uptime_ms: cx.app.started.elapsed().as_millis() as u64,
        socket_path: cx.app.socket_path.clone(),
        connections: cx.app.hub.connection_count(),
    })
}

async fn stop(_: NoParams, cx: Ctx<AppState>) -> Result<(), Infallible> {
    tracing::info!(conn = cx.conn.id(), "stop requested");
    cx.app.hub.stop();
    Ok(())
}
