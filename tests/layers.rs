//! The layers of the crate hold: no module imports one above it or reaches past the layer
//! right below it (docs/architecture.md, "Layers"). Inside one crate the compiler cannot
//! see this, so this test reads every file under `src/`, collects its `crate::` paths
//! (`use` lines, grouped `use crate::{a, b}` trees, inline `crate::x::y` paths, and
//! `super::` paths that climb out of a top-level module) and checks each against the
//! order:
//!
//! ```text
//! model ← config ← aws ← {poll, session, actions, export} ← app ← ui ← {tui, main}
//! ```
//!
//! A module may import a lower one if that one is `model` or `config` (the shared base) or
//! sits on the layer right below it; `tui` and `main` wire everything together and may
//! import any layer. `sim` is a world of its own: it may import only the session wire
//! codec (`session::frame`, `session::messages`, `session::channel`), and only `main`
//! may import `sim`.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

#[path = "common/rust_source.rs"]
mod rust_source;

use rust_source::{rust_files, strip};

/// Top-level modules of the cockpit by layer, lowest first.
const LAYERS: &[&[&str]] = &[
    &["model"],
    &["config"],
    &["aws"],
    &["poll", "session", "actions", "export"],
    &["app"],
    &["ui"],
    &["tui", "main", "lib"],
];

/// Imports each module may make of everything: the composition roots.
const ROOTS: &[&str] = &["tui", "main", "lib"];

/// Lower modules every layer may import.
const BASE: &[&str] = &["model", "config"];

/// Imports between modules of one layer, each with the reason it is needed.
const SAME_LAYER: &[(&str, &str, &str)] = &[(
    "export",
    "poll",
    "the headless export reads the estate through the poller's fetch functions",
)];

/// The only parts of the cockpit the simulated estate may use: the session wire codec.
const SIM_MAY_USE: &[&str] = &["session::frame", "session::messages", "session::channel"];

/// The module the simulated estate lives in, and the only module that may start it.
const SIM: &str = "sim";
const SIM_USERS: &[&str] = &["main"];

/// One `crate::` path found in a source file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reference {
    line: usize,
    /// The path from the crate root, e.g. `["session", "frame", "Frame"]`.
    path: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Violation {
    file: String,
    line: usize,
    target: String,
    why: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{} → crate::{} ({})",
            self.file, self.line, self.target, self.why
        )
    }
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// Why `from` may not use `path` (a path from the crate root), or None when it may.
fn check(from: &str, path: &[String]) -> Option<String> {
    let to = path.first().map(String::as_str)?;
    if to == from {
        return None;
    }
    if from == SIM {
        let two = path.iter().take(2).cloned().collect::<Vec<_>>().join("::");
        return (!SIM_MAY_USE.contains(&two.as_str())).then(|| {
            format!(
                "sim may use only the session wire codec: {}",
                SIM_MAY_USE.join(", ")
            )
        });
    }
    if to == SIM {
        return (!SIM_USERS.contains(&from)).then(|| {
            format!(
                "only {} may start the simulated estate",
                SIM_USERS.join(", ")
            )
        });
    }
    let (Some(lf), Some(lt)) = (layer_of(from), layer_of(to)) else {
        return Some(format!(
            "{from} or {to} has no layer: add it to LAYERS here and to docs/architecture.md"
        ));
    };
    if ROOTS.contains(&from) {
        return None;
    }
    if lt == lf {
        return match SAME_LAYER.iter().any(|(a, b, _)| *a == from && *b == to) {
            true => None,
            false => Some(format!(
                "{from} and {to} share a layer and may not import each other"
            )),
        };
    }
    if lt > lf {
        return Some(format!("{to} sits above {from}"));
    }
    if lt + 1 == lf || BASE.contains(&to) {
        return None;
    }
    Some(format!(
        "{from} reaches past {} to {to}",
        LAYERS[lf - 1].join("/")
    ))
}

/// A cursor over stripped source.
struct Scan<'a> {
    text: &'a [char],
    at: usize,
}

