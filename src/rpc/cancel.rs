//! `$/cancelRequest` (LSP's cancellation, which jirad speaks on every transport): a client asks
//! that one of its calls still waiting be answered as cancelled (-32800) and its work stopped.
//! The call's entry in the [`PendingCalls`] table decides who sends its one reply.

use super::message;
use super::pending::PendingCalls;
use jsonrpsee::types::ErrorObject;
use serde_json::value::RawValue;

/// LSP's RequestCancelled.
pub const REQUEST_CANCELLED: i32 = jirad_protocol::error::standard::REQUEST_CANCELLED;

/// The notification's method.
pub(super) const CANCEL_METHOD: &str = "$/cancelRequest";

/// One `$/cancelRequest`: the id of the call it names, as the raw JSON text (`1`, `"a"`).
pub(super) struct Cancellation<'a> {
    id: &'a RawValue,
}

impl<'a> Cancellation<'a> {
    /// The cancellation `params` ask for; `None` when they name no call (a notification has no
    /// reply, so bad params are ignored, as LSP wants).
    pub(super) fn parse(params: Option<&'a str>) -> Option<Self> {
        #[derive(serde::Deserialize)]
        struct Params<'a> {
            #[serde(borrow)]
            id: &'a RawValue,
        }
        let p: Params = serde_json::from_str(params?).ok()?;
        Some(Cancellation { id: p.id })
    }

    /// Cancels the call if it still waits: its task is aborted, and the returned reply is the
    /// one the client gets for it. `None` when it already answered (or never was).
    pub(super) fn apply(&self, pending: &PendingCalls) -> Option<Box<str>> {
        if !pending.cancel(self.id.get()) {
            return None;
        }
        let obj = ErrorObject::owned(REQUEST_CANCELLED, "Request cancelled", None::<()>);
        Some(message::error_reply(Some(self.id.get()), obj))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_a_call_by_number_or_string_and_ignores_anything_else() {
        assert_eq!(
            Cancellation::parse(Some(r#"{"id":1}"#)).map(|c| c.id.get()),
            Some("1")
        );
        assert_eq!(
            Cancellation::parse(Some(r#"{"id":"a"}"#)).map(|c| c.id.get()),
            Some("\"a\"")
        );
        for bad in [None, Some("{}"), Some(r#"{"other":1}"#), Some("not json")] {
            assert!(Cancellation::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[tokio::test]
    async fn a_waiting_call_is_answered_cancelled_once_and_its_task_stops() {
        let pending = PendingCalls::default();
        pending.insert("\"a\"", 1);
        let task = tokio::spawn(std::future::pending::<()>());
        pending.attach("\"a\"", 1, task.abort_handle());
        let cancel = Cancellation::parse(Some(r#"{"id":"a"}"#)).unwrap();
        let reply: serde_json::Value =
            serde_json::from_str(&cancel.apply(&pending).expect("a reply")).unwrap();
        assert_eq!(reply["id"], "a");
        assert_eq!(reply["error"]["code"], REQUEST_CANCELLED);
        assert!(task.await.is_err_and(|e| e.is_cancelled()));
        assert!(cancel.apply(&pending).is_none(), "one reply per call");
        assert!(
            !pending.finish("\"a\"", 1),
            "the call itself no longer answers"
        );
    }

    #[test]
    fn a_call_that_already_answered_is_left_alone() {
        let pending = PendingCalls::default();
        pending.insert("7", 1);
        assert!(pending.finish("7", 1));
        let cancel = Cancellation::parse(Some(r#"{"id":7}"#)).unwrap();
        assert!(cancel.apply(&pending).is_none());
    }
}
