//! `cargo xtask tidy`: checks that keep the tree honest.
//!
//! - every Rust file opens with a `//!` module doc;
//! - no `dbg!`, `todo!` or `unimplemented!` left in code;
//! - the dependency arrows point down only (as `docs/architecture.md` says);
//! - no new import cycle between the modules of a crate ([`cycles`]).

use std::path::{Path, PathBuf};

use anyhow::bail;

use crate::shell;

mod cycles;

/// Folders whose Rust files are checked.
const SOURCE_ROOTS: &[&str] = &["crates", "xtask", "benches", "tests-integration"];

/// For each package, packages that must not appear among its normal dependencies.
const FORBIDDEN: &[(&str, &[&str])] = &[
    (
        "alloy-actors",
        &[
            "tokio",
            "mio",
            "worker",
            "wasm-bindgen",
            "barewire",
            "olivier-runtime",
            "conclave-runtime",
        ],
    ),
    (
        "barewire",
        &["alloy-actors", "olivier-runtime", "conclave-runtime"],
    ),
    (
        "alloy-counter",
        &[
            "tokio",
            "worker",
            "barewire",
            "olivier-runtime",
            "conclave-runtime",
        ],
    ),
    (
        "alloy-reminder",
        &[
            "tokio",
            "worker",
            "barewire",
            "olivier-runtime",
            "conclave-runtime",
        ],
    ),
    (
        "alloy-team",
        &[
            "tokio",
            "worker",
            "barewire",
            "olivier-runtime",
            "conclave-runtime",
        ],
    ),
    ("olivier-runtime", &["worker", "conclave-runtime"]),
    (
        "olivier-node",
        &["worker", "wasm-bindgen", "conclave-runtime"],
    ),
    (
        "conclave-runtime",
        &[
            "olivier-runtime",
            "alloy-counter",
            "alloy-reminder",
            "alloy-team",
        ],
    ),
];

/// Runs every check and reports all problems at once.
pub(crate) fn run() -> anyhow::Result<()> {
    shell::step("tidy: module docs, leftover macros, dependency arrows, import cycles");
    let root = shell::root();
    let mut problems = Vec::new();
    for folder in SOURCE_ROOTS {
        let mut files = Vec::new();
        collect_rust_files(&root.join(folder), &mut files);
        for file in files {
            check_file(&root, &file, &mut problems);
        }
    }
    for (package, forbidden) in FORBIDDEN {
        check_arrows(package, forbidden, &mut problems)?;
    }
    cycles::check(&root, &mut problems)?;
    if problems.is_empty() {
        eprintln!("    tidy: all clear");
        return Ok(());
    }
    for problem in &problems {
        eprintln!("    {problem}");
    }
    bail!("tidy found {} problem(s)", problems.len())
}

fn collect_rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path.is_dir() {
            if !matches!(
                name.as_ref(),
                "target" | "node_modules" | "corpus" | "artifacts" | "build"
            ) {
                collect_rust_files(&path, files);
            }
        } else if name.ends_with(".rs") {
            files.push(path);
        }
    }
}

fn check_file(root: &Path, file: &Path, problems: &mut Vec<String>) {
    let shown = file
        .strip_prefix(root)
        .unwrap_or(file)
        .display()
        .to_string();
    let Ok(text) = std::fs::read_to_string(file) else {
        problems.push(format!("{shown}: not readable as UTF-8"));
        return;
    };
    let first = text.lines().find(|line| !line.trim().is_empty());
    if !first.is_some_and(|line| line.starts_with("//!")) {
        problems.push(format!("{shown}: does not open with a `//!` module doc"));
    }
    for (number, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        for name in ["dbg", "todo", "unimplemented"] {
            let banned = format!("{name}!(");
            if code.contains(&banned) {
                problems.push(format!("{shown}:{}: leftover `{banned}`", number + 1));
            }
        }
    }
}

fn check_arrows(
    package: &str,
    forbidden: &[&str],
    problems: &mut Vec<String>,
) -> anyhow::Result<()> {
    let tree = shell::output(shell::cargo().args([
        "tree",
        "--quiet",
        "--package",
        package,
        "--edges",
        "normal",
        "--target",
        "all",
        "--prefix",
        "none",
        "--format",
        "{p}",
    ]))?;
    let names: Vec<&str> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    for bad in forbidden {
        if names.contains(bad) {
            problems.push(format!(
                "{package} depends on {bad}: the dependency arrows must point down only"
            ));
        }
    }
    Ok(())
}
