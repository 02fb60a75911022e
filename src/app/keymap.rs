//! Configurable key bindings: the `[keys]` config section, key specs and the key map.

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::{Deserialize, Deserializer};

/// An action of the table and pane keys that can be rebound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Down,
    Up,
    Top,
    Bottom,
    PageDown,
    PageUp,
    HalfPageDown,
    HalfPageUp,
    Filter,
    Command,
    Help,
    Quit,
    SortNext,
    SortPrev,
    SortReverse,
    Details,
}

impl Action {
    pub const ALL: [Action; 16] = [
        Action::Down,
        Action::Up,
        Action::Top,
        Action::Bottom,
        Action::PageDown,
        Action::PageUp,
        Action::HalfPageDown,
        Action::HalfPageUp,
        Action::Filter,
        Action::Command,
        Action::Help,
        Action::Quit,
        Action::SortNext,
        Action::SortPrev,
        Action::SortReverse,
        Action::Details,
    ];

    /// The name in `[keys]`.
    pub fn name(self) -> &'static str {
        match self {
            Action::Down => "down",
            Action::Up => "up",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::PageDown => "page_down",
            Action::PageUp => "page_up",
            Action::HalfPageDown => "half_page_down",
            Action::HalfPageUp => "half_page_up",
            Action::Filter => "filter",
            Action::Command => "command",
            Action::Help => "help",
            Action::Quit => "quit",
            Action::SortNext => "sort_next",
            Action::SortPrev => "sort_prev",
            Action::SortReverse => "sort_reverse",
            Action::Details => "details",
        }
    }

    fn defaults(self) -> &'static [&'static str] {
        match self {
            Action::Down => &["j", "Down"],
            Action::Up => &["k", "Up"],
            Action::Top => &["g", "Home"],
            Action::Bottom => &["G", "End"],
            Action::PageDown => &["PageDown", "Ctrl-f"],
            Action::PageUp => &["PageUp", "Ctrl-b"],
            Action::HalfPageDown => &["Ctrl-d"],
            Action::HalfPageUp => &["Ctrl-u"],
            Action::Filter => &["/"],
            Action::Command => &[":"],
            Action::Help => &["?"],
            Action::Quit => &["q"],
            Action::SortNext => &["s", ">"],
            Action::SortPrev => &["<"],
            Action::SortReverse => &["S"],
            Action::Details => &["Enter"],
        }
    }
}

/// A key that changes AWS when pressed: runs a command or a runbook, cancels or stops
/// one, edits an OpsItem or a parameter, applies an association, opens a session.
/// Read-only mode ignores these keys, and the help overlay and the footers leave them out
/// there. Whoever adds such a key lists it here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MutatingKey {
    /// The key as the help overlay and footers write it (`a`, `Ctrl-x`).
    pub key: &'static str,
    /// A word of its help and footer text that tells it apart from other uses of the
    /// same key (`apply` for `a` in the associations pane, not `a` = app query).
    pub verb: &'static str,
}

/// Every mutating key of the panes.
pub const MUTATING_KEYS: &[MutatingKey] = &[
    MutatingKey {
        key: "c",
        verb: "shell",
    },
    MutatingKey {
        key: "p",
        verb: "forward",
    },
    MutatingKey {
        key: "a",
        verb: "apply",
    },
    MutatingKey {
        key: "r / R",
        verb: "Run Command",
    },
    MutatingKey {
        key: "Space",
        verb: "Run Command",
    },
    MutatingKey {
        key: "a / x",
        verb: "runbook",
    },
    MutatingKey {
        key: "u / e",
        verb: "OpsItem",
    },
    MutatingKey {
        key: ":run :runbook",
        verb: "forms",
    },
    // Not a change itself, but a key of the live view of runs, which read-only mode never
    // opens: hidden there like the rest of it.
    MutatingKey {
        key: "o",
        verb: "full output",
    },
    MutatingKey {
        key: "e",
        verb: "new version",
    },
    MutatingKey {
        key: "s / i",
        verb: "patch",
    },
    MutatingKey {
        key: "i / u",
        verb: "install",
    },
];

