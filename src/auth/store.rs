//! The token store: per profile, one JSON document in a file under `$XDG_STATE_HOME/jirad/` (0700
//! directory, 0600 files) or, with `token_store = "keyring"`, in the OS keyring (`keyring_store`).
//! Either way it is replaced atomically under an OS file lock in that directory, so two daemons
//! or a CLI never race on a rotated refresh token.

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::auth::error::AuthError;
use crate::auth::keyring_store::{KeyringEntry, SERVICE};
use crate::auth::profile::TokenStoreKind;
use crate::auth::site::Site;

/// The Jira account a profile acts as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub account_id: String,
    pub display_name: String,
}

/// What survives a restart for one OAuth profile.
#[derive(Debug, Clone, Default)]
pub struct StoredTokens {
    /// The app the tokens belong to: tokens of another app are ignored.
    pub client_id: String,
    pub refresh_token: Option<SecretString>,
    pub access_token: Option<SecretString>,
    /// Unix seconds.
    pub access_expires_at: Option<u64>,
    pub site: Option<Site>,
    pub account: Option<Account>,
    pub scopes: Vec<String>,
}

/// The stored form, in a file or a keyring entry. Secrets are exposed only while this short-lived
/// value exists.
#[derive(Serialize, Deserialize)]
struct Disk {
    version: u32,
    client_id: String,
    refresh_token: Option<String>,
    access_token: Option<String>,
    access_expires_at: Option<u64>,
    site: Option<Site>,
    account: Option<Account>,
    #[serde(default)]
    scopes: Vec<String>,
    /// SHA-256 (hex) of the refresh token in the document this one replaced, when there was one:
    /// a temp file left by a crash before its rename is adopted only as the successor of what the
    /// token file holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    replaces: Option<String>,
}

/// How much room a prepared save reserves: more than any token document (Atlassian's tokens
/// are JWTs of a few KiB), so a full disk shows before the refresh token is spent.
const RESERVE: usize = 16 * 1024;

/// A directory of per-profile token files and locks, and the keyring service of the profiles
/// that keep their tokens there.
#[derive(Debug, Clone)]
pub struct TokenStore {
    dir: PathBuf,
    keyring_service: String,
}

/// An exclusive OS lock on one profile's tokens; load and save go through it. Dropping it
/// releases the lock.
#[derive(Debug)]
pub struct StoreLock {
    _lock: File,
    place: Place,
    dir: PathBuf,
}

/// Where one profile's tokens are.
#[derive(Debug)]
enum Place {
    File(PathBuf),
    Keyring(KeyringEntry),
}

impl TokenStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        TokenStore {
            dir: dir.into(),
            keyring_service: SERVICE.to_owned(),
        }
    }

    /// Keyring entries under another service name, so tests never touch the user's.
    #[cfg(test)]
    pub fn with_keyring_service(mut self, service: &str) -> Self {
        self.keyring_service = service.to_owned();
        self
    }

    /// `$XDG_STATE_HOME/jirad`, else `~/.local/state/jirad`.
    pub fn default_dir() -> Result<PathBuf, AuthError> {
        let from_env = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        if let Some(state) = from_env("XDG_STATE_HOME").filter(|p| p.is_absolute()) {
            return Ok(state.join("jirad"));
        }
        from_env("HOME")
            .map(|h| h.join(".local/state/jirad"))
            .ok_or_else(|| {
                AuthError::config("neither XDG_STATE_HOME nor HOME is set: nowhere to keep tokens")
            })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Takes the profile's lock, creating the 0700 directory if needed; a keyring profile's
    /// lock file is there too (it holds no token). Blocks: call it from `spawn_blocking` in async
    /// code.
    pub fn lock(&self, profile: &str, kind: TokenStoreKind) -> Result<StoreLock, AuthError> {
        ensure_private_dir(&self.dir)?;
        let stem = file_stem(profile);
        let place = match kind {
            TokenStoreKind::File => Place::File(self.dir.join(format!("{stem}.json"))),
            TokenStoreKind::Keyring => {
                Place::Keyring(KeyringEntry::open(&self.keyring_service, profile)?)
            }
        };
        let lock_path = self.dir.join(format!("{stem}.lock"));
        let file = open_private(&lock_path, false)?;
        fs4::fs_std::FileExt::lock_exclusive(&file).map_err(|e| io_err("lock", &lock_path, e))?;
        if kind == TokenStoreKind::File {
            migrate_legacy(&self.dir, profile, &stem);
        }
        Ok(StoreLock {
            _lock: file,
            place,
            dir: self.dir.clone(),
        })
    }
}

