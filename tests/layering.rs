//! The compiler's layers point one way (docs/architecture.md): a module may use
//! the modules below it and never one above, so the data path reads top to
//! bottom and a change cannot add a back edge quietly. This test reads every
//! `crate::` path in the library's code (tests inside modules left out) and
//! fails on any that goes up or sideways.

use std::collections::BTreeMap;
use std::path::Path;

/// The layers, bottom first. Modules in one layer do not use each other.
const LAYERS: &[&[&str]] = &[
    &["exact", "span", "stack"],
    &["vocab"],
    &["diagnostics"],
    &["syntax"],
    &["load", "fmt"],
    &["sema"],
    &["lint", "ir"],
    &["backend"],
    &["eval"],
    &["report"],
    // The pipeline of lib.rs (`check`, `lower`, `run`, `evaluate`, `Checked`)
    // sits here: only the layers above it call it.
    &["project"],
    &["cli"],
];

/// The lowest layer that may use the crate root's pipeline.
const PIPELINE_USERS: &str = "project";

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// The module a source file belongs to: `src/eval/mod.rs` and
/// `src/eval/scorecard.rs` to `eval`; `None` for lib.rs and main.rs.
fn module_of(path: &Path) -> Option<String> {
    let rel = path.strip_prefix("src").ok()?;
    let first = rel.components().next()?.as_os_str().to_string_lossy().into_owned();
    let name = first.trim_end_matches(".rs").to_string();
    (name != "lib" && name != "main").then_some(name)
}

/// The code of a file without its `#[cfg(test)]` modules and comments.
fn code(text: &str) -> String {
    let without_tests = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    without_tests.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// Every `crate::NAME` a piece of code uses, with `use crate::{a, b}` lists.
fn uses(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(list) = rest.strip_prefix('{') {
            let end = list.find('}').unwrap_or(list.len());
            for item in list[..end].split(',') {
                let name: String = item.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if !name.is_empty() {
                    out.push(name);
                }
            }
            continue;
        }
        let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        out.push(name);
    }
    out
}

fn files() -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![Path::new("src").to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_import_points_down() {
    let mut edges: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let mut modules = std::collections::BTreeSet::new();
    for path in files() {
        let Some(from) = module_of(&path) else { continue };
        modules.insert(from.clone());
        for to in uses(&code(&std::fs::read_to_string(&path).unwrap())) {
            if to != from {
                edges.entry((from.clone(), to)).or_default().push(path.display().to_string());
            }
        }
    }
    for m in &modules {
        assert!(layer(m).is_some(), "module `{m}` is in no layer of tests/layering.rs: add it where it belongs");
    }
    let pipeline = layer(PIPELINE_USERS).unwrap();
    let mut wrong = Vec::new();
    for ((from, to), files) in &edges {
        let here = layer(from).unwrap();
        let ok = match layer(to) {
            Some(there) => there < here,
            // An item of the crate root: the pipeline.
            None => here >= pipeline,
        };
        if !ok {
            wrong.push(format!("{from} uses crate::{to} ({})", files.join(", ")));
        }
    }
    assert!(wrong.is_empty(), "imports against the layering:\n{}", wrong.join("\n"));
    // The test reads what it should: a few edges every build has.
    for edge in [("eval", "ir"), ("ir", "sema"), ("sema", "syntax"), ("backend", "ir"), ("cli", "eval")] {
        assert!(edges.contains_key(&(edge.0.to_string(), edge.1.to_string())), "no edge {edge:?}: the scan is broken");
    }
}

#[test]
fn lib_rs_holds_stages_and_no_helpers() {
    let lib = code(&std::fs::read_to_string("src/lib.rs").unwrap());
    let functions: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("pub fn "))
        .map(|l| l.split('(').next().unwrap())
        .collect();
    assert_eq!(
        functions,
        ["has_errors", "parse", "check", "check_spec", "check_text", "lower", "run", "evaluate", "run_and_evaluate"]
    );
    assert!(!lib.contains("pub(crate) fn"), "lib.rs holds a helper: move it to the module it serves");
}

#[test]
fn the_scanner_sees_lists_and_paths() {
    assert_eq!(uses("use crate::{eval::Status, ir};\nlet x = crate::vocab::Grain::Day;"), ["eval", "ir", "vocab"]);
    assert_eq!(module_of(Path::new("src/eval/scorecard.rs")).as_deref(), Some("eval"));
    assert_eq!(module_of(Path::new("src/exact.rs")).as_deref(), Some("exact"));
    assert_eq!(module_of(Path::new("src/lib.rs")), None);
}
