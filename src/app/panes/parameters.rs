//! The Parameter Store pane: the parameters of the scopes shown below a path, which
//! `→`/`l` and `←`/`h` move down and up. Enter shows one in full (history, value); `e`
//! opens it with the prompt of a new version.

use std::borrow::Cow;

use crossterm::event::KeyEvent;

use super::catalog::{self, CatalogList, columns};
use super::{Cmd, Component, Cx, KeyHint, PaneKind, hints};
use crate::app::keymap::{Action, PaneAction, pane_keys};
use crate::app::overlay::CatalogItem;
use crate::app::table::{TableSource, account_cell, region_cell};
use crate::model::{Estate, Feed, ParameterMeta, ScopeId};

columns!(
    /// A column of the parameters table.
    ParamCol {
        Name => "Name", "name";
        Type => "Type", "type";
        Tier => "Tier", "tier";
        Version => "Ver", "version";
        Modified => "Modified", "modified";
        Description => "Description", "description";
        Account => "Account", "account";
        Region => "Region", "region";
    }
);

/// The parameters of the scopes shown: (scope, index) into the estate.
pub struct ParameterRows<'a> {
    pub estate: &'a Estate,
    pub refs: &'a [(ScopeId, u32)],
}

impl ParameterRows<'_> {
    pub fn item(&self, row: usize) -> Option<&ParameterMeta> {
        let (s, i) = *self.refs.get(row)?;
        self.estate.scope_parameters(s).get(i as usize)
    }
}

impl TableSource for ParameterRows<'_> {
    type Col = ParamCol;

    fn len(&self) -> usize {
        self.refs.len()
    }

    fn cell(&self, row: usize, col: ParamCol) -> Cow<'_, str> {
        let Some(p) = self.item(row) else {
            return Cow::Borrowed("");
        };
        match col {
            ParamCol::Name => Cow::Borrowed(&p.name),
            ParamCol::Type => Cow::Borrowed(&p.param_type),
            ParamCol::Tier => Cow::Borrowed(&p.tier),
            ParamCol::Version => Cow::Owned(p.version.to_string()),
            ParamCol::Modified => Cow::Borrowed(""),
            ParamCol::Description => Cow::Borrowed(&p.description),
            ParamCol::Account => account_cell(self.estate, p.scope),
            ParamCol::Region => region_cell(self.estate, p.scope),
        }
    }

    fn sort_key(&self, row: usize, col: ParamCol) -> Option<i64> {
        let p = self.item(row)?;
        match col {
            ParamCol::Version => Some(p.version),
            ParamCol::Modified => Some(p.last_modified.map_or(i64::MAX, |t| -t.timestamp())),
            _ => None,
        }
    }

    fn row_key(&self, row: usize) -> String {
        self.item(row)
            .map(|p| format!("{}/{}", p.scope, p.name))
            .unwrap_or_default()
    }
}

/// Whether a parameter sits below `path` (`/` holds every parameter).
pub fn under_path(name: &str, path: &str) -> bool {
    path == "/" || name.strip_prefix(path).is_some_and(|r| r.starts_with('/'))
}

/// The path one level below `path` towards `name`, if `name` is deeper than that.
pub fn next_level(name: &str, path: &str) -> Option<String> {
    let rest = if path == "/" {
        name.strip_prefix('/')?
    } else {
        name.strip_prefix(path)?.strip_prefix('/')?
    };
    let (seg, _) = rest.split_once('/')?;
    Some(if path == "/" {
        format!("/{seg}")
    } else {
        format!("{path}/{seg}")
    })
}

/// State of the parameters pane.
#[derive(Debug)]
pub struct ParametersView {
    pub list: CatalogList<ParamCol>,
    /// The path the table is in: only parameters below it are listed.
    pub path: String,
}

impl Default for ParametersView {
    fn default() -> Self {
        ParametersView {
            list: CatalogList::new(ParamCol::Name),
            path: "/".into(),
        }
    }
}

