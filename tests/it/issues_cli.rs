//! `jirad issue …` against a daemon on the fake: text by default, JSON with `--json`, the
//! description from a Markdown file, and errors on stderr with a non-zero exit.

#![cfg(unix)]

use crate::support;

use serde_json::Value;
use std::process::Output;
use support::jira::JiraWorld;
use support::{jirad, Daemon};

fn issue(d: &Daemon, args: &[&str]) -> Output {
    jirad(d.dir.path())
        .arg("issue")
        .arg("--socket")
        .arg(&d.socket)
        .args(args)
        .output()
        .expect("run jirad issue")
}

fn stdout(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout.clone()).expect("utf8")
}

#[test]
fn create_get_update_list_delete_from_the_shell() {
    let world = JiraWorld::start();
    let d = world.daemon("cloud");
    let file = d.dir.path().join("desc.md");
    std::fs::write(&file, "Steps:\n\n1. open\n2. **click**\n").unwrap();
    let created = stdout(&issue(
        &d,
        &[
            "--json",
            "create",
            "--project",
            "DEMO",
            "--type",
            "Task",
            "--summary",
            "From the shell",
            "--description-file",
            file.to_str().unwrap(),
        ],
    ));
    let created: Value = serde_json::from_str(&created).expect("json");
    let key = created["key"].as_str().unwrap().to_owned();

    let text = stdout(&issue(&d, &["get", &key]));
    assert!(
        text.starts_with(&format!("{key}  From the shell")),
        "{text}"
    );
    assert!(text.contains("Status    To Do"), "{text}");
    assert!(text.contains("2. **click**"), "{text}");

    let text = stdout(&issue(
        &d,
        &["update", &key, "--summary", "Renamed", "--add-label", "cli"],
    ));
    assert!(
        text.contains("Renamed") && text.contains("Labels    cli"),
        "{text}"
    );

    let table = stdout(&issue(&d, &["list", &format!("key = {key}")]));
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("KEY") && lines[0].contains("SUMMARY"),
        "{table}"
    );
    assert!(
        lines[1].starts_with(&key) && lines[1].ends_with("Renamed"),
        "{table}"
    );

    assert_eq!(
        stdout(&issue(&d, &["delete", &key])).trim(),
        format!("deleted {key}")
    );
    let gone = issue(&d, &["get", &key]);
    assert_eq!(gone.status.code(), Some(1));
    let err = String::from_utf8_lossy(&gone.stderr);
    assert!(err.contains("[notFound]"), "{err}");
}

