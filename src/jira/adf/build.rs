//! Markdown → ADF: pulldown-cmark events folded into ADF nodes, then fitted to what the schema lets each
//! container hold (e.g. a heading inside a list item becomes a paragraph).

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use serde_json::{json, Map, Value};

use super::MAX_BLOCK_NESTING;
use crate::jira::budget::{Budget, Halt};

/// Markdown features the converter understands.
pub(crate) fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

struct Frame {
    kind: &'static str,
    attrs: Option<Value>,
    children: Vec<Value>,
    /// A paragraph we opened for loose inline content (tight list items, table cells).
    implicit: bool,
    /// For list items: `Some(checked)` after a task marker.
    task: Option<bool>,
}

impl Frame {
    fn new(kind: &'static str, attrs: Option<Value>) -> Self {
        Self {
            kind,
            attrs,
            children: Vec::new(),
            implicit: false,
            task: None,
        }
    }
}

struct Builder {
    stack: Vec<Frame>,
    /// Per `Start` event still open: whether it pushed a frame (false when nesting was flattened).
    opened: Vec<bool>,
    /// How many block containers were flattened and are still open.
    flattened: usize,
    /// Open effect and link marks, outermost first, each kind once (ADF allows no repeats).
    marks: Vec<Value>,
    /// Per `Start` of a mark: whether it added to `marks` (false for a repeat of an open kind).
    mark_added: Vec<bool>,
    in_head: bool,
    tasks: usize,
}

/// Converts Markdown to an ADF `doc` that validates against the official schema.
pub fn markdown_to_adf(md: &str) -> Value {
    // An unlimited budget never halts.
    markdown_to_adf_within(md, &mut Budget::unlimited()).unwrap_or_default()
}

/// [`markdown_to_adf`] spending `budget`: a unit per parser event and per byte of its text (the
/// parser's own work between events is pulldown-cmark's, measured by `benches/convert.rs`).
pub fn markdown_to_adf_within(md: &str, budget: &mut Budget) -> Result<Value, Halt> {
    let mut b = Builder {
        stack: vec![Frame::new("doc", None)],
        opened: Vec::new(),
        flattened: 0,
        marks: Vec::new(),
        mark_added: Vec::new(),
        in_head: false,
        tasks: 0,
    };
    for ev in Parser::new_ext(md, options()) {
        budget.spend(1 + event_len(&ev))?;
        b.event(ev);
    }
    while b.stack.len() > 1 {
        b.close();
    }
    let doc = b
        .stack
        .pop()
        .map(|f| fit("doc", f.children))
        .unwrap_or_default();
    Ok(json!({"type": "doc", "version": 1, "content": doc}))
}

/// The bytes of text an event carries.
fn event_len(ev: &Event<'_>) -> usize {
    match ev {
        Event::Text(t)
        | Event::Html(t)
        | Event::InlineHtml(t)
        | Event::InlineMath(t)
        | Event::DisplayMath(t)
        | Event::Code(t)
        | Event::FootnoteReference(t) => t.len(),
        _ => 0,
    }
}

fn is_inline_container(kind: &str) -> bool {
    matches!(kind, "paragraph" | "heading" | "codeBlock" | "image")
}

impl Builder {
    fn top(&mut self) -> &mut Frame {
        let last = self.stack.len() - 1; // never empty: "doc" stays at the bottom
        &mut self.stack[last]
    }

    /// Opens the frame of a `Start` event, or flattens it when block containers are nested too
    /// deep: its content then joins the deepest container allowed, which holds paragraphs.
    fn open(&mut self, kind: &'static str, attrs: Option<Value>) {
        if self.top().implicit {
            self.close();
        }
        let container = !matches!(kind, "paragraph" | "heading" | "codeBlock" | "rule");
        let starts_nesting = matches!(kind, "bulletList" | "orderedList" | "blockquote" | "table");
        if container
            && (self.flattened > 0 || starts_nesting && self.stack.len() >= MAX_BLOCK_NESTING)
        {
            self.flattened += 1;
            self.opened.push(false);
            return;
        }
        self.opened.push(true);
        self.stack.push(Frame::new(kind, attrs));
    }

    /// Closes what the matching `Start` opened.
    fn end_block(&mut self) {
        if self.top().implicit {
            self.close();
        }
        match self.opened.pop() {
            Some(false) => self.flattened -= 1,
            _ => self.close(),
        }
    }