impl StoreLock {
    /// The stored tokens, if any. A corrupt document is reported, not silently discarded.
    pub fn load(&self) -> Result<Option<StoredTokens>, AuthError> {
        let text = match &self.place {
            Place::File(path) => {
                adopt_orphans(&self.dir, path)?;
                load_file(path)?
            }
            Place::Keyring(entry) => entry.read()?,
        };
        let Some(text) = text else {
            return Ok(None);
        };
        // Only the position: serde_json's message may quote a value, which could be a token.
        let d: Disk = serde_json::from_str(text.expose_secret()).map_err(|e| {
            let what = match &self.place {
                Place::File(path) => format!("token file `{}`", path.display()),
                Place::Keyring(entry) => entry.describe(),
            };
            AuthError::config(format!(
                "{what} is corrupt (line {}, column {}); run `jirad auth logout` and log in again",
                e.line(),
                e.column()
            ))
        })?;
        Ok(Some(StoredTokens {
            client_id: d.client_id,
            refresh_token: d.refresh_token.map(SecretString::from),
            access_token: d.access_token.map(SecretString::from),
            access_expires_at: d.access_expires_at,
            site: d.site,
            account: d.account,
            scopes: d.scopes,
        }))
    }

    /// Replaces the stored tokens durably (see [`StoreLock::prepare`] and [`StoreLock::commit`]).
    pub fn save(&self, t: &StoredTokens) -> Result<(), AuthError> {
        let prepared = self.prepare()?;
        self.commit(prepared, t)
    }

    /// Gets everything a save needs before the token endpoint is called, so that whatever can
    /// fail early fails before a refresh token is spent: for a file, the temp file is created in
    /// the token directory (0600) and filled with [`RESERVE`] placeholder bytes, fsynced (a full
    /// disk, a read-only directory, a quota or no file descriptor left show here). Dropped
    /// unused, the temp file is removed. A keyring entry needs nothing ahead.
    pub fn prepare(&self) -> Result<PreparedSave, AuthError> {
        let path = match &self.place {
            Place::File(path) => path,
            Place::Keyring(_) => return Ok(PreparedSave { tmp: None }),
        };
        let tmp = self.dir.join(format!(
            ".{}.{}.{:x}.tmp",
            path.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("tokens"),
            std::process::id(),
            rand::random::<u64>()
        ));
        let mut file = open_private(&tmp, true)?;
        let prepared = PreparedSave {
            tmp: Some((
                tmp.clone(),
                file.try_clone().map_err(|e| io_err("open", &tmp, e))?,
            )),
        };
        file.write_all(&[b' '; RESERVE])
            .and_then(|()| file.sync_all())
            .map_err(|e| io_err("reserve room in", &tmp, e))?;
        Ok(prepared)
    }

    /// Writes the tokens through a prepared save: a keyring entry in one step; a file into the
    /// prepared temp file, fsync, rename over the token file, fsync of the directory, so a crash
    /// leaves either the old or the new file, never a torn one. Once the temp file holds the
    /// whole document (fsynced), it is kept even if the rename fails: the next load adopts it.
    pub fn commit(&self, mut prepared: PreparedSave, t: &StoredTokens) -> Result<(), AuthError> {
        #[cfg(test)]
        if failpoint::should_fail(&self.dir) {
            return Err(AuthError::config("token store: injected write failure"));
        }
        if crate::failpoint::check("token-save") == Some(crate::failpoint::Action::Error) {
            return Err(AuthError::config(
                "token store: cannot write the tokens: injected failure (JIRAD_FAILPOINTS)",
            ));
        }
        let replaces = match &self.place {
            Place::File(path) => load_file(path)
                .ok()
                .flatten()
                .and_then(|text| serde_json::from_str::<Disk>(text.expose_secret()).ok())
                .and_then(|d| d.refresh_token)
                .map(|rt| token_hash(&rt)),
            Place::Keyring(_) => None,
        };
        let disk = Disk {
            version: 1,
            client_id: t.client_id.clone(),
            refresh_token: t
                .refresh_token
                .as_ref()
                .map(|s| s.expose_secret().to_owned()),
            access_token: t
                .access_token
                .as_ref()
                .map(|s| s.expose_secret().to_owned()),
            access_expires_at: t.access_expires_at,
            site: t.site.clone(),
            account: t.account.clone(),
            scopes: t.scopes.clone(),
            replaces,
        };
        let bytes = serde_json::to_vec_pretty(&disk)
            .map_err(|e| AuthError::config(format!("cannot encode tokens: {e}")))?;
        drop(disk);
        let path = match &self.place {
            Place::File(path) => path,
            Place::Keyring(entry) => {
                // serde_json writes UTF-8, so this never fails; it is not worth a panic path.
                let text = String::from_utf8(bytes)
                    .map_err(|_| AuthError::config("cannot encode tokens as UTF-8"))?;
                return entry.write(&SecretString::from(text));
            }
        };
        let Some((tmp, mut file)) = prepared.tmp.take() else {
            return Err(AuthError::config("token store: the save was not prepared"));
        };
        let written = file
            .seek(SeekFrom::Start(0))
            .and_then(|_| file.write_all(&bytes))
            .and_then(|()| file.set_len(bytes.len() as u64))
            .and_then(|()| file.sync_all())
            .map_err(|e| io_err("write", &tmp, e));
        drop(file);
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        // From here the temp file is a whole, durable document: kept whatever happens next.
        match crate::failpoint::check("token-save-before-rename") {
            Some(crate::failpoint::Action::Pause(d)) => std::thread::sleep(d),
            Some(crate::failpoint::Action::Error) => {
                return Err(AuthError::config(
                    "token store: cannot rename the tokens into place: injected failure \
                     (JIRAD_FAILPOINTS)",
                ))
            }
            None => {}
        }
        std::fs::rename(&tmp, path).map_err(|e| io_err("rename", path, e))?;
        sync_dir(&self.dir)
    }

