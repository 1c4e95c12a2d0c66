//! Work on one issue: `issues/transitions`, `issues/transition`, `issues/comments`, `issues/addComment`, `issues/assign`.

use crate::openrpc::MethodDoc;

/// The family's entries in the OpenRPC document.
pub fn docs() -> Vec<MethodDoc> {
    vec![]
}
