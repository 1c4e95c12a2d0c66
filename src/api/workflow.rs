//! Work on one issue: `issues/transitions`, `issues/transition`, `issues/comments`, `issues/addComment`, `issues/assign`.

use crate::state::AppState;
use jsonrpsee::RpcModule;

/// Registers the family.
pub fn register_all(_m: &mut RpcModule<AppState>) {}
