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
    let text: Vec<char> = strip(source).chars().collect();
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
                // Only paths that leave the top-level module matter.
                (ups >= here.len()).then(Vec::new)
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
