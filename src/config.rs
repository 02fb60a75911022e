//! The TOML config file: defaults, XDG path, validation with file/line/column errors;
//! with the data of the `[keys]` section ([`keys`]) and of colour themes ([`theme`]).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

pub mod keys;
pub mod theme;

pub use keys::{Action, KeySpec, KeysConfig, PaneAction};
pub use theme::{ColorSupport, Theme, ThemeError};

/// Default role assumed in member accounts.
pub const DEFAULT_ROLE: &str = "OrganizationAccountAccessRole";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// One account named in the config.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountEntry {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountsConfig {
    /// Role assumed in each member account.
    #[serde(default = "default_role")]
    pub role_name: String,
    /// Explicit accounts; when set, Organizations is not asked.
    #[serde(default)]
    pub list: Vec<AccountEntry>,
    /// Ask Organizations for the accounts (when `list` is empty). Default true.
    #[serde(default = "yes")]
    pub discover: bool,
}

impl Default for AccountsConfig {
    fn default() -> Self {
        AccountsConfig {
            role_name: default_role(),
            list: Vec::new(),
            discover: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PollConfig {
    /// Seconds between polls of a scope's managed nodes.
    #[serde(default = "default_nodes_secs")]
    pub nodes_seconds: u64,
    /// Seconds between refreshes of a node's tags.
    #[serde(default = "default_tags_secs")]
    pub tags_seconds: u64,
    /// Calls per second allowed per (account, region, API).
    #[serde(default = "default_rate")]
    pub rate_per_second: u32,
    /// Seconds between polls of a scope's OpsItems.
    #[serde(default = "default_opsitems_secs")]
    pub opsitems_seconds: u64,
    /// Seconds between polls of a scope's compliance summaries.
    #[serde(default = "default_compliance_secs")]
    pub compliance_seconds: u64,
    /// Seconds between polls of a scope's patch states.
    #[serde(default = "default_compliance_secs")]
    pub patch_seconds: u64,
    /// Seconds between polls of a scope's inventory.
    #[serde(default = "default_inventory_secs")]
    pub inventory_seconds: u64,
    /// Seconds between polls of Explorer (the organization's resource data sync).
    #[serde(default = "default_explorer_secs")]
    pub explorer_seconds: u64,
    /// Inventory types polled for every node (one GetInventory scan per type and scope).
    #[serde(default = "default_inventory_types")]
    pub inventory_types: Vec<String>,
    /// Keep the last snapshot in the cache directory and show it at start-up.
    #[serde(default = "yes")]
    pub cache: bool,
    /// At most one cache write per this many seconds.
    #[serde(default = "default_cache_write_secs")]
    pub cache_write_seconds: u64,
}

impl Default for PollConfig {
    fn default() -> Self {
        PollConfig {
            nodes_seconds: default_nodes_secs(),
            tags_seconds: default_tags_secs(),
            rate_per_second: default_rate(),
            opsitems_seconds: default_opsitems_secs(),
            compliance_seconds: default_compliance_secs(),
            patch_seconds: default_compliance_secs(),
            inventory_seconds: default_inventory_secs(),
            explorer_seconds: default_explorer_secs(),
            inventory_types: default_inventory_types(),
            cache: true,
            cache_write_seconds: default_cache_write_secs(),
        }
    }
}

impl PollConfig {
    pub fn nodes_interval(&self) -> Duration {
        Duration::from_secs(self.nodes_seconds)
    }
    pub fn tags_interval(&self) -> Duration {
        Duration::from_secs(self.tags_seconds)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    #[serde(default)]
    pub file: Option<PathBuf>,
    #[serde(default)]
    pub level: Option<String>,
}

/// `[session]`: Session Manager shells.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionConfig {
    /// Record every shell session (asciicast v2 files).
    #[serde(default)]
    pub record: bool,
    /// Where recordings go; default: `$XDG_DATA_HOME/ssm-cockpit/recordings`.
    #[serde(default)]
    pub record_dir: Option<PathBuf>,
}

impl SessionConfig {
    /// The recordings directory when recording is on.
    pub fn recordings(&self) -> Option<PathBuf> {
        if !self.record {
            return None;
        }
        self.record_dir
            .clone()
            .or_else(|| data_dir().map(|d| d.join("recordings")))
    }
}

/// Pane names `[wallboard] panes` takes.
pub const WALLBOARD_PANES: &[&str] = &[
    "nodes",
    "explorer",
    "ops",
    "compliance",
    "inventory",
    "scopes",
    "commands",
    "automations",
    "activations",
];

/// `[wallboard]`: the unattended big-screen mode (`--wallboard`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WallboardConfig {
    /// Panes shown in turn, from [`WALLBOARD_PANES`].
    #[serde(default = "default_wallboard_panes")]
    pub panes: Vec<String>,
    /// Seconds each pane stays on screen.
    #[serde(default = "default_rotate_secs")]
    pub rotate_seconds: u64,
}

impl Default for WallboardConfig {
    fn default() -> Self {
        WallboardConfig {
            panes: default_wallboard_panes(),
            rotate_seconds: default_rotate_secs(),
        }
    }
}

impl WallboardConfig {
    pub fn rotate_interval(&self) -> Duration {
        Duration::from_secs(self.rotate_seconds)
    }

    fn validate(&self) -> Result<(), String> {
        if self.panes.is_empty() {
            return Err("wallboard.panes must name at least one pane".into());
        }
        for p in &self.panes {
            if !WALLBOARD_PANES.contains(&p.as_str()) {
                return Err(format!(
                    "wallboard.panes: {p:?} is not a pane (one of {})",
                    WALLBOARD_PANES.join(", ")
                ));
            }
        }
        if !(5..=3600).contains(&self.rotate_seconds) {
            return Err("wallboard.rotate_seconds must be between 5 and 3600".into());
        }
        Ok(())
    }
}

/// The whole config file. Every field has a default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// AWS profile (from ~/.aws/config); else the default chain.
    #[serde(default)]
    pub profile: Option<String>,
    /// Regions to watch; else the profile's region.
    #[serde(default)]
    pub regions: Vec<String>,
    /// Theme name (dark, light) or path of a theme file.
    #[serde(default)]
    pub theme: Option<String>,
    #[serde(default)]
    pub accounts: AccountsConfig,
    #[serde(default)]
    pub poll: PollConfig,
    #[serde(default)]
    pub log: LogConfig,
    #[serde(default)]
    pub session: SessionConfig,
    #[serde(default)]
    pub wallboard: WallboardConfig,
    /// `[keys]`: action = ["key", …] (see [`keys::Action`]).
    #[serde(default)]
    pub keys: KeysConfig,
    /// `[actions]`: the change calendars every change must pass.
    #[serde(default)]
    pub actions: ActionsConfig,
    /// `[audit]`: where the audit log of every change goes.
    #[serde(default)]
    pub audit: AuditConfig,
}

/// Default word that lets a change through a CLOSED change calendar.
pub const DEFAULT_OVERRIDE_WORD: &str = "BREAK-GLASS";

/// `[actions]`: change calendars checked (GetCalendarState) before every change.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionsConfig {
    /// Calendars (names, or ARNs for calendars shared from another account) checked in
    /// every scope.
    #[serde(default)]
    pub change_calendars: Vec<String>,
    /// `[[actions.scoped_calendars]]`: calendars for some accounts and/or regions only.
    #[serde(default)]
    pub scoped_calendars: Vec<ScopedCalendars>,
    /// The word an operator types to act while a calendar is CLOSED (it is audited).
    #[serde(default = "default_override_word")]
    pub override_word: String,
}

