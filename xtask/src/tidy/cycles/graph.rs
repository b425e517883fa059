//! A directed graph of modules: strongly connected components (Tarjan) and
//! a shortest cycle through a given arrow, to show one.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Modules and their arrows; each arrow keeps where it was first seen.
#[derive(Debug, Default)]
pub(crate) struct Graph {
    edges: BTreeMap<String, BTreeMap<String, String>>,
}

impl Graph {
    /// Adds a module with no arrows yet (a module nobody uses still counts).
    pub(crate) fn add_node(&mut self, node: &str) {
        self.edges.entry(node.to_owned()).or_default();
    }

    /// Adds the arrow `from -> to` (not a loop), seen at `evidence`; the
    /// first evidence is kept.
    pub(crate) fn add_edge(&mut self, from: &str, to: &str, evidence: String) {
        if from == to {
            return;
        }
        self.add_node(to);
        self.edges
            .entry(from.to_owned())
            .or_default()
            .entry(to.to_owned())
            .or_insert(evidence);
    }

    /// Where the arrow `from -> to` was seen, if it exists.
    pub(crate) fn evidence(&self, from: &str, to: &str) -> Option<&str> {
        self.edges.get(from)?.get(to).map(String::as_str)
    }

    fn successors(&self, node: &str) -> impl Iterator<Item = &String> {
        self.edges.get(node).into_iter().flat_map(BTreeMap::keys)
    }

    /// The strongly connected components with more than one module (the
    /// import cycles), each sorted, in a stable order.
    pub(crate) fn cycles(&self) -> Vec<BTreeSet<String>> {
        if std::env::var_os("TIDY_EDGES").is_some() {
            for (from, tos) in &self.edges {
                for (to, ev) in tos {
                    eprintln!("EDGE {from} -> {to}  {ev}");
                }
            }
        }
        let mut tarjan = Tarjan {
            graph: self,
            index: BTreeMap::new(),
            low: BTreeMap::new(),
            stack: Vec::new(),
            on_stack: BTreeSet::new(),
            next: 0,
            components: Vec::new(),
        };
        for node in self.edges.keys() {
            if !tarjan.index.contains_key(node.as_str()) {
                tarjan.visit(node);
            }
        }
        let mut cycles: Vec<BTreeSet<String>> = tarjan
            .components
            .into_iter()
            .filter(|component| component.len() > 1)
            .collect();
        cycles.sort();
        cycles
    }

    /// A shortest cycle inside the component `within` through an arrow that
    /// `known` does not accept (any arrow if all are), as the modules
    /// visited, each once.
    pub(crate) fn cycle_through_new_arrow(
        &self,
        within: &BTreeSet<String>,
        known: impl Fn(&str, &str) -> bool,
    ) -> Vec<String> {
        let arrows: Vec<(&str, &str)> = within
            .iter()
            .flat_map(|from| {
                self.successors(from)
                    .filter(|to| within.contains(*to))
                    .map(move |to| (from.as_str(), to.as_str()))
            })
            .collect();
        let new: Vec<(&str, &str)> = arrows
            .iter()
            .copied()
            .filter(|(from, to)| !known(from, to))
            .collect();
        let candidates = if new.is_empty() { arrows } else { new };
        candidates
            .into_iter()
            .map(|(from, to)| {
                let mut cycle = vec![from.to_owned()];
                cycle.extend(self.path(to, from, within));
                cycle.pop();
                cycle
            })
            .min_by_key(Vec::len)
            .unwrap_or_default()
    }

    /// A shortest path `from` .. `to` inside `within`, both ends included
    /// (just `from` when there is none).
    pub(crate) fn path(&self, from: &str, to: &str, within: &BTreeSet<String>) -> Vec<String> {
        let mut came_from: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue = VecDeque::from([from]);
        while let Some(node) = queue.pop_front() {
            if node == to {
                let mut path = vec![node.to_owned()];
                let mut at = node;
                while let Some(&previous) = came_from.get(at) {
                    path.push(previous.to_owned());
                    at = previous;
                }
                path.reverse();
                return path;
            }
            for next in self.successors(node) {
                if within.contains(next) && next != from && !came_from.contains_key(next.as_str()) {
                    came_from.insert(next, node);
                    queue.push_back(next);
                }
            }
        }
        vec![from.to_owned()]
    }
}

/// Tarjan's algorithm, recursive (module graphs are shallow).
struct Tarjan<'g> {
    graph: &'g Graph,
    index: BTreeMap<&'g str, usize>,
    low: BTreeMap<&'g str, usize>,
    stack: Vec<&'g str>,
    on_stack: BTreeSet<&'g str>,
    next: usize,
    components: Vec<BTreeSet<String>>,
}

impl<'g> Tarjan<'g> {
    fn visit(&mut self, node: &'g str) {
        self.index.insert(node, self.next);
        self.low.insert(node, self.next);
        self.next += 1;
        self.stack.push(node);
        self.on_stack.insert(node);
        for next in self.graph.successors(node) {
            let next = next.as_str();
            if !self.index.contains_key(next) {
                self.visit(next);
                let low = self.low[node].min(self.low[next]);
                self.low.insert(node, low);
            } else if self.on_stack.contains(next) {
                let low = self.low[node].min(self.index[next]);
                self.low.insert(node, low);
            }
        }
        if self.low[node] == self.index[node] {
            let mut component = BTreeSet::new();
            while let Some(member) = self.stack.pop() {
                self.on_stack.remove(member);
                component.insert(member.to_owned());
                if member == node {
                    break;
                }
            }
            self.components.push(component);
        }
    }
}
