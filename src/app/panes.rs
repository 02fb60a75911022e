//! The panes of the cockpit, switching between them, the `:` command line and its
//! scope filter grammar, and the way back after a jump.

use crate::model::{Estate, Feed, FeedSet, ScopeState};

/// A full-screen view of the cockpit (session tabs are not panes: they have a tab bar).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Nodes,
    Explorer,
    OpsCenter,
    Compliance,
    Inventory,
    Scopes,
    Commands,
    Automations,
    Audit,
    Activations,
    Associations,
    Windows,
    Timeline,
    Parameters,
    Baselines,
    Documents,
    Packages,
}

impl Pane {
    /// In the order of their number keys, 1..6.
    pub const ALL: [Pane; 17] = [
        Pane::Nodes,
        Pane::Explorer,
        Pane::OpsCenter,
        Pane::Compliance,
        Pane::Inventory,
        Pane::Scopes,
        Pane::Commands,
        Pane::Automations,
        Pane::Audit,
        Pane::Activations,
        Pane::Associations,
        Pane::Windows,
        Pane::Timeline,
        Pane::Parameters,
        Pane::Baselines,
        Pane::Documents,
        Pane::Packages,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Nodes => "Nodes",
            Pane::Explorer => "Explorer",
            Pane::OpsCenter => "OpsCenter",
            Pane::Compliance => "Compliance",
            Pane::Inventory => "Inventory",
            Pane::Scopes => "Scopes",
            Pane::Commands => "Commands",
            Pane::Automations => "Automations",
            Pane::Audit => "Audit",
            Pane::Activations => "Activations",
            Pane::Associations => "Associations",
            Pane::Windows => "Windows",
            Pane::Timeline => "Timeline",
            Pane::Parameters => "Parameters",
            Pane::Baselines => "Baselines",
            Pane::Documents => "Documents",
            Pane::Packages => "Packages",
        }
    }

    /// The number key that shows it.
    pub fn number(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0) + 1
    }

    pub fn from_number(n: usize) -> Option<Pane> {
        Pane::ALL.get(n.checked_sub(1)?).copied()
    }

    /// The pane `delta` places along, wrapping.
    pub fn cycle(self, delta: isize) -> Pane {
        let n = Pane::ALL.len() as isize;
        Pane::ALL[(self.number() as isize - 1 + delta).rem_euclid(n) as usize]
    }

    /// The feeds the pane shows (nodes are always polled).
    pub fn feeds(self) -> FeedSet {
        match self {
            // Activations carry the instance tier the nodes table marks on-premises nodes with.
            Pane::Nodes => FeedSet::of(&[Feed::Nodes, Feed::Activations]),
            Pane::Explorer => FeedSet::of(&[
                Feed::Nodes,
                Feed::OpsItems,
                Feed::Compliance,
                Feed::Patch,
                Feed::Explorer,
            ]),
            Pane::OpsCenter => FeedSet::of(&[Feed::Nodes, Feed::OpsItems]),
            Pane::Compliance => FeedSet::of(&[Feed::Nodes, Feed::Compliance]),
            Pane::Inventory => FeedSet::of(&[Feed::Nodes, Feed::Inventory]),
            Pane::Scopes => FeedSet::of(&[Feed::Nodes]),
            Pane::Commands => FeedSet::of(&[Feed::Nodes, Feed::Commands]),
            Pane::Automations => FeedSet::of(&[Feed::Nodes, Feed::Automations]),
            Pane::Audit => FeedSet::of(&[Feed::Nodes]),
            Pane::Activations => FeedSet::of(&[Feed::Nodes, Feed::Activations]),
            Pane::Associations => FeedSet::of(&[Feed::Nodes, Feed::Associations]),
            Pane::Windows => FeedSet::of(&[Feed::Nodes, Feed::Windows]),
            Pane::Timeline => FeedSet::of(&[Feed::Nodes, Feed::Windows, Feed::Calendars]),
            Pane::Parameters => FeedSet::of(&[Feed::Nodes, Feed::Parameters]),
            Pane::Baselines => FeedSet::of(&[Feed::Nodes, Feed::Baselines, Feed::Patch]),
            Pane::Documents | Pane::Packages => FeedSet::of(&[Feed::Nodes, Feed::Documents]),
        }
    }
}

/// What a `:` command does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Show a pane; with scope terms, also set the scope filter.
    Show(Pane, Option<ScopeFilter>),
    /// Only set the scope filter.
    Scope(ScopeFilter),
    /// Back to the last session tab, or tab N.
    Sessions(Option<usize>),
    /// Fleet-wide application query on the inventory pane.
    App {
        name: String,
        below: Option<String>,
    },
    Help,
    Quit,
}

