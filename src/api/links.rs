//! `links/types`, `links/list`, `links/create`, `links/delete`, `links/addRemote`,
//! `links/deleteRemote`: links between issues and to the web. Every write tells the cache that
//! the issues at both ends changed (their `issuelinks`).

use crate::service::projects::text;
use super::{jira, ApiError};
use crate::cache::LINKS_PART;
use crate::jira::JiraError;
use crate::rpc::Routes;
use crate::rpc::{Ctx, Register};
use crate::service::issues;
use crate::service::state::AppState;
use jirad_protocol::issues::Empty;
use jirad_protocol::links::*;
use serde_json::{json, Value};

/// Registers the family.
pub fn register_all(m: &mut Routes<AppState>) {
    m.request::<LinksTypes>(types)
        .request::<LinksList>(list)
        .request::<LinksCreate>(create)
        .request::<LinksDelete>(delete)
        .request::<LinksAddRemote>(add_remote)
        .request::<LinksDeleteRemote>(delete_remote);
}

async fn types(p: LinksTypesParams, cx: Ctx<AppState>) -> Result<Vec<LinkType>, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
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

async fn list(p: LinksListParams, cx: Ctx<AppState>) -> Result<IssueLinks, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let client = s.client.clone();
    let key = p.key.clone();
    let (links, remote): (Vec<Value>, Vec<Value>) = issues::issue_part(
        &cx.app,
        &s,
        &p.key,
        LINKS_PART.into(),
        p.fresh,
        move || async move {
            tokio::try_join!(client.issue_links(&key), client.remote_links(&key, None))
        },
    )
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

async fn create(p: LinksCreateParams, cx: Ctx<AppState>) -> Result<IssueLink, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let ty = s.client.link_type(&p.link_type).await?;
    let (inward, outward) = if ty.from_is_inward {
        (&p.from, &p.to)
    } else {
        (&p.to, &p.from)
    };
    let comment = p.comment.as_deref().map(|c| s.client.rich_text(c));
    let linked = s
        .client
        .link_issues(&ty.name, inward, outward, comment)
        .await;
    issues::touched(&cx.app, &s, &[&p.from, &p.to]);
    linked?;
    // Jira answers without the link's id: find it on `from`'s side.
    let to = p.to.to_uppercase();
    let links = s.client.issue_links(&p.from).await?;
    links
        .iter()
        .filter_map(link_of)
        .find(|l| l.link_type == ty.name && l.issue.key.eq_ignore_ascii_case(&to))
        .ok_or_else(|| {
            JiraError::Protocol(format!(
                "Jira accepted the link, but {} does not show it",
                p.from
            ))
            .into()
        })
}

async fn delete(p: LinksDeleteParams, cx: Ctx<AppState>) -> Result<Empty, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    // Both ends change: read them before the link is gone.
    let link = s.client.issue_link(&p.id).await?;
    let ends = [
        text(&link["inwardIssue"]["key"]),
        text(&link["outwardIssue"]["key"]),
    ];
    let deleted = s.client.delete_link(&p.id).await;
    issues::touched(&cx.app, &s, &[&ends[0], &ends[1]]);
    deleted?;
    Ok(Empty {})
}

async fn add_remote(
    p: LinksAddRemoteParams,
    cx: Ctx<AppState>,
) -> Result<RemoteLinkSaved, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
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
    issues::touched(&cx.app, &s, &[&p.key]);
    let saved = saved?;
    Ok(RemoteLinkSaved {
        id: text(&saved["id"]),
        created: !existed,
    })
}

async fn delete_remote(p: LinksDeleteRemoteParams, cx: Ctx<AppState>) -> Result<Empty, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let deleted = s
        .client
        .delete_remote_link(&p.key, p.id.as_deref(), p.global_id.as_deref())
        .await;
    issues::touched(&cx.app, &s, &[&p.key]);
    deleted?;
    Ok(Empty {})
}
