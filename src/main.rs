use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, CommandFactory, Parser, Subcommand};
use tokio::sync::mpsc;

use ssm_cockpit::app::{App, AppOptions, KeyMap, PANE_ALIASES, WallboardOptions};
use ssm_cockpit::aws::AwsOptions;
use ssm_cockpit::config::{self, ColorSupport, Config, Theme};
use ssm_cockpit::export::{self, Format};
use ssm_cockpit::poll::{self, PollOptions};
use ssm_cockpit::sim::{self, SimConfig, SimHandle};

/// A terminal cockpit for AWS Systems Manager: every account and region, live.
#[derive(Parser, Debug)]
#[command(name = "ssm-cockpit", version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Args, Debug)]
struct Global {
    /// Start a simulated estate in-process and open the cockpit on it (no AWS account needed).
    #[arg(long, global = true)]
    demo: bool,
    /// AWS profile to use (SSO profiles included); default: the standard credential chain.
    #[arg(long, global = true)]
    profile: Option<String>,
    /// Region(s) to watch; repeat or separate with commas. Default: the profile's region.
    #[arg(
        long = "region",
        visible_alias = "regions",
        value_delimiter = ',',
        global = true
    )]
    regions: Vec<String>,
    /// Send every AWS call to this endpoint (also read from AWS_ENDPOINT_URL).
    #[arg(long, global = true)]
    endpoint_url: Option<String>,
    /// Config file (default: $XDG_CONFIG_HOME/ssm-cockpit/config.toml).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Role assumed in member accounts (default: OrganizationAccountAccessRole).
    #[arg(long, global = true)]
    role_name: Option<String>,
    /// Never change anything in AWS; mutating actions are not even offered.
    #[arg(long, global = true)]
    read_only: bool,
    /// Unattended big-screen mode: read-only, rotating panes, only q (quit) and space (pause).
    #[arg(long, global = true)]
    wallboard: bool,
    /// Colour theme: dark, light, high-contrast (the wallboard's default), colorblind, or a
    /// theme file.
    #[arg(long, global = true)]
    theme: Option<String>,
    /// Log file (default: $XDG_STATE_HOME/ssm-cockpit/ssm-cockpit.log).
    #[arg(long, global = true)]
    log_file: Option<PathBuf>,
    /// Log level or filter (error, warn, info, debug, trace, or a tracing filter).
    #[arg(long, global = true)]
    log_level: Option<String>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the simulated estate (AWS wire protocols) for any AWS client.
    Sim(SimArgs),
    /// Print estate data headless, for scripts.
    Export {
        #[command(subcommand)]
        what: ExportWhat,
    },
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
    /// Send a Run Command document (change calendar gate, confirmation, audit log) and
    /// follow it: progress on stderr, one line per node on stdout.
    Run(ssm_cockpit::actions::cli::RunArgs),
    /// Start an Automation runbook (gate, confirmation, audit log) and follow its steps.
    Automation(ssm_cockpit::actions::cli::AutomationArgs),
}

#[derive(Subcommand, Debug)]
enum ExportWhat {
    /// Managed nodes of every scope.
    Nodes {
        #[command(flatten)]
        out: ExportOut,
        /// Also fetch each node's tags.
        #[arg(long)]
        tags: bool,
    },
    /// OpsItems of every scope.
    Opsitems(ExportOut),
    /// Compliance of every scope: one record per compliance type.
    Compliance(ExportOut),
    /// State Manager associations of every scope, with node counts per status.
    Associations(ExportOut),
    /// Maintenance windows of every scope, with their runs of the next days.
    Windows(ExportOut),
    /// Parameter Store parameters of every scope; SecureString values only with
    /// --with-decryption.
    Parameters {
        #[command(flatten)]
        out: ExportOut,
        /// Include SecureString values, decrypted (they are left out otherwise).
        #[arg(long)]
        with_decryption: bool,
    },
    /// Patch baselines of every scope with approval rules and patch groups.
    Baselines(ExportOut),
    /// SSM documents every scope sees (its own, AWS's, shared).
    Documents(ExportOut),
    /// Hybrid activations of every scope: registrations, expiry, state, instance tier.
    Activations(ExportOut),
    /// Recent Run Command commands of every scope.
    Commands(ExportOut),
    /// Recent Automation executions of every scope.
    Automations(ExportOut),
    /// Inventory of one type on every node: one record per row.
    Inventory {
        /// The inventory type, e.g. AWS:Application, AWS:Network, Custom:ServerRole.
        #[arg(long = "type", default_value = "AWS:InstanceInformation")]
        type_name: String,
        #[command(flatten)]
        out: ExportOut,
    },
}