impl Default for ActionsConfig {
    fn default() -> Self {
        ActionsConfig {
            change_calendars: Vec::new(),
            scoped_calendars: Vec::new(),
            override_word: default_override_word(),
        }
    }
}

/// Calendars that apply to some accounts and regions (empty lists match all).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopedCalendars {
    /// Account ids.
    #[serde(default)]
    pub accounts: Vec<String>,
    #[serde(default)]
    pub regions: Vec<String>,
    pub change_calendars: Vec<String>,
}

impl ScopedCalendars {
    pub fn applies_to(&self, account: &str, region: &str) -> bool {
        (self.accounts.is_empty() || self.accounts.iter().any(|a| a == account))
            && (self.regions.is_empty() || self.regions.iter().any(|r| r == region))
    }
}

/// `[audit]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditConfig {
    /// The audit log; default `$XDG_DATA_HOME/ssm-cockpit/audit.jsonl`.
    #[serde(default)]
    pub path: Option<PathBuf>,
}

impl ActionsConfig {
    fn validate(&self) -> Result<(), String> {
        let w = &self.override_word;
        if w.chars().count() < 4 || w.chars().any(char::is_whitespace) {
            return Err(
                "actions.override_word must be at least 4 characters, without spaces".into(),
            );
        }
        let names = self.change_calendars.iter().chain(
            self.scoped_calendars
                .iter()
                .flat_map(|s| &s.change_calendars),
        );
        for n in names {
            if n.trim().is_empty() {
                return Err("actions: a change calendar name is empty".into());
            }
        }
        for s in &self.scoped_calendars {
            if s.change_calendars.is_empty() {
                return Err("actions.scoped_calendars: change_calendars is empty".into());
            }
            if let Some(a) = s
                .accounts
                .iter()
                .find(|a| a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()))
            {
                return Err(format!(
                    "actions.scoped_calendars: account id {a:?} is not 12 digits"
                ));
            }
            if let Some(r) = s.regions.iter().find(|r| !is_region_name(r)) {
                return Err(format!(
                    "actions.scoped_calendars: {r:?} is not a region name (like eu-west-1)"
                ));
            }
        }
        Ok(())
    }
}

