//! Unit tests of the lexer, the path resolution, Tarjan and the baseline.

use std::collections::BTreeSet;

use super::graph::Graph;
use super::parse::{self, Import, PathRef};
use super::{Crate, baselines, compare};

fn set(modules: &[&str]) -> BTreeSet<String> {
    modules.iter().map(|m| (*m).to_owned()).collect()
}

fn segments(path: &PathRef) -> String {
    path.segments.join("::")
}

#[test]
fn comments_and_literals_name_nothing() {
    let names = parse::names(
        r##"
        //! See [`crate::system::SystemInner`].
        /// Uses crate::mailbox::Mailbox.
        /* crate::a::B /* nested crate::c::D */ */
        fn f<'a>(x: &'a str) -> char {
            let _ = "crate::e::F";
            let _ = r#"crate::g::H "quoted""#;
            let _ = b"crate::i::J";
            let _ = '"';
            crate::real::Thing::new();
            '\''
        }
        "##,
    );
    let paths: Vec<String> = names.paths.iter().map(segments).collect();
    assert_eq!(paths, ["crate::real::Thing::new"]);
    assert_eq!(names.paths[0].line, 10);
}

#[test]
fn use_trees_are_expanded_with_aliases_self_and_globs() {
    let names = parse::names(
        "pub(crate) use crate::{a::{self, B as C}, d::*};\nuse super::e;\nuse ::std::f;\nuse tokio::sync::Notify;",
    );
    let imports: Vec<(String, String)> = names
        .imports
        .iter()
        .map(|Import { name, path }| (name.clone(), segments(path)))
        .collect();
    let expected = [
        ("a", "crate::a"),
        ("C", "crate::a::B"),
        ("*", "crate::d"),
        ("e", "super::e"),
        ("Notify", "tokio::sync::Notify"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(n, p)| ((*n).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(imports, expected);
    assert_eq!(names.imports[3].path.line, 2);
}

#[test]
fn cfg_test_items_are_left_out_and_inline_modules_stay_in_the_file() {
    let names = parse::names(
        "#[cfg(test)]\nmod tests { use crate::a::B; }\n#[cfg(test)]\nuse crate::c::D;\nmod inner { use super::Item; }\nuse crate::e::F;",
    );
    let imports: Vec<String> = names.imports.iter().map(|i| segments(&i.path)).collect();
    assert_eq!(imports, ["self::Item", "crate::e::F"]);
}

#[test]
fn paths_resolve_to_modules_through_children_imports_and_re_exports() {
    let krate = Crate::from_sources(&[
        ("lib", "mod a; mod b; pub use b::Thing;"),
        ("a", "use crate::Thing;\nfn f() { crate::b::inner::g(); }"),
        ("b", "mod inner; pub use inner::Thing; use std::fmt;"),
        ("b/inner", "use super::super::a;\nfn g() { a::f(); }"),
    ]);
    let graph = krate.graph();
    // `crate::Thing` is `b::Thing`, which is `b::inner::Thing`.
    assert_eq!(graph.evidence("a", "b/inner"), Some("a.rs:1: crate::Thing"));
    assert_eq!(graph.evidence("a", "lib"), None);
    assert_eq!(graph.evidence("b", "b/inner"), Some("b.rs:1: inner::Thing"));
    assert_eq!(
        graph.evidence("b/inner", "a"),
        Some("b/inner.rs:1: super::super::a")
    );
    assert_eq!(graph.cycles(), [set(&["a", "b/inner"])]);
}

#[test]
fn tarjan_finds_each_cycle_and_skips_acyclic_parts() {
    let mut graph = Graph::default();
    for (from, to) in [
        ("a", "b"),
        ("b", "c"),
        ("c", "a"),
        ("c", "d"),
        ("d", "e"),
        ("e", "d"),
        ("e", "f"),
    ] {
        graph.add_edge(from, to, format!("{from}->{to}"));
    }
    graph.add_edge("f", "f", "a loop".to_owned());
    graph.add_node("g");
    assert_eq!(graph.cycles(), [set(&["a", "b", "c"]), set(&["d", "e"])]);
    let abc = set(&["a", "b", "c"]);
    assert_eq!(
        graph.cycle_through_new_arrow(&abc, |_, _| false),
        ["a", "b", "c"]
    );
}

#[test]
fn the_cycle_shown_takes_a_new_arrow_and_stays_inside_the_component() {
    let mut graph = Graph::default();
    for (from, to) in [
        ("a", "b"),
        ("b", "a"),
        ("b", "c"),
        ("c", "d"),
        ("d", "b"),
        ("a", "x"),
        ("x", "a"),
    ] {
        graph.add_edge(from, to, String::new());
    }
    let component = set(&["a", "b", "c", "d"]);
    // Only `b -> c` is new: the cycle shown goes through it.
    let known = |from: &str, to: &str| (from, to) != ("b", "c");
    assert_eq!(
        graph.cycle_through_new_arrow(&component, known),
        ["b", "c", "d"]
    );
    assert_eq!(graph.path("a", "d", &component), ["a", "b", "c", "d"]);
}

fn two_cycles() -> Graph {
    let mut graph = Graph::default();
    for (from, to) in [("a", "b"), ("b", "a"), ("c", "d"), ("d", "c")] {
        graph.add_edge(from, to, format!("{from}.rs:1: crate::{to}"));
    }
    graph
}

#[test]
fn a_baseline_allows_its_cycles_and_notes_what_could_go() {
    let verdict = compare(
        "k",
        &two_cycles(),
        &[set(&["a", "b", "z"]), set(&["c", "d"]), set(&["y", "w"])],
    );
    assert!(verdict.problems.is_empty(), "{:?}", verdict.problems);
    assert_eq!(verdict.notes.len(), 2, "{:?}", verdict.notes);
    assert!(verdict.notes[0].contains("no longer needs z"));
    assert!(verdict.notes[1].contains("no longer needs w, y"));
}

#[test]
fn a_new_module_in_a_known_cycle_or_a_new_cycle_fails_with_a_path() {
    let verdict = compare("k", &two_cycles(), &[set(&["a"]), set(&["c", "d"])]);
    assert_eq!(verdict.problems.len(), 1, "{:?}", verdict.problems);
    let problem = &verdict.problems[0];
    assert!(
        problem.starts_with("k: an import cycle adds b (2 modules: a, b)"),
        "{problem}"
    );
    assert!(
        problem.contains("b -> a    (b.rs:1: crate::a)"),
        "{problem}"
    );
    assert!(
        problem.contains("a -> b    (a.rs:1: crate::b)"),
        "{problem}"
    );

    let verdict = compare("k", &two_cycles(), &[]);
    assert_eq!(verdict.problems.len(), 2, "{:?}", verdict.problems);
    assert!(verdict.problems[0].starts_with("k: a new import cycle (2 modules: a, b)"));

    let mut merged = two_cycles();
    merged.add_edge("b", "c", "b.rs:2: crate::c".to_owned());
    merged.add_edge("c", "b", "c.rs:2: crate::b".to_owned());
    let verdict = compare("k", &merged, &[set(&["a", "b"]), set(&["c", "d"])]);
    let problem = &verdict.problems[0];
    assert!(
        problem.starts_with("k: an import cycle joins 2 known cycles (4 modules"),
        "{problem}"
    );
    assert!(
        problem.contains("b -> c    (b.rs:2: crate::c)"),
        "{problem}"
    );
}

#[test]
fn baselines_have_sections_and_comments() {
    let parsed = baselines("# header\n[one]\na b # why\n\nc d\n[two]\n");
    assert_eq!(parsed["one"], [set(&["a", "b"]), set(&["c", "d"])]);
    assert!(parsed["two"].is_empty());
    assert!(!parsed.contains_key("three"));
}

/// The check itself, on this repository: what `cargo xtask tidy` runs.
#[test]
fn the_crates_have_no_import_cycle_beyond_their_baseline() -> anyhow::Result<()> {
    let mut problems = Vec::new();
    super::check(&crate::shell::root(), &mut problems)?;
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    Ok(())
}
