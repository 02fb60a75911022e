//! The documents pane: the documents of the scopes shown (the account's, AWS's and
//! shared ones) by type. Its table, [`DocumentRows`], is the packages pane's too.

use std::borrow::Cow;
use std::marker::PhantomData;

use crossterm::event::KeyEvent;

use super::catalog::{self, CatalogList, columns};
use super::{Cmd, Component, Cx, KeyHint, PaneKind, hints};
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

/// Which documents a documents table lists, and the pane that lists them.
pub trait DocumentKind: std::fmt::Debug + 'static {
    const TITLE: &'static str;
    const ALIASES: &'static [&'static str];
    /// Whether the table lists `d`.
    fn lists(d: &DocumentSummary) -> bool;
}

/// Every document: the documents pane.
#[derive(Debug)]
pub struct AllDocuments;

impl DocumentKind for AllDocuments {
    const TITLE: &'static str = "Documents";
    const ALIASES: &'static [&'static str] = &["documents", "docs", "doc"];
    fn lists(_d: &DocumentSummary) -> bool {
        true
    }
}

/// State of a pane over the documents of kind `K`: the documents pane, or the packages
/// pane (the same table, the packages only).
#[derive(Debug)]
pub struct DocumentTable<K: DocumentKind> {
    pub list: CatalogList<DocCol>,
    kind: PhantomData<K>,
}

/// State of the documents pane.
pub type DocumentsView = DocumentTable<AllDocuments>;

impl<K: DocumentKind> Default for DocumentTable<K> {
    fn default() -> Self {
        DocumentTable {
            list: CatalogList::new(DocCol::Name),
            kind: PhantomData,
        }
    }
}

impl<K: DocumentKind> DocumentTable<K> {
    pub fn rows<'a>(&'a self, estate: &'a Estate) -> DocumentRows<'a> {
        DocumentRows {
            estate,
            refs: &self.list.refs,
        }
    }

    /// The document selected.
    pub fn selected(&self, estate: &Estate) -> Option<CatalogItem> {
        let (s, i) = self.list.selected_ref()?;
        let d = estate.scope_documents(s).get(i as usize)?;
        Some(CatalogItem::Document {
            scope: d.scope,
            name: d.name.clone(),
        })
    }
}

impl<K: DocumentKind> PaneKind for DocumentTable<K> {
    const TITLE: &'static str = K::TITLE;
    const ALIASES: &'static [&'static str] = K::ALIASES;
    const FEEDS: &'static [Feed] = &[Feed::Nodes, Feed::Documents];
}

impl<K: DocumentKind> Component for DocumentTable<K> {
    fn help(&self) -> &'static [KeyHint] {
        const HELP: &[KeyHint] = &[KeyHint::table(
            "Enter",
            &[Action::Details],
            "documents, packages: content",
        )];
        HELP
    }
    fn footer(&self) -> &'static [KeyHint] {
        hints::TABLE
    }
    fn sync(&mut self, cx: &Cx) {
        let feeds = (Feed::Documents, Feed::Documents);
        let pick = |e: &Estate, s| {
            let docs = e.scope_documents(s).iter().enumerate();
            docs.filter(|(_, d)| K::lists(d))
                .map(|(i, _)| i as u32)
                .collect()
        };
        self.list
            .sync(cx, feeds, pick, |estate, refs| DocumentRows {
                estate,
                refs,
            });
    }
    table_rows!(list.table, list.refs, cx => DocumentRows {});
    /// Movement and sort, Enter for the document in full, `i`/`u` on a package.
    fn on_key(
        &mut self,
        key: &KeyEvent,
        action: Option<Action>,
        cx: &Cx,
        out: &mut Vec<Cmd>,
    ) -> bool {
        let pane_action = cx.pane_action(key, pane_keys::DOCUMENTS);
        catalog::table_key(self.selected(cx.estate), action, pane_action, cx, out)
    }
}
