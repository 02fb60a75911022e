//! The simulated estate: an organization of accounts and, per (account, region), a fleet
//! of managed nodes. Everything derives from the seed; fleets are generated on first use.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::wire::{SplitMix, fnv64};

#[derive(Debug, Clone)]
pub(crate) struct Account {
    pub id: String,
    pub name: String,
    pub email: String,
    pub suspended: bool,
    pub joined_method: &'static str,
    pub joined: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Platform {
    Linux,
    Windows,
    MacOs,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Linux => "Linux",
            Platform::Windows => "Windows",
            Platform::MacOs => "MacOS",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ping {
    Online,
    ConnectionLost,
    Inactive,
}

impl Ping {
    pub fn as_str(self) -> &'static str {
        match self {
            Ping::Online => "Online",
            Ping::ConnectionLost => "ConnectionLost",
            Ping::Inactive => "Inactive",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Association {
    pub status: &'static str,
    /// Seconds before the last ping.
    pub last_exec_before_ping: u32,
    /// Seconds before the last execution; `None` when it never succeeded.
    pub last_success_before_exec: Option<u32>,
    pub count: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub instance_id: String,
    pub hybrid: bool,
    pub ping: Ping,
    /// Online: phase within the 5-minute ping cycle; others: age of the last ping, seconds.
    pub ping_offset: u32,
    pub agent_version: &'static str,
    pub platform: Platform,
    pub platform_name: &'static str,
    pub platform_version: &'static str,
    pub activation_id: Option<String>,
    pub iam_role: Option<&'static str>,
    /// Seconds before the sim started.
    pub registered_ago: Option<u32>,
    pub name: Option<String>,
    pub ip: [u8; 4],
    pub computer_name: String,
    pub association: Option<Association>,
    pub tags: Vec<(&'static str, String)>,
}

impl Node {
    pub fn resource_type(&self) -> &'static str {
        if self.hybrid {
            "ManagedInstance"
        } else {
            "EC2Instance"
        }
    }

    pub fn source_type(&self) -> &'static str {
        if self.hybrid {
            "AWS::SSM::ManagedInstance"
        } else {
            "AWS::EC2::Instance"
        }
    }

    pub fn is_latest(&self) -> bool {
        self.agent_version == LATEST_AGENT
    }

    pub fn ip_string(&self) -> String {
        let [a, b, c, d] = self.ip;
        format!("{a}.{b}.{c}.{d}")
    }

    /// Last ping as epoch seconds, given the current time and the sim's start time.
    pub fn last_ping(&self, now: f64, started: f64) -> f64 {
        match self.ping {
            Ping::Online => {
                let cycle = 300.0;
                let since = (now + f64::from(self.ping_offset)) % cycle;
                now - since
            }
            _ => started - f64::from(self.ping_offset),
        }
    }

    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    }
}

pub(crate) const LATEST_AGENT: &str = "3.3.1802.0";
const OLD_AGENTS: &[(&str, f64)] = &[
    ("3.3.1611.0", 0.35),
    ("3.3.1345.0", 0.25),
    ("3.2.2303.0", 0.2),
    ("3.2.1705.0", 0.12),
    ("3.1.1732.0", 0.08),
];

const LINUX: &[((&str, &str), f64)] = &[
    (("Amazon Linux", "2023"), 0.35),
    (("Amazon Linux", "2"), 0.18),
    (("Ubuntu", "22.04"), 0.15),
    (("Ubuntu", "24.04"), 0.13),
    (("Red Hat Enterprise Linux", "9.4"), 0.10),
    (("SLES", "15.5"), 0.04),
    (("Debian GNU/Linux", "12"), 0.05),
];
const WINDOWS: &[((&str, &str), f64)] = &[
    (
        ("Microsoft Windows Server 2022 Datacenter", "10.0.20348"),
        0.6,
    ),
    (
        ("Microsoft Windows Server 2019 Datacenter", "10.0.17763"),
        0.4,
    ),
];
const MACOS: &[((&str, &str), f64)] = &[(("macOS", "14.6.1"), 0.6), (("macOS", "15.1"), 0.4)];

const LINUX_ROLES: &[&str] = &[
    "web",
    "web",
    "api",
    "api",
    "worker",
    "worker",
    "db",
    "db-replica",
    "cache",
    "bastion",
    "kafka",
    "etl",
    "batch",
    "ingest",
    "search",
    "proxy",
];
const WINDOWS_ROLES: &[&str] = &["ad-dc", "iis", "iis", "sql", "fileserver", "rdgw", "app"];
const HYBRID_ROLES: &[&str] = &["dc1-app", "dc1-db", "edge-gw", "factory-hmi", "branch-srv"];

/// Member account names, in order; more are synthesised beyond this list.
const MEMBER_NAMES: &[&str] = &[
    "acme-prod-payments",
    "acme-shared-network",
    "acme-prod-web",
    "acme-security-audit",
    "acme-staging-payments",
    "acme-log-archive",
    "acme-dev-sandbox",
    "acme-prod-data",
    "acme-staging-web",
    "acme-shared-services",
    "acme-dev-payments",
    "acme-prod-identity",
    "acme-prod-ml",
    "acme-staging-data",
    "acme-dev-web",
    "acme-prod-search",
    "acme-qa-payments",
    "acme-prod-mobile",
    "acme-legacy-reporting",
    "acme-staging-identity",
];
const EXTRA_ENVS: &[&str] = &["prod", "staging", "dev", "qa", "perf"];
const EXTRA_FUNCS: &[&str] = &[
    "billing",
    "analytics",
    "platform",
    "checkout",
    "catalog",
    "crm",
    "iot",
    "media",
    "ledger",
    "fraud",
    "notifications",
    "partners",
];
/// Members that are suspended in organizations large enough to have them.
const SUSPENDED_NAMES: &[&str] = &["acme-dev-sandbox", "acme-legacy-reporting"];

/// 2019-03-11, when the simulated organization was created.
const ORG_CREATED: i64 = 1_552_300_000;

type ScopeKey = (usize, usize);

pub(crate) struct Estate {
    pub seed: u64,
    pub org_id: String,
    pub accounts: Vec<Account>,
    pub regions: Vec<String>,
    pub nodes_per_scope: usize,
    /// Epoch seconds when the sim started; node ages are relative to it.
    pub started: f64,
    scopes: Mutex<HashMap<ScopeKey, Arc<Vec<Node>>>>,
}

impl Estate {
    pub fn new(
        seed: u64,
        accounts: usize,
        regions: Vec<String>,
        nodes_per_scope: usize,
        started: f64,
    ) -> Self {
        let mut rng = SplitMix::new(seed ^ 0x0a11_ce5e_ed00_0001);
        let org_id = format!("o-{}", lower_alnum(&mut rng, 10));
        let total = accounts.max(1);
        let names = account_names(total);
        let mut ids = std::collections::HashSet::new();
        let mut list = Vec::with_capacity(total);
        let mut joined = ORG_CREATED;
        for (i, name) in names.into_iter().enumerate() {
            let id = loop {
                let candidate = format!("{}", rng.range(100_000_000_000, 1_000_000_000_000));
                if ids.insert(candidate.clone()) {
                    break candidate;
                }
            };
            let suspended = i > 0
                && ((total >= 8 && name == SUSPENDED_NAMES[0])
                    || (total >= 20 && name == SUSPENDED_NAMES[1]));
            let joined_method = if i == 0 || rng.unit() < 0.15 {
                "INVITED"
            } else {
                "CREATED"
            };
            let email = format!("aws+{}@acme.example", name.trim_start_matches("acme-"));
            list.push(Account {
                id,
                name,
                email,
                suspended,
                joined_method,
                joined,
            });
            joined += rng.range(86_400 * 5, 86_400 * 60) as i64;
        }
        Estate {
            seed,
            org_id,
            accounts: list,
            regions,
            nodes_per_scope,
            started,
            scopes: Mutex::new(HashMap::new()),
        }
    }

    pub fn management(&self) -> &Account {
        &self.accounts[0]
    }

    /// The organization's name, capitalized, from the management account's name
    /// (`acme-management` -> `Acme`): the prefix of the documents the accounts own.
    pub fn org_name(&self) -> String {
        let base = self
            .management()
            .name
            .split('-')
            .next()
            .unwrap_or("acme")
            .to_string();
        let mut c = base.chars();
        match c.next() {
            Some(f) => f.to_uppercase().chain(c).collect(),
            None => "Acme".into(),
        }
    }

    pub fn account_index(&self, id: &str) -> Option<usize> {
        self.accounts.iter().position(|a| a.id == id)
    }

    /// The nodes of one (account, region); empty for a region the estate does not span.
    pub fn nodes(&self, account: usize, region: &str) -> Arc<Vec<Node>> {
        let Some(r) = self.regions.iter().position(|x| x == region) else {
            return Arc::new(Vec::new());
        };
        if account >= self.accounts.len() {
            return Arc::new(Vec::new());
        }
        let mut scopes = match self.scopes.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        scopes
            .entry((account, r))
            .or_insert_with(|| Arc::new(self.generate(account, r)))
            .clone()
    }

    fn generate(&self, account: usize, region_idx: usize) -> Vec<Node> {
        let acct = &self.accounts[account];
        let region = self.regions[region_idx].as_str();
        let mut rng = SplitMix::new(
            self.seed
                ^ fnv64(&[
                    acct.id.as_bytes(),
                    region.as_bytes(),
                    &(account as u64).to_le_bytes(),
                ]),
        );
        let env = env_of(&acct.name);
        let team = team_of(&acct.name);
        let second_octet = ((account * self.regions.len().max(1) + region_idx) % 250 + 1) as u8;
        let activations: Vec<String> = (0..2).map(|_| rng.uuid()).collect();
        let mut role_counts: HashMap<&'static str, u32> = HashMap::new();
        let mut used_ips = std::collections::HashSet::new();
        let mut nodes = Vec::with_capacity(self.nodes_per_scope);
        for _ in 0..self.nodes_per_scope {
            let hybrid = rng.unit() < 0.08;
            let mut platform = rng.weighted(&[
                (Platform::Linux, 0.77),
                (Platform::Windows, 0.20),
                (Platform::MacOs, 0.03),
            ]);
            if hybrid && platform == Platform::MacOs {
                platform = Platform::Linux;
            }
            let (platform_name, platform_version) = match platform {
                Platform::Linux => rng.weighted(LINUX),
                Platform::Windows => rng.weighted(WINDOWS),
                Platform::MacOs => rng.weighted(MACOS),
            };
            let ping = rng.weighted(&[
                (Ping::Online, 0.88),
                (Ping::ConnectionLost, 0.08),
                (Ping::Inactive, 0.04),
            ]);
            let ping_offset = match ping {
                Ping::Online => rng.range(0, 300) as u32,
                Ping::ConnectionLost => rng.range(15 * 60, 3 * 86_400) as u32,
                Ping::Inactive => rng.range(30 * 86_400, 200 * 86_400) as u32,
            };
            let outdated = match ping {
                Ping::Online => rng.unit() < 0.2,
                Ping::ConnectionLost => rng.unit() < 0.5,
                Ping::Inactive => true,
            };
            let agent_version = if outdated {
                rng.weighted(OLD_AGENTS)
            } else {
                LATEST_AGENT
            };
            let role = if hybrid {
                *rng.pick(HYBRID_ROLES)
            } else {
                match platform {
                    Platform::Linux => *rng.pick(LINUX_ROLES),
                    Platform::Windows => *rng.pick(WINDOWS_ROLES),
                    Platform::MacOs => "build-mac",
                }
            };
            let seq = role_counts.entry(role).or_insert(0);
            *seq += 1;
            let node_name = format!("{role}-{env}-{:02}", *seq);
            let instance_id = if hybrid {
                format!("mi-0{}", rng.hex(16))
            } else {
                format!("i-0{}", rng.hex(16))
            };
            let ip = loop {
                let candidate = if hybrid {
                    [192, 168, rng.range(1, 40) as u8, rng.range(2, 254) as u8]
                } else {
                    let az = rng.range(0, 3) as u8;
                    let tier = rng.range(0, 3) as u8;
                    [
                        10,
                        second_octet,
                        tier * 32 + az * 8 + rng.range(0, 8) as u8,
                        rng.range(4, 255) as u8,
                    ]
                };
                if used_ips.insert(candidate) {
                    break candidate;
                }
            };
            let computer_name = match (hybrid, platform) {
                (false, Platform::Windows) => format!("EC2AMAZ-{}", rng.upper_alnum(7)),
                (true, Platform::Windows) => format!("WIN-{}", rng.upper_alnum(11)),
                (true, _) => format!("{node_name}.dc1.acme.internal"),
                (false, _) => {
                    let [a, b, c, d] = ip;
                    if region == "us-east-1" {
                        format!("ip-{a}-{b}-{c}-{d}.ec2.internal")
                    } else {
                        format!("ip-{a}-{b}-{c}-{d}.{region}.compute.internal")
                    }
                }
            };
            let association = association(&mut rng, ping);
            let patch_os = match platform {
                Platform::Linux => "linux",
                Platform::Windows => "windows",
                Platform::MacOs => "macos",
            };
            let wave = if rng.unit() < 0.5 { 1 } else { 2 };
            let mut tags = vec![
                ("Name", node_name.clone()),
                ("Environment", env.to_string()),
                ("Team", team.to_string()),
                ("Patch Group", format!("{env}-{patch_os}-wave{wave}")),
            ];
            if rng.unit() < 0.6 {
                tags.push(("CostCenter", format!("cc-{}", 1000 + rng.range(0, 40))));
            }
            let (activation_id, iam_role, registered_ago, name) = if hybrid {
                (
                    Some(rng.pick(&activations).clone()),
                    Some(if rng.unit() < 0.8 {
                        "SSMServiceRole"
                    } else {
                        "service-role/AmazonSSMRoleForInstancesQuickSetup"
                    }),
                    Some(rng.range(30 * 86_400, 900 * 86_400) as u32),
                    Some(node_name.clone()),
                )
            } else {
                (None, None, None, None)
            };
            nodes.push(Node {
                instance_id,
                hybrid,
                ping,
                ping_offset,
                agent_version,
                platform,
                platform_name,
                platform_version,
                activation_id,
                iam_role,
                registered_ago,
                name,
                ip,
                computer_name,
                association,
                tags,
            });
        }
        nodes
    }
}

fn association(rng: &mut SplitMix, ping: Ping) -> Option<Association> {
    let has = match ping {
        Ping::Online => rng.unit() < 0.8,
        Ping::ConnectionLost => rng.unit() < 0.6,
        Ping::Inactive => rng.unit() < 0.3,
    };
    if !has {
        return None;
    }
    let status = match ping {
        Ping::Online => rng.weighted(&[("Success", 0.86), ("Failed", 0.09), ("Pending", 0.05)]),
        Ping::ConnectionLost => {
            rng.weighted(&[("Success", 0.5), ("Failed", 0.2), ("Pending", 0.3)])
        }
        Ping::Inactive => rng.weighted(&[("Success", 0.4), ("Failed", 0.6)]),
    };
    let last_exec_before_ping = rng.range(60, 6 * 3600) as u32;
    let last_success_before_exec = match status {
        "Success" => Some(0),
        _ if rng.unit() < 0.85 => Some(rng.range(3600, 20 * 86_400) as u32),
        _ => None,
    };
    Some(Association {
        status,
        last_exec_before_ping,
        last_success_before_exec,
        count: rng.range(1, 5) as u32,
    })
}

fn account_names(total: usize) -> Vec<String> {
    let mut names = vec!["acme-management".to_string()];
    let mut extra = EXTRA_FUNCS
        .iter()
        .flat_map(|f| EXTRA_ENVS.iter().map(move |e| format!("acme-{e}-{f}")));
    let mut n = 0usize;
    while names.len() < total {
        let idx = names.len() - 1;
        let next = match MEMBER_NAMES.get(idx) {
            Some(name) => name.to_string(),
            None => match extra.next() {
                Some(name) => name,
                None => {
                    n += 1;
                    format!("acme-workload-{n:03}")
                }
            },
        };
        names.push(next);
    }
    names
}

fn env_of(name: &str) -> &'static str {
    if name.contains("-staging-") || name.contains("-qa-") || name.contains("-perf-") {
        "staging"
    } else if name.contains("-dev-") || name.contains("sandbox") {
        "dev"
    } else {
        "prod"
    }
}

fn team_of(name: &str) -> &'static str {
    const TEAMS: &[(&str, &str)] = &[
        ("payments", "payments"),
        ("checkout", "payments"),
        ("ledger", "payments"),
        ("billing", "billing"),
        ("network", "netops"),
        ("security", "secops"),
        ("audit", "secops"),
        ("fraud", "secops"),
        ("log-archive", "platform"),
        ("services", "platform"),
        ("platform", "platform"),
        ("management", "platform"),
        ("data", "data-eng"),
        ("analytics", "data-eng"),
        ("reporting", "data-eng"),
        ("ml", "ml-platform"),
        ("identity", "identity"),
        ("web", "web"),
        ("mobile", "mobile"),
        ("search", "search"),
    ];
    TEAMS
        .iter()
        .find(|(k, _)| name.contains(k))
        .map(|(_, t)| *t)
        .unwrap_or("product")
}

