//! Import cycles between the modules of a crate, against a baseline.
//!
//! A module is a file (`foo.rs` with its children in `foo/`; `lib.rs` is
//! the root, `lib`). Its arrows are the crate-internal modules its `use`
//! declarations and code paths name (`crate::…`, `super::…`, `self::…`, a
//! child module, or a name it imported), an item re-exported by a `use`
//! followed to the module that defines it. Comments, literals,
//! `#[cfg(test)]` items and test files (`tests.rs`, `tests/`) don't count.
//!
//! The strongly connected components of that graph are the cycles. Each
//! must fit inside a cycle of the crate's baseline in `known_cycles.txt`:
//! a new module in a known cycle, or a new cycle, fails; a baseline that
//! could shrink is a note.

mod graph;
mod parse;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::Context;

use graph::Graph;
use parse::{Import, Names};

/// The crates checked, by folder; a crate without a section in
/// `known_cycles.txt` may have no cycle at all.
pub(crate) const CRATES: &[&str] = &[
    "crates/olivier-runtime",
    "crates/alloy-actors",
    "crates/barewire",
];

/// The cycles each crate is allowed today, by package folder name.
const KNOWN_CYCLES: &str = include_str!("known_cycles.txt");

/// The root module's name.
const ROOT: &str = "lib";

/// The modules of a crate and what each names.
#[derive(Debug, Default)]
pub(crate) struct Crate {
    /// Module name (`prospero/process`) -> what it names and its file.
    modules: BTreeMap<String, (Names, String)>,
}

impl Crate {
    /// Reads every module file under `src` (a crate's `src` folder).
    pub(crate) fn read(src: &Path) -> anyhow::Result<Self> {
        let mut files = Vec::new();
        module_files(src, &mut files)?;
        let mut modules = BTreeMap::new();
        for file in files {
            let Some(name) = module_name(src, &file) else {
                continue;
            };
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let shown = file
                .strip_prefix(src)
                .unwrap_or(&file)
                .display()
                .to_string();
            modules.insert(name, (parse::names(&text), shown));
        }
        Ok(Self { modules })
    }

    /// A crate from sources given by module name (for tests).
    #[cfg(test)]
    pub(crate) fn from_sources(sources: &[(&str, &str)]) -> Self {
        let modules = sources
            .iter()
            .map(|(name, text)| {
                let names = parse::names(text);
                ((*name).to_owned(), (names, format!("{name}.rs")))
            })
            .collect();
        Self { modules }
    }

    /// The module graph.
    pub(crate) fn graph(&self) -> Graph {
        let mut graph = Graph::default();
        for (module, (names, file)) in &self.modules {
            graph.add_node(module);
            let imported = names.imports.iter().map(|import| &import.path);
            for path in imported.chain(&names.paths) {
                if let Some(target) = self.resolve(module, &path.segments, 0) {
                    let evidence = format!("{file}:{}: {}", path.line, path.segments.join("::"));
                    graph.add_edge(module, &target, evidence);
                }
            }
        }
        graph
    }

    fn exists(&self, module: &str) -> bool {
        self.modules.contains_key(module)
    }

    fn imports(&self, module: &str) -> &[Import] {
        self.modules
            .get(module)
            .map_or(&[], |(names, _)| names.imports.as_slice())
    }

    /// The module that `segments`, named in `module`, ends in: `None` for
    /// a path outside the crate.
    fn resolve(&self, module: &str, segments: &[String], depth: usize) -> Option<String> {
        let (first, rest) = segments.split_first()?;
        let mut at = match first.as_str() {
            "crate" => ROOT.to_owned(),
            "self" => module.to_owned(),
            "super" => parent(module)?,
            name => {
                let child = child(module, name);
                if self.exists(&child) {
                    child
                } else {
                    let import = self.imports(module).iter().find(|i| i.name == *name)?;
                    if depth > 8 {
                        return None;
                    }
                    let mut path = import.path.segments.clone();
                    path.extend(rest.iter().cloned());
                    return self.resolve(module, &path, depth + 1);
                }
            }
        };
        let mut rest = rest;
        while let Some((segment, tail)) = rest.split_first() {
            if segment == "super" {
                at = parent(&at)?;
            } else if segment == "self" {
            } else if self.exists(&child(&at, segment)) {
                at = child(&at, segment);
            } else {
                // An item of `at`: follow it if `at` re-exports it.
                let import = self.imports(&at).iter().find(|i| i.name == *segment);
                if let Some(import) = import
                    && depth <= 8
                {
                    let mut path = import.path.segments.clone();
                    path.extend(tail.iter().cloned());
                    return self.resolve(&at, &path, depth + 1).or(Some(at));
                }
                break;
            }
            rest = tail;
        }
        Some(at)
    }
}

fn child(module: &str, name: &str) -> String {
    if module == ROOT {
        name.to_owned()
    } else {
        format!("{module}/{name}")
    }
}

fn parent(module: &str) -> Option<String> {
    match module.rsplit_once('/') {
        Some((parent, _)) => Some(parent.to_owned()),
        None if module == ROOT => None,
        None => Some(ROOT.to_owned()),
    }
}