/// `jirad call` with stdin input.
fn call_with_stdin(d: &Daemon, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = jirad(d.dir.path())
        .arg("call")
        .arg("--socket")
        .arg(&d.socket)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run jirad call");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

fn json_out(o: &Output) -> Value {
    serde_json::from_str(&stdout(o)).expect("json")
}

#[test]
fn call_reads_params_from_stdin_and_from_a_file() {
    let world = JiraWorld::start();
    let d = world.daemon("cloud");
    // Larger than one argv string may be (128 KiB on Linux).
    let params = format!(
        "{{\"key\": \"DEMO-1\",{}\"body\": \"from stdin\"}}",
        " ".repeat(200 * 1024)
    );
    let added = json_out(&call_with_stdin(&d, &["issues/addComment", "-"], &params));
    assert!(added["id"].as_str().is_some(), "{added}");

    let file = d.dir.path().join("params.json");
    std::fs::write(&file, r#"{"key": "DEMO-1", "fields": ["summary"]}"#).unwrap();
    let got = json_out(&call_with_stdin(
        &d,
        &["issues/get", &format!("@{}", file.display())],
        "",
    ));
    assert_eq!(got["key"], "DEMO-1");
    assert!(got.get("status").is_none(), "only the fields asked for");

    let missing = call_with_stdin(&d, &["issues/get", "@/nonexistent/params.json"], "");
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read params from"));
}

#[test]
fn issue_covers_workflow_projects_users_and_paging() {
    let world = JiraWorld::start();
    let d = world.daemon("cloud");
    let created = json_out(&issue(
        &d,
        &[
            "--json",
            "create",
            "--project",
            "DEMO",
            "--type",
            "Task",
            "--summary",
            "Inline",
            "--description",
            "Some **bold** text",
        ],
    ));
    let key = created["key"].as_str().unwrap().to_owned();
    let text = stdout(&issue(&d, &["get", &key]));
    assert!(text.contains("Some **bold** text"), "{text}");

    let moved = stdout(&issue(
        &d,
        &["transition", &key, "In Progress", "--comment", "starting"],
    ));
    assert_eq!(moved.trim(), format!("{key}: In Progress -> In Progress"));
    let moved = json_out(&issue(&d, &["--json", "transition", &key, "To Do"]));
    assert_eq!(moved["status"]["name"], "To Do", "{moved}");

    let commented = stdout(&issue(&d, &["comment", &key, "a *comment*"]));
    assert!(
        commented.starts_with(&format!("commented on {key} (")),
        "{commented}"
    );
    let comments = json_out(
        &jirad(d.dir.path())
            .args(["call", "--socket"])
            .arg(&d.socket)
            .args(["issues/comments", &format!(r#"{{"key":"{key}"}}"#)])
            .output()
            .expect("call"),
    );
    let bodies: Vec<&str> = comments["comments"]
        .as_array()
        .expect("comments")
        .iter()
        .filter_map(|c| c["body"].as_str())
        .collect();
    assert!(
        bodies.iter().any(|b| b.contains("a *comment*")),
        "{comments}"
    );

    let assigned = stdout(&issue(&d, &["assign", &key, "me"]));
    assert_eq!(assigned.trim(), format!("{key} assigned to Alex Morgan"));
    let unassigned = json_out(&issue(&d, &["--json", "unassign", &key]));
    assert_eq!(unassigned["assignee"], Value::Null, "{unassigned}");
    assert_eq!(
        stdout(&issue(&d, &["unassign", &key])).trim(),
        format!("{key} unassigned")
    );

    // The history shows each change made above, oldest first, a page at a time.
    let history = stdout(&issue(&d, &["history", &key]));
    let lines: Vec<&str> = history.lines().collect();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("Alex Morgan  status: To Do -> In Progress")),
        "{history}"
    );
    assert!(
        lines
            .last()
            .is_some_and(|l| l.ends_with("assignee: Alex Morgan -> (none)")),
        "{history}"
    );
    let first = stdout(&issue(&d, &["history", &key, "--limit", "1"]));
    let token = first
        .lines()
        .last()
        .and_then(|l| l.strip_prefix("next page: --page-token "))
        .unwrap_or_else(|| panic!("{first}"));
    let second = json_out(&issue(
        &d,
        &[
            "--json",
            "history",
            &key,
            "--limit",
            "1",
            "--page-token",
            token,
        ],
    ));
    assert_eq!(
        second["histories"].as_array().map(Vec::len),
        Some(1),
        "{second}"
    );

    let projects = stdout(&issue(&d, &["projects"]));
    assert!(
        projects.lines().any(|l| l.starts_with("DEMO ")),
        "{projects}"
    );
    let ops = json_out(&issue(&d, &["--json", "projects", "oper"]));
    assert_eq!(ops[0]["key"], "OPS", "{ops}");
    let users = stdout(&issue(&d, &["users", "alex"]));
    assert!(users.contains("Alex Morgan"), "{users}");

    // Paging from the shell: the token the table prints is accepted back.
    let first = stdout(&issue(&d, &["list", "--project", "DEMO", "--limit", "2"]));
    let token = first
        .lines()
        .last()
        .and_then(|l| l.strip_prefix("(more: --page-token "))
        .and_then(|l| l.strip_suffix(", or --all)"))
        .unwrap_or_else(|| panic!("{first}"))
        .to_owned();
    let second = stdout(&issue(
        &d,
        &[
            "list",
            "--project",
            "DEMO",
            "--limit",
            "2",
            "--page-token",
            &token,
        ],
    ));
    let keys = |t: &str| -> Vec<String> {
        t.lines()
            .skip(1)
            .filter(|l| l.starts_with("DEMO-"))
            .map(|l| l.split_whitespace().next().unwrap_or("").to_owned())
            .collect()
    };
    let (a, b) = (keys(&first), keys(&second));
    assert_eq!((a.len(), b.len()), (2, 2), "{first}\n{second}");
    assert!(a.iter().all(|k| !b.contains(k)), "{a:?} {b:?}");
    let capped = json_out(&issue(
        &d,
        &[
            "--json",
            "list",
            "--project",
            "DEMO",
            "--all",
            "--limit",
            "2",
            "--max-issues",
            "3",
        ],
    ));
    assert_eq!(capped["issues"].as_array().map(Vec::len), Some(3));
}

#[test]
fn issue_covers_attachments_links_worklogs_and_watching() {
    let world = JiraWorld::start();
    let d = world.daemon("cloud");
    let src = d.dir.path().join("notes.txt");
    std::fs::write(&src, "from the shell\n").unwrap();
    let src_arg = src.display().to_string();
    let attached = stdout(&issue(&d, &["attach", "DEMO-14", &src_arg]));
    assert!(
        attached.starts_with("attached notes.txt to DEMO-14 ("),
        "{attached}"
    );
    let listed = json_out(&issue(&d, &["--json", "attachments", "DEMO-14"]));
    let id = listed[0]["id"].as_str().expect("id").to_owned();
    let table = stdout(&issue(&d, &["attachments", "DEMO-14"]));
    assert!(
        table.contains("notes.txt") && table.contains("text/plain"),
        "{table}"
    );
    let out = d.dir.path().join("copy.txt");
    let out_arg = out.display().to_string();
    let saved = stdout(&issue(&d, &["download", &id, &out_arg]));
    assert!(
        saved.starts_with("saved notes.txt (15 bytes) to "),
        "{saved}"
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "from the shell\n");
    let again = issue(&d, &["download", &id, &out_arg]);
    assert!(!again.status.success(), "an existing file is not replaced");
    stdout(&issue(&d, &["download", &id, &out_arg, "--overwrite"]));

    let linked = stdout(&issue(&d, &["link", "DEMO-14", "blocks", "DEMO-13"]));
    assert!(linked.starts_with("DEMO-14 blocks DEMO-13 ("), "{linked}");
    let from_other = stdout(&issue(&d, &["links", "DEMO-13"]));
    assert!(from_other.contains("is blocked by DEMO-14"), "{from_other}");
    let link_id = linked
        .trim()
        .rsplit('(')
        .next()
        .unwrap()
        .trim_end_matches(')')
        .to_owned();
    stdout(&issue(&d, &["unlink", &link_id]));
    assert_eq!(stdout(&issue(&d, &["links", "DEMO-13"])).trim(), "");

    let logged = stdout(&issue(
        &d,
        &["worklog", "DEMO-14", "45m", "--comment", "reviewed"],
    ));
    assert!(logged.starts_with("logged 45m on DEMO-14 ("), "{logged}");
    let watching = stdout(&issue(&d, &["watch", "DEMO-14"]));
    assert!(watching.starts_with("watching DEMO-14 ("), "{watching}");
}

fn run(d: &Daemon, command: &str, args: &[&str]) -> Output {
    jirad(d.dir.path())
        .arg(command)
        .arg("--socket")
        .arg(&d.socket)
        .args(args)
        .output()
        .expect("run jirad")
}

#[test]
fn votes_unwatching_and_thumbnails_from_the_shell() {
    let world = JiraWorld::start();
    let d = world.daemon("cloud");
    let created: Value = serde_json::from_str(&stdout(&issue(
        &d,
        &[
            "--json",
            "create",
            "--project",
            "OPS",
            "--type",
            "Task",
            "--summary",
            "Vote",
        ],
    )))
    .expect("json");
    let key = created["key"].as_str().expect("key").to_owned();
    assert_eq!(
        stdout(&issue(&d, &["vote", &key])).trim(),
        format!("{key}: 1 vote (yours included)")
    );
    assert_eq!(
        stdout(&issue(&d, &["unvote", &key])).trim(),
        format!("{key}: 0 votes (not yours)")
    );
    // Data Center refuses the reporter's vote: the message on stderr, exit 1.
    let dc = issue(&d, &["--profile", "dc", "vote", "DEMO-7"]);
    let mine: Value = serde_json::from_str(&stdout(&issue(
        &d,
        &[
            "--profile",
            "dc",
            "--json",
            "create",
            "--project",
            "OPS",
            "--type",
            "Task",
            "--summary",
            "Mine",
        ],
    )))
    .expect("json");
    let refused = issue(
        &d,
        &[
            "--profile",
            "dc",
            "vote",
            mine["key"].as_str().expect("key"),
        ],
    );
    assert_eq!(refused.status.code(), Some(1));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("You cannot vote for an issue you have reported.")
            && err.contains("[notFound]"),
        "{err}"
    );
    assert!(
        dc.status.success(),
        "{}",
        String::from_utf8_lossy(&dc.stderr)
    );

    stdout(&issue(&d, &["watch", &key]));
    let off = stdout(&issue(&d, &["unwatch", &key]));
    assert!(
        off.starts_with(&format!("you are no longer watching {key}")),
        "{off}"
    );
    let off: Value = serde_json::from_str(&stdout(&issue(
        &d,
        &["--json", "unwatch", &key, "--user", "Mia Krystof"],
    )))
    .expect("json");
    assert_eq!(off["isWatching"], false, "{off}");

    let png = d.dir.path().join("screen.png");
    std::fs::write(&png, b"pixels").expect("write");
    let attached: Value = serde_json::from_str(&stdout(&issue(
        &d,
        &["--json", "attach", &key, png.to_str().expect("path")],
    )))
    .expect("json");
    let id = attached[0]["id"].as_str().expect("id");
    let thumb = d.dir.path().join("thumb.png");
    let said = stdout(&issue(
        &d,
        &["thumbnail", id, thumb.to_str().expect("path")],
    ));
    let bytes = std::fs::read(&thumb).expect("saved");
    assert!(bytes.starts_with(b"\x89PNG"), "a PNG");
    assert_eq!(
        said.trim(),
        format!(
            "saved the thumbnail of {id} ({} bytes) to {}",
            bytes.len(),
            thumb.display()
        )
    );
}

#[test]
fn versions_and_components_from_the_shell_on_both_flavours() {
    let world = JiraWorld::start();
    let d = world.daemon("cloud");
    for (profile, project) in [("cloud", "DEMO"), ("dc", "OPS")] {
        let p = ["--profile", profile];
        let version = |args: &[&str]| run(&d, "version", &[&p[..], args].concat());
        let component = |args: &[&str]| run(&d, "component", &[&p[..], args].concat());
        assert_eq!(stdout(&version(&["list", project])).trim(), "(none)");
        let made = stdout(&version(&[
            "create",
            project,
            "1.0",
            "--release-date",
            "2026-12-24",
        ]));
        assert!(made.starts_with("created version 1.0 ("), "{made}");
        let made: Value =
            serde_json::from_str(&stdout(&version(&["--json", "create", project, "2.0"])))
                .expect("json");
        let two = made["id"].as_str().expect("id").to_owned();
        let table = stdout(&version(&["list", project]));
        let lines: Vec<&str> = table.lines().collect();
        assert!(
            lines[0].starts_with("ID") && lines[0].contains("RELEASE DATE"),
            "{table}"
        );
        assert!(
            lines[1].contains("1.0")
                && lines[1].contains("unreleased")
                && lines[1].ends_with("2026-12-24"),
            "{table}"
        );
        let released = stdout(&version(&["release", &two, "--date", "2026-12-31"]));
        assert_eq!(
            released.trim(),
            format!("released 2.0 ({two}) on 2026-12-31"),
            "{profile}"
        );
        let shipped = stdout(&version(&["list", project, "--released"]));
        assert_eq!(shipped.lines().count(), 2, "{shipped}");
        assert!(shipped
            .lines()
            .nth(1)
            .is_some_and(|l| l.contains("2.0") && l.contains("released")));
        assert_eq!(
            stdout(&version(&["delete", &two])).trim(),
            format!("deleted version {two}")
        );
        let listed: Value =
            serde_json::from_str(&stdout(&version(&["--json", "list", project]))).expect("json");
        assert_eq!(
            listed.as_array().map(Vec::len),
            Some(1),
            "{profile}: {listed}"
        );
        let again = version(&["delete", &two]);
        assert_eq!(again.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&again.stderr).contains("[notFound]"));

        let made = stdout(&component(&[
            "create",
            project,
            "Backend",
            "--description",
            "APIs",
        ]));
        assert!(made.starts_with("created component Backend ("), "{made}");
        let table = stdout(&component(&["list", project]));
        assert!(
            table
                .lines()
                .nth(1)
                .is_some_and(|l| l.contains("Backend") && l.ends_with("APIs")),
            "{table}"
        );
        let listed: Value =
            serde_json::from_str(&stdout(&component(&["--json", "list", project]))).expect("json");
        let id = listed[0]["id"].as_str().expect("id");
        assert_eq!(
            stdout(&component(&["delete", id])).trim(),
            format!("deleted component {id}")
        );
        assert_eq!(stdout(&component(&["list", project])).trim(), "(none)");
    }
}
