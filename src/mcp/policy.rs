//! Which tools a session offers: least privilege by default. Administration tools (login,
//! logout, site choice, cache clearing) only when enabled; `--read-only`; allow lists by toolset
//! and by name; exclusions; one pinned profile. A tool that is not offered is neither listed nor
//! callable, and a call to it says why.

use super::tools::Tool;
pub use crate::config::McpConfig;

/// The toolset of administration tools; every other toolset is a method namespace (`issues`,
/// `projects`, `worklogs`, …).
pub const ADMIN: &str = "admin";

/// The toolsets a session offers unless told otherwise: what most agent tasks need. Every tool
/// listed costs the agent's context on every turn (the whole surface is some 70 KB of
/// `tools/list`), so the rest (attachments, worklogs, watchers, votes, versions, components) are
/// named when wanted: `--toolsets default,worklogs`, or `all`.
pub const DEFAULT_TOOLSETS: &[&str] = &["auth", "issues", "links", "projects", "users", "cache"];

/// `agile`: Jira Software's families, for sprint planning (`--toolsets default,agile`). Not in
/// the default: their sixteen tools would add some 14 KB to every turn of every agent, and most
/// tasks are about issues, not boards.
pub const AGILE_TOOLSETS: &[&str] = &["boards", "sprints", "backlog", "epics"];

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
    /// An unknown toolset, and those there are.
    #[error("unknown toolset `{0}`: expected default, all, agile or one of {1}")]
    Toolset(String, String),
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
        let mut known: Vec<String> = tools.iter().map(|t| t.toolset.clone()).collect();
        known.push(ADMIN.to_owned());
        known.sort();
        known.dedup();
        let toolsets = match (&config.toolsets, &config.tools) {
            (Some(sets), _) => expand(sets, &known)?,
            // An allow list of tools alone offers just those.
            (None, Some(_)) => Vec::new(),
            (None, None) => default_toolsets(&known),
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

/// The default toolsets this document has.
fn default_toolsets(known: &[String]) -> Vec<String> {
    known
        .iter()
        .filter(|s| DEFAULT_TOOLSETS.contains(&s.as_str()))
        .cloned()
        .collect()
}

fn expand(sets: &[String], known: &[String]) -> Result<Vec<String>, PolicyError> {
    let mut out = Vec::new();
    for s in sets {
        match s.as_str() {
            "default" => out.extend(default_toolsets(known)),
            "all" => out.extend(known.iter().cloned()),
            "agile" => out.extend(
                known
                    .iter()
                    .filter(|k| AGILE_TOOLSETS.contains(&k.as_str()))
                    .cloned(),
            ),
            s if known.iter().any(|k| k == s) => out.push(s.to_owned()),
            other => return Err(PolicyError::Toolset(other.to_owned(), known.join(", "))),
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
    fn agile_names_the_board_and_sprint_families() {
        let names = offered(McpConfig {
            toolsets: Some(vec!["default".into(), "agile".into()]),
            ..McpConfig::default()
        });
        for tool in [
            "boards_list",
            "sprints_moveIssues",
            "backlog_moveIssues",
            "epics_issues",
        ] {
            assert!(names.contains(&tool.to_owned()), "{tool}");
        }
        let plain = offered(McpConfig::default());
        assert!(!plain.contains(&"sprints_list".to_owned()));
        assert!(plain.contains(&"issues_rank".to_owned()));
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
            Err(PolicyError::Toolset(_, _))
        ));
        let policy = Policy::new(McpConfig::default(), &all).unwrap();
        let logout = all.iter().find(|t| t.name == "auth_logout").unwrap();
        let why = policy.check(logout).unwrap_err().to_string();
        assert!(why.contains("--tools auth_logout"), "{why}");
    }

    #[test]
    fn a_method_family_outside_the_default_is_a_toolset_offered_when_named() {
        let doc = serde_json::json!({ "methods": [{ "name": "worklogs/list", "summary": "Worklogs.",
            "result": { "schema": {} }, "params": [],
            "x-annotations": { "title": "Worklogs", "readOnlyHint": true, "admin": false } }] });
        let all = crate::mcp::tools::from_document(&doc, &[]);
        let policy = Policy::new(McpConfig::default(), &all).unwrap();
        assert!(policy.check(&all[0]).is_err(), "not offered by default");
        let named = McpConfig {
            toolsets: Some(vec!["default".into(), "worklogs".into()]),
            ..McpConfig::default()
        };
        let policy = Policy::new(named, &all).unwrap();
        assert_eq!(policy.check(&all[0]), Ok(()));
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
