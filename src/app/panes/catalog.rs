//! What the parameters, baselines, documents and packages panes share: the column
//! macro of their tables, [`CatalogList`] (the rows of one feed over the scopes shown),
//! and the entry shown in full ([`CatalogDetail`], the `Overlay::Catalog` popup) with its
//! keys.
//!
//! SecureString values stay masked until `v` reveals the one shown (GetParameter with
//! decryption, asked only then); closing the detail or `v` again forgets the plaintext.

use crossterm::event::{KeyCode, KeyEvent};

use super::runs::{PatchOperation, baseline_nodes, package_run, patch_run};
use super::{Cmd, Cx};
use crate::actions::{ActionRequest, PutParameterSpec};
use crate::app::documents::document_ref;
use crate::app::keymap::{Action, PaneAction, pane_keys};
use crate::app::overlay::{CatalogDetail, CatalogItem, Overlay};
use crate::app::scroll::scroll_key;
use crate::app::table::{TableColumn, TableSource, TableView, shown_scopes};
use crate::model::{DetailRequest, Estate, Feed, ScopeId, SecretValue};

/// Defines a column enum with its titles and filter keys.
macro_rules! columns {
    ($(#[$m:meta])* $name:ident { $($v:ident => $title:literal, $key:literal;)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $($v,)*
        }

        impl $crate::app::filter::FilterColumn for $name {
            fn from_filter_key(key: &str) -> Option<$name> {
                let k = key.to_ascii_lowercase();
                $(if k == $key {
                    return Some($name::$v);
                })*
                None
            }

            fn filter_keys() -> &'static str {
                concat!($($key, " ",)*)
            }
        }

        impl $crate::app::table::TableColumn for $name {
            const ALL: &'static [$name] = &[$($name::$v,)*];

            fn title(self) -> &'static str {
                match self {
                    $($name::$v => $title,)*
                }
            }
        }
    };
}
pub(crate) use columns;

/// Rows of one feed over the scopes shown: (scope, index) refs and their table.
#[derive(Debug)]
pub struct CatalogList<C: TableColumn> {
    pub table: TableView<C>,
    pub refs: Vec<(ScopeId, u32)>,
    /// (generations of the two feeds, scope mask) the refs reflect.
    key: Option<(u64, u64, Vec<bool>)>,
}

impl<C: TableColumn> CatalogList<C> {
    pub fn new(sort: C) -> CatalogList<C> {
        CatalogList {
            table: TableView::new(sort, false),
            refs: Vec::new(),
            key: None,
        }
    }

    /// Re-collects the refs when the feeds or the mask moved; true when they did.
    pub fn collect(
        &mut self,
        estate: &Estate,
        mask: &[bool],
        feeds: (Feed, Feed),
        pick: impl Fn(&Estate, ScopeId) -> Vec<u32>,
    ) -> bool {
        let key = (
            estate.feed_generation(feeds.0),
            estate.feed_generation(feeds.1),
            mask.to_vec(),
        );
        if self.key.as_ref() == Some(&key) {
            return false;
        }
        self.refs.clear();
        for s in shown_scopes(estate, mask) {
            self.refs
                .extend(pick(estate, s).into_iter().map(|i| (s, i)));
        }
        self.key = Some(key);
        true
    }

    /// Re-collects the refs when the feeds or the mask moved, and then rebuilds the table
    /// from the rows `rows` makes of the estate and the refs.
    pub fn sync<'a, S: TableSource<Col = C>>(
        &'a mut self,
        cx: &Cx<'a>,
        feeds: (Feed, Feed),
        pick: impl Fn(&Estate, ScopeId) -> Vec<u32>,
        rows: impl FnOnce(&'a Estate, &'a [(ScopeId, u32)]) -> S,
    ) {
        if self.collect(cx.estate, cx.mask, feeds, pick) {
            let CatalogList { table, refs, .. } = self;
            table.rebuild(&rows(cx.estate, refs));
        }
    }

    /// The next [`collect`](Self::collect) re-reads whatever moved.
    pub fn invalidate(&mut self) {
        self.key = None;
    }

    /// The (scope, index) of the selected row.
    pub fn selected_ref(&self) -> Option<(ScopeId, u32)> {
        self.refs.get(self.table.selected_row()?).copied()
    }
}

