//! The shared in-memory cache of issues, lists and metadata. (Skeleton: filled in by issue 6.)

use serde::Deserialize;

/// The `[cache]` table of the config.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheConfig {}
