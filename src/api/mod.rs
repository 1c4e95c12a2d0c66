//! Thin adapters from protocol types to domain calls, one file per method family. [`build_module`]
//! assembles every family into the one registry both transports serve.

pub mod error;
pub mod lifecycle;
pub mod session;

use crate::state::AppState;
use jsonrpsee::RpcModule;
use std::sync::Arc;

pub use error::{app_error, ApiError};

/// The registry of every method. Later families add one `register_all` line here.
pub fn build_module(state: Arc<AppState>) -> RpcModule<AppState> {
    let mut module = RpcModule::from_arc(state);
    lifecycle::register_all(&mut module);
    module
}