impl CatalogDetail {
    /// The keys of the entry shown in full; what they ask of the app goes to `out`.
    pub fn on_key(&mut self, key: &KeyEvent, cx: &Cx, out: &mut Vec<Cmd>) -> bool {
        if self.editing.is_some() && self.edit_key(key, cx, out) {
            return true;
        }
        let pane_action = cx.pane_action(key, pane_keys::CATALOG);
        match pane_action {
            Some(PaneAction::Edit) if matches!(self.item, CatalogItem::Parameter { .. }) => {
                self.editing = Some(SecretValue::new(""));
                return true;
            }
            Some(
                PaneAction::Edit | PaneAction::Scan | PaneAction::Install | PaneAction::Uninstall,
            ) => {
                let item = self.item.clone();
                return item_action(&item, pane_action, cx, out);
            }
            Some(PaneAction::Reveal) => return self.toggle_reveal(cx, out),
            Some(PaneAction::PrevVersion) => return self.document_version(false, cx, out),
            Some(PaneAction::NextVersion) => return self.document_version(true, cx, out),
            Some(PaneAction::NextNode) => return self.baseline_node(true, cx, out),
            Some(PaneAction::PrevNode) => return self.baseline_node(false, cx, out),
            Some(PaneAction::Refresh) => {
                fetch(&self.item, cx.estate, out);
                return true;
            }
            Some(PaneAction::NextPage) => {
                self.scroll = self.scroll.saturating_add(10);
                return true;
            }
            _ => {}
        }
        let action = cx.keys.action(key);
        if scroll_key(action, &mut self.scroll) {
            return true;
        }
        match (action, key.code) {
            (Some(Action::Quit), _) | (_, KeyCode::Esc | KeyCode::Enter) => close(out),
            (Some(Action::Help), _) => out.push(Cmd::Open(Overlay::Help)),
            _ => return false,
        }
        true
    }

    /// Keys of the value prompt: typing, `Enter` to confirm the new version, `Esc`.
    fn edit_key(&mut self, key: &KeyEvent, cx: &Cx, out: &mut Vec<Cmd>) -> bool {
        let Some(buf) = &self.editing else {
            return false;
        };
        match key.code {
            KeyCode::Esc => self.editing = None,
            KeyCode::Backspace => {
                let mut s = buf.expose().to_string();
                s.pop();
                self.editing = Some(SecretValue::new(s));
            }
            KeyCode::Char(c) => {
                self.editing = Some(SecretValue::new(format!("{}{c}", buf.expose())));
            }
            KeyCode::Enter => {
                let value = buf.expose().to_string();
                let CatalogItem::Parameter { scope, name } = self.item.clone() else {
                    return false;
                };
                self.editing = None;
                let meta = cx
                    .estate
                    .scope_parameters(scope)
                    .iter()
                    .find(|p| p.name == name);
                let Some(s) = cx.estate.scope(scope).map(|s| s.scope.clone()) else {
                    return false;
                };
                let request = ActionRequest::PutParameter(PutParameterSpec {
                    scope: s,
                    name,
                    value,
                    parameter_type: meta.map(|m| m.param_type.clone()),
                    description: None,
                    overwrite: true,
                });
                close(out);
                out.push(Cmd::Confirm(Box::new(request)));
            }
            _ => {}
        }
        true
    }

    /// `v`: shows a SecureString's plaintext (asking for it) or hides and forgets it.
    fn toggle_reveal(&mut self, cx: &Cx, out: &mut Vec<Cmd>) -> bool {
        let CatalogItem::Parameter { scope, name } = &self.item else {
            return false;
        };
        let secure = cx
            .estate
            .scope_parameters(*scope)
            .iter()
            .any(|p| p.name == *name && p.is_secure());
        if !secure {
            return false;
        }
        self.reveal = !self.reveal;
        if self.reveal {
            out.push(Cmd::Request(DetailRequest::ParameterValue {
                scope: *scope,
                name: name.clone(),
                version: None,
                decrypt: true,
            }));
        } else {
            out.push(Cmd::ForgetSecrets);
        }
        true
    }

    /// `[` / `]`: asks for the version of the document before or after the one shown.
    fn document_version(&self, next: bool, cx: &Cx, out: &mut Vec<Cmd>) -> bool {
        let CatalogItem::Document { scope, name } = &self.item else {
            return false;
        };
        let Some(detail) = cx.estate.document_detail(*scope, name) else {
            return false;
        };
        let mut versions: Vec<&str> = detail
            .versions
            .iter()
            .map(|v| v.document_version.as_str())
            .collect();
        if versions.is_empty() {
            return false;
        }
        versions.sort_by_key(|v| v.parse::<u64>().unwrap_or(0));
        let shown = detail.content.document_version.as_str();
        let at = versions.iter().position(|v| *v == shown).unwrap_or(0);
        let to = if next {
            (at + 1).min(versions.len() - 1)
        } else {
            at.saturating_sub(1)
        };
        out.push(Cmd::Request(DetailRequest::Document {
            scope: *scope,
            name: document_ref(cx.estate, *scope, name),
            version: Some(versions[to].to_string()),
        }));
        true
    }

