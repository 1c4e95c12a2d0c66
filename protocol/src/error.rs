//! Application error kinds: one stable numeric code and one stable camelCase `data.kind` each.
//!
//! Codes live in 1000–1099, away from JSON-RPC's reserved -32768…-32000 (which jsonrpsee also uses
//! for its own -32000…-32011). Protocol faults keep the standard codes listed in [`standard`].

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The standard JSON-RPC 2.0 / LSP codes the daemon answers with.
pub mod standard {
    /// Invalid JSON.
    pub const PARSE_ERROR: i32 = -32700;
    /// Valid JSON that is not a request.
    pub const INVALID_REQUEST: i32 = -32600;
    /// No such method.
    pub const METHOD_NOT_FOUND: i32 = -32601;
    /// Params do not match the method's schema.
    pub const INVALID_PARAMS: i32 = -32602;
    /// A bug or an unexpected failure inside the daemon.
    pub const INTERNAL_ERROR: i32 = -32603;
    /// The call was abandoned after `$/cancelRequest` (LSP's RequestCancelled).
    pub const REQUEST_CANCELLED: i32 = -32800;
    /// The `data.kind` of every [`INVALID_PARAMS`] error (with `data.path` to the offending value).
    pub const INVALID_PARAMS_KIND: &str = "invalidParams";
}

/// Every application error kind. The error's `data.kind` is the camelCase name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ErrorKind {
    /// The profile has no usable credentials; `data` has `profile` and `authorizationUrl`.
    AuthRequired,
    /// Jira or the auth server rejected the credentials.
    AuthFailed,
    /// Authenticated, but not allowed.
    Forbidden,
    /// The issue, project or profile does not exist.
    NotFound,
    /// Jira refused field values; `data` has Jira's `errors` map and `errorMessages`.
    InvalidFields,
    /// Jira asked us to slow down; `data` has `retryAfterMs` and `reason`.
    RateLimited,
    /// Jira could not be reached or answered 5xx.
    UpstreamUnavailable,
    /// The resource changed underneath the request.
    Conflict,
    /// More than one Jira site matches; `data` has the `sites`.
    SiteAmbiguous,
    /// The configuration is invalid.
    ConfigError,
    /// Jira removed the endpoint (410 Gone).
    UpstreamRemoved,
    /// The update would lose data (e.g. rich text that Markdown cannot carry).
    LossyUpdate,
    /// A limit of the daemon refused the call (too many watches, a batch too long, replies beyond
    /// the connection's outbound budget); `data` has `limit` (the `[limits]` key) and `max`.
    LimitExceeded,
}

impl ErrorKind {
    /// All kinds, in code order.
    pub const ALL: [ErrorKind; 13] = [
        ErrorKind::AuthRequired,
        ErrorKind::AuthFailed,
        ErrorKind::Forbidden,
        ErrorKind::NotFound,
        ErrorKind::InvalidFields,
        ErrorKind::RateLimited,
        ErrorKind::UpstreamUnavailable,
        ErrorKind::Conflict,
        ErrorKind::SiteAmbiguous,
        ErrorKind::ConfigError,
        ErrorKind::UpstreamRemoved,
        ErrorKind::LossyUpdate,
        ErrorKind::LimitExceeded,
    ];

    /// The stable numeric JSON-RPC error code.
    pub const fn code(self) -> i32 {
        match self {
            ErrorKind::AuthRequired => 1001,
            ErrorKind::AuthFailed => 1002,
            ErrorKind::Forbidden => 1003,
            ErrorKind::NotFound => 1004,
            ErrorKind::InvalidFields => 1005,
            ErrorKind::RateLimited => 1006,
            ErrorKind::UpstreamUnavailable => 1007,
            ErrorKind::Conflict => 1008,
            ErrorKind::SiteAmbiguous => 1009,
            ErrorKind::ConfigError => 1010,
            ErrorKind::UpstreamRemoved => 1011,
            ErrorKind::LossyUpdate => 1012,
            ErrorKind::LimitExceeded => 1013,
        }
    }

    /// The stable `data.kind` string.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorKind::AuthRequired => "authRequired",
            ErrorKind::AuthFailed => "authFailed",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::NotFound => "notFound",
            ErrorKind::InvalidFields => "invalidFields",
            ErrorKind::RateLimited => "rateLimited",
            ErrorKind::UpstreamUnavailable => "upstreamUnavailable",
            ErrorKind::Conflict => "conflict",
            ErrorKind::SiteAmbiguous => "siteAmbiguous",
            ErrorKind::ConfigError => "configError",
            ErrorKind::UpstreamRemoved => "upstreamRemoved",
            ErrorKind::LossyUpdate => "lossyUpdate",
            ErrorKind::LimitExceeded => "limitExceeded",
        }
    }

    /// The kind for a `data.kind` string, if it is one of ours.
    pub fn from_name(name: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The kind for a numeric code, if it is one of ours.
    pub fn from_code(code: i32) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_kinds_are_unique_and_serde_matches_as_str() {
        let mut codes: Vec<_> = ErrorKind::ALL.iter().map(|k| k.code()).collect();
        codes.dedup();
        assert_eq!(codes.len(), ErrorKind::ALL.len());
        for k in ErrorKind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
            assert_eq!(ErrorKind::from_code(k.code()), Some(k));
            assert!(!(-32768..=-32000).contains(&k.code()));
        }
    }
}
