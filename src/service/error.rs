//! The one error type above the domain: a protocol error kind, a message for people and `data`
//! for programs. Domain errors (Jira, auth, cache) convert into [`ApiError`] once, here; the api
//! layer turns it into a JSON-RPC error.

use jirad_protocol::ErrorKind;
use serde_json::{Map, Value};

/// An application error with its kind, a message for people and extra `data` for programs.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    /// The stable kind.
    pub kind: ErrorKind,
    /// For people.
    pub message: String,
    /// Extra `data` fields (e.g. `profile`, `retryAfterMs`), merged next to `kind`.
    pub data: Map<String, Value>,
}

impl ApiError {
    /// An error of `kind` with a message and no extra data.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ApiError {
            kind,
            message: message.into(),
            data: Map::new(),
        }
    }

    /// Adds a `data` field.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.data.insert(key.to_owned(), value.into());
        self
    }
}

/// `profile` is not in `config`: `notFound`, the same kind and words for every method.
pub fn unknown_profile(config: &crate::config::Config, profile: &str) -> ApiError {
    crate::auth::AuthError::unknown_profile(profile, config.profiles.keys().map(String::as_str))
        .into()
}

impl From<crate::jira::JiraError> for ApiError {
    fn from(e: crate::jira::JiraError) -> Self {
        Self::from(&e)
    }
}

impl From<&crate::jira::JiraError> for ApiError {
    fn from(e: &crate::jira::JiraError) -> Self {
        use crate::jira::JiraError as J;
        let kind = ErrorKind::from_name(e.kind()).unwrap_or(ErrorKind::UpstreamUnavailable);
        let mut err = ApiError::new(kind, e.to_string());
        if let Some(m) = e.messages() {
            err = err
                .with("errorMessages", m.error_messages.clone())
                .with("errors", Value::Object(m.errors.clone()));
        }
        match e {
            J::RateLimited {
                retry_after_ms,
                reason,
            } => err
                .with("retryAfterMs", *retry_after_ms)
                .with("reason", reason.as_str()),
            J::LossyUpdate { nodes } => err.with("nodes", nodes.clone()),
            J::ConversionLimit(crate::jira::budget::Halt::OverBudget { limit, .. }) => {
                err.with("limit", "conversionWork").with("max", *limit)
            }
            J::OutcomeUnknown(_) => err.with("outcomeUnknown", true),
            J::Unreachable {
                host,
                cause,
                retry_in_ms,
            } => {
                let err = err
                    .with("host", host.as_str())
                    .with("cause", cause.as_str());
                match retry_in_ms {
                    Some(ms) => err.with("retryAfterMs", *ms),
                    None => err,
                }
            }
            J::AuthRequired(need) => err
                .with("profile", need.profile.clone())
                .with("authorizationUrl", need.authorization_url.clone()),
            _ => err,
        }
    }
}

/// A read through the shared cache: the upstream error as if called directly (a fetch shared by
/// several callers hands each the same error).
impl From<crate::cache::CacheError<crate::jira::JiraError>> for ApiError {
    fn from(e: crate::cache::CacheError<crate::jira::JiraError>) -> Self {
        match e.upstream() {
            Some(up) => Self::from(up),
            None => ApiError::new(ErrorKind::UpstreamUnavailable, e.to_string()),
        }
    }
}

impl From<crate::auth::AuthError> for ApiError {
    fn from(e: crate::auth::AuthError) -> Self {
        use crate::auth::AuthError as A;
        let kind = ErrorKind::from_name(e.kind()).unwrap_or(ErrorKind::AuthFailed);
        let err = ApiError::new(kind, e.to_string());
        match e {
            A::AuthRequired {
                profile,
                authorization_url,
                ..
            } => err
                .with("profile", profile)
                .with("authorizationUrl", authorization_url),
            A::AuthFailed { profile, .. } | A::UnknownProfile { profile, .. } => {
                err.with("profile", profile)
            }
            A::SiteAmbiguous { profile, sites } => err
                .with("profile", profile)
                .with("sites", serde_json::to_value(sites).unwrap_or_default()),
            _ => err,
        }
    }
}
