//! The sandbox on Linux, installed as a `pre_exec` hook of a `std::process::Command`.
//!
//! The hook runs in the child that `Command::spawn` forked from this multi-threaded
//! process, before it execs the program. Only the forking thread exists there; locks
//! other threads held (the allocator's among them) stay locked forever. So the hook
//! allocates nothing and takes no locks: everything it needs (paths as C strings, the id
//! maps, the mounts) is prepared in a [`Plan`] before the fork, and it only makes system
//! calls (through rustix, which issues them directly; libc for `fork`, `mount_setattr`,
//! `close_range`, `ioctl(SIOCSIFFLAGS)`, `signal` and `_exit`, which rustix leaves out).
//! Failures go back to `spawn` as an errno, through the pipe the standard library keeps
//! for that; which step failed goes through a pipe of our own ([`Report`]).
//!
//! Three processes make up one sandboxed command:
//!
//! * the **supervisor**, the child `spawn` knows: it unshares the user, mount, pid, uts,
//!   ipc and network namespaces, maps its uid and gid to themselves, builds the new root
//!   (a read-only recursive bind of `/`, fresh tmpfs over `/home`, `/root`, `/run`,
//!   `/dev/shm` and the scratch directory, the private home and `/tmp` bound writable),
//!   sets the hostname and brings `lo` up. A process does not enter the pid namespace it
//!   unshares, so it forks, then waits and exits with the command's status. Killing it
//!   kills everything inside (below).
//! * the **init**, pid 1 of the new pid namespace: it dies with the supervisor
//!   (`PR_SET_PDEATHSIG`), reaps every orphan, and exits with the command's status when
//!   the command ends; the kernel then kills whatever is left in the namespace.
//! * the **command**, pid 2: it mounts a fresh `/proc`, pivots into the new root and
//!   detaches the old one, takes the terminal when it has one, drops every capability
//!   (bounding set included) with `no_new_privs`, and returns to `Command`, which execs.

use std::ffi::{CStr, CString};
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use rustix::fs::{Mode, OFlags};
use rustix::io::Errno;
use rustix::mount::{MountAttrFlags, MountFlags, MountPropagationFlags, UnmountFlags};
use rustix::process::{Pid, Resource, Signal, WaitOptions, WaitStatus};
use rustix::thread::{CapabilitySet, CapabilitySets, UnshareFlags};

use super::Layout;

/// The exit status of a sandboxed command whose set-up failed after the fork.
const EXIT_SETUP: i32 = 125;

/// Longest hostname the kernel takes.
const HOSTNAME_MAX: usize = 64;

/// The steps of the set-up, as reported through [`Report`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Step {
    Unshare = 1,
    IdMaps,
    Private,
    BindRoot,
    ReadOnly,
    Hide,
    Home,
    Binds,
    Hostname,
    Loopback,
    Fork,
    Proc,
    PivotRoot,
    Terminal,
    Capabilities,
}

const STEPS: [Step; 15] = [
    Step::Unshare,
    Step::IdMaps,
    Step::Private,
    Step::BindRoot,
    Step::ReadOnly,
    Step::Hide,
    Step::Home,
    Step::Binds,
    Step::Hostname,
    Step::Loopback,
    Step::Fork,
    Step::Proc,
    Step::PivotRoot,
    Step::Terminal,
    Step::Capabilities,
];

impl Step {
    fn from_byte(b: u8) -> Option<Step> {
        STEPS.iter().copied().find(|s| *s as u8 == b)
    }

