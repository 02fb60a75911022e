//! The "instance" of a shell session: a real shell in a pseudo-terminal, sandboxed (see
//! [`super::sandbox`]) or in a scratch directory of this machine; the scratch directory
//! is removed when the shell is dropped.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use portable_pty::{Child, ChildKiller, CommandBuilder, MasterPty, PtySize, native_pty_system};
use tokio::sync::mpsc;

use super::sandbox::{self, Layout};

/// What the PTY side reports to the agent.
#[derive(Debug)]
pub(crate) enum ShellEvent {
    Output(Vec<u8>),
    /// The shell exited; all its output was reported before.
    Exited(String),
}

/// How to start the shell.
#[derive(Debug, Clone)]
pub(crate) struct ShellSpec {
    pub session_id: String,
    pub user: String,
    pub host: String,
    /// `None`: an interactive login shell; otherwise run this command line.
    pub command: Option<String>,
    pub cols: u16,
    pub rows: u16,
    /// In a sandbox named `host`; else on this machine.
    pub sandboxed: bool,
}

/// A running shell. Dropping it hangs up the shell and removes the scratch directory.
pub(crate) struct Shell {
    master: Box<dyn MasterPty + Send>,
    input: std::sync::mpsc::Sender<Vec<u8>>,
    killer: Box<dyn ChildKiller + Send + Sync>,
    /// Set once the shell was reaped: its pid must not be signalled any more.
    reaped: Arc<AtomicBool>,
    scratch: Scratch,
}

impl std::fmt::Debug for Shell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shell")
            .field("scratch", &self.scratch.0)
            .finish_non_exhaustive()
    }
}

/// A directory removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn create(session_id: &str) -> std::io::Result<Scratch> {
        let safe: String = session_id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .take(96)
            .collect();
        let dir = std::env::temp_dir().join(format!(
            "ssm-cockpit-sim-{safe}-{:08x}",
            rand::random::<u32>()
        ));
        std::fs::create_dir(&dir)?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // A dying shell may still be writing into it: one retry.
        if std::fs::remove_dir_all(&self.0).is_err() {
            std::thread::sleep(std::time::Duration::from_millis(20));
            if let Err(e) = std::fs::remove_dir_all(&self.0) {
                tracing::debug!("removing {}: {e}", self.0.display());
            }
        }
    }
}

fn shell_program() -> &'static str {
    if Path::new("/bin/bash").exists() {
        "/bin/bash"
    } else {
        "/bin/sh"
    }
}

fn io_error(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

/// The terminal's slave side, opened again for a sandboxed shell's stdio.
fn open_terminal(path: &Path) -> std::io::Result<std::fs::File> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Not our controlling terminal: it becomes the shell's.
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOCTTY)
            .open(path)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = path;
        Err(io_error("sandboxed shells need Linux"))
    }
}

