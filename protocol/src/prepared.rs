//! [`Prepared<T>`]: a `T` that a server may already hold as JSON text (a cached reply), so it sends
//! those bytes instead of building and serializing a `T` on every call. On the wire and in the
//! schema it is exactly a `T`; reading one always gives [`Prepared::Typed`].

use schemars::{JsonSchema, SchemaGenerator};
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// A `T`, typed or as the JSON object text of one.
#[derive(Debug, Clone)]
pub enum Prepared<T> {
    /// Built for this reply (and what a client reads).
    Typed(T),
    /// Serialized earlier; written verbatim.
    Json(Arc<JsonObject>),
}

impl<T> From<T> for Prepared<T> {
    fn from(t: T) -> Self {
        Prepared::Typed(t)
    }
}

impl<T: Serialize> Serialize for Prepared<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Prepared::Typed(t) => t.serialize(s),
            Prepared::Json(o) => o.serialize(s),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Prepared<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(Prepared::Typed)
    }
}

/// The schema is `T`'s: a prepared value is one.
impl<T: JsonSchema> JsonSchema for Prepared<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

/// A JSON object's text kept as its top-level members, each value verbatim. Split rather than one
/// `RawValue` so that it can also be flattened into an enclosing object (`#[serde(flatten)]`),
/// which serde does member by member.
#[derive(Debug)]
pub struct JsonObject {
    members: Vec<(Box<str>, Box<RawValue>)>,
}

impl JsonObject {
    /// The members of `v`, which must serialize as a JSON object.
    pub fn of<T: Serialize>(v: &T) -> Result<Self, serde_json::Error> {
        serde_json::from_str(serde_json::value::to_raw_value(v)?.get())
    }

    /// The bytes it holds (keys and values), for memory accounting.
    pub fn len(&self) -> usize {
        self.members
            .iter()
            .map(|(k, v)| k.len() + v.get().len())
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }
}

impl Serialize for JsonObject {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.members.len()))?;
        for (k, v) in &self.members {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for JsonObject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Members;
        impl<'de> Visitor<'de> for Members {
            type Value = JsonObject;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonObject, A::Error> {
                let mut members = Vec::with_capacity(map.size_hint().unwrap_or(16));
                while let Some(entry) = map.next_entry::<Box<str>, Box<RawValue>>()? {
                    members.push(entry);
                }
                members.shrink_to_fit();
                Ok(JsonObject { members })
            }
        }
        d.deserialize_map(Members)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Serialize, Deserialize, JsonSchema)]
    struct Outer {
        #[serde(flatten)]
        inner: Prepared<Inner>,
        extra: u32,
    }

    #[derive(Serialize, Deserialize, JsonSchema, Clone)]
    struct Inner {
        name: String,
        deep: serde_json::Value,
    }

    #[test]
    fn prepared_is_written_like_the_typed_value_even_flattened() {
        let inner = Inner {
            name: "a \"quoted\" é".into(),
            deep: json!({"x": [1, {"y": null}], "z": "\u{1f}"}),
        };
        let typed = Outer {
            inner: Prepared::Typed(inner.clone()),
            extra: 7,
        };
        let prepared = Outer {
            inner: Prepared::Json(Arc::new(JsonObject::of(&inner).unwrap())),
            extra: 7,
        };
        let a = serde_json::to_string(&typed).unwrap();
        assert_eq!(a, serde_json::to_string(&prepared).unwrap());
        let back: Outer = serde_json::from_str(&a).unwrap();
        assert!(matches!(back.inner, Prepared::Typed(i) if i.name == inner.name));
    }

    #[test]
    fn schema_is_the_typed_one() {
        #[derive(JsonSchema)]
        struct Plain {
            #[serde(flatten)]
            #[allow(dead_code)]
            inner: Inner,
            #[allow(dead_code)]
            extra: u32,
        }
        let a = serde_json::to_value(schemars::schema_for!(Outer)).unwrap();
        let mut b = serde_json::to_value(schemars::schema_for!(Plain)).unwrap();
        b["title"] = json!("Outer");
        assert_eq!(a, b);
    }
}
