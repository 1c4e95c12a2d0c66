//! A small TTL cache of site metadata (createmeta per project and type, the field list), per client.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long metadata is trusted: schemes change rarely, and a stale entry only costs a Jira-side error.
const TTL: Duration = Duration::from_secs(600);

type Entry = (Instant, Arc<Vec<Value>>);

#[derive(Default)]
pub struct MetaCache(Mutex<HashMap<String, Entry>>);

impl MetaCache {
    pub fn get(&self, key: &str) -> Option<Arc<Vec<Value>>> {
        let map = self.0.lock().ok()?;
        map.get(key)
            .filter(|(at, _)| at.elapsed() < TTL)
            .map(|(_, v)| v.clone())
    }

    pub fn put(&self, key: String, value: Vec<Value>) -> Arc<Vec<Value>> {
        let value = Arc::new(value);
        if let Ok(mut map) = self.0.lock() {
            map.insert(key, (Instant::now(), value.clone()));
        }
        value
    }

    /// Forgets everything, e.g. after Jira rejected fields the cache said were fine.
    pub fn clear(&self) {
        if let Ok(mut map) = self.0.lock() {
            map.clear();
        }
    }
}
