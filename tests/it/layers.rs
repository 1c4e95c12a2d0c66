//! The layering, checked from the source rather than by eye: which top-level modules may use
//! which, no cycle between them, and no cycle between the files of any one of them (a file may use
//! its own folder's `mod.rs`, which declares it).
//! A use is any `crate::a::b` or `super::b` path; a path ending in a name re-exported by a
//! `mod.rs` (`pub use file::Name`) counts as a use of that file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Module = Vec<String>;

/// Every module of `src/` by path (`["service", "session"]`), with its source.
fn modules() -> BTreeMap<Module, String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("src is readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files
        .into_iter()
        .map(|path| {
            let rel = path.strip_prefix(&root).expect("under src");
            let mut module: Module = rel
                .with_extension("")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(
                module.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                module.pop();
            }
            let text = std::fs::read_to_string(&path).expect("source is readable");
            (module, text)
        })
        .collect()
}

/// `use file::{A, B}` re-exports of each `mod.rs`: (parent module, name) → the file defining it.
fn reexports(modules: &BTreeMap<Module, String>) -> BTreeMap<(Module, String), Module> {
    let mut out = BTreeMap::new();
    for (module, text) in modules {
        for line in text.lines().map(str::trim) {
            let Some(rest) = line.strip_prefix("pub use ") else {
                continue;
            };
            let Some((file, names)) = rest.split_once("::") else {
                continue;
            };
            let mut child = module.clone();
            child.push(file.to_owned());
            if !modules.contains_key(&child) {
                continue;
            }
            let names = names
                .trim_end_matches(';')
                .trim_matches(|c| c == '{' || c == '}');
            for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                out.insert((module.clone(), name.to_owned()), child.clone());
            }
        }
    }
    out
}

/// The modules each module uses (itself and its ancestors excluded).
fn uses(modules: &BTreeMap<Module, String>) -> BTreeMap<Module, BTreeSet<Module>> {
    let reexported = reexports(modules);
    let mut graph: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (module, text) in modules {
        let code: String = text
            .lines()
            .map(|l| l.split("//").next().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n");
        for (at, _) in code
            .match_indices("crate::")
            .chain(code.match_indices("super::"))
        {
            let path: Vec<&str> = code[at..]
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .next()
                .unwrap_or_default()
                .split("::")
                .filter(|s| !s.is_empty())
                .collect();
            let mut target: Module = Vec::new();
            let mut rest = &path[..];
            if rest.first() == Some(&"crate") {
                rest = &rest[1..];
            } else {
                // A `mod.rs` is named by its directory, so `super` is one level up for every file.
                target = module.clone();
                target.pop();
                rest = &rest[1..];
                while rest.first() == Some(&"super") {
                    target.pop();
                    rest = &rest[1..];
                }
            }
            for segment in rest {
                let mut next = target.clone();
                next.push((*segment).to_owned());
                if modules.contains_key(&next) {
                    target = next;
                } else {
                    if let Some(file) = reexported.get(&(target.clone(), (*segment).to_owned())) {
                        target = file.clone();
                    }
                    break;
                }
            }
            if target != *module && !module.starts_with(&target) {
                graph.entry(module.clone()).or_default().insert(target);
            }
        }
    }
    graph
}

/// A cycle in `graph`, if there is one.
fn cycle(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Option<Vec<Module>> {
    fn visit(
        at: &Module,
        graph: &BTreeMap<Module, BTreeSet<Module>>,
        path: &mut Vec<Module>,
        done: &mut BTreeSet<Module>,
    ) -> Option<Vec<Module>> {
        if let Some(i) = path.iter().position(|m| m == at) {
            return Some(path[i..].to_vec());
        }
        if !done.insert(at.clone()) {
            return None;
        }
        path.push(at.clone());
        for next in graph.get(at).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|m| visit(m, graph, &mut Vec::new(), &mut done))
}

fn top(m: &Module) -> &str {
    m.first().map_or("", String::as_str)
}

#[test]
fn layers_depend_one_way_and_nothing_imports_in_a_cycle() {
    let modules = modules();
    let graph = uses(&modules);

    // What each layer must never use: the layers above it.
    let forbidden: &[(&[&str], &[&str])] = &[
        (
            &["auth", "cache", "jira", "breaker", "heap", "failpoint"],
            &[
                "rpc",
                "api",
                "service",
                "cli",
                "mcp",
                "lsp",
                "daemon_client",
                "config",
            ],
        ),
        (
            &["rpc"],
            &[
                "api",
                "service",
                "auth",
                "cache",
                "jira",
                "cli",
                "mcp",
                "lsp",
                "daemon_client",
            ],
        ),
        (
            &["config"],
            &["api", "service", "cli", "mcp", "lsp", "daemon_client"],
        ),
        (&["service"], &["api", "cli", "mcp", "lsp", "daemon_client"]),
        (&["api"], &["cli", "mcp", "lsp", "daemon_client"]),
        // The faces are clients of the daemon: never of its handlers, nor of each other.
        (&["lsp"], &["api", "service", "mcp"]),
        (&["mcp"], &["lsp"]),
    ];
    let mut wrong = Vec::new();
    for (from, to) in &graph {
        for target in to {
            for (layers, above) in forbidden {
                if layers.contains(&top(from)) && above.contains(&top(target)) {
                    wrong.push(format!("{} uses {}", from.join("::"), target.join("::")));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "uses against the layering:\n{}",
        wrong.join("\n")
    );

    let mut tops: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (from, to) in &graph {
        for target in to.iter().filter(|t| top(t) != top(from)) {
            tops.entry(vec![top(from).to_owned()])
                .or_default()
                .insert(vec![top(target).to_owned()]);
        }
    }
    assert_eq!(
        cycle(&tops),
        None,
        "top-level modules use each other in a cycle"
    );

    let layers: BTreeSet<&str> = graph.keys().filter(|m| m.len() > 1).map(top).collect();
    let cycles: Vec<String> = layers
        .into_iter()
        .filter_map(|layer| {
            let files: BTreeMap<Module, BTreeSet<Module>> = graph
                .iter()
                .filter(|(m, _)| top(m) == layer)
                .map(|(m, to)| {
                    let inside = to.iter().filter(|t| top(t) == layer).cloned().collect();
                    (m.clone(), inside)
                })
                .collect();
            cycle(&files).map(|c| {
                let names: Vec<String> = c.iter().map(|m| m.join("::")).collect();
                names.join(" -> ")
            })
        })
        .collect();
    assert!(
        cycles.is_empty(),
        "files use each other in a cycle:\n{}",
        cycles.join("\n")
    );
}

/// The check above finds what it is meant to find.
#[test]
fn the_layer_check_sees_a_cycle_and_a_reexport() {
    let a = vec!["a".to_owned()];
    let b = vec!["b".to_owned()];
    let graph = BTreeMap::from([
        (a.clone(), BTreeSet::from([b.clone()])),
        (b.clone(), BTreeSet::from([a.clone()])),
    ]);
    assert!(cycle(&graph).is_some());
    let modules = modules();
    let graph = uses(&modules);
    let handler = vec!["api".to_owned(), "issues".to_owned()];
    let state = vec!["service".to_owned(), "state".to_owned()];
    assert!(
        graph[&handler].contains(&state),
        "api/issues.rs uses AppState from service/state.rs"
    );
}
