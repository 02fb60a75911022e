//! Panes whose state and keys still live in the App's family modules (catalog): the
//! ids, names, feeds and hints are here; the App routes their keys and rows to the
//! family code.

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

family_pane!(
    ParametersPane,
    "Parameters",
    ["parameters", "params", "param", "ps"],
    [Nodes, Parameters],
    hints::PARAMETERS,
    &[
        ("← → / h l", "parameters: path up / down"),
        ("Enter · v", "parameter: history · reveal value"),
    ]
);
family_pane!(
    BaselinesPane,
    "Baselines",
    ["baselines", "baseline", "patch", "patches"],
    [Nodes, Baselines, Patch],
    hints::TABLE,
    &[("Enter · n p", "baseline: rules, nodes' patches"),]
);
family_pane!(
    DocumentsPane,
    "Documents",
    ["documents", "docs", "doc"],
    [Nodes, Documents],
    hints::TABLE,
    &[("Enter", "documents, packages: content"),]
);
family_pane!(
    PackagesPane,
    "Packages",
    ["packages", "package", "distributor", "pkg"],
    [Nodes, Documents],
    hints::TABLE,
    &[("Enter", "documents, packages: content"),]
);
