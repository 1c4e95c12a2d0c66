//! `issues/get`, `issues/list`, `issues/create`, `issues/update`, `issues/delete`.

use crate::state::AppState;
use jsonrpsee::RpcModule;

/// Registers the family.
pub fn register_all(_m: &mut RpcModule<AppState>) {}
