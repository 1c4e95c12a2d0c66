//! One `[profiles.NAME]` table of the user's config. (Skeleton: issue 4 fills in every key.)

use serde::Deserialize;

/// How one profile reaches Jira.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileConfig {
    /// `oauth`, `api_token` or `pat`.
    pub auth: String,
}
