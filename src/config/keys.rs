//! The `[keys]` section of the config: the actions that can be rebound, their default
//! keys, key specs as written in the file ("j", "Ctrl-d", "F5") and the check that no
//! key is bound twice or shadows a fixed key. The app's key map is built from
//! [`KeysConfig::bindings`].

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

    /// The default keys, as written in `[keys]`.
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

    /// The keys bound to this action when `[keys]` does not name it.
    pub fn default_keys(self) -> Vec<KeySpec> {
        self.defaults()
            .iter()
            .filter_map(|s| KeySpec::parse(s).ok())
            .collect()
    }
}

/// A key of one pane (or of a few): bound through the key map like an [`Action`], but
/// only the panes and popups that declare it (in [`PANE_KEY_SETS`]) see it, so two
/// panes may use the same key for their own actions. Mutating ones are never seen in
/// read-only mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaneAction {
    /// Show the node a row names in the nodes pane.
    GoToNode,
    /// Show the inventory of the node a row names.
    Inventory,
    /// Open a shell on the selected node (a session: changes AWS).
    Shell,
    /// Open a port forward to the selected node (a session: changes AWS).
    Forward,
    /// The next or previous kind of what a pane shows (inventory types).
    NextKind,
    PrevKind,
    /// Open the `:app` query line.
    AppQuery,
    /// Switch between a pane's two views.
    ToggleView,
    /// Fetch what the pane shows again.
    Refresh,
    /// Apply an association now (StartAssociationsOnce: changes AWS).
    Apply,
    /// Show the 7-day timeline of the maintenance windows.
    Timeline,
    /// Group the timeline per window or per scope.
    Group,
    /// Show the freezes only or every change calendar on the timeline.
    Calendars,
    /// One level down the parameter path, towards the selected parameter.
    PathDown,
    /// One level up the parameter path.
    PathUp,
    /// A new version of a parameter (PutParameter: changes AWS).
    Edit,
    /// A patch scan of a baseline's nodes (Run Command: changes AWS).
    Scan,
    /// A patch install of a baseline's nodes, or a package install (Run Command).
    Install,
    /// A package uninstall (Run Command: changes AWS).
    Uninstall,
    /// Show or hide a SecureString's value.
    Reveal,
    /// The next or previous version of a document shown in full.
    NextVersion,
    PrevVersion,
    /// The next or previous node of those an item shown in full names.
    NextNode,
    PrevNode,
    /// Page down in a popup read like a pager (the help overlay, an entry in full).
    NextPage,
    /// Run Command on the marked nodes, or the selected one (changes AWS).
    RunCommand,
    /// Run Command on every node the filter shows (changes AWS).
    RunOnFiltered,
    /// Mark a node for Run Command. Changes nothing itself, but only leads to a run.
    Mark,
    /// A runbook on the selected node, in the form (changes AWS).
    Runbook,
    /// The runbook an OpsItem suggests, straight to the confirmation (changes AWS).
    RunSuggested,
    /// The runbook an OpsItem suggests, in the form (changes AWS).
    RunbookForm,
    /// Set an OpsItem's status (UpdateOpsItem: changes AWS).
    SetStatus,
    /// Add a note to an OpsItem (UpdateOpsItem: changes AWS).
    AddNote,
    /// From a form or an OpsItem note to the confirmation.
    Review,
    /// Send what the confirmation shows (changes AWS).
    Confirm,
    /// Back from the confirmation to the form.
    Back,
    /// Pick a status in the OpsItem status picker.
    StatusOpen,
    StatusInProgress,
    StatusResolved,
    /// Cancel a command or stop a runbook from its live view (changes AWS).
    Cancel,
    /// Read a node's full output in the live view of a run.
    FullOutput,
    /// The previous or next run in the live view.
    PrevRun,
    NextRun,
}

