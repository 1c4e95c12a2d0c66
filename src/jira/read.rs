//! Reads as the api layer asks for them: one normalized issue by key, and a list from filters.

use serde_json::Value;

use super::jql::{self, Filters};
use super::normalize::{normalize, DescriptionFormat, Issue, DEFAULT_FIELDS};
use super::offload;
use super::{JiraClient, JiraError, SearchRequest};

/// A page (or, with `all`, every page up to the cap) of normalized issues.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IssueList {
    pub issues: Vec<Issue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
    pub is_last: bool,
}

/// `issues/list` options besides the filters.
#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    /// Fields to fetch (ids or names); empty = [`DEFAULT_FIELDS`].
    pub fields: Vec<String>,
    /// Page size (Jira may return fewer).
    pub limit: Option<u32>,
    pub page_token: Option<String>,
    /// Follow the cursor inside the daemon up to `cap` issues.
    pub all: bool,
    /// Most issues `all` gathers; 0 = [`DEFAULT_CAP`].
    pub cap: usize,
    pub format: DescriptionFormat,
    /// Cloud: ids of issues written lately, read back consistently (`reconcileIssues`).
    pub reconcile_issues: Vec<u64>,
    /// A Jira Software issue list to search within (see [`SearchRequest::route`]).
    pub route: Vec<String>,
}

/// Default cap of `all: true` (the issue's default; configurable by the caller).
pub const DEFAULT_CAP: usize = 10_000;

/// A plain field id or selector (`summary`, `customfield_10010`, `*all`, `-description`).
fn is_id(f: &str) -> bool {
    f.starts_with(['*', '-'])
        || f.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl JiraClient {
    /// Field ids for requested fields, resolving names such as `Story Points` through `/field`.
    pub async fn field_selection(&self, fields: &[String]) -> Result<Vec<String>, JiraError> {
        if fields.is_empty() {
            return Ok(DEFAULT_FIELDS.iter().map(|f| f.to_string()).collect());
        }
        if fields.iter().all(|f| is_id(f)) {
            return Ok(fields.to_vec());
        }
        let known = self.field_list().await?;
        Ok(fields
            .iter()
            .map(|f| {
                let by_name = known.iter().find(|k| {
                    k["id"] != Value::String(f.clone())
                        && k["name"]
                            .as_str()
                            .is_some_and(|n| n.eq_ignore_ascii_case(f))
                });
                by_name
                    .and_then(|k| k["id"].as_str())
                    .unwrap_or(f)
                    .to_string()
            })
            .collect())
    }

    /// `issues/get`: one normalized issue; only the requested fields travel.
    pub async fn issue(
        &self,
        key: &str,
        fields: &[String],
        expand: &[String],
        format: DescriptionFormat,
    ) -> Result<Issue, JiraError> {
        let fields = self.field_selection(fields).await?;
        let mut expand = expand.to_vec();
        if !expand.iter().any(|e| e == "names") {
            expand.push("names".into()); // to show custom fields under their names too
        }
        let bean = self.get_issue(key, &fields, &expand).await?;
        let site = self.site.clone();
        offload::heavy(offload::UNKNOWN_SIZE, move |stop| {
            normalize(&bean, &site, format, None, stop)
        })
        .await?
        .map_err(JiraError::from)
    }

    /// `issues/get` with expansions: the normalized issue (both description formats) and each
    /// expansion asked for, as Jira sent it (`null` when it sent none).
    pub async fn issue_expanded(
        &self,
        key: &str,
        fields: &[String],
        expand: &[&str],
    ) -> Result<(Issue, serde_json::Map<String, serde_json::Value>), JiraError> {
        let selection = self.field_selection(fields).await?;
        let mut asked: Vec<String> = expand.iter().map(|e| (*e).to_owned()).collect();
        if !asked.iter().any(|e| e == "names") {
            asked.push("names".into()); // to show custom fields under their names too
        }
        let bean = self.get_issue(key, &selection, &asked).await?;
        let expanded = expand
            .iter()
            .map(|e| ((*e).to_owned(), bean.get(*e).cloned().unwrap_or_default()))
            .collect();
        let site = self.site.clone();
        let issue = offload::heavy(offload::UNKNOWN_SIZE, move |stop| {
            normalize(&bean, &site, DescriptionFormat::Both, None, stop)
        })
        .await??;
        Ok((issue, expanded))
    }

    /// Filters with the assignee as JQL can match it: an email or a display name becomes the one
    /// user's id (JQL on Cloud matches neither), and several or no matching users are an
    /// `invalidFields` error naming the candidates. `me`, `none` and ids pass unchanged.
    pub async fn resolve_assignee(&self, mut filters: Filters) -> Result<Filters, JiraError> {
        let Some(who) = filters.assignee.as_deref() else {
            return Ok(filters);
        };
        if who.is_empty() || ["me", "none"].contains(&who) || self.looks_like_user_id(who) {
            return Ok(filters);
        }
        let user = self.resolve_user(who).await?;
        filters.assignee = ["accountId", "name"]
            .iter()
            .find_map(|k| user[*k].as_str())
            .map(str::to_string);
        Ok(filters)
    }

    /// `issues/list`: filters become bounded, escaped JQL; `all` follows the cursor up to `cap`.
    pub async fn list(
        &self,
        filters: &Filters,
        opts: &ListOptions,
        progress: impl FnMut(usize),
    ) -> Result<IssueList, JiraError> {
        let filters = self.resolve_assignee(filters.clone()).await?;
        let req = SearchRequest {
            jql: jql::build(&filters)?,
            fields: self.field_selection(&opts.fields).await?,
            expand: vec!["names".into()],
            max_results: opts.limit,
            page_token: opts.page_token.clone(),
            reconcile_issues: opts.reconcile_issues.clone(),
            route: opts.route.clone(),
        };
        let page = if opts.all {
            self.search_all(
                &req,
                if opts.cap == 0 { DEFAULT_CAP } else { opts.cap },
                progress,
            )
            .await?
        } else {
            self.search(&req).await?
        };
        let (next_page_token, is_last) = (page.next_page_token, page.is_last);
        let (site, format, beans, names) =
            (self.site.clone(), opts.format, page.issues, page.names);
        let issues = offload::heavy(offload::UNKNOWN_SIZE, move |stop| {
            beans
                .iter()
                .map(|b| normalize(b, &site, format, Some(&names), stop))
                .collect::<Result<_, _>>()
        })
        .await??;
        Ok(IssueList {
            issues,
            next_page_token,
            is_last,
        })
    }
}