/// Whether a help or footer entry (`key`, `what`) is one of [`MUTATING_KEYS`].
pub fn is_mutating_entry(key: &str, what: &str) -> bool {
    MUTATING_KEYS
        .iter()
        .any(|m| m.key == key && what.contains(m.verb))
}

/// The entries of a help or footer table to show: all of them, or in read-only mode
/// those that change nothing.
pub fn shown_entries<'a, T: AsRef<str>>(
    entries: impl IntoIterator<Item = (T, &'a str)>,
    read_only: bool,
) -> impl Iterator<Item = (T, &'a str)> {
    entries
        .into_iter()
        .filter(move |(k, what)| !(read_only && is_mutating_entry(k.as_ref(), what)))
}

/// One key with its Ctrl/Alt modifiers, as written in `[keys]` ("j", "Ctrl-d", "F5").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeySpec {
    pub code: KeyCode,
    /// Only CONTROL and ALT; Shift is in the char (or BackTab).
    pub mods: KeyModifiers,
}

const NAMED: &[(&str, KeyCode)] = &[
    ("Enter", KeyCode::Enter),
    ("Esc", KeyCode::Esc),
    ("Tab", KeyCode::Tab),
    ("Backspace", KeyCode::Backspace),
    ("Delete", KeyCode::Delete),
    ("Insert", KeyCode::Insert),
    ("Home", KeyCode::Home),
    ("End", KeyCode::End),
    ("PageUp", KeyCode::PageUp),
    ("PageDown", KeyCode::PageDown),
    ("PgUp", KeyCode::PageUp),
    ("PgDn", KeyCode::PageDown),
    ("Up", KeyCode::Up),
    ("Down", KeyCode::Down),
    ("Left", KeyCode::Left),
    ("Right", KeyCode::Right),
    ("Space", KeyCode::Char(' ')),
];

impl KeySpec {
    /// Parses "j", "G", "Enter", "Ctrl-d", "Alt-x", "Shift-Tab", "F1".."F12".
    pub fn parse(s: &str) -> Result<KeySpec, String> {
        let bad = || {
            format!(
                "unknown key {s:?} (a character, a name like Enter, Down, PageUp, F1-F12, \
                 or Ctrl-x, Alt-x, Shift-Tab)"
            )
        };
        let mut mods = KeyModifiers::NONE;
        let mut rest = s;
        loop {
            let lower = rest.to_ascii_lowercase();
            if rest.chars().count() > 2 && lower.starts_with("ctrl-") {
                mods |= KeyModifiers::CONTROL;
                rest = &rest[5..];
            } else if rest.chars().count() > 2 && lower.starts_with("alt-") {
                mods |= KeyModifiers::ALT;
                rest = &rest[4..];
            } else {
                break;
            }
        }
        if rest.eq_ignore_ascii_case("shift-tab") || rest.eq_ignore_ascii_case("backtab") {
            return Ok(KeySpec {
                code: KeyCode::BackTab,
                mods,
            });
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) if !c.is_control() => {
                KeyCode::Char(if mods.contains(KeyModifiers::CONTROL) {
                    c.to_ascii_lowercase()
                } else {
                    c
                })
            }
            _ => {
                if let Some((_, code)) = NAMED.iter().find(|(n, _)| n.eq_ignore_ascii_case(rest)) {
                    *code
                } else if let Some(n) = rest
                    .strip_prefix(['F', 'f'])
                    .and_then(|n| n.parse::<u8>().ok())
                    .filter(|n| (1..=12).contains(n))
                {
                    KeyCode::F(n)
                } else {
                    return Err(bad());
                }
            }
        };
        Ok(KeySpec { code, mods })
    }

    /// `key` with Shift dropped (it is in the char) and Ctrl letters lowercased.
    pub fn of(key: &KeyEvent) -> KeySpec {
        let mods = key.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        let code = match key.code {
            KeyCode::Char(c) if mods.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            code => code,
        };
        KeySpec { code, mods }
    }
}

