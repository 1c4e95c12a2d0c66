//! `JiraError`: every failure of a Jira call, one variant per error kind of the protocol.

use serde_json::{Map, Value};
use std::time::Duration;

use super::budget::Halt;

/// Jira's own error body (`{"errorMessages":[…],"errors":{…}}`), kept for `data` in the reply.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JiraMessages {
    pub error_messages: Vec<String>,
    pub errors: Map<String, Value>,
}

impl JiraMessages {
    /// Parses an error body; bodies of other shapes (gateway `{code,message}`, HTML) keep their text.
    pub fn from_body(body: &str) -> Self {
        let Ok(v) = serde_json::from_str::<Value>(body) else {
            let t = body.trim();
            let error_messages = if t.is_empty() || t.starts_with('<') {
                vec![]
            } else {
                vec![t.chars().take(500).collect()]
            };
            return Self {
                error_messages,
                errors: Map::new(),
            };
        };
        let mut m: Self = serde_json::from_value(v.clone()).unwrap_or_default();
        if m.error_messages.is_empty() && m.errors.is_empty() {
            if let Some(msg) = v.get("message").and_then(Value::as_str) {
                m.error_messages.push(msg.to_string());
            }
        }
        m
    }

    /// One line for people: the messages, then `field: message` pairs.
    pub fn summary(&self) -> String {
        let mut parts = self.error_messages.clone();
        for (k, v) in &self.errors {
            parts.push(format!(
                "{k}: {}",
                v.as_str().map_or_else(|| v.to_string(), str::to_string)
            ));
        }
        parts.join("; ")
    }
}

/// Why a request could not be authorized, with what a client needs to fix it (the profile and,
/// for a user-authorized profile, the link to grant access).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthNeeded {
    pub message: String,
    pub profile: Option<String>,
    pub authorization_url: Option<String>,
}

impl std::fmt::Display for AuthNeeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// A failed Jira call. Variants line up with the protocol's error kinds; no variant carries a secret.
#[derive(Debug, Clone, thiserror::Error)]
pub enum JiraError {
    /// No usable credential: the user must (re)authorize.
    #[error("{0}")]
    AuthRequired(AuthNeeded),
    /// Jira refused the credential even after a refresh.
    #[error("authentication failed: {}", .0.summary())]
    AuthFailed(JiraMessages),
    /// 403, or a token lacking a scope (`Unauthorized; scope does not match`).
    #[error("forbidden: {}", .0.summary())]
    Forbidden(JiraMessages),
    #[error("not found: {}", .0.summary())]
    NotFound(JiraMessages),
    /// 400/422: Jira (or our createmeta check) rejected fields or the query.
    #[error("invalid fields: {}", .0.summary())]
    InvalidFields(JiraMessages),
    #[error("rate limited ({reason}); retry after {retry_after_ms} ms")]
    RateLimited { retry_after_ms: u64, reason: String },
    /// 5xx, timeouts and connection failures after the retries allowed.
    #[error("Jira is unavailable: {0}")]
    UpstreamUnavailable(String),
    /// The access token could not be refreshed: the OAuth token endpoint is unreachable, slow or
    /// answered nonsense. The message names the endpoint's host.
    #[error("{0}")]
    TokenEndpoint(String),
    /// No connection to Jira's host (refused, unresolvable, timed out), now or moments ago: the
    /// site's circuit is open for `retry_in_ms` more.
    #[error("cannot reach Jira at {host}: {cause}{}", retry_note(*.retry_in_ms))]
    Unreachable {
        host: String,
        cause: String,
        retry_in_ms: Option<u64>,
    },
    /// 409 conflicting update.
    #[error("conflict: {}", .0.summary())]
    Conflict(JiraMessages),
    /// 410: the endpoint was removed by Atlassian. Never an empty result.
    #[error("the Jira API was removed: {}", .0.summary())]
    UpstreamRemoved(JiraMessages),
    /// A create whose connection failed after the request was sent: it may or may not exist.
    #[error("outcome unknown: {0}; the request may have been applied, check before retrying")]
    OutcomeUnknown(String),
    /// A Markdown description would replace rich text holding nodes Markdown cannot express.
    #[error("the update would lose {} from the description; send ADF or force it", .nodes.join(", "))]
    LossyUpdate { nodes: Vec<String> },
    /// A response we could not understand (bad JSON, unexpected shape).
    #[error("unexpected response from Jira: {0}")]
    Protocol(String),
    /// Converting Jira's content spent more work than its size allows: refused rather than left
    /// running (every converter is linear, so only a converter's flaw reaches this).
    #[error("{0}; the content was not converted")]
    ConversionLimit(Halt),
    /// The call that wanted the content is gone (cancelled, or its client left): nobody reads this.
    #[error("{0}")]
    Stopped(Halt),
}