fn lower_alnum(rng: &mut SplitMix, len: usize) -> String {
    const CH: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..len)
        .map(|_| char::from(CH[(rng.next_u64() % 36) as usize]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regions() -> Vec<String> {
        vec!["us-east-1".into(), "eu-west-1".into()]
    }

    #[test]
    fn deterministic_and_sized() {
        let a = Estate::new(7, 10, regions(), 30, 0.0);
        let b = Estate::new(7, 10, regions(), 30, 0.0);
        assert_eq!(a.accounts.len(), 10);
        assert_eq!(a.org_id, b.org_id);
        for i in 0..10 {
            assert_eq!(a.accounts[i].id, b.accounts[i].id);
            let na = a.nodes(i, "eu-west-1");
            let nb = b.nodes(i, "eu-west-1");
            assert_eq!(na.len(), 30);
            let ids_a: Vec<_> = na.iter().map(|n| &n.instance_id).collect();
            let ids_b: Vec<_> = nb.iter().map(|n| &n.instance_id).collect();
            assert_eq!(ids_a, ids_b);
        }
        assert!(a.accounts.iter().filter(|x| x.suspended).count() == 1);
        assert!(a.nodes(0, "ap-south-1").is_empty());
    }

    #[test]
    fn proportions_are_realistic() {
        let e = Estate::new(42, 20, regions(), 250, 0.0);
        let mut total = 0usize;
        let (mut online, mut linux, mut windows, mut hybrid) = (0, 0, 0, 0);
        for a in 0..20 {
            for r in ["us-east-1", "eu-west-1"] {
                for n in e.nodes(a, r).iter() {
                    total += 1;
                    online += usize::from(n.ping == Ping::Online);
                    linux += usize::from(n.platform == Platform::Linux);
                    windows += usize::from(n.platform == Platform::Windows);
                    hybrid += usize::from(n.hybrid);
                }
            }
        }
        let pct = |x: usize| x as f64 / total as f64;
        assert!(
            (0.84..0.92).contains(&pct(online)),
            "online {}",
            pct(online)
        );
        assert!((0.72..0.84).contains(&pct(linux)), "linux {}", pct(linux));
        assert!(
            (0.16..0.24).contains(&pct(windows)),
            "windows {}",
            pct(windows)
        );
        assert!(
            (0.05..0.11).contains(&pct(hybrid)),
            "hybrid {}",
            pct(hybrid)
        );
    }

    #[test]
    fn big_estate_generates_fast() {
        let regions: Vec<String> = ["us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let start = std::time::Instant::now();
        let e = Estate::new(1, 40, regions.clone(), 250, 0.0);
        let mut n = 0;
        for a in 0..40 {
            for r in &regions {
                n += e.nodes(a, r).len();
            }
        }
        assert_eq!(n, 40 * 4 * 250);
        // Generous bound for unoptimised debug builds on a busy machine.
        assert!(start.elapsed() < std::time::Duration::from_secs(3));
    }
}
