//! The IAM policy templates match the code: `assets/iam/cockpit-read-only.json` allows
//! exactly the read operations the cockpit can call and nothing that mutates;
//! `assets/iam/cockpit-operator.json` allows those plus every mutating one.
//!
//! The calls are found by scanning `src/aws/*.rs` for SDK fluent calls
//! (`.describe_instance_information()` → `ssm:DescribeInstanceInformation`): a name counts
//! when it is an operation of the aws-sdk crate (the crate's `src/operation/` modules, read
//! from the cargo registry at the version Cargo.lock pins). Every call must be classified
//! in `ssm_cockpit::aws::operations`, which the read-only key test also uses.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use ssm_cockpit::aws::operations::{Access, access, operations};

/// (IAM service prefix, crate name).
const SERVICES: &[(&str, &str)] = &[
    ("ssm", "aws-sdk-ssm"),
    ("sts", "aws-sdk-sts"),
    ("organizations", "aws-sdk-organizations"),
];

/// Calls the scan cannot see: STS AssumeRole runs inside the SDK's credentials provider.
const IMPLICIT: &[(&str, &str)] = &[("sts:AssumeRole", "AssumeRoleProvider")];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The version Cargo.lock pins for `name`.
fn locked_version(name: &str) -> String {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).expect("Cargo.lock");
    let needle = format!("name = \"{name}\"\nversion = \"");
    let at = lock
        .find(&needle)
        .unwrap_or_else(|| panic!("{name} is not in Cargo.lock"));
    let rest = &lock[at + needle.len()..];
    rest[..rest.find('"').expect("version ends")].to_string()
}

