//! The built binary in a real terminal (tmux): start the demo, read the screen, press keys.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_ssm-cockpit");

/// A tmux server of our own (its own socket), killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(cmd: &str, width: u16, height: u16) -> Option<Tmux> {
        // Every server its own socket, whatever the tests running beside it use.
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let socket = format!("ssm-cockpit-e2e-{}-{n}-{width}", std::process::id());
        let t = Tmux { socket };
        let ok = t
            .cmd(&[
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "e2e",
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
                cmd,
            ])
            .ok()?;
        if !ok.status.success() {
            return None;
        }
        Some(t)
    }

    fn cmd(&self, args: &[&str]) -> std::io::Result<std::process::Output> {
        Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .env_remove("TMUX")
            .output()
    }

    fn screen(&self) -> String {
        self.cmd(&["capture-pane", "-p", "-t", "e2e"])
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        let _ = self.cmd(&args);
    }

    fn pane_var(&self, var: &str) -> String {
        self.cmd(&["display-message", "-p", "-t", "e2e", var])
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    }

    /// Waits until every scope of the demo estate (6 accounts × 3 regions) answers.
    fn wait_fresh(&self) -> String {
        self.wait_for("all scopes fresh", 30, |s| s.contains("18/18 scopes fresh"))
    }

    /// Runs `line` from the `:` command line.
    fn command(&self, line: &str) {
        let open = |s: &str| s.lines().any(|l| l.starts_with(':'));
        self.keys(&[":"]);
        // A `:` that follows an Esc too closely reads as Alt+`:` and opens nothing: the
        // command line must show before the line is typed, else `:` is sent again.
        if !self.wait_until(3, open) {
            self.keys(&[":"]);
            self.wait_for("command line", 5, open);
        }
        self.keys(&["-l", line]);
        self.keys(&["Enter"]);
    }

    /// Opens the `/` filter bar and applies `text`.
    fn filter(&self, text: &str) {
        self.keys(&["/"]);
        self.wait_for("filter bar", 5, |s| s.lines().any(|l| l.starts_with("/ ")));
        self.keys(&["-l", text]);
        self.keys(&["Enter"]);
    }

    /// Filters the nodes pane with `text` and waits until fewer than all 540 are shown.
    fn filter_nodes(&self, text: &str) {
        self.filter(text);
        self.wait_for("filtered", 5, |s| {
            !s.contains("540 shown") && s.contains("shown")
        });
    }

    /// Waits for the shell the cockpit ran in, then checks the cockpit exited with status 0
    /// (written to `status_file`) and left the alternate screen.
    fn assert_exited_cleanly(&self, what: &str, status_file: &Path) {
        let s = self.wait_for(what, 10, |s| s.contains("cockpit-exited"));
        let status = std::fs::read_to_string(status_file).unwrap_or_default();
        assert_eq!(status.trim(), "0", "exit status; screen:\n{s}");
        assert_eq!(self.pane_var("#{alternate_on}"), "0");
    }

    /// Waits until `pred` holds for the screen; panics with the screen after `secs`.
    /// Whether `pred` holds of the screen within `secs` seconds.
    fn wait_until(&self, secs: u64, pred: impl Fn(&str) -> bool) -> bool {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while Instant::now() <= deadline {
            if pred(&self.screen()) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }

    fn wait_for(&self, what: &str, secs: u64, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            if Instant::now() > deadline {
                panic!("waited {secs}s for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(150));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

/// Whether tmux is missing (said on stderr): the test then has nothing to drive.
fn no_tmux() -> bool {
    if tmux_available() {
        return false;
    }
    eprintln!("skipping: no tmux");
    true
}

/// A directory of one test's config, state, cache, data and log, emptied first.
fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The command line that runs the demo cockpit with `args`, every XDG directory and the log
/// file in `dir`.
fn demo_cmd(dir: &Path, args: &str) -> String {
    format!(
        "env TERM=xterm-256color XDG_CONFIG_HOME={d} XDG_STATE_HOME={d} XDG_CACHE_HOME={d} XDG_DATA_HOME={d} {BIN} --demo {args}--log-file {d}/cockpit.log",
        d = dir.display(),
    )
}

/// `cmd` run by a shell that stays: its exit status goes to `status_file`, then the shell
/// says `cockpit-exited`, so the terminal can be read after quitting.
fn then_stay(cmd: String, status_file: &Path) -> String {
    format!(
        "{cmd}; echo $? > {s}; echo cockpit-exited; sleep 60",
        s = status_file.display()
    )
}

fn tmux_available() -> bool {
    match Command::new("tmux").arg("-V").output() {
        Ok(o) if o.status.success() => true,
        _ if std::env::var_os("CI").is_some() => panic!("tmux is part of the CI machine"),
        _ => false,
    }
}

#[test]
fn demo_shows_every_pane_filters_details_help_and_quits_cleanly() {
    if no_tmux() {
        return;
    }
    let dir = fresh_dir("ssm-cockpit-e2e");
    let log = dir.join("cockpit.log");
    let status_file = dir.join("exit-status");
    // A shell runs the cockpit and stays: after quitting, the terminal must be usable again.
    let cmd = then_stay(demo_cmd(&dir, ""), &status_file);
    let t = Tmux::start(&cmd, 180, 45).expect("tmux session");

    // Every scope of the demo estate (6 accounts × 3 regions) answers.
    let s = t.wait_fresh();
    assert!(s.contains("i-") || s.contains("mi-"), "{s}");
    assert!(s.contains("Online"), "{s}");
    assert!(s.contains("540 nodes"), "{s}");

    // Help overlay lists keys, and closes.
    t.keys(&["?"]);
    let s = t.wait_for("help", 5, |s| s.contains("Esc or ? close"));
    assert!(
        s.contains("Help") && s.contains("filter") && s.contains("quit"),
        "{s}"
    );
    t.keys(&["Escape"]);
    // (Wait for it: ESC and the next key sent together read as Alt+key.)
    t.wait_for("help closed", 5, |s| !s.contains("Esc or ? close"));

    // Filter to Windows nodes: every visible row says Windows.
    t.filter("platform=windows");
    let s = t.wait_for("filtered rows", 5, |s| {
        s.contains("platform=windows") && s.contains("shown") && !s.contains("540 shown")
    });
    let rows: Vec<&str> = s
        .lines()
        .filter(|l| l.contains(" i-") || l.contains(" mi-"))
        .collect();
    assert!(!rows.is_empty(), "{s}");
    assert!(rows.iter().all(|l| l.contains("Windows")), "{s}");

    // Enter opens the detail of the selected node, with its tags.
    t.keys(&["Enter"]);
    let s = t.wait_for("detail view", 5, |s| {
        s.contains("Tags") || s.contains("tags")
    });
    assert!(s.contains("Agent"), "{s}");
    t.keys(&["Escape"]);
    t.wait_for("detail closed", 5, |s| {
        !s.contains("Tags") && !s.contains("tags")
    });

    // Every pane, by number key, Tab and `:` command; Esc clears the filter first.
    t.keys(&["Escape"]);
    t.wait_for("filter cleared", 5, |s| s.contains("540 shown"));
    t.keys(&["2"]);
    let s = t.wait_for("explorer", 30, |s| {
        s.contains("Explorer ·") && s.contains("Nodes by ping") && s.contains("Online")
    });
    assert!(s.contains("Agent versions"), "{s}");
    t.wait_for("explorer counts OpsItems", 30, |s| {
        s.contains("Open OpsItems by severity") && !s.contains(" 0 open OpsItems")
    });
    t.keys(&["Tab"]);
    let s = t.wait_for("opscenter rows", 30, |s| {
        s.contains("OpsCenter ·") && s.contains("oi-")
    });
    assert!(s.contains("Sev"), "{s}");
    // An OpsItem in full, then back.
    t.keys(&["Enter"]);
    t.wait_for("opsitem detail", 10, |s| {
        s.contains("Related resources") && s.contains("Suggested runbooks")
    });
    t.keys(&["Escape"]);
    t.wait_for("detail closed", 5, |s| !s.contains("Related resources"));
    t.keys(&["4"]);
    t.wait_for("compliance", 30, |s| {
        s.contains("Compliance ·") && s.contains("Worst") && s.contains("non-compliant:")
    });
    t.command("inventory");
    t.wait_for("inventory", 30, |s| {
        s.contains("Inventory of") && s.contains("AWS:")
    });
    t.command("scopes");
    let s = t.wait_for("scopes", 10, |s| {
        s.contains("Scopes ·") && s.contains("API calls by operation")
    });
    assert!(s.contains("Next poll"), "{s}");
    // The scope grammar narrows the nodes pane.
    t.command("nodes region:eu-west-1");
    // (Wait for the nodes table itself: until Enter is read, the command line shows the text.)
    t.wait_for("only eu-west-1 nodes", 10, |s| {
        s.contains("Instance ID")
            && s.contains("eu-west-1")
            && !s.contains("us-east-1")
            && !s.contains("ap-southeast-2")
    });

    // q quits and leaves the terminal as it was: no alternate screen, program gone.
    t.keys(&["q"]);
    t.assert_exited_cleanly("the shell after the cockpit", &status_file);
    assert_eq!(t.pane_var("#{mouse_any_flag}"), "0");
    assert_eq!(t.pane_var("#{cursor_flag}"), "1", "cursor visible again");
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(logged.contains("starting"), "log file written: {logged}");
}

#[test]
fn demo_opens_a_shell_tab_runs_commands_and_closes_it() {
    if no_tmux() {
        return;
    }
    let dir = fresh_dir("ssm-cockpit-e2e-shell");
    let t = Tmux::start(&demo_cmd(&dir, ""), 160, 40).expect("tmux session");
    t.wait_fresh();

    // Only online nodes take sessions: filter to them, then open a shell on the first.
    t.filter_nodes("ping=online");
    t.keys(&["c"]);
    let s = t.wait_for("a shell prompt", 20, |s| s.contains("ssm-user@"));
    assert!(s.contains("live"), "the tab says live:\n{s}");

    // Keys go to the remote shell; its output comes back through the emulator.
    t.keys(&["-l", "echo hello-$((6*7)); tput cols"]);
    t.keys(&["Enter"]);
    let s = t.wait_for("command output", 10, |s| s.contains("hello-42"));
    assert!(!s.contains("echo hello-42"), "the shell expanded it:\n{s}");

    // exit ends the session; the tab stays readable with the reason until Ctrl-] x.
    t.keys(&["-l", "exit"]);
    t.keys(&["Enter"]);
    t.wait_for("closed tab", 10, |s| s.contains("closed"));
    t.keys(&["C-]"]);
    t.keys(&["x"]);
    t.wait_for("back on the nodes pane", 5, |s| {
        s.contains("18/18 scopes fresh") && !s.contains("ssm-user@")
    });
    t.keys(&["q"]);
}

#[test]
fn demo_wallboard_rotates_ignores_keys_and_quits() {
    if no_tmux() {
        return;
    }
    let dir = fresh_dir("ssm-cockpit-e2e-wall");
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        "[wallboard]\npanes = [\"ops\", \"nodes\", \"scopes\"]\nrotate_seconds = 5\n\
         [poll]\ncache_write_seconds = 3600\n",
    )
    .unwrap();
    let status_file = dir.join("exit-status");
    let args = format!("--wallboard --config {} ", config.display());
    let cmd = then_stay(demo_cmd(&dir, &args), &status_file);
    let t = Tmux::start(&cmd, 150, 40).expect("tmux session");

    let s = t.wait_for("the wallboard on OpsCenter", 30, |s| {
        s.contains("WALLBOARD") && s.contains("▶ OpsCenter") && s.contains("OpsCenter ·")
    });
    assert!(
        s.contains("NODES ONLINE") && s.contains("SCOPES STALE"),
        "{s}"
    );
    t.wait_for("every scope answered", 30, |s| {
        s.contains("every scope and feed refreshed") && s.contains("last complete refresh")
    });

    // Rotation: the nodes pane comes next; pause there.
    t.wait_for("rotation to the nodes pane", 15, |s| s.contains("▶ Nodes"));
    t.keys(&["Space"]);
    t.wait_for("paused", 5, |s| s.contains("PAUSED"));

    // Session, command, filter, detail and pane keys do nothing.
    for k in [
        "c", "p", ":", "/", "Enter", "1", "2", "3", "4", "5", "6", "Tab", "?", "i",
    ] {
        t.keys(&[k]);
    }
    std::thread::sleep(Duration::from_secs(7));
    let s = t.screen();
    assert!(s.contains("▶ Nodes") && s.contains("PAUSED"), "{s}");
    assert!(
        !s.contains("OpsCenter ·") && !s.contains("Scopes ·") && !s.contains("Explorer ·"),
        "no pane switch: {s}"
    );
    assert!(!s.contains("Esc or ? close"), "no help: {s}");
    assert!(
        !s.contains("ssm-user@") && !s.contains("LOCAL"),
        "no session: {s}"
    );
    assert!(
        !s.lines().any(|l| l.starts_with(':') || l.starts_with("/ ")),
        "no command line or filter bar: {s}"
    );
    assert!(
        !s.contains("Tags") && !s.contains("tags"),
        "no detail view: {s}"
    );

    // Resumed, the rotation goes on.
    t.keys(&["Space"]);
    t.wait_for("rotation to the scopes pane", 15, |s| {
        s.contains("▶ Scopes") && s.contains("Scopes ·") && !s.contains("PAUSED")
    });

    t.keys(&["q"]);
    t.assert_exited_cleanly("the shell after the wallboard", &status_file);

    // The wallboard keeps the disk cache; with an hour between writes, quitting wrote it.
    let cache = dir.join("ssm-cockpit").join("demo.json");
    let snapshot = ssm_cockpit::poll::load_cache(&cache).expect("the cache written at quit");
    assert!(
        !snapshot.scopes.is_empty() && snapshot.scopes.iter().all(|s| !s.data.nodes.is_empty()),
        "every scope's nodes: {:?}",
        snapshot
            .scopes
            .iter()
            .map(|s| s.data.nodes.len())
            .collect::<Vec<_>>()
    );
}

#[test]
fn demo_reaches_associations_windows_and_the_timeline() {
    if no_tmux() {
        return;
    }
    let dir = fresh_dir("ssm-cockpit-e2e-sm");
    let t = Tmux::start(&demo_cmd(&dir, "--read-only "), 181, 45).expect("tmux session");
    t.wait_fresh();

    // Associations: every scope's associations, failing ones first, then one in full.
    t.command("associations");
    let s = t.wait_for("associations", 30, |s| {
        s.contains("Associations ·") && s.contains("AWS-RunPatchBaseline")
    });
    assert!(s.contains("Failed"), "{s}");
    t.keys(&["Enter"]);
    let s = t.wait_for("association detail", 20, |s| {
        s.contains("Nodes not succeeding") && s.contains("Executions (")
    });
    assert!(s.contains("i-") || s.contains("mi-"), "{s}");
    t.keys(&["Escape"]);
    t.wait_for("detail closed", 5, |s| !s.contains("Executions ("));

    // Maintenance windows and a window in full.
    t.command("windows");
    let s = t.wait_for("windows", 30, |s| {
        s.contains("Maintenance windows ·") && s.contains("linux-patch-wave")
    });
    assert!(s.contains("enabled") && s.contains("Next run"), "{s}");
    // One disabled window per scope.
    t.filter("state=disabled");
    t.wait_for("disabled windows", 10, |s| {
        s.contains("18 shown") && s.contains("disabled")
    });
    t.keys(&["Escape"]);
    t.wait_for("filter cleared", 5, |s| s.contains("108 shown"));
    t.keys(&["Enter"]);
    t.wait_for("window detail", 20, |s| {
        s.contains("Tasks by priority") && s.contains("Executions (")
    });
    t.keys(&["Escape"]);
    t.wait_for("window detail closed", 5, |s| {
        !s.contains("Tasks by priority")
    });

    // The timeline of the next 7 days.
    t.keys(&["t"]);
    let s = t.wait_for("timeline", 30, |s| {
        s.contains("Timeline · next 7 days") && s.contains("█")
    });
    assert!(s.contains("▼now"), "{s}");
    t.keys(&["q"]);
}

#[test]
fn demo_reaches_parameters_baselines_documents_and_packages() {
    if no_tmux() {
        return;
    }
    let dir = fresh_dir("ssm-cockpit-e2e-ppd");
    let t = Tmux::start(&demo_cmd(&dir, ""), 182, 45).expect("tmux session");
    t.wait_fresh();

    // Parameters: the hierarchy of every scope; a SecureString masked, then revealed.
    t.command("parameters");
    t.wait_for("parameters", 30, |s| {
        s.contains("Parameters ·") && s.contains("/app/") && s.contains("SecureString")
    });
    t.keys(&["/"]);
    t.keys(&["-l", "name=db/password"]);
    t.keys(&["Enter"]);
    t.keys(&["Enter"]);
    let s = t.wait_for("masked value", 20, |s| {
        s.contains("v reveals") && s.contains("History") && s.contains("[current]")
    });
    assert!(s.contains("••••••••"), "{s}");
    t.keys(&["v"]);
    let s = t.wait_for("revealed value", 20, |s| {
        !s.contains("v reveals") && !s.contains("decrypting")
    });
    assert!(s.contains("Value"), "{s}");
    t.keys(&["Escape"]);
    t.wait_for("detail closed", 5, |s| !s.contains("History"));
    t.keys(&["Escape"]);
    t.wait_for("filter cleared", 5, |s| !s.contains("name=db/password"));

    // Patch baselines: rules, groups, the nodes of one and their missing patches.
    t.command("baselines");
    t.wait_for("baselines", 30, |s| {
        s.contains("Patch baselines ·") && s.contains("AWS-AmazonLinux2023Default")
    });
    t.keys(&["Enter"]);
    t.wait_for("baseline detail", 20, |s| {
        s.contains("Approval rules") && s.contains("Global filters")
    });
    t.keys(&["Escape"]);
    t.wait_for("baseline detail closed", 5, |s| {
        !s.contains("Approval rules")
    });

    // Documents and Distributor packages.
    t.command("documents");
    t.wait_for("documents", 30, |s| {
        s.contains("Documents ·") && s.contains("Automation") && s.contains("Package")
    });
    t.keys(&["Enter"]);
    t.wait_for("document content", 20, |s| s.contains("Content (version"));
    t.keys(&["Escape"]);
    t.wait_for("document closed", 5, |s| !s.contains("Content (version"));
    t.command("packages");
    t.wait_for("packages", 30, |s| {
        s.contains("Packages ·") && s.contains("Package")
    });
    t.keys(&["Enter"]);
    t.wait_for("package detail", 20, |s| {
        s.contains("Platforms (manifest)") && s.contains("x86_64")
    });
    t.keys(&["Escape"]);
    t.wait_for("package detail closed", 5, |s| {
        !s.contains("Platforms (manifest)")
    });
    t.keys(&["q"]);
}

#[test]
fn demo_reaches_history_audit_and_activations_read_only() {
    if no_tmux() {
        return;
    }
    let dir = fresh_dir("ssm-cockpit-e2e-hist");
    let audit_dir = dir.join("ssm-cockpit");
    std::fs::create_dir_all(&audit_dir).unwrap();
    let audit = audit_dir.join("audit.jsonl");
    let line = |id: &str, phase: &str, action: &str, extra: &str| {
        format!(
            r#"{{"time":"2026-01-02T03:04:05.000Z","phase":"{phase}","caller":"arn:aws:sts::111111111111:assumed-role/Ops/alice","action":"{action}","account":"111111111111","region":"eu-west-1","summary":"{action} by the e2e test","request":{{}},"calendars":[],"request_id":"{id}"{extra}}}"#
        ) + "\n"
    };
    std::fs::write(
        &audit,
        line("r-1", "intent", "SendCommand", "")
            + &line(
                "r-1",
                "result",
                "SendCommand",
                r#","result":"ok","override":"BREAKGLASS""#,
            ),
    )
    .unwrap();
    let t = Tmux::start(&demo_cmd(&dir, "--read-only "), 183, 45).expect("tmux session");
    let s = t.wait_fresh();
    assert!(s.contains(" RO "), "the read-only badge: {s}");
    // On-premises nodes are marked once their scope's tier is known.
    t.keys(&["/"]);
    t.keys(&["-l", "id=mi-"]);
    t.keys(&["Enter"]);
    t.wait_for("hybrid nodes marked", 30, |s| s.contains("⌂"));
    t.keys(&["Escape"]);
    // (Wait for it: ESC and the next key sent together read as Alt+key.)
    t.wait_for("filter cleared", 5, |s| !s.contains("id=mi-"));

    // Help leaves out what changes AWS.
    t.keys(&["?"]);
    let s = t.wait_for("help", 5, |s| s.contains("Esc or ? close"));
    assert!(!s.contains("shell on the selected node"), "{s}");
    assert!(!s.contains("apply now"), "{s}");
    t.keys(&["Escape"]);
    t.wait_for("help closed", 5, |s| !s.contains("Esc or ? close"));

    // Recent commands of every scope, then one in full.
    t.command("commands");
    let s = t.wait_for("commands", 30, |s| {
        s.contains("Commands ·") && s.contains("AWS-")
    });
    assert!(s.contains("Done"), "{s}");
    t.keys(&["Enter"]);
    t.wait_for("command detail", 10, |s| {
        s.contains("Delivery timed out") && s.contains("Requested")
    });
    t.keys(&["Escape"]);
    t.wait_for("detail closed", 5, |s| !s.contains("Delivery timed out"));

    // Automation executions.
    t.command("automations");
    // (The header shows before the rows: wait for a runbook's name in a row.)
    t.wait_for("automations", 30, |s| {
        s.contains("Automations ·") && (s.contains("Success") || s.contains("Failed"))
    });
    t.keys(&["Enter"]);
    // (The table's header says "Executed by" too: wait for a field only the popup has.)
    // An Enter that lands the instant the first rows are drawn is sometimes not taken
    // (a known race between the first rows and the selection, not fixed yet): once more.
    if !t.wait_until(3, |s| s.contains("Current action")) {
        t.keys(&["Enter"]);
    }
    t.wait_for("execution detail", 10, |s| s.contains("Current action"));
    t.keys(&["Escape"]);
    t.wait_for("detail closed", 5, |s| !s.contains("Current action"));

    // Activations, with the expiring ones flagged.
    t.command("activations");
    let s = t.wait_for("activations", 30, |s| {
        s.contains("Activations ·") && s.contains("expiring soon")
    });
    assert!(s.contains("expired"), "{s}");

    // The audit log, following what is appended.
    t.command("audit");
    let s = t.wait_for("audit", 10, |s| {
        s.contains("Audit ·") && s.contains("BREAKGLASS")
    });
    assert!(s.contains("SendCommand"), "{s}");
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&audit)
        .unwrap();
    std::io::Write::write_all(
        &mut f,
        line("r-2", "intent", "StopAutomationExecution", "").as_bytes(),
    )
    .unwrap();
    drop(f);
    let s = t.wait_for("the appended call", 10, |s| {
        s.contains("StopAutomationExecution")
    });
    assert!(s.contains("no result"), "{s}");
    t.keys(&["q"]);
}

#[test]
fn demo_runs_a_command_from_the_nodes_pane_and_audits_it() {
    if no_tmux() {
        return;
    }
    let dir = fresh_dir("ssm-cockpit-e2e-run");
    let t = Tmux::start(&demo_cmd(&dir, ""), 160, 40).expect("tmux session");
    t.wait_fresh();

    // An online Linux node: r opens the form on it, the document already chosen.
    t.filter_nodes("ping=online platform=linux");
    t.keys(&["r"]);
    t.wait_for("the form", 5, |s| {
        s.contains("Run Command") && s.contains("commands*")
    });
    t.keys(&["-l", "echo hello-$((6*7))"]);
    t.keys(&["F2"]);
    let s = t.wait_for("the confirmation", 5, |s| {
        s.contains("Confirm: Run Command")
    });
    assert!(s.contains("echo hello-$((6*7))"), "{s}");
    assert!(s.contains("MaxConcurrency 50"), "{s}");
    t.keys(&["y"]);
    let s = t.wait_for("the node's output", 30, |s| s.contains("hello-42"));
    assert!(s.contains("Success"), "{s}");
    t.wait_for("the run ended", 30, |s| s.contains("done ·"));
    t.keys(&["Escape"]);
    t.wait_for("back on the nodes pane", 5, |s| !s.contains("Esc close"));
    t.keys(&["q"]);

    // Both lines of the call are in the audit log.
    let audit = dir.join("ssm-cockpit").join("audit.jsonl");
    let entries = ssm_cockpit::actions::read_entries(&audit).unwrap();
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(entries[1].action, "SendCommand");
    assert_eq!(
        entries[1].result,
        Some(ssm_cockpit::actions::audit::Outcome::Ok)
    );
}

#[test]
fn demo_asks_before_quitting_with_a_shell_open() {
    if no_tmux() {
        return;
    }
    let dir = fresh_dir("ssm-cockpit-e2e-quit-ask");
    let status_file = dir.join("exit-status");
    let cmd = then_stay(demo_cmd(&dir, ""), &status_file);
    let t = Tmux::start(&cmd, 160, 40).expect("tmux session");
    t.wait_fresh();
    t.filter_nodes("ping=online");
    t.keys(&["c"]);
    t.wait_for("a shell prompt", 20, |s| s.contains("ssm-user@"));
    // Back to the panes with the shell still open: q asks, n stays.
    t.keys(&["C-]"]);
    t.keys(&["q"]);
    t.wait_for("the panes", 5, |s| s.contains("Instance ID"));
    t.keys(&["q"]);
    t.wait_for("the question", 5, |s| {
        s.contains("1 shell open — quit anyway? y/N")
    });
    t.keys(&["n"]);
    t.wait_for("the question gone", 5, |s| !s.contains("quit anyway"));
    assert!(!t.screen().contains("cockpit-exited"));
    // Ctrl-c asks too; y quits, cleanly.
    t.keys(&["C-c"]);
    t.wait_for("the question again", 5, |s| s.contains("quit anyway? y/N"));
    t.keys(&["y"]);
    t.assert_exited_cleanly("the shell after the cockpit", &status_file);
}

/// SIGINT, SIGQUIT, SIGTERM and SIGHUP each end the cockpit with the terminal restored and
/// the exit status 128 + the signal, so that a supervisor can tell them from a quit.
#[test]
fn signals_restore_the_terminal_and_exit_with_128_plus_the_signal() {
    if no_tmux() {
        return;
    }
    for (name, number) in [("INT", 2), ("QUIT", 3), ("TERM", 15), ("HUP", 1)] {
        let dir = fresh_dir(&format!("ssm-cockpit-e2e-sig{name}"));
        let status_file = dir.join("exit-status");
        let cmd = then_stay(demo_cmd(&dir, ""), &status_file);
        let t = Tmux::start(&cmd, 150, 40).expect("tmux session");
        t.wait_for("the nodes pane", 30, |s| {
            s.contains("Nodes") && s.contains("scopes")
        });
        let log = dir.join("cockpit.log").display().to_string();
        let pid = process_with_arg(&log).unwrap_or_else(|| panic!("no cockpit for SIG{name}"));
        let sent = Command::new("kill")
            .args([&format!("-{name}"), &pid.to_string()])
            .status()
            .expect("kill");
        assert!(sent.success(), "kill -{name} {pid}");
        let s = t.wait_for("the shell after the signal", 15, |s| {
            s.contains("cockpit-exited")
        });
        let status = std::fs::read_to_string(&status_file).unwrap_or_default();
        assert_eq!(
            status.trim(),
            (128 + number).to_string(),
            "SIG{name}; screen:\n{s}"
        );
        assert_eq!(t.pane_var("#{alternate_on}"), "0", "SIG{name}");
    }
}

/// The process of ours whose command line has `arg` among its arguments (from /proc).
fn process_with_arg(arg: &str) -> Option<u32> {
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid: u32 = e.file_name().to_str()?.parse().ok()?;
        let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
        let mut args = cmdline.split(|b| *b == 0);
        let bin = args.next()?;
        (bin.ends_with(b"ssm-cockpit") && args.any(|a| a == arg.as_bytes())).then_some(pid)
    })
}