    fn push_mark(&mut self, mark: Value) {
        let repeat = self.marks.iter().any(|m| m["type"] == mark["type"]);
        self.mark_added.push(!repeat);
        if !repeat {
            self.marks.push(mark);
        }
    }

    fn pop_mark(&mut self) {
        if self.mark_added.pop() == Some(true) {
            self.marks.pop();
        }
    }

    fn inline(&mut self, node: Value) {
        if !is_inline_container(self.top().kind) {
            let mut paragraph = Frame::new("paragraph", None);
            paragraph.implicit = true;
            self.stack.push(paragraph);
        }
        self.top().children.push(node);
    }

    fn text(&mut self, text: &str, code: bool) {
        if text.is_empty() {
            return;
        }
        if self.top().kind == "codeBlock" || self.top().kind == "image" {
            self.top()
                .children
                .push(json!({"type": "text", "text": text}));
            return;
        }
        let marks: Vec<Value> = if code {
            // The schema lets `code` combine only with `link`.
            std::iter::once(json!({"type": "code"}))
                .chain(self.marks.iter().filter(|m| m["type"] == "link").cloned())
                .collect()
        } else {
            self.marks.clone()
        };
        // Joined to the text before it when the marks match: a node per event costs hundreds of
        // bytes, and pulldown-cmark sends a run of `[` or `*` as one event per character.
        if is_inline_container(self.top().kind) {
            if let Some(Value::Object(prev)) = self.top().children.last_mut() {
                let same_marks = match prev.get("marks") {
                    None => marks.is_empty(),
                    Some(m) => m.as_array() == Some(&marks),
                };
                if same_marks && prev.get("type").and_then(Value::as_str) == Some("text") {
                    if let Some(Value::String(before)) = prev.get_mut("text") {
                        before.push_str(text);
                        return;
                    }
                }
            }
        }
        let mut node = json!({"type": "text", "text": text});
        if !marks.is_empty() {
            node["marks"] = Value::Array(marks);
        }
        self.inline(node);
    }

