//! SSM Inventory: `GetInventory` (filters, aggregators), `ListInventoryEntries`,
//! `GetInventorySchema` and `PutInventory` over the inventory the nodes' agents collect.
//!
//! Types: `AWS:InstanceInformation` and `AWS:Network` (every node), `AWS:Tag` (EC2
//! instances), `AWS:Application`, `AWS:AWSComponent`, `AWS:File`, `AWS:Service` and
//! `AWS:WindowsUpdate` (Windows only), `Custom:ServerRole`, and custom types put by callers.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use super::ctx::Ctx;
use super::estate::{Node, Platform};
use super::input::{self, Object};
use super::ops_data::{iso, role};
use super::request::{
    check_count, check_enum, check_instance_id, check_len, max_results, missing, optional_values,
    page, page_json, page_start, query_hash, required_str,
};
use super::request::{decode_token, invalid_token, page_token};
use super::store::{PutInventoryItem, ScopeState, state};
use super::wire::{ApiError, SplitMix, constraint_message, fnv64};

const TYPES: &[&str] = &[
    "AWS:InstanceInformation",
    "AWS:Tag",
    "AWS:Application",
    "AWS:AWSComponent",
    "AWS:File",
    "AWS:Network",
    "AWS:Service",
    "AWS:WindowsUpdate",
    "Custom:ServerRole",
];
/// `Type` of an `InventoryFilter`, and of an `OpsFilter` (Explorer), whose values are the
/// same.
pub(crate) const FILTER_TYPES: &[&str] = &[
    "Equal",
    "NotEqual",
    "BeginWith",
    "LessThan",
    "GreaterThan",
    "Exists",
];
const DEFAULT_PAGE: i64 = 50;

struct Filter {
    type_name: String,
    attribute: String,
    values: Vec<String>,
    op: String,
}

/// An unknown inventory type name (Inventory and Explorer answer it alike).
pub(crate) fn invalid_type(name: &str) -> ApiError {
    ApiError::new(
        400,
        "InvalidTypeNameException",
        format!("The parameter type name {name} is not valid."),
    )
}

type Row = Map<String, Value>;

fn row(pairs: &[(&str, String)]) -> Row {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), Value::String(v.clone())))
        .collect()
}

/// What a node has of a type, as generated (before any put).
fn generated(seed: u64, started: f64, n: &Node, type_name: &str) -> Option<Vec<Row>> {
    let windows = n.platform == Platform::Windows;
    match type_name {
        "AWS:InstanceInformation" => Some(vec![row(&[
            ("AgentType", "amazon-ssm-agent".into()),
            ("AgentVersion", n.agent_version.into()),
            ("ComputerName", n.computer_name.clone()),
            ("IpAddress", n.ip_string()),
            ("InstanceId", n.instance_id.clone()),
            ("InstanceStatus", n.ping.as_str().into()),
            ("PlatformName", n.platform_name.into()),
            ("PlatformType", n.platform.as_str().into()),
            ("PlatformVersion", n.platform_version.into()),
            ("ResourceType", n.resource_type().into()),
        ])]),
        "AWS:Tag" if !n.hybrid => Some(
            n.tags
                .iter()
                .map(|(k, v)| row(&[("Key", (*k).into()), ("Value", v.clone())]))
                .collect(),
        ),
        "AWS:Application" => Some(applications(seed, started, n)),
        "AWS:AWSComponent" => Some(components(n)),
        "AWS:File" => Some(files(seed, started, n)),
        "AWS:Network" => Some(network(n)),
        "AWS:Service" if windows => Some(services(seed, n)),
        "AWS:WindowsUpdate" if windows => Some(windows_updates(seed, started, n)),
        "Custom:ServerRole" => Some(vec![row(&[
            ("Role", role(n).to_string()),
            ("Team", n.tag("Team").unwrap_or("").to_string()),
            (
                "Environment",
                n.tag("Environment").unwrap_or("").to_string(),
            ),
            (
                "Owner",
                format!("{}@acme.example", n.tag("Team").unwrap_or("ops")),
            ),
        ])]),
        _ => None,
    }
}

/// The rows of `type_name` for `n`, what was put overriding what was generated.
fn content(
    seed: u64,
    started: f64,
    puts: Option<&BTreeMap<String, PutInventoryItem>>,
    n: &Node,
    type_name: &str,
) -> Option<Vec<Row>> {
    if let Some(item) = puts.and_then(|p| p.get(type_name)) {
        return Some(item.content.clone());
    }
    generated(seed, started, n, type_name)
}

struct Package {
    name: &'static str,
    /// (version, weight); `"agent"` stands for the node's agent version.
    versions: &'static [(&'static str, f64)],
    summary: &'static str,
    /// Roles that have it; empty: every node.
    roles: &'static [&'static str],
}

