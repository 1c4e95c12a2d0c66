//! `jirad issue …` against a daemon on the fake: text by default, JSON with `--json`, the
//! description from a Markdown file, and errors on stderr with a non-zero exit.

#![cfg(unix)]

mod support;

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
