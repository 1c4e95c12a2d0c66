//! How many bytes a cached value counts against `max_bytes`: the size of its JSON.

use serde_json::value::RawValue;

/// The approximate size of a value as JSON, for the byte budget.
pub trait Weigh {
    fn weight(&self) -> usize;
}

/// Counts bytes without keeping them, so weighing a `Value` allocates nothing.
struct Counter(usize);

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Weigh for serde_json::Value {
    fn weight(&self) -> usize {
        let mut c = Counter(0);
        // Serializing a Value into a writer that never fails cannot fail.
        let _ = serde_json::to_writer(&mut c, self);
        c.0
    }
}

impl Weigh for Box<RawValue> {
    fn weight(&self) -> usize {
        self.get().len()
    }
}

impl Weigh for String {
    fn weight(&self) -> usize {
        self.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_weighs_its_json() {
        let v = serde_json::json!({"key": "A-1", "n": [1, 2]});
        assert_eq!(v.weight(), serde_json::to_string(&v).unwrap().len());
    }
}
