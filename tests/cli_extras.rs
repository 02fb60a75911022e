//! `ssm-cockpit completions`, `ssm-cockpit man` and export's progress, run as a user would:
//! the built binary.

use std::process::Command;

use ssm_cockpit::sim::{self, SimConfig};

const BIN: &str = env!("CARGO_BIN_EXE_ssm-cockpit");

mod common;

fn run(args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent/ssm-cockpit-test-xdg")
        .output()
        .unwrap()
}

#[test]
fn bash_completion_knows_subcommands_and_flags() {
    let out = run(&["completions", "bash"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let script = String::from_utf8_lossy(&out.stdout);
    assert!(script.contains("export"), "{script}");
    assert!(script.contains("--wallboard"), "{script}");
}

#[test]
fn every_shell_gets_a_completion_script() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = run(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        assert!(!out.stdout.is_empty(), "{shell}");
    }
    assert!(!run(&["completions", "tcsh-nope"]).status.success());
}

#[test]
fn man_page_is_roff_with_title_first() {
    let out = run(&["man"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(page.starts_with(".TH"), "{page}");
    assert!(page.contains(".SH NAME"), "{page}");
    assert!(page.contains("wallboard"), "{page}");
}

#[tokio::test(flavor = "multi_thread")]
async fn export_shows_no_progress_when_stderr_is_not_a_terminal() {
    let handle = sim::start(SimConfig {
        accounts: 2,
        regions: vec!["us-east-1".into()],
        nodes_per_scope: 3,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let out = common::cockpit_cmd(
        handle.endpoint(),
        "us-east-1",
        handle.credentials(),
        &["export", "nodes", "--format", "csv"],
    )
    .env("XDG_CONFIG_HOME", "/nonexistent/ssm-cockpit-test-xdg")
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("polled"), "{stdout}");
    assert!(!stderr.contains("polled"), "{stderr}");
    assert!(
        stderr.contains("exported 6 nodes from 2 scopes"),
        "{stderr}"
    );
}

/// `run --poll-ms` takes 100 to 60000 milliseconds; anything else is refused before any
/// call, naming the range.
#[test]
fn run_poll_ms_has_a_sane_range() {
    for bad in ["0", "99", "60001"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ssm-cockpit"))
            .args(["run", "--document", "AWS-RunShellScript", "--poll-ms", bad])
            .env("XDG_CONFIG_HOME", "/nonexistent/ssm-cockpit-test-xdg")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad}: {stderr}");
        assert!(
            stderr.contains("--poll-ms") && stderr.contains("100..=60000"),
            "{bad}: {stderr}"
        );
    }
}
