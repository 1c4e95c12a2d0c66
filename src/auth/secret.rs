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
    File(PathBuf),
}

impl SecretSource {
    /// Picks the single form that is set; `key` names the inline key (e.g. `client_secret`) so the
    /// error can name all three.
    pub fn from_keys(
        key: &str,
        inline: Option<SecretString>,
        env: Option<String>,
        file: Option<PathBuf>,
    ) -> Result<Option<Self>, String> {
        let set = [inline.is_some(), env.is_some(), file.is_some()];
        if set.iter().filter(|s| **s).count() > 1 {
            return Err(format!(
                "set only one of `{key}`, `{key}_env` and `{key}_file`"
            ));
        }
        // Warn at startup too: the file itself is read only when first needed.
        if let Some(f) = &file {
            warn_if_exposed(f, key);
        }
        Ok(inline
            .map(SecretSource::Inline)
            .or(env.map(SecretSource::Env))
            .or(file.map(SecretSource::File)))
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
            SecretSource::File(path) => read_secret_file(path, what),
        }
    }
}

/// Reads a secret file (trimmed), warning when group or others may read it.
fn read_secret_file(path: &Path, what: &str) -> Result<SecretString, AuthError> {
    warn_if_exposed(path, what);
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

#[cfg(unix)]
fn warn_if_exposed(path: &Path, what: &str) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!(
                file = %path.display(),
                "{what}: the secret file is accessible by group or others; chmod 600 it"
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_exposed(_path: &Path, _what: &str) {}

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
        )
        .unwrap_err();
        assert!(err.contains("`token`") && err.contains("`token_env`"));
        assert!(SecretSource::from_keys("token", None, None, None)
            .unwrap()
            .is_none());
    }

    #[cfg(unix)]
    #[test]
    fn a_loose_secret_file_is_warned_about_without_its_content() {
        use std::os::unix::fs::PermissionsExt;
        use std::sync::{Arc, Mutex};
        #[derive(Clone, Default)]
        struct Buf(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Buf {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let buf = Buf::default();
        let writer = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .finish();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        std::fs::write(&path, "canary-loose").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        tracing::subscriber::with_default(subscriber, || {
            SecretSource::File(path.clone()).resolve("token").unwrap();
        });
        let log = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert!(log.contains("group or others"), "{log}");
        assert!(!log.contains("canary"), "{log}");
    }

    #[test]
    fn file_is_trimmed_and_errors_do_not_leak() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        std::fs::write(&path, "canary-file-secret\n").unwrap();
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