    /// `n` / `p`: picks the next or previous node patched with the baseline and asks for
    /// its patches.
    fn baseline_node(&mut self, forward: bool, cx: &Cx, out: &mut Vec<Cmd>) -> bool {
        let CatalogItem::Baseline { scope, id } = &self.item else {
            return false;
        };
        let nodes = baseline_nodes(cx.estate, *scope, id);
        if nodes.is_empty() {
            return false;
        }
        self.node = if forward {
            (self.node + 1) % nodes.len()
        } else {
            (self.node + nodes.len() - 1) % nodes.len()
        };
        out.push(Cmd::Request(DetailRequest::NodePatches {
            scope: *scope,
            instance_id: nodes[self.node].clone(),
        }));
        true
    }
}

/// Closes the detail view and forgets any plaintext it showed.
fn close(out: &mut Vec<Cmd>) {
    out.push(Cmd::Open(Overlay::None));
    out.push(Cmd::ForgetSecrets);
}

/// Opens `item` in full (with `editing`, the value prompt of a parameter open) and asks
/// for what it shows.
pub fn open(item: CatalogItem, editing: bool, estate: &Estate, out: &mut Vec<Cmd>) {
    fetch(&item, estate, out);
    out.push(Cmd::Open(Overlay::Catalog(CatalogDetail {
        item,
        scroll: 0,
        reveal: false,
        node: 0,
        editing: editing.then(|| SecretValue::new("")),
    })));
}

/// Asks for what the detail view of `item` shows.
fn fetch(item: &CatalogItem, estate: &Estate, out: &mut Vec<Cmd>) {
    match item {
        CatalogItem::Parameter { scope, name } => {
            out.push(Cmd::Request(DetailRequest::ParameterHistory {
                scope: *scope,
                name: name.clone(),
            }));
            out.push(Cmd::Request(DetailRequest::ParameterValue {
                scope: *scope,
                name: name.clone(),
                version: None,
                decrypt: false,
            }));
        }
        CatalogItem::Baseline { scope, id } => {
            if let Some(node) = baseline_nodes(estate, *scope, id).into_iter().next() {
                out.push(Cmd::Request(DetailRequest::NodePatches {
                    scope: *scope,
                    instance_id: node,
                }));
            }
        }
        CatalogItem::Document { scope, name } => {
            out.push(Cmd::Request(DetailRequest::Document {
                scope: *scope,
                name: document_ref(estate, *scope, name),
                version: None,
            }));
        }
    }
}

/// The keys of a catalog table on the entry selected (`item`): Enter shows it in full,
/// and the run keys of a baseline or a package ([`item_action`]).
pub fn table_key(
    item: Option<CatalogItem>,
    action: Option<Action>,
    pane_action: Option<PaneAction>,
    cx: &Cx,
    out: &mut Vec<Cmd>,
) -> bool {
    let Some(item) = item else {
        return false;
    };
    if action == Some(Action::Details) {
        open(item, false, cx.estate, out);
        return true;
    }
    item_action(&item, pane_action, cx, out)
}

