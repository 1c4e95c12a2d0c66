//! Work on one issue through the real daemon against the fake Jira, as the Cloud (API token) and
//! Data Center (PAT) profiles: transitions, comments, assignment, and the cache seeing each write.

#![cfg(unix)]

use crate::support;

use serde_json::{json, Value};
use support::jira::JiraWorld;
use support::{code, Framing, SocketClient};

/// Both flavours, each with an issue of its own (the fake's Cloud and DC views share one store).
const FLAVORS: [(&str, &str); 2] = [("cloud", "DEMO-2"), ("dc", "DEMO-3")];

fn with_profile(profile: &str, mut params: Value) -> Value {
    params["profile"] = json!(profile);
    params
}

fn ok(c: &mut SocketClient, profile: &str, method: &str, params: Value) -> Value {
    c.result(method, with_profile(profile, params))
}

fn err(c: &mut SocketClient, profile: &str, method: &str, params: Value) -> Value {
    let reply = c.call(method, with_profile(profile, params));
    assert!(reply.get("error").is_some(), "{method} succeeded: {reply}");
    reply["error"].clone()
}

fn ids(transitions: &Value) -> Vec<&str> {
    transitions
        .as_array()
        .expect("a list of transitions")
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect()
}

/// The issue as the fake stores it (its truth, whatever the daemon believes).
fn stored(w: &JiraWorld, key: &str) -> fake_jira::store::Issue {
    let inner = w.fake.shared().lock();
    let id = inner.find(key).expect("issue exists");
    inner.issues[&id].clone()
}

/// Every item (under `items`) of a paged method (`issues/comments`, `issues/changelog`) for
/// `key`, following `nextPageToken` with pages of `limit`; and how many pages it took.
fn all_pages(
    c: &mut SocketClient,
    profile: &str,
    method: &str,
    items: &str,
    key: &str,
    limit: u32,
) -> (Vec<Value>, usize) {
    let (mut out, mut pages, mut token) = (Vec::new(), 0, None::<String>);
    loop {
        let mut params = json!({"key": key, "limit": limit});
        if let Some(t) = &token {
            params["pageToken"] = json!(t);
        }
        let page = ok(c, profile, method, params);
        let got = page[items].as_array().unwrap();
        assert!(got.len() <= limit as usize, "{page}");
        out.extend(got.iter().cloned());
        pages += 1;
        match page["nextPageToken"].as_str() {
            Some(t) => token = Some(t.to_owned()),
            None => {
                assert_eq!(
                    page["total"],
                    json!(out.len()),
                    "{profile}: total matches what paging gave"
                );
                return (out, pages);
            }
        }
    }
}

/// Every comment of an issue, with pages of `limit`.
fn all_comments(c: &mut SocketClient, profile: &str, key: &str, limit: u32) -> (Vec<Value>, usize) {
    all_pages(c, profile, "issues/comments", "comments", key, limit)
}

