//! `projects/list`, `projects/issueTypes`, `users/me`, `users/search`.

use crate::state::AppState;
use jsonrpsee::RpcModule;

/// Registers the family.
pub fn register_all(_m: &mut RpcModule<AppState>) {}
