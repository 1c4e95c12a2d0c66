//! `issues/get`, `issues/list`, `issues/create`, `issues/update`, `issues/delete`.

use crate::openrpc::MethodDoc;

/// The family's entries in the OpenRPC document.
pub fn docs() -> Vec<MethodDoc> {
    vec![]
}