impl fmt::Display for KeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::F(n) => write!(f, "F{n}"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::PageUp => f.write_str("PgUp"),
            code => match NAMED.iter().find(|(_, c)| *c == code) {
                Some((n, _)) => f.write_str(n),
                None => write!(f, "{code:?}"),
            },
        }
    }
}

impl<'de> Deserialize<'de> for KeySpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<KeySpec, D::Error> {
        let s = String::deserialize(d)?;
        KeySpec::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// `[keys]`: action = ["key", …]; an action not named keeps its default keys.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeysConfig {
    pub down: Option<Vec<KeySpec>>,
    pub up: Option<Vec<KeySpec>>,
    pub top: Option<Vec<KeySpec>>,
    pub bottom: Option<Vec<KeySpec>>,
    pub page_down: Option<Vec<KeySpec>>,
    pub page_up: Option<Vec<KeySpec>>,
    pub half_page_down: Option<Vec<KeySpec>>,
    pub half_page_up: Option<Vec<KeySpec>>,
    pub filter: Option<Vec<KeySpec>>,
    pub command: Option<Vec<KeySpec>>,
    pub help: Option<Vec<KeySpec>>,
    pub quit: Option<Vec<KeySpec>>,
    pub sort_next: Option<Vec<KeySpec>>,
    pub sort_prev: Option<Vec<KeySpec>>,
    pub sort_reverse: Option<Vec<KeySpec>>,
    pub details: Option<Vec<KeySpec>>,
}

impl KeysConfig {
    fn get(&self, a: Action) -> Option<&Vec<KeySpec>> {
        match a {
            Action::Down => self.down.as_ref(),
            Action::Up => self.up.as_ref(),
            Action::Top => self.top.as_ref(),
            Action::Bottom => self.bottom.as_ref(),
            Action::PageDown => self.page_down.as_ref(),
            Action::PageUp => self.page_up.as_ref(),
            Action::HalfPageDown => self.half_page_down.as_ref(),
            Action::HalfPageUp => self.half_page_up.as_ref(),
            Action::Filter => self.filter.as_ref(),
            Action::Command => self.command.as_ref(),
            Action::Help => self.help.as_ref(),
            Action::Quit => self.quit.as_ref(),
            Action::SortNext => self.sort_next.as_ref(),
            Action::SortPrev => self.sort_prev.as_ref(),
            Action::SortReverse => self.sort_reverse.as_ref(),
            Action::Details => self.details.as_ref(),
        }
    }

    /// The key map, or a conflict naming both actions (or the fixed key shadowed).
    pub fn keymap(&self) -> Result<KeyMap, String> {
        let mut bindings = Vec::new();
        for a in Action::ALL {
            let keys = match self.get(a) {
                Some(keys) => keys.clone(),
                None => default_keys(a),
            };
            for k in keys {
                if let Some(fixed) = fixed_key(&k) {
                    return Err(format!(
                        "keys.{}: {k} is {fixed}, which cannot be rebound",
                        a.name()
                    ));
                }
                match bindings.iter().find(|(b, _)| *b == k) {
                    Some((_, other)) if *other == a => {}
                    Some((_, other)) => {
                        let other: &Action = other;
                        return Err(format!(
                            "keys: {k} is bound to both {} and {}",
                            other.name(),
                            a.name()
                        ));
                    }
                    None => bindings.push((k, a)),
                }
            }
        }
        Ok(KeyMap { bindings })
    }
}

fn default_keys(a: Action) -> Vec<KeySpec> {
    a.defaults()
        .iter()
        .filter_map(|s| KeySpec::parse(s).ok())
        .collect()
}