    fn describe(self) -> &'static str {
        match self {
            Step::Unshare => "creating the user, mount, pid, uts, ipc and network namespaces",
            Step::IdMaps => "mapping the user and group ids into the user namespace",
            Step::Private => "making the mounts private",
            Step::BindRoot => "binding / to the new root",
            Step::ReadOnly => "making the new root read-only",
            Step::Hide => "covering /home, /root, /run, /dev/shm and the scratch directory",
            Step::Home => "creating the private home",
            Step::Binds => "binding the private home and /tmp",
            Step::Hostname => "setting the hostname",
            Step::Loopback => "bringing up the loopback interface",
            Step::Fork => "starting the namespace's init process",
            Step::Proc => "mounting a fresh /proc",
            Step::PivotRoot => "switching to the new root",
            Step::Terminal => "attaching the terminal",
            Step::Capabilities => "dropping capabilities",
        }
    }

    /// What the operator can do about `err` at this step.
    fn hint(self, err: &io::Error) -> &'static str {
        let code = err.raw_os_error();
        let denied = code == Some(libc::EPERM) || code == Some(libc::EACCES);
        match self {
            Step::Unshare
                if denied
                    || code == Some(libc::ENOSPC)
                    || code == Some(libc::EINVAL)
                    || code == Some(libc::EUSERS) =>
            {
                "; this machine does not let unprivileged users create user namespaces (see the sysctls user.max_user_namespaces and kernel.unprivileged_userns_clone)"
            }
            Step::IdMaps | Step::Private | Step::BindRoot | Step::ReadOnly if denied => {
                "; user namespaces are restricted here (AppArmor's kernel.apparmor_restrict_unprivileged_userns, or a container's seccomp or LSM profile)"
            }
            Step::Proc if denied => {
                "; parts of /proc are hidden on this machine (a container?), so a fresh /proc cannot be mounted"
            }
            _ => "",
        }
    }
}

/// Everything the hook needs, prepared before the fork.
struct Plan {
    /// `/proc/self/uid_map` and `gid_map` lines: the ids mapped to themselves.
    uid_map: Vec<u8>,
    gid_map: Vec<u8>,
    hostname: Vec<u8>,
    /// Mount point of the new root.
    root: CString,
    /// Every mount under the new root with the flags a read-only remount must keep,
    /// for kernels without `mount_setattr` (before 5.12).
    remounts: Vec<(CString, MountFlags)>,
    /// Fresh tmpfs mounts: (target, options).
    tmpfs: Vec<(CString, CString)>,
    /// Created in the tmpfs over /home: the private home's mount point.
    home_dir: Option<CString>,
    /// Writable binds: (source on this machine, target under the new root).
    binds: Vec<(CString, CString)>,
    proc_dir: CString,
    home_inside: CString,
    terminal: bool,
    /// Where the step that failed is written.
    report: std::io::PipeWriter,
}

fn c_path(path: &Path) -> io::Result<CString> {
    CString::new(path.as_os_str().as_bytes()).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} contains a NUL byte", path.display()),
        )
    })
}

/// `path` (absolute) under `root`.
fn under(root: &Path, path: &Path) -> PathBuf {
    root.join(path.strip_prefix("/").unwrap_or(path))
}

fn canonical(path: &Path) -> io::Result<PathBuf> {
    std::fs::canonicalize(path)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))
}

