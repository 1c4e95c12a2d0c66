//! The shared cache's values: compact JSON text, with prepared replies memoized beside it; and the
//! metadata store Jira clients keep in it.

use crate::cache::{Cache, CacheKey, Doc, Namespace, Weigh};
use crate::jira::meta::{MetaKey, MetaStore};
use crate::jira::JiraError;
use crate::service::ApiError;
use serde_json::Value;
use std::sync::Arc;

/// A cached answer: its compact JSON, with prepared replies (the JSON of an issue as one caller
/// shape asked for it) memoized beside it.
pub type CachedJson = Doc<str>;

/// The cache every client shares: JSON text, refetched on Jira's transient errors only.
pub type SharedCache = Cache<CachedJson, JiraError>;

/// A value to cache, as compact JSON.
pub fn cached_json<T: serde::Serialize + ?Sized>(v: &T) -> Result<CachedJson, JiraError> {
    Doc::of(v).map_err(|e| JiraError::Protocol(format!("caching an answer: {e}")))
}

/// A read through the shared cache: what `fetch` gives on a miss (or with `fresh`), kept as its
/// JSON and shared with identical reads in flight, read back as `T`.
pub async fn read_through<T, U, F, Fut>(
    cache: &SharedCache,
    ns: &Namespace,
    key: CacheKey,
    fresh: bool,
    fetch: F,
) -> Result<T, ApiError>
where
    T: serde::de::DeserializeOwned,
    U: serde::Serialize,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<U, JiraError>> + Send + 'static,
{
    let read = cache
        .get_or_fetch(ns, key, fresh, || {
            let fut = fetch();
            async move { cached_json(&fut.await?) }
        })
        .await?;
    Ok(read_cached(&read.value)?)
}

/// A cached answer read back as `T` (a shape error is the daemon's own, reported as such).
pub fn read_cached<'a, T: serde::Deserialize<'a>>(v: &'a CachedJson) -> Result<T, JiraError> {
    v.parse()
        .map_err(|e| JiraError::Protocol(format!("reading a cached answer: {e}")))
}

impl Weigh for str {
    fn weight(&self) -> usize {
        self.len()
    }
}

/// A Jira client's metadata in the shared cache, under its profile's namespace: one copy per
/// site, expiring with `meta_ttl`, cleared by `cache/clear`.
pub struct SharedMeta {
    pub cache: SharedCache,
    pub ns: Namespace,
}

impl MetaStore for SharedMeta {
    fn get(&self, key: &MetaKey) -> Option<Arc<Vec<Value>>> {
        let hit = self.cache.get(&self.ns, &CacheKey::Meta(key.clone()))?;
        read_cached::<Vec<Value>>(&hit.value).ok().map(Arc::new)
    }

    fn put(&self, key: MetaKey, value: Vec<Value>) -> Arc<Vec<Value>> {
        if let Ok(json) = cached_json(&value) {
            self.cache.put(&self.ns, CacheKey::Meta(key), json);
        }
        Arc::new(value)
    }

    fn forget(&self) {
        self.cache.forget_meta(&self.ns);
    }
}
