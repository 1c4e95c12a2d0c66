//! [`Doc`]: what the daemon caches: compact JSON text (a `serde_json::Value` tree costs many times
//! its JSON in small allocations), plus a small memo of renderings derived from it, so a repeated
//! identical read serves prepared bytes instead of parsing and serializing again.
//!
//! A rendering is kept the second time it is offered: the first time only its shape is noted, so
//! entries read once (most of a large cache) or in one-off shapes carry no copy.

use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::lock;
use super::weigh::Weigh;

/// Shapes noted or kept per entry: enough for the few (format × fields) one issue is asked in.
/// Later shapes are rendered on each read, so an entry's memory stays bounded.
pub const MEMO_SLOTS: usize = 4;

/// A shape's name, and its rendering once offered twice.
type Slot<M> = (Box<str>, Option<Arc<M>>);

/// Compact JSON text with a bounded memo of `M` (renderings) by shape name.
pub struct Doc<M: ?Sized> {
    json: Box<RawValue>,
    memo: Mutex<Vec<Slot<M>>>,
}

impl<M: ?Sized> std::fmt::Debug for Doc<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Doc")
            .field("bytes", &self.json.get().len())
            .finish_non_exhaustive()
    }
}

impl<M: ?Sized> Doc<M> {
    pub fn new(json: Box<RawValue>) -> Self {
        Self {
            json,
            memo: Mutex::new(Vec::new()),
        }
    }

    /// `v` serialized compactly.
    pub fn of<T: Serialize + ?Sized>(v: &T) -> Result<Self, serde_json::Error> {
        serde_json::value::to_raw_value(v).map(Self::new)
    }

    pub fn json(&self) -> &RawValue {
        &self.json
    }

    /// The text parsed as `T` (borrowing from it where `T` does).
    pub fn parse<'a, T: Deserialize<'a>>(&'a self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.json.get())
    }

    /// The same text with an empty memo.
    pub fn fresh_copy(&self) -> Self {
        Self::new(self.json.clone())
    }

    /// The rendering remembered under `shape`.
    pub fn memo(&self, shape: &str) -> Option<Arc<M>> {
        lock(&self.memo)
            .iter()
            .find(|(s, _)| &**s == shape)
            .and_then(|(_, m)| m.clone())
    }

    /// Offers a rendering: the first offer of a shape notes it, the second keeps the rendering.
    /// Returns whether the memo grew (then tell the cache: [`crate::cache::Cache::reweigh`]);
    /// it does not once every slot is taken.
    pub fn remember(&self, shape: &str, rendering: Arc<M>) -> bool {
        let mut memo = lock(&self.memo);
        let room = memo.len() < MEMO_SLOTS;
        match memo.iter_mut().find(|(s, _)| &**s == shape) {
            Some((_, slot @ None)) => *slot = Some(rendering),
            Some((_, Some(_))) => return false,
            None if room => memo.push((shape.into(), None)),
            None => return false,
        }
        true
    }
}

/// The text and every remembered rendering.
impl<M: Weigh + ?Sized> Weigh for Doc<M> {
    fn weight(&self) -> usize {
        let memo: usize = lock(&self.memo)
            .iter()
            .map(|(s, m)| s.len() + m.as_ref().map_or(0, |m| m.weight()))
            .sum();
        self.json.get().len() + memo
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memo_is_bounded_and_weighed() {
        let d: Doc<String> = Doc::of(&serde_json::json!({"key": "A-1"})).unwrap();
        assert_eq!(d.weight(), 13);
        // Offered once: only the shape is noted.
        assert!(d.remember("m", Arc::new("xx".into())));
        assert!(d.memo("m").is_none());
        assert_eq!(d.weight(), 13 + 1);
        assert!(d.remember("m", Arc::new("xx".into())));
        assert!(!d.remember("m", Arc::new("yyyy".into())));
        assert_eq!(d.memo("m").as_deref().map(String::as_str), Some("xx"));
        assert_eq!(d.weight(), 13 + 1 + 2);
        for i in 1..MEMO_SLOTS {
            assert!(d.remember(&i.to_string(), Arc::new(String::new())));
        }
        assert!(!d.remember("full", Arc::new(String::new())));
        assert!(d.memo("full").is_none());
        assert_eq!(d.fresh_copy().weight(), 13);
    }
}
