//! Where the simulated nodes run their shells and Run Command scripts: in a sandbox of
//! Linux namespaces when this machine allows it (see `docs/sim-sandbox.md`), otherwise
//! on this machine as the user running the sim, which every surface says plainly.
//!
//! The sim probes once at start ([`decide`]): a sandboxed `/bin/sh -c 'exit 0'` must
//! run. What failed, if anything, becomes the reason shown with the warning.

#[cfg(target_os = "linux")]
mod linux;

use std::path::{Path, PathBuf};

/// The setting that turns the sandbox off: `SSM_COCKPIT_SIM_SANDBOX=off`.
pub const SANDBOX_ENV: &str = "SSM_COCKPIT_SIM_SANDBOX";

/// How the sim runs the commands of its nodes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SandboxMode {
    /// Sandboxed when this machine can; unsandboxed, with a warning, when not.
    #[default]
    Auto,
    /// Unsandboxed, with a warning (the tests of the fallback use this).
    Off,
}

/// Whether the commands of the simulated nodes are contained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Isolation {
    /// Namespaces of their own: the node's hostname, a private loopback network, a
    /// read-only view of this machine's files with a private home and /tmp.
    Sandboxed,
    /// On this machine, as the user running the sim, in a scratch directory.
    Unsandboxed {
        /// Why, with what to do about it.
        reason: String,
    },
}

impl Default for Isolation {
    fn default() -> Self {
        Isolation::Unsandboxed {
            reason: "the sandbox was not set up".to_string(),
        }
    }
}

impl Isolation {
    pub fn is_sandboxed(&self) -> bool {
        matches!(self, Isolation::Sandboxed)
    }

    /// `the simulated nodes are not sandboxed: ... run on this machine as USER (REASON)`;
    /// `None` when sandboxed.
    pub fn warning(&self) -> Option<String> {
        match self {
            Isolation::Sandboxed => None,
            Isolation::Unsandboxed { reason } => Some(format!(
                "the simulated nodes are not sandboxed: their shells and Run Command scripts run on this machine as {} ({reason})",
                operator()
            )),
        }
    }

    /// The first line of an unsandboxed shell session, before the prompt.
    pub(crate) fn shell_banner(&self) -> Option<String> {
        match self {
            Isolation::Sandboxed => None,
            Isolation::Unsandboxed { reason } => Some(format!(
                "warning: this simulated node is not sandboxed: commands run on this machine as {} ({reason})\r\n",
                operator()
            )),
        }
    }
}

/// Who unsandboxed commands run as: `alice (uid 1000)`.
pub fn operator() -> String {
    let name = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|n| !n.is_empty());
    #[cfg(target_os = "linux")]
    {
        let uid = rustix::process::geteuid().as_raw();
        match name {
            Some(n) => format!("{n} (uid {uid})"),
            None => format!("uid {uid}"),
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        name.unwrap_or_else(|| "the user running the sim".to_string())
    }
}

/// Whether the sandbox is off by setting: `SSM_COCKPIT_SIM_SANDBOX` is `off`, `0`,
/// `false` or `no`.
fn off_by_env() -> bool {
    std::env::var(SANDBOX_ENV).is_ok_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "off" | "0" | "false" | "no"
        )
    })
}

/// Decides, once per sim, how nodes run commands (blocking: runs a probe process).
pub(crate) fn decide(mode: SandboxMode) -> Isolation {
    if mode == SandboxMode::Off {
        return Isolation::Unsandboxed {
            reason: "the sandbox is turned off for this sim".to_string(),
        };
    }
    if off_by_env() {
        return Isolation::Unsandboxed {
            reason: format!("the sandbox is turned off by {SANDBOX_ENV}"),
        };
    }
    match probe() {
        Ok(()) => Isolation::Sandboxed,
        Err(reason) => Isolation::Unsandboxed { reason },
    }
}

#[cfg(target_os = "linux")]
fn probe() -> Result<(), String> {
    linux::probe()
}

#[cfg(not(target_os = "linux"))]
fn probe() -> Result<(), String> {
    Err(format!(
        "the sandbox needs Linux namespaces, and this is {}",
        std::env::consts::OS
    ))
}

