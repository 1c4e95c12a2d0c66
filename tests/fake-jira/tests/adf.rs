//! The fake's ADF validation agrees with the official ADF JSON schema on valid and invalid
//! samples, and the seeded descriptions are valid ADF.

mod common;

use serde_json::{json, Value};

fn t(s: &str) -> Value {
    json!({"type": "text", "text": s})
}

fn doc(content: Value) -> Value {
    json!({"type": "doc", "version": 1, "content": content})
}

fn p(c: Value) -> Value {
    json!({"type": "paragraph", "content": c})
}

#[test]
fn validator_agrees_with_official_schema() {
    let schema = common::adf_schema();
    let v = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(false)
        .build(&schema)
        .expect("ADF schema compiles");
    let valid = vec![
        doc(json!([])),
        doc(json!([p(json!([t("Hello")]))])),
        doc(json!([{"type": "paragraph"}])),
        doc(json!([{"type": "heading", "attrs": {"level": 3}, "content": [t("H")]}])),
        doc(
            json!([{"type": "bulletList", "content": [{"type": "listItem", "content": [p(json!([t("a")]))]}]}]),
        ),
        doc(
            json!([{"type": "orderedList", "attrs": {"order": 3}, "content": [{"type": "listItem", "content": [p(json!([t("a")])), {"type": "bulletList", "content": [{"type": "listItem", "content": [p(json!([t("b")]))]}]}]}]}]),
        ),
        doc(
            json!([{"type": "codeBlock", "attrs": {"language": "rust"}, "content": [t("fn x() {}")]}]),
        ),
        doc(json!([{"type": "codeBlock"}])),
        doc(json!([{"type": "blockquote", "content": [p(json!([t("q")]))]}])),
        doc(json!([{"type": "rule"}])),
        doc(
            json!([{"type": "panel", "attrs": {"panelType": "info"}, "content": [p(json!([t("i")]))]}]),
        ),
        doc(json!([p(
            json!([{"type": "text", "text": "b", "marks": [{"type": "strong"}, {"type": "em"}, {"type": "underline"}, {"type": "strike"}]}])
        )])),
        doc(json!([p(
            json!([{"type": "text", "text": "c", "marks": [{"type": "code"}, {"type": "link", "attrs": {"href": "https://x"}}]}])
        )])),
        doc(json!([p(
            json!([{"type": "text", "text": "c", "marks": [{"type": "textColor", "attrs": {"color": "#ff0000"}}, {"type": "subsup", "attrs": {"type": "sup"}}]}])
        )])),
        doc(json!([p(
            json!([{"type": "mention", "attrs": {"id": "abc", "text": "@A", "accessLevel": "", "userType": "DEFAULT"}}, {"type": "hardBreak"}, {"type": "emoji", "attrs": {"shortName": ":smile:"}}])
        )])),
        doc(json!([p(
            json!([{"type": "date", "attrs": {"timestamp": "1700000000000"}}, {"type": "status", "attrs": {"text": "OK", "color": "green"}}, {"type": "inlineCard", "attrs": {"url": "https://x"}}])
        )])),
        fake_jira::seed::rich_description("Fix it", &fake_jira::seed::users()[1], 7),
        doc(
            json!([{"type": "table", "attrs": {"isNumberColumnEnabled": false, "layout": "default"}, "content": [
            {"type": "tableRow", "content": [
                {"type": "tableHeader", "content": [p(json!([t("Name")]))]},
                {"type": "tableHeader", "attrs": {"colspan": 1}, "content": [p(json!([t("State")]))]}]},
            {"type": "tableRow", "content": [
                {"type": "tableCell", "content": [p(json!([t("jirad")]))]},
                {"type": "tableCell", "content": [{"type": "bulletList", "content": [{"type": "listItem", "content": [p(json!([t("ok")]))]}]}]}]}]}]),
        ),
        doc(
            json!([{"type": "taskList", "attrs": {"localId": "l1"}, "content": [
            {"type": "taskItem", "attrs": {"localId": "i1", "state": "DONE"}, "content": [t("done")]},
            {"type": "taskItem", "attrs": {"localId": "i2", "state": "TODO"}},
            {"type": "taskList", "attrs": {"localId": "l2"}, "content": [
                {"type": "taskItem", "attrs": {"localId": "i3", "state": "TODO"}, "content": [t("nested")]}]}]}]),
        ),
    ];
    let invalid = vec![
        json!("plain string"),
        json!({"type": "doc", "version": 2, "content": []}),
        json!({"type": "doc", "version": 1}),
        json!({"type": "doc", "version": 1, "content": [], "extra": 1}),
        json!({"type": "paragraph", "content": []}),
        doc(json!([p(json!([t("")]))])),
        doc(json!([p(json!([{"type": "text"}]))])),
        doc(json!([{"type": "heading", "content": [t("H")]}])),
        doc(json!([{"type": "heading", "attrs": {"level": 7}}])),
        doc(json!([{"type": "bulletList", "content": []}])),
        doc(json!([{"type": "bulletList", "content": [p(json!([t("x")]))]}])),
        doc(
            json!([{"type": "codeBlock", "content": [{"type": "text", "text": "x", "marks": [{"type": "strong"}]}]}]),
        ),
        doc(json!([p(
            json!([{"type": "text", "text": "c", "marks": [{"type": "code"}, {"type": "strong"}]}])
        )])),
        doc(json!([p(
            json!([{"type": "text", "text": "c", "marks": [{"type": "link", "attrs": {}}]}])
        )])),
        doc(json!([p(
            json!([{"type": "mention", "attrs": {"text": "@A"}}])
        )])),
        doc(json!([p(
            json!([{"type": "status", "attrs": {"text": "OK", "color": "pink"}}])
        )])),
        doc(json!([p(
            json!([{"type": "text", "text": "c", "marks": [{"type": "textColor", "attrs": {"color": "red"}}]}])
        )])),
        doc(
            json!([{"type": "panel", "attrs": {"panelType": "shout"}, "content": [p(json!([t("i")]))]}]),
        ),
        doc(json!([{"type": "nosuchnode"}])),
        doc(json!([{"type": "table", "content": []}])),
        doc(
            json!([{"type": "table", "content": [{"type": "tableCell", "content": [p(json!([t("x")]))]}]}]),
        ),
        doc(
            json!([{"type": "taskList", "content": [{"type": "taskItem", "attrs": {"localId": "i", "state": "TODO"}}]}]),
        ),
        doc(
            json!([{"type": "taskList", "attrs": {"localId": "l"}, "content": [{"type": "taskItem", "attrs": {"localId": "i", "state": "MAYBE"}}]}]),
        ),
        doc(json!([t("text at the top level")])),
    ];
    for s in &valid {
        assert!(
            v.is_valid(s),
            "official schema rejects a 'valid' sample: {s}"
        );
        assert!(
            fake_jira::adf::validate(s).is_ok(),
            "fake rejects a valid sample: {s}: {:?}",
            fake_jira::adf::validate(s)
        );
    }
    for s in &invalid {
        assert!(
            !v.is_valid(s),
            "official schema accepts an 'invalid' sample: {s}"
        );
        assert!(
            fake_jira::adf::validate(s).is_err(),
            "fake accepts an invalid sample: {s}"
        );
    }
}
