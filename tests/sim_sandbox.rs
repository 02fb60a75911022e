//! The simulated nodes' sandbox, seen through the real SDK: Run Command scripts run with
//! the node's hostname, few processes, a read-only view of this machine with a private
//! home and /tmp, and a loopback network of their own; nothing they start outlives
//! them. When the sandbox is off, scripts still run and the standalone sim says so.
//!
//! The sandboxed tests are skipped, with the reason printed, only on machines that
//! cannot create user namespaces.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use aws_sdk_ssm::types::{CommandInvocationStatus, InstanceInformationStringFilter, PlatformType};
use ssm_cockpit::sim::{self, Isolation, SandboxMode, SimConfig, SimHandle};

mod common;
use common::{skip_sandbox_test, ssm};

async fn start_sim(sandbox: SandboxMode) -> SimHandle {
    let h = sim::start(SimConfig {
        accounts: 1,
        regions: vec!["us-east-1".into()],
        nodes_per_scope: 12,
        sandbox,
        ..SimConfig::default()
    })
    .await
    .expect("sim starts");
    h.knobs().set_action_pace(Duration::from_millis(20));
    h
}

/// (instance id, computer name) of an Online Linux node.
async fn linux_node(c: &aws_sdk_ssm::Client) -> (String, String) {
    let out = c
        .describe_instance_information()
        .filters(
            InstanceInformationStringFilter::builder()
                .key("PingStatus")
                .values("Online")
                .build()
                .expect("filter"),
        )
        .max_results(50)
        .send()
        .await
        .expect("describe nodes");
    let n = out
        .instance_information_list()
        .iter()
        .find(|n| {
            n.platform_type() == Some(&PlatformType::Linux)
                && n.instance_id().is_some_and(|i| i.starts_with("i-"))
        })
        .expect("an Online Linux node");
    (
        n.instance_id().unwrap_or_default().to_string(),
        n.computer_name().unwrap_or_default().to_string(),
    )
}