/// The files of one sandboxed process on this machine, inside a scratch directory the
/// caller owns (and removes): the new root's mount point, the home and /tmp.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    /// Mount point of the new root.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    root: PathBuf,
    /// The home as this machine sees it (where a script is written).
    pub home_host: PathBuf,
    /// The home as the sandboxed process sees it (`HOME`, the working directory).
    pub home_inside: PathBuf,
    /// Mounted on `/home/USER` inside (absent when the home lives in /tmp).
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    home_bind: Option<PathBuf>,
    /// Mounted on /tmp inside.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    tmp_host: PathBuf,
}

impl Layout {
    /// Creates `root/`, `home/` and `tmp/` in `scratch` for `user`.
    pub(crate) fn create(scratch: &Path, user: &str) -> std::io::Result<Layout> {
        let user: String = user
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
            .take(32)
            .collect();
        let user = if user.is_empty() { "user".into() } else { user };
        let root = scratch.join("root");
        let tmp_host = scratch.join("tmp");
        std::fs::create_dir_all(&root)?;
        std::fs::create_dir_all(&tmp_host)?;
        // The home goes on a fresh /home when this machine has one to cover.
        let layout = if Path::new("/home").is_dir() {
            let home_host = scratch.join("home");
            std::fs::create_dir_all(&home_host)?;
            Layout {
                root,
                home_bind: Some(home_host.clone()),
                home_host,
                home_inside: Path::new("/home").join(&user),
                tmp_host,
            }
        } else {
            let home_host = tmp_host.join(&user);
            std::fs::create_dir_all(&home_host)?;
            Layout {
                root,
                home_bind: None,
                home_host,
                home_inside: Path::new("/tmp").join(&user),
                tmp_host,
            }
        };
        Ok(layout)
    }
}

/// Makes `cmd` start in a sandbox of `layout` with `hostname` (a controlling terminal on
/// its stdin with `terminal`). The program runs with `layout.home_inside` as its working
/// directory, so `cmd` must not set one. Keep the returned [`Report`] to explain a
/// failed spawn.
#[cfg(target_os = "linux")]
pub(crate) fn install(
    cmd: &mut std::process::Command,
    layout: &Layout,
    hostname: &str,
    terminal: bool,
) -> std::io::Result<Report> {
    linux::install(cmd, layout, hostname, terminal).map(Report)
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn install(
    _cmd: &mut std::process::Command,
    _layout: &Layout,
    _hostname: &str,
    _terminal: bool,
) -> std::io::Result<Report> {
    Err(std::io::Error::other("the sandbox needs Linux namespaces"))
}

/// What a sandboxed spawn reports about itself: which step of the set-up failed.
pub(crate) struct Report(#[cfg(target_os = "linux")] linux::Report);

impl Report {
    /// `err` of a failed spawn, with the step that failed and what to do about it.
    pub(crate) fn explain(&self, err: std::io::Error) -> std::io::Error {
        #[cfg(target_os = "linux")]
        {
            std::io::Error::new(err.kind(), self.0.explain(&err))
        }
        #[cfg(not(target_os = "linux"))]
        {
            err
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_name_the_reason_only_when_unsandboxed() {
        assert_eq!(Isolation::Sandboxed.warning(), None);
        assert_eq!(Isolation::Sandboxed.shell_banner(), None);
        let off = Isolation::Unsandboxed {
            reason: "no user namespaces".into(),
        };
        let w = off.warning().expect("a warning");
        assert!(w.contains("run on this machine as "), "{w}");
        assert!(w.ends_with("(no user namespaces)"), "{w}");
        let banner = off.shell_banner().expect("a banner");
        assert!(banner.starts_with("warning: "), "{banner}");
        assert!(banner.ends_with("\r\n") && !banner.trim_end().contains('\n'));
    }

    #[test]
    fn off_mode_skips_the_probe() {
        match decide(SandboxMode::Off) {
            Isolation::Unsandboxed { reason } => assert!(reason.contains("turned off"), "{reason}"),
            Isolation::Sandboxed => panic!("Off must not sandbox"),
        }
    }

    #[test]
    fn layout_keeps_the_user_name_safe() {
        let dir = std::env::temp_dir().join(format!("ssm-sim-layout-{}", uuid::Uuid::new_v4()));
        let layout = Layout::create(&dir, "../ssm user").expect("layout");
        let name = layout.home_inside.file_name().and_then(|n| n.to_str());
        assert_eq!(name, Some("ssmuser"));
        assert!(layout.home_host.is_dir() && layout.tmp_host.is_dir() && layout.root.is_dir());
        assert!(layout.home_host.starts_with(&dir));
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