impl PaneAction {
    pub const ALL: [PaneAction; 43] = [
        PaneAction::GoToNode,
        PaneAction::Inventory,
        PaneAction::Shell,
        PaneAction::Forward,
        PaneAction::NextKind,
        PaneAction::PrevKind,
        PaneAction::AppQuery,
        PaneAction::ToggleView,
        PaneAction::Refresh,
        PaneAction::Apply,
        PaneAction::Timeline,
        PaneAction::Group,
        PaneAction::Calendars,
        PaneAction::PathDown,
        PaneAction::PathUp,
        PaneAction::Edit,
        PaneAction::Scan,
        PaneAction::Install,
        PaneAction::Uninstall,
        PaneAction::Reveal,
        PaneAction::NextVersion,
        PaneAction::PrevVersion,
        PaneAction::NextNode,
        PaneAction::PrevNode,
        PaneAction::NextPage,
        PaneAction::RunCommand,
        PaneAction::RunOnFiltered,
        PaneAction::Mark,
        PaneAction::Runbook,
        PaneAction::RunSuggested,
        PaneAction::RunbookForm,
        PaneAction::SetStatus,
        PaneAction::AddNote,
        PaneAction::Review,
        PaneAction::Confirm,
        PaneAction::Back,
        PaneAction::StatusOpen,
        PaneAction::StatusInProgress,
        PaneAction::StatusResolved,
        PaneAction::Cancel,
        PaneAction::FullOutput,
        PaneAction::PrevRun,
        PaneAction::NextRun,
    ];

    /// The name in `[keys]`.
    pub fn name(self) -> &'static str {
        match self {
            PaneAction::GoToNode => "go_to_node",
            PaneAction::Inventory => "inventory",
            PaneAction::Shell => "shell",
            PaneAction::Forward => "forward",
            PaneAction::NextKind => "next_kind",
            PaneAction::PrevKind => "prev_kind",
            PaneAction::AppQuery => "app_query",
            PaneAction::ToggleView => "toggle_view",
            PaneAction::Refresh => "refresh",
            PaneAction::Apply => "apply",
            PaneAction::Timeline => "timeline",
            PaneAction::Group => "group",
            PaneAction::Calendars => "calendars",
            PaneAction::PathDown => "path_down",
            PaneAction::PathUp => "path_up",
            PaneAction::Edit => "edit",
            PaneAction::Scan => "scan",
            PaneAction::Install => "install",
            PaneAction::Uninstall => "uninstall",
            PaneAction::Reveal => "reveal",
            PaneAction::NextVersion => "next_version",
            PaneAction::PrevVersion => "prev_version",
            PaneAction::NextNode => "next_node",
            PaneAction::PrevNode => "prev_node",
            PaneAction::NextPage => "next_page",
            PaneAction::RunCommand => "run_command",
            PaneAction::RunOnFiltered => "run_on_filtered",
            PaneAction::Mark => "mark",
            PaneAction::Runbook => "runbook",
            PaneAction::RunSuggested => "run_suggested",
            PaneAction::RunbookForm => "runbook_form",
            PaneAction::SetStatus => "set_status",
            PaneAction::AddNote => "add_note",
            PaneAction::Review => "review",
            PaneAction::Confirm => "confirm",
            PaneAction::Back => "back",
            PaneAction::StatusOpen => "status_open",
            PaneAction::StatusInProgress => "status_in_progress",
            PaneAction::StatusResolved => "status_resolved",
            PaneAction::Cancel => "cancel",
            PaneAction::FullOutput => "full_output",
            PaneAction::PrevRun => "prev_run",
            PaneAction::NextRun => "next_run",
        }
    }

    /// The default keys, as written in `[keys]`.
    fn defaults(self) -> &'static [&'static str] {
        match self {
            PaneAction::GoToNode => &["n"],
            PaneAction::Inventory => &["i"],
            PaneAction::Shell => &["c"],
            PaneAction::Forward => &["p"],
            PaneAction::NextKind => &["Right", "l", "]"],
            PaneAction::PrevKind => &["Left", "h", "["],
            PaneAction::AppQuery => &["a"],
            PaneAction::ToggleView => &["m"],
            PaneAction::Refresh => &["r"],
            PaneAction::Apply => &["a"],
            PaneAction::Timeline => &["t"],
            PaneAction::Group => &["w"],
            PaneAction::Calendars => &["c"],
            PaneAction::PathDown => &["Right", "l"],
            PaneAction::PathUp => &["Left", "h", "Backspace"],
            PaneAction::Edit => &["e"],
            PaneAction::Scan => &["s", "S"],
            PaneAction::Install => &["i"],
            PaneAction::Uninstall => &["u"],
            PaneAction::Reveal => &["v"],
            PaneAction::NextVersion => &["]"],
            PaneAction::PrevVersion => &["["],
            PaneAction::NextNode => &["n"],
            PaneAction::PrevNode => &["p"],
            PaneAction::NextPage => &["Space"],
            PaneAction::RunCommand => &["r"],
            PaneAction::RunOnFiltered => &["R"],
            PaneAction::Mark => &["Space"],
            PaneAction::Runbook => &["a"],
            PaneAction::RunSuggested => &["x"],
            PaneAction::RunbookForm => &["X"],
            PaneAction::SetStatus => &["u"],
            PaneAction::AddNote => &["e"],
            PaneAction::Review => &["Ctrl-s", "F2"],
            PaneAction::Confirm => &["y"],
            PaneAction::Back => &["n"],
            PaneAction::StatusOpen => &["o"],
            PaneAction::StatusInProgress => &["i"],
            PaneAction::StatusResolved => &["r"],
            PaneAction::Cancel => &["c"],
            PaneAction::FullOutput => &["o"],
            PaneAction::PrevRun => &["["],
            PaneAction::NextRun => &["]"],
        }
    }

    /// Whether it changes AWS: read-only mode never hands it to a pane.
    pub fn mutating(self) -> bool {
        matches!(
            self,
            PaneAction::Shell
                | PaneAction::Forward
                | PaneAction::Apply
                | PaneAction::Edit
                | PaneAction::Scan
                | PaneAction::Install
                | PaneAction::Uninstall
                | PaneAction::RunCommand
                | PaneAction::RunOnFiltered
                | PaneAction::Mark
                | PaneAction::Runbook
                | PaneAction::RunSuggested
                | PaneAction::RunbookForm
                | PaneAction::SetStatus
                | PaneAction::AddNote
                | PaneAction::Confirm
                | PaneAction::Cancel
        )
    }

    /// The keys bound to it when `[keys]` does not name it.
    pub fn default_keys(self) -> Vec<KeySpec> {
        self.defaults()
            .iter()
            .filter_map(|s| KeySpec::parse(s).ok())
            .collect()
    }

    /// Whether `[keys]` must leave it a key: without one a dialog could not go on.
    pub fn required(self) -> bool {
        matches!(self, PaneAction::Review | PaneAction::Confirm)
    }

    fn required_why(self) -> &'static str {
        match self {
            PaneAction::Review => "an OpsItem note could never be sent",
            PaneAction::Confirm => "a confirmation could never be answered",
            _ => "it could never be used",
        }
    }
}

