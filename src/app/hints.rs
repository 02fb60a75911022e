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
        table
            .chain(pane)
            .filter(|k: &Vec<KeySpec>| !k.is_empty())
            .collect()
    }

    /// Whether every action of it has its default keys in `keys`.
    fn has_default_keys(&self, keys: &KeyMap) -> bool {
        let d = KeyMap::default();
        self.table.iter().all(|a| keys.keys(*a).eq(d.keys(*a)))
            && self
                .pane
                .iter()
                .all(|a| keys.pane_keys(*a).eq(d.pane_keys(*a)))
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
        let arrows = firsts
            .iter()
            .all(|g| ["←", "→", "↓", "↑"].contains(&g.as_str()));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::keymap::KeysConfig;
    use crate::app::{ACTION_KEY_HELP, DETAIL_KEY_HELP, KEY_HELP, Pane, Panes, SESSION_KEY_HELP};

    fn k(s: &str) -> KeySpec {
        KeySpec::must(s)
    }

    fn map(c: KeysConfig) -> KeyMap {
        match KeyMap::from_config(&c) {
            Ok(m) => m,
            Err(e) => panic!("{e}"),
        }
    }

    /// Every help overlay line and every status bar hint of the app.
    fn every_hint() -> (Vec<KeyHint>, Vec<KeyHint>) {
        let panes = Panes::default();
        let mut help: Vec<KeyHint> = [KEY_HELP, SESSION_KEY_HELP, ACTION_KEY_HELP]
            .concat()
            .into_iter()
            .chain([DETAIL_KEY_HELP])
            .collect();
        let mut footer = Vec::new();
        for p in Pane::ALL {
            help.extend_from_slice(panes.get(p).help());
            footer.extend_from_slice(panes.get(p).footer());
        }
        (help, footer)
    }

    /// The keys a help text writes: "j k / ↓ ↑" is j, k, Down, Up; "/" alone is `/`.
    fn written_keys(text: &str) -> Vec<KeySpec> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let alone = words.len() == 1;
        words
            .into_iter()
            .filter(|t| alone || !["/", "·"].contains(t))
            .map(|t| match t {
                "←" => k("Left"),
                "→" => k("Right"),
                "↓" => k("Down"),
                "↑" => k("Up"),
                "⏎" => k("Enter"),
                t => k(t),
            })
            .collect()
    }

    #[test]
    fn the_default_text_of_each_help_line_writes_only_its_actions_default_keys() {
        let d = KeyMap::default();
        let (help, _) = every_hint();
        let mut checked = 0;
        for h in help.iter().filter(|h| !h.is_fixed()) {
            let written = written_keys(h.keys);
            let defaults: Vec<Vec<KeySpec>> = h
                .table
                .iter()
                .map(|a| d.keys(*a).collect())
                .chain(h.pane.iter().map(|a| d.pane_keys(*a).collect()))
                .collect();
            for key in &written {
                // Ctrl-c quits whatever `[keys]` says.
                let fixed_quit = h.table == [Action::Quit] && *key == k("Ctrl-c");
                let bound = defaults.iter().any(|ks| ks.contains(key));
                assert!(bound || fixed_quit, "{:?}: {key} is not its key", h.keys);
            }
            for ks in &defaults {
                let named = ks.iter().any(|key| written.contains(key));
                assert!(named, "{:?} ({}) names none of {ks:?}", h.keys, h.what);
            }
            assert_eq!(h.help_keys(&d), h.keys);
            checked += 1;
        }
        assert!(checked > 20, "{checked}");
    }

    #[test]
    fn with_the_default_keys_the_status_bar_writes_each_hint_as_before() {
        let d = KeyMap::default();
        let (_, footer) = every_hint();
        for h in &footer {
            assert_eq!(h.footer_keys(&d), h.keys, "{}", h.what);
        }
        assert!(footer.iter().any(|h| h.keys == "←→"));
        assert!(footer.iter().any(|h| h.keys == "j/k"));
        assert!(footer.iter().any(|h| h.keys == "⏎"));
    }

    #[test]
    fn a_rebound_action_writes_its_new_keys_and_an_unbound_one_is_left_out() {
        let m = map(KeysConfig {
            run_command: Some(vec![k("x"), k("F5")]),
            path_up: Some(vec![k("Ctrl-h")]),
            sort_next: Some(vec![k("z")]),
            app_query: Some(vec![]),
            ..KeysConfig::default()
        });
        let run = ACTION_KEY_HELP[0];
        assert_eq!(run.help_keys(&m), "x F5 / R");
        assert_eq!(run.footer_keys(&m), "x/R");
        let path = KeyHint::pane("←→", &[PaneAction::PathUp, PaneAction::PathDown], "");
        assert_eq!(path.footer_keys(&m), "Ctrl-h/→");
        assert_eq!(path.footer_keys(&KeyMap::default()), "←→");
        let sort = KeyHint::table("s", &[Action::SortNext], "sort");
        assert_eq!(sort.footer_keys(&m), "z");
        let query = KeyHint::pane("a", &[PaneAction::AppQuery], "app query");
        assert!(!query.shown(&m, false));
        assert_eq!(footer_entries(&[query, sort], &m, false).len(), 1);
        let both = KeyHint::pane("a / m", &[PaneAction::AppQuery, PaneAction::ToggleView], "");
        assert!(both.shown(&m, false));
        assert_eq!(both.help_keys(&m), "m");
    }

    #[test]
    fn read_only_drops_the_hints_of_mutating_actions_and_their_continuations() {
        let d = KeyMap::default();
        let hints = [
            KeyHint::pane("a", &[PaneAction::Apply], "apply"),
            KeyHint::more("more of apply"),
            KeyHint::pane("a", &[PaneAction::AppQuery], "app query"),
            KeyHint::more("more of the query"),
        ];
        let shown = help_lines(&hints, &d, true);
        let whats: Vec<&str> = shown.iter().map(|(_, w)| *w).collect();
        assert_eq!(whats, ["app query", "more of the query"]);
        assert_eq!(help_lines(&hints, &d, false).len(), 4);
        assert_eq!(footer_entries(&hints[..1], &d, true), []);
        assert_eq!(footer_entries(&hints[..1], &d, false).len(), 1);
    }
}
