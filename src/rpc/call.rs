//! Starting a method's handler, for the reader and for the jobs alike: the lifecycle's admission,
//! the router's lookup, and a panic (now or while the response is polled) turned into -32603.

use super::connection::ConnectionHandle;
use super::lifecycle::Lifecycle;
use super::message::{self, Answer, Message, PreparedJson};
use super::register::{Outcome, Router};
use futures::future::{BoxFuture, CatchUnwind};
use futures::FutureExt;
use jsonrpsee::types::{ErrorCode, ErrorObject};
use std::panic::AssertUnwindSafe;

/// Starts a call's handler; `Err` is the reply when there is nothing to run.
pub(super) fn start_call_of(
    methods: &Router,
    conn: &ConnectionHandle,
    msg: &Message,
) -> Result<Started, Box<str>> {
    let (id, method) = (msg.id().unwrap_or("null"), msg.method());
    let lifecycle = Lifecycle::new(conn.session().shutdown);
    lifecycle
        .admit(method)
        .map_err(|obj| message::error_reply(Some(id), obj))?;
    start(methods, conn, method, msg.params())
        .ok_or_else(|| message::error_reply(Some(id), ErrorCode::MethodNotFound.into()))
}

/// A method whose handler has started: poll `response` to its end, then build the reply.
pub(super) struct Started {
    /// The handler's future, boxed by the router, so it moves into a task as it is.
    pub(super) response: CatchUnwind<AssertUnwindSafe<BoxFuture<'static, Outcome>>>,
}

impl Started {
    pub(super) fn reply(self, outcome: std::thread::Result<Outcome>, msg: &Message) -> Answer<'_> {
        let id = msg.id().unwrap_or("null");
        match outcome {
            Ok(Ok(Some(result))) => Answer::Result { id, result },
            // A notification's method called with an id: it has no result to give.
            Ok(Ok(None)) => Answer::Result {
                id,
                result: PreparedJson::whole("null".into()),
            },
            Ok(Err(error)) => Answer::Text(message::error_reply(Some(id), error)),
            Err(_) => {
                tracing::error!(method = msg.method(), "handler panicked");
                Answer::Text(message::error_reply(
                    Some(id),
                    ErrorCode::InternalError.into(),
                ))
            }
        }
    }
}

/// Starts `method`'s handler through the router; `None` when there is no such method. A panic,
/// now or while the response is polled, answers -32603.
pub(super) fn start(
    router: &Router,
    conn: &ConnectionHandle,
    method: &str,
    params: Option<&str>,
) -> Option<Started> {
    let started = std::panic::catch_unwind(AssertUnwindSafe(|| router.start(method, params, conn)));
    let response = match started {
        Ok(response) => response?,
        Err(_) => {
            tracing::error!(method, "handler panicked");
            futures::future::ready(Err(ErrorObject::from(ErrorCode::InternalError))).boxed()
        }
    };
    Some(Started {
        response: AssertUnwindSafe(response).catch_unwind(),
    })
}