/// The pane actions each pane and each of the panes' popups looks up: a key resolves to
/// the first of these bound to it, so two actions of one set may not share a key.
pub mod pane_keys {
    use super::PaneAction::{self, *};

    /// The nodes pane: sessions, the inventory, and Run Command and runbooks.
    pub const NODES: &[PaneAction] = &[
        Shell,
        Forward,
        Inventory,
        RunCommand,
        RunOnFiltered,
        Mark,
        Runbook,
    ];
    pub const OPS: &[PaneAction] = &[GoToNode, RunSuggested, RunbookForm, SetStatus, AddNote];
    /// An OpsItem shown in full.
    pub const OPS_ITEM: &[PaneAction] = &[
        NextNode,
        PrevNode,
        Refresh,
        RunSuggested,
        RunbookForm,
        SetStatus,
        AddNote,
    ];
    pub const COMPLIANCE: &[PaneAction] = &[GoToNode];
    /// A resource's compliance items.
    pub const COMPLIANCE_ITEMS: &[PaneAction] = &[GoToNode, Refresh];
    /// The inventory of a node, and the app query.
    pub const INVENTORY: &[PaneAction] = &[
        NextKind, PrevKind, AppQuery, Refresh, ToggleView, GoToNode, Inventory,
    ];
    pub const COMMANDS: &[PaneAction] = &[GoToNode];
    pub const AUDIT: &[PaneAction] = &[Refresh];
    /// A command, automation, activation or audited call in full.
    pub const RECORD: &[PaneAction] = &[GoToNode];
    pub const ASSOCIATIONS: &[PaneAction] = &[Apply];
    /// An association shown in full.
    pub const ASSOCIATION: &[PaneAction] = &[GoToNode, Refresh, Apply];
    pub const WINDOWS: &[PaneAction] = &[Timeline];
    /// A maintenance window shown in full.
    pub const WINDOW: &[PaneAction] = &[Refresh];
    pub const TIMELINE: &[PaneAction] = &[Group, Calendars];
    pub const PARAMETERS: &[PaneAction] = &[PathDown, PathUp, Edit];
    /// The baselines pane: its table's sort keys come first, so its scan is in the
    /// baseline shown in full.
    pub const BASELINES: &[PaneAction] = &[Install];
    /// The documents and packages panes.
    pub const DOCUMENTS: &[PaneAction] = &[Install, Uninstall];
    /// A parameter, baseline or document shown in full.
    pub const CATALOG: &[PaneAction] = &[
        Edit,
        Scan,
        Install,
        Uninstall,
        Reveal,
        NextVersion,
        PrevVersion,
        NextNode,
        PrevNode,
        Refresh,
        NextPage,
    ];
    /// The help overlay (its scrolling and closing are table keys; `Esc` always closes).
    pub const HELP: &[PaneAction] = &[NextPage];
    /// The Run Command and runbook forms and the OpsItem note: every other key is text.
    pub const FORM: &[PaneAction] = &[Review];
    /// The confirmation of a change: digits, `Enter` and `Backspace` type the count.
    pub const CONFIRM: &[PaneAction] = &[Confirm, Back];
    /// The OpsItem status picker.
    pub const STATUS: &[PaneAction] = &[StatusOpen, StatusInProgress, StatusResolved];
    /// The live view of a run (its rows and output move with the table keys).
    pub const LIVE: &[PaneAction] = &[Cancel, FullOutput, PrevRun, NextRun];
}