const LINUX_PACKAGES: &[Package] = &[
    Package {
        name: "amazon-ssm-agent",
        versions: &[("agent", 1.0)],
        summary: "Manage EC2 Instances using Systems Manager",
        roles: &[],
    },
    Package {
        name: "openssl",
        versions: &[("3.0.8", 0.55), ("3.0.2", 0.2), ("1.0.2k", 0.25)],
        summary: "Utilities from the general purpose cryptography library with TLS implementation",
        roles: &[],
    },
    Package {
        name: "curl",
        versions: &[
            ("8.5.0", 0.55),
            ("7.81.0", 0.3),
            ("7.76.1", 0.1),
            ("7.29.0", 0.05),
        ],
        summary: "A utility for getting files from remote servers (FTP, HTTP, and others)",
        roles: &[],
    },
    Package {
        name: "bash",
        versions: &[("5.2.15", 0.7), ("4.2.46", 0.3)],
        summary: "The GNU Bourne Again shell",
        roles: &[],
    },
    Package {
        name: "glibc",
        versions: &[("2.34", 0.6), ("2.35", 0.25), ("2.26", 0.15)],
        summary: "The GNU libc libraries",
        roles: &[],
    },
    Package {
        name: "openssh-server",
        versions: &[("8.7p1", 0.6), ("9.6p1", 0.3), ("7.4p1", 0.1)],
        summary: "An open source SSH server daemon",
        roles: &[],
    },
    Package {
        name: "sudo",
        versions: &[("1.9.15p5", 0.8), ("1.8.23", 0.2)],
        summary: "Allows restricted root access for specified users",
        roles: &[],
    },
    Package {
        name: "python3",
        versions: &[("3.9.16", 0.5), ("3.11.6", 0.3), ("3.10.12", 0.2)],
        summary: "Interpreter of the Python programming language",
        roles: &[],
    },
    Package {
        name: "systemd",
        versions: &[("252.16", 0.7), ("219", 0.3)],
        summary: "System and Service Manager",
        roles: &[],
    },
    Package {
        name: "awscli-2",
        versions: &[("2.15.30", 0.7), ("2.9.19", 0.3)],
        summary: "Universal Command Line Environment for AWS",
        roles: &[],
    },
    Package {
        name: "chrony",
        versions: &[("4.3", 1.0)],
        summary: "An NTP client/server",
        roles: &[],
    },
    Package {
        name: "nginx",
        versions: &[("1.24.0", 0.75), ("1.18.0", 0.25)],
        summary: "A high performance web server and reverse proxy server",
        roles: &["web", "proxy", "api", "dc1-app", "edge-gw"],
    },
    Package {
        name: "docker",
        versions: &[("25.0.5", 0.7), ("20.10.25", 0.3)],
        summary: "Automates deployment of containerized applications",
        roles: &["api", "worker", "batch", "etl", "ingest", "web"],
    },
    Package {
        name: "java-17-amazon-corretto",
        versions: &[("17.0.10", 0.8), ("17.0.2", 0.2)],
        summary: "Amazon Corretto runtime environment",
        roles: &["kafka", "search", "etl", "api", "ingest"],
    },
    Package {
        name: "apache-log4j2",
        versions: &[("2.17.2", 0.55), ("2.20.0", 0.3), ("2.14.1", 0.15)],
        summary: "Java logging package",
        roles: &["kafka", "search", "etl", "ingest"],
    },
    Package {
        name: "postgresql15",
        versions: &[("15.6", 0.8), ("11.22", 0.2)],
        summary: "PostgreSQL client programs",
        roles: &["db", "db-replica", "dc1-db"],
    },
    Package {
        name: "redis6",
        versions: &[("6.2.14", 0.6), ("7.2.4", 0.4)],
        summary: "A persistent key-value database",
        roles: &["cache"],
    },
    Package {
        name: "git",
        versions: &[("2.40.1", 0.8), ("2.17.1", 0.2)],
        summary: "Fast Version Control System",
        roles: &["bastion", "batch", "build-mac"],
    },
];

const WINDOWS_APPS: &[Package] = &[
    Package {
        name: "Amazon SSM Agent",
        versions: &[("agent", 1.0)],
        summary: "Amazon Web Services",
        roles: &[],
    },
    Package {
        name: "AWS Tools for Windows",
        versions: &[("3.15.2072", 0.7), ("3.15.1110", 0.3)],
        summary: "Amazon Web Services Developer Relations",
        roles: &[],
    },
    Package {
        name: "Amazon CloudWatch Agent",
        versions: &[("1.300032.3", 0.8), ("1.247350.0", 0.2)],
        summary: "Amazon.com, Inc.",
        roles: &[],
    },
    Package {
        name: "Microsoft Edge",
        versions: &[("123.0.2420.81", 0.7), ("109.0.1518.78", 0.3)],
        summary: "Microsoft Corporation",
        roles: &[],
    },
    Package {
        name: "Microsoft Visual C++ 2015-2022 Redistributable (x64)",
        versions: &[("14.38.33135", 1.0)],
        summary: "Microsoft Corporation",
        roles: &[],
    },
    Package {
        name: "7-Zip 23.01 (x64)",
        versions: &[("23.01", 0.8), ("19.00", 0.2)],
        summary: "Igor Pavlov",
        roles: &[],
    },
    Package {
        name: "Notepad++ (64-bit x64)",
        versions: &[("8.6.4", 0.7), ("7.8.1", 0.3)],
        summary: "Notepad++ Team",
        roles: &[],
    },
    Package {
        name: "Java 8 Update 202",
        versions: &[("8.0.2020.8", 1.0)],
        summary: "Oracle Corporation",
        roles: &["app", "fileserver"],
    },
    Package {
        name: "Microsoft SQL Server 2019 (64-bit)",
        versions: &[("15.0.2000.5", 0.6), ("15.0.4355.3", 0.4)],
        summary: "Microsoft Corporation",
        roles: &["sql"],
    },
    Package {
        name: "IIS URL Rewrite Module 2",
        versions: &[("7.2.1993", 1.0)],
        summary: "Microsoft Corporation",
        roles: &["iis"],
    },
    Package {
        name: "PuTTY release 0.70 (64-bit)",
        versions: &[("0.70.0.0", 1.0)],
        summary: "Simon Tatham",
        roles: &["rdgw"],
    },
];

