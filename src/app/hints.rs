//! Key hints: the lines of the help overlay and the status bar's hints. A hint names the
//! actions it describes, not their keys: the overlay and the footers write the keys the
//! app's [`KeyMap`] binds to them, so a `[keys]` rebinding shows everywhere, a hint whose
//! actions are all unbound is left out, and read-only mode drops every hint of a mutating
//! action by the action's own flag ([`PaneAction::mutating`], the one
//! [`KeyMap::pane_action`] strips by).

use crossterm::event::KeyCode;

use super::keymap::{Action, KeyMap, KeySpec, PaneAction};

/// One line of the help overlay or one of the status bar's key hints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyHint {
    /// The keys as the help overlay writes them while the hint's actions keep their
    /// default keys ("j k / ↓ ↑"); a fixed hint's keys always ("1-9", "Esc"). Empty: a
    /// continuation line of the hint above, shown when that one is.
    pub keys: &'static str,
    /// The table actions it describes.
    pub table: &'static [Action],
    /// The pane actions it describes.
    pub pane: &'static [PaneAction],
    /// What the keys do.
    pub what: &'static str,
}

impl KeyHint {
    /// Keys no `[keys]` entry binds (digits, Tab, Esc, the session leader).
    pub const fn fixed(keys: &'static str, what: &'static str) -> KeyHint {
        KeyHint {
            keys,
            table: &[],
            pane: &[],
            what,
        }
    }

    /// The text of the line above, continued.
    pub const fn more(what: &'static str) -> KeyHint {
        KeyHint::fixed("", what)
    }

    /// The keys of table actions; `keys` is how the overlay writes the defaults.
    pub const fn table(
        keys: &'static str,
        table: &'static [Action],
        what: &'static str,
    ) -> KeyHint {
        KeyHint {
            keys,
            table,
            pane: &[],
            what,
        }
    }

    /// The keys of pane actions; `keys` is how the overlay writes the defaults.
    pub const fn pane(
        keys: &'static str,
        pane: &'static [PaneAction],
        what: &'static str,
    ) -> KeyHint {
        KeyHint {
            keys,
            table: &[],
            pane,
            what,
        }
    }

    /// The keys of table and pane actions; `keys` is how the overlay writes the defaults.
    pub const fn both(
        keys: &'static str,
        table: &'static [Action],
        pane: &'static [PaneAction],
        what: &'static str,
    ) -> KeyHint {
        KeyHint {
            keys,
            table,
            pane,
            what,
        }
    }

    /// Whether its keys are fixed (or it continues the line above).
    pub fn is_fixed(&self) -> bool {
        self.table.is_empty() && self.pane.is_empty()
    }

    /// Whether one of its actions changes AWS.
    pub fn mutating(&self) -> bool {
        self.pane.iter().any(|a| a.mutating())
    }

    /// Whether it shows: not a mutating one in read-only mode, and a key bound to one of
    /// its actions (a fixed one always).
    pub fn shown(&self, keys: &KeyMap, read_only: bool) -> bool {
        if read_only && self.mutating() {
            return false;
        }
        self.is_fixed()
            || self.table.iter().any(|a| keys.first_key(*a).is_some())
            || self.pane.iter().any(|a| keys.pane_key(*a).is_some())
    }

    /// The keys bound to each of its actions, in order (an unbound action: none).
    fn bound(&self, keys: &KeyMap) -> Vec<Vec<KeySpec>> {
        let table = self.table.iter().map(|a| keys.keys(*a).collect());
        let pane = self.pane.iter().map(|a| keys.pane_keys(*a).collect());
        table.chain(pane).filter(|k: &Vec<KeySpec>| !k.is_empty()).collect()
    }

    /// Whether every action of it has its default keys in `keys`.
    fn has_default_keys(&self, keys: &KeyMap) -> bool {
        let d = KeyMap::default();
        self.table.iter().all(|a| keys.keys(*a).eq(d.keys(*a)))
            && self.pane.iter().all(|a| keys.pane_keys(*a).eq(d.pane_keys(*a)))
    }

    /// Its keys as the help overlay writes them: the default text while the bindings are
    /// the defaults, else each action's keys ("x X / R").
    pub fn help_keys(&self, keys: &KeyMap) -> String {
        if self.is_fixed() || self.has_default_keys(keys) {
            return self.keys.to_string();
        }
        let groups: Vec<String> = self
            .bound(keys)
            .iter()
            .map(|ks| {
                let words: Vec<String> = ks.iter().map(|k| glyph(k, false)).collect();
                words.join(" ")
            })
            .collect();
        groups.join(" / ")
    }

    /// Its keys as the status bar writes them: the first key of each action, "j/k", or
    /// "←→" for two arrows.
    pub fn footer_keys(&self, keys: &KeyMap) -> String {
        if self.is_fixed() {
            return self.keys.to_string();
        }
        let firsts: Vec<String> = self
            .bound(keys)
            .iter()
            .filter_map(|ks| ks.first().map(|k| glyph(k, true)))
            .collect();
        let arrows = firsts.iter().all(|g| ["←", "→", "↓", "↑"].contains(&g.as_str()));
        firsts.join(if arrows { "" } else { "/" })
    }
}

/// A key as a hint writes it: arrows as arrows, and `Enter` as ⏎ in the status bar.
fn glyph(k: &KeySpec, footer: bool) -> String {
    if !k.mods.is_empty() {
        return k.to_string();
    }
    match k.code {
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::Enter if footer => "⏎".into(),
        _ => k.to_string(),
    }
}

/// The lines of a help overlay section: (keys, what) of each hint shown, a continuation
/// line with its hint.
pub fn help_lines<'a>(
    hints: impl IntoIterator<Item = &'a KeyHint>,
    keys: &KeyMap,
    read_only: bool,
) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    let mut last_shown = true;
    for h in hints {
        if h.keys.is_empty() && h.is_fixed() {
            if last_shown {
                out.push((String::new(), h.what));
            }
            continue;
        }
        last_shown = h.shown(keys, read_only);
        if last_shown {
            out.push((h.help_keys(keys), h.what));
        }
    }
    out
}

/// The status bar's hints shown: (keys, what) of each.
pub fn footer_entries(
    hints: &[KeyHint],
    keys: &KeyMap,
    read_only: bool,
) -> Vec<(String, &'static str)> {
    hints
        .iter()
        .filter(|h| h.shown(keys, read_only))
        .map(|h| (h.footer_keys(keys), h.what))
        .collect()
}
