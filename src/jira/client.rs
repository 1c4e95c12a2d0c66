//! `JiraClient`: typed calls to one Jira site (Cloud REST v3 or Data Center v2) through the HTTP policy.

use std::sync::Arc;

use reqwest::Method;
use serde_json::{json, Value};
use url::Url;

use super::http::{Call, Http};
use super::search::{SearchPage, SearchRequest};
use super::{adf, wiki, Authorizer, Flavor, JiraError, Site};

/// `{id, key, self}` of a created issue, plus its browse link.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Created {
    pub id: String,
    pub key: String,
    pub url: String,
}

/// Query options of an edit.
#[derive(Debug, Clone, Default)]
pub struct EditOptions {
    pub notify_users: Option<bool>,
    /// Return the issue after the edit (a follow-up GET on Data Center, which ignores `returnIssue`).
    pub return_issue: bool,
    pub fields: Vec<String>,
    pub expand: Vec<String>,
}

/// Typed client of one site. Cheap to clone; clones share the site's HTTP policy state.
#[derive(Clone)]
pub struct JiraClient {
    pub(crate) http: Http,
    pub(crate) site: Site,
    pub(crate) auth: Arc<dyn Authorizer>,
    pub(crate) meta: Arc<dyn super::meta::MetaStore>,
}

/// `base` with `segments` appended, each percent-encoded, and the non-empty `query` pairs.
fn with_path(mut url: Url, segments: &[&str], query: &[(&str, String)]) -> Result<Url, JiraError> {
    url.path_segments_mut()
        .map_err(|_| JiraError::Protocol("base URL cannot hold a path".into()))?
        .pop_if_empty()
        .extend(segments);
    let set: Vec<_> = query.iter().filter(|(_, v)| !v.is_empty()).collect();
    if !set.is_empty() {
        url.query_pairs_mut().extend_pairs(set);
    }
    Ok(url)
}

fn s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        v => v.to_string(),
    }
}

/// Shows the site only: the authorizer's credentials never appear in `Debug` output.
impl std::fmt::Debug for JiraClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JiraClient")
            .field("site", &self.site)
            .finish_non_exhaustive()
    }
}

impl JiraClient {
    /// A client keeping its metadata to itself.
    pub fn new(http: Http, site: Site, auth: Arc<dyn Authorizer>) -> Self {
        Self::with_meta(
            http,
            site,
            auth,
            Arc::new(super::meta::PrivateMeta::default()),
        )
    }

    /// A client keeping its metadata in `meta` (the daemon's shared cache).
    pub fn with_meta(
        http: Http,
        site: Site,
        auth: Arc<dyn Authorizer>,
        meta: Arc<dyn super::meta::MetaStore>,
    ) -> Self {
        Self {
            http,
            site,
            auth,
            meta,
        }
    }

    pub fn site(&self) -> &Site {
        &self.site
    }

    /// URL of `{prefix}/{segments…}?query`, each segment percent-encoded so a key can't change the path.
    pub(crate) fn url(
        &self,
        segments: &[&str],
        query: &[(&str, String)],
    ) -> Result<Url, JiraError> {
        with_path(self.site.rest_url("")?, segments, query)
    }

    /// URL of `/rest/agile/1.0/{segments…}?query`, segments percent-encoded as in [`Self::url`].
    pub(crate) fn agile_url(
        &self,
        segments: &[&str],
        query: &[(&str, String)],
    ) -> Result<Url, JiraError> {
        with_path(self.site.agile_url("")?, segments, query)
    }

    pub(crate) async fn send(&self, call: Call) -> Result<Value, JiraError> {
        self.http.send(&call, self.auth.as_ref()).await
    }

    pub(crate) async fn get(
        &self,
        segments: &[&str],
        query: &[(&str, String)],
        endpoint: &str,
    ) -> Result<Value, JiraError> {
        self.send(Call::new(Method::GET, self.url(segments, query)?, endpoint))
            .await
    }

    /// Rich text for this site from Markdown: an ADF document on Cloud, wiki markup on Data Center.
    pub fn rich_text(&self, markdown: &str) -> Value {
        match self.site.flavor {
            Flavor::Cloud => adf::markdown_to_adf(markdown),
            Flavor::DataCenter => Value::String(wiki::markdown_to_wiki(markdown)),
        }
    }

