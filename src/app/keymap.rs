//! The key map: which action each key does, built from the `[keys]` config section
//! ([`crate::config::keys`]). Read-only mode strips the actions that change AWS here, and
//! the key hints ([`super::hints`]) leave them out by the same flag.

use crossterm::event::KeyEvent;

pub use crate::config::keys::{Action, KeySpec, KeysConfig, PaneAction, pane_keys};

/// Which action each bound key does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMap {
    bindings: Vec<(KeySpec, Action)>,
    /// The keys of the panes' own actions.
    pane: Vec<(KeySpec, PaneAction)>,
}

impl Default for KeyMap {
    fn default() -> Self {
        let bindings = Action::ALL
            .iter()
            .flat_map(|a| a.default_keys().into_iter().map(move |k| (k, *a)))
            .collect();
        let pane = PaneAction::ALL
            .iter()
            .flat_map(|a| a.default_keys().into_iter().map(move |k| (k, *a)))
            .collect();
        KeyMap { bindings, pane }
    }
}

impl KeyMap {
    /// The key map of a `[keys]` section, or its first conflict.
    pub fn from_config(keys: &KeysConfig) -> Result<KeyMap, String> {
        Ok(KeyMap {
            bindings: keys.bindings()?,
            pane: keys.pane_bindings()?,
        })
    }

    /// The first of a pane's `candidates` (its set in [`PANE_KEY_SETS`]) that `key` is
    /// bound to. Read-only mode strips the mutating ones here, the one place, so that no
    /// pane ever sees them there.
    pub fn pane_action(
        &self,
        key: &KeyEvent,
        read_only: bool,
        candidates: &[PaneAction],
    ) -> Option<PaneAction> {
        let k = KeySpec::of(key);
        self.pane
            .iter()
            .find(|(b, a)| *b == k && candidates.contains(a))
            .map(|(_, a)| *a)
            .filter(|a| !(read_only && a.mutating()))
    }

    /// The first key bound to a pane action, as a footer writes it (`None`: unbound).
    pub fn pane_key(&self, a: PaneAction) -> Option<KeySpec> {
        self.pane.iter().find(|(_, b)| *b == a).map(|(k, _)| *k)
    }