    fn event(&mut self, ev: Event<'_>) {
        match ev {
            Event::Start(tag) => self.start(tag),
            Event::End(end) => self.end(end),
            Event::Text(t)
            | Event::Html(t)
            | Event::InlineHtml(t)
            | Event::InlineMath(t)
            | Event::DisplayMath(t) => self.text(&t, false),
            Event::Code(t) => self.text(&t, true),
            Event::FootnoteReference(t) => self.text(&format!("[^{t}]"), false),
            Event::SoftBreak => self.text(" ", false),
            Event::HardBreak => self.inline(json!({"type": "hardBreak"})),
            Event::Rule => {
                self.open("rule", None);
                self.end_block();
            }
            Event::TaskListMarker(done) => {
                if let Some(item) = self.stack.iter_mut().rev().find(|f| f.kind == "listItem") {
                    item.task = Some(done);
                }
            }
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph => self.open("paragraph", None),
            Tag::Heading { level, .. } => self.open("heading", Some(json!({"level": level as u8}))),
            Tag::BlockQuote(_) => self.open("blockquote", None),
            Tag::CodeBlock(kind) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().unwrap_or("").to_string()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                self.open(
                    "codeBlock",
                    (!lang.is_empty()).then(|| json!({"language": lang})),
                );
            }
            Tag::List(Some(start)) => {
                self.open("orderedList", (start != 1).then(|| json!({"order": start})))
            }
            Tag::List(None) => self.open("bulletList", None),
            Tag::Item => self.open("listItem", None),
            Tag::Table(_) => self.open("table", None),
            Tag::TableHead => {
                self.in_head = true;
                self.open("tableRow", None);
            }
            Tag::TableRow => self.open("tableRow", None),
            Tag::TableCell => self.open(
                if self.in_head {
                    "tableHeader"
                } else {
                    "tableCell"
                },
                None,
            ),
            Tag::Emphasis => self.push_mark(json!({"type": "em"})),
            Tag::Strong => self.push_mark(json!({"type": "strong"})),
            Tag::Strikethrough => self.push_mark(json!({"type": "strike"})),
            Tag::Link {
                dest_url, title, ..
            } => {
                let mut attrs = json!({"href": dest_url.to_string()});
                if !title.is_empty() {
                    attrs["title"] = json!(title.to_string());
                }
                self.push_mark(json!({"type": "link", "attrs": attrs}));
            }
            Tag::Image { dest_url, .. } => {
                // ADF media needs an upload; an image becomes a link to it, named by its alt text.
                self.push_mark(json!({"type": "link", "attrs": {"href": dest_url.to_string()}}));
                self.stack.push(Frame::new("image", None));
            }
            _ => self.open("paragraph", None),
        }
    }

    fn end(&mut self, end: TagEnd) {
        match end {
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough | TagEnd::Link => {
                self.pop_mark();
            }
            TagEnd::Image => {
                let frame = self.stack.pop();
                let alt: String = frame
                    .iter()
                    .flat_map(|f| &f.children)
                    .filter_map(|c| c["text"].as_str())
                    .collect();
                let href = self
                    .marks
                    .last()
                    .and_then(|m| m["attrs"]["href"].as_str())
                    .unwrap_or("")
                    .to_string();
                self.text(if alt.is_empty() { &href } else { &alt }, false);
                self.pop_mark();
            }
            TagEnd::TableHead => {
                self.end_block();
                self.in_head = false;
            }
            TagEnd::Superscript | TagEnd::Subscript => {}
            _ => self.end_block(),
        }
    }

    /// Pops the top frame into a node and appends it to its parent.
    fn close(&mut self) {
        if self.stack.len() <= 1 {
            return;
        }
        let Some(f) = self.stack.pop() else { return };
        let mut node = Map::new();
        node.insert("type".into(), json!(f.kind));
        if let Some(a) = f.attrs {
            node.insert("attrs".into(), a);
        }
        let content = match f.kind {
            "codeBlock" => code_text(&f.children),
            "paragraph" | "heading" => merge_text(f.children),
            "rule" => vec![],
            "bulletList" | "orderedList" => {
                let is_task = f.kind == "bulletList"
                    && f.children
                        .iter()
                        .all(|c| c["task"].is_boolean() && task_shaped(c));
                if is_task {
                    return self.push_task_list(f.children);
                }
                f.children.into_iter().map(untask).collect()
            }
            kind => fit(kind, f.children),
        };
        if f.kind == "listItem" {
            if let Some(done) = f.task {
                node.insert("task".into(), json!(done));
            }
        }
        if !content.is_empty() || !matches!(f.kind, "rule" | "paragraph" | "heading" | "codeBlock")
        {
            node.insert("content".into(), Value::Array(content));
        }
        self.top().children.push(Value::Object(node));
    }

    fn push_task_list(&mut self, items: Vec<Value>) {
        let list = self.task_list(items);
        self.top().children.push(list);
    }

    /// A list whose items are all `[ ]`/`[x]` tasks: items become `taskItem`s, nested task lists follow them.
    fn task_list(&mut self, items: Vec<Value>) -> Value {
        self.tasks += 1;
        let id = format!("task-{}", self.tasks);
        let mut content = Vec::new();
        for item in items {
            let state = if item["task"] == json!(true) {
                "DONE"
            } else {
                "TODO"
            };
            let mut children = match item.get("content") {
                Some(Value::Array(c)) => c.clone(),
                _ => vec![],
            };
            let nested: Vec<Value> = children.split_off(children.len().min(1));
            self.tasks += 1;
            let mut task = json!({"type": "taskItem", "attrs": {"localId": format!("task-{}", self.tasks), "state": state}});
            if let Some(inline) = children.first().and_then(|p| p.get("content")) {
                task["content"] = inline.clone();
            }
            content.push(task);
            content.extend(nested);
        }
        json!({"type": "taskList", "attrs": {"localId": id}, "content": content})
    }
}

