//! Atlassian Document Format (Jira Cloud rich text) ↔ Markdown, and what Markdown would lose.

mod build;
mod inline;
mod render;

#[allow(unused_imports)]
pub(crate) use build::{fit, merge_text};
pub use build::{markdown_to_adf, markdown_to_adf_within};

/// Block containers (lists, list items, quotes, tables, rows, cells) nest at most this deep in what
/// the converters build; deeper ones are flattened into the deepest allowed. Each level is two
/// JSON levels, so a document stays well inside the 128 that serde_json (and Jira's own parsers)
/// read back, and every walk over it stays shallow.
pub const MAX_BLOCK_NESTING: usize = 32;

/// Lists nest at most this deep: a list level is a list and its item, two block containers.
pub const MAX_LIST_NESTING: usize = MAX_BLOCK_NESTING / 2;

/// JSON levels a converted document stays within: two per block container, plus the document,
/// a paragraph, its text node and the node's marks and their attributes.
pub const MAX_DOCUMENT_DEPTH: usize = 2 * MAX_BLOCK_NESTING + 12;
pub use render::{adf_to_markdown, adf_to_markdown_within};

use serde_json::Value;

use super::budget::{Budget, Halt};

/// A node's children (none when it has no `content` array).
pub(crate) fn content(n: &Value) -> &[Value] {
    n["content"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// A node's `type` ("" when it has none).
pub(crate) fn kind(n: &Value) -> &str {
    n["type"].as_str().unwrap_or("")
}

/// Nodes and marks Markdown expresses; anything else in a document is lost by a Markdown round trip.
const EXPRESSIBLE: &[&str] = &[
    "doc",
    "paragraph",
    "text",
    "heading",
    "bulletList",
    "orderedList",
    "listItem",
    "taskList",
    "taskItem",
    "codeBlock",
    "blockquote",
    "rule",
    "hardBreak",
    "table",
    "tableRow",
    "tableHeader",
    "tableCell",
    "strong",
    "em",
    "strike",
    "code",
    "link",
];

/// The node and mark types of `doc` that Markdown cannot express (mentions, panels, media, status,
/// emoji, inline cards, underline, colours, …), sorted and without duplicates. Empty = lossless.
pub fn inexpressible(doc: &Value) -> Vec<String> {
    // An unlimited budget never halts.
    inexpressible_within(doc, &mut Budget::unlimited()).unwrap_or_default()
}

/// [`inexpressible`] spending `budget`: a unit per node.
pub fn inexpressible_within(doc: &Value, budget: &mut Budget) -> Result<Vec<String>, Halt> {
    let mut found = std::collections::BTreeSet::new();
    walk(doc, &mut found, budget)?;
    Ok(found.into_iter().collect())
}

fn walk(
    n: &Value,
    found: &mut std::collections::BTreeSet<String>,
    budget: &mut Budget,
) -> Result<(), Halt> {
    budget.spend(1)?;
    if let Some(t) = n["type"].as_str() {
        if !EXPRESSIBLE.contains(&t) {
            found.insert(t.to_string());
        }
    }
    for m in n["marks"].as_array().into_iter().flatten() {
        if let Some(t) = m["type"].as_str().filter(|t| !EXPRESSIBLE.contains(t)) {
            found.insert(t.to_string());
        }
    }
    n["content"]
        .as_array()
        .into_iter()
        .flatten()
        .try_for_each(|c| walk(c, found, budget))
}

/// Is this JSON an ADF document (as opposed to a Markdown string given where ADF was accepted)?
pub fn is_adf(v: &Value) -> bool {
    v["type"] == "doc" && v["content"].is_array()
}

/// A measure of `v`'s size for a conversion's [`Budget`]: a unit per value and per byte of its
/// strings and keys (its JSON text is at least this long), counted without recursion.
pub fn json_weight(v: &Value) -> usize {
    let mut weight = 0;
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        weight += 1;
        match v {
            Value::String(s) => weight += s.len(),
            Value::Array(a) => stack.extend(a),
            Value::Object(o) => {
                weight += o.keys().map(String::len).sum::<usize>();
                stack.extend(o.values());
            }
            _ => {}
        }
    }
    weight
}

/// How many levels of arrays and objects `v` nests (a scalar is 0), walked without recursion.
pub fn json_depth(v: &Value) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(v, 0)];
    while let Some((v, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match v {
            Value::Array(a) => Box::new(a.iter()),
            Value::Object(o) => Box::new(o.values()),
            _ => continue,
        };
        deepest = deepest.max(depth + 1);
        stack.extend(children.map(|c| (c, depth + 1)));
    }
    deepest
}

#[cfg(test)]
pub(crate) mod tests;