impl Scan<'_> {
    fn skip_ws(&mut self) {
        while self.text.get(self.at).is_some_and(|c| c.is_whitespace()) {
            self.at += 1;
        }
    }

    fn ident(&mut self) -> Option<String> {
        self.skip_ws();
        let start = self.at;
        while self
            .text
            .get(self.at)
            .is_some_and(|c| c.is_alphanumeric() || *c == '_')
        {
            self.at += 1;
        }
        (self.at > start).then(|| self.text[start..self.at].iter().collect())
    }

    fn eat(&mut self, s: &str) -> bool {
        self.skip_ws();
        let n = s.chars().count();
        if self.text.len() >= self.at + n
            && self.text[self.at..self.at + n]
                .iter()
                .copied()
                .eq(s.chars())
        {
            self.at += n;
            true
        } else {
            false
        }
    }

    /// The paths of a use tree (or an inline path) after `prefix::`: `a::b`, `a::{b, c::d}`,
    /// `*`. Each returned path is `prefix` followed by at most the segments written.
    fn tree(&mut self, prefix: &[String], out: &mut Vec<Vec<String>>) {
        if self.eat("{") {
            loop {
                if self.eat("}") {
                    return;
                }
                let before = self.at;
                self.tree(prefix, out);
                self.eat(",");
                if self.at == before {
                    // Not a path: give up on this group.
                    return;
                }
            }
        }
        if self.eat("*") {
            out.push(prefix.to_vec());
            return;
        }
        let Some(seg) = self.ident() else {
            out.push(prefix.to_vec());
            return;
        };
        let mut path = prefix.to_vec();
        if seg != "self" {
            path.push(seg);
        }
        let save = self.at;
        if self.eat("::") {
            self.skip_ws();
            if self.text.get(self.at) == Some(&'<') {
                self.at = save;
                out.push(path);
                return;
            }
            self.tree(&path, out);
            return;
        }
        self.at = save;
        out.push(path);
    }
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Every path from the crate root in `source`, a file of module `module` (its path from
/// the crate root, e.g. `["model", "estate", "catalog"]`).
fn references(source: &str, module: &[String]) -> Vec<Reference> {
    scan_paths(source, module, false)
}

/// Every path in `source` (a file of `module`) resolved to a path from the crate root,
/// including `super::` and `self::` paths that stay inside the top-level module and, in a
/// file that declares submodules (`mod x;`), paths starting with one of their names.
fn resolved_references(source: &str, module: &[String]) -> Vec<Reference> {
    scan_paths(source, module, true)
}

/// The names of the submodules `source` declares in other files (`mod x;`).
fn declared_children(text: &[char]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut i = 0;
    while i < text.len() {
        let starts_word = is_ident_char(text[i]) && !(i > 0 && is_ident_char(text[i - 1]));
        if !starts_word {
            i += 1;
            continue;
        }
        let mut scan = Scan { text, at: i };
        let word = scan.ident().unwrap_or_default();
        if word == "mod"
            && let Some(name) = scan.ident()
            && scan.eat(";")
        {
            out.insert(name);
        }
        i = scan.at.max(i + 1);
    }
    out
}

/// Whether the code before `at` (whitespace skipped) ends in `::`, i.e. the word at `at`
/// is an inner segment of a longer path.
fn after_path_separator(text: &[char], at: usize) -> bool {
    let mut k = at;
    while k > 0 && text[k - 1].is_whitespace() {
        k -= 1;
    }
    k >= 2 && text[k - 1] == ':' && text[k - 2] == ':'
}

fn scan_paths(source: &str, module: &[String], inside: bool) -> Vec<Reference> {
    let text: Vec<char> = strip(source).chars().collect();
    let children = match inside {
        true => declared_children(&text),
        false => BTreeSet::new(),
    };
    let mut line_starts = vec![0];
    line_starts.extend((0..text.len()).filter(|&i| text[i] == '\n').map(|i| i + 1));
    let line_of = |at: usize| line_starts.partition_point(|&s| s <= at);
    // Inline `mod name {` blocks: (name, brace depth inside it).
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut found = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        if c == '{' {
            depth += 1;
            i += 1;
            continue;
        }
        if c == '}' {
            if inline.last().is_some_and(|(_, d)| *d == depth) {
                inline.pop();
            }
            depth = depth.saturating_sub(1);
            i += 1;
            continue;
        }
        let starts_word = is_ident_char(c) && !(i > 0 && is_ident_char(text[i - 1]));
        // `$crate` (in macros) counts as `crate`.
        let dollar_crate = c == '$' && text[i + 1..].starts_with(&['c', 'r', 'a', 't', 'e']);
        if !starts_word && !dollar_crate {
            i += 1;
            continue;
        }
        if dollar_crate {
            i += 1;
        }
        let mut scan = Scan { text: &text, at: i };
        let Some(word) = scan.ident() else {
            i += 1;
            continue;
        };
        if word == "mod" {
            if let Some(name) = scan.ident()
                && scan.eat("{")
            {
                depth += 1;
                inline.push((name, depth));
            }
            i = scan.at;
            continue;
        }
        let base: Option<Vec<String>> = match word.as_str() {
            "crate" => Some(Vec::new()),
            "super" => {
                let mut here: Vec<String> = module.to_vec();
                here.extend(inline.iter().map(|(n, _)| n.clone()));
                let mut ups = 1;
                let mut probe = Scan {
                    text: &text,
                    at: scan.at,
                };
                loop {
                    if probe.eat("::") && probe.ident().as_deref() == Some("super") {
                        ups += 1;
                        scan.at = probe.at;
                    } else {
                        break;
                    }
                }
                match inside {
                    true => Some(here[..here.len().saturating_sub(ups)].to_vec()),
                    // Only paths that leave the top-level module matter.
                    false => (ups >= here.len()).then(Vec::new),
                }
            }
            "self" if inside => {
                let mut here: Vec<String> = module.to_vec();
                here.extend(inline.iter().map(|(n, _)| n.clone()));
                Some(here)
            }
            child
                if inline.is_empty()
                    && children.contains(child)
                    && !after_path_separator(&text, i) =>
            {
                let mut path = module.to_vec();
                path.push(child.to_string());
                Some(path)
            }
            _ => None,
        };
        let line = line_of(i);
        i = scan.at;
        let Some(base) = base else {
            continue;
        };
        if !scan.eat("::") {
            continue;
        }
        let mut paths = Vec::new();
        scan.tree(&base, &mut paths);
        i = i.max(scan.at);
        for path in paths.into_iter().filter(|p| !p.is_empty()) {
            found.push(Reference { line, path });
        }
    }
    found
}