impl From<Halt> for JiraError {
    fn from(h: Halt) -> Self {
        match h {
            Halt::Stopped => Self::Stopped(h),
            Halt::OverBudget { .. } => Self::ConversionLimit(h),
        }
    }
}

impl JiraError {
    /// The protocol's stable `data.kind` for this error.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::AuthRequired(_) => "authRequired",
            Self::AuthFailed(_) => "authFailed",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "notFound",
            Self::InvalidFields(_) => "invalidFields",
            Self::RateLimited { .. } => "rateLimited",
            Self::UpstreamUnavailable(_)
            | Self::TokenEndpoint(_)
            | Self::Unreachable { .. }
            | Self::OutcomeUnknown(_)
            | Self::Protocol(_)
            | Self::Stopped(_) => "upstreamUnavailable",
            Self::ConversionLimit(_) => "limitExceeded",
            Self::Conflict(_) => "conflict",
            Self::UpstreamRemoved(_) => "upstreamRemoved",
            Self::LossyUpdate { .. } => "lossyUpdate",
        }
    }

    /// Jira's messages, when the error came with them.
    pub fn messages(&self) -> Option<&JiraMessages> {
        match self {
            Self::AuthFailed(m)
            | Self::Forbidden(m)
            | Self::NotFound(m)
            | Self::InvalidFields(m)
            | Self::Conflict(m)
            | Self::UpstreamRemoved(m) => Some(m),
            _ => None,
        }
    }

    /// An `InvalidFields` with one field error (used by local validation).
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        let mut m = JiraMessages::default();
        m.errors
            .insert(field.to_string(), Value::String(message.into()));
        Self::InvalidFields(m)
    }

    /// Maps a non-success status and its body (429/5xx are handled by the retry policy first).
    pub fn from_status(status: u16, body: &str) -> Self {
        let m = JiraMessages::from_body(body);
        match status {
            401 if is_scope_mismatch(body) => Self::Forbidden(m),
            401 => Self::AuthFailed(m),
            403 => Self::Forbidden(m),
            404 => Self::NotFound(m),
            400 | 413 | 422 => Self::InvalidFields(m),
            409 => Self::Conflict(m),
            410 => Self::UpstreamRemoved(m),
            429 => Self::RateLimited {
                retry_after_ms: 0,
                reason: "unknown".into(),
            },
            _ => Self::UpstreamUnavailable(format!("HTTP {status}: {}", m.summary())),
        }
    }
}

/// "; not trying again for 1.2 s" while a circuit is open.
fn retry_note(retry_in_ms: Option<u64>) -> String {
    match retry_in_ms {
        Some(ms) => format!(
            "; not trying again for {:.1} s",
            Duration::from_millis(ms).as_secs_f64()
        ),
        None => String::new(),
    }
}

/// The gateway's 401 for a token without the route's scope: refreshing cannot help.
pub fn is_scope_mismatch(body: &str) -> bool {
    body.contains("scope does not match")
}

/// Reads may be answered from an expired cache entry when Jira is unreachable, failing or
/// rate-limiting; never when it answered with a definite error.
impl crate::cache::Transient for JiraError {
    fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::UpstreamUnavailable(_)
                | Self::TokenEndpoint(_)
                | Self::Unreachable { .. }
                | Self::RateLimited { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_conversion_over_its_work_limit_is_limit_exceeded_naming_the_limit() {
        let e = JiraError::from(Halt::OverBudget {
            limit: 3_000_000,
            input: 100,
        });
        assert_eq!(e.kind(), "limitExceeded");
        assert!(e.to_string().contains("3000000 units of work"), "{e}");
        assert!(!crate::cache::Transient::is_transient(&e));
    }

    #[test]
    fn maps_statuses_and_keeps_messages() {
        let body = r#"{"errorMessages":["Issue does not exist or you do not have permission to see it."],"errors":{}}"#;
        let e = JiraError::from_status(404, body);
        assert_eq!(e.kind(), "notFound");
        assert!(e.to_string().contains("Issue does not exist"));
        let e = JiraError::from_status(
            401,
            r#"{"code":401,"message":"Unauthorized; scope does not match"}"#,
        );
        assert_eq!(e.kind(), "forbidden");
        assert!(e.to_string().contains("scope does not match"));
        let e = JiraError::from_status(
            400,
            r#"{"errorMessages":[],"errors":{"summary":"You must specify a summary of the issue."}}"#,
        );
        assert_eq!(
            e.messages().unwrap().errors["summary"],
            "You must specify a summary of the issue."
        );
        assert_eq!(JiraError::from_status(410, "{}").kind(), "upstreamRemoved");
        assert_eq!(
            JiraError::from_status(502, "<html>").kind(),
            "upstreamUnavailable"
        );
    }
}