/// What a key has fixed outside `[keys]`, if it is one of those.
fn fixed_key(k: &KeySpec) -> Option<&'static str> {
    let plain = k.mods.is_empty();
    let ctrl = k.mods == KeyModifiers::CONTROL;
    Some(match k.code {
        KeyCode::Char(']') if ctrl => "the session leader",
        KeyCode::Char('c') if ctrl => "quit",
        KeyCode::Char('1'..='9') if plain => "a pane key (1-9)",
        KeyCode::Tab | KeyCode::BackTab if plain => "the pane cycle key",
        KeyCode::Esc if plain => "clear / close / back",
        KeyCode::Char(
            'c' | 'p' | 'i' | 'n' | 'a' | 'm' | 'r' | 'R' | 'h' | 'l' | '[' | ']' | 'x' | 'X' | 'u'
            | 'e' | 'o' | 't' | 'w' | 'v' | ' ',
        ) if plain => "a pane key (see help)",
        KeyCode::Left | KeyCode::Right if plain => "a pane key (see help)",
        _ => return None,
    })
}

/// Which action each bound key does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMap {
    bindings: Vec<(KeySpec, Action)>,
}

impl Default for KeyMap {
    fn default() -> Self {
        let bindings = Action::ALL
            .iter()
            .flat_map(|a| default_keys(*a).into_iter().map(move |k| (k, *a)))
            .collect();
        KeyMap { bindings }
    }
}

impl KeyMap {
    pub fn action(&self, key: &KeyEvent) -> Option<Action> {
        let k = KeySpec::of(key);
        self.bindings.iter().find(|(b, _)| *b == k).map(|(_, a)| *a)
    }

    pub fn keys(&self, a: Action) -> impl Iterator<Item = KeySpec> + '_ {
        self.bindings
            .iter()
            .filter(move |(_, b)| *b == a)
            .map(|(k, _)| *k)
    }

    /// The keys of `a` for the help overlay, e.g. "j ↓".
    pub fn label(&self, a: Action) -> String {
        let keys: Vec<String> = self.keys(a).map(|k| k.to_string()).collect();
        keys.join(" ")
    }

    fn is_default(&self, actions: &[Action]) -> bool {
        let d = KeyMap::default();
        actions.iter().all(|a| self.keys(*a).eq(d.keys(*a)))
    }

    /// `KEY_HELP` with the keys of rebound actions written out.
    pub fn help(&self, base: &[(&'static str, &'static str)]) -> Vec<(String, &'static str)> {
        base.iter()
            .map(|(k, what)| {
                let actions = help_actions(k);
                if actions.is_empty() || self.is_default(actions) {
                    return (k.to_string(), *what);
                }
                let text: Vec<String> = actions.iter().map(|a| self.label(*a)).collect();
                (text.join(" / "), *what)
            })
            .collect()
    }
}

