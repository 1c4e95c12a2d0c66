//! Configuration: TOML from `--config`, `JIRAD_CONFIG` or `$XDG_CONFIG_HOME/jirad/config.toml`.
//!
//! The default file may be absent; an explicitly named one must exist. An unknown key or a bad value
//! is an error naming the key, the file, and its line and column (toml's spans carry them).

use crate::auth::ProfileConfig;
use crate::cache::CacheConfig;
use crate::rpc::framing::DEFAULT_MAX_MESSAGE;
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Smallest accepted `max_message_bytes`: anything lower cannot carry ordinary replies.
pub const MIN_MESSAGE_BYTES: usize = 1024;

/// The whole config file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The profile used when neither the call nor `initialize` names one.
    #[serde(default)]
    pub default_profile: Option<String>,
    /// Largest accepted JSON-RPC message, in bytes (default 16 MiB).
    #[serde(default = "default_max_message", deserialize_with = "max_message")]
    pub max_message_bytes: usize,
    /// `[profiles.NAME]` tables.
    #[serde(default)]
    pub profiles: BTreeMap<String, ProfileConfig>,
    /// The `[cache]` table.
    #[serde(default)]
    pub cache: CacheConfig,
    /// The `[jira]` table.
    #[serde(default)]
    pub jira: JiraConfig,
    /// The `[mcp]` table: what `jirad mcp` offers agents.
    #[serde(default)]
    pub mcp: McpConfig,
    /// The `[limits]` table.
    #[serde(default)]
    pub limits: LimitsConfig,
}

/// `[limits]`: what clients together, or one client, may take of the daemon. The defaults suit a
/// desktop (a few editors and agents); `docs/reliability.md` has the table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Open socket connections (default 512). At the cap, the oldest connection that has not sent
    /// a whole message yet makes room; with none, the new one is closed.
    pub max_connections: usize,
    /// A connection that has not sent a whole message this long after connecting is closed, in ms
    /// (default 10,000).
    pub first_message_timeout_ms: u64,
    /// A message begun and not finished this long is dropped with its connection, in ms
    /// (default 30,000).
    pub partial_message_timeout_ms: u64,
    /// Open files kept free for the token store, Jira connections and logs; connections beyond
    /// the open-file limit minus this are refused rather than failing `accept` (default 128).
    pub reserved_files: usize,
    /// Calls in one batch (default 1,000).
    pub max_batch: usize,
    /// Reply bytes queued for one client before the daemon stops building more replies for it
    /// (default 1 MiB).
    pub outbound_bytes: usize,
    /// Reply bytes queued for all clients together; past it, a client that has replies of its own
    /// waiting gets no more built until it reads (default 256 MiB).
    pub max_queued_output_bytes: usize,
    /// Calls of one connection running at once (default 64).
    pub max_in_flight: usize,
    /// Bytes of unfinished messages all connections may hold together, beyond 64 KiB each
    /// (default 256 MiB).
    pub max_buffered_input_bytes: usize,
    /// `issues/watch` subscriptions per connection (default 64).
    pub max_watches_per_connection: usize,
    /// Jira requests per second all the watches of one profile may make together (default 2).
    pub watch_requests_per_second: f64,
    /// Distinct queries one profile's watches may poll, each with its list in memory (default
    /// 256); a watch of a query already polled always joins it.
    pub max_watched_queries_per_profile: usize,
    /// Connections the OAuth loopback listener serves at once (default 16).
    pub callback_connections: usize,
    /// The OAuth loopback listener drops a connection that has not sent its request headers in
    /// this long, in ms (default 5,000).
    pub callback_header_timeout_ms: u64,
    /// The largest attachment `attachments/download` returns inline as base64 (default 512 KiB,
    /// so its reply fits one connection's outbound budget); larger ones are saved to a path.
    pub max_inline_attachment_bytes: u64,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_connections: 512,
            first_message_timeout_ms: 10_000,
            partial_message_timeout_ms: 30_000,
            reserved_files: 128,
            max_batch: 1000,
            outbound_bytes: 1 << 20,
            max_queued_output_bytes: 256 << 20,
            max_in_flight: 64,
            max_buffered_input_bytes: 256 << 20,
            max_watches_per_connection: 64,
            watch_requests_per_second: 2.0,
            max_watched_queries_per_profile: 256,
            callback_connections: 16,
            callback_header_timeout_ms: 5000,
            max_inline_attachment_bytes: 512 << 10,
        }
    }
}