#[test]
fn transitions_by_name_status_and_id_and_a_clear_error_otherwise() {
    let w = JiraWorld::start();
    let d = w.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    for (profile, key) in FLAVORS {
        let list = ok(&mut c, profile, "issues/transitions", json!({"key": key}));
        assert_eq!(ids(&list), ["21", "31"], "{profile}: from To Do");
        assert_eq!(
            list[0],
            json!({"id": "21", "name": "In Progress", "to": {"name": "In Progress", "category": "indeterminate"}})
        );
        let fetched = w.count_requests("GET", &format!("/issue/{key}/transitions"));
        ok(&mut c, profile, "issues/transitions", json!({"key": key}));
        assert_eq!(
            w.count_requests("GET", &format!("/issue/{key}/transitions")),
            fetched,
            "{profile}: the second read is served from the cache"
        );

        let moved = ok(
            &mut c,
            profile,
            "issues/transition",
            json!({"key": key, "to": "In Progress"}),
        );
        assert_eq!(
            moved,
            json!({"transition": {"id": "21", "name": "In Progress"}, "status": {"name": "In Progress", "category": "indeterminate"}})
        );
        assert_eq!(
            stored(&w, key).status,
            "3",
            "{profile}: Jira has it In Progress"
        );
        let list = ok(&mut c, profile, "issues/transitions", json!({"key": key}));
        assert_eq!(
            ids(&list),
            ["11", "31"],
            "{profile}: the write evicted the cached list"
        );

        let moved = ok(
            &mut c,
            profile,
            "issues/transition",
            json!({"key": key, "to": "31"}),
        );
        assert_eq!(moved["status"]["category"], "done", "{profile}: by id");
        // The fake names each transition after its target status; a lower-case status name
        // still matches (transition names that differ from statuses are covered by unit tests).
        let moved = ok(
            &mut c,
            profile,
            "issues/transition",
            json!({"key": key, "to": "to do"}),
        );
        assert_eq!(
            moved["status"]["name"], "To Do",
            "{profile}: by status name"
        );

        let e = err(
            &mut c,
            profile,
            "issues/transition",
            json!({"key": key, "to": "Reopen"}),
        );
        assert_eq!(e["data"]["kind"], "invalidFields");
        let msg = e["message"].as_str().unwrap();
        assert!(
            msg.contains("'Reopen'") && msg.contains("In Progress") && msg.contains("Done"),
            "{profile}: names the valid transitions: {msg}"
        );
        assert_eq!(stored(&w, key).status, "10000", "{profile}: nothing moved");

        let e = err(
            &mut c,
            profile,
            "issues/transitions",
            json!({"key": "DEMO-99999"}),
        );
        assert_eq!(e["data"]["kind"], "notFound");
    }
}

#[test]
fn a_transition_with_a_comment_shows_the_comment() {
    let w = JiraWorld::start();
    let d = w.daemon("cloud");
    let mut c = d.client(Framing::Lsp);
    for (profile, key) in FLAVORS {
        let body = format!("Closed from **{profile}** in `v2`");
        ok(
            &mut c,
            profile,
            "issues/transition",
            json!({"key": key, "to": "Done", "comment": body}),
        );
        let (comments, _) = all_comments(&mut c, profile, key, 50);
        let last = comments.last().unwrap();
        assert_eq!(last["body"], format!("{body}\n"), "{profile}");
        assert_eq!(last["author"]["displayName"], "Alex Morgan");
        assert_eq!(stored(&w, key).status, "10001");
    }
}

#[test]
fn comments_page_through_oldest_first_with_no_gap_or_duplicate() {
    let w = JiraWorld::start();
    let d = w.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    for (profile, key) in FLAVORS {
        for n in 0..5 {
            ok(
                &mut c,
                profile,
                "issues/addComment",
                json!({"key": key, "body": format!("note {n}")}),
            );
        }
        let (one_page, pages) = all_comments(&mut c, profile, key, 100);
        assert_eq!(pages, 1);
        let (paged, pages) = all_comments(&mut c, profile, key, 2);
        assert_eq!(
            paged, one_page,
            "{profile}: pages of 2 give the same comments"
        );
        assert_eq!(pages, one_page.len().div_ceil(2));
        let notes: Vec<&str> = paged
            .iter()
            .filter_map(|c| c["body"].as_str())
            .filter(|b| b.starts_with("note "))
            .collect();
        assert_eq!(
            notes,
            ["note 0\n", "note 1\n", "note 2\n", "note 3\n", "note 4\n"]
        );

        let e = err(
            &mut c,
            profile,
            "issues/comments",
            json!({"key": key, "pageToken": "x"}),
        );
        assert_eq!(
            e["data"]["kind"], "invalidFields",
            "{profile}: a made-up page token"
        );
    }
}

