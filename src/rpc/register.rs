//! The router and typed method registration: one line per method, driven by the `protocol`
//! marker types. jsonrpsee provides the wire types (params, error objects); the name → handler
//! map is ours, so a call's context goes in as an argument and its result comes back as the
//! handler's value.
//!
//! ```text
//! use crate::rpc::Register;
//! module.request::<DaemonStatus>(status);
//! async fn status(_: NoParams, cx: Ctx<AppState>) -> Result<DaemonStatusResult, ApiError> { .. }
//! ```

use super::connection::ConnectionHandle;
use super::message::PreparedJson;
use super::params::parse_params;
use futures::future::BoxFuture;
use futures::FutureExt;
use jirad_protocol::{Notification, Request};
use jsonrpsee::types::{ErrorCode, ErrorObject, ErrorObjectOwned, Params};
use std::collections::HashMap;
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

/// A request's result: a value to serialize, or the JSON of one prepared earlier (a cached
/// reply kept as text), sent as it is.
#[derive(Debug)]
pub enum Reply<T> {
    /// Serialized for this reply.
    Value(T),
    /// Must be the JSON of a `T`: nothing parses it again.
    Prepared(PreparedJson),
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

/// What a handler gives back: its serialized result (`None` from a notification's), or its
/// error.
pub(crate) type Outcome = Result<Option<PreparedJson>, ErrorObjectOwned>;

/// A registered handler, type-erased: params and the calling connection in, the outcome out.
type Route =
    Arc<dyn Fn(Params<'static>, ConnectionHandle) -> BoxFuture<'static, Outcome> + Send + Sync>;

/// The router the dispatcher serves: method name → handler. Built with [`registry`] and
/// [`Register`]; cheap to clone.
#[derive(Clone, Default)]
pub struct Router {
    routes: Arc<HashMap<&'static str, Route>>,
}

impl Router {
    /// Starts `method`'s handler on `params` for `conn`: the whole route from a frame to its
    /// handler. `None` when there is no such method.
    pub(crate) fn start(
        &self,
        method: &str,
        params: Option<&str>,
        conn: &ConnectionHandle,
    ) -> Option<BoxFuture<'static, Outcome>> {
        let route = self.routes.get(method)?;
        Some(route(Params::new(params).into_owned(), conn.clone()))
    }

    /// The registered method names, in no particular order.
    pub fn method_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.routes.keys().copied()
    }
}

/// Routes being registered for the methods of state `S`.
pub struct Routes<S> {
    app: Arc<S>,
    routes: HashMap<&'static str, Route>,
}

/// The registry for `state`'s methods; [`Register`] adds them, `.into()` makes the [`Router`].
pub fn registry<S: Send + Sync + 'static>(state: Arc<S>) -> Routes<S> {
    Routes {
        app: state,
        routes: HashMap::new(),
    }
}

impl<S> From<Routes<S>> for Router {
    fn from(routes: Routes<S>) -> Router {
        Router {
            routes: Arc::new(routes.routes),
        }
    }
}

/// One-line typed registration: `m.request::<DaemonStatus>(status)`.
pub trait Register<S> {
    /// Registers `R::METHOD`: params decoded strictly into `R::Params` (-32602 otherwise), the
    /// result serialized once into the reply.
    fn request<R: Request>(&mut self, handler: impl Handler<R, S>) -> &mut Self;
    /// Registers a client → server notification.
    fn notification<N: Notification>(
        &mut self,
        handler: impl NotificationHandler<N, S>,
    ) -> &mut Self;
}

impl<S: Send + Sync + 'static> Register<S> for Routes<S> {
    fn request<R: Request>(&mut self, handler: impl Handler<R, S>) -> &mut Self {
        self.insert(R::METHOD, move |params, cx| {
            let handler = handler.clone();
            async move {
                let params = parse_params::<R::Params>(&params)?;
                let reply = handler.call(params, cx).await.map_err(Into::into)?;
                let json = match reply.into() {
                    Reply::Value(v) => {
                        PreparedJson::whole(serde_json::to_string(&v).map_err(|e| internal(&e))?)
                    }
                    Reply::Prepared(json) => json,
                };
                Ok(Some(json))
            }
        })
    }

    fn notification<N: Notification>(
        &mut self,
        handler: impl NotificationHandler<N, S>,
    ) -> &mut Self {
        self.insert(N::METHOD, move |params, cx| {
            let handler = handler.clone();
            async move {
                let params = parse_params::<N::Params>(&params)?;
                handler.call(params, cx).await;
                Ok(None)
            }
        })
    }
}

impl<S: Send + Sync + 'static> Routes<S> {
    /// Registers `method`; a name registered twice is a bug of the registering code.
    fn insert<B, Fut>(&mut self, method: &'static str, body: B) -> &mut Self
    where
        B: Fn(Params<'static>, Ctx<S>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Outcome> + Send + 'static,
    {
        let app = self.app.clone();
        let route: Route = Arc::new(move |params, conn| {
            let cx = Ctx {
                app: app.clone(),
                conn,
            };
            body(params, cx).boxed()
        });
        if self.routes.insert(method, route).is_some() {
            panic!("{method} is registered twice");
        }
        self
    }
}

fn internal(e: &dyn std::fmt::Display) -> ErrorObjectOwned {
    tracing::error!("cannot serialize a result: {e}");
    ErrorObject::from(ErrorCode::InternalError)
}
