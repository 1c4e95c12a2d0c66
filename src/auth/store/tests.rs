//! Tests of the token store: round trip, modes, atomic replacement, locking; the keyring backend
//! under a service name of its own per test, removed afterwards.

use super::*;
use crate::auth::profile::TokenStoreKind::File;
#[cfg(unix)]
use std::os::unix::fs::PermissionsExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn tokens(rt: &str) -> StoredTokens {
    StoredTokens {
        client_id: "cid".into(),
        refresh_token: Some(SecretString::from(rt.to_owned())),
        access_token: Some(SecretString::from("canary-access")),
        access_expires_at: Some(42),
        site: None,
        account: Some(Account {
            account_id: "acc".into(),
            display_name: "Mia".into(),
        }),
        scopes: vec!["read:jira-work".into()],
    }
}

#[test]
fn round_trip_with_private_modes() {
    let root = tempfile::tempdir().unwrap();
    let store = TokenStore::new(root.path().join("state/jirad"));
    let lock = store.lock("work", File).unwrap();
    assert!(lock.load().unwrap().is_none());
    lock.save(&tokens("canary-refresh")).unwrap();
    let back = lock.load().unwrap().unwrap();
    assert_eq!(
        back.refresh_token.unwrap().expose_secret(),
        "canary-refresh"
    );
    assert_eq!(back.account.unwrap().display_name, "Mia");
    #[cfg(unix)]
    {
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(store.dir()), 0o700);
        assert_eq!(mode(lock.path().unwrap()), 0o600);
    }
    // Only the data file and its lock: no temp file left behind.
    let mut names: Vec<_> = std::fs::read_dir(store.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["work.json", "work.lock"]);
    lock.delete().unwrap();
    assert!(lock.load().unwrap().is_none());
}

#[cfg(unix)]
#[test]
fn loose_directory_is_tightened() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("jirad");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    TokenStore::new(&dir).lock("p", File).unwrap();
    assert_eq!(
        std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
}

#[test]
fn replacement_is_whole() {
    let root = tempfile::tempdir().unwrap();
    let store = TokenStore::new(root.path());
    let lock = store.lock("p", File).unwrap();
    for i in 0..20 {
        lock.save(&tokens(&format!("rt-{i}"))).unwrap();
        let text = std::fs::read_to_string(lock.path().unwrap()).unwrap();
        assert!(text.contains(&format!("\"rt-{i}\"")));
        #[cfg(unix)]
        assert_eq!(
            std::fs::metadata(lock.path().unwrap())
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o600
        );
    }
}

#[test]
fn lock_excludes_a_second_holder() {
    let root = tempfile::tempdir().unwrap();
    let store = TokenStore::new(root.path());
    let first = store.lock("p", File).unwrap();
    let got_it = Arc::new(AtomicBool::new(false));
    let (store2, flag) = (store.clone(), got_it.clone());
    let t = std::thread::spawn(move || {
        let _second = store2.lock("p", File).unwrap();
        flag.store(true, Ordering::SeqCst);
    });
    std::thread::sleep(Duration::from_millis(150));
    assert!(
        !got_it.load(Ordering::SeqCst),
        "second lock taken while first held"
    );
    drop(first);
    t.join().unwrap();
    assert!(got_it.load(Ordering::SeqCst));
}

#[test]
fn odd_profile_names_are_encoded_and_corrupt_files_reported() {
    assert_eq!(file_stem("work"), "work");
    assert_eq!(file_stem("../x"), "x-2e2e2f78");
    let root = tempfile::tempdir().unwrap();
    let store = TokenStore::new(root.path());
    let lock = store.lock("p", File).unwrap();
    std::fs::write(lock.path().unwrap(), "{ not json canary-secret").unwrap();
    let err = lock.load().unwrap_err().to_string();
    assert!(err.contains("corrupt") && !err.contains("canary-secret"));
}

#[test]
fn debug_hides_tokens() {
    let shown = format!("{:?}", tokens("canary-refresh"));
    assert!(!shown.contains("canary-refresh") && !shown.contains("canary-access"));
}

/// The OS keyring backend; it exists where the `keyring` crate is a dependency.
#[cfg(any(target_os = "linux", target_os = "macos", windows))]
mod keyring_backend {
    use super::*;
    use crate::auth::keyring_store::KeyringEntry;
    use crate::auth::profile::TokenStoreKind::Keyring;

    /// A keyring service name no other test (or the user's jirad) uses, whose entry for `profile`
    /// is removed when dropped, even when the test fails.
    struct KeyringScratch {
        service: String,
        profile: &'static str,
    }