const MAC_APPS: &[Package] = &[
    Package {
        name: "amazon-ssm-agent",
        versions: &[("agent", 1.0)],
        summary: "Amazon Web Services",
        roles: &[],
    },
    Package {
        name: "Xcode",
        versions: &[("15.3", 0.7), ("14.3.1", 0.3)],
        summary: "Apple Inc.",
        roles: &[],
    },
    Package {
        name: "Homebrew",
        versions: &[("4.2.16", 1.0)],
        summary: "Homebrew",
        roles: &[],
    },
    Package {
        name: "openssl@3",
        versions: &[("3.2.1", 1.0)],
        summary: "Cryptography and SSL/TLS Toolkit",
        roles: &[],
    },
    Package {
        name: "Docker Desktop",
        versions: &[("4.28.0", 1.0)],
        summary: "Docker Inc.",
        roles: &[],
    },
];

fn node_rng(seed: u64, n: &Node, salt: &[u8]) -> SplitMix {
    SplitMix::new(seed ^ fnv64(&[n.instance_id.as_bytes(), salt]))
}

fn release(n: &Node) -> &'static str {
    match (n.platform_name, n.platform_version) {
        ("Amazon Linux", "2023") => "1.amzn2023",
        ("Amazon Linux", _) => "1.amzn2",
        ("Red Hat Enterprise Linux", _) => "1.el9",
        ("SLES", _) => "150500.1",
        ("Ubuntu", _) => "0ubuntu1",
        ("Debian GNU/Linux", _) => "1+deb12u1",
        _ => "",
    }
}

fn publisher(n: &Node) -> &'static str {
    match n.platform_name {
        "Amazon Linux" => "Amazon Linux",
        "Red Hat Enterprise Linux" => "Red Hat, Inc.",
        "SLES" => "SUSE LLC <https://www.suse.com/>",
        "Ubuntu" => "Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>",
        "Debian GNU/Linux" => "Debian Project",
        _ => "",
    }
}

fn applications(seed: u64, started: f64, n: &Node) -> Vec<Row> {
    let mut rng = node_rng(seed, n, b"apps");
    let r = role(n);
    let pool = match n.platform {
        Platform::Linux => LINUX_PACKAGES,
        Platform::Windows => WINDOWS_APPS,
        Platform::MacOs => MAC_APPS,
    };
    let mut out = Vec::new();
    for p in pool {
        let version = rng.weighted(p.versions);
        let keep = rng.unit();
        if !p.roles.is_empty() && !p.roles.contains(&r) {
            continue;
        }
        // Amazon Linux 2 ships OpenSSL 1.0.2k; other distributions never do.
        let version = match (p.name, n.platform_name, n.platform_version) {
            ("openssl", "Amazon Linux", "2") => "1.0.2k",
            ("openssl", _, _) if version == "1.0.2k" => "3.0.8",
            ("agent", _, _) => n.agent_version,
            _ if version == "agent" => n.agent_version,
            _ => version,
        };
        if p.roles.is_empty() && keep < 0.03 && p.name != "amazon-ssm-agent" && p.name != "openssl"
        {
            continue;
        }
        let installed = iso(started - rng.range(86_400, 700 * 86_400) as f64);
        let mut fields = vec![
            ("Name", p.name.to_string()),
            ("Version", version.to_string()),
            ("InstalledTime", installed),
        ];
        match n.platform {
            Platform::Linux => {
                fields.push(("Release", release(n).to_string()));
                fields.push(("Architecture", "x86_64".into()));
                fields.push(("Publisher", publisher(n).to_string()));
                fields.push(("Summary", p.summary.to_string()));
                fields.push(("ApplicationType", "System Environment/Base".into()));
            }
            _ => {
                fields.push(("Publisher", p.summary.to_string()));
                fields.push(("Architecture", "x86_64".into()));
            }
        }
        out.push(row(&fields));
    }
    out
}

fn components(n: &Node) -> Vec<Row> {
    let mut v = vec![row(&[
        ("Name", "amazon-ssm-agent".into()),
        ("Version", n.agent_version.into()),
        ("Publisher", "Amazon Web Services".into()),
        ("ApplicationType", "AWS Component".into()),
    ])];
    if !n.hybrid {
        let extra: &[(&str, &str)] = match n.platform {
            Platform::Windows => &[
                ("AWS PV Drivers", "8.4.3"),
                ("Amazon Elastic Network Adapter", "2.6.0"),
                ("AWS NVMe Driver", "1.5.1"),
                ("EC2Launch", "2.0.1643"),
            ],
            _ => &[
                ("ec2-instance-connect", "1.1"),
                ("aws-cfn-bootstrap", "2.0"),
            ],
        };
        for (name, version) in extra {
            v.push(row(&[
                ("Name", (*name).into()),
                ("Version", (*version).into()),
                ("Publisher", "Amazon Web Services".into()),
                ("ApplicationType", "AWS Component".into()),
            ]));
        }
    }
    v
}

fn files(seed: u64, started: f64, n: &Node) -> Vec<Row> {
    let mut rng = node_rng(seed, n, b"files");
    let (dir, name) = match n.platform {
        Platform::Windows => ("C:\\Program Files\\Amazon\\SSM\\", "amazon-ssm-agent.exe"),
        _ => ("/usr/bin/", "amazon-ssm-agent"),
    };
    let modified = iso(started - rng.range(86_400, 90 * 86_400) as f64);
    vec![row(&[
        ("Name", name.into()),
        ("Size", rng.range(20_000_000, 40_000_000).to_string()),
        ("InstalledDir", dir.into()),
        ("FileVersion", n.agent_version.into()),
        ("ProductName", "Amazon SSM Agent".into()),
        ("ProductVersion", n.agent_version.into()),
        ("CompanyName", "Amazon.com, Inc.".into()),
        ("ModificationTime", modified.clone()),
        ("LastAccessTime", modified),
    ])]
}