/// Every `.rs` file under `dir` except test files.
fn module_files(dir: &Path, files: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        let is_tests = path.file_stem().is_some_and(|stem| stem == "tests");
        if path.is_dir() {
            if !is_tests {
                module_files(&path, files)?;
            }
        } else if path.extension().is_some_and(|ext| ext == "rs") && !is_tests {
            files.push(path);
        }
    }
    Ok(())
}

/// `lib.rs` -> `lib`, `foo.rs` and `foo/mod.rs` -> `foo`, `foo/bar.rs` ->
/// `foo/bar`; `None` for a binary's files.
fn module_name(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).ok()?.with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|part| part.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts
        .first()
        .is_some_and(|first| first == "bin" || first == "main")
    {
        return None;
    }
    if parts.last().is_some_and(|last| last == "mod") {
        parts.pop();
    }
    Some(parts.join("/"))
}

/// The cycles of each crate's baseline: `[folder]` starts a crate's
/// section, then one cycle per line, its modules separated by spaces; `#`
/// starts a comment.
pub(crate) fn baselines(text: &str) -> BTreeMap<String, Vec<BTreeSet<String>>> {
    let mut baselines: BTreeMap<String, Vec<BTreeSet<String>>> = BTreeMap::new();
    let mut section = String::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().to_owned();
            baselines.entry(section.clone()).or_default();
        } else if !line.is_empty() {
            let cycle = line.split_whitespace().map(str::to_owned).collect();
            baselines.entry(section.clone()).or_default().push(cycle);
        }
    }
    baselines
}

/// What the comparison with a baseline found.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Verdict {
    /// Each a failure, printed in full.
    pub(crate) problems: Vec<String>,
    /// Each a way the baseline could shrink.
    pub(crate) notes: Vec<String>,
}

/// Compares the cycles of `graph` with `baseline` (of crate `name`).
pub(crate) fn compare(name: &str, graph: &Graph, baseline: &[BTreeSet<String>]) -> Verdict {
    let mut verdict = Verdict::default();
    let cycles = graph.cycles();
    let mut covered = vec![BTreeSet::new(); baseline.len()];
    for cycle in &cycles {
        let known = baseline.iter().position(|known| cycle.is_subset(known));
        if let Some(at) = known {
            covered[at].extend(cycle.iter().cloned());
            continue;
        }
        // The known cycles it touches are still there: no note for them.
        let touched: Vec<usize> = (0..baseline.len())
            .filter(|&at| baseline[at].intersection(cycle).next().is_some())
            .collect();
        for &at in &touched {
            covered[at].extend(cycle.intersection(&baseline[at]).cloned());
        }
        let new: Vec<&String> = cycle
            .iter()
            .filter(|module| !baseline.iter().any(|known| known.contains(*module)))
            .collect();
        let mut report = format!("{name}: ");
        if touched.is_empty() {
            report.push_str("a new import cycle");
        } else {
            report.push_str("an import cycle");
            if touched.len() > 1 {
                report.push_str(&format!(" joins {} known cycles", touched.len()));
            }
            if !new.is_empty() {
                report.push_str(&format!(" adds {}", join(new.iter().copied())));
            }
        }
        report.push_str(&format!(
            " ({} modules: {})\n        for example:",
            cycle.len(),
            join(cycle)
        ));
        // An arrow no known cycle holds, and the way back.
        let together = |from: &str, to: &str| {
            baseline
                .iter()
                .any(|known| known.contains(from) && known.contains(to))
        };
        let path = graph.cycle_through_new_arrow(cycle, together);
        for (at, from) in path.iter().enumerate() {
            let to = &path[(at + 1) % path.len()];
            let seen = graph.evidence(from, to).unwrap_or("?");
            report.push_str(&format!("\n          {from} -> {to}    ({seen})"));
        }
        verdict.problems.push(report);
    }
    for (known, covered) in baseline.iter().zip(&covered) {
        let gone: Vec<&String> = known.difference(covered).collect();
        if !gone.is_empty() {
            verdict.notes.push(format!(
                "{name}: the known cycle no longer needs {} (update xtask/src/tidy/known_cycles.txt)",
                join(gone.iter().copied())
            ));
        }
    }
    verdict
}

fn join<'a>(modules: impl IntoIterator<Item = &'a String>) -> String {
    modules
        .into_iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks every crate in [`CRATES`] under `root`.
pub(crate) fn check(root: &Path, problems: &mut Vec<String>) -> anyhow::Result<()> {
    let baselines = baselines(KNOWN_CYCLES);
    for folder in CRATES {
        let name = folder.rsplit('/').next().unwrap_or(folder);
        let graph = Crate::read(&root.join(folder).join("src"))?.graph();
        let baseline = baselines.get(name).map_or(&[][..], Vec::as_slice);
        let verdict = compare(name, &graph, baseline);
        for note in &verdict.notes {
            eprintln!("    note: {note}");
        }
        problems.extend(verdict.problems);
    }
    Ok(())
}
