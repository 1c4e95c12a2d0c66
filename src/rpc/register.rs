//! Typed method registration: one line per method, driven by the `protocol` marker types.
//!
//! ```text
//! use crate::rpc::Register;
//! module.request::<DaemonStatus>(status);
//! async fn status(_: NoParams, cx: Ctx<AppState>) -> Result<DaemonStatusResult, ApiError> { .. }
//! ```

use super::connection::ConnectionHandle;
use super::params::parse_params;
use futures::FutureExt;
use jirad_protocol::{Notification, Request};
use jsonrpsee::types::{ErrorCode, ErrorObject, ErrorObjectOwned, Id, Params};
use jsonrpsee::{MethodCallback, MethodResponse, RpcModule};
use std::cell::Cell;
use std::future::Future;
use std::ops::Range;
use std::sync::{Arc, Mutex};

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

/// A request's result: a value to serialize, or the JSON of one prepared earlier (a cached
/// reply kept as text), sent as it is.
#[derive(Debug)]
pub enum Reply<T> {
    /// Serialized for this reply.
    Value(T),
    /// Must be the JSON of a `T`: nothing parses it again.
    Json(String),
    /// The JSON of a `T` in two parts, written one after the other and never concatenated:
    /// part of a text shared between replies (a cached rendering), then this reply's own.
    Joined(Arc<str>, Range<usize>, String),
}

/// A serialized result, whole or in the two parts of [`Reply::Joined`].
#[derive(Debug)]
pub(crate) enum ResultJson {
    Whole(String),
    Joined(Arc<str>, Range<usize>, String),
}

impl ResultJson {
    /// The result's text in order.
    pub(crate) fn parts(&self) -> [&str; 2] {
        match self {
            ResultJson::Whole(json) => [json, ""],
            // A range off the text's char boundaries would be a bug of the handler's: it sends
            // nothing of the shared text rather than panic.
            ResultJson::Joined(shared, range, rest) => {
                [shared.get(range.clone()).unwrap_or(""), rest]
            }
        }
    }
}

impl<T> From<T> for Reply<T> {
    fn from(value: T) -> Self {
        Reply::Value(value)
    }
}

/// An async request handler for `R`: any `async fn(R::Params, Ctx<S>) -> Result<O, E>` (or
/// closure) where `O` is `R::Result` or a [`Reply`] of it and `E: Into<ErrorObjectOwned>`.
pub trait Handler<R: Request, S>: Clone + Send + Sync + 'static {
    /// `R::Result` or `Reply<R::Result>`.
    type Output: Into<Reply<R::Result>>;
    /// The error type, converted once into a JSON-RPC error.
    type Error: Into<ErrorObjectOwned> + 'static;
    /// The handler's future.
    type Future: Future<Output = Result<Self::Output, Self::Error>> + Send + 'static;
    /// Runs the handler.
    fn call(&self, params: R::Params, cx: Ctx<S>) -> Self::Future;
}

impl<R, S, F, Fut, O, E> Handler<R, S> for F
where
    R: Request,
    F: Fn(R::Params, Ctx<S>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<O, E>> + Send + 'static,
    O: Into<Reply<R::Result>>,
    E: Into<ErrorObjectOwned> + 'static,
{
    type Output = O;
    type Error = E;
    type Future = Fut;
    fn call(&self, params: R::Params, cx: Ctx<S>) -> Fut {
        self(params, cx)
    }
}

/// An async handler for a client → server notification `N`.
pub trait NotificationHandler<N: Notification, S>: Clone + Send + Sync + 'static {
    /// The handler's future.
    type Future: Future<Output = ()> + Send + 'static;
    /// Runs the handler.
    fn call(&self, params: N::Params, cx: Ctx<S>) -> Self::Future;
}

impl<N, S, F, Fut> NotificationHandler<N, S> for F
where
    N: Notification,
    F: Fn(N::Params, Ctx<S>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    type Future = Fut;
    fn call(&self, params: N::Params, cx: Ctx<S>) -> Fut {
        self(params, cx)
    }
}

/// The registry for `state`'s methods: an `RpcModule` that also carries the state for
/// [`Register::request`].
pub fn registry<S: Send + Sync + 'static>(state: Arc<S>) -> RpcModule<S> {
    let mut module = RpcModule::from_arc(state.clone());
    module.extensions_mut().insert(state);
    module
}

/// One-line typed registration on an `RpcModule`: `m.request::<DaemonStatus>(status)`.
pub trait Register<S> {
    /// Registers a request handler for `R`. Params absent, `null`, `{}` or `[]` decode as empty;
    /// a mismatch is -32602 naming the field. Panics at startup if `R` is registered twice.
    fn request<R: Request>(&mut self, handler: impl Handler<R, S>) -> &mut Self;
    /// Registers a handler for a client → server notification `N` (never answered).
    fn notification<N: Notification>(
        &mut self,
        handler: impl NotificationHandler<N, S>,
    ) -> &mut Self;
}