/// Command aliases: (names, pane), for parsing and the help overlay.
pub const PANE_ALIASES: &[(&[&str], Pane)] = &[
    (&["nodes", "no", "node"], Pane::Nodes),
    (&["explorer", "ex", "x"], Pane::Explorer),
    (&["ops", "opscenter", "oi", "opsitems"], Pane::OpsCenter),
    (&["compliance", "comp", "co"], Pane::Compliance),
    (&["inventory", "inv", "in"], Pane::Inventory),
    (&["scopes", "scope", "sc"], Pane::Scopes),
    (&["commands", "cmd", "cmds", "history"], Pane::Commands),
    (&["automations", "auto", "runbooks"], Pane::Automations),
    (&["audit", "au"], Pane::Audit),
    (&["activations", "act", "hybrid"], Pane::Activations),
    (
        &["associations", "assoc", "sm", "state"],
        Pane::Associations,
    ),
    (&["windows", "mw", "win"], Pane::Windows),
    (&["timeline", "tl", "calendar"], Pane::Timeline),
    (&["parameters", "params", "param", "ps"], Pane::Parameters),
    (
        &["baselines", "baseline", "patch", "patches"],
        Pane::Baselines,
    ),
    (&["documents", "docs", "doc"], Pane::Documents),
    (
        &["packages", "package", "distributor", "pkg"],
        Pane::Packages,
    ),
];

/// The command grammar, for the help overlay.
pub const COMMAND_HELP: &[(&str, &str)] = &[
    (":nodes :explorer", "a pane; also :ops :compliance"),
    ("", ":inventory :scopes (or short)"),
    (":commands :automations", "recent runs (history)"),
    (":audit :activations", "audit log · hybrid activations"),
    (":associations :windows", "State Manager · maint. windows"),
    (":timeline", "next 7 days: windows, closures"),
    (
        ":parameters :baselines",
        "Parameter Store · patch baselines",
    ),
    (":documents :packages", "SSM documents · Distributor"),
    (":ops @prod", "…only accounts matching prod"),
    (":region:eu-west-1", "…only that region"),
    (":*", "every scope again"),
    (":app ssl <3.0", "nodes with an app (< version)"),
    (":sessions [N]", "last session tab / tab N"),
    (":q  :help", "quit · this help"),
];

/// Which scopes the panes show: accounts (name or id) and regions; empty lists match all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeFilter {
    /// Lowercase; a scope's account matches if its id or name contains one.
    pub accounts: Vec<String>,
    /// Lowercase; a scope's region matches if it starts with one.
    pub regions: Vec<String>,
}

impl ScopeFilter {
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty() && self.regions.is_empty()
    }

    pub fn matches(&self, s: &ScopeState) -> bool {
        let acct_ok = self.accounts.is_empty()
            || self.accounts.iter().any(|a| {
                s.scope.account.id.to_lowercase().contains(a.as_str())
                    || s.scope.account.name.to_lowercase().contains(a.as_str())
            });
        let region_ok = self.regions.is_empty()
            || self
                .regions
                .iter()
                .any(|r| s.scope.region.to_lowercase().starts_with(r.as_str()));
        acct_ok && region_ok
    }

    /// Per scope of `estate`: shown.
    pub fn mask(&self, estate: &Estate) -> Vec<bool> {
        estate.scopes().iter().map(|s| self.matches(s)).collect()
    }

    /// `@prod region:eu-west-1`, as typed.
    pub fn label(&self) -> String {
        let mut parts: Vec<String> = self.accounts.iter().map(|a| format!("@{a}")).collect();
        parts.extend(self.regions.iter().map(|r| format!("region:{r}")));
        parts.join(" ")
    }
}