/// Snake-case operation names of an aws-sdk crate: its `src/operation/` modules.
fn sdk_operations(krate: &str) -> BTreeSet<String> {
    let dir_name = format!("{krate}-{}", locked_version(krate));
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .expect("CARGO_HOME or HOME");
    let registry = home.join("registry").join("src");
    let found = std::fs::read_dir(&registry)
        .unwrap_or_else(|e| panic!("{}: {e}", registry.display()))
        .filter_map(Result::ok)
        .map(|e| e.path().join(&dir_name).join("src").join("operation"))
        .find(|p| p.is_dir())
        .unwrap_or_else(|| {
            panic!(
                "the sources of {dir_name} are not under {}",
                registry.display()
            )
        });
    std::fs::read_dir(&found)
        .expect("operation dir")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

fn pascal(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// `.name()` calls (no arguments) in `src`.
fn empty_calls(src: &str) -> Vec<&str> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'.' {
            let start = i + 1;
            let mut j = start;
            while j < b.len()
                && (b[j].is_ascii_lowercase() || b[j].is_ascii_digit() || b[j] == b'_')
            {
                j += 1;
            }
            if j > start && src[j..].starts_with("()") {
                out.push(&src[start..j]);
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// Every SDK operation called in `src/aws/*.rs`: IAM action → files calling it.
fn called_operations() -> BTreeMap<String, BTreeSet<String>> {
    let universes: Vec<(&str, &str, BTreeSet<String>)> = SERVICES
        .iter()
        .map(|(svc, krate)| (*svc, *krate, sdk_operations(krate)))
        .collect();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let dir = root().join("src").join("aws");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("src/aws")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    files.sort();
    for path in files {
        let src = std::fs::read_to_string(&path).expect("source");
        let file = path.file_name().map(|f| f.to_string_lossy().into_owned());
        for name in empty_calls(&src) {
            let candidates: Vec<&str> = universes
                .iter()
                .filter(|(_, _, u)| u.contains(name))
                .map(|(svc, _, _)| *svc)
                .collect();
            // A name several services have (ListTagsForResource) belongs to the one whose
            // crate the file uses; SSM by default.
            let svc = match candidates.as_slice() {
                [] => continue,
                [one] => *one,
                _ if src.contains("aws_sdk_ssm") || src.contains("impl SsmRead") => "ssm",
                many => many
                    .iter()
                    .copied()
                    .find(|svc| src.contains(&format!("aws_sdk_{svc}")))
                    .unwrap_or("ssm"),
            };
            out.entry(format!("{svc}:{}", pascal(name)))
                .or_default()
                .extend(file.clone());
        }
    }
    for (op, marker) in IMPLICIT {
        let seen = ["connect.rs", "credentials.rs"]
            .iter()
            .any(|f| std::fs::read_to_string(dir.join(f)).is_ok_and(|s| s.contains(marker)));
        if seen {
            out.entry(op.to_string())
                .or_default()
                .insert("(credentials provider)".into());
        }
    }
    out
}

/// The actions an `Allow` statement list grants, with their statement ids.
fn policy_actions(path: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(doc["Version"], "2012-10-17", "{}", path.display());
    let mut out = BTreeSet::new();
    for st in doc["Statement"].as_array().expect("Statement list") {
        assert_eq!(
            st["Effect"],
            "Allow",
            "{}: only Allow statements",
            path.display()
        );
        assert!(
            st.get("Resource").is_some(),
            "{}: every statement names a Resource",
            path.display()
        );
        match &st["Action"] {
            serde_json::Value::String(a) => {
                out.insert(a.clone());
            }
            serde_json::Value::Array(list) => {
                for a in list {
                    let a = a.as_str().expect("action is a string");
                    assert!(out.insert(a.to_string()), "{}: {a} twice", path.display());
                }
            }
            other => panic!("{}: bad Action {other}", path.display()),
        }
    }
    for a in &out {
        assert!(
            !a.contains('*'),
            "{}: no wildcard actions ({a})",
            path.display()
        );
    }
    out
}

fn called() -> BTreeMap<String, BTreeSet<String>> {
    let called = called_operations();
    assert!(
        called.contains_key("ssm:DescribeInstanceInformation"),
        "the scan finds the nodes call: {called:?}"
    );
    let unclassified: Vec<String> = called
        .iter()
        .filter(|(op, _)| access(op).is_none())
        .map(|(op, files)| format!("{op} (in {files:?})"))
        .collect();
    assert!(
        unclassified.is_empty(),
        "classify these calls in src/aws/operations.rs (Read or Mutating), then list \
         them in the IAM templates: {unclassified:?}"
    );
    called
}

#[test]
fn read_only_policy_lists_exactly_the_read_calls() {
    let called = called();
    let reads: BTreeSet<String> = called
        .keys()
        .filter(|op| access(op) == Some(Access::Read))
        .cloned()
        .collect();
    let policy = policy_actions(&root().join("assets/iam/cockpit-read-only.json"));
    let mutating: Vec<&String> = policy
        .iter()
        .filter(|a| access(a) != Some(Access::Read))
        .collect();
    assert!(
        mutating.is_empty(),
        "the read-only policy allows mutating or unclassified actions: {mutating:?}"
    );
    let missing: Vec<&String> = reads.difference(&policy).collect();
    assert!(
        missing.is_empty(),
        "the read-only policy misses read calls of the code: {missing:?}"
    );
    let unused: Vec<&String> = policy.difference(&reads).collect();
    assert!(
        unused.is_empty(),
        "the read-only policy allows actions the code never calls: {unused:?}"
    );
}

#[test]
fn operator_policy_adds_exactly_the_mutating_calls() {
    let called = called();
    let all: BTreeSet<String> = called.keys().cloned().collect();
    let policy = policy_actions(&root().join("assets/iam/cockpit-operator.json"));
    let missing: Vec<&String> = all.difference(&policy).collect();
    assert!(
        missing.is_empty(),
        "the operator policy misses calls of the code: {missing:?}"
    );
    let unused: Vec<&String> = policy.difference(&all).collect();
    assert!(
        unused.is_empty(),
        "the operator policy allows actions the code never calls: {unused:?}"
    );
    for session in [
        "ssm:StartSession",
        "ssm:ResumeSession",
        "ssm:TerminateSession",
    ] {
        assert!(
            policy.contains(session),
            "operators open sessions: {session}"
        );
    }
    // Everything mutating the classification knows and the code calls is allowed.
    for op in operations(Access::Mutating).filter(|op| called.contains_key(*op)) {
        assert!(policy.contains(op), "{op}");
    }
}

#[test]
fn scan_reads_fluent_calls() {
    let calls =
        empty_calls("self.client\n  .list_commands()\n .max_results(5).send().await; x.y(1)");
    assert_eq!(calls, vec!["list_commands", "send"]);
    assert_eq!(
        pascal("describe_instance_information"),
        "DescribeInstanceInformation"
    );
}