impl LimitsConfig {
    /// The first key whose value cannot work (zero, or a rate that is not a positive number).
    fn invalid_key(&self) -> Option<&'static str> {
        let counts = [
            ("max_connections", self.max_connections as u64),
            ("first_message_timeout_ms", self.first_message_timeout_ms),
            (
                "partial_message_timeout_ms",
                self.partial_message_timeout_ms,
            ),
            ("max_batch", self.max_batch as u64),
            ("outbound_bytes", self.outbound_bytes as u64),
            (
                "max_queued_output_bytes",
                self.max_queued_output_bytes as u64,
            ),
            ("max_in_flight", self.max_in_flight as u64),
            (
                "max_buffered_input_bytes",
                self.max_buffered_input_bytes as u64,
            ),
            (
                "max_watches_per_connection",
                self.max_watches_per_connection as u64,
            ),
            (
                "max_watched_queries_per_profile",
                self.max_watched_queries_per_profile as u64,
            ),
            ("callback_connections", self.callback_connections as u64),
            (
                "callback_header_timeout_ms",
                self.callback_header_timeout_ms,
            ),
        ];
        if let Some((key, _)) = counts.iter().find(|(_, v)| *v == 0) {
            return Some(key);
        }
        let rate = self.watch_requests_per_second;
        (!(rate.is_finite() && rate > 0.0)).then_some("watch_requests_per_second")
    }
}

/// `[jira]`: limits of the Jira calls.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JiraConfig {
    /// Most issues `issues/list {all: true}` gathers (default 10,000).
    pub list_cap: usize,
    /// First retry delay when Jira gives no `Retry-After`, in ms (default 500; doubles per try).
    pub retry_base_ms: u64,
    /// No retry or wait starts that would end later than this after a Jira call began, in ms
    /// (default 5000): past it the caller gets the error (or a stale cached copy) instead.
    pub call_deadline_ms: u64,
    /// Most bytes of one Jira response, decompressed (default 16 MiB).
    pub max_response_bytes: usize,
}

impl Default for JiraConfig {
    fn default() -> Self {
        JiraConfig {
            list_cap: crate::jira::DEFAULT_CAP,
            retry_base_ms: 500,
            call_deadline_ms: 5000,
            max_response_bytes: crate::jira::http::DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            default_profile: None,
            max_message_bytes: DEFAULT_MAX_MESSAGE,
            profiles: BTreeMap::new(),
            cache: CacheConfig::default(),
            jira: JiraConfig::default(),
            mcp: McpConfig::default(),
            limits: LimitsConfig::default(),
        }
    }
}

fn default_max_message() -> usize {
    DEFAULT_MAX_MESSAGE
}

fn max_message<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    let n = usize::deserialize(d)?;
    if n < MIN_MESSAGE_BYTES {
        return Err(serde::de::Error::custom(format!(
            "max_message_bytes must be at least {MIN_MESSAGE_BYTES}"
        )));
    }
    Ok(n)
}

/// `[mcp]`: which tools `jirad mcp` offers agents (checked there); its flags override it.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct McpConfig {
    /// Offer only tools that change nothing.
    #[serde(default)]
    pub read_only: bool,
    /// Toolsets to offer: `default`, `all`, `admin`, or a method namespace (`issues`, …).
    #[serde(default)]
    pub toolsets: Option<Vec<String>>,
    /// Tools to offer by name, on top of the toolsets (alone: only these).
    #[serde(default)]
    pub tools: Option<Vec<String>>,
    /// Tools never offered.
    #[serde(default)]
    pub exclude_tools: Vec<String>,
    /// The one profile the session acts as.
    #[serde(default)]
    pub profile: Option<String>,
}

impl McpConfig {
    /// `self` (the config file) overridden by `flags` (the command line): flags win for the lists
    /// and the profile, read-only holds when either asks for it, exclusions add up.
    pub fn merged(self, flags: McpConfig) -> McpConfig {
        let mut exclude_tools = self.exclude_tools;
        exclude_tools.extend(flags.exclude_tools);
        McpConfig {
            read_only: self.read_only || flags.read_only,
            toolsets: flags.toolsets.or(self.toolsets),
            tools: flags.tools.or(self.tools),
            exclude_tools,
            profile: flags.profile.or(self.profile),
        }
    }
}

/// A config file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file named by `--config`/`JIRAD_CONFIG` cannot be read.
    #[error("cannot read config {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Bad TOML, an unknown key or a bad value; the message names the key, line and column.
    #[error("invalid config {path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// toml's message, with line, column and the offending line.
        message: String,
    },
    /// The file (or its directory) could be changed by someone else, or it holds a secret others
    /// can read; the message says which and how to fix it.
    #[error("refusing config {path}: {message}")]
    Unsafe {
        /// The file.
        path: PathBuf,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// `default_profile` names no `[profiles.NAME]` table.
    #[error("invalid config {path}: default_profile {name:?} has no [profiles.{name}] table")]
    UnknownDefaultProfile {
        /// The file.
        path: PathBuf,
        /// The missing profile.
        name: String,
    },
}