/// Parses one command line (without the `:`).
pub fn parse_command(line: &str) -> Result<Command, String> {
    let mut words = line.split_whitespace();
    let Some(first) = words.next() else {
        return Err("empty command (try :help)".into());
    };
    let head = first.to_lowercase();
    let rest: Vec<&str> = words.collect();
    match head.as_str() {
        "q" | "quit" | "q!" => return Ok(Command::Quit),
        "help" | "h" | "?" => return Ok(Command::Help),
        "sessions" | "session" | "s" => {
            return match rest.first() {
                None => Ok(Command::Sessions(None)),
                Some(n) => n
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n > 0)
                    .map(|n| Command::Sessions(Some(n)))
                    .ok_or_else(|| format!("`{n}` is not a tab number")),
            };
        }
        "app" | "apps" | "application" => {
            let mut name = Vec::new();
            let mut below = None;
            for w in &rest {
                match w.strip_prefix('<') {
                    Some(v) if !v.is_empty() => below = Some(v.to_string()),
                    Some(_) => return Err("`<` needs a version, as in <3.0".into()),
                    None => name.push(*w),
                }
            }
            if name.is_empty() {
                return Err("which application? e.g. :app openssl <3.0".into());
            }
            return Ok(Command::App {
                name: name.join(" "),
                below,
            });
        }
        _ => {}
    }
    if let Some((_, pane)) = PANE_ALIASES
        .iter()
        .find(|(names, _)| names.contains(&head.as_str()))
    {
        let filter = if rest.is_empty() {
            None
        } else {
            Some(parse_scope_terms(&rest)?)
        };
        return Ok(Command::Show(*pane, filter));
    }
    let all: Vec<&str> = line.split_whitespace().collect();
    if all
        .iter()
        .all(|w| w.starts_with('@') || w.to_lowercase().starts_with("region:") || *w == "*")
    {
        return parse_scope_terms(&all).map(Command::Scope);
    }
    Err(format!("unknown command `{first}` (try :help)"))
}

/// `@acct`, `region:r`, or `*` (every scope).
fn parse_scope_terms(words: &[&str]) -> Result<ScopeFilter, String> {
    let mut f = ScopeFilter::default();
    for w in words {
        if *w == "*" {
            continue;
        }
        if let Some(a) = w.strip_prefix('@') {
            if a.is_empty() {
                return Err("`@` needs an account name or id".into());
            }
            if a != "*" {
                f.accounts.push(a.to_lowercase());
            }
        } else if let Some(r) = w
            .get(..7)
            .filter(|p| p.eq_ignore_ascii_case("region:"))
            .and_then(|_| w.get(7..))
        {
            if r.is_empty() {
                return Err("`region:` needs a region, as in region:eu-west-1".into());
            }
            if r != "*" {
                f.regions.push(r.to_lowercase());
            }
        } else {
            return Err(format!("`{w}`: scope terms are @ACCOUNT and region:REGION"));
        }
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_and_scope_terms() {
        assert_eq!(
            parse_command("ops"),
            Ok(Command::Show(Pane::OpsCenter, None))
        );
        assert_eq!(parse_command("EX"), Ok(Command::Show(Pane::Explorer, None)));
        assert_eq!(
            parse_command("inv @Prod region:eu-west-1"),
            Ok(Command::Show(
                Pane::Inventory,
                Some(ScopeFilter {
                    accounts: vec!["prod".into()],
                    regions: vec!["eu-west-1".into()],
                })
            ))
        );
        assert_eq!(
            parse_command("@123456789012"),
            Ok(Command::Scope(ScopeFilter {
                accounts: vec!["123456789012".into()],
                regions: vec![],
            }))
        );
        assert_eq!(
            parse_command("*"),
            Ok(Command::Scope(ScopeFilter::default()))
        );
        assert!(parse_command("ops prod").is_err());
        assert!(parse_command("region:").is_err());
        assert!(parse_command("@").is_err());
        assert!(parse_command("frobnicate").is_err());
        assert!(parse_command("").is_err());
        assert_eq!(parse_command("sessions 2"), Ok(Command::Sessions(Some(2))));
        assert!(parse_command("sessions x").is_err());
        assert_eq!(
            parse_command("app openssl <3.0"),
            Ok(Command::App {
                name: "openssl".into(),
                below: Some("3.0".into())
            })
        );
        assert!(parse_command("app").is_err());
        assert_eq!(parse_command("q"), Ok(Command::Quit));
        // Multi-byte words never split a char.
        assert!(parse_command("régioné:x").is_err());
    }

    #[test]
    fn panes_cycle_and_number() {
        let last = Pane::ALL[Pane::ALL.len() - 1];
        assert_eq!(Pane::Nodes.cycle(-1), last);
        assert_eq!(last.cycle(1), Pane::Nodes);
        assert_eq!(Pane::from_number(3), Some(Pane::OpsCenter));
        assert_eq!(Pane::from_number(0), None);
        assert_eq!(Pane::from_number(Pane::ALL.len() + 1), None);
        for p in Pane::ALL {
            assert_eq!(Pane::from_number(p.number()), Some(p));
        }
    }
}
