//! The OS keyring as `token_store = "keyring"` uses it on Linux (an entry
//! `keyring-rs:PROFILE@jirad` in the user keyring, which outlives every process), so a test can
//! look at the entry of a profile with a name no other run uses, and removes it when dropped.

use linux_keyutils::{KeyRing, KeyRingIdentifier};

/// One test's keyring profile name and its entry.
pub struct KeyringProfile {
    pub name: String,
}

impl KeyringProfile {
    /// A profile name unique to this process and call.
    pub fn unique(prefix: &str) -> KeyringProfile {
        KeyringProfile {
            name: format!(
                "{prefix}-{}-{:x}",
                std::process::id(),
                rand::random::<u32>()
            ),
        }
    }

    /// The entry's value (the token JSON), if there is one.
    pub fn read(&self) -> Option<String> {
        let key = user_keyring().search(&self.description()).ok()?;
        let bytes = key.read_to_vec().ok()?;
        Some(String::from_utf8(bytes).expect("the entry is UTF-8"))
    }

    /// Stores `value` as the entry, as a daemon would.
    pub fn write(&self, value: &str) {
        user_keyring()
            .add_key(&self.description(), value)
            .expect("add the keyring entry");
    }

    fn description(&self) -> String {
        format!("keyring-rs:{}@jirad", self.name)
    }
}

impl Drop for KeyringProfile {
    fn drop(&mut self) {
        if let Ok(key) = user_keyring().search(&self.description()) {
            let _ = key.invalidate();
        }
    }
}

/// The user keyring, linked into this thread's session keyring so its keys are ours to use.
fn user_keyring() -> KeyRing {
    let session = KeyRing::from_special_id(KeyRingIdentifier::Session, true).expect("session");
    let user = KeyRing::from_special_id(KeyRingIdentifier::User, true).expect("user keyring");
    session.link_keyring(user).expect("link the user keyring");
    user
}
