//! The simulated estate: a local HTTP server speaking the real AWS wire protocols
//! (SSM and Organizations over AWS JSON 1.1, STS over AWS Query) for a deterministic,
//! seeded organization of accounts and managed nodes.
//!
//! Every request must be signed (SigV4) with the sim's key pair (the management account)
//! or with credentials its AssumeRole issued (a member account); the region comes from
//! the credential scope. See [`auth`] and docs/sim-auth.md.

mod activations;
mod agent;
mod associations;
mod auth;
mod automation;
mod bad_answer;
mod baselines;
mod calendar;
mod call_faults;
mod command_exec;
mod command_work;
mod commands;
mod compliance;
mod control;
mod ctx;
mod documents;
mod estate;
mod explorer;
#[doc(hidden)]
pub mod fuzz;
mod input;
mod inventory;
mod knobs;
mod limits;
mod ops_data;
mod ops_items;
mod opscenter;
mod organizations;
mod parameters;
mod patch;
mod port_forward;
mod profile;
mod records;
mod request;
mod sandbox;
mod schedule;
mod server;
mod session_faults;
mod session_store;
mod sessions;
mod shell;
mod sigv4;
mod ssm;
mod stats;
mod store;
mod sts;
mod websocket;
mod windows;
mod wire;

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use auth::SimCredentials;
pub use call_faults::Hang;
pub use control::KnobSettings;
pub use knobs::SimKnobs;
pub use knobs::{BadAnswer, BadAnswerRule, ForcedCalendar};
pub use sandbox::{Isolation, SANDBOX_ENV, SandboxMode};
pub use stats::SimStats;

/// Shape of the simulated estate and of the server.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Address to listen on; port 0 picks a free one.
    pub listen: SocketAddr,
    /// Accounts in the organization, management account included (at least 1).
    pub accounts: usize,
    pub regions: Vec<String>,
    /// Nodes in every (account, region).
    pub nodes_per_scope: usize,
    pub seed: u64,
    /// Added to every call.
    pub latency: Duration,
    /// Token-bucket TPS per (account, region, operation); burst is `max(1, TPS)`.
    pub rate_limit: Option<f64>,
    /// The key pair requests must be signed with (the management account); `None` makes a
    /// random one at start (see [`SimHandle::credentials`]).
    pub credentials: Option<SimCredentials>,
    /// Whether shells and Run Command scripts of the nodes run sandboxed (when this
    /// machine allows it); `SSM_COCKPIT_SIM_SANDBOX=off` turns the sandbox off too.
    pub sandbox: SandboxMode,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            accounts: 4,
            regions: vec!["us-east-1".into(), "eu-west-1".into()],
            nodes_per_scope: 25,
            seed: 42,
            latency: Duration::ZERO,
            rate_limit: None,
            credentials: None,
            sandbox: SandboxMode::Auto,
        }
    }
}

/// A running sim. The server stops when this is dropped or shut down.
pub struct SimHandle {
    endpoint: String,
    state: Arc<ctx::State>,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl SimHandle {
    /// `http://HOST:PORT`, to pass as an SDK `endpoint_url`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The key pair the sim accepts as its management account.
    pub fn credentials(&self) -> &SimCredentials {
        self.state.keys.root()
    }

    pub fn stats(&self) -> SimStats {
        self.state.stats.snapshot()
    }

    pub fn knobs(&self) -> &SimKnobs {
        &self.state.knobs
    }

    /// Whether the nodes' shells and Run Command scripts run sandboxed, or on this
    /// machine as the user running the sim (and why).
    pub fn isolation(&self) -> &Isolation {
        &self.state.knobs.isolation
    }

    /// The management account's 12-digit id.
    pub fn management_account(&self) -> &str {
        &self.state.estate.management().id
    }

    /// (id, name) of every account, management account first.
    pub fn accounts(&self) -> Vec<(String, String)> {
        self.state
            .estate
            .accounts
            .iter()
            .map(|a| (a.id.clone(), a.name.clone()))
            .collect()
    }

    /// Expires every AssumeRole credential issued so far: from now on a call signed with
    /// one is answered `ExpiredToken`, as AWS answers credentials whose time ran out.
    /// Credentials issued later are valid.
    pub fn expire_sessions(&self) {
        let issued = self.state.nonce.load(std::sync::atomic::Ordering::Relaxed);
        self.state.knobs.expire_sessions_below(issued);
    }

    /// Stops accepting, lets in-flight requests finish, and waits for the server task.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

/// Binds, spawns the server on the current tokio runtime, and returns.
pub async fn start(config: SimConfig) -> std::io::Result<SimHandle> {
    if config.accounts > usize::from(u16::MAX) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the sim supports at most 65535 accounts",
        ));
    }
    let listener = TcpListener::bind(config.listen).await?;
    let mut addr = listener.local_addr()?;
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let estate = estate::Estate::new(
        config.seed,
        config.accounts.max(1),
        config.regions.clone(),
        config.nodes_per_scope,
        wire::now_secs().floor(),
    );
    let mode = config.sandbox;
    let isolation = tokio::task::spawn_blocking(move || sandbox::decide(mode))
        .await
        .unwrap_or_else(|e| Isolation::Unsandboxed {
            reason: format!("the sandbox probe failed: {e}"),
        });
    if let Some(warning) = isolation.warning() {
        tracing::warn!("{warning}");
    }
    let mut knobs = SimKnobs::new(config.latency, config.rate_limit);
    knobs.isolation = isolation;
    let root = config
        .credentials
        .clone()
        .unwrap_or_else(SimCredentials::random);
    let state = Arc::new(ctx::State::new(estate, knobs, root));
    let (tx, rx) = watch::channel(false);
    state.sessions.bind(addr, rx.clone());
    let task = tokio::spawn(server::serve(listener, state.clone(), rx));
    Ok(SimHandle {
        endpoint: format!("http://{addr}"),
        state,
        shutdown: tx,
        task: Some(task),
    })
}

