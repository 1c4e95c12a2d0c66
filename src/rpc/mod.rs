//! JSON-RPC plumbing, knowing nothing of Jira: framing, the dispatcher and its [`Router`],
//! connections and their push handle, typed method registration, and the transports.

pub mod admission;
mod call;
mod cancel;
pub mod connection;
pub mod dispatch;
pub mod framing;
pub mod input_budget;
mod job;
pub(crate) mod lifecycle;
pub mod memory;
mod message;
pub mod outbound;
pub mod params;
mod pending;
pub mod register;
mod scan;
mod signal;
pub mod transport;
mod writer;

pub use connection::{ConnectionHandle, Hub, PushError, Session};
pub use dispatch::{serve_connection, ServeOptions};
pub use framing::Framing;
/// jsonrpsee's error objects, the one wire type handlers build (through `api/error.rs`).
pub use jsonrpsee::types::{ErrorObject, ErrorObjectOwned};
pub use message::PreparedJson;
pub use params::{invalid_param, parse_params};
pub use register::{registry, Ctx, Handler, NotificationHandler, Register, Reply, Router, Routes};