/// The module path of a file under `src/`: `app/mod.rs` → `[app]`,
/// `model/estate/catalog.rs` → `[model, estate, catalog]`, `lib.rs` → `[lib]`.
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs").to_string();
        if stem != "mod" {
            parts.push(stem);
        }
    }
    parts
}

fn violations(src: &Path) -> Vec<Violation> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut found = Vec::new();
    for file in files {
        let rel = file.strip_prefix(src).expect("under src");
        let module = module_path(rel);
        let from = module[0].clone();
        let source =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for r in references(&source, &module) {
            if let Some(why) = check(&from, &r.path) {
                found.push(Violation {
                    file: format!("src/{}", rel.display()),
                    line: r.line,
                    target: r.path.join("::"),
                    why,
                });
            }
        }
    }
    found
}

#[test]
fn imports_follow_the_layers() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = violations(&src);
    let list: Vec<String> = found.iter().map(|v| format!("  {v}")).collect();
    assert!(
        found.is_empty(),
        "{} import(s) against the layers (docs/architecture.md, \"Layers\"):\n{}",
        found.len(),
        list.join("\n")
    );
}

#[test]
fn every_top_level_module_has_a_layer() {
    let lib = std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs"))
        .expect("src/lib.rs");
    let modules: BTreeSet<String> = lib
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';').to_string())
        .collect();
    assert!(
        modules.contains("model") && modules.contains("ui"),
        "{modules:?}"
    );
    let unplaced: Vec<&String> = modules
        .iter()
        .filter(|m| m.as_str() != SIM && layer_of(m).is_none())
        .collect();
    assert!(
        unplaced.is_empty(),
        "modules without a layer: {unplaced:?}; add them to LAYERS in tests/layers.rs \
         and to docs/architecture.md"
    );
}