    impl KeyringScratch {
        fn new(profile: &'static str) -> Self {
            KeyringScratch {
                service: format!(
                    "jirad-test-{}-{:x}",
                    std::process::id(),
                    rand::random::<u64>()
                ),
                profile,
            }
        }
    }

    impl Drop for KeyringScratch {
        fn drop(&mut self) {
            if let Ok(e) = KeyringEntry::open(&self.service, self.profile) {
                let _ = e.delete();
            }
        }
    }

    #[test]
    fn keyring_round_trip_replace_and_delete_write_no_token_file() {
        let scratch = KeyringScratch::new("work");
        let root = tempfile::tempdir().unwrap();
        let store =
            TokenStore::new(root.path().join("jirad")).with_keyring_service(&scratch.service);
        let lock = store.lock("work", Keyring).unwrap();
        assert!(lock.load().unwrap().is_none());
        lock.save(&tokens("canary-refresh-1")).unwrap();
        lock.save(&tokens("canary-refresh-2")).unwrap();
        assert!(!format!("{lock:?}").contains("canary"));
        drop(lock);

        // A later lock (another process, after a restart) reads what was saved.
        let lock = store.lock("work", Keyring).unwrap();
        let back = lock.load().unwrap().unwrap();
        assert_eq!(
            back.refresh_token.unwrap().expose_secret(),
            "canary-refresh-2"
        );
        assert_eq!(back.account.unwrap().display_name, "Mia");
        assert_eq!(back.scopes, ["read:jira-work"]);
        // The value is the JSON a token file would hold.
        let raw = KeyringEntry::open(&scratch.service, "work")
            .unwrap()
            .read()
            .unwrap()
            .unwrap();
        let raw = raw.expose_secret();
        assert!(
            raw.contains("\"refresh_token\": \"canary-refresh-2\""),
            "{raw:?}"
        );
        // Only the lock lives in the state directory.
        let names: Vec<_> = std::fs::read_dir(store.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, ["work.lock"]);

        lock.delete().unwrap();
        assert!(lock.load().unwrap().is_none());
        lock.delete().unwrap();
        let entry = KeyringEntry::open(&scratch.service, "work").unwrap();
        assert!(entry.read().unwrap().is_none());
    }

    #[test]
    fn keyring_profiles_are_separate_entries_and_locked_like_files() {
        let (a, b) = (KeyringScratch::new("a"), KeyringScratch::new("b"));
        let root = tempfile::tempdir().unwrap();
        let sa = TokenStore::new(root.path()).with_keyring_service(&a.service);
        let sb = TokenStore::new(root.path()).with_keyring_service(&b.service);
        sa.lock("a", Keyring)
            .unwrap()
            .save(&tokens("canary-a"))
            .unwrap();
        assert!(sb.lock("b", Keyring).unwrap().load().unwrap().is_none());
        // The keyring profile takes the same file lock as a file profile of that name.
        let first = sa.lock("a", Keyring).unwrap();
        let got_it = Arc::new(AtomicBool::new(false));
        let (store2, flag) = (sa.clone(), got_it.clone());
        let t = std::thread::spawn(move || {
            let _second = store2.lock("a", File).unwrap();
            flag.store(true, Ordering::SeqCst);
        });
        std::thread::sleep(Duration::from_millis(150));
        assert!(!got_it.load(Ordering::SeqCst), "lock taken while held");
        drop(first);
        t.join().unwrap();
    }

