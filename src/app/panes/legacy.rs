//! Panes whose state and keys still live in the App's family modules (history, State
//! Manager): the ids, names, feeds and hints are here; the App routes their
//! keys and rows to the family code.

use crossterm::event::KeyEvent;

use super::{Cmd, Component, Cx, KeyHint, List, ListMut, PaneKind, hints};
use crate::app::keymap::Action;
use crate::model::Feed;

macro_rules! family_pane {
    ($ty:ident, $title:literal, [$($alias:literal),*], [$($feed:ident),*], $footer:expr, $help:expr) => {
        #[derive(Debug, Default)]
        pub struct $ty;

        impl PaneKind for $ty {
            const TITLE: &'static str = $title;
            const ALIASES: &'static [&'static str] = &[$($alias),*];
            const FEEDS: &'static [Feed] = &[$(Feed::$feed),*];
        }

        impl Component for $ty {
            fn help(&self) -> &'static [KeyHint] {
                $help
            }
            fn footer(&self, _read_only: bool) -> &'static [KeyHint] {
                $footer
            }
            fn list(&self, _cx: &Cx) -> Option<&dyn List> {
                None
            }
            fn list_mut<'a>(&'a mut self, _cx: &Cx<'a>) -> Option<Box<dyn ListMut + 'a>> {
                None
            }
            fn on_key(
                &mut self,
                _key: &KeyEvent,
                _action: Option<Action>,
                _cx: &Cx,
                _out: &mut Vec<Cmd>,
            ) -> bool {
                false
            }
        }
    };
}

const RECORD_HELP: &[KeyHint] = &[
    ("Enter", "commands, automations, audit,"),
    ("", "activations: the record in full"),
];

family_pane!(
    CommandsPane,
    "Commands",
    ["commands", "cmd", "cmds", "history"],
    [Nodes, Commands],
    hints::OPS,
    &[
        ("Enter", "commands, automations, audit,"),
        ("", "activations: the record in full"),
        ("n", "commands: go to its first node"),
    ]
);
family_pane!(
    AutomationsPane,
    "Automations",
    ["automations", "auto", "runbooks"],
    [Nodes, Automations],
    hints::OPS,
    RECORD_HELP
);
family_pane!(
    AuditPane,
    "Audit",
    ["audit", "au"],
    [Nodes],
    hints::OPS,
    &[
        ("Enter", "commands, automations, audit,"),
        ("", "activations: the record in full"),
        ("r", "audit: read the log again"),
    ]
);
family_pane!(
    ActivationsPane,
    "Activations",
    ["activations", "act", "hybrid"],
    [Nodes, Activations],
    hints::OPS,
    RECORD_HELP
);
family_pane!(
    AssociationsPane,
    "Associations",
    ["associations", "assoc", "sm", "state"],
    [Nodes, Associations],
    hints::OPS,
    &[
        ("Enter", "associations: executions and"),
        ("", "failing nodes; j/k Enter: go to node"),
        ("a", "associations: apply now"),
    ]
);
family_pane!(
    WindowsPane,
    "Windows",
    ["windows", "mw", "win"],
    [Nodes, Windows],
    hints::OPS,
    &[
        ("Enter", "windows: targets, tasks, runs"),
        ("t", "windows: the 7-day timeline"),
    ]
);
family_pane!(
    TimelinePane,
    "Timeline",
    ["timeline", "tl", "calendar"],
    [Nodes, Windows, Calendars],
    hints::VIEW,
    &[
        ("w", "timeline: per window / per scope"),
        ("c", "timeline: freezes / every calendar"),
        ("Enter", "timeline: that line's windows"),
    ]
);