/// The output options every export takes.
#[derive(Args, Debug)]
struct ExportOut {
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
    /// Export the scopes that answered even when others failed (exit 0).
    #[arg(long)]
    allow_partial: bool,
}

impl ExportWhat {
    /// What to export and how to write it.
    fn split(self) -> (export::What, ExportOut) {
        use export::What;
        match self {
            ExportWhat::Nodes { out, tags } => (What::Nodes { tags }, out),
            ExportWhat::Opsitems(out) => (What::OpsItems, out),
            ExportWhat::Compliance(out) => (What::Compliance, out),
            ExportWhat::Associations(out) => (What::Associations, out),
            ExportWhat::Windows(out) => (What::Windows, out),
            ExportWhat::Parameters {
                out,
                with_decryption,
            } => (What::Parameters { with_decryption }, out),
            ExportWhat::Baselines(out) => (What::Baselines, out),
            ExportWhat::Documents(out) => (What::Documents, out),
            ExportWhat::Activations(out) => (What::Activations, out),
            ExportWhat::Commands(out) => (What::Commands, out),
            ExportWhat::Automations(out) => (What::Automations, out),
            ExportWhat::Inventory { type_name, out } => (What::Inventory { type_name }, out),
        }
    }
}

#[derive(Args, Debug)]
struct SimArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Accounts in the organization, the management account included.
    #[arg(long, default_value_t = 4)]
    accounts: usize,
    /// Regions of the estate.
    #[arg(long, value_delimiter = ',', default_value = "us-east-1,eu-west-1")]
    regions: Vec<String>,
    /// Managed nodes in every (account, region).
    #[arg(long, default_value_t = 25)]
    nodes_per_scope: usize,
    /// Seed of the generated estate.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Latency added to every call, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Calls per second allowed per (account, region, operation); beyond: ThrottlingException.
    #[arg(long)]
    rate_limit: Option<f64>,
    /// Access key id every request must be signed with (with --secret-access-key).
    /// Default: a random key pair, printed at start as `credentials: KEY SECRET`.
    #[arg(
        long,
        env = "SSM_COCKPIT_SIM_ACCESS_KEY_ID",
        requires = "secret_access_key"
    )]
    access_key_id: Option<String>,
    /// Secret access key of --access-key-id. Prefer the environment variable: other local
    /// users can read a command line.
    #[arg(
        long,
        env = "SSM_COCKPIT_SIM_SECRET_ACCESS_KEY",
        hide_env_values = true,
        requires = "access_key_id"
    )]
    secret_access_key: Option<String>,
    /// Also write the key pair as this profile of the shared credentials file
    /// (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials), keeping its other profiles.
    #[arg(long, value_name = "PROFILE")]
    write_profile: Option<String>,
    #[command(flatten)]
    faults: SimFaultArgs,
}

/// Faults from the start; `/_sim/knobs` changes them while the sim serves
/// (docs/sim-faults.md).
#[derive(Args, Debug)]
#[command(next_help_heading = "Faults")]
struct SimFaultArgs {
    /// Fraction of calls (0 to 1) answered with a 500 internal error.
    #[arg(long, value_name = "FRACTION")]
    error_rate: Option<f64>,
    /// Accounts (12-digit ids) whose every call is denied; repeat or separate with commas.
    #[arg(long, value_delimiter = ',', value_name = "ACCOUNT")]
    deny_accounts: Vec<String>,
    /// Regions whose every call is throttled; repeat or separate with commas.
    #[arg(long, value_delimiter = ',', value_name = "REGION")]
    throttle_regions: Vec<String>,
    /// Extra latency of every --spike-every-th call, in milliseconds.
    #[arg(long, value_name = "MS", requires = "spike_every")]
    latency_spike_ms: Option<u64>,
    /// The period of latency spikes, in calls (counted over all calls).
    #[arg(long, value_name = "CALLS", requires = "latency_spike_ms")]
    spike_every: Option<u64>,
    /// Every call hangs: no answer until lifted through /_sim/knobs.
    #[arg(long)]
    hang: bool,
    /// These operations hang (e.g. DescribeInstanceInformation); repeat or separate with
    /// commas.
    #[arg(long, value_delimiter = ',', value_name = "OPERATION")]
    hang_ops: Vec<String>,
    /// Drops the session WebSocket carrying every N-th output frame (all sessions counted).
    #[arg(long, value_name = "N")]
    drop_sockets_every: Option<u64>,
    /// Delay of every frame the session agents write, in milliseconds.
    #[arg(long, value_name = "MS")]
    frame_delay_ms: Option<u64>,
    /// Probability (0 to 1) that a session agent frame is swapped with the next one.
    #[arg(long, value_name = "FRACTION")]
    reorder: Option<f64>,
    /// Probability (0 to 1) that a session agent frame is written twice.
    #[arg(long, value_name = "FRACTION")]
    duplicate: Option<f64>,
}