/// `\040`-style escapes of /proc/self/mountinfo decoded.
fn unescape(field: &str) -> Vec<u8> {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && let Some(oct) = bytes.get(i + 1..i + 4)
            && oct.iter().all(|b| (b'0'..=b'7').contains(b))
        {
            let v = oct
                .iter()
                .fold(0u32, |acc, b| acc * 8 + u32::from(b - b'0'));
            if let Ok(b) = u8::try_from(v) {
                out.push(b);
                i += 4;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// (mount point, flags to keep) of every line of a mountinfo text.
fn parse_mountinfo(text: &str) -> Vec<(PathBuf, MountFlags)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut fields = line.split(' ');
        let (Some(point), Some(options)) = (fields.nth(4), fields.next()) else {
            continue;
        };
        let point = PathBuf::from(std::ffi::OsStr::from_bytes(&unescape(point)));
        if !point.is_absolute() {
            continue;
        }
        let mut flags = MountFlags::empty();
        for option in options.split(',') {
            flags |= match option {
                "nosuid" => MountFlags::NOSUID,
                "nodev" => MountFlags::NODEV,
                "noexec" => MountFlags::NOEXEC,
                "noatime" => MountFlags::NOATIME,
                "nodiratime" => MountFlags::NODIRATIME,
                "relatime" => MountFlags::RELATIME,
                _ => MountFlags::empty(),
            };
        }
        if !flags.intersects(MountFlags::NOATIME | MountFlags::RELATIME) {
            flags |= MountFlags::STRICTATIME;
        }
        out.push((point, flags));
    }
    out
}

impl Plan {
    fn new(
        layout: &Layout,
        hostname: &str,
        terminal: bool,
    ) -> io::Result<(Plan, std::io::PipeReader)> {
        let root = canonical(&layout.root)?;
        let uid = rustix::process::geteuid().as_raw();
        let gid = rustix::process::getegid().as_raw();
        let mut name: Vec<u8> = hostname
            .bytes()
            .filter(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.'))
            .take(HOSTNAME_MAX)
            .collect();
        if name.is_empty() {
            name = b"node".to_vec();
        }

        let mut remounts = vec![(c_path(&root)?, MountFlags::empty())];
        if let Ok(text) = std::fs::read_to_string("/proc/self/mountinfo") {
            for (point, flags) in parse_mountinfo(&text) {
                remounts.push((c_path(&under(&root, &point))?, flags));
            }
        }

        // This machine's homes, runtime sockets (a session bus would let a command
        // start processes outside) and the scratch directories of other nodes.
        let mut hidden: Vec<(PathBuf, &str)> = Vec::new();
        for (path, options) in [
            (Path::new("/home"), "mode=0755,size=1m"),
            (Path::new("/root"), "mode=0700,size=1m"),
            (Path::new("/run"), "mode=0755,size=4m"),
            (Path::new("/dev/shm"), "mode=1777,size=64m"),
            (&std::env::temp_dir(), "mode=0700,size=1m"),
        ] {
            if let Ok(c) = std::fs::canonicalize(path)
                && c.is_dir()
                && c != Path::new("/")
            {
                hidden.push((c, options));
            }
        }
        hidden.sort_by_key(|(p, _)| p.components().count());
        let mut tmpfs: Vec<(PathBuf, &str)> = Vec::new();
        for (path, options) in hidden {
            if !tmpfs.iter().any(|(t, _)| path.starts_with(t)) {
                tmpfs.push((path, options));
            }
        }

        let mut binds = Vec::new();
        let mut home_dir = None;
        if let Some(home_bind) = &layout.home_bind {
            let base = canonical(Path::new("/home"))?;
            let user = layout
                .home_inside
                .file_name()
                .ok_or_else(|| io::Error::other("the home has no name"))?;
            let dir = under(&root, &base.join(user));
            home_dir = Some(c_path(&dir)?);
            binds.push((c_path(&canonical(home_bind)?)?, c_path(&dir)?));
        }
        let tmp = canonical(Path::new("/tmp"))?;
        binds.push((
            c_path(&canonical(&layout.tmp_host)?)?,
            c_path(&under(&root, &tmp))?,
        ));

        let (reader, report) = std::io::pipe()?;
        let plan = Plan {
            uid_map: format!("{uid} {uid} 1\n").into_bytes(),
            gid_map: format!("{gid} {gid} 1\n").into_bytes(),
            hostname: name,
            tmpfs: tmpfs
                .iter()
                .map(|(p, o)| Ok((c_path(&under(&root, p))?, CString::new(*o)?)))
                .collect::<io::Result<_>>()?,
            remounts,
            home_dir,
            binds,
            proc_dir: c_path(&under(&root, Path::new("/proc")))?,
            home_inside: c_path(&layout.home_inside)?,
            root: c_path(&root)?,
            terminal,
            report,
        };
        Ok((plan, reader))
    }
}

/// Reads the step a failed set-up reported.
pub(super) struct Report {
    reader: std::io::PipeReader,
}

impl Report {
    pub(super) fn explain(&self, err: &io::Error) -> String {
        let mut byte = [0u8; 1];
        let step = rustix::io::ioctl_fionbio(&self.reader, true)
            .and_then(|()| rustix::io::read(&self.reader, &mut byte))
            .ok()
            .filter(|n| *n == 1)
            .and_then(|_| Step::from_byte(byte[0]));
        match step {
            Some(step) => format!("sandbox: {}: {err}{}", step.describe(), step.hint(err)),
            None => format!("sandbox: starting the sandboxed process: {err}"),
        }
    }
}

/// Makes `cmd` run sandboxed (see the module documentation).
pub(super) fn install(
    cmd: &mut Command,
    layout: &Layout,
    hostname: &str,
    terminal: bool,
) -> io::Result<Report> {
    let (plan, reader) = Plan::new(layout, hostname, terminal)?;
    // SAFETY: the hook only makes system calls on memory prepared before the fork
    // (`plan`), as `pre_exec` requires; see the module documentation.
    unsafe {
        cmd.pre_exec(move || enter(&plan));
    }
    Ok(Report { reader })
}

/// Runs `/bin/sh -c 'exit 0'` sandboxed; the error says what failed.
pub(super) fn probe() -> Result<(), String> {
    let scratch = std::env::temp_dir().join(format!(
        "ssm-cockpit-sim-probe-{:08x}",
        rand::random::<u32>()
    ));
    std::fs::create_dir(&scratch)
        .map_err(|e| format!("cannot create {}: {e}", scratch.display()))?;
    let result = probe_in(&scratch);
    if let Err(e) = std::fs::remove_dir_all(&scratch) {
        tracing::debug!("removing {}: {e}", scratch.display());
    }
    result
}

fn probe_in(scratch: &Path) -> Result<(), String> {
    let layout = Layout::create(scratch, "probe")
        .map_err(|e| format!("cannot prepare {}: {e}", scratch.display()))?;
    let mut cmd = Command::new("/bin/sh");
    cmd.args(["-c", "exit 0"])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let report = install(&mut cmd, &layout, "ssm-cockpit-probe", false)
        .map_err(|e| format!("sandbox: preparing: {e}"))?;
    let out = cmd.output().map_err(|e| report.explain(&e))?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    Err(format!(
        "sandbox: a test command ended with {}{}{}",
        out.status,
        if stderr.trim().is_empty() { "" } else { ": " },
        stderr.trim()
    ))
}

// ---------------------------------------------------------------------------------------
// After the fork: system calls only (see the module documentation).

/// Writes the failed step to the report pipe and passes the error on.
fn fail(plan: &Plan, step: Step, err: io::Error) -> io::Error {
    let _ = rustix::io::write(&plan.report, &[step as u8]);
    err
}

fn check<T, E: Into<io::Error>>(plan: &Plan, step: Step, result: Result<T, E>) -> io::Result<T> {
    result.map_err(|e| fail(plan, step, e.into()))
}

fn exit(code: i32) -> ! {
    // SAFETY: `_exit` ends the process without running anything of this one.
    unsafe { libc::_exit(code) }
}

/// The supervisor: from the fork of `Command` to the fork of the init.
fn enter(plan: &Plan) -> io::Result<()> {
    reset_signals();
    let namespaces = UnshareFlags::NEWUSER
        | UnshareFlags::NEWNS
        | UnshareFlags::NEWPID
        | UnshareFlags::NEWUTS
        | UnshareFlags::NEWIPC
        | UnshareFlags::NEWNET;
    // SAFETY: this process is single-threaded (a fresh fork), and nothing of it relies
    // on the namespaces it leaves.
    check(plan, Step::Unshare, unsafe {
        rustix::thread::unshare_unsafe(namespaces)
    })?;
    check(plan, Step::IdMaps, write_id_maps(plan))?;
    check(
        plan,
        Step::Private,
        rustix::mount::mount_change(
            c"/",
            MountPropagationFlags::PRIVATE | MountPropagationFlags::REC,
        ),
    )?;
    check(
        plan,
        Step::BindRoot,
        rustix::mount::mount_bind_recursive(c"/", plan.root.as_c_str()),
    )?;
    check(plan, Step::ReadOnly, read_only(plan))?;
    for (target, options) in &plan.tmpfs {
        check(
            plan,
            Step::Hide,
            rustix::mount::mount(
                c"tmpfs",
                target.as_c_str(),
                c"tmpfs",
                MountFlags::NOSUID | MountFlags::NODEV,
                Some(options.as_c_str()),
            ),
        )?;
    }
    if let Some(dir) = &plan.home_dir {
        check(
            plan,
            Step::Home,
            rustix::fs::mkdir(dir.as_c_str(), Mode::from_raw_mode(0o755)),
        )?;
    }
    for (source, target) in &plan.binds {
        check(
            plan,
            Step::Binds,
            rustix::mount::mount_bind(source.as_c_str(), target.as_c_str()),
        )?;
    }
    check(
        plan,
        Step::Hostname,
        rustix::system::sethostname(&plan.hostname),
    )?;
    check(plan, Step::Loopback, loopback_up())?;
    let (alive_rx, alive_tx) = check(plan, Step::Fork, std::io::pipe())?;
    // SAFETY: this process is single-threaded; both sides go on with system calls only.
    match unsafe { libc::fork() } {
        -1 => Err(fail(plan, Step::Fork, io::Error::last_os_error())),
        0 => {
            drop(alive_tx);
            init(plan, alive_rx)
        }
        pid => {
            drop(alive_rx);
            supervise(pid, alive_tx.as_raw_fd())
        }
    }
}

/// Signal handlers of this process must not run in the sandbox's processes.
fn reset_signals() {
    for signal in [
        libc::SIGCHLD,
        libc::SIGHUP,
        libc::SIGINT,
        libc::SIGQUIT,
        libc::SIGTERM,
        libc::SIGALRM,
        libc::SIGPIPE,
        libc::SIGUSR1,
        libc::SIGUSR2,
        libc::SIGWINCH,
    ] {
        // SAFETY: resetting a disposition to the default touches no memory of ours.
        unsafe {
            libc::signal(signal, libc::SIG_DFL);
        }
    }
}

fn write_file(path: &CStr, data: &[u8]) -> rustix::io::Result<()> {
    let fd = rustix::fs::open(path, OFlags::WRONLY | OFlags::CLOEXEC, Mode::empty())?;
    if rustix::io::write(&fd, data)? != data.len() {
        return Err(Errno::IO);
    }
    Ok(())
}

fn write_id_maps(plan: &Plan) -> rustix::io::Result<()> {
    // Required before an unprivileged gid_map; absent before Linux 3.19.
    match write_file(c"/proc/self/setgroups", b"deny") {
        Ok(()) | Err(Errno::NOENT) => {}
        Err(e) => return Err(e),
    }
    write_file(c"/proc/self/uid_map", &plan.uid_map)?;
    write_file(c"/proc/self/gid_map", &plan.gid_map)
}

/// `struct mount_attr` of `mount_setattr(2)`.
#[repr(C)]
struct MountAttr {
    attr_set: u64,
    attr_clr: u64,
    propagation: u64,
    userns_fd: u64,
}

/// Every mount under the new root read-only: at once with `mount_setattr` (Linux 5.12),
/// else one remount per mount (listed before the fork, so a mount made on this machine
/// in between would stay writable), keeping the flags the parent namespace locked.
fn read_only(plan: &Plan) -> io::Result<()> {
    let attr = MountAttr {
        attr_set: u64::from(MountAttrFlags::MOUNT_ATTR_RDONLY.bits()),
        attr_clr: 0,
        propagation: 0,
        userns_fd: 0,
    };
    // SAFETY: the path is a NUL-terminated string and `attr` a `struct mount_attr` of
    // the size passed; the kernel only reads both.
    let done = unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            libc::AT_FDCWD,
            plan.root.as_ptr(),
            libc::AT_RECURSIVE as libc::c_uint,
            &raw const attr,
            std::mem::size_of::<MountAttr>(),
        )
    };
    if done == 0 {
        return Ok(());
    }
    let err = io::Error::last_os_error();
    // Missing (before 5.12) or filtered out (a seccomp profile): one mount at a time.
    if !matches!(err.raw_os_error(), Some(libc::ENOSYS | libc::EPERM)) {
        return Err(err);
    }
    for (target, flags) in &plan.remounts {
        match rustix::mount::mount_remount(
            target.as_c_str(),
            *flags | MountFlags::BIND | MountFlags::RDONLY,
            c"",
        ) {
            // What the sandbox cannot reach, the command cannot either.
            Ok(()) | Err(Errno::ACCESS | Errno::NOENT) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

fn loopback_up() -> io::Result<()> {
    let socket = std::os::unix::net::UnixDatagram::unbound()?;
    // SAFETY: an all-zero `ifreq` is valid; the name and flags are set below.
    let mut request: libc::ifreq = unsafe { std::mem::zeroed() };
    for (to, from) in request.ifr_name.iter_mut().zip(b"lo") {
        *to = *from as libc::c_char;
    }
    request.ifr_ifru.ifru_flags = (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
    // SAFETY: SIOCSIFFLAGS reads an `ifreq`, which `request` is.
    if unsafe {
        libc::ioctl(
            socket.as_raw_fd(),
            libc::SIOCSIFFLAGS as _,
            &raw const request,
        )
    } != 0
    {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Closes every descriptor but `keep`.
fn close_fds(keep: Option<RawFd>) {
    match keep.and_then(|k| u32::try_from(k).ok()) {
        Some(k) => {
            if k > 0 {
                close_range(0, k - 1);
            }
            close_range(k + 1, u32::MAX);
        }
        None => close_range(0, u32::MAX),
    }
}

fn close_range(first: u32, last: u32) {
    // SAFETY: closing descriptors this process no longer uses (nothing else runs here).
    if unsafe { libc::syscall(libc::SYS_close_range, first, last, 0 as libc::c_uint) } == 0 {
        return;
    }
    // Before Linux 5.9: one at a time, up to the limit of open files.
    let limit = rustix::process::getrlimit(Resource::Nofile)
        .current
        .unwrap_or(1024)
        .min(1 << 16);
    let last = last.min(u32::try_from(limit).unwrap_or(u32::MAX));
    for fd in first..=last {
        if let Ok(fd) = i32::try_from(fd) {
            // SAFETY: as above.
            unsafe {
                libc::close(fd);
            }
        }
    }
}

fn status_code(status: WaitStatus) -> i32 {
    match (status.exit_status(), status.terminating_signal()) {
        (Some(code), _) => code,
        (None, Some(signal)) => 128 + signal,
        _ => EXIT_SETUP,
    }
}

/// The supervisor after the fork: waits for the init and exits like it. Keeps only
/// `alive`, whose closing tells the init this process is gone.
fn supervise(init: libc::pid_t, alive: RawFd) -> ! {
    close_fds(Some(alive));
    let Some(pid) = Pid::from_raw(init) else {
        exit(EXIT_SETUP)
    };
    loop {
        match rustix::process::waitpid(Some(pid), WaitOptions::empty()) {
            Ok(Some((_, status))) => exit(status_code(status)),
            Err(Errno::INTR) => {}
            _ => exit(EXIT_SETUP),
        }
    }
}

/// Pid 1 of the new pid namespace: dies with the supervisor, starts the command,
/// reaps every orphan and exits with the command's status.
fn init(plan: &Plan, alive: std::io::PipeReader) -> io::Result<()> {
    check(
        plan,
        Step::Fork,
        rustix::process::set_parent_process_death_signal(Some(Signal::KILL)),
    )?;
    // The supervisor may have died before the line above: then no writer is left.
    let mut byte = [0u8; 1];
    let probe =
        rustix::io::ioctl_fionbio(&alive, true).and_then(|()| rustix::io::read(&alive, &mut byte));
    if !matches!(probe, Err(Errno::AGAIN)) {
        exit(EXIT_SETUP);
    }
    drop(alive);
    // SAFETY: single-threaded, as in `enter`.
    match unsafe { libc::fork() } {
        -1 => Err(fail(plan, Step::Fork, io::Error::last_os_error())),
        0 => command(plan),
        pid => {
            close_fds(None);
            reap(pid)
        }
    }
}

fn reap(command: libc::pid_t) -> ! {
    let command = Pid::from_raw(command);
    loop {
        match rustix::process::wait(WaitOptions::empty()) {
            Ok(Some((pid, status))) if Some(pid) == command => exit(status_code(status)),
            Ok(_) | Err(Errno::INTR) => {}
            Err(_) => exit(EXIT_SETUP),
        }
    }
}

/// The command's process, pid 2: the last steps, then back to `Command`, which execs.
fn command(plan: &Plan) -> io::Result<()> {
    check(
        plan,
        Step::Proc,
        rustix::mount::mount(
            c"proc",
            plan.proc_dir.as_c_str(),
            c"proc",
            MountFlags::NOSUID | MountFlags::NODEV | MountFlags::NOEXEC,
            None::<&CStr>,
        ),
    )?;
    check(plan, Step::PivotRoot, pivot(plan))?;
    check(
        plan,
        Step::Home,
        rustix::process::chdir(plan.home_inside.as_c_str()),
    )?;
    if plan.terminal {
        // SAFETY: descriptor 0 is the terminal `Command` set up as stdin.
        let stdin = unsafe { BorrowedFd::borrow_raw(0) };
        check(
            plan,
            Step::Terminal,
            rustix::process::setsid().and_then(|_| rustix::process::ioctl_tiocsctty(stdin)),
        )?;
    }
    check(plan, Step::Capabilities, drop_capabilities())?;
    // Nothing but stdin, stdout and stderr crosses into the program.
    // SAFETY: marks descriptors close-on-exec; ignored where the kernel lacks it.
    unsafe {
        libc::syscall(
            libc::SYS_close_range,
            3 as libc::c_uint,
            u32::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        );
    }
    Ok(())
}

/// Into the new root; the old one is detached, so nothing of it stays reachable.
fn pivot(plan: &Plan) -> rustix::io::Result<()> {
    rustix::process::chdir(plan.root.as_c_str())?;
    rustix::process::pivot_root(c".", c".")?;
    rustix::mount::unmount(c".", UnmountFlags::DETACH)?;
    rustix::process::chdir(c"/")
}

/// No capability, now or after exec, even for a command mapped to root.
fn drop_capabilities() -> rustix::io::Result<()> {
    for cap in 0..64u32 {
        match rustix::thread::remove_capability_from_bounding_set(CapabilitySet::from_bits_retain(
            1u64 << cap,
        )) {
            Ok(()) => {}
            // Past the last capability this kernel knows.
            Err(Errno::INVAL) => break,
            Err(e) => return Err(e),
        }
    }
    rustix::thread::set_capabilities(
        None,
        CapabilitySets {
            effective: CapabilitySet::empty(),
            permitted: CapabilitySet::empty(),
            inheritable: CapabilitySet::empty(),
        },
    )?;
    rustix::thread::set_no_new_privs(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mountinfo_points_are_unescaped_with_their_locked_flags() {
        let text = "22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:5 - proc proc rw\n\
                    30 1 8:1 / /mnt/my\\040disk ro,noatime - ext4 /dev/sda1 rw\n\
                    31 1 8:2 / /data rw - ext4 /dev/sda2 rw\n\
                    garbage\n";
        let got = parse_mountinfo(text);
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].0, Path::new("/proc"));
        assert_eq!(
            got[0].1,
            MountFlags::NOSUID | MountFlags::NODEV | MountFlags::NOEXEC | MountFlags::RELATIME
        );
        assert_eq!(got[1].0, Path::new("/mnt/my disk"));
        assert_eq!(got[1].1, MountFlags::NOATIME);
        assert_eq!(got[2].1, MountFlags::STRICTATIME);
    }

    #[test]
    fn unescape_leaves_other_backslashes() {
        assert_eq!(unescape("a\\134b"), b"a\\b");
        assert_eq!(unescape("a\\9"), b"a\\9");
        assert_eq!(unescape("end\\04"), b"end\\04");
    }

    #[test]
    fn steps_round_trip_and_explain() {
        for step in STEPS {
            assert_eq!(Step::from_byte(step as u8), Some(step));
            assert!(!step.describe().is_empty());
        }
        assert_eq!(Step::from_byte(0), None);
        let eperm = io::Error::from_raw_os_error(libc::EPERM);
        assert!(Step::Unshare.hint(&eperm).contains("user namespaces"));
        assert!(Step::Proc.hint(&eperm).contains("/proc"));
        assert_eq!(Step::Hostname.hint(&eperm), "");
    }

    #[test]
    fn plan_covers_homes_and_binds_the_private_dirs() {
        let dir = std::env::temp_dir().join(format!("ssm-sim-plan-{}", uuid::Uuid::new_v4()));
        let layout = Layout::create(&dir, "ssm-user").expect("layout");
        let (plan, _reader) = Plan::new(&layout, "ip-10-0-0-1.ec2.internal", true).expect("plan");
        let root = canonical(&layout.root).expect("root");
        let root_s = root.to_string_lossy().into_owned();
        assert_eq!(plan.hostname, b"ip-10-0-0-1.ec2.internal");
        assert_eq!(plan.root.to_str().ok(), Some(root_s.as_str()));
        assert!(
            plan.remounts
                .iter()
                .any(|(p, _)| p.to_str().ok() == Some(&*root_s))
        );
        let tmpfs: Vec<String> = plan
            .tmpfs
            .iter()
            .map(|(p, _)| p.to_string_lossy().into_owned())
            .collect();
        assert!(tmpfs.iter().all(|p| p.starts_with(&root_s)), "{tmpfs:?}");
        if Path::new("/run").is_dir() {
            assert!(tmpfs.iter().any(|p| p.ends_with("/run")), "{tmpfs:?}");
        }
        let uid = rustix::process::geteuid().as_raw();
        assert_eq!(plan.uid_map, format!("{uid} {uid} 1\n").into_bytes());
        // Every bind lands under the new root, and /tmp is one of them.
        assert!(
            plan.binds
                .iter()
                .all(|(_, t)| t.to_string_lossy().starts_with(&root_s))
        );
        assert!(
            plan.binds
                .iter()
                .any(|(_, t)| t.to_string_lossy().ends_with("/tmp"))
        );
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
