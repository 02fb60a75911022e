//! The `:` command line: its grammar and the scope filter it sets.

use super::panes::{PANE_ALIASES, Pane};
use super::scope_filter::ScopeFilter;

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
}
