//! The documents pane: the documents of the scopes shown (the account's, AWS's and
//! shared ones) by type. Its table, [`DocumentRows`], is the packages pane's too.

use std::borrow::Cow;

use crossterm::event::KeyEvent;

use super::catalog::{self, CatalogList, columns};
use super::{Bound, Cmd, Component, Cx, KeyHint, List, ListMut, PaneKind, hints};
use crate::app::documents::owner_kind;
use crate::app::keymap::{Action, pane_keys};
use crate::app::overlay::CatalogItem;
use crate::app::table::{TableSource, account_cell, region_cell};
use crate::model::{DocumentSummary, Estate, Feed, ScopeId};

columns!(
    /// A column of the documents and packages tables.
    DocCol {
        Name => "Name", "name";
        Type => "Type", "type";
        Owner => "Owner", "owner";
        Version => "Ver", "version";
        Format => "Format", "format";
        Platforms => "Platforms", "platform";
        Account => "Account", "account";
        Region => "Region", "region";
    }
);

/// The documents of the scopes shown: (scope, index) into the estate.
pub struct DocumentRows<'a> {
    pub estate: &'a Estate,
    pub refs: &'a [(ScopeId, u32)],
}

impl DocumentRows<'_> {
    pub fn item(&self, row: usize) -> Option<&DocumentSummary> {
        let (s, i) = *self.refs.get(row)?;
        self.estate.scope_documents(s).get(i as usize)
    }
}

impl TableSource for DocumentRows<'_> {
    type Col = DocCol;

    fn len(&self) -> usize {
        self.refs.len()
    }

    fn cell(&self, row: usize, col: DocCol) -> Cow<'_, str> {
        let Some(d) = self.item(row) else {
            return Cow::Borrowed("");
        };
        match col {
            DocCol::Name => Cow::Borrowed(&d.name),
            DocCol::Type => Cow::Borrowed(&d.document_type),
            DocCol::Owner => {
                let account = self
                    .estate
                    .scope(d.scope)
                    .map(|s| s.scope.account.id.as_str())
                    .unwrap_or("");
                Cow::Borrowed(owner_kind(d, account))
            }
            DocCol::Version => Cow::Borrowed(&d.document_version),
            DocCol::Format => Cow::Borrowed(&d.document_format),
            DocCol::Platforms => Cow::Owned(d.platform_types.join(",")),
            DocCol::Account => account_cell(self.estate, d.scope),
            DocCol::Region => region_cell(self.estate, d.scope),
        }
    }

    fn sort_key(&self, row: usize, col: DocCol) -> Option<i64> {
        let d = self.item(row)?;
        match col {
            DocCol::Version => d.document_version.parse().ok(),
            _ => None,
        }
    }

    fn tags(&self, row: usize) -> &[(String, String)] {
        self.item(row).map_or(&[], |d| d.tags.as_slice())
    }

    fn row_key(&self, row: usize) -> String {
        self.item(row)
            .map(|d| format!("{}/{}", d.scope, d.name))
            .unwrap_or_default()
    }
}

/// The help lines of the documents and packages panes.
pub(super) const DOCUMENT_HELP: &[KeyHint] = &[("Enter", "documents, packages: content")];

/// Re-collects the documents `pick` keeps when the documents feed or the scope mask
/// moved, and rebuilds the table.
pub(super) fn sync_documents(
    list: &mut CatalogList<DocCol>,
    cx: &Cx,
    pick: impl Fn(&DocumentSummary) -> bool,
) {
    let feeds = (Feed::Documents, Feed::Documents);
    if list.collect(cx.estate, cx.mask, feeds, |e, s| {
        let docs = e.scope_documents(s);
        let kept = docs.iter().enumerate().filter(|(_, d)| pick(d));
        kept.map(|(i, _)| i as u32).collect()
    }) {
        let src = DocumentRows {
            estate: cx.estate,
            refs: &list.refs,
        };
        list.table.rebuild(&src);
    }
}

/// The documents table bound to its rows.
pub(super) fn bound<'a>(
    list: &'a mut CatalogList<DocCol>,
    cx: &Cx<'a>,
) -> Option<Box<dyn ListMut + 'a>> {
    Some(Box::new(Bound {
        table: &mut list.table,
        src: DocumentRows {
            estate: cx.estate,
            refs: &list.refs,
        },
    }))
}

/// The keys of a documents table: movement and sort, Enter for the document in full,
/// `i`/`u` on a package.
pub(super) fn document_key(
    list: &mut CatalogList<DocCol>,
    key: &KeyEvent,
    action: Option<Action>,
    cx: &Cx,
    out: &mut Vec<Cmd>,
) -> bool {
    let Some(item) = selected(list, cx.estate) else {
        return false;
    };
    if action == Some(Action::Details) {
        catalog::open(item, false, cx.estate, out);
        return true;
    }
    catalog::item_action(&item, cx.pane_action(key, pane_keys::DOCUMENTS), cx, out)
}

/// The document selected.
pub fn selected(list: &CatalogList<DocCol>, estate: &Estate) -> Option<CatalogItem> {
    let (s, i) = list.selected_ref()?;
    let d = estate.scope_documents(s).get(i as usize)?;
    Some(CatalogItem::Document {
        scope: d.scope,
        name: d.name.clone(),
    })
}

/// State of the documents pane.
#[derive(Debug)]
pub struct DocumentsView {
    pub list: CatalogList<DocCol>,
}

impl Default for DocumentsView {
    fn default() -> Self {
        DocumentsView {
            list: CatalogList::new(DocCol::Name),
        }
    }
}

impl DocumentsView {
    pub fn rows<'a>(&'a self, estate: &'a Estate) -> DocumentRows<'a> {
        DocumentRows {
            estate,
            refs: &self.list.refs,
        }
    }
}

impl PaneKind for DocumentsView {
    const TITLE: &'static str = "Documents";
    const ALIASES: &'static [&'static str] = &["documents", "docs", "doc"];
    const FEEDS: &'static [Feed] = &[Feed::Nodes, Feed::Documents];
}

impl Component for DocumentsView {
    fn help(&self) -> &'static [KeyHint] {
        DOCUMENT_HELP
    }
    fn footer(&self, _read_only: bool) -> &'static [KeyHint] {
        hints::TABLE
    }
    fn sync(&mut self, cx: &Cx) {
        sync_documents(&mut self.list, cx, |_| true);
    }
    fn list(&self, _cx: &Cx) -> Option<&dyn List> {
        Some(&self.list.table)
    }
    fn list_mut<'a>(&'a mut self, cx: &Cx<'a>) -> Option<Box<dyn ListMut + 'a>> {
        bound(&mut self.list, cx)
    }
    fn on_key(
        &mut self,
        key: &KeyEvent,
        action: Option<Action>,
        cx: &Cx,
        out: &mut Vec<Cmd>,
    ) -> bool {
        document_key(&mut self.list, key, action, cx, out)
    }
}