/// The run keys of a baseline or a package (in its pane or shown in full): `s`/`S` a
/// patch scan and `i` a patch install, `i`/`u` a package install/uninstall; each closes
/// the detail view and opens the Run Command form filled in. The key map never hands
/// these actions over in read-only mode.
pub fn item_action(
    item: &CatalogItem,
    action: Option<PaneAction>,
    cx: &Cx,
    out: &mut Vec<Cmd>,
) -> bool {
    match (item, action) {
        (
            CatalogItem::Baseline { scope, id },
            Some(a @ (PaneAction::Scan | PaneAction::Install)),
        ) => {
            let op = if a == PaneAction::Scan {
                PatchOperation::Scan
            } else {
                PatchOperation::Install
            };
            close(out);
            patch_run(cx.estate, *scope, id, op).is_some_and(|cmd| {
                out.push(cmd);
                true
            })
        }
        (
            CatalogItem::Document { scope, name },
            Some(a @ (PaneAction::Install | PaneAction::Uninstall)),
        ) => {
            let package = cx
                .estate
                .scope_documents(*scope)
                .iter()
                .any(|d| d.name == *name && d.document_type == "Package");
            if !package {
                return false;
            }
            close(out);
            out.push(package_run(name, a == PaneAction::Install));
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use crossterm::event::KeyEvent;

    use super::*;
    use crate::app::keymap::KeyMap;
    use crate::app::tests::{cx, scope};
    use crate::model::{FeedEvent, ParameterMeta};

    fn param(name: &str, kind: &str) -> ParameterMeta {
        ParameterMeta {
            scope: 0,
            name: name.into(),
            param_type: kind.into(),
            tier: "Standard".into(),
            data_type: "text".into(),
            version: 1,
            last_modified: None,
            last_modified_user: String::new(),
            description: String::new(),
            key_id: String::new(),
            allowed_pattern: String::new(),
        }
    }

    fn estate() -> Estate {
        let mut e = Estate::new();
        e.apply(FeedEvent::ScopesDiscovered {
            scopes: vec![scope("acme", "111111111111", "eu-west-1")],
            note: None,
        });
        e.apply(FeedEvent::ParametersLoaded {
            scope: 0,
            items: vec![
                param("/db/password", "SecureString"),
                param("/db/host", "String"),
            ],
            at: Utc::now(),
        });
        e
    }

    fn detail(scope: ScopeId, name: &str) -> CatalogDetail {
        CatalogDetail {
            item: CatalogItem::Parameter {
                scope,
                name: name.into(),
            },
            scroll: 0,
            reveal: false,
            node: 0,
            editing: None,
        }
    }

    fn press(d: &mut CatalogDetail, code: KeyCode, cx: &Cx) -> (bool, Vec<Cmd>) {
        let mut out = Vec::new();
        let done = d.on_key(&KeyEvent::from(code), cx, &mut out);
        (done, out)
    }

    fn typed(d: &mut CatalogDetail, text: &str, cx: &Cx) {
        for c in text.chars() {
            assert_eq!(press(d, KeyCode::Char(c), cx), (true, Vec::new()));
        }
    }

    #[test]
    fn reveal_asks_for_the_plaintext_and_hiding_forgets_it() {
        let (e, keys) = (estate(), KeyMap::default());
        let cx = cx(&e, &keys, false);
        let mut d = detail(0, "/db/password");
        let (done, out) = press(&mut d, KeyCode::Char('v'), &cx);
        assert!(done && d.reveal);
        assert!(matches!(
            out.as_slice(),
            [Cmd::Request(DetailRequest::ParameterValue { decrypt: true, name, .. })]
                if name == "/db/password"
        ));
        assert_eq!(
            press(&mut d, KeyCode::Char('v'), &cx),
            (true, vec![Cmd::ForgetSecrets])
        );
        assert!(!d.reveal);
        // Nothing to reveal in a String.
        let mut plain = detail(0, "/db/host");
        assert_eq!(press(&mut plain, KeyCode::Char('v'), &cx), (false, vec![]));
        assert!(!plain.reveal);
    }

    #[test]
    fn a_new_value_is_typed_then_confirmed() {
        let (e, keys) = (estate(), KeyMap::default());
        let mut d = detail(0, "/db/password");
        assert_eq!(
            press(&mut d, KeyCode::Char('e'), &cx(&e, &keys, true)),
            (false, vec![])
        );
        assert!(d.editing.is_none());
        let cx = cx(&e, &keys, false);
        assert_eq!(press(&mut d, KeyCode::Char('e'), &cx), (true, vec![]));
        typed(&mut d, "s3cretx", &cx);
        assert_eq!(press(&mut d, KeyCode::Backspace, &cx), (true, vec![]));
        assert_eq!(d.editing.as_ref().map(|v| v.expose()), Some("s3cret"));
        let (done, out) = press(&mut d, KeyCode::Enter, &cx);
        assert!(done && d.editing.is_none());
        let [
            Cmd::Open(Overlay::None),
            Cmd::ForgetSecrets,
            Cmd::Confirm(request),
        ] = out.as_slice()
        else {
            panic!("{out:?}");
        };
        let ActionRequest::PutParameter(put) = request.as_ref() else {
            panic!("{request:?}");
        };
        assert_eq!(
            (put.name.as_str(), put.value.as_str()),
            ("/db/password", "s3cret")
        );
        assert_eq!(put.parameter_type.as_deref(), Some("SecureString"));
        assert!(put.overwrite);
    }

    #[test]
    fn a_value_for_a_scope_gone_closes_the_view() {
        let (e, keys) = (estate(), KeyMap::default());
        let cx = cx(&e, &keys, false);
        let mut d = detail(3, "/db/password");
        assert_eq!(press(&mut d, KeyCode::Char('e'), &cx), (true, vec![]));
        typed(&mut d, "x", &cx);
        let (done, out) = press(&mut d, KeyCode::Enter, &cx);
        assert!(done && d.editing.is_none());
        assert_eq!(out, vec![Cmd::Open(Overlay::None), Cmd::ForgetSecrets]);
    }
}
