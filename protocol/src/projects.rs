//! `projects/list`, `projects/issueTypes`, `users/me`, `users/search`.

use crate::openrpc::MethodDoc;

/// The family's entries in the OpenRPC document.
pub fn docs() -> Vec<MethodDoc> {
    vec![]
}