#[test]
fn markdown_comments_become_adf_on_cloud_and_wiki_markup_on_data_center() {
    let w = JiraWorld::start();
    let d = w.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    let md = "**Bold** start\n\n- one\n- two\n\n```rust\nfn main() {}\n```\n";
    for (profile, key) in FLAVORS {
        let added = ok(
            &mut c,
            profile,
            "issues/addComment",
            json!({"key": key, "body": md}),
        );
        assert_eq!(added["body"], md, "{profile}: Markdown comes back as sent");
        // The fake refuses ADF that does not validate. It parses wiki markup's blocks (lists,
        // code) into its stored document and keeps inline marks as typed: there the wiki
        // `*Bold*` (not Markdown's `**Bold**`) shows what Data Center was sent.
        let id: u64 = added["id"].as_str().unwrap().parse().unwrap();
        let doc = stored(&w, key)
            .comments
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.body.clone())
            .expect("stored");
        let text = doc.to_string();
        let first = &doc["content"][0]["content"][0];
        match profile {
            "cloud" => assert_eq!(
                (&first["text"], &first["marks"]),
                (&json!("Bold"), &json!([{"type": "strong"}])),
                "{text}"
            ),
            _ => assert_eq!(first["text"], "*Bold* start", "{text}"),
        }
        assert_eq!(doc["content"][1]["type"], "bulletList", "{profile}: {text}");
        assert_eq!(doc["content"][1]["content"].as_array().unwrap().len(), 2);
        assert_eq!(doc["content"][2]["type"], "codeBlock", "{profile}: {text}");
        assert_eq!(doc["content"][2]["attrs"]["language"], "rust");
    }
    let path = "/rest/api/3/issue/DEMO-2/comment";
    assert!(
        w.count_requests("POST", path) >= 1,
        "Cloud goes through REST v3 (ADF)"
    );
    assert!(w.count_requests("POST", "/dc/rest/api/2/issue/DEMO-3/comment") >= 1);

    let adf = json!({"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [
        {"type": "text", "text": "from ADF", "marks": [{"type": "em"}]}]}]});
    for (profile, key) in FLAVORS {
        let added = ok(
            &mut c,
            profile,
            "issues/addComment",
            json!({"key": key, "body": adf}),
        );
        assert_eq!(added["body"], "*from ADF*\n", "{profile}");
    }
    let page = ok(
        &mut c,
        "cloud",
        "issues/comments",
        json!({"key": "DEMO-2", "format": "adf", "limit": 1000}),
    );
    let last = page["comments"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last.get("body"), &last["bodyAdf"]), (None, &adf));

    let e = err(
        &mut c,
        "cloud",
        "issues/addComment",
        json!({"key": "DEMO-2", "body": {"type": "paragraph"}}),
    );
    assert_eq!(
        e["data"]["kind"], "invalidFields",
        "an object that is not an ADF doc"
    );
}

#[test]
fn assign_to_me_by_account_id_or_email_and_unassign() {
    let w = JiraWorld::start();
    let d = w.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    let mia = "5b10a2844c20165700ede21g";
    // (profile, key, my id, Mia's id as that flavour names users)
    for (profile, key, me, mia_id) in [
        (
            "cloud",
            "OPS-3",
            "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077",
            mia,
        ),
        ("dc", "OPS-4", "amorgan", "mkrystof"),
    ] {
        let r = ok(
            &mut c,
            profile,
            "issues/assign",
            json!({"key": key, "assignee": "me"}),
        );
        assert_eq!(
            r,
            json!({"assignee": {"accountId": me, "displayName": "Alex Morgan"}})
        );
        assert_eq!(
            stored(&w, key).assignee.as_deref(),
            Some("557058:f58131cb-b67d-43c7-b30d-6b58d40bd077")
        );

        let r = ok(
            &mut c,
            profile,
            "issues/assign",
            json!({"key": key, "assignee": mia_id}),
        );
        assert_eq!(
            r["assignee"]["displayName"], "Mia Krystof",
            "{profile}: by id"
        );
        assert_eq!(stored(&w, key).assignee.as_deref(), Some(mia));

        let r = ok(
            &mut c,
            profile,
            "issues/assign",
            json!({"key": key, "assignee": "sam@example.com"}),
        );
        assert_eq!(
            r["assignee"]["displayName"], "Sam Lee",
            "{profile}: by email"
        );

        let r = ok(
            &mut c,
            profile,
            "issues/assign",
            json!({"key": key, "assignee": null}),
        );
        assert_eq!(r, json!({"assignee": null}));
        assert_eq!(stored(&w, key).assignee, None, "{profile}: unassigned");

        let e = err(
            &mut c,
            profile,
            "issues/assign",
            json!({"key": key, "assignee": "nobody@example.com"}),
        );
        assert_eq!(e["data"]["kind"], "invalidFields");
        assert!(e["message"]
            .as_str()
            .unwrap()
            .contains("nobody@example.com"));

        // A forgotten `assignee` is a params error, never an unassign.
        let reply = c.call("issues/assign", json!({"key": key, "profile": profile}));
        assert_eq!(code(&reply), -32602);
    }
}

