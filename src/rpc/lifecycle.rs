//! LSP's end of a session, the rule the dispatcher applies before it starts any call: once
//! `shutdown` has been answered, only `exit` is accepted, anything else is an invalid request.
//! (`initialize` is optional here, unlike LSP: scripts call methods straight away.)

use jsonrpsee::types::{ErrorCode, ErrorObject};

/// The rule, given whether the connection's session has been shut down.
pub(crate) struct Lifecycle {
    shut_down: bool,
}

impl Lifecycle {
    /// The method that ends a session after `shutdown`.
    pub(crate) const EXIT: &'static str = "exit";

    /// The rule for a session that is (or is not yet) shut down.
    pub(crate) fn new(shut_down: bool) -> Self {
        Lifecycle { shut_down }
    }

    /// Whether a call of `method` may start; the error is its reply when not.
    pub(crate) fn admit(&self, method: &str) -> Result<(), ErrorObject<'static>> {
        if self.shut_down && method != Self::EXIT {
            return Err(ErrorObject::owned(
                ErrorCode::InvalidRequest.code(),
                "Invalid request: shutdown was requested",
                None::<()>,
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn before_shutdown_every_method_is_admitted() {
        let open = Lifecycle::new(false);
        for m in ["daemon/status", "exit", "shutdown", "initialize"] {
            assert!(open.admit(m).is_ok(), "{m}");
        }
    }

    #[test]
    fn after_shutdown_only_exit_is() {
        let over = Lifecycle::new(true);
        assert!(over.admit("exit").is_ok());
        for m in ["daemon/status", "shutdown", "initialize"] {
            let e = over.admit(m).expect_err(m);
            assert_eq!(e.code(), ErrorCode::InvalidRequest.code());
            assert!(e.message().contains("shutdown"));
        }
    }
}
