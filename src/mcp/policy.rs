//! Which tools a session offers: least privilege by default. Administration tools (login,
//! logout, site choice, cache clearing) only when enabled; `--read-only`; allow lists by toolset
//! and by name; exclusions; one pinned profile. A tool that is not offered is neither listed nor
//! callable, and a call to it says why.

use super::tools::Tool;
pub use crate::config::McpConfig;

/// The toolsets: a tool's group is `admin` for administration, else its method's namespace.
pub const TOOLSETS: [&str; 6] = ["issues", "projects", "users", "auth", "cache", "admin"];

/// The toolsets offered when neither `toolsets` nor `tools` is given: all but `admin`.
pub const DEFAULT_TOOLSETS: [&str; 5] = ["issues", "projects", "users", "auth", "cache"];

/// Why a tool is not offered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Named in `exclude_tools`.
    #[error("`{0}` is excluded in this session (--exclude-tools or [mcp] exclude_tools)")]
    Excluded(String),
    /// A write in a read-only session.
    #[error("`{0}` changes Jira or the daemon's state, and this session is read-only (--read-only or [mcp] read_only)")]
    ReadOnly(String),
    /// Administration, not enabled.
    #[error("`{0}` administers accounts or the cache and is offered to agents only when enabled: jirad mcp --tools {0}, or --toolsets admin (or [mcp] in the config)")]
    Admin(String),
    /// Outside the allow lists.
    #[error(
        "`{0}` is not in this session's allow list (--tools/--toolsets or [mcp] tools/toolsets)"
    )]
    NotAllowed(String),
}

/// A setting that names no tool or toolset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// An unknown toolset.
    #[error("unknown toolset `{0}`: expected default, all, issues, projects, users, auth, cache or admin")]
    Toolset(String),
    /// An unknown tool.
    #[error("unknown tool `{0}` in --tools/--exclude-tools ([mcp] tools/exclude_tools)")]
    Tool(String),
}

/// The checked settings.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    read_only: bool,
    toolsets: Vec<String>,
    tools: Vec<String>,
    exclude: Vec<String>,
    profile: Option<String>,
}

impl Policy {
    /// Checks every name against `tools`.
    pub fn new(config: McpConfig, tools: &[Tool]) -> Result<Policy, PolicyError> {
        let toolsets = match (&config.toolsets, &config.tools) {
            (Some(sets), _) => expand(sets)?,
            // An allow list of tools alone offers just those.
            (None, Some(_)) => Vec::new(),
            (None, None) => DEFAULT_TOOLSETS.map(str::to_owned).to_vec(),
        };
        let named = config.tools.unwrap_or_default();
        for name in named.iter().chain(&config.exclude_tools) {
            if !tools.iter().any(|t| &t.name == name) {
                return Err(PolicyError::Tool(name.clone()));
            }
        }
        Ok(Policy {
            read_only: config.read_only,
            toolsets,
            tools: named,
            exclude: config.exclude_tools,
            profile: config.profile.filter(|p| !p.is_empty()),
        })
    }

    /// The pinned profile.
    pub fn profile(&self) -> Option<&str> {
        self.profile.as_deref()
    }

    /// Whether the session offers `tool`, and if not, why.
    pub fn check(&self, tool: &Tool) -> Result<(), Refusal> {
        let name = || tool.name.clone();
        if self.exclude.contains(&tool.name) {
            return Err(Refusal::Excluded(name()));
        }
        if self.read_only && !tool.effect.read_only {
            return Err(Refusal::ReadOnly(name()));
        }
        if self.tools.contains(&tool.name) || self.toolsets.contains(&tool.toolset) {
            return Ok(());
        }
        if tool.effect.admin {
            return Err(Refusal::Admin(name()));
        }
        Err(Refusal::NotAllowed(name()))
    }
}

fn expand(sets: &[String]) -> Result<Vec<String>, PolicyError> {
    let mut out = Vec::new();
    for s in sets {
        match s.as_str() {
            "default" => out.extend(DEFAULT_TOOLSETS.map(str::to_owned)),
            "all" => out.extend(TOOLSETS.map(str::to_owned)),
            s if TOOLSETS.contains(&s) => out.push(s.to_owned()),
            other => return Err(PolicyError::Toolset(other.to_owned())),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::tools::{tools, Shape};

    fn offered(config: McpConfig) -> Vec<String> {
        let all = tools(Shape::default());
        let policy = Policy::new(config, &all).unwrap();
        all.into_iter()
            .filter(|t| policy.check(t).is_ok())
            .map(|t| t.name)
            .collect()
    }

    #[test]
    fn by_default_no_administration() {
        let names = offered(McpConfig::default());
        assert!(names.contains(&"issues_delete".to_owned()));
        assert!(names.contains(&"auth_status".to_owned()));
        for admin in [
            "auth_login",
            "auth_complete",
            "auth_logout",
            "auth_selectSite",
            "cache_clear",
        ] {
            assert!(!names.contains(&admin.to_owned()), "{admin}");
        }
    }

    #[test]
    fn read_only_wins_over_allow_lists_and_exclusions_over_everything() {
        let names = offered(McpConfig {
            read_only: true,
            toolsets: Some(vec!["all".into()]),
            tools: Some(vec!["issues_create".into()]),
            exclude_tools: vec!["issues_list".into()],
            ..McpConfig::default()
        });
        assert!(names.contains(&"issues_get".to_owned()));
        assert!(!names.contains(&"issues_create".to_owned()));
        assert!(!names.contains(&"issues_list".to_owned()));
        assert!(!names.contains(&"auth_logout".to_owned()));
    }

    #[test]
    fn tools_alone_are_an_allow_list_and_admin_is_enabled_by_name() {
        let names = offered(McpConfig {
            tools: Some(vec!["issues_get".into(), "auth_login".into()]),
            ..McpConfig::default()
        });
        assert_eq!(names, ["auth_login", "issues_get"].map(str::to_owned));
    }

    #[test]
    fn unknown_names_are_errors_and_refusals_say_how_to_enable() {
        let all = tools(Shape::default());
        let bad = McpConfig {
            toolsets: Some(vec!["isues".into()]),
            ..McpConfig::default()
        };
        assert!(matches!(
            Policy::new(bad, &all),
            Err(PolicyError::Toolset(_))
        ));
        let policy = Policy::new(McpConfig::default(), &all).unwrap();
        let logout = all.iter().find(|t| t.name == "auth_logout").unwrap();
        let why = policy.check(logout).unwrap_err().to_string();
        assert!(why.contains("--tools auth_logout"), "{why}");
    }

    #[test]
    fn the_command_line_overrides_the_config_file() {
        let file = McpConfig {
            read_only: true,
            toolsets: Some(vec!["issues".into()]),
            exclude_tools: vec!["issues_get".into()],
            profile: Some("work".into()),
            ..McpConfig::default()
        };
        let flags = McpConfig {
            toolsets: Some(vec!["all".into()]),
            exclude_tools: vec!["issues_list".into()],
            ..McpConfig::default()
        };
        let m = file.merged(flags);
        assert!(m.read_only);
        assert_eq!(m.toolsets, Some(vec!["all".into()]));
        assert_eq!(m.exclude_tools, ["issues_get", "issues_list"]);
        assert_eq!(m.profile.as_deref(), Some("work"));
    }
}