fn paths(source: &str, module: &[&str]) -> Vec<(usize, String)> {
    let module: Vec<String> = module.iter().map(|s| s.to_string()).collect();
    references(source, &module)
        .into_iter()
        .map(|r| (r.line, r.path.join("::")))
        .collect()
}

#[test]
fn scanner_reads_use_trees_inline_paths_and_super() {
    let src = "use crate::model::Scope;\n\
               use crate::{aws::{AwsError, self}, ui::theme::Theme};\n\
               fn f() -> crate::app::Pane { crate::app::route::<u8>(x) }\n\
               // use crate::ui::Hidden;\n\
               const S: &str = \"crate::ui::InString\";\n\
               use super::super::poll::Feed;\n\
               mod tests { use super::*; use super::super::super::session::frame::Frame; }\n\
               pub(crate) fn g<'a>(c: char) -> bool { c == '{' }\n\
               use crate::{\n    config::Config,\n    model::*,\n};\n";
    let found = paths(src, &["app", "keys"]);
    let expect = vec![
        (1, "model::Scope".to_string()),
        (2, "aws::AwsError".to_string()),
        (2, "aws".to_string()),
        (2, "ui::theme::Theme".to_string()),
        (3, "app::Pane".to_string()),
        (3, "app::route".to_string()),
        (6, "poll::Feed".to_string()),
        (7, "session::frame::Frame".to_string()),
        (9, "config::Config".to_string()),
        (9, "model".to_string()),
    ];
    assert_eq!(found, expect);
    // `super::` inside the top-level module stays inside it.
    assert_eq!(paths("use super::table::Table;", &["ui", "nodes"]), vec![]);
    assert_eq!(
        paths("use super::Theme;", &["ui"]),
        vec![(1, "Theme".to_string())]
    );
}

#[test]
fn rules_reject_upward_skipping_and_sideways_imports() {
    let p = |s: &str| s.split("::").map(str::to_string).collect::<Vec<_>>();
    // Downward to the next layer, or to the base, is fine.
    assert_eq!(check("ui", &p("app::App")), None);
    assert_eq!(check("ui", &p("model::Scope")), None);
    assert_eq!(check("poll", &p("aws::SsmRead")), None);
    assert_eq!(check("session", &p("aws::SessionClient")), None);
    assert_eq!(check("tui", &p("session::spawn")), None);
    assert_eq!(check("export", &p("poll::fetch_nodes")), None);
    // Upward.
    assert!(check("app", &p("ui::theme::Theme")).is_some());
    assert!(check("config", &p("app::KeysConfig")).is_some());
    assert!(check("model", &p("config::Config")).is_some());
    // Past a layer.
    assert!(check("ui", &p("actions::request::OPS_ITEM_STATUSES")).is_some());
    assert!(check("ui", &p("session::SessionState")).is_some());
    assert!(check("app", &p("aws::SsmRead")).is_some());
    // Sideways.
    assert!(check("poll", &p("session::Channel")).is_some());
    assert!(check("poll", &p("export::What")).is_some());
    // The simulated estate.
    assert_eq!(check("sim", &p("session::frame::Frame")), None);
    assert_eq!(check("sim", &p("session::channel::Channel")), None);
    assert!(check("sim", &p("session::client::spawn")).is_some());
    assert!(check("sim", &p("session::Frame")).is_some());
    assert!(check("sim", &p("model::Scope")).is_some());
    assert!(check("app", &p("sim::Sim")).is_some());
    assert_eq!(check("main", &p("sim::Sim")), None);
    // Unplaced modules are reported.
    assert!(check("newthing", &p("model::Scope")).is_some());
}