    /// Every key bound to a pane action, in `[keys]` order.
    pub fn pane_keys(&self, a: PaneAction) -> impl Iterator<Item = KeySpec> + '_ {
        self.pane
            .iter()
            .filter(move |(_, b)| *b == a)
            .map(|(k, _)| *k)
    }

    /// The first key bound to a table action, as a footer writes it (`None`: unbound).
    pub fn first_key(&self, a: Action) -> Option<KeySpec> {
        self.keys(a).next()
    }

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
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyModifiers};

    use super::*;

    fn k(s: &str) -> KeySpec {
        KeySpec::must(s)
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
    fn defaults_have_no_conflicts() {
        assert_eq!(
            KeyMap::from_config(&KeysConfig::default()),
            Ok(KeyMap::default())
        );
    }

    #[test]
    fn pane_keys_come_from_the_map_and_read_only_never_sees_a_mutating_one() {
        use crossterm::event::{KeyCode, KeyModifiers};
        let ev = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        let d = KeyMap::default();
        let nodes = pane_keys::NODES;
        assert_eq!(
            d.pane_action(&ev('c'), false, nodes),
            Some(PaneAction::Shell)
        );
        assert_eq!(d.pane_action(&ev('c'), true, nodes), None);
        assert_eq!(d.pane_action(&ev('p'), true, nodes), None);
        let ops = pane_keys::OPS;
        assert_eq!(
            d.pane_action(&ev('n'), true, ops),
            Some(PaneAction::GoToNode)
        );
        let c = KeysConfig {
            go_to_node: Some(vec![k("N")]),
            ..KeysConfig::default()
        };
        let Ok(map) = KeyMap::from_config(&c) else {
            panic!("conflict")
        };
        assert_eq!(
            map.pane_action(&ev('N'), false, ops),
            Some(PaneAction::GoToNode)
        );
        assert_eq!(map.pane_action(&ev('n'), false, ops), None);
    }

    #[test]
    fn one_key_means_what_each_pane_makes_of_it() {
        let ev = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        let d = KeyMap::default();
        let cases = [
            ('a', pane_keys::INVENTORY, PaneAction::AppQuery),
            ('a', pane_keys::ASSOCIATIONS, PaneAction::Apply),
            ('c', pane_keys::NODES, PaneAction::Shell),
            ('c', pane_keys::TIMELINE, PaneAction::Calendars),
            ('p', pane_keys::NODES, PaneAction::Forward),
            ('p', pane_keys::OPS_ITEM, PaneAction::PrevNode),
            ('n', pane_keys::OPS, PaneAction::GoToNode),
            ('n', pane_keys::CATALOG, PaneAction::NextNode),
            ('i', pane_keys::DOCUMENTS, PaneAction::Install),
            ('s', pane_keys::CATALOG, PaneAction::Scan),
        ];
        for (c, set, want) in cases {
            assert_eq!(d.pane_action(&ev(c), false, set), Some(want), "{c}");
        }
        // A key no action of the pane is bound to is nothing there.
        assert_eq!(d.pane_action(&ev('a'), false, pane_keys::TIMELINE), None);
        assert_eq!(d.pane_action(&ev('t'), false, pane_keys::TIMELINE), None);
    }

    #[test]
    fn a_rebound_pane_key_works_in_its_pane_and_the_old_letter_does_not() {
        let ev = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        let c = KeysConfig {
            apply: Some(vec![k("A")]),
            group: Some(vec![k("Ctrl-g")]),
            ..KeysConfig::default()
        };
        let Ok(map) = KeyMap::from_config(&c) else {
            panic!("conflict")
        };
        let assoc = pane_keys::ASSOCIATIONS;
        assert_eq!(
            map.pane_action(&ev('A'), false, assoc),
            Some(PaneAction::Apply)
        );
        assert_eq!(map.pane_action(&ev('a'), false, assoc), None);
        // The other pane's `a` keeps its meaning.
        let inv = pane_keys::INVENTORY;
        assert_eq!(
            map.pane_action(&ev('a'), false, inv),
            Some(PaneAction::AppQuery)
        );
        let ctrl_g = KeyEvent::new(KeyCode::Char('g'), KeyModifiers::CONTROL);
        let timeline = pane_keys::TIMELINE;
        assert_eq!(
            map.pane_action(&ctrl_g, false, timeline),
            Some(PaneAction::Group)
        );
        assert_eq!(map.pane_action(&ev('w'), false, timeline), None);
    }

    #[test]
    fn the_live_view_and_the_dialogs_resolve_through_the_map() {
        let ev = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        let d = KeyMap::default();
        let live = pane_keys::LIVE;
        assert_eq!(
            d.pane_action(&ev('c'), false, live),
            Some(PaneAction::Cancel)
        );
        // Read-only strips cancel (a CancelCommand or StopAutomationExecution), not the
        // rest of the view.
        assert_eq!(d.pane_action(&ev('c'), true, live), None);
        assert_eq!(
            d.pane_action(&ev('o'), true, live),
            Some(PaneAction::FullOutput)
        );
        assert_eq!(
            d.pane_action(&ev('y'), true, pane_keys::CONFIRM),
            None,
            "confirm sends a change"
        );
        let c = KeysConfig {
            cancel: Some(vec![k("K")]),
            back: Some(vec![k("b")]),
            ..KeysConfig::default()
        };
        let Ok(map) = KeyMap::from_config(&c) else {
            panic!("conflict")
        };
        assert_eq!(
            map.pane_action(&ev('K'), false, live),
            Some(PaneAction::Cancel)
        );
        assert_eq!(map.pane_action(&ev('K'), true, live), None);
        assert_eq!(map.pane_action(&ev('c'), false, live), None);
        assert_eq!(map.pane_key(PaneAction::Cancel), Some(k("K")));
        let confirm = pane_keys::CONFIRM;
        assert_eq!(
            map.pane_action(&ev('b'), false, confirm),
            Some(PaneAction::Back)
        );
        assert_eq!(map.pane_action(&ev('n'), false, confirm), None);
        assert_eq!(map.first_key(Action::Down), Some(k("j")));
    }

    #[test]
    fn no_pane_is_handed_a_mutating_action_in_read_only_mode() {
        let d = KeyMap::default();
        let mut mutating = 0;
        for (what, set, _) in crate::config::keys::PANE_KEY_SETS {
            for a in set.iter() {
                for key in a.default_keys() {
                    let ev = KeyEvent::new(key.code, key.mods);
                    let got = d.pane_action(&ev, true, set);
                    assert!(!got.is_some_and(PaneAction::mutating), "{what}: {key}");
                    if a.mutating() {
                        mutating += 1;
                        assert_eq!(got, None, "{what}: {key}");
                        assert_eq!(d.pane_action(&ev, false, set), Some(*a), "{what}: {key}");
                    }
                }
            }
        }
        assert!(mutating > 0);
    }
}
