//! `cache/stats`, `cache/clear`, `issues/watch`, `issues/unwatch` and `issues/didChange`.

use crate::state::AppState;
use jsonrpsee::RpcModule;

/// Registers the family.
pub fn register_all(_m: &mut RpcModule<AppState>) {}