fn default_override_word() -> String {
    DEFAULT_OVERRIDE_WORD.to_string()
}

fn default_role() -> String {
    DEFAULT_ROLE.to_string()
}
fn yes() -> bool {
    true
}
fn default_nodes_secs() -> u64 {
    60
}
fn default_tags_secs() -> u64 {
    1800
}
fn default_rate() -> u32 {
    5
}
fn default_opsitems_secs() -> u64 {
    60
}
fn default_compliance_secs() -> u64 {
    300
}
fn default_inventory_secs() -> u64 {
    1800
}
fn default_explorer_secs() -> u64 {
    900
}
fn default_cache_write_secs() -> u64 {
    30
}
fn default_wallboard_panes() -> Vec<String> {
    ["explorer", "ops", "compliance", "nodes"]
        .map(String::from)
        .to_vec()
}
fn default_rotate_secs() -> u64 {
    20
}
fn default_inventory_types() -> Vec<String> {
    vec!["AWS:InstanceInformation".into(), "AWS:Application".into()]
}

/// `$XDG_CONFIG_HOME/ssm-cockpit/config.toml` (or the platform equivalent).
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "ssm-cockpit")
        .map(|d| d.config_dir().join("config.toml"))
}

/// The directory for logs and other state (`$XDG_STATE_HOME/ssm-cockpit` or the data dir).
pub fn state_dir() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "ssm-cockpit")?;
    Some(
        dirs.state_dir()
            .unwrap_or_else(|| dirs.data_local_dir())
            .to_path_buf(),
    )
}

/// The directory for the snapshot cache (`$XDG_CACHE_HOME/ssm-cockpit`).
pub fn cache_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "ssm-cockpit").map(|d| d.cache_dir().to_path_buf())
}

/// The directory for user data such as recordings (`$XDG_DATA_HOME/ssm-cockpit`).
pub fn data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "ssm-cockpit").map(|d| d.data_dir().to_path_buf())
}