    #[test]
    fn corrupt_keyring_entry_is_reported_without_its_value() {
        let scratch = KeyringScratch::new("work");
        KeyringEntry::open(&scratch.service, "work")
            .unwrap()
            .write(&SecretString::from("{ not json canary-secret"))
            .unwrap();
        let root = tempfile::tempdir().unwrap();
        let store = TokenStore::new(root.path()).with_keyring_service(&scratch.service);
        let err = store.lock("work", Keyring).unwrap().load().unwrap_err();
        let msg = err.to_string();
        assert_eq!(err.kind(), "configError");
        assert!(
            msg.contains("corrupt") && msg.contains("profile `work`"),
            "{msg}"
        );
        assert!(!msg.contains("canary-secret"), "{msg}");
    }
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn a_prepared_save_reserves_room_and_leaves_nothing_when_unused() {
    let root = tempfile::tempdir().unwrap();
    let store = TokenStore::new(root.path());
    let lock = store.lock("p", File).unwrap();
    let prepared = lock.prepare().unwrap();
    let tmp: Vec<_> = names(store.dir())
        .into_iter()
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert_eq!(tmp.len(), 1);
    let len = std::fs::metadata(store.dir().join(&tmp[0])).unwrap().len();
    assert_eq!(len, RESERVE as u64);
    drop(prepared); // the token endpoint failed: nothing to save
    assert_eq!(names(store.dir()), ["p.lock"]);
    let prepared = lock.prepare().unwrap();
    lock.commit(prepared, &tokens("rt-1")).unwrap();
    assert_eq!(names(store.dir()), ["p.json", "p.lock"]);
    let text = std::fs::read_to_string(lock.path().unwrap()).unwrap();
    assert!(
        text.trim_end().ends_with('}'),
        "no placeholder left: {text:?}"
    );
}

#[test]
fn an_orphan_temp_file_is_adopted_as_the_successor_and_stale_ones_removed() {
    let root = tempfile::tempdir().unwrap();
    let store = TokenStore::new(root.path().join("a"));
    let lock = store.lock("p", File).unwrap();
    lock.save(&tokens("rt-0")).unwrap();
    // Documents as another process writes them: the successor of rt-0, then of rt-1.
    let scratch = TokenStore::new(root.path().join("b"));
    let other = scratch.lock("p", File).unwrap();
    other.save(&tokens("rt-0")).unwrap();
    other.save(&tokens("rt-1")).unwrap();
    let successor = std::fs::read_to_string(other.path().unwrap()).unwrap();
    other.save(&tokens("rt-9")).unwrap();
    other.save(&tokens("rt-10")).unwrap();
    let unrelated = std::fs::read_to_string(other.path().unwrap()).unwrap();
    // What a process killed between the fsync and the rename leaves, beside a half-written
    // temp file and the successor of a token the file does not hold.
    let dir = store.dir();
    std::fs::write(dir.join(".p.json.11.a.tmp"), &successor).unwrap();
    std::fs::write(dir.join(".p.json.12.b.tmp"), "      {\"vers").unwrap();
    std::fs::write(dir.join(".p.json.13.c.tmp"), &unrelated).unwrap();
    let back = lock.load().unwrap().unwrap();
    assert_eq!(back.refresh_token.unwrap().expose_secret(), "rt-1");
    assert_eq!(names(dir), ["p.json", "p.lock"]);
    // With no token file at all (a crash during the first save), the newest whole one wins.
    lock.delete().unwrap();
    std::fs::write(dir.join(".p.json.14.d.tmp"), &successor).unwrap();
    assert_eq!(
        lock.load()
            .unwrap()
            .unwrap()
            .refresh_token
            .unwrap()
            .expose_secret(),
        "rt-1"
    );
}

/// Two profile names map to two files even where file names ignore case (macOS, Windows) or a
/// trailing dot (Windows), and an encoded name never equals a plain one.
#[test]
fn profile_names_never_share_a_file_on_case_insensitive_systems() {
    let names = [
        "work",
        "Work",
        "WORK",
        "x-776f726b",
        "x-576f726b",
        "con",
        "CON",
        "nul.x",
        "com1",
        "work.",
        "a.b",
        "my-profile_2",
        "É",
        "é",
    ];
    let stems: Vec<String> = names.iter().map(|n| file_stem(n)).collect();
    let folded: std::collections::BTreeSet<String> = stems
        .iter()
        .map(|s| s.trim_end_matches('.').to_ascii_lowercase())
        .collect();
    assert_eq!(folded.len(), names.len(), "{stems:?}");
    assert_eq!(file_stem("work"), "work");
    assert_eq!(file_stem("my-profile_2"), "my-profile_2");
    assert_eq!(file_stem("Work"), "x-576f726b");
    for s in &stems {
        assert!(
            s.chars().all(|c| !c.is_ascii_uppercase()),
            "{s} has an uppercase letter"
        );
    }
}

#[test]
fn a_legacy_token_file_is_renamed_only_when_spelled_exactly() {
    let root = tempfile::tempdir().unwrap();
    let store = TokenStore::new(root.path());
    // An older version kept profile `Work` in `Work.json`.
    let lock = store.lock("work", File).unwrap();
    lock.save(&tokens("rt-lower")).unwrap();
    drop(lock);
    std::fs::copy(root.path().join("work.json"), root.path().join("Work.json")).unwrap();
    std::fs::remove_file(root.path().join("work.json")).unwrap();
    let lock = store.lock("Work", File).unwrap();
    assert_eq!(
        lock.load()
            .unwrap()
            .unwrap()
            .refresh_token
            .unwrap()
            .expose_secret(),
        "rt-lower"
    );
    assert!(!root.path().join("Work.json").exists());
    drop(lock);
    // `work` finds nothing of `Work`'s, and a differently spelled entry is not taken.
    assert!(store.lock("work", File).unwrap().load().unwrap().is_none());
    let lock = store.lock("WORK", File).unwrap();
    assert!(lock.load().unwrap().is_none());
}