    /// `GET issue/{key}` — the raw IssueBean. Empty `fields` means Jira's default (`*all`).
    pub async fn get_issue(
        &self,
        key: &str,
        fields: &[String],
        expand: &[String],
    ) -> Result<Value, JiraError> {
        self.get(
            &["issue", key],
            &[("fields", fields.join(",")), ("expand", expand.join(","))],
            "issue/{key}",
        )
        .await
    }

    /// One page of a search.
    pub async fn search(&self, req: &SearchRequest) -> Result<SearchPage, JiraError> {
        super::search::page(self, req).await
    }

    /// Follows the cursor until the last page or `cap` issues, calling `progress(done)` after each page.
    pub async fn search_all(
        &self,
        req: &SearchRequest,
        cap: usize,
        progress: impl FnMut(usize),
    ) -> Result<SearchPage, JiraError> {
        super::search::all(self, req, cap, progress).await
    }

    /// `POST issue` — never retried once sent (see the HTTP policy).
    pub async fn create_issue(&self, body: &Value) -> Result<Created, JiraError> {
        let v = self
            .send(Call::new(Method::POST, self.url(&["issue"], &[])?, "issue").body(body.clone()))
            .await?;
        let key = s(&v["key"]);
        if key.is_empty() {
            return Err(JiraError::Protocol("create returned no key".into()));
        }
        Ok(Created {
            id: s(&v["id"]),
            url: self.site.browse_url(&key),
            key,
        })
    }

    /// `PUT issue/{key}` with `fields` and/or `update`; the issue when `return_issue`.
    pub async fn edit_issue(
        &self,
        key: &str,
        body: &Value,
        opts: &EditOptions,
    ) -> Result<Option<Value>, JiraError> {
        let mut q = vec![(
            "notifyUsers",
            opts.notify_users.map(|b| b.to_string()).unwrap_or_default(),
        )];
        if opts.return_issue && self.site.flavor == Flavor::Cloud {
            q.push(("returnIssue", "true".into()));
            q.push(("expand", opts.expand.join(",")));
        }
        let call = Call::new(Method::PUT, self.url(&["issue", key], &q)?, "issue/{key}")
            .issue(key)
            .body(body.clone());
        let v = self.send(call).await?;
        match (opts.return_issue, v.is_null()) {
            (false, _) => Ok(None),
            (true, false) if opts.fields.is_empty() => Ok(Some(v)),
            (true, _) => self
                .get_issue(key, &opts.fields, &opts.expand)
                .await
                .map(Some),
        }
    }

    /// `DELETE issue/{key}`; without `delete_subtasks` Jira refuses an issue that has sub-tasks (400).
    pub async fn delete_issue(&self, key: &str, delete_subtasks: bool) -> Result<(), JiraError> {
        let url = self.url(
            &["issue", key],
            &[("deleteSubtasks", delete_subtasks.to_string())],
        )?;
        self.send(Call::new(Method::DELETE, url, "issue/{key}").issue(key))
            .await
            .map(drop)
    }

    /// The transitions available on an issue, with their screen fields.
    pub async fn transitions(&self, key: &str) -> Result<Vec<Value>, JiraError> {
        let v = self
            .get(
                &["issue", key, "transitions"],
                &[("expand", "transitions.fields".into())],
                "issue/{key}/transitions",
            )
            .await?;
        Ok(v["transitions"].as_array().cloned().unwrap_or_default())
    }

    /// `POST issue/{key}/transitions` with `{transition: {id}, fields?, update?}`.
    pub async fn do_transition(&self, key: &str, body: &Value) -> Result<(), JiraError> {
        let call = Call::new(
            Method::POST,
            self.url(&["issue", key, "transitions"], &[])?,
            "issue/{key}/transitions",
        )
        .issue(key)
        .body(body.clone());
        self.send(call).await.map(drop)
    }

    /// One page of comments, oldest first: `{comments, startAt, maxResults, total}`.
    pub async fn comments(
        &self,
        key: &str,
        start_at: u64,
        max_results: u32,
    ) -> Result<Value, JiraError> {
        let q = [
            ("startAt", start_at.to_string()),
            ("maxResults", max_results.to_string()),
            ("orderBy", "created".into()),
        ];
        self.get(&["issue", key, "comment"], &q, "issue/{key}/comment")
            .await
    }

