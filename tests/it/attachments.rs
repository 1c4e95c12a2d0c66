//! Attachments through the real daemon: uploads from a path or inline, downloads to a path
//! (never over a file unless asked) or inline, the site's size limit checked before sending, and a
//! 200 MB file both ways with the daemon's memory growing by a few megabytes, not by the file.

#![cfg(target_os = "linux")]

use crate::support;

use base64::Engine;
use serde_json::json;
use std::io::{Read, Write};
use support::jira::JiraWorld;
use support::Framing;

/// The daemon's peak resident memory so far, in KiB.
fn peak_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn files_go_up_and_down_by_path_or_inline_and_are_never_overwritten_unasked() {
    let w = JiraWorld::start();
    let d = w.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("build.log");
    std::fs::write(&log, b"line 1\nline 2\n").expect("write");
    for (profile, key) in [("cloud", "DEMO-11"), ("dc", "DEMO-12")] {
        let up = c.result_as(
            profile,
            "attachments/upload",
            json!({"key": key, "path": log.display().to_string()}),
        );
        assert_eq!(up[0]["filename"], "build.log", "{profile}");
        assert_eq!(
            (up[0]["size"].as_u64(), up[0]["mimeType"].as_str()),
            (Some(14), Some("text/plain"))
        );
        let inline = base64::engine::general_purpose::STANDARD.encode(b"{\"ok\":true}");
        c.result_as(
            profile,
            "attachments/upload",
            json!({"key": key, "content": inline, "filename": "result.json"}),
        );
        let all = c.result_as(profile, "attachments/list", json!({"key": key}));
        let names: Vec<&str> = all
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|a| a["filename"].as_str())
            .collect();
        assert_eq!(names, ["build.log", "result.json"], "{profile}");

        let id = up[0]["id"].clone();
        let out = dir.path().join(format!("{profile}-copy.log"));
        let got = c.result_as(
            profile,
            "attachments/download",
            json!({"id": id, "path": out.display().to_string()}),
        );
        assert_eq!(got["size"], 14);
        assert_eq!(std::fs::read(&out).expect("saved"), b"line 1\nline 2\n");
        std::fs::write(&out, b"mine").expect("write");
        let refused = c.call_as(
            profile,
            "attachments/download",
            json!({"id": id, "path": out.display().to_string()}),
        );
        assert_eq!(
            refused["error"]["data"]["kind"], "invalidFields",
            "{refused}"
        );
        assert_eq!(
            std::fs::read(&out).expect("kept"),
            b"mine",
            "{profile}: not overwritten"
        );
        c.result_as(
            profile,
            "attachments/download",
            json!({"id": id, "path": out.display().to_string(), "overwrite": true}),
        );
        assert_eq!(std::fs::read(&out).expect("replaced"), b"line 1\nline 2\n");
        let leftovers = std::fs::read_dir(dir.path()).expect("dir").filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".part"))
        });
        assert_eq!(leftovers.count(), 0, "no temporary file left");

        let back = c.result_as(
            profile,
            "attachments/download",
            json!({"id": id, "inline": true}),
        );
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(back["content"].as_str().expect("content"))
            .expect("base64");
        assert_eq!(bytes, b"line 1\nline 2\n");
        let relative = c.call_as(
            profile,
            "attachments/download",
            json!({"id": id, "path": "copy.log"}),
        );
        assert_eq!(
            relative["error"]["data"]["errors"]["path"],
            "'copy.log' is not an absolute path"
        );

        let listed = |c: &mut support::SocketClient| {
            let got = c.result_as(
                profile,
                "issues/get",
                json!({"key": key, "fields": ["attachment"]}),
            );
            got["fields"]["attachment"].as_array().map_or(0, Vec::len)
        };
        assert_eq!(
            listed(&mut c),
            2,
            "{profile}: the issue, now cached, lists both"
        );
        c.result_as(profile, "attachments/delete", json!({"id": id}));
        // Jira's delete names no issue: the cached issue must not list the file still.
        assert_eq!(listed(&mut c), 1, "{profile}");
        let gone = c.call_as(profile, "attachments/delete", json!({"id": id}));
        assert_eq!(gone["error"]["data"]["kind"], "notFound", "{gone}");
    }

    // Data Center takes 10 MiB at most: refused before anything is sent.
    let big = dir.path().join("eleven.bin");
    std::fs::File::create(&big)
        .and_then(|f| f.set_len(11 << 20))
        .expect("sparse file");
    let before = w.count_requests("POST", "/attachments");
    let over = c.call_as(
        "dc",
        "attachments/upload",
        json!({"key": "DEMO-12", "path": big.display().to_string()}),
    );
    assert!(
        over["error"]["data"]["errors"]["path"]
            .as_str()
            .is_some_and(|m| m.ends_with("this site takes attachments of at most 10485760 bytes")),
        "{over}"
    );
    assert_eq!(w.count_requests("POST", "/attachments"), before);
}