impl Shell {
    /// Starts the shell (blocking: call from a blocking thread). Output and the exit are
    /// sent to `events`; a full `events` blocks the reader, which blocks the shell.
    pub(crate) fn spawn(
        spec: &ShellSpec,
        events: mpsc::Sender<ShellEvent>,
    ) -> std::io::Result<Shell> {
        let scratch = Scratch::create(&spec.session_id)?;
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: spec.rows.max(1),
                cols: spec.cols.max(1),
                pixel_width: 0,
                pixel_height: 0,
            })
            .map_err(io_error)?;
        let program = shell_program();
        let mut args: Vec<String> = Vec::new();
        if program.ends_with("bash") {
            args.extend(["--noprofile".into(), "--norc".into()]);
        }
        match &spec.command {
            None => args.push("-i".into()),
            Some(c) => args.extend(["-c".into(), c.clone()]),
        }
        let layout = if spec.sandboxed {
            Some(Layout::create(&scratch.0, &spec.user)?)
        } else {
            None
        };
        let home = layout
            .as_ref()
            .map_or_else(|| scratch.0.clone(), |l| l.home_inside.clone());
        let env: Vec<(&str, std::ffi::OsString)> = vec![
            (
                "PATH",
                std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into()),
            ),
            ("HOME", home.clone().into_os_string()),
            ("USER", spec.user.clone().into()),
            ("LOGNAME", spec.user.clone().into()),
            ("SHELL", program.into()),
            ("TERM", "xterm-256color".into()),
            ("LANG", "C.UTF-8".into()),
            ("HISTFILE", "".into()),
            ("PS1", format!("{}@{}:\\w$ ", spec.user, spec.host).into()),
        ];
        let mut child: Box<dyn Child + Send + Sync> = match &layout {
            Some(layout) => {
                let tty = pty
                    .master
                    .tty_name()
                    .ok_or_else(|| io_error("the terminal has no name"))?;
                let slave = open_terminal(&tty)?;
                let mut cmd = std::process::Command::new(program);
                cmd.args(&args)
                    .env_clear()
                    .envs(env.iter().map(|(k, v)| (k, v)))
                    .stdin(slave.try_clone()?)
                    .stdout(slave.try_clone()?)
                    .stderr(slave);
                let report = sandbox::install(&mut cmd, layout, &spec.host, true)?;
                Box::new(cmd.spawn().map_err(|e| report.explain(e))?)
            }
            None => {
                let mut cmd = CommandBuilder::new(program);
                cmd.args(&args);
                cmd.env_clear();
                for (k, v) in &env {
                    cmd.env(k, v);
                }
                cmd.cwd(&home);
                pty.slave.spawn_command(cmd).map_err(io_error)?
            }
        };
        drop(pty.slave);
        let killer = child.clone_killer();
        let reader = pty.master.try_clone_reader();
        let writer = pty.master.take_writer();
        let (mut reader, mut writer) = match (reader, writer) {
            (Ok(r), Ok(w)) => (r, w),
            (Err(e), _) | (_, Err(e)) => {
                let _ = child.kill();
                return Err(io_error(e));
            }
        };

        let reaped = Arc::new(AtomicBool::new(false));
        let reaped_by_reader = reaped.clone();
        let (input, input_rx) = std::sync::mpsc::channel::<Vec<u8>>();
        std::thread::Builder::new()
            .name("sim-pty-writer".into())
            .spawn(move || {
                for data in input_rx {
                    if writer
                        .write_all(&data)
                        .and_then(|()| writer.flush())
                        .is_err()
                    {
                        break;
                    }
                }
            })?;
        std::thread::Builder::new()
            .name("sim-pty-reader".into())
            .spawn(move || {
                let mut buf = [0u8; 1024];
                loop {
                    match reader.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if events
                                .blocking_send(ShellEvent::Output(buf[..n].to_vec()))
                                .is_err()
                            {
                                break;
                            }
                        }
                    }
                }
                let status = child.wait();
                reaped_by_reader.store(true, Ordering::SeqCst);
                let reason = match status {
                    Ok(status) if status.success() => "exit status 0".to_string(),
                    Ok(status) => format!("exit status {}", status.exit_code()),
                    Err(e) => e.to_string(),
                };
                let _ = events.blocking_send(ShellEvent::Exited(reason));
            })?;
        Ok(Shell {
            master: pty.master,
            input,
            killer,
            reaped,
            scratch,
        })
    }

    pub(crate) fn write(&self, data: Vec<u8>) {
        let _ = self.input.send(data);
    }

    pub(crate) fn resize(&self, cols: u16, rows: u16) {
        let size = PtySize {
            rows: rows.max(1),
            cols: cols.max(1),
            pixel_width: 0,
            pixel_height: 0,
        };
        if let Err(e) = self.master.resize(size) {
            tracing::debug!("pty resize: {e}");
        }
    }
}

impl Drop for Shell {
    fn drop(&mut self) {
        // SIGHUP; an interactive shell passes it on to its jobs.
        if !self.reaped.load(Ordering::SeqCst) {
            let _ = self.killer.kill();
        }
    }
}