impl Config {
    /// Loads `explicit` (must exist) or the default path (may be absent: defaults).
    pub fn load(explicit: Option<&Path>) -> Result<(Config, Option<PathBuf>), ConfigError> {
        match explicit {
            Some(p) => Ok((Config::from_file(p)?, Some(p.to_path_buf()))),
            None => match default_path() {
                Some(p) if p.exists() => Ok((Config::from_file(&p)?, Some(p))),
                _ => Ok((Config::default(), None)),
            },
        }
    }

    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, path)
    }

    /// Parses and validates `text`; errors name `path`, line and column.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
            ConfigError::Parse {
                path: path.to_path_buf(),
                line,
                column,
                message: e.message().to_string(),
            }
        })?;
        config.validate().map_err(|message| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        })?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), String> {
        for a in &self.accounts.list {
            if a.id.len() != 12 || !a.id.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!(
                    "accounts.list: account id {:?} is not 12 digits",
                    a.id
                ));
            }
        }
        for r in &self.regions {
            if !is_region_name(r) {
                return Err(format!(
                    "regions: {r:?} is not a region name (like eu-west-1)"
                ));
            }
        }
        if self.poll.nodes_seconds < 5 {
            return Err("poll.nodes_seconds must be at least 5".into());
        }
        if self.poll.tags_seconds < 60 {
            return Err("poll.tags_seconds must be at least 60".into());
        }
        for (name, secs) in [
            ("opsitems_seconds", self.poll.opsitems_seconds),
            ("compliance_seconds", self.poll.compliance_seconds),
            ("patch_seconds", self.poll.patch_seconds),
            ("inventory_seconds", self.poll.inventory_seconds),
            ("explorer_seconds", self.poll.explorer_seconds),
        ] {
            if secs < 5 {
                return Err(format!("poll.{name} must be at least 5"));
            }
        }
        for t in &self.poll.inventory_types {
            if !(t.starts_with("AWS:") || t.starts_with("Custom:")) || t.len() > 100 {
                return Err(format!(
                    "poll.inventory_types: {t:?} is not an inventory type (like AWS:Application)"
                ));
            }
        }
        if self.poll.rate_per_second == 0 {
            return Err("poll.rate_per_second must be at least 1".into());
        }
        if self.accounts.role_name.is_empty() {
            return Err("accounts.role_name must not be empty".into());
        }
        self.keys.pane_bindings()?;
        if let Some(level) = &self.log.level {
            tracing_subscriber::EnvFilter::try_new(level).map_err(|e| {
                format!(
                    "log.level {level:?}: {e} (a level such as \"info\" or \"debug\", or \
                     targets such as \"ssm_cockpit=debug,info\")"
                )
            })?;
        }
        self.actions.validate()?;
        self.wallboard.validate()
    }
}

/// `regions` without repeats, in their first order: a region named twice is polled once.
pub fn unique_regions(regions: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(regions.len());
    for r in regions {
        if !out.contains(r) {
            out.push(r.clone());
        }
    }
    out
}

/// Checks an endpoint URL given on the command line or in AWS_ENDPOINT_URL: an absolute
/// http(s) URL with a host. The message says what to do.
pub fn check_endpoint_url(url: &str) -> Result<(), String> {
    let trimmed = url.trim();
    if trimmed.is_empty() {
        return Err(
            "the endpoint URL is empty: pass --endpoint-url http://HOST:PORT, or unset \
                    AWS_ENDPOINT_URL to use AWS's own endpoints"
                .into(),
        );
    }
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
        .ok_or_else(|| {
            format!("endpoint URL {url:?} must start with http:// or https:// (e.g. http://127.0.0.1:4566)")
        })?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || host.starts_with(':') || trimmed != url {
        return Err(format!(
            "endpoint URL {url:?} has no host (e.g. http://127.0.0.1:4566)"
        ));
    }
    Ok(())
}