fn network(n: &Node) -> Vec<Row> {
    let [a, b, c, _] = n.ip;
    let h = fnv64(&[n.instance_id.as_bytes(), b"mac"]);
    let mac = format!(
        "0a:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        (h >> 8) as u8,
        (h >> 16) as u8,
        (h >> 24) as u8,
        (h >> 32) as u8,
        (h >> 40) as u8
    );
    let (name, mask, gw, dns) = if n.hybrid {
        (
            "eth0",
            "255.255.255.0",
            format!("{a}.{b}.{c}.1"),
            format!("{a}.{b}.{c}.10"),
        )
    } else {
        let nic = if n.platform == Platform::Windows {
            "Ethernet"
        } else {
            "ens5"
        };
        (
            nic,
            "255.255.248.0",
            format!("{a}.{b}.{}.1", c & !7),
            format!("{a}.{b}.0.2"),
        )
    };
    vec![row(&[
        ("Name", name.into()),
        ("IPV4", n.ip_string()),
        ("IPV6", String::new()),
        ("MacAddress", mac),
        ("SubnetMask", mask.into()),
        ("Gateway", gw.clone()),
        ("DHCPServer", gw),
        ("DNSServer", dns),
    ])]
}

fn services(seed: u64, n: &Node) -> Vec<Row> {
    let mut rng = node_rng(seed, n, b"services");
    let r = role(n);
    let mut list: Vec<(&str, &str, &str)> = vec![
        ("AmazonSSMAgent", "Amazon SSM Agent", "Automatic"),
        (
            "AmazonCloudWatchAgent",
            "Amazon CloudWatch Agent",
            "Automatic",
        ),
        ("W32Time", "Windows Time", "Automatic"),
        (
            "WinRM",
            "Windows Remote Management (WS-Management)",
            "Automatic",
        ),
        ("Dnscache", "DNS Client", "Automatic"),
        ("TermService", "Remote Desktop Services", "Manual"),
        ("Spooler", "Print Spooler", "Automatic"),
    ];
    match r {
        "iis" => list.push(("W3SVC", "World Wide Web Publishing Service", "Automatic")),
        "sql" => list.push(("MSSQLSERVER", "SQL Server (MSSQLSERVER)", "Automatic")),
        "ad-dc" => list.push(("NTDS", "Active Directory Domain Services", "Automatic")),
        _ => {}
    }
    list.into_iter()
        .map(|(name, display, start)| {
            let running = match name {
                "AmazonSSMAgent" => n.ping == super::estate::Ping::Online,
                "Spooler" => rng.unit() < 0.4,
                _ => start == "Automatic" || rng.unit() < 0.3,
            };
            row(&[
                ("Name", name.into()),
                ("DisplayName", display.into()),
                ("ServiceType", "Win32OwnProcess".into()),
                ("Status", if running { "Running" } else { "Stopped" }.into()),
                ("StartType", start.into()),
                ("DependentServices", String::new()),
                ("ServicesDependedOn", String::new()),
            ])
        })
        .collect()
}

fn windows_updates(seed: u64, started: f64, n: &Node) -> Vec<Row> {
    let mut rng = node_rng(seed, n, b"hotfix");
    (0..rng.range(6, 13))
        .map(|i| {
            row(&[
                (
                    "HotFixId",
                    format!("KB50{:05}", 10_000 + rng.range(0, 50_000) + i),
                ),
                (
                    "Description",
                    if rng.unit() < 0.7 {
                        "Security Update"
                    } else {
                        "Update"
                    }
                    .into(),
                ),
                (
                    "InstalledTime",
                    iso(started - rng.range(7 * 86_400, 400 * 86_400) as f64),
                ),
                ("InstalledBy", "NT AUTHORITY\\SYSTEM".into()),
            ])
        })
        .collect()
}

/// Attribute names and data types of the generated types.
fn schema_attributes(type_name: &str) -> &'static [(&'static str, &'static str)] {
    match type_name {
        "AWS:InstanceInformation" => &[
            ("AgentType", "string"),
            ("AgentVersion", "string"),
            ("ComputerName", "string"),
            ("IpAddress", "string"),
            ("InstanceId", "string"),
            ("InstanceStatus", "string"),
            ("PlatformName", "string"),
            ("PlatformType", "string"),
            ("PlatformVersion", "string"),
            ("ResourceType", "string"),
        ],
        "AWS:Tag" => &[("Key", "string"), ("Value", "string")],
        "AWS:Application" => &[
            ("Name", "string"),
            ("Version", "string"),
            ("InstalledTime", "string"),
            ("Release", "string"),
            ("Architecture", "string"),
            ("Publisher", "string"),
            ("Summary", "string"),
            ("ApplicationType", "string"),
        ],
        "AWS:AWSComponent" => &[
            ("Name", "string"),
            ("Version", "string"),
            ("Publisher", "string"),
            ("ApplicationType", "string"),
        ],
        "AWS:File" => &[
            ("Name", "string"),
            ("Size", "number"),
            ("InstalledDir", "string"),
            ("FileVersion", "string"),
            ("ProductName", "string"),
            ("ProductVersion", "string"),
            ("CompanyName", "string"),
            ("ModificationTime", "string"),
            ("LastAccessTime", "string"),
        ],
        "AWS:Network" => &[
            ("Name", "string"),
            ("IPV4", "string"),
            ("IPV6", "string"),
            ("MacAddress", "string"),
            ("SubnetMask", "string"),
            ("Gateway", "string"),
            ("DHCPServer", "string"),
            ("DNSServer", "string"),
        ],
        "AWS:Service" => &[
            ("Name", "string"),
            ("DisplayName", "string"),
            ("ServiceType", "string"),
            ("Status", "string"),
            ("StartType", "string"),
            ("DependentServices", "string"),
            ("ServicesDependedOn", "string"),
        ],
        "AWS:WindowsUpdate" => &[
            ("HotFixId", "string"),
            ("Description", "string"),
            ("InstalledTime", "string"),
            ("InstalledBy", "string"),
        ],
        "Custom:ServerRole" => &[
            ("Role", "string"),
            ("Team", "string"),
            ("Environment", "string"),
            ("Owner", "string"),
        ],
        _ => &[],
    }
}