/// Where the pane actions are looked up: (what, its actions, a popup). A table pane gives
/// a key to the table [`Action`]s first, so its pane actions may not share their keys; a
/// popup (or a dialog) takes every key first, so its own keys may.
pub const PANE_KEY_SETS: &[(&str, &[PaneAction], bool)] = &[
    ("nodes", pane_keys::NODES, false),
    ("OpsCenter", pane_keys::OPS, false),
    ("an OpsItem", pane_keys::OPS_ITEM, true),
    ("compliance", pane_keys::COMPLIANCE, false),
    ("compliance items", pane_keys::COMPLIANCE_ITEMS, true),
    ("inventory", pane_keys::INVENTORY, false),
    ("commands", pane_keys::COMMANDS, false),
    ("audit", pane_keys::AUDIT, false),
    ("a record", pane_keys::RECORD, true),
    ("associations", pane_keys::ASSOCIATIONS, false),
    ("an association", pane_keys::ASSOCIATION, true),
    ("windows", pane_keys::WINDOWS, false),
    ("a window", pane_keys::WINDOW, true),
    ("timeline", pane_keys::TIMELINE, false),
    ("parameters", pane_keys::PARAMETERS, false),
    ("baselines", pane_keys::BASELINES, false),
    ("documents, packages", pane_keys::DOCUMENTS, false),
    ("an entry in full", pane_keys::CATALOG, true),
    ("the help overlay", pane_keys::HELP, true),
    ("a form or an OpsItem note", pane_keys::FORM, true),
    ("the confirmation", pane_keys::CONFIRM, true),
    ("the OpsItem status picker", pane_keys::STATUS, true),
    ("the live view of a run", pane_keys::LIVE, true),
];

/// The typing of a dialog: (what, its actions, the keys typed there, what to bind
/// instead). Those keys stay literal (text input is not a command), so no action of the
/// dialog may take one.
type TypedKeys = (
    &'static str,
    &'static [PaneAction],
    fn(&KeySpec) -> bool,
    &'static str,
);

/// The dialogs where some keys are typed rather than commands.
pub const TYPED_KEY_SETS: &[TypedKeys] = &[
    (
        "a form or an OpsItem note (text)",
        pane_keys::FORM,
        types_text,
        "a key with Ctrl or Alt, or F1-F12",
    ),
    (
        "the confirmation (the count of a destructive change)",
        pane_keys::CONFIRM,
        types_count,
        "a key other than a digit, Enter or Backspace",
    ),
];

/// A key that types or edits text in a field: any key without Ctrl or Alt but F1-F12,
/// and `Ctrl-u` (clears the line, as in the filter bar).
fn types_text(k: &KeySpec) -> bool {
    (k.mods.is_empty() && !matches!(k.code, KeyCode::F(_)))
        || (k.mods == KeyModifiers::CONTROL && k.code == KeyCode::Char('u'))
}

