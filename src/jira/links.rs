//! Issue links and remote (web) links: `/issueLinkType`, `/issueLink`, `/issue/{key}/remotelink`.
//! The same routes on Cloud (v3) and Data Center (v2).

use reqwest::Method;
use serde_json::{json, Value};

use super::client::JiraClient;
use super::http::Call;
use super::JiraError;

/// A link type matched from a name or a phrase, and whether the caller's `from` is Jira's
/// inward issue (true for the name and the outward phrase: "A blocks B" posts A as inward).
pub struct LinkTypeMatch {
    pub name: String,
    pub from_is_inward: bool,
}

impl JiraClient {
    /// Every link type (`{id, name, inward, outward}`).
    pub async fn link_types(&self) -> Result<Vec<Value>, JiraError> {
        let v = self.get(&["issueLinkType"], &[], "issueLinkType").await?;
        Ok(v["issueLinkTypes"].as_array().cloned().unwrap_or_default())
    }

    /// The link type `wanted` names: its name, its outward phrase (reads from → to) or its inward
    /// phrase (reads to → from). Unknown: `invalidFields` listing the types.
    pub async fn link_type(&self, wanted: &str) -> Result<LinkTypeMatch, JiraError> {
        let types = self.link_types().await?;
        let is = |t: &Value, k: &str| {
            t[k].as_str()
                .is_some_and(|v| v.eq_ignore_ascii_case(wanted))
        };
        let name = |t: &Value| t["name"].as_str().unwrap_or_default().to_owned();
        if let Some(t) = types.iter().find(|t| is(t, "name") || is(t, "outward")) {
            return Ok(LinkTypeMatch {
                name: name(t),
                from_is_inward: true,
            });
        }
        if let Some(t) = types.iter().find(|t| is(t, "inward")) {
            return Ok(LinkTypeMatch {
                name: name(t),
                from_is_inward: false,
            });
        }
        let known: Vec<String> = types
            .iter()
            .map(|t| {
                format!(
                    "{} ({} / {})",
                    t["name"].as_str().unwrap_or("?"),
                    t["outward"].as_str().unwrap_or("?"),
                    t["inward"].as_str().unwrap_or("?")
                )
            })
            .collect();
        Err(JiraError::invalid_field(
            "type",
            format!("no link type '{wanted}'; the site has {}", known.join(", ")),
        ))
    }

    /// `POST issueLink`: `inward` <outward phrase> `outward`. Jira answers 201 with no body (no
    /// id); a link that exists already is not doubled.
    pub async fn link_issues(
        &self,
        type_name: &str,
        inward: &str,
        outward: &str,
        comment: Option<Value>,
    ) -> Result<(), JiraError> {
        let mut body = json!({
            "type": {"name": type_name},
            "inwardIssue": {"key": inward},
            "outwardIssue": {"key": outward},
        });
        if let Some(c) = comment {
            body["comment"] = json!({ "body": c });
        }
        let call = Call::new(Method::POST, self.url(&["issueLink"], &[])?, "issueLink")
            .issue(inward)
            .body(body);
        self.send(call).await.map(drop)
    }

    /// `DELETE issueLink/{id}`.
    pub async fn delete_link(&self, id: &str) -> Result<(), JiraError> {
        let call = Call::new(
            Method::DELETE,
            self.url(&["issueLink", id], &[])?,
            "issueLink/{id}",
        );
        self.send(call).await.map(drop)
    }

    /// `GET issueLink/{id}`: `{id, type, inwardIssue, outwardIssue}` as created.
    pub async fn issue_link(&self, id: &str) -> Result<Value, JiraError> {
        self.get(&["issueLink", id], &[], "issueLink/{id}").await
    }

    /// An issue's `issuelinks` field: each link from its side.
    pub async fn issue_links(&self, key: &str) -> Result<Vec<Value>, JiraError> {
        let v = self.get_issue(key, &["issuelinks".into()], &[]).await?;
        Ok(v["fields"]["issuelinks"]
            .as_array()
            .cloned()
            .unwrap_or_default())
    }

    /// `GET issue/{key}/remotelink`, or only those with `global_id`.
    pub async fn remote_links(
        &self,
        key: &str,
        global_id: Option<&str>,
    ) -> Result<Vec<Value>, JiraError> {
        let q: Vec<(&str, String)> = global_id
            .map(|g| ("globalId", g.to_owned()))
            .into_iter()
            .collect();
        let v = self
            .get(&["issue", key, "remotelink"], &q, "issue/{key}/remotelink")
            .await?;
        Ok(v.as_array().cloned().unwrap_or_default())
    }

    /// `POST issue/{key}/remotelink`: creates, or with a globalId the issue has, replaces in place.
    /// Answers `{id, self}`.
    pub async fn save_remote_link(&self, key: &str, body: Value) -> Result<Value, JiraError> {
        let call = Call::new(
            Method::POST,
            self.url(&["issue", key, "remotelink"], &[])?,
            "issue/{key}/remotelink",
        )
        .issue(key)
        .body(body);
        self.send(call).await
    }

    /// `DELETE issue/{key}/remotelink/{id}`, or every link with `globalId` when `id` is `None`.
    pub async fn delete_remote_link(
        &self,
        key: &str,
        id: Option<&str>,
        global_id: Option<&str>,
    ) -> Result<(), JiraError> {
        let url = match (id, global_id) {
            (Some(id), _) => self.url(&["issue", key, "remotelink", id], &[])?,
            (None, Some(g)) => {
                self.url(&["issue", key, "remotelink"], &[("globalId", g.to_owned())])?
            }
            (None, None) => {
                return Err(JiraError::invalid_field(
                    "id",
                    "give the remote link's id or its globalId",
                ))
            }
        };
        let call = Call::new(Method::DELETE, url, "issue/{key}/remotelink").issue(key);
        self.send(call).await.map(drop)
    }
}
