//! Where a secret comes from (inline, environment variable or file) and how it is read, without
//! ever letting its value reach a log, an error or `Debug`.

use std::path::{Path, PathBuf};

use secrecy::SecretString;

use crate::auth::error::AuthError;

/// One of the three forms a secret may take in the config (`x`, `x_env`, `x_file`).
#[derive(Debug, Clone)]
pub enum SecretSource {
    Inline(SecretString),
    Env(String),
    /// A file only its owner may read (a profile's own secret).
    File(PathBuf),
    /// A file others may read but not change: the machine-wide app's secret, which every user's
    /// daemon reads.
    SharedFile(PathBuf),
}

impl SecretSource {
    /// Picks the single form that is set; `key` names the inline key (e.g. `client_secret`) so the
    /// error can name all three.
    /// `shared`: the file form may be readable by others (the machine-wide app's secret).
    pub fn from_keys(
        key: &str,
        inline: Option<SecretString>,
        env: Option<String>,
        file: Option<PathBuf>,
        shared: bool,
    ) -> Result<Option<Self>, String> {
        let set = [inline.is_some(), env.is_some(), file.is_some()];
        if set.iter().filter(|s| **s).count() > 1 {
            return Err(format!(
                "set only one of `{key}`, `{key}_env` and `{key}_file`"
            ));
        }
        // Checked at startup too: the file itself is read only when first needed.
        if let Some(f) = &file {
            check_file(f, &format!("`{key}_file`"), !shared)?;
        }
        Ok(inline
            .map(SecretSource::Inline)
            .or(env.map(SecretSource::Env))
            .or(file.map(|f| {
                if shared {
                    SecretSource::SharedFile(f)
                } else {
                    SecretSource::File(f)
                }
            })))
    }

    /// Reads the secret now. Errors name the variable or file, never the value.
    pub fn resolve(&self, what: &str) -> Result<SecretString, AuthError> {
        match self {
            SecretSource::Inline(s) => Ok(s.clone()),
            SecretSource::Env(var) => match std::env::var(var) {
                Ok(v) if !v.trim().is_empty() => Ok(SecretString::from(v.trim().to_owned())),
                Ok(_) => Err(AuthError::config(format!(
                    "{what}: environment variable `{var}` is empty"
                ))),
                Err(_) => Err(AuthError::config(format!(
                    "{what}: environment variable `{var}` is not set"
                ))),
            },
            SecretSource::File(path) => read_secret_file(path, what, true),
            SecretSource::SharedFile(path) => read_secret_file(path, what, false),
        }
    }
}

/// Reads a secret file (trimmed), refusing one others could change or, when `private`, read.
fn read_secret_file(path: &Path, what: &str, private: bool) -> Result<SecretString, AuthError> {
    check_file(path, what, private).map_err(AuthError::config)?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| AuthError::config(format!("{what}: cannot read `{}`: {e}", path.display())))?;
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(AuthError::config(format!(
            "{what}: `{}` is empty",
            path.display()
        )));
    }
    Ok(SecretString::from(trimmed.to_owned()))
}

/// Refuses a file holding configuration or a secret that someone else could change (another
/// owner than this user or root, or writable by group or others) or, when `private`, read (any
/// permission for group or others, as ssh insists for private keys). Follows symlinks: what
/// matters is the file read. A file that cannot be examined is left to the read to report.
#[cfg(unix)]
pub(crate) fn check_file(path: &Path, what: &str, private: bool) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(());
    };
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    let mode = meta.mode() & 0o7777;
    if meta.uid() != me && meta.uid() != 0 {
        return Err(format!(
            "{what} `{}` belongs to uid {}, not to you (uid {me}) or root: its owner could change \
             it. Refusing to use it; make it your own (or root's) file",
            path.display(),
            meta.uid()
        ));
    }
    if mode & 0o022 != 0 {
        return Err(format!(
            "{what} `{}` is writable by group or others (mode {mode:04o}): they could change it. \
             Refusing to use it; run `chmod go-w {}`",
            path.display(),
            path.display()
        ));
    }
    if private && mode & 0o077 != 0 {
        return Err(format!(
            "{what} `{}` holds a secret and is readable by group or others (mode {mode:04o}). \
             Refusing to use it; run `chmod 600 {}` (and consider the secret exposed)",
            path.display(),
            path.display()
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
pub(crate) fn check_file(_path: &Path, _what: &str, _private: bool) -> Result<(), String> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn exactly_one_form() {
        let err = SecretSource::from_keys(
            "token",
            Some(SecretString::from("a")),
            Some("V".into()),
            None,
            false,
        )
        .unwrap_err();
        assert!(err.contains("`token`") && err.contains("`token_env`"));
        assert!(SecretSource::from_keys("token", None, None, None, false)
            .unwrap()
            .is_none());
    }

    #[cfg(unix)]
    #[test]
    fn a_secret_file_others_can_read_or_change_is_refused_without_its_content() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        std::fs::write(&path, "canary-loose").unwrap();
        let chmod =
            |m| std::fs::set_permissions(&path, std::fs::Permissions::from_mode(m)).unwrap();
        chmod(0o644);
        let e =
            SecretSource::from_keys("token", None, None, Some(path.clone()), false).unwrap_err();
        assert!(e.contains("readable by group or others (mode 0644)"), "{e}");
        assert!(e.contains("chmod 600"), "{e}");
        let e = SecretSource::File(path.clone())
            .resolve("token")
            .unwrap_err();
        assert!(!e.to_string().contains("canary"), "{e}");
        // The machine-wide app's secret may be read by every user, never changed by them.
        SecretSource::SharedFile(path.clone())
            .resolve("token")
            .unwrap();
        chmod(0o664);
        let e = SecretSource::SharedFile(path.clone())
            .resolve("token")
            .unwrap_err();
        assert!(e.to_string().contains("writable by group or others"), "{e}");
        chmod(0o600);
        SecretSource::File(path).resolve("token").unwrap();
    }

    #[test]
    fn file_is_trimmed_and_errors_do_not_leak() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        std::fs::write(&path, "canary-file-secret\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let s = SecretSource::File(path.clone()).resolve("token").unwrap();
        assert_eq!(s.expose_secret(), "canary-file-secret");
        let missing = SecretSource::File(dir.path().join("nope"))
            .resolve("token")
            .unwrap_err();
        assert!(missing.to_string().contains("nope"));
        let env = SecretSource::Env("JIRAD_TEST_SURELY_UNSET_VAR".into())
            .resolve("token")
            .unwrap_err();
        assert!(env.to_string().contains("JIRAD_TEST_SURELY_UNSET_VAR"));
    }
}
