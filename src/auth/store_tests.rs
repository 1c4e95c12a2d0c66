//! Tests of the file token store: round trip, modes, atomic replacement, locking.

use super::*;
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
    let lock = store.lock("work").unwrap();
    assert!(lock.load().unwrap().is_none());
    lock.save(&tokens("canary-refresh")).unwrap();
    let back = lock.load().unwrap().unwrap();
    assert_eq!(
        back.refresh_token.unwrap().expose_secret(),
        "canary-refresh"
    );
    assert_eq!(back.account.unwrap().display_name, "Mia");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(store.dir()), 0o700);
    assert_eq!(mode(lock.path()), 0o600);
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

#[test]
fn loose_directory_is_tightened() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("jirad");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    TokenStore::new(&dir).lock("p").unwrap();
    assert_eq!(
        std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
}

#[test]
fn replacement_is_whole() {
    let root = tempfile::tempdir().unwrap();
    let store = TokenStore::new(root.path());
    let lock = store.lock("p").unwrap();
    for i in 0..20 {
        lock.save(&tokens(&format!("rt-{i}"))).unwrap();
        let text = std::fs::read_to_string(lock.path()).unwrap();
        assert!(text.contains(&format!("\"rt-{i}\"")));
        assert_eq!(
            std::fs::metadata(lock.path()).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

#[test]
fn lock_excludes_a_second_holder() {
    let root = tempfile::tempdir().unwrap();
    let store = TokenStore::new(root.path());
    let first = store.lock("p").unwrap();
    let got_it = Arc::new(AtomicBool::new(false));
    let (store2, flag) = (store.clone(), got_it.clone());
    let t = std::thread::spawn(move || {
        let _second = store2.lock("p").unwrap();
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
    let lock = store.lock("p").unwrap();
    std::fs::write(lock.path(), "{ not json canary-secret").unwrap();
    let err = lock.load().unwrap_err().to_string();
    assert!(err.contains("corrupt") && !err.contains("canary-secret"));
}

#[test]
fn debug_hides_tokens() {
    let shown = format!("{:?}", tokens("canary-refresh"));
    assert!(!shown.contains("canary-refresh") && !shown.contains("canary-access"));
}
