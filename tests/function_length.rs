//! Functions of `src/app` and `src/ui` stay under [`LIMIT`] lines, so that each reads on
//! a screen or two. A function that must be longer would be listed in [`LONG`] by file
//! and name (none is): a new long function fails, and so does a listed one that got short
//! (take it off).
//!
//! Run with `--nocapture` to see the ten longest.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

#[path = "common/rust_source.rs"]
mod rust_source;

use rust_source::{Function, functions, rust_files};

/// Most lines a function may have, from `fn` to its closing brace.
const LIMIT: usize = 120;

/// The directories held to the limit.
const DIRS: &[&str] = &["src/app", "src/ui"];

/// Functions over the limit, by file name (without `.rs`) and function name.
const LONG: &[(&str, &str)] = &[];

/// (lines, file, function) of every function under `dirs`, longest first.
fn measured(root: &Path, dirs: &[&str]) -> Vec<(usize, String, Function)> {
    let mut files = Vec::new();
    for dir in dirs {
        rust_files(&root.join(dir), &mut files);
    }
    let mut all = Vec::new();
    for file in files {
        let source =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let rel = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .display()
            .to_string();
        for f in functions(&source) {
            all.push((f.lines, rel.clone(), f));
        }
    }
    all.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    all
}

fn stem(file: &str) -> &str {
    Path::new(file)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(file)
}

#[test]
fn functions_stay_under_the_limit() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let all = measured(&root, DIRS);
    assert!(all.len() > 100, "only {} functions found", all.len());
    println!("The ten longest functions of {}:", DIRS.join(" and "));
    for (lines, file, f) in all.iter().take(10) {
        println!("{lines:>5}  {file}:{}  {}", f.line, f.name);
    }
    let long: BTreeSet<(&str, &str)> = all
        .iter()
        .filter(|(lines, _, _)| *lines > LIMIT)
        .map(|(_, file, f)| (stem(file), f.name.as_str()))
        .collect();
    let too_long: Vec<String> = all
        .iter()
        .filter(|(lines, file, f)| *lines > LIMIT && !LONG.contains(&(stem(file), &f.name)))
        .map(|(lines, file, f)| format!("  {file}:{} {} ({lines} lines)", f.line, f.name))
        .collect();
    let now_short: Vec<String> = LONG
        .iter()
        .filter(|k| !long.contains(*k))
        .map(|(file, name)| format!("  {file}.rs {name}"))
        .collect();
    assert!(
        too_long.is_empty(),
        "functions over {LIMIT} lines; split them into well-named pieces:\n{}",
        too_long.join("\n")
    );
    assert!(
        now_short.is_empty(),
        "listed as long but now within {LIMIT} lines (or gone); take them off LONG in \
         tests/function_length.rs:\n{}",
        now_short.join("\n")
    );
}

#[test]
fn functions_are_measured_from_fn_to_the_closing_brace() {
    let source = "\
trait T {
    fn bare(&self) -> u8;
}

pub(crate) async fn outer<F: Fn(u8) -> u8>(f: F) -> Vec<u8> {
    let s = \"} not a brace {\";
    let c = '}';
    // }
    fn inner() {}
    vec![f(1)]
}

impl T for () {
    fn bare(&self) -> u8 {
        1
    }
}
";
    let found: Vec<(String, usize, usize)> = functions(source)
        .into_iter()
        .map(|f| (f.name, f.line, f.lines))
        .collect();
    assert_eq!(
        found,
        vec![
            ("outer".to_string(), 5, 7),
            ("inner".to_string(), 9, 1),
            ("bare".to_string(), 14, 3),
        ]
    );
}