/// Every history of an issue through `issues/changelog`, with pages of `limit`.
fn all_history(c: &mut SocketClient, profile: &str, key: &str, limit: u32) -> Vec<Value> {
    all_pages(c, profile, "issues/changelog", "histories", key, limit).0
}

#[test]
fn the_changelog_shows_who_changed_what_oldest_first_on_both_flavours() {
    let w = JiraWorld::start();
    let d = w.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    for (profile, key) in FLAVORS {
        ok(
            &mut c,
            profile,
            "issues/assign",
            json!({"key": key, "assignee": null}),
        );
        let before = all_history(&mut c, profile, key, 1000).len();
        ok(
            &mut c,
            profile,
            "issues/update",
            json!({"key": key, "fields": {"summary": format!("history on {profile}")}}),
        );
        ok(
            &mut c,
            profile,
            "issues/transition",
            json!({"key": key, "to": "In Progress"}),
        );
        ok(
            &mut c,
            profile,
            "issues/assign",
            json!({"key": key, "assignee": "me"}),
        );

        // Pages of one give the same histories as one page of everything.
        let one_by_one = all_history(&mut c, profile, key, 1);
        assert_eq!(one_by_one, all_history(&mut c, profile, key, 1000));
        let new = &one_by_one[before..];
        assert_eq!(new.len(), 3, "{profile}: {new:?}");
        let item = |h: &Value| h["items"][0].clone();
        assert_eq!(item(&new[0])["field"], "summary");
        assert_eq!(item(&new[0])["toString"], format!("history on {profile}"));
        assert_eq!(item(&new[1])["field"], "status");
        assert_eq!(
            (
                item(&new[1])["fromString"].clone(),
                item(&new[1])["toString"].clone()
            ),
            (json!("To Do"), json!("In Progress")),
            "{profile}"
        );
        assert_eq!(item(&new[2])["field"], "assignee");
        assert!(new[2]["author"]["displayName"].is_string(), "{profile}");
        // Cloud names the field by id too; Data Center does not.
        assert_eq!(
            item(&new[1]).get("fieldId").is_some(),
            profile == "cloud",
            "{profile}"
        );

        // `expand: ["changelog"]` on a get carries the same histories, as Jira sent them.
        let got = ok(
            &mut c,
            profile,
            "issues/get",
            json!({"key": key, "expand": ["changelog"]}),
        );
        assert_eq!(
            got["expanded"]["changelog"]["total"],
            json!(one_by_one.len()),
            "{profile}"
        );

        let e = err(
            &mut c,
            profile,
            "issues/changelog",
            json!({"key": key, "pageToken": "x"}),
        );
        assert_eq!(e["data"]["kind"], "invalidFields", "{profile}");
        let e = err(
            &mut c,
            profile,
            "issues/changelog",
            json!({"key": "NOPE-1"}),
        );
        assert_eq!(e["data"]["kind"], "notFound", "{profile}: {e}");
    }
}

