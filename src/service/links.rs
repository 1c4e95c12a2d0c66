//! `links/types`, `links/list`, `links/create`, `links/delete`, `links/addRemote`,
//! `links/deleteRemote`: links between issues and to the web. Every write tells the cache that
//! the issues at both ends changed (their `issuelinks`).

use super::projects::text;
use super::state::AppState;
use super::{issues, ApiError, JiraSession};
use crate::cache::LINKS_PART;
use crate::jira::JiraError;
use jirad_protocol::links::*;
use serde_json::{json, Value};

/// The site's link types.
pub async fn types(s: &JiraSession) -> Result<Vec<LinkType>, ApiError> {
    let all = s.client.link_types().await?;
    Ok(all
        .iter()
        .map(|t| LinkType {
            id: text(&t["id"]),
            name: text(&t["name"]),
            outward: text(&t["outward"]),
            inward: text(&t["inward"]),
        })
        .collect())
}

/// An issue's links and remote links, kept in the cache with the issue.
pub async fn list(
    app: &AppState,
    s: &JiraSession,
    key: &str,
    fresh: bool,
) -> Result<IssueLinks, ApiError> {
    let client = s.client.clone();
    let owned = key.to_owned();
    let (links, remote): (Vec<Value>, Vec<Value>) =
        issues::issue_part(app, s, key, LINKS_PART.into(), fresh, move || async move {
            tokio::try_join!(
                client.issue_links(&owned),
                client.remote_links(&owned, None)
            )
        })
        .await?;
    Ok(IssueLinks {
        links: links.iter().filter_map(link_of).collect(),
        remote: remote.iter().map(remote_of).collect(),
    })
}

/// A link from the side of the issue whose `issuelinks` holds it.
fn link_of(l: &Value) -> Option<IssueLink> {
    let (other, phrase) = match (l.get("outwardIssue"), l.get("inwardIssue")) {
        (Some(o), _) => (o, &l["type"]["outward"]),
        (None, Some(i)) => (i, &l["type"]["inward"]),
        (None, None) => return None,
    };
    Some(IssueLink {
        id: text(&l["id"]),
        link_type: text(&l["type"]["name"]),
        phrase: text(phrase),
        issue: LinkedIssue {
            key: text(&other["key"]),
            summary: other["fields"]["summary"].as_str().map(str::to_owned),
            status: other["fields"]["status"]["name"]
                .as_str()
                .map(str::to_owned),
        },
    })
}

fn remote_of(r: &Value) -> RemoteLink {
    let opt = |v: &Value| v.as_str().map(str::to_owned);
    RemoteLink {
        id: text(&r["id"]),
        global_id: opt(&r["globalId"]),
        url: text(&r["object"]["url"]),
        title: text(&r["object"]["title"]),
        summary: opt(&r["object"]["summary"]),
        relationship: opt(&r["relationship"]),
    }
}

/// Links `from` to `to` with a link type named by name, inward or outward phrase; the link as
/// `from`'s side shows it.
pub async fn create(
    app: &AppState,
    s: &JiraSession,
    link_type: &str,
    from: &str,
    to: &str,
    comment: Option<&str>,
) -> Result<IssueLink, ApiError> {
    let ty = s.client.link_type(link_type).await?;
    let (inward, outward) = if ty.from_is_inward {
        (from, to)
    } else {
        (to, from)
    };
    let comment = comment.map(|c| s.client.rich_text(c));
    let linked = s
        .client
        .link_issues(&ty.name, inward, outward, comment)
        .await;
    issues::touched(app, s, &[from, to]);
    linked?;
    // Jira answers without the link's id: find it on `from`'s side.
    let to = to.to_uppercase();
    let links = s.client.issue_links(from).await?;
    links
        .iter()
        .filter_map(link_of)
        .find(|l| l.link_type == ty.name && l.issue.key.eq_ignore_ascii_case(&to))
        .ok_or_else(|| {
            JiraError::Protocol(format!(
                "Jira accepted the link, but {from} does not show it"
            ))
            .into()
        })
}

/// Deletes a link by id.
pub async fn delete(app: &AppState, s: &JiraSession, id: &str) -> Result<(), ApiError> {
    // Both ends change: read them before the link is gone.
    let link = s.client.issue_link(id).await?;
    let ends = [
        text(&link["inwardIssue"]["key"]),
        text(&link["outwardIssue"]["key"]),
    ];
    let deleted = s.client.delete_link(id).await;
    issues::touched(app, s, &[&ends[0], &ends[1]]);
    deleted?;
    Ok(())
}

/// Adds a web link to an issue, or (same `globalId`) updates it.
pub async fn add_remote(
    app: &AppState,
    s: &JiraSession,
    p: &LinksAddRemoteParams,
) -> Result<RemoteLinkSaved, ApiError> {
    if url::Url::parse(&p.url).is_err() {
        return Err(JiraError::invalid_field("url", "not an absolute URL").into());
    }
    let existed = match &p.global_id {
        Some(g) => !s.client.remote_links(&p.key, Some(g)).await?.is_empty(),
        None => false,
    };
    let mut object = json!({"url": p.url, "title": p.title});
    if let Some(summary) = &p.summary {
        object["summary"] = json!(summary);
    }
    let mut body = json!({ "object": object });
    if let Some(g) = &p.global_id {
        body["globalId"] = json!(g);
    }
    if let Some(r) = &p.relationship {
        body["relationship"] = json!(r);
    }
    let saved = s.client.save_remote_link(&p.key, body).await;
    issues::touched(app, s, &[&p.key]);
    let saved = saved?;
    Ok(RemoteLinkSaved {
        id: text(&saved["id"]),
        created: !existed,
    })
}

/// Deletes an issue's web link by id or by `globalId`.
pub async fn delete_remote(
    app: &AppState,
    s: &JiraSession,
    key: &str,
    id: Option<&str>,
    global_id: Option<&str>,
) -> Result<(), ApiError> {
    let deleted = s.client.delete_remote_link(key, id, global_id).await;
    issues::touched(app, s, &[key]);
    deleted?;
    Ok(())
}