    /// Forgets the profile's tokens.
    pub fn delete(&self) -> Result<(), AuthError> {
        let path = match &self.place {
            Place::File(path) => path,
            Place::Keyring(entry) => return entry.delete(),
        };
        match std::fs::remove_file(path) {
            Ok(()) => sync_dir(&self.dir),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_err("delete", path, e)),
        }
    }

    /// The token file (`None` for a keyring profile).
    #[cfg(test)]
    pub fn path(&self) -> Option<&Path> {
        match &self.place {
            Place::File(path) => Some(path),
            Place::Keyring(_) => None,
        }
    }
}

fn load_file(path: &Path) -> Result<Option<SecretString>, AuthError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => SecretString::from(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err("read", path, e)),
    };
    #[cfg(unix)]
    {
        // Our own file, in our own 0700 directory: made private again rather than refused (the
        // grant stays usable), but said loudly, since the tokens may have been read.
        use std::os::unix::fs::PermissionsExt;
        if std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 != 0) {
            let fixed =
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).is_ok();
            tracing::warn!(
                file = %path.display(),
                "the token file was accessible by group or others; {} (if others could read it, \
                 log out and in again to get new tokens)",
                if fixed { "made it 0600" } else { "chmod 600 it" }
            );
        }
    }
    Ok(Some(text))
}

/// A save made ready by [`StoreLock::prepare`]; see [`StoreLock::commit`].
#[derive(Debug)]
pub struct PreparedSave {
    tmp: Option<(PathBuf, File)>,
}

impl Drop for PreparedSave {
    fn drop(&mut self) {
        if let Some((tmp, _)) = self.tmp.take() {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// SHA-256 of a refresh token, hex: how documents name the one they replace.
pub(crate) fn token_hash(token: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Under the profile's lock, any temp file of this token file was left by a process that died
/// (or failed to rename) while saving: nobody else is between prepare and commit. One that holds
/// a whole document for the same app and names the token file's refresh token as the one it
/// replaces (or any whole one, when there is no token file) is the newer pair: it is renamed
/// into place (it was fsynced before the rename that never happened). The others are removed.
fn adopt_orphans(dir: &Path, path: &Path) -> Result<(), AuthError> {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return Ok(());
    };
    let prefix = format!(".{name}.");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    let mut orphans: Vec<(PathBuf, std::time::SystemTime)> = entries
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".tmp"))
        })
        .filter_map(|e| {
            let meta = std::fs::symlink_metadata(e.path()).ok()?;
            Some((e.path(), meta.modified().unwrap_or(std::time::UNIX_EPOCH)))
        })
        .collect();
    if orphans.is_empty() {
        return Ok(());
    }
    // Newest first: with no token file, the newest whole document wins.
    orphans.sort_by_key(|o| std::cmp::Reverse(o.1));
    let parse = |p: &Path| -> Option<Disk> {
        let meta = std::fs::symlink_metadata(p).ok()?;
        if !meta.file_type().is_file() {
            return None;
        }
        let text = SecretString::from(std::fs::read_to_string(p).ok()?);
        serde_json::from_str(text.expose_secret()).ok()
    };
    let mut current =
        load_file(path)?.and_then(|text| serde_json::from_str::<Disk>(text.expose_secret()).ok());
    loop {
        let successor = orphans.iter().position(|(p, _)| {
            parse(p).is_some_and(|d| match &current {
                None => true,
                Some(c) => {
                    d.client_id == c.client_id
                        && c.refresh_token.as_deref().map(token_hash) == d.replaces
                        && d.replaces.is_some()
                }
            })
        });
        let Some(i) = successor else { break };
        let (tmp, _) = orphans.remove(i);
        std::fs::rename(&tmp, path).map_err(|e| io_err("rename", path, e))?;
        sync_dir(dir)?;
        tracing::warn!(
            file = %path.display(),
            "adopted tokens saved by a process that stopped before renaming them into place"
        );
        current = parse(path);
    }
    for (tmp, _) in orphans {
        if std::fs::remove_file(&tmp).is_ok() {
            tracing::info!(file = %tmp.display(), "removed a stale temp file of the token store");
        }
    }
    Ok(())
}