#[test]
fn comments_are_edited_restricted_and_deleted_on_both_flavours() {
    let w = JiraWorld::start();
    let d = w.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    for (profile, key) in FLAVORS {
        let added = ok(
            &mut c,
            profile,
            "issues/addComment",
            json!({"key": key, "body": "team only", "visibility": {"type": "role", "value": "Developers"}}),
        );
        assert_eq!(
            added["visibility"],
            json!({"type": "role", "value": "Developers"}),
            "{profile}: {added}"
        );
        let id = added["id"].as_str().expect("id").to_owned();

        // The text is replaced; left out, the visibility stays; null makes it public.
        let edited = ok(
            &mut c,
            profile,
            "issues/updateComment",
            json!({"key": key, "id": id, "body": "**edited**"}),
        );
        assert_eq!(edited["body"], "**edited**\n", "{profile}");
        assert_eq!(edited["visibility"]["value"], "Developers", "{profile}");
        let public = ok(
            &mut c,
            profile,
            "issues/updateComment",
            json!({"key": key, "id": id, "body": "for all", "visibility": null}),
        );
        assert!(public.get("visibility").is_none(), "{profile}: {public}");
        let issue = stored(&w, key);
        let kept = issue.comments.iter().find(|x| x.id.to_string() == id);
        assert_eq!(kept.map(|x| x.visibility.clone()), Some(None), "{profile}");

        // A group the user is not in is Jira's refusal, and nothing is added.
        let before = issue.comments.len();
        let e = err(
            &mut c,
            profile,
            "issues/addComment",
            json!({"key": key, "body": "x", "visibility": {"type": "group", "value": "site-admins"}}),
        );
        assert_eq!(e["data"]["kind"], "invalidFields", "{profile}: {e}");
        assert_eq!(
            e["data"]["errorMessages"][0],
            "You are currently not a member of the group: site-admins."
        );
        assert_eq!(stored(&w, key).comments.len(), before);

        ok(
            &mut c,
            profile,
            "issues/deleteComment",
            json!({"key": key, "id": id}),
        );
        let (all, _) = all_comments(&mut c, profile, key, 1000);
        assert!(all.iter().all(|x| x["id"] != json!(id)), "{profile}: gone");
        let again = err(
            &mut c,
            profile,
            "issues/deleteComment",
            json!({"key": key, "id": id}),
        );
        assert_eq!(again["data"]["kind"], "notFound", "{profile}: {again}");
    }
}

/// A comment holding what Markdown cannot express (a mention) is not replaced by Markdown unless
/// forced, like the description.
#[test]
fn a_markdown_edit_that_would_lose_a_mention_is_refused_unless_forced() {
    let w = JiraWorld::start();
    let d = w.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    let mention = json!({"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [
        {"type": "text", "text": "ping "},
        {"type": "mention", "attrs": {"id": "5b10a2844c20165700ede21g", "text": "@Mia Krystof"}}
    ]}]});
    let added = ok(
        &mut c,
        "cloud",
        "issues/addComment",
        json!({"key": "DEMO-2", "body": mention}),
    );
    let id = added["id"].as_str().expect("id").to_owned();
    let e = err(
        &mut c,
        "cloud",
        "issues/updateComment",
        json!({"key": "DEMO-2", "id": id, "body": "ping Mia"}),
    );
    assert_eq!(e["data"]["kind"], "lossyUpdate", "{e}");
    assert_eq!(e["data"]["nodes"], json!(["mention"]));
    let forced = ok(
        &mut c,
        "cloud",
        "issues/updateComment",
        json!({"key": "DEMO-2", "id": id, "body": "ping Mia", "force": true}),
    );
    assert_eq!(forced["body"], "ping Mia\n");
}

#[test]
fn time_in_each_status_comes_from_the_history_on_both_flavours() {
    let w = JiraWorld::start();
    let d = w.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    for (profile, key) in FLAVORS {
        ok(
            &mut c,
            profile,
            "issues/transition",
            json!({"key": key, "to": "In Progress"}),
        );
        ok(
            &mut c,
            profile,
            "issues/transition",
            json!({"key": key, "to": "Done"}),
        );
        ok(
            &mut c,
            profile,
            "issues/transition",
            json!({"key": key, "to": "In Progress"}),
        );
        let h = ok(&mut c, profile, "issues/statusHistory", json!({"key": key}));
        let periods = h["periods"].as_array().expect("periods");
        let statuses: Vec<&str> = periods
            .iter()
            .filter_map(|p| p["status"].as_str())
            .collect();
        assert_eq!(
            statuses,
            ["To Do", "In Progress", "Done", "In Progress"],
            "{profile}: {h}"
        );
        // Each stretch ends where the next begins; only the current one is open.
        for pair in periods.windows(2) {
            assert_eq!(pair[0]["to"], pair[1]["from"], "{profile}");
        }
        assert!(periods.last().is_some_and(|p| p.get("to").is_none()));
        let totals: Vec<&str> = h["totals"]
            .as_array()
            .expect("totals")
            .iter()
            .filter_map(|t| t["status"].as_str())
            .collect();
        assert_eq!(
            totals,
            ["To Do", "In Progress", "Done"],
            "{profile}: two stretches summed once"
        );
    }
}