impl SimFaultArgs {
    fn settings(&self) -> sim::KnobSettings {
        let list = |v: &Vec<String>| (!v.is_empty()).then(|| v.clone());
        sim::KnobSettings {
            error_rate: self.error_rate,
            deny_accounts: list(&self.deny_accounts),
            throttle_regions: list(&self.throttle_regions),
            latency_spike_ms: self.latency_spike_ms,
            spike_every: self.spike_every,
            hang: self.hang.then_some(true),
            hang_ops: list(&self.hang_ops),
            drop_sockets_every: self.drop_sockets_every,
            frame_delay_ms: self.frame_delay_ms,
            reorder: self.reorder,
            duplicate: self.duplicate,
            ..sim::KnobSettings::default()
        }
    }
}

/// The demo estate: small enough to read, large enough to need the cockpit.
fn demo_sim_config() -> SimConfig {
    SimConfig {
        accounts: 6,
        regions: vec![
            "us-east-1".into(),
            "eu-west-1".into(),
            "ap-southeast-2".into(),
        ],
        nodes_per_scope: 30,
        ..SimConfig::default()
    }
}

/// The command line, with the cockpit's options (global to the other subcommands) left
/// out of `sim --help`: the sim takes only its own.
fn cli_command() -> clap::Command {
    let mut cmd = Cli::command();
    cmd.build();
    cmd.mut_subcommand("sim", |sim| {
        sim.mut_args(|a| if a.is_global_set() { a.hide(true) } else { a })
    })
}

/// The cockpit's options given to `sim`, which takes none of them.
fn cockpit_options_given(matches: &clap::ArgMatches) -> Vec<String> {
    let Some(("sim", sub)) = matches.subcommand() else {
        return Vec::new();
    };
    let cli = Cli::command();
    // The sim's own options (its --regions shares the cockpit's id).
    let own: Vec<String> = cli
        .find_subcommand("sim")
        .map(|sim| {
            sim.get_arguments()
                .map(|a| a.get_id().to_string())
                .collect()
        })
        .unwrap_or_default();
    cli.get_arguments()
        .filter(|a| a.is_global_set() && !own.iter().any(|id| id == a.get_id().as_str()))
        .filter(|a| {
            sub.value_source(a.get_id().as_str()) == Some(clap::parser::ValueSource::CommandLine)
        })
        .map(|a| format!("--{}", a.get_long().unwrap_or(a.get_id().as_str())))
        .collect()
}

