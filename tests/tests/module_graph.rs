//! The modules of each crate depend on each other one way only: no two
//! sibling modules (the files of one directory) reach each other, directly
//! or around a circle. A dependency of `a/x.rs` on `b/y.rs` counts as one of
//! `a` on `b`, so a circle between directories shows as one between their
//! modules.
//!
//! This reads the sources: every `crate::...` and `super::...` path outside
//! comments and `#[cfg(test)]` modules.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module as its path of names below the crate root.
type Module = Vec<String>;

/// The sibling circles found in the crate at `src`, at directory depth
/// `max_depth` at most (0: the crate root's modules only).
fn circles(src: &Path, max_depth: usize) -> Vec<String> {
    let files = modules(src);
    let known: BTreeSet<Module> = files.keys().cloned().collect();
    // Edges between siblings, grouped by their parent.
    let mut edges: BTreeMap<Module, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for (module, path) in &files {
        let text = std::fs::read_to_string(path).unwrap();
        for target in references(&code_of(&text), module, &known) {
            let common = module
                .iter()
                .zip(&target)
                .take_while(|(a, b)| a == b)
                .count();
            if common == module.len() || common == target.len() || common > max_depth {
                // Within one module, or a module and its own ancestor.
                continue;
            }
            edges
                .entry(module[..common].to_vec())
                .or_default()
                .entry(module[common].clone())
                .or_default()
                .insert(target[common].clone());
        }
    }
    let mut found = Vec::new();
    for (parent, graph) in &edges {
        if let Some(circle) = find_circle(graph) {
            let place = if parent.is_empty() {
                "the crate root".to_owned()
            } else {
                parent.join("::")
            };
            found.push(format!("{}: {}", src.display(), place) + ": " + &circle.join(" -> "));
        }
    }
    found
}

/// Every module file of the crate, by module path (lib.rs and main.rs are
/// the root and left out: they only declare and re-export).
fn modules(src: &Path) -> BTreeMap<Module, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(src).unwrap();
            let mut module: Module = relative
                .iter()
                .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
                .collect();
            if module.last().is_some_and(|m| m == "mod") {
                module.pop();
            }
            if module.len() == 1 && (module[0] == "lib" || module[0] == "main") {
                continue;
            }
            // Files of binaries under src/bin are crates of their own.
            if module.first().is_some_and(|m| m == "bin") {
                continue;
            }
            out.insert(module, path);
        }
    }
    out
}

/// The code of a file without comments, string contents and its
/// `#[cfg(test)]` modules.
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod ") {
        Some(at) => &text[..at],
        None => text,
    };
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            '"' => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    if c == '"' && !escaped {
                        break;
                    }
                    escaped = c == '\\' && !escaped;
                }
                out.push_str("\"\"");
            }
            c => out.push(c),
        }
    }
    out
}

/// The modules that `code`, in `module`, refers to.
fn references(code: &str, module: &Module, known: &BTreeSet<Module>) -> Vec<Module> {
    let mut out = Vec::new();
    for (prefix, base) in [("crate::", Vec::new()), ("super::", parent_of(module))] {
        let mut rest = code;
        while let Some(at) = rest.find(prefix) {
            let before = rest[..at].chars().next_back();
            rest = &rest[at + prefix.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            for tail in paths(rest) {
                let mut full = base.clone();
                full.extend(tail);
                // The longest known module the path names.
                while !full.is_empty() && !known.contains(&full) {
                    full.pop();
                }
                if !full.is_empty() {
                    out.push(full);
                }
            }
        }
    }
    out
}

/// The module that `super` names in `module`.
fn parent_of(module: &Module) -> Module {
    // A file `a/b.rs` is module a::b, whose parent is a; `a/mod.rs` is
    // module a, whose parent is the root.
    module[..module.len().saturating_sub(1)].to_vec()
}

/// The paths at the start of `rest` (after `crate::`): one, or each of a
/// `{a, b::c}` group's, each as its names.
fn paths(rest: &str) -> Vec<Vec<String>> {
    let mut names = Vec::new();
    let mut s = rest;
    loop {
        let name: String = s
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() {
            break;
        }
        s = &s[name.len()..];
        names.push(name);
        match s.strip_prefix("::") {
            Some(after) => s = after,
            None => return vec![names],
        }
    }
    let Some(group) = s.strip_prefix('{') else {
        return vec![names];
    };
    // The items of the group, split at its top-level commas.
    let mut items = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                items.push(&group[start..i]);
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&group[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for item in items {
        for tail in paths(item.trim_start()) {
            let mut full = names.clone();
            full.extend(tail);
            out.push(full);
        }
    }
    out
}

/// One circle in a directed graph, if there is any.
fn find_circle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut circle = path[at..].to_vec();
            circle.push(node.to_owned());
            return Some(circle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(circle) = visit(next, graph, done, path) {
                return Some(circle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut done, &mut Vec::new()))
}

fn src(krate: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(krate)
        .join("src")
}

#[test]
fn crdt_core_modules_have_no_circles() {
    let found = circles(&src("crdt-core"), usize::MAX);
    assert!(found.is_empty(), "import circles:\n{}", found.join("\n"));
}

#[test]
fn server_modules_have_no_circles() {
    let found = circles(&src("server"), 0);
    assert!(found.is_empty(), "import circles:\n{}", found.join("\n"));
}

#[test]
fn the_check_finds_a_circle() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write("lib.rs", "mod a;\nmod b;\nmod c;\n");
    write("a.rs", "use crate::b::Thing;\n");
    write(
        "b.rs",
        "// use crate::a; (a comment)\nuse crate::{c::{self, More}};\n",
    );
    write("c.rs", "pub fn f() { crate::a::g() }\n");
    let found = circles(dir.path(), 0);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].ends_with("a -> b -> c -> a"), "{found:?}");
    // Without the edge from c back to a, nothing.
    write(
        "c.rs",
        "pub fn f() {}\n#[cfg(test)]\nmod tests { use crate::a; }\n",
    );
    assert!(circles(dir.path(), 0).is_empty());
}