/// Modules whose imports among themselves must form no circle: every file of these
/// top-level modules is a node.
const ACYCLIC: &[&str] = &["sim", "app"];

/// One import edge between two modules: where it is written and what it names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Edge {
    from: String,
    to: String,
    file: String,
    line: usize,
    target: String,
}

/// The module a node stands for, written with `::`.
fn node_name(module: &[String]) -> String {
    module.join("::")
}

/// The import graph inside `top` (a top-level module under `src`): one node per file,
/// one edge per path naming an item of another file's module. A child's import of its own
/// parent's items is not an edge: the parent declares the child, and the child is part of
/// it.
fn module_graph(src: &Path, top: &str) -> (BTreeSet<String>, Vec<Edge>) {
    let mut files = Vec::new();
    rust_files(&src.join(top), &mut files);
    files.sort();
    let modules: Vec<(PathBuf, Vec<String>)> = files
        .into_iter()
        .map(|f| {
            let module = module_path(f.strip_prefix(src).expect("under src"));
            (f, module)
        })
        .collect();
    let nodes: BTreeSet<String> = modules.iter().map(|(_, m)| node_name(m)).collect();
    let mut edges = Vec::new();
    for (file, module) in &modules {
        let source =
            std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let from = node_name(module);
        let parent = node_name(&module[..module.len() - 1]);
        for r in resolved_references(&source, module) {
            // The longest prefix of the path that is a file of `top`.
            let Some(to) = (1..=r.path.len())
                .rev()
                .map(|n| node_name(&r.path[..n]))
                .find(|n| nodes.contains(n))
            else {
                continue;
            };
            if to == from || to == parent {
                continue;
            }
            edges.push(Edge {
                from: from.clone(),
                to,
                file: format!(
                    "src/{}",
                    file.strip_prefix(src).expect("under src").display()
                ),
                line: r.line,
                target: r.path.join("::"),
            });
        }
    }
    edges.sort();
    edges.dedup_by(|a, b| a.from == b.from && a.to == b.to);
    (nodes, edges)
}

/// The strongly connected components of more than one node (Tarjan's algorithm), each
/// sorted, in order of their first node.
fn cycles(nodes: &BTreeSet<String>, edges: &[(String, String)]) -> Vec<Vec<String>> {
    let names: Vec<&String> = nodes.iter().collect();
    let index_of = |n: &str| names.iter().position(|m| m.as_str() == n);
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); names.len()];
    for (a, b) in edges {
        if let (Some(a), Some(b)) = (index_of(a), index_of(b)) {
            next[a].push(b);
        }
    }
    struct Tarjan<'a> {
        next: &'a [Vec<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        counter: usize,
        found: Vec<Vec<usize>>,
    }
    impl Tarjan<'_> {
        fn visit(&mut self, v: usize) {
            self.index[v] = Some(self.counter);
            self.low[v] = self.counter;
            self.counter += 1;
            self.stack.push(v);
            self.on_stack[v] = true;
            for &w in &self.next[v] {
                match self.index[w] {
                    None => {
                        self.visit(w);
                        self.low[v] = self.low[v].min(self.low[w]);
                    }
                    Some(iw) if self.on_stack[w] => self.low[v] = self.low[v].min(iw),
                    Some(_) => {}
                }
            }
            if Some(self.low[v]) == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    self.found.push(component);
                }
            }
        }
    }
    let mut t = Tarjan {
        next: &next,
        index: vec![None; names.len()],
        low: vec![0; names.len()],
        on_stack: vec![false; names.len()],
        stack: Vec::new(),
        counter: 0,
        found: Vec::new(),
    };
    for v in 0..names.len() {
        if t.index[v].is_none() {
            t.visit(v);
        }
    }
    let mut out: Vec<Vec<String>> = t
        .found
        .into_iter()
        .map(|c| {
            let mut c: Vec<String> = c.into_iter().map(|i| names[i].clone()).collect();
            c.sort();
            c
        })
        .collect();
    out.sort();
    out
}