fn main() -> ExitCode {
    use clap::FromArgMatches;
    let matches = cli_command().get_matches();
    let foreign = cockpit_options_given(&matches);
    if !foreign.is_empty() {
        eprintln!(
            "ssm-cockpit: {} not an option of `ssm-cockpit sim` (ssm-cockpit sim --help lists its options)",
            foreign.join(", ") + if foreign.len() == 1 { " is" } else { " are" }
        );
        return ExitCode::from(2);
    }
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("ssm-cockpit: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // A panic of the event loop itself unwinds to here (the terminal is restored on the
    // way); one of any other task ends the loop (`Ended::InternalError`).
    let result =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| runtime.block_on(run(cli))));
    // Pollers may be mid-call: do not wait for them.
    runtime.shutdown_timeout(Duration::from_millis(200));
    match result {
        Ok(Ok(code)) => code,
        Ok(Err(message)) => {
            eprintln!("ssm-cockpit: {message}");
            ExitCode::FAILURE
        }
        Err(_) => {
            eprintln!("ssm-cockpit: {}", ssm_cockpit::tui::panic::report());
            ExitCode::from(ssm_cockpit::tui::panic::EXIT_STATUS)
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode, String> {
    match &cli.command {
        Some(Command::Completions { shell }) => {
            // Into a buffer: generate panics on a failed write (a closed pipe).
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "ssm-cockpit", &mut script);
            return print_bytes(&script).map(|()| ExitCode::SUCCESS);
        }
        Some(Command::Man) => {
            let mut page = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut page)
                .map_err(|e| format!("man page: {e}"))?;
            let page = title_first(&String::from_utf8_lossy(&page));
            return print_bytes(page.as_bytes()).map(|()| ExitCode::SUCCESS);
        }
        _ => {}
    }
    if let Some(Command::Sim(args)) = &cli.command {
        let credentials = match (&args.access_key_id, &args.secret_access_key) {
            (Some(id), Some(secret)) => {
                Some(sim::SimCredentials::new(id, secret).map_err(|e| format!("sim: {e}"))?)
            }
            _ => None,
        };
        let cfg = SimConfig {
            listen: args.listen,
            accounts: args.accounts.max(1),
            regions: args.regions.clone(),
            nodes_per_scope: args.nodes_per_scope,
            seed: args.seed,
            latency: Duration::from_millis(args.latency_ms),
            rate_limit: args.rate_limit,
            credentials,
            sandbox: sim::SandboxMode::Auto,
        };
        let faults = args.faults.settings();
        // The settings' messages name their JSON fields: name the flags instead.
        faults.check().map_err(|e| match e.split_once(' ') {
            Some((field, rest)) => format!("--{} {rest}", field.replace('_', "-")),
            None => e,
        })?;
        sim::run_cli(cfg, args.write_profile.as_deref(), &faults)
            .await
            .map_err(|e| format!("sim: {e}"))?;
        return Ok(ExitCode::SUCCESS);
    }

    let g = &cli.global;
    let (config, config_path) = Config::load(g.config.as_deref()).map_err(|e| e.to_string())?;
    let tui = cli.command.is_none();
    let (_log_guard, log_path) = init_logging(g, &config, tui)?;
    ssm_cockpit::tui::panic::install(log_path);
    tracing::info!(config = ?config_path, "starting");

    // The demo estate lives as long as this function.
    let mut _sim: Option<SimHandle> = None;
    // Why the demo's nodes run commands unsandboxed, when they do.
    let mut demo_unsandboxed = None;
    let mut aws = AwsOptions {
        profile: g.profile.clone().or(config.profile.clone()),
        regions: config::unique_regions(if g.regions.is_empty() {
            &config.regions
        } else {
            &g.regions
        }),
        endpoint_url: g.endpoint_url.clone(),
        static_credentials: None,
        max_attempts: 5,
    };
    // The SDK reads AWS_ENDPOINT_URL itself when no endpoint is given, and an empty one
    // would stop it: check whichever applies.
    let env_endpoint = std::env::var("AWS_ENDPOINT_URL").ok();
    if let Some(url) = aws.endpoint_url.as_ref().or(env_endpoint.as_ref()) {
        config::check_endpoint_url(url)?;
    }
    for r in &aws.regions {
        if !config::is_region_name(r) {
            return Err(format!("{r:?} is not a region name (like eu-west-1)"));
        }
    }
    let mut accounts = config.accounts.clone();
    if let Some(role) = &g.role_name {
        accounts.role_name = role.clone();
    }
    if g.demo {
        let sim_cfg = demo_sim_config();
        // A random key pair per process (the config leaves it to the sim): only this
        // process can call the estate it serves on the loopback port.
        let handle = sim::start(sim_cfg.clone())
            .await
            .map_err(|e| format!("cannot start the demo estate: {e}"))?;
        let keys = handle.credentials();
        aws = AwsOptions {
            profile: None,
            regions: sim_cfg.regions.clone(),
            endpoint_url: Some(handle.endpoint().to_string()),
            static_credentials: Some((keys.access_key_id.clone(), keys.secret_access_key.clone())),
            max_attempts: 5,
        };
        accounts = config::AccountsConfig::default();
        if let sim::Isolation::Unsandboxed { reason } = handle.isolation() {
            demo_unsandboxed = Some(reason.clone());
            if !tui && let Some(warning) = handle.isolation().warning() {
                eprintln!("warning: {warning}");
            }
        }
        _sim = Some(handle);
    }
    let mut poll_opts = PollOptions::from_config(&config);
    poll_opts.role_name = accounts.role_name.clone();
    if config.poll.cache && tui {
        let profile = if g.demo {
            "demo"
        } else {
            aws.profile.as_deref().unwrap_or("default")
        };
        poll_opts.cache = poll::cache_path(profile).map(|path| poll::CacheOptions {
            path,
            min_interval: Duration::from_secs(config.poll.cache_write_seconds),
        });
    }

    match cli.command {
        Some(Command::Export { what }) => {
            let (what, opts) = what.split();
            let src = export::Source {
                aws: &aws,
                accounts: &accounts,
                poll: &poll_opts,
                allow_partial: opts.allow_partial,
            };
            let kind = what.noun();
            let result =
                export::export(&what, &src, opts.format, &mut std::io::stdout().lock()).await;
            let summary = result.map_err(|e| e.to_string())?;
            eprintln!(
                "exported {} {kind} from {} scopes{}",
                summary.records,
                summary.scopes - summary.failures.len(),
                if summary.failures.is_empty() {
                    String::new()
                } else {
                    format!("; {} scopes failed:", summary.failures.len())
                }
            );
            for (scope, err) in &summary.failures {
                eprintln!("  {scope}: {err}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Run(args)) => {
            let ctx = action_context(g, &aws, &accounts, &config)?;
            ssm_cockpit::actions::cli::run_command(ctx, args)
                .await
                .map(ExitCode::from)
        }
        Some(Command::Automation(args)) => {
            let ctx = action_context(g, &aws, &accounts, &config)?;
            ssm_cockpit::actions::cli::start_automation(ctx, args)
                .await
                .map(ExitCode::from)
        }
        Some(Command::Sim(_) | Command::Completions { .. } | Command::Man) => Ok(ExitCode::SUCCESS),
        None => {
            let theme_name = g.theme.clone().or(config.theme.clone());
            let theme = match theme_name.as_deref() {
                Some(t) => Theme::load(t, None).map_err(|e| e.to_string())?,
                None if g.wallboard => Theme::high_contrast(),
                None => Theme::default(),
            }
            .adapt(ColorSupport::detect());
            let read_only = g.read_only || g.wallboard;
            let context = if g.demo {
                "demo estate".to_string()
            } else {
                let profile = aws.profile.as_deref().unwrap_or("default chain");
                match aws.regions.len() {
                    0 => format!("profile {profile}"),
                    1 => format!("profile {profile} · {}", aws.regions[0]),
                    n => format!("profile {profile} · {n} regions"),
                }
            };
            let mut app = App::new(AppOptions {
                context,
                read_only,
                theme,
                demo: g.demo,
                demo_unsandboxed,
            });
            app.set_keys(KeyMap::from_config(&config.keys).unwrap_or_default());
            app.set_cadences(ssm_cockpit::model::Cadences::new(|feed| {
                poll_opts.interval(feed)
            }));
            if let Some(cache) = &poll_opts.cache {
                app.set_disk_cache(cache.path.clone(), cache.min_interval);
            }
            app.set_audit_path(
                config
                    .audit
                    .path
                    .clone()
                    .or_else(ssm_cockpit::actions::audit::default_path),
            );
            if g.wallboard {
                let panes = config
                    .wallboard
                    .panes
                    .iter()
                    .filter_map(|name| {
                        PANE_ALIASES
                            .iter()
                            .find(|(names, _)| names.contains(&name.as_str()))
                            .map(|(_, pane)| *pane)
                    })
                    .collect();
                app.set_wallboard(WallboardOptions::new(
                    panes,
                    config.wallboard.rotate_interval(),
                    |feed| poll_opts.interval(feed),
                ));
            }
            let (tx, rx) = mpsc::channel(1024);
            let (poll_handle, poll_control) = poll::poll_control(app.wanted_feeds());
            poll_opts.control = Some(poll_control);
            let connector = ssm_cockpit::aws::SharedConnector::default();
            let sessions = (!read_only).then(|| ssm_cockpit::tui::SessionSetup {
                connector: connector.clone(),
                role_name: accounts.role_name.clone(),
                record_dir: config.session.recordings(),
            });
            let actions = ssm_cockpit::aws::WriteAccess::unless_read_only(g.read_only, g.wallboard)
                .map(|access| ssm_cockpit::actions::ActionSetup {
                    connector: connector.clone(),
                    access,
                    role_name: accounts.role_name.clone(),
                    gate: ssm_cockpit::actions::Gate::new(config.actions.clone()),
                    audit_path: ssm_cockpit::actions::cli::audit_path(&config).ok(),
                });
            let pollers = tokio::spawn(poll::run_estate(
                aws,
                accounts,
                poll_opts,
                tx,
                connector.clone(),
            ));
            let result =
                ssm_cockpit::tui::run_with_actions(app, rx, sessions, Some(poll_handle), actions)
                    .await;
            pollers.abort();
            let ended = result.map_err(|e| format!("terminal: {e}"))?;
            if ended == ssm_cockpit::tui::Ended::InternalError {
                eprintln!("ssm-cockpit: {}", ssm_cockpit::tui::panic::report());
            }
            Ok(ExitCode::from(ended.exit_status()))
        }
    }
}

/// What the headless actions need; refused in read-only and wallboard mode.
fn action_context<'a>(
    g: &Global,
    aws: &'a AwsOptions,
    accounts: &'a config::AccountsConfig,
    config: &'a Config,
) -> Result<ssm_cockpit::actions::cli::Context<'a>, String> {
    let access = ssm_cockpit::aws::WriteAccess::unless_read_only(g.read_only, g.wallboard)
        .ok_or("this changes AWS, and --read-only (or --wallboard) forbids it")?;
    Ok(ssm_cockpit::actions::cli::Context {
        aws,
        accounts,
        config,
        access,
    })
}

