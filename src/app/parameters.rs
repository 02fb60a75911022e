//! The Parameter Store, patch baselines, documents and packages panes: each a
//! [`TableView`] over the estate with a detail view of one entry. The parameters table is
//! defined here with the dispatch the four panes share; baselines and documents have
//! their own files.
//!
//! SecureString values stay masked until `v` reveals the one shown (GetParameter with
//! decryption, asked only then); closing the detail or `v` again forgets the plaintext.

use std::borrow::Cow;

use crossterm::event::{KeyCode, KeyEvent};

use super::baselines::{BaseCol, BaselineRows};
use super::documents::{DocCol, DocumentRows};
use super::filter::FilterError;
use super::keymap::Action;
use super::navigate::{click_sort, scroll_key, table_nav};
use super::packages::PatchOperation;
use super::table::{TableColumn, TableSource, TableView, account_cell, region_cell, shown_scopes};
use super::{App, Effect, Overlay, Pane};
use crate::actions::{ActionRequest, PutParameterSpec};
use crate::model::{DetailRequest, Estate, Feed, ParameterMeta, ScopeId, SecretValue};

/// Defines a column enum with its titles and filter keys.
macro_rules! columns {
    ($(#[$m:meta])* $name:ident { $($v:ident => $title:literal, $key:literal;)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $($v,)*
        }

        impl super::filter::FilterColumn for $name {
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

        impl super::table::TableColumn for $name {
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

/// Rows of one feed over the scopes shown: (scope, index) refs and their table.
#[derive(Debug)]
pub struct CatalogList<C: TableColumn> {
    pub table: TableView<C>,
    pub refs: Vec<(ScopeId, u32)>,
    key: Option<(u64, u64, Vec<bool>)>,
}

impl<C: TableColumn> CatalogList<C> {
    fn new(sort: C) -> CatalogList<C> {
        CatalogList {
            table: TableView::new(sort, false),
            refs: Vec::new(),
            key: None,
        }
    }

    /// Re-collects the refs when the feeds or the mask moved; true when they did.
    fn collect(
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
}

/// One entry shown in full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogItem {
    Parameter { scope: ScopeId, name: String },
    Baseline { scope: ScopeId, id: String },
    Document { scope: ScopeId, name: String },
}

/// The detail view of one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogDetail {
    pub item: CatalogItem,
    pub scroll: u16,
    /// A SecureString's plaintext is shown (parameters only).
    pub reveal: bool,
    /// The node picked in a baseline's node list, whose patches are listed.
    pub node: usize,
    /// The new value being typed for a parameter (`e`); `Enter` asks to put it.
    pub editing: Option<SecretValue>,
}

/// State of the parameters, baselines, documents and packages panes.
#[derive(Debug)]
pub struct CatalogPanes {
    pub parameters: CatalogList<ParamCol>,
    /// The path the parameters table is in: only parameters below it are listed.
    pub path: String,
    pub baselines: CatalogList<BaseCol>,
    pub documents: CatalogList<DocCol>,
    pub packages: CatalogList<DocCol>,
}

impl Default for CatalogPanes {
    fn default() -> Self {
        CatalogPanes {
            parameters: CatalogList::new(ParamCol::Name),
            path: "/".into(),
            baselines: CatalogList::new(BaseCol::Name),
            documents: CatalogList::new(DocCol::Name),
            packages: CatalogList::new(DocCol::Name),
        }
    }
}

/// The panes of this module.
pub fn is_catalog_pane(p: Pane) -> bool {
    matches!(
        p,
        Pane::Parameters | Pane::Baselines | Pane::Documents | Pane::Packages
    )
}

impl CatalogPanes {
    pub fn parameter_rows<'a>(&'a self, estate: &'a Estate) -> ParameterRows<'a> {
        ParameterRows {
            estate,
            refs: &self.parameters.refs,
        }
    }

    pub fn baseline_rows<'a>(&'a self, estate: &'a Estate) -> BaselineRows<'a> {
        BaselineRows {
            estate,
            refs: &self.baselines.refs,
        }
    }

    pub fn document_rows<'a>(&'a self, estate: &'a Estate, packages: bool) -> DocumentRows<'a> {
        DocumentRows {
            estate,
            refs: if packages {
                &self.packages.refs
            } else {
                &self.documents.refs
            },
        }
    }
}

/// Runs `$body` with `$t` the table and `$src` the rows of the pane shown, or gives
/// `$none` on other panes.
macro_rules! with_table {
    ($app:expr, |$t:ident, $src:ident| $body:expr, $none:expr) => {{
        let c = &mut $app.catalog;
        let estate = &$app.estate;
        match $app.pane {
            Pane::Parameters => {
                let $src = ParameterRows {
                    estate,
                    refs: &c.parameters.refs,
                };
                let $t = &mut c.parameters.table;
                $body
            }
            Pane::Baselines => {
                let $src = BaselineRows {
                    estate,
                    refs: &c.baselines.refs,
                };
                let $t = &mut c.baselines.table;
                $body
            }
            Pane::Documents => {
                let $src = DocumentRows {
                    estate,
                    refs: &c.documents.refs,
                };
                let $t = &mut c.documents.table;
                $body
            }
            Pane::Packages => {
                let $src = DocumentRows {
                    estate,
                    refs: &c.packages.refs,
                };
                let $t = &mut c.packages.table;
                $body
            }
            _ => $none,
        }
    }};
}

fn index_all(n: usize) -> Vec<u32> {
    (0..n as u32).collect()
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

impl App {
    fn catalog_request(&mut self, r: DetailRequest) {
        self.push_effect(Effect::Request(r));
    }

    /// Brings the table of the pane shown up to date.
    pub(super) fn catalog_sync(&mut self) {
        let estate = &self.estate;
        let mask = &self.mask;
        let c = &mut self.catalog;
        let path = c.path.clone();
        let changed = match self.pane {
            Pane::Parameters => c.parameters.collect(
                estate,
                mask,
                (Feed::Parameters, Feed::Parameters),
                |e, s| {
                    e.scope_parameters(s)
                        .iter()
                        .enumerate()
                        .filter(|(_, p)| under_path(&p.name, &path))
                        .map(|(i, _)| i as u32)
                        .collect()
                },
            ),
            Pane::Baselines => {
                c.baselines
                    .collect(estate, mask, (Feed::Baselines, Feed::Patch), |e, s| {
                        index_all(e.scope_baselines(s).len())
                    })
            }
            Pane::Documents => {
                c.documents
                    .collect(estate, mask, (Feed::Documents, Feed::Documents), |e, s| {
                        index_all(e.scope_documents(s).len())
                    })
            }
            Pane::Packages => {
                c.packages
                    .collect(estate, mask, (Feed::Documents, Feed::Documents), |e, s| {
                        e.scope_documents(s)
                            .iter()
                            .enumerate()
                            .filter(|(_, d)| d.document_type == "Package")
                            .map(|(i, _)| i as u32)
                            .collect()
                    })
            }
            _ => false,
        };
        if changed {
            with_table!(self, |t, src| t.rebuild(&src), ());
        }
    }

    pub(super) fn catalog_filter_text(&self) -> &str {
        match self.pane {
            Pane::Parameters => self.catalog.parameters.table.filter_text(),
            Pane::Baselines => self.catalog.baselines.table.filter_text(),
            Pane::Documents => self.catalog.documents.table.filter_text(),
            Pane::Packages => self.catalog.packages.table.filter_text(),
            _ => "",
        }
    }

    pub(super) fn catalog_filter_error(&self) -> Option<&FilterError> {
        match self.pane {
            Pane::Parameters => self.catalog.parameters.table.filter_error(),
            Pane::Baselines => self.catalog.baselines.table.filter_error(),
            Pane::Documents => self.catalog.documents.table.filter_error(),
            Pane::Packages => self.catalog.packages.table.filter_error(),
            _ => None,
        }
    }

    pub(super) fn catalog_row_count(&self) -> usize {
        match self.pane {
            Pane::Parameters => self.catalog.parameters.table.len(),
            Pane::Baselines => self.catalog.baselines.table.len(),
            Pane::Documents => self.catalog.documents.table.len(),
            Pane::Packages => self.catalog.packages.table.len(),
            _ => 0,
        }
    }

    pub(super) fn catalog_set_filter(&mut self, text: &str) {
        with_table!(self, |t, src| t.set_filter(&src, text), ())
    }

    pub(super) fn catalog_set_page(&mut self, rows: usize) {
        with_table!(self, |t, _src| t.set_page(rows), ())
    }

    pub(super) fn catalog_move(&mut self, delta: isize) {
        with_table!(self, |t, _src| t.move_by(delta), ())
    }

    pub(super) fn catalog_scroll(&mut self, delta: isize) {
        with_table!(self, |t, _src| t.scroll_by(delta), ())
    }

    pub(super) fn catalog_click(&mut self, line: usize) -> bool {
        with_table!(
            self,
            |t, _src| {
                let row = t.viewport().offset + line;
                if row < t.len() {
                    t.select(row);
                    true
                } else {
                    false
                }
            },
            false
        )
    }

    pub(super) fn catalog_sort_by_header(&mut self, i: usize) -> bool {
        with_table!(
            self,
            |t, src| {
                let col = t.columns().get(i).copied();
                click_sort(t, &src, col)
            },
            false
        )
    }

    /// The entry selected in the pane shown.
    fn catalog_selected(&self) -> Option<CatalogItem> {
        let c = &self.catalog;
        let e = &self.estate;
        match self.pane {
            Pane::Parameters => {
                let row = c.parameters.table.selected_row()?;
                let rows = c.parameter_rows(e);
                let p = rows.item(row)?;
                Some(CatalogItem::Parameter {
                    scope: p.scope,
                    name: p.name.clone(),
                })
            }
            Pane::Baselines => {
                let row = c.baselines.table.selected_row()?;
                let rows = c.baseline_rows(e);
                let b = rows.item(row)?;
                Some(CatalogItem::Baseline {
                    scope: b.scope,
                    id: b.id.clone(),
                })
            }
            Pane::Documents | Pane::Packages => {
                let packages = self.pane == Pane::Packages;
                let t = if packages {
                    &c.packages.table
                } else {
                    &c.documents.table
                };
                let row = t.selected_row()?;
                let rows = c.document_rows(e, packages);
                let d = rows.item(row)?;
                Some(CatalogItem::Document {
                    scope: d.scope,
                    name: d.name.clone(),
                })
            }
            _ => None,
        }
    }

    /// Opens the selected entry in full and asks for what it shows.
    pub(super) fn catalog_open(&mut self) -> bool {
        let Some(item) = self.catalog_selected() else {
            return false;
        };
        self.catalog_fetch(&item);
        self.overlay = Overlay::Catalog(CatalogDetail {
            item,
            scroll: 0,
            reveal: false,
            node: 0,
            editing: None,
        });
        true
    }

    fn catalog_fetch(&mut self, item: &CatalogItem) {
        match item {
            CatalogItem::Parameter { scope, name } => {
                self.catalog_request(DetailRequest::ParameterHistory {
                    scope: *scope,
                    name: name.clone(),
                });
                self.catalog_request(DetailRequest::ParameterValue {
                    scope: *scope,
                    name: name.clone(),
                    version: None,
                    decrypt: false,
                });
            }
            CatalogItem::Baseline { scope, id } => {
                if let Some(node) = self.baseline_nodes(*scope, id).first() {
                    let instance_id = node.clone();
                    self.catalog_request(DetailRequest::NodePatches {
                        scope: *scope,
                        instance_id,
                    });
                }
            }
            CatalogItem::Document { scope, name } => {
                let name = super::documents::document_ref(&self.estate, *scope, name);
                self.catalog_request(DetailRequest::Document {
                    scope: *scope,
                    name,
                    version: None,
                });
            }
        }
    }

    /// The nodes of a scope patched with a baseline (from the patch feed), most missing
    /// patches first.
    pub fn baseline_nodes(&self, scope: ScopeId, baseline_id: &str) -> Vec<String> {
        let mut v: Vec<_> = self
            .estate
            .scope_patch_states(scope)
            .iter()
            .filter(|p| p.baseline_id == baseline_id)
            .collect();
        v.sort_by(|a, b| {
            (b.missing + b.failed)
                .cmp(&(a.missing + a.failed))
                .then(a.instance_id.cmp(&b.instance_id))
        });
        v.into_iter().map(|p| p.instance_id.clone()).collect()
    }

    /// Keys of the four panes.
    pub(super) fn catalog_key(&mut self, _key: KeyEvent, action: Option<Action>) -> bool {
        if with_table!(self, |t, src| table_nav(t, &src, action), false) {
            return true;
        }
        if action == Some(Action::Details) {
            return self.catalog_open();
        }
        if self.pane == Pane::Parameters
            && let Some(path) = self.parameter_path_key(_key.code)
        {
            self.set_parameter_path(path);
            return true;
        }
        let Some(item) = self.catalog_selected() else {
            return false;
        };
        self.catalog_action(&item, _key.code)
    }

    /// The path `→`/`l` (one level down, towards the selected parameter) or `←`/`h`/
    /// Backspace (one level up) lead to.
    fn parameter_path_key(&self, code: KeyCode) -> Option<String> {
        let path = &self.catalog.path;
        match code {
            KeyCode::Right | KeyCode::Char('l') => {
                let CatalogItem::Parameter { name, .. } = self.catalog_selected()? else {
                    return None;
                };
                next_level(&name, path)
            }
            KeyCode::Left | KeyCode::Char('h') | KeyCode::Backspace if path != "/" => {
                Some(crate::model::parent_path(path).to_string())
            }
            _ => None,
        }
    }

    /// Lists the parameters below `path` only.
    pub fn set_parameter_path(&mut self, path: String) {
        let c = &mut self.catalog;
        c.path = path;
        c.parameters.key = None;
        self.catalog_sync();
        self.catalog.parameters.table.select(0);
    }

    /// The action keys of an entry (pane or detail): `e` a new parameter version, `s`/`i`
    /// a patch scan/install, `i`/`u` a package install/uninstall.
    fn catalog_action(&mut self, item: &CatalogItem, code: KeyCode) -> bool {
        match (item, code) {
            (CatalogItem::Parameter { .. }, KeyCode::Char('e')) => {
                if self.options.read_only {
                    return false;
                }
                if !matches!(self.overlay, Overlay::Catalog(_)) {
                    self.catalog_open();
                }
                if let Overlay::Catalog(d) = &mut self.overlay {
                    d.editing = Some(SecretValue::new(""));
                }
                true
            }
            (CatalogItem::Baseline { scope, id }, KeyCode::Char(c @ ('s' | 'S' | 'i'))) => {
                if self.options.read_only {
                    return false;
                }
                let op = if c != 'i' {
                    PatchOperation::Scan
                } else {
                    PatchOperation::Install
                };
                self.catalog_close();
                self.open_patch_run(*scope, id, op)
            }
            (CatalogItem::Document { scope, name }, KeyCode::Char(c @ ('i' | 'u'))) => {
                let package = self
                    .estate
                    .scope_documents(*scope)
                    .iter()
                    .any(|d| d.name == *name && d.document_type == "Package");
                if !package || self.options.read_only {
                    return false;
                }
                self.catalog_close();
                self.open_package_run(name, c == 'i')
            }
            _ => false,
        }
    }

    fn catalog_close(&mut self) {
        if matches!(self.overlay, Overlay::Catalog(_)) {
            self.overlay = Overlay::None;
        }
        self.estate.forget_secrets();
    }

    /// Keys of the value prompt: typing, `Enter` to confirm the new version, `Esc`.
    fn catalog_edit_key(&mut self, key: KeyEvent) -> bool {
        let Overlay::Catalog(d) = &mut self.overlay else {
            return false;
        };
        let Some(buf) = &d.editing else {
            return false;
        };
        match key.code {
            KeyCode::Esc => d.editing = None,
            KeyCode::Backspace => {
                let mut s = buf.expose().to_string();
                s.pop();
                d.editing = Some(SecretValue::new(s));
            }
            KeyCode::Char(c) => {
                d.editing = Some(SecretValue::new(format!("{}{c}", buf.expose())));
            }
            KeyCode::Enter => {
                let value = buf.expose().to_string();
                let CatalogItem::Parameter { scope, name } = d.item.clone() else {
                    return false;
                };
                d.editing = None;
                let meta = self
                    .estate
                    .scope_parameters(scope)
                    .iter()
                    .find(|p| p.name == name)
                    .cloned();
                let Some(s) = self.estate.scope(scope).map(|s| s.scope.clone()) else {
                    return false;
                };
                self.catalog_close();
                return self.confirm_action(ActionRequest::PutParameter(PutParameterSpec {
                    scope: s,
                    name,
                    value,
                    parameter_type: meta.as_ref().map(|m| m.param_type.clone()),
                    description: None,
                    overwrite: true,
                }));
            }
            _ => {}
        }
        true
    }

    /// Keys of an entry shown in full.
    pub(super) fn catalog_detail_key(&mut self, key: KeyEvent) -> bool {
        if self.catalog_edit_key(key) {
            return true;
        }
        let Overlay::Catalog(d) = &mut self.overlay else {
            return false;
        };
        if let KeyCode::Char('e' | 's' | 'S' | 'i' | 'u') = key.code {
            let item = d.item.clone();
            return self.catalog_action(&item, key.code);
        }
        if scroll_key(key.code, &mut d.scroll) {
            return true;
        }
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Enter => {
                self.overlay = Overlay::None;
                self.estate.forget_secrets();
            }
            KeyCode::Char(' ') => d.scroll = d.scroll.saturating_add(10),
            KeyCode::Char('v') => {
                let CatalogItem::Parameter { scope, name } = d.item.clone() else {
                    return false;
                };
                let secure = self
                    .estate
                    .scope_parameters(scope)
                    .iter()
                    .any(|p| p.name == name && p.is_secure());
                if !secure {
                    return false;
                }
                d.reveal = !d.reveal;
                if d.reveal {
                    self.catalog_request(DetailRequest::ParameterValue {
                        scope,
                        name,
                        version: None,
                        decrypt: true,
                    });
                } else {
                    self.estate.forget_secrets();
                }
            }
            KeyCode::Char('[') | KeyCode::Char(']') => {
                let CatalogItem::Document { scope, name } = d.item.clone() else {
                    return false;
                };
                let Some(detail) = self.estate.document_detail(scope, &name) else {
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
                let next = if key.code == KeyCode::Char(']') {
                    (at + 1).min(versions.len() - 1)
                } else {
                    at.saturating_sub(1)
                };
                let version = versions[next].to_string();
                let name = super::documents::document_ref(&self.estate, scope, &name);
                self.catalog_request(DetailRequest::Document {
                    scope,
                    name,
                    version: Some(version),
                });
            }
            KeyCode::Char('n') | KeyCode::Char('p') => {
                let CatalogItem::Baseline { scope, id } = d.item.clone() else {
                    return false;
                };
                let forward = key.code == KeyCode::Char('n');
                let nodes = self.baseline_nodes(scope, &id);
                if nodes.is_empty() {
                    return false;
                }
                let Overlay::Catalog(d) = &mut self.overlay else {
                    return false;
                };
                d.node = if forward {
                    (d.node + 1) % nodes.len()
                } else {
                    (d.node + nodes.len() - 1) % nodes.len()
                };
                let instance_id = nodes[d.node].clone();
                self.catalog_request(DetailRequest::NodePatches { scope, instance_id });
            }
            KeyCode::Char('r') => {
                let item = d.item.clone();
                self.catalog_fetch(&item);
            }
            KeyCode::Char('?') => self.overlay = Overlay::Help,
            _ => return false,
        }
        true
    }

    /// Shows the version a PutParameter of this cockpit just wrote, until the next poll
    /// of the parameters feed confirms it.
    pub(super) fn catalog_put_result(&mut self, event: &crate::actions::ActionEvent) -> bool {
        let crate::actions::ActionEvent::Sent {
            scope, action, id, ..
        } = event
        else {
            return false;
        };
        if *action != "PutParameter" {
            return false;
        }
        let Some((name, version)) = id.rsplit_once(':') else {
            return false;
        };
        let Ok(version) = version.parse::<i64>() else {
            return false;
        };
        let Some(s) = self.estate.scopes().iter().position(|s| s.scope == *scope) else {
            return false;
        };
        let now = self.now();
        self.estate.parameter_put(s as ScopeId, name, version, now)
    }

    /// Forgets a decrypted value that arrived after its detail view closed or hid it.
    pub(super) fn catalog_keep_secret_only_if_shown(&mut self) {
        let shown = matches!(&self.overlay, Overlay::Catalog(d) if d.reveal);
        if !shown {
            self.estate.forget_secrets();
        }
    }

    /// The entry the detail view shows, if one is open.
    pub fn catalog_detail(&self) -> Option<&CatalogDetail> {
        match &self.overlay {
            Overlay::Catalog(d) => Some(d),
            _ => None,
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