/// Circles not broken yet, each the exact set of its modules. None is left: the list only
/// shrinks, so a new circle fails the test.
const REMAINING_CIRCLES: &[&[&str]] = &[];

#[test]
fn no_import_circles_inside_sim_and_app() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let remaining: Vec<Vec<String>> = REMAINING_CIRCLES
        .iter()
        .map(|c| c.iter().map(|m| m.to_string()).collect())
        .collect();
    let mut report = Vec::new();
    let mut found_all = Vec::new();
    for top in ACYCLIC {
        let (nodes, edges) = module_graph(&src, top);
        assert!(nodes.len() > 5, "{top}: only {} files found", nodes.len());
        let pairs: Vec<(String, String)> = edges
            .iter()
            .map(|e| (e.from.clone(), e.to.clone()))
            .collect();
        for component in cycles(&nodes, &pairs) {
            found_all.push(component.clone());
            if remaining.contains(&component) {
                continue;
            }
            report.push(format!("  circle: {}", component.join(", ")));
            for e in edges
                .iter()
                .filter(|e| component.contains(&e.from) && component.contains(&e.to))
            {
                report.push(format!(
                    "    {}:{} → {} ({})",
                    e.file, e.line, e.to, e.target
                ));
            }
        }
    }
    for gone in remaining.iter().filter(|c| !found_all.contains(c)) {
        report.push(format!(
            "  listed in REMAINING_CIRCLES but no longer a circle as listed (remove it, or \
             list what is left of it): {}",
            gone.join(", ")
        ));
    }
    assert!(
        report.is_empty(),
        "modules importing each other in a circle (docs/architecture.md, \"What the \
         simulated estate shares\"); move the shared items to a lower module:\n{}",
        report.join("\n")
    );
}

#[test]
fn circles_are_the_strongly_connected_components() {
    let nodes: BTreeSet<String> = ["a", "b", "c", "d", "e"].map(String::from).into();
    let e = |a: &str, b: &str| (a.to_string(), b.to_string());
    // a ⇄ b, c → a, c → d → e → c: two circles, each listed once.
    let edges = [
        e("a", "b"),
        e("b", "a"),
        e("c", "a"),
        e("c", "d"),
        e("d", "e"),
        e("e", "c"),
    ];
    assert_eq!(
        cycles(&nodes, &edges),
        vec![
            vec!["a".to_string(), "b".to_string()],
            vec!["c".to_string(), "d".to_string(), "e".to_string()],
        ]
    );
    // A chain has none.
    assert!(cycles(&nodes, &[e("a", "b"), e("b", "c"), e("c", "d")]).is_empty());
}

#[test]
fn scanner_resolves_paths_inside_the_module() {
    let module: Vec<String> = ["sim", "commands"].map(String::from).to_vec();
    let src = "use super::ctx::Ctx;\n\
               fn f() { super::store::lock(x); std::sync::store::X; }\n\
               use crate::sim::{knobs::SimKnobs, wire};\n\
               mod tests { use super::*; use super::super::agent::Ws; }\n";
    let found: Vec<(usize, String)> = resolved_references(src, &module)
        .into_iter()
        .map(|r| (r.line, r.path.join("::")))
        .collect();
    let expect: Vec<(usize, String)> = [
        (1, "sim::ctx::Ctx"),
        (2, "sim::store::lock"),
        (3, "sim::knobs::SimKnobs"),
        (3, "sim::wire"),
        (4, "sim::commands"),
        (4, "sim::agent::Ws"),
    ]
    .map(|(l, p)| (l, p.to_string()))
    .to_vec();
    assert_eq!(found, expect);
    // In a file declaring submodules, their names start paths too.
    let parent: Vec<String> = vec!["sim".to_string()];
    let found: Vec<String> = resolved_references(
        "mod server;\npub use server::Sim;\nfn g() { a::server::x(); }",
        &parent,
    )
    .into_iter()
    .map(|r| r.path.join("::"))
    .collect();
    assert_eq!(found, vec!["sim::server::Sim".to_string()]);
}