    /// Up to `max_results` histories of an issue from `start_at`, oldest first, and the issue's
    /// total. Cloud pages on the server (at most 100 a request); Data Center has only
    /// `expand=changelog`, so the page is cut from the whole history.
    pub async fn changelog(
        &self,
        key: &str,
        start_at: u64,
        max_results: u32,
    ) -> Result<(Vec<Value>, u64), JiraError> {
        /// Cloud's most per request.
        const CLOUD_PAGE: u32 = 100;
        let want = max_results as usize;
        if self.site.flavor == Flavor::DataCenter {
            let bean = self
                .get_issue(key, &["summary".into()], &["changelog".into()])
                .await?;
            let all = bean["changelog"]["histories"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let total = all.len() as u64;
            let page = all.into_iter().skip(start_at as usize).take(want).collect();
            return Ok((page, total));
        }
        let mut out = Vec::new();
        loop {
            let at = start_at + out.len() as u64;
            let n = (want - out.len()).min(CLOUD_PAGE as usize);
            let q = [("startAt", at.to_string()), ("maxResults", n.to_string())];
            let v = self
                .get(&["issue", key, "changelog"], &q, "issue/{key}/changelog")
                .await?;
            let values = v["values"].as_array().cloned().unwrap_or_default();
            let got = values.len();
            out.extend(values);
            let total = v["total"].as_u64().unwrap_or(at + got as u64);
            if got == 0 || out.len() >= want || v["isLast"].as_bool() == Some(true) {
                return Ok((out, total));
            }
        }
    }

    /// `POST issue/{key}/comment`; `body` is rich text for this site (see [`Self::rich_text`]),
    /// `visibility` Jira's `{type, value}` or nothing.
    pub async fn add_comment(
        &self,
        key: &str,
        body: Value,
        visibility: Option<Value>,
    ) -> Result<Value, JiraError> {
        let mut payload = json!({ "body": body });
        if let Some(v) = visibility {
            payload["visibility"] = v;
        }
        let call = Call::new(
            Method::POST,
            self.url(&["issue", key, "comment"], &[])?,
            "issue/{key}/comment",
        )
        .issue(key)
        .body(payload);
        self.send(call).await
    }

    /// `GET issue/{key}/comment/{id}`.
    pub async fn comment(&self, key: &str, id: &str) -> Result<Value, JiraError> {
        self.get(
            &["issue", key, "comment", id],
            &[],
            "issue/{key}/comment/{id}",
        )
        .await
    }

    /// `PUT issue/{key}/comment/{id}`: the body replaces the old one; `visibility` absent keeps
    /// the comment's, `Some(Value::Null)` clears it.
    pub async fn update_comment(
        &self,
        key: &str,
        id: &str,
        body: Value,
        visibility: Option<Value>,
    ) -> Result<Value, JiraError> {
        let mut payload = json!({ "body": body });
        if let Some(v) = visibility {
            payload["visibility"] = v;
        }
        let call = Call::new(
            Method::PUT,
            self.url(&["issue", key, "comment", id], &[])?,
            "issue/{key}/comment/{id}",
        )
        .issue(key)
        .body(payload);
        self.send(call).await
    }

    /// `DELETE issue/{key}/comment/{id}`.
    pub async fn delete_comment(&self, key: &str, id: &str) -> Result<(), JiraError> {
        let call = Call::new(
            Method::DELETE,
            self.url(&["issue", key, "comment", id], &[])?,
            "issue/{key}/comment/{id}",
        )
        .issue(key);
        self.send(call).await.map(drop)
    }

    /// Every issue type a project can create (`createmeta/{p}/issuetypes`, all pages).
    pub async fn createmeta_issue_types(&self, project: &str) -> Result<Vec<Value>, JiraError> {
        self.paged(
            &["issue", "createmeta", project, "issuetypes"],
            "issue/createmeta/{p}/issuetypes",
            &["issueTypes", "values"],
            200,
        )
        .await
    }

    /// Every field of the create screen of a project and issue type, with allowed values.
    pub async fn createmeta_fields(
        &self,
        project: &str,
        issue_type_id: &str,
    ) -> Result<Vec<Value>, JiraError> {
        self.paged(
            &["issue", "createmeta", project, "issuetypes", issue_type_id],
            "issue/createmeta/{p}/issuetypes/{id}",
            &["fields", "values"],
            200,
        )
        .await
    }

    /// Follows a `startAt`/`total` pager; `keys` are where the items may live (Cloud and DC differ).
    async fn paged(
        &self,
        segments: &[&str],
        endpoint: &str,
        keys: &[&str],
        page: u32,
    ) -> Result<Vec<Value>, JiraError> {
        let mut out = Vec::new();
        loop {
            let q = [
                ("startAt", out.len().to_string()),
                ("maxResults", page.to_string()),
            ];
            let v = self.get(segments, &q, endpoint).await?;
            let items = keys
                .iter()
                .find_map(|k| v[*k].as_array())
                .cloned()
                .unwrap_or_default();
            let total = v["total"].as_u64().map(|t| t as usize);
            let n = items.len();
            out.extend(items);
            if n == 0 || v["isLast"] == json!(true) || total.is_none_or(|t| out.len() >= t) {
                return Ok(out);
            }
        }
    }

    /// The user the credential acts for.
    pub async fn myself(&self) -> Result<Value, JiraError> {
        self.get(&["myself"], &[], "myself").await
    }

    /// Projects the user can see (all pages on Cloud; DC lists them in one response).
    pub async fn projects(&self, query: Option<&str>) -> Result<Vec<Value>, JiraError> {
        if self.site.flavor == Flavor::DataCenter {
            let v = self.get(&["project"], &[], "project").await?;
            let all = v.as_array().cloned().unwrap_or_default();
            let q = query.unwrap_or("").to_lowercase();
            return Ok(all
                .into_iter()
                .filter(|p| {
                    q.is_empty()
                        || s(&p["key"]).to_lowercase().contains(&q)
                        || s(&p["name"]).to_lowercase().contains(&q)
                })
                .collect());
        }
        let mut out: Vec<Value> = Vec::new();
        loop {
            let q = [
                ("startAt", out.len().to_string()),
                ("maxResults", "100".into()),
                ("query", query.unwrap_or("").to_string()),
            ];
            let v = self
                .get(&["project", "search"], &q, "project/search")
                .await?;
            let page = v["values"].as_array().cloned().unwrap_or_default();
            let n = page.len();
            out.extend(page);
            if n == 0 || v["isLast"] != json!(false) {
                return Ok(out);
            }
        }
    }

    pub async fn project(&self, key: &str) -> Result<Value, JiraError> {
        self.get(&["project", key], &[], "project/{key}").await
    }

    /// Every field of the site (`/field`), system and custom, with `id`, `name`, `custom`, `schema`.
    pub async fn fields(&self) -> Result<Vec<Value>, JiraError> {
        Ok(self
            .get(&["field"], &[], "field")
            .await?
            .as_array()
            .cloned()
            .unwrap_or_default())
    }

    pub async fn priorities(&self) -> Result<Vec<Value>, JiraError> {
        Ok(self
            .get(&["priority"], &[], "priority")
            .await?
            .as_array()
            .cloned()
            .unwrap_or_default())
    }

    /// Users matching a name or email (`query` on Cloud, `username` on DC).
    pub async fn user_search(&self, query: &str) -> Result<Vec<Value>, JiraError> {
        let q = [
            (self.user_param(), query.to_string()),
            ("maxResults", "50".into()),
        ];
        Ok(self
            .get(&["user", "search"], &q, "user/search")
            .await?
            .as_array()
            .cloned()
            .unwrap_or_default())
    }

    /// Users who can be assigned issues of a project (or one issue, when `issue_key` is given).
    pub async fn assignable_users(
        &self,
        query: &str,
        project: Option<&str>,
        issue_key: Option<&str>,
    ) -> Result<Vec<Value>, JiraError> {
        let q = [
            (self.user_param(), query.to_string()),
            ("project", project.unwrap_or("").to_string()),
            ("issueKey", issue_key.unwrap_or("").to_string()),
            ("maxResults", "50".into()),
        ];
        Ok(self
            .get(
                &["user", "assignable", "search"],
                &q,
                "user/assignable/search",
            )
            .await?
            .as_array()
            .cloned()
            .unwrap_or_default())
    }

    fn user_param(&self) -> &'static str {
        match self.site.flavor {
            Flavor::Cloud => "query",
            Flavor::DataCenter => "username",
        }
    }

    /// The JSON that names a user in a field: `{accountId}` on Cloud, `{name}` on Data Center.
    pub fn user_ref(&self, id: &str) -> Value {
        match self.site.flavor {
            Flavor::Cloud => json!({ "accountId": id }),
            Flavor::DataCenter => json!({ "name": id }),
        }
    }

    /// The user id of `myself`: `accountId` on Cloud, `name` on Data Center.
    pub fn user_id(&self, user: &Value) -> Option<String> {
        let k = if self.site.flavor == Flavor::Cloud {
            "accountId"
        } else {
            "name"
        };
        user[k].as_str().map(str::to_string)
    }
}
