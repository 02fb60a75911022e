//! Runs an AWS-RunShellScript invocation for real: bash with the agent's environment
//! variables, sandboxed as the node (see [`super::sandbox`]) when the sim can, else in a
//! scratch directory of this machine; in its own process group, under the execution
//! timeout, killed with its children when cancelled. The scratch directory (the
//! sandbox's home and /tmp) is removed afterwards.

use std::time::Duration;

use tokio::sync::watch;

use super::command_work::failed;
use super::records::{InvState, Outcome};
use super::sandbox::{self, Layout};

/// The node a script runs on.
#[derive(Debug, Clone)]
pub(crate) struct ScriptNode {
    pub instance: String,
    pub region: String,
    /// The node's hostname (in the sandbox).
    pub host: String,
    pub sandboxed: bool,
}

/// The sandbox's user: the one Session Manager shells use.
const SCRIPT_USER: &str = "ssm-user";

/// bash with `script` for `node`: sandboxed in `dir`, or with `dir` as its working
/// directory.
fn script_command(
    script: &str,
    node: &ScriptNode,
    dir: &std::path::Path,
) -> std::io::Result<(tokio::process::Command, Option<sandbox::Report>)> {
    let mut cmd = tokio::process::Command::new("bash");
    cmd.env("AWS_SSM_INSTANCE_ID", &node.instance)
        .env("AWS_SSM_REGION_NAME", &node.region)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    #[cfg(unix)]
    cmd.process_group(0);
    if !node.sandboxed {
        let path = dir.join("_script.sh");
        std::fs::write(&path, script)?;
        cmd.arg(&path).current_dir(dir);
        return Ok((cmd, None));
    }
    let layout = Layout::create(dir, SCRIPT_USER)?;
    std::fs::write(layout.home_host.join("_script.sh"), script)?;
    // Nothing of the sim's environment (credentials included) reaches the node.
    cmd.arg(layout.home_inside.join("_script.sh"))
        .env_clear()
        .env(
            "PATH",
            std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into()),
        )
        .env("HOME", &layout.home_inside)
        .env("LANG", "C.UTF-8")
        .env("AWS_SSM_INSTANCE_ID", &node.instance)
        .env("AWS_SSM_REGION_NAME", &node.region);
    let report = sandbox::install(cmd.as_std_mut(), &layout, &node.host, false)?;
    Ok((cmd, Some(report)))
}

/// `None` when cancelled.
pub(crate) async fn exec_script(
    script: &str,
    timeout: f64,
    node: &ScriptNode,
    kill: &mut watch::Receiver<bool>,
) -> Option<Outcome> {
    let dir = std::env::temp_dir().join(format!("ssm-sim-{}", uuid::Uuid::new_v4()));
    let mut guard = RemoveOnDrop(Some(dir.clone()));
    let result = async {
        if let Err(e) = tokio::fs::create_dir_all(&dir).await {
            return Some(failed(
                1,
                "",
                format!("failed to create the orchestration directory: {e}\n"),
            ));
        }
        let (mut cmd, report) = match script_command(script, node, &dir) {
            Ok(c) => c,
            Err(e) => {
                return Some(failed(
                    1,
                    "",
                    format!("failed to prepare the script: {e}\n"),
                ));
            }
        };
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                let e = match &report {
                    Some(r) => r.explain(e),
                    None => e,
                };
                return Some(failed(1, "", format!("failed to run commands: {e}\n")));
            }
        };
        let pid = child.id();
        let stdout = tokio::spawn(read_capped(child.stdout.take()));
        let stderr = tokio::spawn(read_capped(child.stderr.take()));
        let limit = Duration::from_secs_f64(timeout.clamp(1.0, 172_800.0));
        let ended = tokio::select! {
            status = child.wait() => Ended::Exit(status.ok().and_then(|s| s.code())),
            _ = tokio::time::sleep(limit) => Ended::TimedOut,
            _ = cancelled(kill) => Ended::Cancelled,
        };
        if !matches!(ended, Ended::Exit(_)) {
            kill_group(pid).await;
            let _ = child.kill().await;
        }
        let grace = Duration::from_secs(2);
        let stdout = tokio::time::timeout(grace, stdout)
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default();
        let mut stderr = tokio::time::timeout(grace, stderr)
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default();
        match ended {
            Ended::Cancelled => None,
            Ended::TimedOut => {
                stderr.push_str(&format!(
                    "Command execution timed out after {} seconds.\n",
                    limit.as_secs()
                ));
                Some(Outcome {
                    state: InvState::ExecutionTimedOut,
                    code: -1,
                    stdout,
                    stderr,
                })
            }
            Ended::Exit(code) => {
                let code = code.map(i64::from).unwrap_or(-1);
                if code == 0 {
                    Some(Outcome {
                        state: InvState::Success,
                        code,
                        stdout,
                        stderr,
                    })
                } else {
                    stderr.push_str(&format!("failed to run commands: exit status {code}\n"));
                    Some(Outcome {
                        state: InvState::Failed,
                        code,
                        stdout,
                        stderr,
                    })
                }
            }
        }
    }
    .await;
    let _ = tokio::fs::remove_dir_all(&dir).await;
    guard.0 = None;
    result
}

/// Removes the scratch directory of a run that never got to the end (dropped with its
/// sim); a finished run removes it without blocking.
struct RemoveOnDrop(Option<std::path::PathBuf>);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if let Some(dir) = self.0.take()
            && let Err(e) = std::fs::remove_dir_all(&dir)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::debug!("removing {}: {e}", dir.display());
        }
    }
}

enum Ended {
    Exit(Option<i32>),
    TimedOut,
    Cancelled,
}

/// Bytes of a script's stdout or stderr kept; the rest is read and dropped.
const CAPTURE_LIMIT: usize = 256 * 1024;

async fn read_capped<R: tokio::io::AsyncRead + Unpin>(pipe: Option<R>) -> String {
    use tokio::io::AsyncReadExt;
    let Some(mut pipe) = pipe else {
        return String::new();
    };
    let mut kept = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match pipe.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = CAPTURE_LIMIT.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
            }
        }
    }
    String::from_utf8_lossy(&kept).into_owned()
}

/// Kills a script's whole process group (the script and what it started).
async fn kill_group(pid: Option<u32>) {
    #[cfg(unix)]
    if let Some(pid) = pid {
        let _ = tokio::process::Command::new("kill")
            .args(["-KILL", "--", &format!("-{pid}")])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .await;
    }
    #[cfg(not(unix))]
    let _ = pid;
}

/// Resolves when the kill flag is set or its sender is gone.
async fn cancelled(kill: &mut watch::Receiver<bool>) {
    loop {
        if *kill.borrow() {
            return;
        }
        if kill.changed().await.is_err() {
            return;
        }
    }
}