/// A key of the count typed in a confirmation: a digit, `Enter`, `Backspace`.
fn types_count(k: &KeySpec) -> bool {
    k.mods.is_empty()
        && matches!(
            k.code,
            KeyCode::Char('0'..='9') | KeyCode::Enter | KeyCode::Backspace
        )
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
    pub go_to_node: Option<Vec<KeySpec>>,
    pub inventory: Option<Vec<KeySpec>>,
    pub shell: Option<Vec<KeySpec>>,
    pub forward: Option<Vec<KeySpec>>,
    pub next_kind: Option<Vec<KeySpec>>,
    pub prev_kind: Option<Vec<KeySpec>>,
    pub app_query: Option<Vec<KeySpec>>,
    pub toggle_view: Option<Vec<KeySpec>>,
    pub refresh: Option<Vec<KeySpec>>,
    pub apply: Option<Vec<KeySpec>>,
    pub timeline: Option<Vec<KeySpec>>,
    pub group: Option<Vec<KeySpec>>,
    pub calendars: Option<Vec<KeySpec>>,
    pub path_down: Option<Vec<KeySpec>>,
    pub path_up: Option<Vec<KeySpec>>,
    pub edit: Option<Vec<KeySpec>>,
    pub scan: Option<Vec<KeySpec>>,
    pub install: Option<Vec<KeySpec>>,
    pub uninstall: Option<Vec<KeySpec>>,
    pub reveal: Option<Vec<KeySpec>>,
    pub next_version: Option<Vec<KeySpec>>,
    pub prev_version: Option<Vec<KeySpec>>,
    pub next_node: Option<Vec<KeySpec>>,
    pub prev_node: Option<Vec<KeySpec>>,
    pub next_page: Option<Vec<KeySpec>>,
    pub run_command: Option<Vec<KeySpec>>,
    pub run_on_filtered: Option<Vec<KeySpec>>,
    pub mark: Option<Vec<KeySpec>>,
    pub runbook: Option<Vec<KeySpec>>,
    pub run_suggested: Option<Vec<KeySpec>>,
    pub runbook_form: Option<Vec<KeySpec>>,
    pub set_status: Option<Vec<KeySpec>>,
    pub add_note: Option<Vec<KeySpec>>,
    pub review: Option<Vec<KeySpec>>,
    pub confirm: Option<Vec<KeySpec>>,
    pub back: Option<Vec<KeySpec>>,
    pub status_open: Option<Vec<KeySpec>>,
    pub status_in_progress: Option<Vec<KeySpec>>,
    pub status_resolved: Option<Vec<KeySpec>>,
    pub cancel: Option<Vec<KeySpec>>,
    pub full_output: Option<Vec<KeySpec>>,
    pub prev_run: Option<Vec<KeySpec>>,
    pub next_run: Option<Vec<KeySpec>>,
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

    fn get_pane(&self, a: PaneAction) -> Option<&Vec<KeySpec>> {
        match a {
            PaneAction::GoToNode => self.go_to_node.as_ref(),
            PaneAction::Inventory => self.inventory.as_ref(),
            PaneAction::Shell => self.shell.as_ref(),
            PaneAction::Forward => self.forward.as_ref(),
            PaneAction::NextKind => self.next_kind.as_ref(),
            PaneAction::PrevKind => self.prev_kind.as_ref(),
            PaneAction::AppQuery => self.app_query.as_ref(),
            PaneAction::ToggleView => self.toggle_view.as_ref(),
            PaneAction::Refresh => self.refresh.as_ref(),
            PaneAction::Apply => self.apply.as_ref(),
            PaneAction::Timeline => self.timeline.as_ref(),
            PaneAction::Group => self.group.as_ref(),
            PaneAction::Calendars => self.calendars.as_ref(),
            PaneAction::PathDown => self.path_down.as_ref(),
            PaneAction::PathUp => self.path_up.as_ref(),
            PaneAction::Edit => self.edit.as_ref(),
            PaneAction::Scan => self.scan.as_ref(),
            PaneAction::Install => self.install.as_ref(),
            PaneAction::Uninstall => self.uninstall.as_ref(),
            PaneAction::Reveal => self.reveal.as_ref(),
            PaneAction::NextVersion => self.next_version.as_ref(),
            PaneAction::PrevVersion => self.prev_version.as_ref(),
            PaneAction::NextNode => self.next_node.as_ref(),
            PaneAction::PrevNode => self.prev_node.as_ref(),
            PaneAction::NextPage => self.next_page.as_ref(),
            PaneAction::RunCommand => self.run_command.as_ref(),
            PaneAction::RunOnFiltered => self.run_on_filtered.as_ref(),
            PaneAction::Mark => self.mark.as_ref(),
            PaneAction::Runbook => self.runbook.as_ref(),
            PaneAction::RunSuggested => self.run_suggested.as_ref(),
            PaneAction::RunbookForm => self.runbook_form.as_ref(),
            PaneAction::SetStatus => self.set_status.as_ref(),
            PaneAction::AddNote => self.add_note.as_ref(),
            PaneAction::Review => self.review.as_ref(),
            PaneAction::Confirm => self.confirm.as_ref(),
            PaneAction::Back => self.back.as_ref(),
            PaneAction::StatusOpen => self.status_open.as_ref(),
            PaneAction::StatusInProgress => self.status_in_progress.as_ref(),
            PaneAction::StatusResolved => self.status_resolved.as_ref(),
            PaneAction::Cancel => self.cancel.as_ref(),
            PaneAction::FullOutput => self.full_output.as_ref(),
            PaneAction::PrevRun => self.prev_run.as_ref(),
            PaneAction::NextRun => self.next_run.as_ref(),
        }
    }

    /// Every pane key binding, key → pane action: the keys named here, the defaults for
    /// those not named; or the first conflict. A pane key may not be a key fixed outside
    /// `[keys]` (other than the pane letters), nor the key of another action of a pane or
    /// popup that looks it up ([`PANE_KEY_SETS`]), nor, in a table pane, a key of an
    /// [`Action`].
    pub fn pane_bindings(&self) -> Result<Vec<(KeySpec, PaneAction)>, String> {
        let global = self.bindings()?;
        let mut bindings: Vec<(KeySpec, PaneAction)> = Vec::new();
        for a in PaneAction::ALL {
            let keys = match self.get_pane(a) {
                Some(keys) => keys.clone(),
                None => a.default_keys(),
            };
            if keys.is_empty() && a.required() {
                return Err(format!(
                    "keys.{}: give at least one key (without it {}; leave {} out for its \
                     defaults {})",
                    a.name(),
                    a.required_why(),
                    a.name(),
                    a.defaults().join(" ")
                ));
            }
            let in_table = PANE_KEY_SETS
                .iter()
                .any(|(_, set, popup)| !popup && set.contains(&a));
            for k in keys {
                if let Some(fixed) = fixed_key(&k).filter(|f| !f.starts_with("a pane key")) {
                    return Err(format!(
                        "keys.{}: {k} is {fixed}, which cannot be rebound",
                        a.name()
                    ));
                }
                let typed = TYPED_KEY_SETS
                    .iter()
                    .find(|(_, set, typed, _)| set.contains(&a) && typed(&k));
                if let Some((what, _, _, instead)) = typed {
                    return Err(format!(
                        "keys.{}: {k} is typed in {what}, not a command there: bind {instead}",
                        a.name()
                    ));
                }
                if let Some((_, other)) = global.iter().find(|(b, _)| *b == k && in_table) {
                    return Err(format!(
                        "keys: {k} is bound to both {} and {}",
                        other.name(),
                        a.name()
                    ));
                }
                if !bindings.contains(&(k, a)) {
                    bindings.push((k, a));
                }
            }
        }
        for (what, set, _) in PANE_KEY_SETS {
            for (k, a) in bindings.iter().filter(|(_, a)| set.contains(a)) {
                let clash = bindings
                    .iter()
                    .find(|(b, other)| b == k && other != a && set.contains(other));
                if let Some((_, other)) = clash {
                    return Err(format!(
                        "keys: {k} is bound to both {} and {} ({what})",
                        a.name(),
                        other.name()
                    ));
                }
            }
        }
        Ok(bindings)
    }

    /// Every binding, key → action: the keys named here, the defaults for actions not
    /// named; or the first conflict, naming both actions (or the fixed key shadowed).
    pub fn bindings(&self) -> Result<Vec<(KeySpec, Action)>, String> {
        let mut bindings: Vec<(KeySpec, Action)> = Vec::new();
        for a in Action::ALL {
            let keys = match self.get(a) {
                Some(keys) => keys.clone(),
                None => a.default_keys(),
            };
            if keys.is_empty() && a == Action::Quit {
                return Err(
                    "keys.quit: give at least one key (the key map must keep a way to quit; \
                     leave quit out for its default q)"
                        .into(),
                );
            }
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
        Ok(bindings)
    }
}

/// What a key has fixed outside `[keys]` (the session leader, quit, the pane keys of the
/// app), if it is one of those: such keys cannot be rebound.
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

#[cfg(test)]
impl KeySpec {
    /// `s` parsed, for tests: a key spec they write must parse.
    pub(crate) fn must(s: &str) -> KeySpec {
        match KeySpec::parse(s) {
            Ok(k) => k,
            Err(e) => panic!("{e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> KeySpec {
        KeySpec::must(s)
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
    fn defaults_have_no_conflicts() {
        let Ok(bindings) = KeysConfig::default().bindings() else {
            panic!("the default keys conflict");
        };
        for a in Action::ALL {
            let keys: Vec<KeySpec> = bindings
                .iter()
                .filter(|(_, b)| *b == a)
                .map(|(k, _)| *k)
                .collect();
            assert_eq!(keys, a.default_keys(), "{}", a.name());
            assert!(!keys.is_empty(), "{} has no default key", a.name());
        }
    }

    #[test]
    fn conflicts_name_both_actions() {
        let c = KeysConfig {
            down: Some(vec![k("k")]),
            ..KeysConfig::default()
        };
        let Err(e) = c.bindings() else {
            panic!("no conflict")
        };
        assert!(
            e.contains("down") && e.contains("up") && e.contains('k'),
            "{e}"
        );
    }

    #[test]
    fn pane_keys_rebind_without_clashing() {
        let Ok(defaults) = KeysConfig::default().pane_bindings() else {
            panic!("the default pane keys conflict");
        };
        for a in PaneAction::ALL {
            assert!(defaults.iter().any(|(_, b)| *b == a), "{}", a.name());
        }
        let c = KeysConfig {
            go_to_node: Some(vec![k("N")]),
            ..KeysConfig::default()
        };
        let Ok(b) = c.pane_bindings() else {
            panic!("N refused")
        };
        assert!(b.contains(&(k("N"), PaneAction::GoToNode)));
        assert!(!b.contains(&(k("n"), PaneAction::GoToNode)));
        for (clash, with) in [("j", "down"), ("i", "inventory"), ("Esc", "clear")] {
            let c = KeysConfig {
                go_to_node: Some(vec![k(clash)]),
                ..KeysConfig::default()
            };
            let Err(e) = c.pane_bindings() else {
                panic!("{clash} accepted")
            };
            assert!(e.contains(with), "{e}");
        }
    }

    #[test]
    fn one_key_for_two_actions_of_one_pane_is_refused_naming_both() {
        let c = KeysConfig {
            group: Some(vec![k("c")]),
            ..KeysConfig::default()
        };
        let Err(e) = c.pane_bindings() else {
            panic!("c accepted for both timeline keys")
        };
        assert!(
            e.contains("group") && e.contains("calendars") && e.contains("timeline"),
            "{e}"
        );
        // Two panes may each make their own use of one key.
        let c = KeysConfig {
            timeline: Some(vec![k("a")]),
            ..KeysConfig::default()
        };
        let Ok(b) = c.pane_bindings() else {
            panic!("a refused for the windows pane")
        };
        assert!(b.contains(&(k("a"), PaneAction::Timeline)));
        assert!(b.contains(&(k("a"), PaneAction::Apply)));
    }

    #[test]
    fn a_popup_key_may_be_a_table_key_but_a_table_pane_key_may_not() {
        assert!(KeysConfig::default().pane_bindings().is_ok(), "scan = s S");
        let c = KeysConfig {
            install: Some(vec![k("s")]),
            ..KeysConfig::default()
        };
        let Err(e) = c.pane_bindings() else {
            panic!("s accepted for the baselines pane")
        };
        assert!(e.contains("sort_next") && e.contains("install"), "{e}");
    }

    #[test]
    fn every_pane_letter_is_kept_from_the_table_actions() {
        for (what, set, popup) in PANE_KEY_SETS {
            for a in set.iter().filter(|_| !popup) {
                for key in a.default_keys() {
                    let kept = fixed_key(&key).is_some_and(|f| f.starts_with("a pane key"));
                    let letter = matches!(key.code, KeyCode::Char(_));
                    assert!(kept || !letter, "{what}: {} = {key}", a.name());
                }
            }
        }
        for a in PaneAction::ALL {
            assert!(
                PANE_KEY_SETS.iter().any(|(_, set, _)| set.contains(&a)),
                "{} is looked up nowhere",
                a.name()
            );
        }
    }

    #[test]
    fn dialog_keys_rebind_and_refuse_what_is_typed_there() {
        let ok = |c: KeysConfig| match c.pane_bindings() {
            Ok(b) => b,
            Err(e) => panic!("{e}"),
        };
        let b = ok(KeysConfig {
            review: Some(vec![k("F3"), k("Alt-r")]),
            confirm: Some(vec![k("Y")]),
            cancel: Some(vec![k("K")]),
            ..KeysConfig::default()
        });
        assert!(b.contains(&(k("F3"), PaneAction::Review)));
        assert!(b.contains(&(k("Y"), PaneAction::Confirm)));
        assert!(!b.contains(&(k("y"), PaneAction::Confirm)));
        assert!(b.contains(&(k("K"), PaneAction::Cancel)));
        // Text typed in a form, the count typed in a confirmation.
        for (c, name, what) in [
            (
                KeysConfig {
                    review: Some(vec![k("q")]),
                    ..KeysConfig::default()
                },
                "keys.review",
                "form",
            ),
            (
                KeysConfig {
                    review: Some(vec![k("Ctrl-u")]),
                    ..KeysConfig::default()
                },
                "keys.review",
                "form",
            ),
            (
                KeysConfig {
                    confirm: Some(vec![k("Enter")]),
                    ..KeysConfig::default()
                },
                "keys.confirm",
                "count",
            ),
            (
                KeysConfig {
                    back: Some(vec![k("0")]),
                    ..KeysConfig::default()
                },
                "keys.back",
                "count",
            ),
        ] {
            let Err(e) = c.pane_bindings() else {
                panic!("{name} accepted a typed key")
            };
            assert!(e.contains(name) && e.contains(what), "{e}");
        }
        // Two keys of the live view, two of the status picker.
        for (c, a, b, what) in [
            (
                KeysConfig {
                    full_output: Some(vec![k("c")]),
                    ..KeysConfig::default()
                },
                "cancel",
                "full_output",
                "live view",
            ),
            (
                KeysConfig {
                    status_open: Some(vec![k("r")]),
                    ..KeysConfig::default()
                },
                "status_open",
                "status_resolved",
                "status picker",
            ),
        ] {
            let Err(e) = c.pane_bindings() else {
                panic!("{b} accepted a key of {a}")
            };
            assert!(e.contains(a) && e.contains(b) && e.contains(what), "{e}");
        }
        // Esc always closes a dialog: it cannot be taken.
        let c = KeysConfig {
            next_run: Some(vec![k("Esc")]),
            ..KeysConfig::default()
        };
        assert!(c.pane_bindings().is_err());
    }

    #[test]
    fn a_dialog_keeps_a_key_to_go_on() {
        for (c, name) in [
            (
                KeysConfig {
                    review: Some(Vec::new()),
                    ..KeysConfig::default()
                },
                "keys.review",
            ),
            (
                KeysConfig {
                    confirm: Some(Vec::new()),
                    ..KeysConfig::default()
                },
                "keys.confirm",
            ),
        ] {
            let Err(e) = c.pane_bindings() else {
                panic!("{name} = [] accepted")
            };
            assert!(e.contains(name) && e.contains("at least one key"), "{e}");
        }
        let c = KeysConfig {
            cancel: Some(Vec::new()),
            ..KeysConfig::default()
        };
        assert!(
            c.pane_bindings().is_ok(),
            "cancel may be left without a key"
        );
    }

    #[test]
    fn the_new_names_parse_from_toml() {
        let c: KeysConfig = match toml::from_str(
            "next_page = [\"PageDown\"]\nconfirm = [\"Y\"]\ncancel = [\"K\"]\n\
             run_command = [\"r\"]\nstatus_in_progress = [\"p\"]\n",
        ) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(c.confirm, Some(vec![k("Y")]));
        assert_eq!(c.status_in_progress, Some(vec![k("p")]));
        let bad: Result<KeysConfig, _> = toml::from_str("cancle = [\"K\"]\n");
        let Err(e) = bad else {
            panic!("an unknown name accepted")
        };
        assert!(e.to_string().contains("cancle"), "{e}");
    }

    #[test]
    fn quit_keeps_a_key() {
        let c = KeysConfig {
            quit: Some(Vec::new()),
            ..KeysConfig::default()
        };
        let Err(e) = c.bindings() else {
            panic!("quit = [] accepted")
        };
        assert!(e.contains("keys.quit"), "{e}");
        let c = KeysConfig {
            sort_prev: Some(Vec::new()),
            ..KeysConfig::default()
        };
        assert!(
            c.bindings().is_ok(),
            "other actions may be left without a key"
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
            let Err(e) = c.bindings() else {
                panic!("{fixed} accepted")
            };
            assert!(e.contains("keys.help"), "{e}");
        }
    }
}