#[test]
fn image_thumbnails_come_as_png_to_a_path_or_inline_and_other_files_have_none() {
    let w = JiraWorld::start();
    let d = w.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    let dir = tempfile::tempdir().expect("tempdir");
    let b64 = base64::engine::general_purpose::STANDARD;
    for (profile, key) in [("cloud", "DEMO-11"), ("dc", "DEMO-12")] {
        let shot = c.result_as(
            profile,
            "attachments/upload",
            json!({"key": key, "content": b64.encode(b"pixels"), "filename": "screen.png"}),
        );
        let id = &shot[0]["id"];
        let out = dir.path().join(format!("{profile}-thumb.png"));
        let saved = c.result_as(
            profile,
            "attachments/thumbnail",
            json!({"id": id, "path": out.display().to_string(), "width": 64}),
        );
        let png = std::fs::read(&out).expect("saved");
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{profile}: a PNG");
        assert_eq!(
            (saved["size"].as_u64(), saved["mimeType"].as_str()),
            (Some(png.len() as u64), Some("image/png")),
            "{saved}"
        );
        let again = c.call_as(
            profile,
            "attachments/thumbnail",
            json!({"id": id, "path": out.display().to_string()}),
        );
        assert_eq!(again["error"]["data"]["kind"], "invalidFields", "{again}");
        let inline = c.result_as(
            profile,
            "attachments/thumbnail",
            json!({"id": id, "inline": true}),
        );
        let bytes = b64
            .decode(inline["content"].as_str().expect("content"))
            .expect("base64");
        assert_eq!(bytes, png, "{profile}");

        let text = c.result_as(
            profile,
            "attachments/upload",
            json!({"key": key, "content": b64.encode(b"words"), "filename": "notes.txt"}),
        );
        let none = c.call_as(
            profile,
            "attachments/thumbnail",
            json!({"id": text[0]["id"], "inline": true}),
        );
        assert_eq!(none["error"]["data"]["kind"], "notFound", "{none}");
        assert!(
            none["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("images only")),
            "{none}"
        );
        let missing = c.call_as(
            profile,
            "attachments/thumbnail",
            json!({"id": "999999", "inline": true}),
        );
        assert_eq!(missing["error"]["data"]["kind"], "notFound", "{missing}");
    }
    // Cloud scales on request and is never asked for its generic icon.
    let asked: Vec<String> = w
        .fake
        .requests()
        .iter()
        .filter(|r| r.path.contains("/attachment/thumbnail/"))
        .filter_map(|r| r.query.clone())
        .collect();
    assert!(
        asked
            .iter()
            .any(|q| q.contains("width=64") && q.contains("fallbackToDefault=false")),
        "{asked:?}"
    );
}

#[test]
fn a_200_mb_file_goes_up_and_down_in_a_few_megabytes_of_daemon_memory() {
    let _heavy = support::heavy();
    let w = JiraWorld::start();
    let d = w.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("big.bin");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&src).expect("create"));
        let block: Vec<u8> = (0..1 << 20).map(|i: u32| (i % 251) as u8).collect();
        for n in 0..200u8 {
            let mut b = block.clone();
            b[0] = n; // each megabyte differs, so a misplaced chunk shows
            f.write_all(&b).expect("write");
        }
    }
    c.result_as("cloud", "attachments/list", json!({"key": "DEMO-13"}));
    let base = peak_kb(d.pid());
    let up = c.result_as(
        "cloud",
        "attachments/upload",
        json!({"key": "DEMO-13", "path": src.display().to_string()}),
    );
    assert_eq!(up[0]["size"], 200u64 << 20);
    let out = dir.path().join("back.bin");
    let got = c.result_as(
        "cloud",
        "attachments/download",
        json!({"id": up[0]["id"], "path": out.display().to_string()}),
    );
    assert_eq!(got["size"], 200u64 << 20);
    let grown_mb = (peak_kb(d.pid()).saturating_sub(base)) as f64 / 1024.0;
    eprintln!("200 MB up and down: daemon peak grew {grown_mb:.1} MB");
    assert!(
        grown_mb < 16.0,
        "the daemon held the file: +{grown_mb:.1} MB"
    );
    let (mut a, mut b) = (
        std::fs::File::open(&src).expect("src"),
        std::fs::File::open(&out).expect("out"),
    );
    let (mut x, mut y) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    loop {
        let n = a.read(&mut x).expect("read");
        let m = b.read_exact(&mut y[..n]);
        assert!(m.is_ok() && x[..n] == y[..n], "the copy differs");
        if n == 0 {
            break;
        }
    }
}