/// Known types: the generated ones plus custom types put in this scope.
fn known_types(st: &ScopeState) -> BTreeSet<String> {
    let mut set: BTreeSet<String> = TYPES.iter().map(|t| (*t).to_string()).collect();
    for items in st.inventory.values() {
        set.extend(items.keys().cloned());
    }
    set
}

fn parse_filters(list: &[Value], known: &BTreeSet<String>) -> Result<Vec<Filter>, ApiError> {
    check_count(list.len(), "filters", 1, 5)?;
    let mut out = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let obj = input::as_object(item, "filters")?;
        let path = format!("filters.{}.member", i + 1);
        let key = input::opt_str(obj, "Key")?.ok_or_else(|| {
            ApiError::validation(constraint_message(
                "null",
                &format!("{path}.key"),
                "Member must not be null",
            ))
        })?;
        let values = optional_values(obj)?;
        if values.is_empty() || values.len() > 40 {
            return Err(ApiError::validation(constraint_message(
                &format!("'[{}]'", values.join(", ")),
                &format!("{path}.values"),
                if values.is_empty() {
                    "Member must have length greater than or equal to 1"
                } else {
                    "Member must have length less than or equal to 40"
                },
            )));
        }
        let op = input::opt_str(obj, "Type")?.unwrap_or("Equal");
        check_enum(op, &format!("{path}.type"), FILTER_TYPES)?;
        let Some((type_name, attribute)) = key.rsplit_once('.') else {
            return Err(ApiError::new(
                400,
                "InvalidFilter",
                format!("The filter key {key} is not valid. Use TypeName.Attribute."),
            ));
        };
        if !known.contains(type_name) {
            return Err(invalid_type(type_name));
        }
        out.push(Filter {
            type_name: type_name.into(),
            attribute: attribute.into(),
            values,
            op: op.into(),
        });
    }
    Ok(out)
}

fn row_matches(row: &Row, f: &Filter) -> bool {
    let Some(v) = row.get(&f.attribute).and_then(Value::as_str) else {
        return false;
    };
    match f.op.as_str() {
        "Exists" => true,
        "NotEqual" => f.values.iter().all(|x| x != v),
        "BeginWith" => f.values.iter().any(|x| v.starts_with(x.as_str())),
        "LessThan" => f.values.iter().any(|x| compare(v, x).is_lt()),
        "GreaterThan" => f.values.iter().any(|x| compare(v, x).is_gt()),
        _ => f.values.iter().any(|x| x == v),
    }
}

/// Numbers compare as numbers, everything else as text.
fn compare(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.total_cmp(&y),
        _ => a.cmp(b),
    }
}

struct Aggregator {
    type_name: String,
    /// Attributes from the outermost aggregator inwards; empty: count nodes with the type.
    attributes: Vec<String>,
}

fn invalid_aggregator(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidAggregatorException", message)
}

fn parse_aggregator(
    v: &Value,
    known: &BTreeSet<String>,
    outer: Option<&Aggregator>,
    depth: usize,
) -> Result<Vec<Aggregator>, ApiError> {
    let o = input::as_object(v, "Aggregators")?;
    let expr = input::opt_str(o, "Expression")?.unwrap_or("");
    check_len(expr, "aggregators.member.expression", 1, 1000)?;
    if input::opt_array(o, "Groups")?.is_some_and(|g| !g.is_empty()) {
        return Err(invalid_aggregator(
            "Aggregator groups are not supported by the simulated estate.",
        ));
    }
    let (type_name, attribute) = match expr.split_once('.') {
        Some((t, a)) if !a.is_empty() => (t, Some(a)),
        Some(_) => {
            return Err(invalid_aggregator(format!(
                "The aggregator expression {expr} is not valid."
            )));
        }
        None => (expr, None),
    };
    if !known.contains(type_name) {
        return Err(invalid_type(type_name));
    }
    let mut attributes: Vec<String> = outer.map(|a| a.attributes.clone()).unwrap_or_default();
    if let Some(a) = outer
        && a.type_name != type_name
    {
        return Err(invalid_aggregator(format!(
            "A nested aggregator must use the type of its parent ({}), not {type_name}.",
            a.type_name
        )));
    }
    if let Some(attr) = attribute {
        attributes.push(attr.to_string());
    }
    let this = Aggregator {
        type_name: type_name.to_string(),
        attributes,
    };
    let nested = input::opt_array(o, "Aggregators")?;
    match nested {
        Some(list) if !list.is_empty() => {
            if depth >= 10 {
                return Err(invalid_aggregator("Aggregators are nested too deeply."));
            }
            check_count(list.len(), "aggregators.member.aggregators", 1, 10)?;
            let mut out = Vec::new();
            for n in list {
                out.extend(parse_aggregator(n, known, Some(&this), depth + 1)?);
            }
            Ok(out)
        }
        _ => Ok(vec![this]),
    }
}