/// Opens (or creates) a file readable by the owner only.
fn open_private(path: &Path, create_new: bool) -> Result<File, AuthError> {
    let mut o = OpenOptions::new();
    o.read(true).write(true);
    if create_new {
        o.create_new(true);
    } else {
        o.create(true).truncate(false);
    }
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path).map_err(|e| io_err("open", path, e))
}

fn ensure_private_dir(dir: &Path) -> Result<(), AuthError> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir).map_err(|e| io_err("create", dir, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(dir).map_err(|e| io_err("stat", dir, e))?;
        // An existing directory may have been created with a looser umask.
        if meta.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| io_err("chmod", dir, e))?;
        }
    }
    Ok(())
}

fn sync_dir(dir: &Path) -> Result<(), AuthError> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_err("fsync", dir, e))?;
    let _ = dir;
    Ok(())
}

/// Profile names become file names as they are when that is safe on every file system, and
/// `x-` + the hex of their UTF-8 otherwise. As they are: lowercase ASCII letters, digits, `-`,
/// `_` and `.` only, not starting with `.` or `x-`, not ending with `.`, no Windows device name
/// (`con`, `nul`, `com1`...). So two profiles never share a file, even where file names are
/// case-insensitive (macOS, Windows: `Work` and `work`) or lose a trailing dot (Windows), and an
/// encoded name never equals a plain one.
fn file_stem(profile: &str) -> String {
    let base = profile.split('.').next().unwrap_or_default();
    let device = matches!(base, "con" | "prn" | "aux" | "nul")
        || (base.len() == 4
            && (base.starts_with("com") || base.starts_with("lpt"))
            && base.as_bytes()[3].is_ascii_digit());
    let plain = !profile.is_empty()
        && !profile.starts_with('.')
        && !profile.ends_with('.')
        && !profile.starts_with("x-")
        && !device
        && profile
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'));
    if plain {
        profile.to_owned()
    } else {
        let hex: String = profile.bytes().map(|b| format!("{b:02x}")).collect();
        format!("x-{hex}")
    }
}

/// The stem older versions used: the name as it is when made of ASCII letters, digits, `-`, `_`
/// and `.` (any case), not starting with `.`.
fn legacy_stem(profile: &str) -> Option<&str> {
    let plain = !profile.is_empty()
        && !profile.starts_with('.')
        && profile
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    plain.then_some(profile)
}

/// Moves a token file an older version wrote under the profile's name as it was (`Work.json`) to
/// its current name, if there is one and nothing is there yet. Only a directory entry spelled
/// exactly so counts: on a case-insensitive file system `Work.json` may be another profile's
/// `work.json`, which must not be taken.
fn migrate_legacy(dir: &Path, profile: &str, stem: &str) {
    let Some(old) = legacy_stem(profile).filter(|old| *old != stem) else {
        return;
    };
    let (old_name, new_path) = (format!("{old}.json"), dir.join(format!("{stem}.json")));
    if std::fs::symlink_metadata(&new_path).is_ok() {
        return;
    }
    let exact = std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .filter_map(Result::ok)
            .any(|e| e.file_name() == old_name.as_str())
    });
    if exact && std::fs::rename(dir.join(&old_name), &new_path).is_ok() {
        let _ = sync_dir(dir);
        tracing::info!(profile, "token file renamed from {old_name} to {stem}.json");
    }
}

fn io_err(what: &str, path: &Path, e: std::io::Error) -> AuthError {
    AuthError::config(format!(
        "token store: cannot {what} `{}`: {e}",
        path.display()
    ))
}

/// Tests make saves in one directory fail, to check that unsaved tokens are never used.
#[cfg(test)]
pub(crate) mod failpoint {
    use std::path::{Path, PathBuf};
    use std::sync::Mutex;

    static FAILING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

    pub fn set(dir: &Path, on: bool) {
        let mut v = FAILING.lock().unwrap_or_else(|e| e.into_inner());
        v.retain(|d| d != dir);
        if on {
            v.push(dir.to_owned());
        }
    }

    pub fn should_fail(dir: &Path) -> bool {
        FAILING
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|d| d == dir)
    }
}

#[cfg(test)]
mod tests;
