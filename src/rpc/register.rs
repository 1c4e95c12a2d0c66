//! Typed method registration: one line per method, driven by the `protocol` marker types.
//!
//! ```ignore
//! register::<DaemonStatus, _, _, _, _>(&mut module, lifecycle::status);
//! async fn status(_: NoParams, cx: Ctx<AppState>) -> Result<DaemonStatusResult, ApiError> { .. }
//! ```

use super::connection::ConnectionHandle;
use jirad_protocol::{Notification, Request};
use jsonrpsee::types::{ErrorCode, ErrorObject, ErrorObjectOwned, Params};
use jsonrpsee::{Extensions, RpcModule};
use serde::de::DeserializeOwned;
use std::future::Future;
use std::sync::Arc;

/// What a handler receives besides its params: the app state and the calling connection.
pub struct Ctx<S> {
    /// Daemon-wide state.
    pub app: Arc<S>,
    /// The calling connection: its session (profile, capabilities) and push handle.
    pub conn: ConnectionHandle,
}

impl<S> Clone for Ctx<S> {
    fn clone(&self) -> Self {
        Ctx {
            app: self.app.clone(),
            conn: self.conn.clone(),
        }
    }
}

/// Registers a request handler for `R`. Params absent, `null`, `{}` or `[]` decode as empty; a
/// mismatch is -32602 naming the field. Panics at startup if the method is registered twice.
pub fn register<R, S, F, Fut, E>(module: &mut RpcModule<S>, handler: F)
where
    R: Request,
    S: Send + Sync + 'static,
    F: Fn(R::Params, Ctx<S>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<R::Result, E>> + Send + 'static,
    E: Into<ErrorObjectOwned> + 'static,
{
    let result = module.register_async_method(R::METHOD, move |params, app, ext| {
        let handler = handler.clone();
        async move {
            let cx = context(app, &ext)?;
            let params = parse_params::<R::Params>(&params)?;
            let result = handler(params, cx).await.map_err(Into::into)?;
            serde_json::value::to_raw_value(&result).map_err(|e| internal(&e))
        }
    });
    if let Err(e) = result {
        panic!("registering {}: {e}", R::METHOD);
    }
}

/// Registers a handler for a client → server notification `N` (it never gets a reply).
pub fn register_notification<N, S, F, Fut>(module: &mut RpcModule<S>, handler: F)
where
    N: Notification,
    S: Send + Sync + 'static,
    F: Fn(N::Params, Ctx<S>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let result = module.register_async_method(N::METHOD, move |params, app, ext| {
        let handler = handler.clone();
        async move {
            let cx = context(app, &ext)?;
            let params = parse_params::<N::Params>(&params)?;
            handler(params, cx).await;
            Ok::<_, ErrorObjectOwned>(())
        }
    });
    if let Err(e) = result {
        panic!("registering {}: {e}", N::METHOD);
    }
}

fn context<S>(app: Arc<S>, ext: &Extensions) -> Result<Ctx<S>, ErrorObjectOwned> {
    let conn = ext.get::<ConnectionHandle>().cloned().ok_or_else(|| {
        ErrorObject::owned(
            ErrorCode::InternalError.code(),
            "no connection in extensions",
            None::<()>,
        )
    })?;
    Ok(Ctx { app, conn })
}

/// Parses by-name params, treating absent, `null` and `[]` as `{}`.
pub fn parse_params<T: DeserializeOwned>(params: &Params<'_>) -> Result<T, ErrorObjectOwned> {
    let text = match params.as_str().map(str::trim) {
        None | Some("null") | Some("[]") => "{}",
        Some(t) => t,
    };
    serde_json::from_str(text).map_err(|e| {
        ErrorObject::owned(
            ErrorCode::InvalidParams.code(),
            format!("Invalid params: {e}"),
            None::<()>,
        )
    })
}

fn internal(e: &dyn std::fmt::Display) -> ErrorObjectOwned {
    tracing::error!("cannot serialize a result: {e}");
    ErrorObject::from(ErrorCode::InternalError)
}