impl<S: Send + Sync + 'static> Register<S> for RpcModule<S> {
    fn request<R: Request>(&mut self, handler: impl Handler<R, S>) -> &mut Self {
        // Inserted as a raw callback rather than through `register_async_method`, which would
        // serialize every reply again and re-parse it to validate it (`MethodResponse::response`):
        // the result goes to the dispatcher through the call's `ResultSlot`, already serialized.
        insert(self, R::METHOD, move |params, cx, result| {
            let handler = handler.clone();
            async move {
                let params = parse_params::<R::Params>(&params)?;
                let reply = handler.call(params, cx).await.map_err(Into::into)?;
                result.put(match reply.into() {
                    Reply::Value(v) => {
                        ResultJson::Whole(serde_json::to_string(&v).map_err(|e| internal(&e))?)
                    }
                    Reply::Json(json) => ResultJson::Whole(json),
                    Reply::Joined(shared, range, rest) => ResultJson::Joined(shared, range, rest),
                });
                Ok(())
            }
        })
    }

    fn notification<N: Notification>(
        &mut self,
        handler: impl NotificationHandler<N, S>,
    ) -> &mut Self {
        insert(self, N::METHOD, move |params, cx, _| {
            let handler = handler.clone();
            async move {
                let params = parse_params::<N::Params>(&params)?;
                handler.call(params, cx).await;
                Ok(())
            }
        })
    }
}

/// Registers `method` as a raw async callback: it takes the call the dispatcher is starting,
/// runs `body` with the call's context and result slot, and answers with `body`'s error if any.
fn insert<'m, S, B, Fut>(
    module: &'m mut RpcModule<S>,
    method: &'static str,
    body: B,
) -> &'m mut RpcModule<S>
where
    S: Send + Sync + 'static,
    B: Fn(Params<'static>, Ctx<S>, ResultSlot) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), ErrorObjectOwned>> + Send + 'static,
{
    let app = state_of(module, method);
    let callback = MethodCallback::Async(Arc::new(move |_, params, _, _, _| {
        let call = match starting_call() {
            Ok(call) => call,
            Err(e) => return futures::future::ready(MethodResponse::error(Id::Null, e)).boxed(),
        };
        let cx = Ctx {
            app: app.clone(),
            conn: call.conn,
        };
        let started = body(params, cx, call.result);
        async move {
            match started.await {
                Ok(()) => MethodResponse::notification(),
                Err(e) => MethodResponse::error(Id::Null, e),
            }
        }
        .boxed()
    }));
    if let Err(e) = module.verify_and_insert(method, callback) {
        panic!("registering {method}: {e}");
    }
    module
}

/// The state that [`registry`] put in the module's extensions.
fn state_of<S: Send + Sync + 'static>(module: &mut RpcModule<S>, method: &str) -> Arc<S> {
    match module.extensions().get::<Arc<S>>() {
        Some(state) => state.clone(),
        None => panic!("registering {method}: build the module with rpc::registry"),
    }
}

/// What the dispatcher hands every call: the calling connection and where the result goes.
pub(crate) struct CallContext {
    pub conn: ConnectionHandle,
    pub result: ResultSlot,
}

// The call whose callback is being invoked on this thread. Handed over this way rather than in
// jsonrpsee's `Extensions`, which cost a hash map and three allocations per call.
thread_local! {
    // Already const: clippy misreads the expansion for windows-gnu (scripts/windows-check.sh).
    #[allow(clippy::missing_const_for_thread_local)]
    static STARTING: Cell<Option<CallContext>> = const { Cell::new(None) };
}

/// Runs `invoke` (a jsonrpsee callback, which starts its future synchronously) with `call` as
/// the call it takes.
pub(crate) fn start_call<T>(call: CallContext, invoke: impl FnOnce() -> T) -> T {
    STARTING.set(Some(call));
    let started = invoke();
    STARTING.take(); // a callback that is not ours leaves it
    started
}

fn starting_call() -> Result<CallContext, ErrorObjectOwned> {
    STARTING.take().ok_or_else(|| {
        ErrorObject::owned(
            ErrorCode::InternalError.code(),
            "called outside the dispatcher",
            None::<()>,
        )
    })
}

/// Where a request handler leaves its serialized result for the dispatcher, which writes it into
/// the reply once (the jsonrpsee response only says whether the call succeeded). Returned
/// through jsonrpsee instead, every result would be serialized a second time and the whole
/// response parsed again (`RawValue::from_string`), which for a cached issue costs more than the
/// lookup.
#[derive(Clone, Default)]
pub(crate) struct ResultSlot(Arc<Mutex<Option<ResultJson>>>);

impl ResultSlot {
    fn put(&self, json: ResultJson) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(json);
    }

    pub(crate) fn take(&self) -> Option<ResultJson> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

fn internal(e: &dyn std::fmt::Display) -> ErrorObjectOwned {
    tracing::error!("cannot serialize a result: {e}");
    ErrorObject::from(ErrorCode::InternalError)
}
