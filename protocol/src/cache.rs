//! `cache/stats`, `cache/clear`, `issues/watch`, `issues/unwatch` and `issues/didChange`.

use crate::openrpc::MethodDoc;

/// The family's entries in the OpenRPC document.
pub fn docs() -> Vec<MethodDoc> {
    vec![]
}