/// Counts of nodes per combination of attribute values, as content rows.
fn aggregate(ctx: &Ctx<'_>, st: &ScopeState, nodes: &[&Node], agg: &Aggregator) -> Vec<Row> {
    let mut counts: BTreeMap<Vec<String>, u64> = BTreeMap::new();
    for n in nodes {
        let Some(rows) = content(
            ctx.estate.seed,
            ctx.estate.started,
            st.inventory.get(&n.instance_id),
            n,
            &agg.type_name,
        ) else {
            continue;
        };
        let mut seen = BTreeSet::new();
        for r in &rows {
            let key: Option<Vec<String>> = agg
                .attributes
                .iter()
                .map(|a| r.get(a).and_then(Value::as_str).map(str::to_string))
                .collect();
            if let Some(k) = key {
                seen.insert(k);
            }
        }
        if agg.attributes.is_empty() {
            seen.insert(Vec::new());
        }
        for k in seen {
            *counts.entry(k).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .map(|(k, c)| {
            let mut r = Row::new();
            for (a, v) in agg.attributes.iter().zip(k) {
                r.insert(a.clone(), v.into());
            }
            r.insert("Count".into(), c.to_string().into());
            r
        })
        .collect()
}

fn result_item(
    type_name: &str,
    capture: &str,
    rows: Vec<Row>,
    puts: Option<&PutInventoryItem>,
) -> Value {
    let hash = format!(
        "{:016x}",
        fnv64(&[Value::from(rows.clone()).to_string().as_bytes()])
    );
    json!({
        "TypeName": type_name,
        "SchemaVersion": puts.map(|p| p.schema_version.as_str()).unwrap_or("1.0"),
        "CaptureTime": puts.map(|p| p.capture_time.as_str()).unwrap_or(capture),
        "ContentHash": hash,
        "Content": rows,
    })
}

pub(crate) fn get_inventory(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let max_results = input::opt_int(body, "MaxResults")?;
    if let Some(m) = max_results {
        input::check_range(m, "maxResults", 1, 50)?;
    }
    let (nodes, st) = ctx.scope();
    let st = state(&st);
    let known = known_types(&st);
    let raw_filters = input::opt_array(body, "Filters")?;
    let filters = match raw_filters {
        Some(list) => parse_filters(list, &known)?,
        None => Vec::new(),
    };
    let mut types = Vec::new();
    if let Some(attrs) = input::opt_array(body, "ResultAttributes")? {
        if attrs.len() != 1 {
            return Err(ApiError::validation(constraint_message(
                &format!("'<list of {}>'", attrs.len()),
                "resultAttributes",
                if attrs.is_empty() {
                    "Member must have length greater than or equal to 1"
                } else {
                    "Member must have length less than or equal to 1"
                },
            )));
        }
        for a in attrs {
            let obj = input::as_object(a, "resultAttributes")?;
            let name = input::opt_str(obj, "TypeName")?.unwrap_or_default();
            if !known.contains(name) {
                return Err(ApiError::new(
                    400,
                    "InvalidResultAttributeException",
                    format!("The result attribute {name} is not valid."),
                ));
            }
            types.push(name.to_string());
        }
    }
    let mut aggregators = Vec::new();
    if let Some(list) = input::opt_array(body, "Aggregators")? {
        check_count(list.len(), "aggregators", 1, 10)?;
        for a in list {
            aggregators.extend(parse_aggregator(a, &known, None, 1)?);
        }
    }
    if types.is_empty() {
        types.push("AWS:InstanceInformation".into());
    }

    let query_hash = fnv64(&[
        ctx.estate.accounts[ctx.account].id.as_bytes(),
        ctx.region.as_bytes(),
        Value::from(types.clone()).to_string().as_bytes(),
        raw_filters
            .map(|f| Value::Array(f.clone()).to_string())
            .unwrap_or_default()
            .as_bytes(),
        input::opt_array(body, "Aggregators")?
            .map(|f| Value::Array(f.clone()).to_string())
            .unwrap_or_default()
            .as_bytes(),
    ]);
    let offset = match input::opt_str(body, "NextToken")? {
        None => 0,
        Some(t) => decode_token(t, query_hash).ok_or_else(invalid_token)?,
    };

    let seed = ctx.estate.seed;
    let started = ctx.estate.started;
    let matching: Vec<&Node> = nodes
        .iter()
        .filter(|n| {
            filters.iter().all(|f| {
                content(
                    seed,
                    started,
                    st.inventory.get(&n.instance_id),
                    n,
                    &f.type_name,
                )
                .is_some_and(|rows| rows.iter().any(|r| row_matches(r, f)))
            })
        })
        .collect();
    let page_size = usize::try_from(max_results.unwrap_or(DEFAULT_PAGE)).unwrap_or(50);
    let capture = iso(started - 3600.0);

    if !aggregators.is_empty() {
        if offset > aggregators.len() {
            return Err(invalid_token());
        }
        let end = (offset + page_size).min(aggregators.len());
        let entities: Vec<Value> = aggregators[offset..end]
            .iter()
            .map(|a| {
                let rows = aggregate(ctx, &st, &matching, a);
                let mut data = Map::new();
                data.insert(
                    a.type_name.clone(),
                    result_item(&a.type_name, &capture, rows, None),
                );
                json!({ "Data": data })
            })
            .collect();
        let mut out = Map::new();
        out.insert("Entities".into(), Value::Array(entities));
        if end < aggregators.len() {
            out.insert("NextToken".into(), page_token(end, query_hash).into());
        }
        return Ok(Value::Object(out));
    }

    let selected: Vec<&Node> = matching
        .into_iter()
        .filter(|n| {
            types
                .iter()
                .all(|t| content(seed, started, st.inventory.get(&n.instance_id), n, t).is_some())
        })
        .collect();
    if offset > selected.len() {
        return Err(invalid_token());
    }
    let end = (offset + page_size).min(selected.len());
    let entities: Vec<Value> = selected[offset..end]
        .iter()
        .map(|n| {
            let puts = st.inventory.get(&n.instance_id);
            let mut data = Map::new();
            for t in &types {
                let rows = content(seed, started, puts, n, t).unwrap_or_default();
                data.insert(
                    t.clone(),
                    result_item(t, &capture, rows, puts.and_then(|p| p.get(t))),
                );
            }
            json!({ "Id": n.instance_id, "Data": data })
        })
        .collect();
    let mut out = Map::new();
    out.insert("Entities".into(), Value::Array(entities));
    if end < selected.len() {
        out.insert("NextToken".into(), page_token(end, query_hash).into());
    }
    Ok(Value::Object(out))
}

fn check_type_name(name: &str, member: &str) -> Result<(), ApiError> {
    check_len(name, member, 1, 100)?;
    if name.starts_with("AWS:") || name.starts_with("Custom:") {
        return Ok(());
    }
    Err(ApiError::validation(constraint_message(
        &format!("'{name}'"),
        member,
        "Member must satisfy regular expression pattern: ^(AWS|Custom):.*$",
    )))
}

fn unknown_instance(id: &str) -> ApiError {
    ApiError::new(
        400,
        "InvalidInstanceId",
        format!("Instance Id {id} is not valid or not in a valid state for account."),
    )
}

pub(crate) fn list_inventory_entries(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let id = required_str(body, "InstanceId", "instanceId")?;
    check_instance_id(id, "instanceId")?;
    let type_name = required_str(body, "TypeName", "typeName")?;
    check_type_name(type_name, "typeName")?;
    let size = max_results(body, "maxResults", 1, 50, 50)?;
    let (nodes, st) = ctx.scope();
    let st = state(&st);
    let known = known_types(&st);
    if !known.contains(type_name) {
        return Err(invalid_type(type_name));
    }
    let filters = match input::opt_array(body, "Filters")? {
        Some(list) => {
            // Keys may name the attribute alone or as TypeName.Attribute.
            let qualified: Vec<Value> = list
                .iter()
                .map(|f| {
                    let mut f = f.clone();
                    if let Some(o) = f.as_object_mut()
                        && let Some(k) = o.get("Key").and_then(Value::as_str)
                        && !k.contains('.')
                    {
                        let k = format!("{type_name}.{k}");
                        o.insert("Key".into(), k.into());
                    }
                    f
                })
                .collect();
            let parsed = parse_filters(&qualified, &known)?;
            if let Some(f) = parsed.iter().find(|f| f.type_name != type_name) {
                return Err(ApiError::new(
                    400,
                    "InvalidFilter",
                    format!(
                        "The filter type {} doesn't match the requested type {type_name}.",
                        f.type_name
                    ),
                ));
            }
            parsed
        }
        None => Vec::new(),
    };
    let hash = query_hash(ctx, "ListInventoryEntries", body);
    let start = page_start(body, hash)?;
    let node = nodes
        .iter()
        .find(|n| n.instance_id == id)
        .ok_or_else(|| unknown_instance(id))?;
    let puts = st.inventory.get(id);
    let rows: Vec<Row> = content(ctx.estate.seed, ctx.estate.started, puts, node, type_name)
        .unwrap_or_default()
        .into_iter()
        .filter(|r| filters.iter().all(|f| row_matches(r, f)))
        .collect();
    let (s, e, next) = page(start, size, rows.len(), hash)?;
    let put = puts.and_then(|p| p.get(type_name));
    let mut out = Map::new();
    out.insert("TypeName".into(), type_name.into());
    out.insert("InstanceId".into(), id.into());
    out.insert(
        "SchemaVersion".into(),
        put.map(|p| p.schema_version.clone())
            .unwrap_or_else(|| "1.0".into())
            .into(),
    );
    out.insert(
        "CaptureTime".into(),
        put.map(|p| p.capture_time.clone())
            .unwrap_or_else(|| iso(ctx.estate.started - 3600.0))
            .into(),
    );
    out.insert("Entries".into(), rows[s..e].to_vec().into());
    if let Some(t) = next {
        out.insert("NextToken".into(), t.into());
    }
    Ok(Value::Object(out))
}

pub(crate) fn get_inventory_schema(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let type_name = input::opt_str(body, "TypeName")?;
    if let Some(t) = type_name {
        check_len(t, "typeName", 0, 100)?;
    }
    let size = max_results(body, "maxResults", 50, 200, 200)?;
    let aggregator = matches!(body.get("Aggregator"), Some(Value::Bool(true)));
    let hash = query_hash(ctx, "GetInventorySchema", body);
    let start = page_start(body, hash)?;
    let (_, st) = ctx.scope();
    let st = state(&st);
    let known = known_types(&st);
    if let Some(t) = type_name
        && !known.contains(t)
    {
        return Err(invalid_type(t));
    }
    let mut schemas = Vec::new();
    for t in &known {
        if type_name.is_some_and(|x| x != t) {
            continue;
        }
        if aggregator && t != "AWS:InstanceInformation" {
            continue;
        }
        let mut attrs: Vec<(String, String)> = schema_attributes(t)
            .iter()
            .map(|(n, d)| ((*n).to_string(), (*d).to_string()))
            .collect();
        if aggregator {
            attrs.retain(|(n, _)| n.starts_with("Platform"));
        }
        if attrs.is_empty() {
            // A custom type: attributes from what was put.
            let mut names = BTreeSet::new();
            for items in st.inventory.values() {
                if let Some(item) = items.get(t) {
                    for r in &item.content {
                        names.extend(r.keys().cloned());
                    }
                }
            }
            attrs = names
                .into_iter()
                .map(|n| (n, "string".to_string()))
                .collect();
        }
        let mut o = Map::new();
        o.insert("TypeName".into(), t.clone().into());
        o.insert("Version".into(), "1.0".into());
        o.insert(
            "Attributes".into(),
            attrs
                .iter()
                .map(|(n, d)| json!({ "Name": n, "DataType": d }))
                .collect::<Vec<_>>()
                .into(),
        );
        if aggregator {
            o.insert("DisplayName".into(), "Platform".into());
        }
        schemas.push(Value::Object(o));
    }
    let (s, e, next) = page(start, size, schemas.len(), hash)?;
    Ok(page_json("Schemas", schemas[s..e].to_vec(), next))
}

/// Custom inventory types an account may define.
const MAX_CUSTOM_TYPES: usize = 20;

fn valid_capture_time(s: &str) -> bool {
    s.len() == 20
        && s.starts_with("20")
        && chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%SZ").is_ok()
}

fn valid_schema_version(s: &str) -> bool {
    let mut parts = s.split('.');
    let ok = |p: Option<&str>| {
        p.is_some_and(|p| (1..=6).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
    };
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
}

pub(crate) fn put_inventory(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let id = required_str(body, "InstanceId", "instanceId")?;
    check_instance_id(id, "instanceId")?;
    let items = input::opt_array(body, "Items")?.ok_or_else(|| missing("items"))?;
    check_count(items.len(), "items", 1, 30)?;
    let mut parsed = Vec::new();
    for (i, v) in items.iter().enumerate() {
        let path = format!("items.{}.member", i + 1);
        let o = input::as_object(v, "Items")?;
        let type_name =
            input::opt_str(o, "TypeName")?.ok_or_else(|| missing(&format!("{path}.typeName")))?;
        check_type_name(type_name, &format!("{path}.typeName"))?;
        let schema_version = input::opt_str(o, "SchemaVersion")?
            .ok_or_else(|| missing(&format!("{path}.schemaVersion")))?;
        if !valid_schema_version(schema_version) {
            return Err(ApiError::validation(constraint_message(
                &format!("'{schema_version}'"),
                &format!("{path}.schemaVersion"),
                "Member must satisfy regular expression pattern: ^([0-9]{1,6})(\\.[0-9]{1,6})$",
            )));
        }
        let capture = input::opt_str(o, "CaptureTime")?
            .ok_or_else(|| missing(&format!("{path}.captureTime")))?;
        if !valid_capture_time(capture) {
            return Err(ApiError::validation(constraint_message(
                &format!("'{capture}'"),
                &format!("{path}.captureTime"),
                "Member must satisfy regular expression pattern: ^(20)[0-9][0-9]-(0[1-9]|1[012])-([12][0-9]|3[01]|0[1-9])(T)(2[0-3]|[0-1][0-9])(:[0-5][0-9])(:[0-5][0-9])(Z)$",
            )));
        }
        let content = input::opt_array(o, "Content")?
            .map(Vec::as_slice)
            .unwrap_or_default();
        check_count(content.len(), &format!("{path}.content"), 0, 10_000)?;
        let mut rows = Vec::with_capacity(content.len());
        for r in content {
            let obj = r.as_object().ok_or_else(|| {
                ApiError::new(
                    400,
                    "InvalidItemContentException",
                    format!(
                        "The content of an item of type {type_name} must be a list of string maps."
                    ),
                )
            })?;
            let mut row = Row::new();
            for (k, v) in obj {
                let Some(s) = v.as_str() else {
                    return Err(ApiError::new(
                        400,
                        "InvalidItemContentException",
                        format!("The value of attribute {k} of type {type_name} must be a string."),
                    ));
                };
                row.insert(k.clone(), s.into());
            }
            rows.push(row);
        }
        if type_name.starts_with("AWS:") {
            if !TYPES.contains(&type_name) {
                return Err(invalid_type(type_name));
            }
            if matches!(type_name, "AWS:Tag" | "AWS:InstanceInformation") {
                return Err(ApiError::new(
                    400,
                    "InvalidTypeNameException",
                    format!(
                        "The inventory type {type_name} is collected by Systems Manager and can't be put."
                    ),
                ));
            }
        }
        parsed.push((
            type_name.to_string(),
            PutInventoryItem {
                schema_version: schema_version.to_string(),
                capture_time: capture.to_string(),
                content: rows,
            },
        ));
    }
    let (nodes, st) = ctx.scope();
    if !nodes.iter().any(|n| n.instance_id == id) {
        return Err(unknown_instance(id));
    }
    let mut st = state(&st);
    let mut custom = known_types(&st);
    custom.retain(|t| t.starts_with("Custom:") && !TYPES.contains(&t.as_str()));
    for (t, _) in &parsed {
        if t.starts_with("Custom:") && !TYPES.contains(&t.as_str()) {
            custom.insert(t.clone());
        }
    }
    if custom.len() > MAX_CUSTOM_TYPES {
        return Err(ApiError::new(
            400,
            "CustomSchemaCountLimitExceededException",
            format!("You have exceeded the limit of {MAX_CUSTOM_TYPES} custom inventory types."),
        ));
    }
    let entry = st.inventory.entry(id.to_string()).or_default();
    for (t, item) in parsed {
        entry.insert(t, item);
    }
    Ok(json!({ "Message": "Success" }))
}
