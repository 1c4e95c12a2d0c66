//! Errors of cache reads, and how a fetch error says it is transient (worth a stale answer).

use std::sync::Arc;

/// Implemented by the upstream error type: `true` for unreachable, 5xx and rate-limited, the
/// failures for which an expired entry is a better answer than the error.
pub trait Transient {
    fn is_transient(&self) -> bool;
}

/// Why a read through the cache failed.
#[derive(Debug, thiserror::Error)]
pub enum CacheError<E: std::error::Error + 'static> {
    /// The upstream fetch failed; every caller that shared the fetch gets the same error.
    #[error(transparent)]
    Upstream(Arc<E>),
    /// The fetch task panicked or was aborted: a bug, not a Jira answer.
    #[error("the upstream fetch did not finish")]
    FetchAborted,
}

impl<E: std::error::Error + 'static> CacheError<E> {
    /// The upstream error, to convert into a protocol error at the api layer.
    pub fn upstream(&self) -> Option<&E> {
        match self {
            CacheError::Upstream(e) => Some(e),
            CacheError::FetchAborted => None,
        }
    }
}

// Manual: a derive would needlessly require `E: Clone`.
impl<E: std::error::Error + 'static> Clone for CacheError<E> {
    fn clone(&self) -> Self {
        match self {
            CacheError::Upstream(e) => CacheError::Upstream(Arc::clone(e)),
            CacheError::FetchAborted => CacheError::FetchAborted,
        }
    }
}