/// Runs `script` with AWS-RunShellScript on `node`; (status, stdout, stderr).
async fn run(
    c: &aws_sdk_ssm::Client,
    node: &str,
    script: &str,
) -> (CommandInvocationStatus, String, String) {
    let sent = c
        .send_command()
        .document_name("AWS-RunShellScript")
        .instance_ids(node)
        .parameters("commands", vec![script.to_string()])
        .send()
        .await
        .expect("SendCommand");
    let id = sent
        .command()
        .and_then(|c| c.command_id())
        .expect("command id")
        .to_string();
    for _ in 0..600 {
        let inv = c
            .get_command_invocation()
            .command_id(&id)
            .instance_id(node)
            .send()
            .await;
        if let Ok(inv) = inv
            && let Some(status) = inv.status()
            && !matches!(
                status,
                CommandInvocationStatus::Pending
                    | CommandInvocationStatus::InProgress
                    | CommandInvocationStatus::Delayed
            )
        {
            return (
                status.clone(),
                inv.standard_output_content()
                    .unwrap_or_default()
                    .to_string(),
                inv.standard_error_content().unwrap_or_default().to_string(),
            );
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("command {id} did not finish");
}

/// The value of `key=` in `text`'s lines.
fn field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
}

/// Pids of this machine's processes whose command line has `needle` as an argument.
fn processes_with_arg(needle: &str) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| c.split(|b| *b == 0).any(|a| a == needle.as_bytes()))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_command_sees_the_node_hostname_and_its_own_processes() {
    if skip_sandbox_test("run_command_sees_the_node_hostname_and_its_own_processes") {
        return;
    }
    let h = start_sim(SandboxMode::Auto).await;
    assert_eq!(h.isolation(), &Isolation::Sandboxed);
    let c = ssm(&h);
    let (node, host) = linux_node(&c).await;
    let (status, out, err) = run(
        &c,
        &node,
        "echo \"host=$(hostname)\"\n\
         echo \"procs=$(ls /proc | grep -c '^[0-9]')\"\n\
         echo \"pid=$$\"\n\
         echo \"uid=$(id -u)\"\n\
         echo \"home=$HOME\"\n\
         echo \"pwd=$(pwd)\"",
    )
    .await;
    assert_eq!(status, CommandInvocationStatus::Success, "{out}{err}");
    assert_eq!(field(&out, "host"), Some(host.as_str()), "{out}");
    let procs: usize = field(&out, "procs")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("a process count in {out}"));
    assert!(procs <= 6, "the script sees {procs} processes: {out}");
    let pid: u32 = field(&out, "pid")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("a pid in {out}"));
    assert!(pid <= 2, "the script is pid 1's child, not pid {pid}");
    let uid = rustix::process::geteuid().as_raw().to_string();
    assert_eq!(field(&out, "uid"), Some(uid.as_str()), "mapped to itself");
    assert_eq!(field(&out, "home"), Some("/home/ssm-user"), "{out}");
    assert_eq!(field(&out, "pwd"), Some("/home/ssm-user"), "{out}");
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_command_writes_only_its_home_and_tmp() {
    if skip_sandbox_test("run_command_writes_only_its_home_and_tmp") {
        return;
    }
    let h = start_sim(SandboxMode::Auto).await;
    let c = ssm(&h);
    let (node, _) = linux_node(&c).await;
    // A path this user can write outside the sandbox, and one only root can.
    let project = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("sandbox-write-{}", uuid::Uuid::new_v4()));
    let etc = format!("/etc/ssm-cockpit-sandbox-{}", uuid::Uuid::new_v4());
    let script = format!(
        "try() {{ if echo x > \"$2\" 2>/dev/null; then echo \"$1=written\"; else echo \"$1=refused\"; fi; }}\n\
         try project '{}'\n\
         try etc '{etc}'\n\
         try home \"$HOME/file\"\n\
         try tmp /tmp/file\n\
         cat \"$HOME/file\" /tmp/file | wc -l | sed 's/^/read=/'",
        project.display()
    );
    let (status, out, err) = run(&c, &node, &script).await;
    assert_eq!(status, CommandInvocationStatus::Success, "{out}{err}");
    assert_eq!(field(&out, "project"), Some("refused"), "{out}");
    assert_eq!(field(&out, "etc"), Some("refused"), "{out}");
    assert_eq!(field(&out, "home"), Some("written"), "{out}");
    assert_eq!(field(&out, "tmp"), Some("written"), "{out}");
    assert_eq!(field(&out, "read").map(str::trim), Some("2"), "{out}");
    assert!(!project.exists(), "{} was written", project.display());
    assert!(!std::path::Path::new(&etc).exists(), "{etc} was written");
    // The node's /tmp is not this machine's.
    let marker = format!("ssm-cockpit-sandbox-tmp-{}", uuid::Uuid::new_v4());
    let (_, out, _) = run(&c, &node, &format!("echo x > /tmp/{marker} && echo done")).await;
    assert_eq!(out.trim(), "done");
    assert!(!std::env::temp_dir().join(&marker).exists());
    assert!(!std::path::Path::new("/tmp").join(&marker).exists());
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_command_has_a_loopback_of_its_own() {
    if skip_sandbox_test("run_command_has_a_loopback_of_its_own") {
        return;
    }
    let h = start_sim(SandboxMode::Auto).await;
    let c = ssm(&h);
    let (node, _) = linux_node(&c).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a listener on this machine's loopback");
    let port = listener.local_addr().expect("port").port();
    let script = format!(
        "if (exec 3<>/dev/tcp/127.0.0.1/{port}) 2>/tmp/err; then echo net=connected; else echo net=failed; fi\n\
         cat /tmp/err >&2\n\
         grep -o '^ *lo:' /proc/net/dev | tr -d ' ' | sed 's/^/dev=/'\n\
         grep -c ':' /proc/net/dev | sed 's/^/devices=/'"
    );
    let accepted = tokio::spawn(async move {
        tokio::time::timeout(Duration::from_secs(8), listener.accept())
            .await
            .is_ok()
    });
    let (status, out, err) = run(&c, &node, &script).await;
    assert_eq!(status, CommandInvocationStatus::Success, "{out}{err}");
    assert_eq!(field(&out, "net"), Some("failed"), "{out}");
    // Refused, not unreachable: the node's own loopback is up, and nothing listens there.
    assert!(err.contains("Connection refused"), "{err}");
    assert_eq!(field(&out, "dev"), Some("lo:"), "{out}");
    assert_eq!(field(&out, "devices"), Some("1"), "only lo: {out}");
    assert!(
        !accepted.await.expect("accept task"),
        "the script reached this machine's loopback"
    );
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_a_script_starts_outlives_it() {
    if skip_sandbox_test("nothing_a_script_starts_outlives_it") {
        return;
    }
    let h = start_sim(SandboxMode::Auto).await;
    let c = ssm(&h);
    let (node, _) = linux_node(&c).await;
    let nonce = format!("300.{}", rand_digits());
    let (status, out, err) = run(
        &c,
        &node,
        &format!("(setsid sleep {nonce} >/dev/null 2>&1 &)\nsleep 0.3\necho started"),
    )
    .await;
    assert_eq!(status, CommandInvocationStatus::Success, "{out}{err}");
    assert_eq!(out.trim(), "started");
    let gone = std::time::Instant::now() + Duration::from_secs(3);
    loop {
        let left = processes_with_arg(&nonce);
        if left.is_empty() {
            break;
        }
        assert!(
            std::time::Instant::now() < gone,
            "sleep {nonce} still runs as {left:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    h.shutdown().await;
}

fn rand_digits() -> String {
    uuid::Uuid::new_v4()
        .as_u128()
        .to_string()
        .chars()
        .take(12)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_sandbox_scripts_still_run_and_the_sim_says_so() {
    let h = start_sim(SandboxMode::Off).await;
    let warning = h.isolation().warning().expect("a warning when off");
    assert!(warning.contains("run on this machine as"), "{warning}");
    let c = ssm(&h);
    let (node, _) = linux_node(&c).await;
    let (status, out, err) = run(&c, &node, "echo works-$((6*7))").await;
    assert_eq!(status, CommandInvocationStatus::Success, "{out}{err}");
    assert_eq!(out.trim(), "works-42");
    h.shutdown().await;
}

/// `ssm-cockpit sim` with `env`: (first stdout line, first stderr line if one comes
/// within `wait`).
fn standalone(env: &[(&str, &str)], wait: Duration) -> (String, Option<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ssm-cockpit"))
        .args(["sim", "--listen", "127.0.0.1:0", "--accounts", "1"])
        .env_remove(sim::SANDBOX_ENV)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sim starts");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut first = String::new();
    out.read_line(&mut first).expect("first line");
    let mut stdout_rest: Vec<String> = Vec::new();
    // The credentials line and the banner, which ends with the stats line.
    while stdout_rest.len() < 20 && !stdout_rest.last().is_some_and(|l| l.starts_with("stats: ")) {
        let mut line = String::new();
        if out.read_line(&mut line).expect("banner line") == 0 {
            break;
        }
        stdout_rest.push(line);
    }
    assert!(
        stdout_rest
            .first()
            .is_some_and(|l| l.starts_with("credentials: ")),
        "{stdout_rest:?}"
    );
    let err = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(err).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(wait).ok().filter(|l| !l.is_empty());
    let _ = child.kill();
    let _ = child.wait();
    assert!(stdout_rest.last().is_some_and(|l| l.starts_with("stats: ")));
    (first, line)
}

#[test]
fn standalone_sim_warns_on_stderr_when_unsandboxed() {
    let (first, warning) = standalone(&[(sim::SANDBOX_ENV, "off")], Duration::from_secs(10));
    assert!(first.starts_with("endpoint: http://"), "{first}");
    let warning = warning.expect("a warning line on stderr");
    assert!(
        warning.starts_with("warning: the simulated nodes are not sandboxed"),
        "{warning}"
    );
    assert!(warning.contains(sim::SANDBOX_ENV), "{warning}");
    if skip_sandbox_test("standalone_sim_warns_on_stderr_when_unsandboxed (sandboxed part)") {
        return;
    }
    let (_, quiet) = standalone(&[], Duration::from_secs(1));
    assert_eq!(quiet, None, "no warning when sandboxed");
}