/// Writes to stdout; a closed pipe is an error, not a panic.
fn print_bytes(bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| format!("writing to stdout: {e}"))
}

/// The man page with its `.TH` line first (man-pages(7)); clap_mangen puts its apostrophe
/// string definition before it, which the title does not use.
fn title_first(page: &str) -> String {
    let Some(th) = page.lines().find(|l| l.starts_with(".TH ")) else {
        return page.to_string();
    };
    if th.contains("\\*(Aq") {
        return page.to_string();
    }
    let mut out = format!("{th}\n");
    for line in page.lines().filter(|l| *l != th) {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Logs go to a file, never to the screen under the TUI. Headless commands log warnings to
/// stderr when no file is named. Returns the writer's guard and the log file's path.
fn init_logging(
    g: &Global,
    config: &Config,
    tui: bool,
) -> Result<
    (
        Option<tracing_appender::non_blocking::WorkerGuard>,
        Option<PathBuf>,
    ),
    String,
> {
    use tracing_subscriber::EnvFilter;
    let level = g
        .log_level
        .clone()
        .or(config.log.level.clone())
        .unwrap_or_else(|| "info".into());
    let filter =
        cap_secrets(EnvFilter::try_new(&level).map_err(|e| format!("--log-level {level:?}: {e}"))?);
    let file = g.log_file.clone().or(config.log.file.clone()).or_else(|| {
        if tui {
            config::state_dir().map(|d| d.join("ssm-cockpit.log"))
        } else {
            None
        }
    });
    match file {
        Some(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("log directory {}: {e}", dir.display()))?;
            }
            let f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(|e| format!("log file {}: {e}", path.display()))?;
            let (writer, guard) = tracing_appender::non_blocking(f);
            tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_writer(writer)
                .with_ansi(false)
                .init();
            Ok((Some(guard), Some(path)))
        }
        None => {
            let filter = cap_secrets(
                EnvFilter::try_new(g.log_level.as_deref().unwrap_or("warn"))
                    .map_err(|e| format!("--log-level: {e}"))?,
            );
            tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_writer(std::io::stderr)
                .init();
            Ok((None, None))
        }
    }
}

/// At trace level the SDK logs whole responses, session tokens and credentials included:
/// its HTTP and runtime targets never go below debug.
fn cap_secrets(filter: tracing_subscriber::EnvFilter) -> tracing_subscriber::EnvFilter {
    use tracing_subscriber::filter::LevelFilter;
    if filter.max_level_hint() != Some(LevelFilter::TRACE) {
        return filter;
    }
    [
        "aws_smithy_runtime=debug",
        "aws_smithy_http_client=debug",
        "aws_smithy_runtime_api=debug",
        "aws_config=debug",
        "hyper=debug",
        "tungstenite=debug",
        "tokio_tungstenite=debug",
    ]
    .iter()
    .filter_map(|d| d.parse().ok())
    .fold(filter, |f, d| f.add_directive(d))
}
