//! What the history panes (commands, automations, audit, activations) share: one
//! record shown in full, the keys of its popup, and the help lines that name it.

use crossterm::event::{KeyCode, KeyEvent};

use super::{Cmd, Cx, KeyHint};
use crate::app::keymap::{Action, PaneAction, pane_keys};
use crate::app::overlay::{Overlay, Record};
use crate::app::scroll::scroll_key;
use crate::model::RecentCommand;

/// The help line every history pane shows for Enter.
pub const RECORD_HELP: &[KeyHint] = &[
    KeyHint::table("Enter", &[Action::Details], "commands, automations, audit,"),
    KeyHint::more("activations: the record in full"),
];

impl Record {
    /// Keys of the record's popup, which scrolls by `scroll`; true when the key was one.
    pub fn on_key(&self, scroll: &mut u16, key: &KeyEvent, cx: &Cx, out: &mut Vec<Cmd>) -> bool {
        let action = cx.keys.action(key);
        if scroll_key(action, scroll) {
            return true;
        }
        match (cx.pane_action(key, pane_keys::RECORD), key.code) {
            (Some(PaneAction::GoToNode), _) => {
                let Record::Command { scope, id } = self else {
                    return false;
                };
                let Some(jump) = cx
                    .estate
                    .scope_commands(*scope)
                    .iter()
                    .find(|c| c.command_id == *id)
                    .and_then(jump_to_first_node)
                else {
                    return false;
                };
                out.push(jump);
            }
            // Closes the popup.
            (_, KeyCode::Esc | KeyCode::Enter) => out.push(Cmd::Open(Overlay::None)),
            _ if action == Some(Action::Quit) => out.push(Cmd::Open(Overlay::None)),
            _ if action == Some(Action::Help) => out.push(Cmd::Open(Overlay::Help)),
            _ => return false,
        }
        true
    }
}

/// The jump to the first node a command names (none when it targets tags).
pub fn jump_to_first_node(c: &RecentCommand) -> Option<Cmd> {
    Some(Cmd::JumpToNode {
        scope: Some(c.scope),
        instance_id: c.first_node()?.to_string(),
    })
}