/// Serves the sim standalone until Ctrl-C or SIGTERM. The first stdout line is
/// `endpoint: http://HOST:PORT`, the second `credentials: ACCESS_KEY_ID SECRET_ACCESS_KEY`
/// (the key pair every request must be signed with). With `write_profile`, the pair is
/// also written as that profile of the shared credentials file before anything is printed.
/// When the nodes cannot be sandboxed, a `warning:` line on stderr follows the stdout lines.
/// `faults` are applied before the first line is printed.
pub async fn run_cli(
    config: SimConfig,
    write_profile: Option<&str>,
    faults: &KnobSettings,
) -> std::io::Result<()> {
    if let Some(name) = write_profile {
        profile::check_name(name)?;
    }
    faults
        .check()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let handle = start(config.clone()).await?;
    faults
        .apply(handle.knobs())
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let creds = handle.credentials().clone();
    let profile = match write_profile {
        Some(name) => {
            let path = profile::credentials_file()?;
            profile::write(&path, name, &creds).map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!("cannot write profile {name} to {}: {e}", path.display()),
                )
            })?;
            Some((name, path))
        }
        None => None,
    };
    let endpoint = handle.endpoint().to_string();
    let mut out = std::io::stdout().lock();
    writeln!(out, "endpoint: {endpoint}")?;
    writeln!(
        out,
        "credentials: {} {}",
        creds.access_key_id, creds.secret_access_key
    )?;
    out.flush()?;
    // The rest is for people; a reader that only wanted the first lines may have gone.
    let _ = write_banner(&mut out, &handle, &config, &endpoint, profile);
    drop(out);
    if let Some(warning) = handle.isolation().warning() {
        let _ = writeln!(std::io::stderr().lock(), "warning: {warning}");
    }

    wait_for_signal().await;
    handle.shutdown().await;
    Ok(())
}

fn write_banner(
    out: &mut impl Write,
    handle: &SimHandle,
    config: &SimConfig,
    endpoint: &str,
    profile: Option<(&str, std::path::PathBuf)>,
) -> std::io::Result<()> {
    let accounts = handle.accounts();
    let creds = handle.credentials();
    let region = config
        .regions
        .first()
        .cloned()
        .unwrap_or_else(|| "us-east-1".into());
    if let Some((name, path)) = &profile {
        writeln!(out, "profile: {name} (in {})", path.display())?;
    }
    writeln!(
        out,
        "organization: {} accounts (management {}), regions: {}",
        accounts.len(),
        handle.management_account(),
        config.regions.join(", ")
    )?;
    writeln!(
        out,
        "nodes: {} per account and region, {} in total",
        config.nodes_per_scope,
        config.nodes_per_scope * accounts.len() * config.regions.len()
    )?;
    writeln!(
        out,
        "every request must be signed (SigV4) with the key pair above, which acts as the management account, or with credentials from sts assume-role into arn:aws:iam::<ACCOUNT>:role/OrganizationAccountAccessRole for members"
    )?;
    writeln!(out, "try:")?;
    writeln!(
        out,
        "  AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY={} AWS_DEFAULT_REGION={region} aws --endpoint-url {endpoint} ssm describe-instance-information",
        creds.access_key_id, creds.secret_access_key
    )?;
    if let Some((name, _)) = &profile {
        writeln!(
            out,
            "  aws --profile {name} --region {region} --endpoint-url {endpoint} ssm describe-instance-information"
        )?;
    }
    writeln!(
        out,
        "stats: curl --aws-sigv4 aws:amz:{region}:sim --user {}:{} {endpoint}/_sim/stats",
        creds.access_key_id, creds.secret_access_key
    )?;
    writeln!(
        out,
        "faults: the same curl on {endpoint}/_sim/knobs reads them; with --data '{{\"error_rate\":0.2}}' (a POST) changes them"
    )?;
    out.flush()?;
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
