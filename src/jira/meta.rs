//! Site metadata a client consults before it writes (createmeta per project and issue type, the
//! field catalogue). The client does not own it: whoever builds the client gives it a
//! [`MetaStore`]; the daemon's is its shared cache, so every profile's metadata lives, expires
//! (`meta_ttl`) and is cleared (`cache/clear`) with the rest. [`PrivateMeta`] serves a client on
//! its own.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

pub use crate::cache::MetaKey;

/// Where a client keeps site metadata.
pub trait MetaStore: Send + Sync {
    /// A fresh copy, if any.
    fn get(&self, key: &MetaKey) -> Option<Arc<Vec<Value>>>;
    /// Keeps `value`, and hands it back shared.
    fn put(&self, key: MetaKey, value: Vec<Value>) -> Arc<Vec<Value>>;
    /// Forgets every entry, e.g. after Jira rejected fields the metadata said were fine.
    fn forget(&self);
}

/// A client's own metadata, for ten minutes: schemes change rarely, and a stale entry only costs
/// a Jira-side error.
#[derive(Default)]
pub struct PrivateMeta(Mutex<HashMap<MetaKey, Stored>>);

/// When it was stored, and what.
type Stored = (Instant, Arc<Vec<Value>>);

const PRIVATE_TTL: Duration = Duration::from_secs(600);

impl MetaStore for PrivateMeta {
    fn get(&self, key: &MetaKey) -> Option<Arc<Vec<Value>>> {
        let map = self.0.lock().ok()?;
        map.get(key)
            .filter(|(at, _)| at.elapsed() < PRIVATE_TTL)
            .map(|(_, v)| v.clone())
    }

    fn put(&self, key: MetaKey, value: Vec<Value>) -> Arc<Vec<Value>> {
        let value = Arc::new(value);
        if let Ok(mut map) = self.0.lock() {
            map.insert(key, (Instant::now(), value.clone()));
        }
        value
    }

    fn forget(&self) {
        if let Ok(mut map) = self.0.lock() {
            map.clear();
        }
    }
}
