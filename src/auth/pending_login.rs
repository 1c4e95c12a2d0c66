//! A login waiting for its callback: what the profile's runtime state keeps between the link
//! and the redirect.

use oauth2::{CsrfToken, PkceCodeVerifier};
use tokio::time::Instant;

use crate::auth::event::LoginStart;

/// A login waiting for its callback. Its `state` is accepted once.
pub(crate) struct PendingLogin {
    pub state: CsrfToken,
    pub verifier: PkceCodeVerifier,
    pub url: String,
    pub expires: Instant,
    pub expires_unix: u64,
    pub listening: bool,
}

impl PendingLogin {
    pub(crate) fn live(&self) -> bool {
        self.expires > Instant::now()
    }

    pub(crate) fn start(&self) -> LoginStart {
        LoginStart {
            authorization_url: self.url.clone(),
            expires_at: self.expires_unix,
            listening: self.listening,
        }
    }
}
