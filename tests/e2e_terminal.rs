//! The built binary in a real terminal (tmux): start the demo, read the screen, press keys.

use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_ssm-cockpit");

/// A tmux server of our own (its own socket), killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(cmd: &str, width: u16, height: u16) -> Option<Tmux> {
        let socket = format!("ssm-cockpit-e2e-{}-{}", std::process::id(), width);
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

    /// Waits until `pred` holds for the screen; panics with the screen after `secs`.
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

fn tmux_available() -> bool {
    match Command::new("tmux").arg("-V").output() {
        Ok(o) if o.status.success() => true,
        _ if std::env::var_os("CI").is_some() => panic!("tmux is part of the CI machine"),
        _ => false,
    }
}

#[test]
fn demo_shows_every_pane_filters_details_help_and_quits_cleanly() {
    if !tmux_available() {
        eprintln!("skipping: no tmux");
        return;
    }
    let dir = std::env::temp_dir().join(format!("ssm-cockpit-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("cockpit.log");
    let status_file = dir.join("exit-status");
    // A shell runs the cockpit and stays: after quitting, the terminal must be usable again.
    let cmd = format!(
        "env TERM=xterm-256color XDG_CONFIG_HOME={d} XDG_STATE_HOME={d} XDG_CACHE_HOME={d} XDG_DATA_HOME={d} {BIN} --demo --log-file {l}; \
         echo $? > {s}; echo cockpit-exited; sleep 60",
        d = dir.display(),
        l = log.display(),
        s = status_file.display()
    );
    let t = Tmux::start(&cmd, 180, 45).expect("tmux session");

    // Every scope of the demo estate (6 accounts × 3 regions) answers.
    let s = t.wait_for("all scopes fresh", 30, |s| s.contains("18/18 scopes fresh"));
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
    t.keys(&["/"]);
    t.wait_for("filter bar", 5, |s| s.lines().any(|l| l.starts_with("/ ")));
    t.keys(&["-l", "platform=windows"]);
    t.keys(&["Enter"]);
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
    t.keys(&[":"]);
    t.keys(&["-l", "inventory"]);
    t.keys(&["Enter"]);
    t.wait_for("inventory", 30, |s| {
        s.contains("Inventory of") && s.contains("AWS:")
    });
    t.keys(&[":"]);
    t.keys(&["-l", "scopes"]);
    t.keys(&["Enter"]);
    let s = t.wait_for("scopes", 10, |s| {
        s.contains("Scopes ·") && s.contains("API calls by operation")
    });
    assert!(s.contains("Next poll"), "{s}");
    // The scope grammar narrows the nodes pane.
    t.keys(&[":"]);
    t.keys(&["-l", "nodes region:eu-west-1"]);
    t.keys(&["Enter"]);
    // (Wait for the nodes table itself: until Enter is read, the command line shows the text.)
    t.wait_for("only eu-west-1 nodes", 10, |s| {
        s.contains("Instance ID")
            && s.contains("eu-west-1")
            && !s.contains("us-east-1")
            && !s.contains("ap-southeast-2")
    });

    // q quits and leaves the terminal as it was: no alternate screen, program gone.
    t.keys(&["q"]);
    let s = t.wait_for("the shell after the cockpit", 10, |s| {
        s.contains("cockpit-exited")
    });
    let status = std::fs::read_to_string(&status_file).unwrap_or_default();
    assert_eq!(status.trim(), "0", "exit status; screen:\n{s}");
    assert_eq!(t.pane_var("#{alternate_on}"), "0");
    assert_eq!(t.pane_var("#{mouse_any_flag}"), "0");
    assert_eq!(t.pane_var("#{cursor_flag}"), "1", "cursor visible again");
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(logged.contains("starting"), "log file written: {logged}");
}

#[test]
fn demo_opens_a_shell_tab_runs_commands_and_closes_it() {
    if !tmux_available() {
        eprintln!("skipping: no tmux");
        return;
    }
    let dir = std::env::temp_dir().join(format!("ssm-cockpit-e2e-shell-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cmd = format!(
        "env TERM=xterm-256color XDG_CONFIG_HOME={d} XDG_STATE_HOME={d} XDG_CACHE_HOME={d} XDG_DATA_HOME={d} {BIN} --demo --log-file {d}/cockpit.log",
        d = dir.display(),
    );
    let t = Tmux::start(&cmd, 160, 40).expect("tmux session");
    t.wait_for("all scopes fresh", 30, |s| s.contains("18/18 scopes fresh"));

    // Only online nodes take sessions: filter to them, then open a shell on the first.
    t.keys(&["/"]);
    t.wait_for("filter bar", 5, |s| s.lines().any(|l| l.starts_with("/ ")));
    t.keys(&["-l", "ping=online"]);
    t.keys(&["Enter"]);
    t.wait_for("filtered", 5, |s| {
        !s.contains("540 shown") && s.contains("shown")
    });
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
    if !tmux_available() {
        eprintln!("skipping: no tmux");
        return;
    }
    let dir = std::env::temp_dir().join(format!("ssm-cockpit-e2e-wall-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        "[wallboard]\npanes = [\"ops\", \"nodes\", \"scopes\"]\nrotate_seconds = 5\n",
    )
    .unwrap();
    let status_file = dir.join("exit-status");
    let cmd = format!(
        "env TERM=xterm-256color XDG_CONFIG_HOME={d} XDG_STATE_HOME={d} XDG_CACHE_HOME={d} XDG_DATA_HOME={d} {BIN} --demo --wallboard --config {c} --log-file {d}/cockpit.log; \
         echo $? > {s}; echo cockpit-exited; sleep 60",
        d = dir.display(),
        c = config.display(),
        s = status_file.display()
    );
    // Its own width, so its own tmux socket.
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
    let s = t.wait_for("the shell after the wallboard", 10, |s| {
        s.contains("cockpit-exited")
    });
    let status = std::fs::read_to_string(&status_file).unwrap_or_default();
    assert_eq!(status.trim(), "0", "exit status; screen:\n{s}");
    assert_eq!(t.pane_var("#{alternate_on}"), "0");
}