/// The actions a `KEY_HELP` entry describes, by its default key text.
fn help_actions(keys: &str) -> &'static [Action] {
    match keys {
        ":" => &[Action::Command],
        "j k / ↓ ↑" => &[Action::Down, Action::Up],
        "g G / Home End" => &[Action::Top, Action::Bottom],
        "PgDn / PgUp" => &[Action::PageDown, Action::PageUp],
        "Ctrl-d / Ctrl-u" => &[Action::HalfPageDown, Action::HalfPageUp],
        "Enter" => &[Action::Details],
        "/" => &[Action::Filter],
        "s / S" => &[Action::SortNext, Action::SortReverse],
        "> / <" => &[Action::SortNext, Action::SortPrev],
        "?" => &[Action::Help],
        "q / Ctrl-c" => &[Action::Quit],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> KeySpec {
        match KeySpec::parse(s) {
            Ok(k) => k,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn parses_chars_names_modifiers_and_function_keys() {
        assert_eq!(k("j").code, KeyCode::Char('j'));
        assert_eq!(k("G").code, KeyCode::Char('G'));
        assert_eq!(k("-").code, KeyCode::Char('-'));
        assert_eq!(k("enter").code, KeyCode::Enter);
        assert_eq!(k("PgDn").code, KeyCode::PageDown);
        assert_eq!(k("F12").code, KeyCode::F(12));
        assert_eq!(
            k("Ctrl-D"),
            KeySpec {
                code: KeyCode::Char('d'),
                mods: KeyModifiers::CONTROL
            }
        );
        assert_eq!(k("Alt-x").mods, KeyModifiers::ALT);
        assert_eq!(k("Shift-Tab").code, KeyCode::BackTab);
        assert_eq!(
            k("Ctrl-Alt-Down").mods,
            KeyModifiers::CONTROL | KeyModifiers::ALT
        );
        for bad in ["", "jj", "F13", "F0", "Ctrl-", "Hyper-x", "Downn"] {
            assert!(KeySpec::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "j",
            "Ctrl-d",
            "Alt-x",
            "Shift-Tab",
            "F5",
            "Enter",
            "Home",
            "Space",
        ] {
            assert_eq!(k(&k(s).to_string()), k(s), "{s}");
        }
    }

    #[test]
    fn events_match_with_shift_in_the_char() {
        let map = KeyMap::default();
        let ev = |code, mods| KeyEvent::new(code, mods);
        let shift_g = ev(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(map.action(&shift_g), Some(Action::Bottom));
        let ctrl_d = ev(KeyCode::Char('d'), KeyModifiers::CONTROL);
        assert_eq!(map.action(&ctrl_d), Some(Action::HalfPageDown));
        let d = ev(KeyCode::Char('d'), KeyModifiers::NONE);
        assert_eq!(map.action(&d), None);
    }

    #[test]
    fn mutating_entries_are_hidden_in_read_only_mode() {
        let entries = [
            ("a", "associations: apply now"),
            ("a", "inventory: app query"),
        ];
        let shown: Vec<_> = shown_entries(entries, true).collect();
        assert_eq!(shown, vec![("a", "inventory: app query")]);
        assert_eq!(shown_entries(entries, false).count(), 2);
        assert!(is_mutating_entry("c", "shell on the selected node"));
        assert!(!is_mutating_entry("c", "compliance"));
    }

    #[test]
    fn defaults_have_no_conflicts() {
        assert_eq!(KeysConfig::default().keymap(), Ok(KeyMap::default()));
    }

    #[test]
    fn conflicts_name_both_actions() {
        let c = KeysConfig {
            down: Some(vec![k("k")]),
            ..KeysConfig::default()
        };
        let Err(e) = c.keymap() else {
            panic!("no conflict")
        };
        assert!(
            e.contains("down") && e.contains("up") && e.contains('k'),
            "{e}"
        );
    }

    #[test]
    fn fixed_keys_cannot_be_rebound() {
        for fixed in [
            "Ctrl-]", "3", "Tab", "Ctrl-c", "Esc", "c", "x", "Space", "o",
        ] {
            let c = KeysConfig {
                help: Some(vec![k(fixed)]),
                ..KeysConfig::default()
            };
            let Err(e) = c.keymap() else {
                panic!("{fixed} accepted")
            };
            assert!(e.contains("keys.help"), "{e}");
        }
    }

    #[test]
    fn help_shows_rebound_keys_only() {
        let base = [("j k / ↓ ↑", "rows"), ("?", "help"), ("z", "other")];
        let d = KeyMap::default().help(&base);
        assert_eq!(d[0].0, "j k / ↓ ↑");
        let c = KeysConfig {
            down: Some(vec![k("z"), k("Down")]),
            help: Some(vec![k("F1")]),
            ..KeysConfig::default()
        };
        let Ok(map) = c.keymap() else {
            panic!("conflict")
        };
        let h = map.help(&base);
        assert_eq!(h[0].0, "z ↓ / k ↑");
        assert_eq!(h[1].0, "F1");
        assert_eq!(h[2].0, "z");
    }
}