impl ParametersView {
    pub fn rows<'a>(&'a self, estate: &'a Estate) -> ParameterRows<'a> {
        ParameterRows {
            estate,
            refs: &self.list.refs,
        }
    }

    /// The parameter selected.
    pub fn selected(&self, estate: &Estate) -> Option<CatalogItem> {
        let (s, i) = self.list.selected_ref()?;
        let p = estate.scope_parameters(s).get(i as usize)?;
        Some(CatalogItem::Parameter {
            scope: p.scope,
            name: p.name.clone(),
        })
    }

    /// Lists the parameters below `path` only.
    pub fn set_path(&mut self, path: String, cx: &Cx) {
        self.path = path;
        self.list.invalidate();
        Component::sync(self, cx);
        self.list.table.select(0);
    }

    /// The path [`PaneAction::PathDown`] (`→`/`l`: one level down, towards the selected
    /// parameter) or [`PaneAction::PathUp`] (`←`/`h`/Backspace: one level up) lead to.
    fn path_key(&self, action: Option<PaneAction>, estate: &Estate) -> Option<String> {
        let path = &self.path;
        match action {
            Some(PaneAction::PathDown) => {
                let CatalogItem::Parameter { name, .. } = self.selected(estate)? else {
                    return None;
                };
                next_level(&name, path)
            }
            Some(PaneAction::PathUp) if path != "/" => {
                Some(crate::model::parent_path(path).to_string())
            }
            _ => None,
        }
    }
}

impl PaneKind for ParametersView {
    const TITLE: &'static str = "Parameters";
    const ALIASES: &'static [&'static str] = &["parameters", "params", "param", "ps"];
    const FEEDS: &'static [Feed] = &[Feed::Nodes, Feed::Parameters];
}

impl Component for ParametersView {
    fn help(&self) -> &'static [KeyHint] {
        const HELP: &[KeyHint] = &[
            KeyHint::pane(
                "← → / h l",
                &[PaneAction::PathUp, PaneAction::PathDown],
                "parameters: path up / down",
            ),
            KeyHint::both(
                "Enter · v",
                &[Action::Details],
                &[PaneAction::Reveal],
                "parameter: history · reveal value",
            ),
        ];
        HELP
    }
    fn footer(&self) -> &'static [KeyHint] {
        hints::PARAMETERS
    }
    fn sync(&mut self, cx: &Cx) {
        let path = &self.path;
        let feeds = (Feed::Parameters, Feed::Parameters);
        let pick = |e: &Estate, s| {
            let params = e.scope_parameters(s).iter().enumerate();
            let below = params.filter(|(_, p)| under_path(&p.name, path));
            below.map(|(i, _)| i as u32).collect()
        };
        self.list
            .sync(cx, feeds, pick, |estate, refs| ParameterRows {
                estate,
                refs,
            });
    }
    table_rows!(list.table, list.refs, cx => ParameterRows {});
    fn on_key(
        &mut self,
        key: &KeyEvent,
        action: Option<Action>,
        cx: &Cx,
        out: &mut Vec<Cmd>,
    ) -> bool {
        let selected = self.selected(cx.estate);
        if action == Some(Action::Details) {
            return selected.is_some_and(|item| {
                catalog::open(item, false, cx.estate, out);
                true
            });
        }
        let pane_action = cx.pane_action(key, pane_keys::PARAMETERS);
        if let Some(path) = self.path_key(pane_action, cx.estate) {
            self.set_path(path, cx);
            return true;
        }
        // `e`: the parameter in full, with the prompt of a new version.
        match selected {
            Some(item) if pane_action == Some(PaneAction::Edit) => {
                catalog::open(item, true, cx.estate, out);
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert!(under_path("/app/x/db", "/"));
        assert!(under_path("/app/x/db", "/app"));
        assert!(!under_path("/application/x", "/app"));
        assert_eq!(next_level("/app/x/db", "/"), Some("/app".into()));
        assert_eq!(next_level("/app/x/db", "/app"), Some("/app/x".into()));
        assert_eq!(next_level("/app/x/db", "/app/x"), None);
        assert_eq!(next_level("plain", "/"), None);
    }
}
