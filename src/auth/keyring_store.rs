//! The OS keyring backend of the token store (`token_store = "keyring"`): one entry per profile,
//! service `jirad`, user = the profile name, holding the same JSON the token file would. On macOS
//! the login keychain, on Windows the Credential Manager, on Linux the kernel keyutils store (no
//! D-Bus daemon needed). Other systems have none and say so.
//!
//! Linux: the entry lives in the caller's *user* keyring (`@u`), which every process of the uid
//! shares until a reboot, not in the session keyring `keyring`'s default uses: a daemon started
//! outside a login session (systemd, a test, `setsid`) has a session keyring of its own, so its
//! keys would be invisible to the CLI and gone when it exits. Keys are only usable by a process
//! that "possesses" them, so each operation first links `@u` into the calling thread's session
//! keyring (creating one if the thread has none), as `pam_keyinit` does for login sessions.
//!
//! A write replaces the value in place (`add_key` on an existing entry updates it), so a reader
//! sees the old or the new JSON, never a mix; cross-process serialization stays with the store's
//! file lock.

use secrecy::SecretString;

use crate::auth::error::AuthError;

/// The service name of jirad's entries.
pub const SERVICE: &str = "jirad";

/// One profile's keyring entry. Its `Debug` names the entry, never its value.
#[derive(Debug)]
pub struct KeyringEntry {
    service: String,
    profile: String,
}

impl KeyringEntry {
    /// The entry `service`/`profile`, checking that the keyring can be reached; nothing is read
    /// or written yet.
    pub fn open(service: &str, profile: &str) -> Result<Self, AuthError> {
        let e = KeyringEntry {
            service: service.to_owned(),
            profile: profile.to_owned(),
        };
        e.native("open the entry for")?;
        Ok(e)
    }

    /// For messages: which entry, never its value.
    pub fn describe(&self) -> String {
        format!("the OS keyring entry of profile `{}`", self.profile)
    }
}

#[cfg(any(target_os = "linux", target_os = "macos", windows))]
impl KeyringEntry {
    /// The stored value, `None` when there is no entry.
    pub fn read(&self) -> Result<Option<SecretString>, AuthError> {
        match self.native("read")?.get_password() {
            Ok(v) => Ok(Some(SecretString::from(v))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(self.error("read", &e)),
        }
    }

    /// Replaces the stored value in one step.
    pub fn write(&self, value: &SecretString) -> Result<(), AuthError> {
        use secrecy::ExposeSecret;
        self.native("store")?
            .set_password(value.expose_secret())
            .map_err(|e| self.error("store", &e))
    }

    /// Removes the entry; no entry is fine.
    pub fn delete(&self) -> Result<(), AuthError> {
        match self.native("delete")?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(self.error("delete", &e)),
        }
    }

    /// A fresh handle for each operation: on Linux the thread's keyrings are set up by the
    /// thread that uses them, and blocking work may run on any thread.
    #[cfg(target_os = "linux")]
    fn native(&self, what: &str) -> Result<keyring::Entry, AuthError> {
        use keyring::keyutils::KeyutilsCredential;
        use linux_keyutils::{KeyRing, KeyRingIdentifier};
        let rings = KeyRing::from_special_id(KeyRingIdentifier::Session, true).and_then(|s| {
            let user = KeyRing::from_special_id(KeyRingIdentifier::User, true)?;
            s.link_keyring(user)?;
            Ok(user)
        });
        let user = rings.map_err(|e| self.error(what, &e))?;
        Ok(keyring::Entry::new_with_credential(Box::new(
            KeyutilsCredential {
                session: user,
                persistent: None,
                // What `keyring::Entry::new(service, user)` names it, for other keyring-rs tools.
                description: format!("keyring-rs:{}@{}", self.profile, self.service),
            },
        )))
    }

    #[cfg(not(target_os = "linux"))]
    fn native(&self, what: &str) -> Result<keyring::Entry, AuthError> {
        keyring::Entry::new(&self.service, &self.profile).map_err(|e| self.error(what, &e))
    }

    /// The keyring's messages name the OS failure, never a stored value (its encoding error
    /// leaves the bytes out of `Display`).
    fn error(&self, what: &str, e: &dyn std::fmt::Display) -> AuthError {
        AuthError::config(format!(
            "profile `{}`: the OS keyring could not {what} its tokens ({e}); set \
             `token_store = \"file\"` in the profile to keep them in the state directory instead",
            self.profile
        ))
    }
}

/// No keyring here: opening fails, so no entry ever exists to read or write.
#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
impl KeyringEntry {
    fn native(&self, _what: &str) -> Result<std::convert::Infallible, AuthError> {
        Err(AuthError::config(format!(
            "profile `{}`: this build of jirad has no OS keyring on this system; set \
             `token_store = \"file\"` in the profile",
            self.profile
        )))
    }

    pub fn read(&self) -> Result<Option<SecretString>, AuthError> {
        match self.native("read")? {}
    }

    pub fn write(&self, _value: &SecretString) -> Result<(), AuthError> {
        match self.native("store")? {}
    }

    pub fn delete(&self) -> Result<(), AuthError> {
        match self.native("delete")? {}
    }
}

#[cfg(all(test, any(target_os = "linux", target_os = "macos", windows)))]
mod tests {
    use super::*;

    #[test]
    fn a_keyring_failure_names_the_profile_and_the_way_out() {
        let entry = KeyringEntry {
            service: "jirad-test".into(),
            profile: "work".into(),
        };
        let os = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "EACCES");
        let e = entry.error("read", &keyring::Error::NoStorageAccess(Box::new(os)));
        let msg = e.to_string();
        assert_eq!(e.kind(), "configError");
        assert!(msg.contains("profile `work`"), "{msg}");
        assert!(msg.contains("token_store = \"file\""), "{msg}");
    }
}