impl Config {
    /// The default location: `$XDG_CONFIG_HOME/jirad/config.toml`, else `~/.config/jirad/config.toml`.
    pub fn default_path() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_CONFIG_HOME")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
        Some(base.join("jirad").join("config.toml"))
    }

    /// Loads the explicit file (which must exist) or the default one (which may be absent).
    /// Returns the config and the file it came from.
    pub fn load(explicit: Option<&Path>) -> Result<(Config, Option<PathBuf>), ConfigError> {
        let (path, required) = match explicit {
            Some(p) => (p.to_owned(), true),
            None => match Self::default_path() {
                Some(p) => (p, false),
                None => return Ok((Config::default(), None)),
            },
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let config = Self::parse(&text, &path)?;
                check_file(&config, &path).map_err(|message| ConfigError::Unsafe {
                    path: path.clone(),
                    message,
                })?;
                Ok((config, Some(path)))
            }
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
                Ok((Config::default(), None))
            }
            Err(source) => Err(ConfigError::Read { path, source }),
        }
    }

    /// Parses config text; `path` only labels errors.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        // Line and message only: toml's own Display quotes the offending line, which may hold an
        // inline secret.
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Invalid {
            path: path.to_owned(),
            message: crate::auth::toml_error(&e, text),
        })?;
        if let Some(key) = config.limits.invalid_key() {
            return Err(ConfigError::Invalid {
                path: path.to_owned(),
                message: format!("[limits] {key} must be a positive number"),
            });
        }
        if let Some(name) = &config.default_profile {
            if !config.profiles.contains_key(name) {
                return Err(ConfigError::UnknownDefaultProfile {
                    path: path.to_owned(),
                    name: name.clone(),
                });
            }
        }
        Ok(config)
    }
}

/// The config decides where tokens and secrets are sent (`token_url`, `api_url`, `base_url`): no
/// one else may be able to change it (its owner is this user or root, and neither it nor its
/// directory is writable by group or others, as ssh insists for `authorized_keys`). One holding
/// an inline token or client secret must also be private, like an ssh key.
#[cfg(unix)]
fn check_file(config: &Config, path: &Path) -> Result<(), String> {
    use crate::auth::ProfileConfig;
    use std::os::unix::fs::MetadataExt;
    let inline = config.profiles.values().any(|p| match p {
        ProfileConfig::OAuth(c) => c.client_secret.is_some(),
        ProfileConfig::ApiToken(c) => c.token.is_some(),
        ProfileConfig::Pat(c) => c.token.is_some(),
    });
    crate::auth::secret::check_file(path, "the config", inline)?;
    // The directory of the file actually read (a dotfile manager's symlink is followed).
    let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    if let Some(dir) = real.parent() {
        if let Ok(meta) = std::fs::metadata(dir) {
            // SAFETY: geteuid has no preconditions.
            let me = unsafe { libc::geteuid() };
            let mode = meta.mode() & 0o7777;
            let sticky = mode & 0o1000 != 0;
            if (meta.uid() != me && meta.uid() != 0) || (mode & 0o022 != 0 && !sticky) {
                return Err(format!(
                    "its directory `{}` (owner uid {}, mode {mode:04o}) can be changed by someone \
                     else, who could replace the config. Run `chmod go-w {}` or move the config \
                     to a directory of your own",
                    dir.display(),
                    meta.uid(),
                    dir.display()
                ));
            }
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_file(_config: &Config, _path: &Path) -> Result<(), String> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        Config::parse(text, Path::new("c.toml"))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn jira_table_sets_the_list_cap_and_retry_delay() {
        let c = Config::parse("[jira]\nlist_cap = 50\n", Path::new("c.toml")).unwrap();
        assert_eq!((c.jira.list_cap, c.jira.retry_base_ms), (50, 500));
        assert!(err("[jira]\nlist_cop = 1\n").contains("list_cop"));
    }

    #[test]
    fn limits_table_sets_limits_and_refuses_zero() {
        let c = Config::parse("[limits]\nmax_batch = 5\n", Path::new("c.toml")).unwrap();
        assert_eq!(c.limits.max_batch, 5);
        assert_eq!(c.limits.max_connections, 512);
        assert!(err("[limits]\nmax_connections = 0\n").contains("max_connections"));
        assert!(err("[limits]\nwatch_requests_per_second = -1.0\n")
            .contains("watch_requests_per_second"));
        assert!(err("[limits]\nmax_conections = 5\n").contains("max_conections"));
    }

    #[test]
    fn empty_is_default() {
        let c = Config::parse("", Path::new("c.toml")).unwrap();
        assert_eq!(c.max_message_bytes, DEFAULT_MAX_MESSAGE);
        assert!(c.profiles.is_empty());
    }

    #[test]
    fn unknown_key_names_key_and_line() {
        let e = err("max_message_bytes = 4096\nbogus = 1\n");
        assert!(e.contains("bogus") && e.contains("line 2"), "{e}");
    }

    #[test]
    fn bad_value_names_key_and_line() {
        let e = err("\n\nmax_message_bytes = 10\n");
        assert!(
            e.contains("max_message_bytes") && e.contains("line 3"),
            "{e}"
        );
        let e = err("max_message_bytes = \"big\"\n");
        assert!(e.contains("line 1"), "{e}");
    }

    #[test]
    fn profiles_and_default_profile() {
        let c = Config::parse(
            "default_profile = \"work\"\n[profiles.work]\nauth = \"oauth\"\n",
            Path::new("c"),
        )
        .unwrap();
        assert_eq!(c.profiles["work"].kind(), crate::auth::AuthKind::OAuth);
        assert!(err("default_profile = \"nope\"\n").contains("nope"));
    }
}