/// A task item that ADF can hold: one paragraph, then only nested task lists.
fn task_shaped(item: &Value) -> bool {
    let c = item["content"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    c.first().is_none_or(|p| p["type"] == "paragraph")
        && c.iter().skip(1).all(|n| n["type"] == "taskList")
}

/// A list item that can't be a task item keeps its marker as text (`[ ] `), so nothing is lost.
fn untask(mut item: Value) -> Value {
    let Some(done) = item.get("task").and_then(Value::as_bool) else {
        return item;
    };
    if let Some(obj) = item.as_object_mut() {
        obj.remove("task");
    }
    let marker = json!({"type": "text", "text": if done { "[x] " } else { "[ ] " }});
    match item["content"].get_mut(0) {
        Some(p) if p["type"] == "paragraph" => {
            let inline = p["content"].as_array().cloned().unwrap_or_default();
            p["content"] =
                Value::Array(merge_text(std::iter::once(marker).chain(inline).collect()));
        }
        _ => {
            if let Some(c) = item["content"].as_array_mut() {
                c.insert(0, json!({"type": "paragraph", "content": [marker]}));
            }
        }
    }
    item
}

fn code_text(children: &[Value]) -> Vec<Value> {
    let text: String = children.iter().filter_map(|c| c["text"].as_str()).collect();
    let text = text.strip_suffix('\n').unwrap_or(&text);
    if text.is_empty() {
        vec![]
    } else {
        vec![json!({"type": "text", "text": text})]
    }
}

/// Joins neighbouring text nodes that carry the same marks (soft breaks arrive as separate events).
pub(crate) fn merge_text(nodes: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::with_capacity(nodes.len());
    for n in nodes {
        if let Some(prev) = out.last_mut() {
            if prev["type"] == "text" && n["type"] == "text" && prev.get("marks") == n.get("marks")
            {
                // Appended in place: rebuilding the text per merge is quadratic in a run of events.
                if let (Some(Value::String(text)), Some(more)) =
                    (prev.get_mut("text"), n["text"].as_str())
                {
                    text.push_str(more);
                }
                continue;
            }
        }
        if n["type"] != "text" || n["text"].as_str().is_some_and(|t| !t.is_empty()) {
            out.push(n);
        }
    }
    out
}

/// Block children a container may hold, per the ADF schema.
fn allowed(container: &str, child: &str) -> bool {
    const LIST: &[&str] = &[
        "paragraph",
        "bulletList",
        "orderedList",
        "taskList",
        "codeBlock",
    ];
    match container {
        "doc" => true,
        "listItem" => LIST.contains(&child),
        "blockquote" => matches!(
            child,
            "paragraph" | "bulletList" | "orderedList" | "codeBlock"
        ),
        "tableCell" | "tableHeader" => child != "table",
        "table" => child == "tableRow",
        "tableRow" => matches!(child, "tableCell" | "tableHeader"),
        _ => true,
    }
}

/// Fits children to their container, degrading what it can't hold, and never leaves a required list empty.
pub(crate) fn fit(container: &str, children: Vec<Value>) -> Vec<Value> {
    let mut out = Vec::new();
    for c in children {
        let kind = c["type"].as_str().unwrap_or("").to_string();
        if allowed(container, &kind) {
            out.push(c);
        } else {
            out.extend(fit(container, degrade(c)));
        }
    }
    if out.is_empty()
        && matches!(
            container,
            "listItem" | "blockquote" | "tableCell" | "tableHeader"
        )
    {
        out.push(json!({"type": "paragraph"}));
    }
    out
}

/// A simpler form of a block its container can't hold.
fn degrade(node: Value) -> Vec<Value> {
    let content = node["content"].as_array().cloned().unwrap_or_default();
    match node["type"].as_str().unwrap_or("") {
        "heading" => vec![json!({"type": "paragraph", "content": content})],
        "taskList" => {
            let items: Vec<Value> = content
                .into_iter()
                .map(|t| {
                    let done = t["attrs"]["state"] == "DONE";
                    let mut item = json!({"type": "listItem", "task": done, "content": [{"type": "paragraph", "content": t["content"].clone()}]});
                    if t["type"] == "taskList" {
                        item["content"] = json!([{"type": "bulletList", "content": degrade(t)[0]["content"].clone()}]);
                        item.as_object_mut().map(|o| o.remove("task"));
                    }
                    untask(item)
                })
                .collect();
            vec![json!({"type": "bulletList", "content": items})]
        }
        "table" => content
            .iter()
            .map(|row| {
                let cells = row["content"]
                    .as_array()
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                let mut inline = Vec::new();
                for (i, cell) in cells.iter().enumerate() {
                    if i > 0 {
                        inline.push(json!({"type": "text", "text": " | "}));
                    }
                    for p in cell["content"].as_array().into_iter().flatten() {
                        inline.extend(p["content"].as_array().cloned().unwrap_or_default());
                    }
                }
                json!({"type": "paragraph", "content": merge_text(inline)})
            })
            .collect(),
        "rule" => vec![],
        _ => content,
    }
}