/// A task that panics ends the cockpit cleanly: the terminal restored, the panic's message
/// and the log file named, the details in the log, exit status 70.
#[test]
fn a_panicking_task_restores_the_terminal_names_the_log_and_exits_70() {
    if no_tmux() {
        return;
    }
    let dir = fresh_dir("ssm-cockpit-e2e-panic");
    let status_file = dir.join("exit-status");
    let cmd = then_stay(
        format!("env SSM_COCKPIT_TEST_PANIC=1 {}", demo_cmd(&dir, "")),
        &status_file,
    );
    let t = Tmux::start(&cmd, 150, 40).expect("tmux session");
    let s = t.wait_for("the shell after the panic", 30, |s| {
        s.contains("cockpit-exited")
    });
    let status = std::fs::read_to_string(&status_file).unwrap_or_default();
    assert_eq!(status.trim(), "70", "screen:\n{s}");
    assert_eq!(t.pane_var("#{alternate_on}"), "0");
    let log = dir.join("cockpit.log");
    // The line may wrap on the screen: read it joined.
    let joined: String = s.lines().map(str::trim_end).collect();
    assert!(
        joined.contains(&format!(
            "ssm-cockpit: internal error: test panic requested by SSM_COCKPIT_TEST_PANIC \
             (details in {})",
            log.display()
        )),
        "{s}"
    );
    assert!(
        !s.contains("panicked at"),
        "no raw panic text on the screen:\n{s}"
    );
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        logged.contains("panic: test panic requested by SSM_COCKPIT_TEST_PANIC"),
        "{logged}"
    );
    assert!(logged.contains("src/tui/panic.rs"), "the place is logged");
}
