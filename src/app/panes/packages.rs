//! The Distributor packages pane: the documents of type Package of the scopes shown, in
//! the documents table. `i`/`u` install or remove the package selected through
//! AWS-ConfigureAWSPackage, on the nodes selected or marked in the nodes pane.

use crossterm::event::KeyEvent;

use super::catalog::CatalogList;
use super::documents::{DOCUMENT_HELP, DocCol, DocumentRows, bound, document_key, sync_documents};
use super::{Cmd, Component, Cx, KeyHint, List, ListMut, PaneKind, hints};
use crate::app::keymap::Action;
use crate::model::{Estate, Feed};

/// State of the packages pane.
#[derive(Debug)]
pub struct PackagesView {
    pub list: CatalogList<DocCol>,
}

impl Default for PackagesView {
    fn default() -> Self {
        PackagesView {
            list: CatalogList::new(DocCol::Name),
        }
    }
}

impl PackagesView {
    pub fn rows<'a>(&'a self, estate: &'a Estate) -> DocumentRows<'a> {
        DocumentRows {
            estate,
            refs: &self.list.refs,
        }
    }
}

impl PaneKind for PackagesView {
    const TITLE: &'static str = "Packages";
    const ALIASES: &'static [&'static str] = &["packages", "package", "distributor", "pkg"];
    const FEEDS: &'static [Feed] = &[Feed::Nodes, Feed::Documents];
}

impl Component for PackagesView {
    fn help(&self) -> &'static [KeyHint] {
        DOCUMENT_HELP
    }
    fn footer(&self, _read_only: bool) -> &'static [KeyHint] {
        hints::TABLE
    }
    fn sync(&mut self, cx: &Cx) {
        sync_documents(&mut self.list, cx, |d| d.document_type == "Package");
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