/// `xx-name-N` and the like (`us-gov-west-1`, `cn-north-1`).
pub fn is_region_name(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary(offset)];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/tmp/c.toml"))
    }

    #[test]
    fn empty_file_gives_defaults() {
        let c = parse("").unwrap();
        assert_eq!(c, Config::default());
        assert_eq!(c.accounts.role_name, DEFAULT_ROLE);
        assert_eq!(c.poll.nodes_seconds, 60);
    }

    #[test]
    fn full_file_parses() {
        let c = parse(
            r#"
profile = "prod"
regions = ["eu-west-1", "us-east-1"]
theme = "light"
[accounts]
role_name = "CockpitRead"
list = [{ id = "123456789012", name = "prod" }, { id = "210987654321" }]
[poll]
nodes_seconds = 30
"#,
        )
        .unwrap();
        assert_eq!(c.profile.as_deref(), Some("prod"));
        assert_eq!(c.accounts.list.len(), 2);
        assert_eq!(c.accounts.list[0].name.as_deref(), Some("prod"));
        assert_eq!(c.poll.nodes_seconds, 30);
        assert_eq!(c.poll.tags_seconds, 1800);
    }

    #[test]
    fn syntax_error_names_line_and_column() {
        let err = parse("regions = [\"eu-west-1\"]\n[poll]\nnodes_seconds = \"x\"\n").unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("/tmp/c.toml:3:17:"), "{text}");
    }

    #[test]
    fn unknown_key_is_an_error_with_position() {
        let err = parse("[accounts]\nrole = \"x\"\n").unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("/tmp/c.toml:2:1:"), "{text}");
        assert!(text.contains("role"), "{text}");
    }

    #[test]
    fn bad_values_are_rejected() {
        assert!(parse("regions = [\"Europe\"]").is_err());
        assert!(parse("[[accounts.list]]\nid = \"12\"").is_err());
        assert!(parse("[poll]\nnodes_seconds = 1").is_err());
    }

    #[test]
    fn poll_section() {
        let c = parse("[poll]\nnodes_seconds = 30\nexplorer_seconds = 600\ninventory_types = [\"AWS:Network\"]\ncache = false\n").unwrap();
        assert_eq!(c.poll.nodes_seconds, 30);
        assert_eq!(c.poll.explorer_seconds, 600);
        assert_eq!(c.poll.opsitems_seconds, 60);
        assert_eq!(c.poll.compliance_seconds, 300);
        assert_eq!(c.poll.inventory_seconds, 1800);
        assert_eq!(c.poll.inventory_types, vec!["AWS:Network".to_string()]);
        assert!(!c.poll.cache);
        assert!(parse("[poll]\ninventory_types = [\"Network\"]").is_err());
        assert!(parse("[poll]\ncompliance_seconds = 0").is_err());
    }

    #[test]
    fn session_section() {
        let c = parse("").unwrap();
        assert!(!c.session.record);
        assert_eq!(c.session.recordings(), None);
        let c = parse("[session]\nrecord = true\nrecord_dir = \"/tmp/casts\"\n").unwrap();
        assert_eq!(c.session.recordings(), Some(PathBuf::from("/tmp/casts")));
        assert!(parse("[session]\nrecords = true\n").is_err());
    }

    #[test]
    fn wallboard_section() {
        let c = parse("").unwrap();
        assert_eq!(
            c.wallboard.panes,
            vec!["explorer", "ops", "compliance", "nodes"]
        );
        assert_eq!(c.wallboard.rotate_seconds, 20);
        let c =
            parse("[wallboard]\npanes = [\"scopes\", \"nodes\"]\nrotate_seconds = 45\n").unwrap();
        assert_eq!(c.wallboard.panes, vec!["scopes", "nodes"]);
        assert_eq!(c.wallboard.rotate_interval(), Duration::from_secs(45));
        let err = parse("[wallboard]\npanes = [\"ops\", \"sessions\"]\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("\"sessions\" is not a pane") && err.contains("explorer"),
            "{err}"
        );
        assert!(parse("[wallboard]\npanes = []\n").is_err());
        assert!(parse("[wallboard]\nrotate_seconds = 1\n").is_err());
        let err = parse("[wallboard]\nrotate = 20\n").unwrap_err().to_string();
        assert!(err.starts_with("/tmp/c.toml:2:1:"), "{err}");
    }

    #[test]
    fn endpoint_urls_need_a_scheme_and_a_host() {
        for ok in [
            "http://127.0.0.1:4566",
            "https://ssm.eu-west-1.amazonaws.com",
            "http://h/p",
        ] {
            assert_eq!(check_endpoint_url(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            " ",
            "127.0.0.1:4566",
            "http://",
            "https://:443",
            "ftp://h",
            " http://h",
        ] {
            assert!(check_endpoint_url(bad).is_err(), "{bad:?}");
        }
        assert!(
            check_endpoint_url("")
                .unwrap_err()
                .contains("AWS_ENDPOINT_URL")
        );
    }

    #[test]
    fn repeated_regions_count_once() {
        let r = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            unique_regions(&r(&["us-east-1", "eu-west-1", "us-east-1"])),
            r(&["us-east-1", "eu-west-1"])
        );
    }

    #[test]
    fn a_bad_log_level_names_the_config_key() {
        let e = parse("[log]\nlevel = \"loud==\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("log.level") && e.contains("/tmp/c.toml"), "{e}");
        assert!(!e.contains("--log-level"), "{e}");
        assert!(parse("[log]\nlevel = \"ssm_cockpit=debug,info\"\n").is_ok());
    }

    #[test]
    fn keys_section() {
        let c = parse("[keys]\ndown = [\"n\", \"Down\"]\n")
            .unwrap_err()
            .to_string();
        assert!(c.contains("keys.down") && c.contains("/tmp/c.toml"), "{c}");
        let c = parse("[keys]\ndown = [\"z\", \"Down\"]\nquit = [\"Ctrl-q\"]\n").unwrap();
        let down: Vec<String> = c
            .keys
            .bindings()
            .unwrap_or_default()
            .into_iter()
            .filter(|(_, a)| *a == Action::Down)
            .map(|(k, _)| k.to_string())
            .collect();
        assert_eq!(down, ["z", "↓"]);
        let err = parse("[keys]\ndown = [\"k\"]\n").unwrap_err().to_string();
        assert!(
            err.starts_with("/tmp/c.toml: ") && err.contains("both down and up"),
            "{err}"
        );
        let err = parse("[keys]\nup = [\"k\"]\nsideways = [\"x\"]\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("/tmp/c.toml:3:1:"), "{err}");
        let err = parse("[keys]\nup = [\"k\", \"Hyper-k\"]\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("/tmp/c.toml:2:") && err.contains("unknown key \"Hyper-k\""),
            "{err}"
        );
    }

    #[test]
    fn actions_and_audit_sections() {
        let c = parse(
            r#"
[actions]
change_calendars = ["prod-freeze"]
override_word = "I-MEAN-IT"
[[actions.scoped_calendars]]
accounts = ["123456789012"]
regions = ["eu-west-1"]
change_calendars = ["arn:aws:ssm:eu-west-1:123456789012:document/eu-freeze"]
[audit]
path = "/var/log/cockpit-audit.jsonl"
"#,
        )
        .unwrap();
        assert_eq!(c.actions.change_calendars, vec!["prod-freeze".to_string()]);
        assert_eq!(c.actions.override_word, "I-MEAN-IT");
        assert!(c.actions.scoped_calendars[0].applies_to("123456789012", "eu-west-1"));
        assert!(!c.actions.scoped_calendars[0].applies_to("123456789012", "us-east-1"));
        assert_eq!(
            c.audit.path.as_deref(),
            Some(Path::new("/var/log/cockpit-audit.jsonl"))
        );
        assert_eq!(
            parse("").unwrap().actions.override_word,
            DEFAULT_OVERRIDE_WORD
        );
        let err = parse("[actions]\nchange_calendar = [\"x\"]\n").unwrap_err();
        assert!(err.to_string().starts_with("/tmp/c.toml:2:1:"), "{err}");
        assert!(parse("[actions]\noverride_word = \"ok\"\n").is_err());
        assert!(parse("[[actions.scoped_calendars]]\nregions = [\"nowhere\"]\nchange_calendars = [\"c\"]\n").is_err());
    }

    #[test]
    fn region_names() {
        assert!(is_region_name("eu-west-1"));
        assert!(is_region_name("us-gov-west-1"));
        assert!(!is_region_name("eu-west"));
        assert!(!is_region_name("EU-west-1"));
    }
}
