//! State of the managed-nodes table: a search index over the estate, sort order,
//! filter, selection and scroll.
//!
//! Rows are `(scope, idx)` references into the [`Estate`]; nothing is copied but a
//! lowercase haystack per row, rebuilt only for the scopes whose nodes changed.
//! Sorting happens on the whole estate once per change of data or sort column;
//! filtering walks that order and keeps the rows that match, so a keystroke costs one
//! pass over the haystacks.

use std::cmp::Ordering;

use memchr::memmem;

use crossterm::event::KeyEvent;

use super::{Cmd, Component, Cx, KeyHint, List, ListMut, PaneKind};
use crate::app::columns::Column;
use crate::app::filter::{Filter, FilterError, Matcher, push_lower};
use crate::app::keymap::{Action, PaneAction, pane_keys};
use crate::app::overlay::Overlay;
use crate::app::table::Viewport;
use crate::model::{Estate, Feed, ManagedNode, PingStatus, ScopeId, compare_versions};

/// Ends every field and tag value in a haystack. Needles never hold it (control
/// characters are dropped from both), so no match spans two fields.
const SEP: u8 = 0x1f;
const FIELDS: usize = Column::TEXT.len();

/// A row of the table: node `idx` of scope `scope`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RowRef {
    pub scope: u32,
    pub idx: u32,
}

/// The haystacks and sort keys of one scope's nodes.
#[derive(Debug, Default)]
struct ScopeIndex {
    /// Rows back to back: the text fields, then the tag values, each ended by [`SEP`].
    text: Vec<u8>,
    /// Start of each row in `text`, plus the end.
    row_start: Vec<u32>,
    /// Start of each text field of a row, plus the start of its tag values.
    fields: Vec<[u32; FIELDS + 1]>,
    ping: Vec<u8>,
    last_ping: Vec<i64>,
    /// IPv4 as a number; others sort after, by text.
    ip: Vec<u64>,
}

impl ScopeIndex {
    fn build(estate: &Estate, scope: ScopeId) -> ScopeIndex {
        let nodes = estate.scope_nodes(scope);
        let account = estate
            .scope(scope)
            .map(|s| {
                (
                    format!("{} ({})", s.scope.account.name, s.scope.account.id),
                    s.scope.region.clone(),
                )
            })
            .unwrap_or_default();
        let mut ix = ScopeIndex {
            text: Vec::with_capacity(nodes.len() * 160),
            row_start: Vec::with_capacity(nodes.len() + 1),
            fields: Vec::with_capacity(nodes.len()),
            ping: Vec::with_capacity(nodes.len()),
            last_ping: Vec::with_capacity(nodes.len()),
            ip: Vec::with_capacity(nodes.len()),
        };
        let mut buf = String::with_capacity(256);
        for node in nodes {
            buf.clear();
            let base = ix.text.len() as u32;
            ix.row_start.push(base);
            let mut f = [0u32; FIELDS + 1];
            for (slot, col) in Column::TEXT.into_iter().enumerate() {
                f[slot] = base + buf.len() as u32;
                match col {
                    Column::Account => push_lower(&mut buf, &account.0),
                    Column::Region => push_lower(&mut buf, &account.1),
                    Column::InstanceId => push_lower(&mut buf, &node.instance_id),
                    Column::Name => push_lower(&mut buf, node.name()),
                    Column::Ping => push_lower(&mut buf, node.ping_status.as_str()),
                    Column::Platform => push_lower(&mut buf, node.platform_type.as_str()),
                    Column::Os => {
                        push_lower(&mut buf, &node.platform_name);
                        buf.push(' ');
                        push_lower(&mut buf, &node.platform_version);
                    }
                    Column::Agent => push_lower(&mut buf, &node.agent_version),
                    Column::Ip => push_lower(&mut buf, &node.ip_address),
                    Column::LastPing => {}
                }
                buf.push(char::from(SEP));
            }
            f[FIELDS] = base + buf.len() as u32;
            for (_, value) in node.tags.iter().flatten() {
                push_lower(&mut buf, value);
                buf.push(char::from(SEP));
            }
            ix.text.extend_from_slice(buf.as_bytes());
            ix.fields.push(f);
            ix.ping.push(ping_rank(node.ping_status));
            ix.last_ping
                .push(node.last_ping.map_or(i64::MIN, |t| t.timestamp_millis()));
            ix.ip.push(ipv4_key(&node.ip_address));
        }
        ix.row_start.push(ix.text.len() as u32);
        ix.text.shrink_to_fit();
        ix
    }

    fn len(&self) -> usize {
        self.fields.len()
    }

    fn field(&self, row: usize, slot: usize) -> &[u8] {
        let Some(f) = self.fields.get(row) else {
            return &[];
        };
        let (start, end) = (f[slot] as usize, f[slot + 1] as usize);
        self.text.get(start..end.saturating_sub(1)).unwrap_or(&[])
    }

    fn tag_value(&self, row: usize, n: usize) -> &[u8] {
        let (Some(f), Some(end)) = (self.fields.get(row), self.row_start.get(row + 1)) else {
            return &[];
        };
        let tags = self
            .text
            .get(f[FIELDS] as usize..*end as usize)
            .unwrap_or(&[]);
        tags.split(|b| *b == SEP).nth(n).unwrap_or(&[])
    }

    /// Sets `hits[row]` for every row whose text contains `finder`'s needle anywhere.
    fn scan_any(&self, finder: &memmem::Finder, hits: &mut [bool]) {
        let mut pos = 0usize;
        while pos < self.text.len() {
            let Some(at) = finder.find(&self.text[pos..]) else {
                break;
            };
            let abs = (pos + at) as u32;
            let row = self
                .row_start
                .partition_point(|s| *s <= abs)
                .saturating_sub(1);
            if let Some(h) = hits.get_mut(row) {
                *h = true;
            }
            pos = self
                .row_start
                .get(row + 1)
                .map_or(self.text.len(), |e| *e as usize);
        }
    }
}

fn ping_rank(p: PingStatus) -> u8 {
    match p {
        PingStatus::Online => 0,
        PingStatus::ConnectionLost => 1,
        PingStatus::Inactive => 2,
        PingStatus::Unknown => 3,
    }
}

fn ipv4_key(ip: &str) -> u64 {
    ip.parse::<std::net::Ipv4Addr>()
        .map_or(u64::MAX, |a| u64::from(u32::from(a)))
}

/// Table state of the managed-nodes pane.
#[derive(Debug)]
pub struct NodesView {
    scopes: Vec<ScopeIndex>,
    /// The estate generation the index reflects.
    generation: Option<u64>,
    /// Every row by account, region, instance id: the tie-break of every sort.
    base: Vec<RowRef>,
    /// Per scope, per node: position in `base`.
    rank: Vec<Vec<u32>>,
    /// Every row, ascending by the sort column.
    order: Vec<RowRef>,
    /// Per scope, per node: matches the filter.
    matched: Vec<Vec<bool>>,
    /// The rows shown, in display order.
    filtered: Vec<RowRef>,
    filter_text: String,
    filter: Filter,
    filter_error: Option<FilterError>,
    sort: Column,
    descending: bool,
    /// Selection, scroll and page height.
    view: Viewport,
    /// The node the selection follows across refreshes: (scope, instance id); set once
    /// the user moves the selection.
    selected_key: Option<(ScopeId, String)>,
    /// Per scope: shown (the `:` scope filter); empty shows every scope.
    scope_mask: Vec<bool>,
}

impl Default for NodesView {
    fn default() -> Self {
        NodesView {
            scopes: Vec::new(),
            generation: None,
            base: Vec::new(),
            rank: Vec::new(),
            order: Vec::new(),
            matched: Vec::new(),
            filtered: Vec::new(),
            filter_text: String::new(),
            filter: Filter::default(),
            filter_error: None,
            sort: Column::Account,
            descending: false,
            view: Viewport::default(),
            selected_key: None,
            scope_mask: Vec::new(),
        }
    }
}

impl NodesView {
    /// The estate generation the index reflects.
    pub fn indexed_generation(&self) -> Option<u64> {
        self.generation
    }

    /// Rebuilds everything if the estate changed behind the index's back.
    pub fn sync(&mut self, estate: &Estate) {
        if self.generation != Some(estate.generation()) {
            self.rebuild_all(estate);
        }
    }

    /// Re-indexes every scope, re-sorts and re-filters.
    pub fn rebuild_all(&mut self, estate: &Estate) {
        let n = estate.scopes().len();
        self.scopes = (0..n as u32)
            .map(|s| ScopeIndex::build(estate, s))
            .collect();
        self.order = self
            .scopes
            .iter()
            .enumerate()
            .flat_map(|(s, ix)| {
                (0..ix.len() as u32).map(move |idx| RowRef {
                    scope: s as u32,
                    idx,
                })
            })
            .collect();
        self.sort_order();
        self.generation = Some(estate.generation());
        self.refilter(estate);
    }

    /// Re-indexes one scope whose nodes changed and merges it into the order.
    pub fn rebuild_scope(&mut self, estate: &Estate, scope: ScopeId) {
        let s = scope as usize;
        if self.generation.is_none()
            || s >= self.scopes.len()
            || self.scopes.len() != estate.scopes().len()
        {
            self.rebuild_all(estate);
            return;
        }
        self.scopes[s] = ScopeIndex::build(estate, scope);
        let fresh = |v: &mut Vec<RowRef>| {
            v.retain(|r| r.scope != scope);
            (0..self.scopes[s].len() as u32)
                .map(|idx| RowRef { scope, idx })
                .collect::<Vec<_>>()
        };
        let mut new_base = fresh(&mut self.base);
        let mut new_order = fresh(&mut self.order);
        let scopes = &self.scopes;
        new_base.sort_unstable_by(|a, b| compare_base(scopes, *a, *b));
        let base = std::mem::take(&mut self.base);
        self.base = merge(base, new_base, |a, b| compare_base(scopes, *a, *b));
        self.rerank();
        if self.sort == Column::Account {
            self.order.clone_from(&self.base);
        } else {
            let (scopes, rank, col) = (&self.scopes, &self.rank, self.sort);
            new_order.sort_unstable_by(|a, b| compare(scopes, rank, col, *a, *b));
            let order = std::mem::take(&mut self.order);
            self.order = merge(order, new_order, |a, b| compare(scopes, rank, col, *a, *b));
        }
        self.generation = Some(estate.generation());
        self.refilter(estate);
    }

    fn rerank(&mut self) {
        self.rank = self.scopes.iter().map(|ix| vec![0; ix.len()]).collect();
        for (pos, r) in self.base.iter().enumerate() {
            if let Some(slot) = self
                .rank
                .get_mut(r.scope as usize)
                .and_then(|v| v.get_mut(r.idx as usize))
            {
                *slot = pos as u32;
            }
        }
    }

    fn sort_order(&mut self) {
        self.order.clone_from(&self.base);
        if self.sort != Column::Account {
            let (scopes, rank, col) = (&self.scopes, &self.rank, self.sort);
            self.order
                .sort_unstable_by(|a, b| compare(scopes, rank, col, *a, *b));
        }
    }

    /// Same as typing `text` in the filter bar. A bad filter keeps the last good one's
    /// rows and records the error.
    pub fn set_filter(&mut self, estate: &Estate, text: &str) {
        self.filter_text = text.to_string();
        match Filter::parse(text) {
            Ok(f) => {
                self.filter_error = None;
                if f != self.filter {
                    self.filter = f;
                    self.refilter(estate);
                }
            }
            Err(e) => self.filter_error = Some(e),
        }
    }

    pub fn filter_text(&self) -> &str {
        &self.filter_text
    }

    pub fn filter_error(&self) -> Option<&FilterError> {
        self.filter_error.as_ref()
    }

    pub fn is_filtered(&self) -> bool {
        !self.filter.is_empty()
    }

    pub fn sort(&self) -> (Column, bool) {
        (self.sort, self.descending)
    }

    pub fn set_sort(&mut self, estate: &Estate, col: Column, descending: bool) {
        if col != self.sort {
            self.sort = col;
            self.sort_order();
        }
        self.descending = descending;
        self.collect_filtered(estate);
    }

    /// Shows only the scopes whose entry in `mask` is true (empty: every scope).
    pub fn set_scope_mask(&mut self, estate: &Estate, mask: Vec<bool>) {
        if mask != self.scope_mask {
            self.scope_mask = mask;
            self.refilter(estate);
        }
    }

    fn refilter(&mut self, estate: &Estate) {
        let mask = &self.scope_mask;
        self.matched = self
            .scopes
            .iter()
            .enumerate()
            .map(|(s, ix)| {
                if mask.get(s).copied().unwrap_or(true) {
                    match_scope(ix, estate.scope_nodes(s as u32), &self.filter)
                } else {
                    vec![false; ix.len()]
                }
            })
            .collect();
        self.collect_filtered(estate);
    }

    fn collect_filtered(&mut self, estate: &Estate) {
        let matched = &self.matched;
        let keep = |r: &&RowRef| {
            matched
                .get(r.scope as usize)
                .and_then(|m| m.get(r.idx as usize))
                .copied()
                .unwrap_or(false)
        };
        self.filtered.clear();
        if self.descending {
            self.filtered.extend(self.order.iter().rev().filter(keep));
        } else {
            self.filtered.extend(self.order.iter().filter(keep));
        }
        self.relocate(estate);
    }

    /// Puts the selection back on the node it followed, or keeps it in range.
    fn relocate(&mut self, estate: &Estate) {
        if let Some((scope, id)) = &self.selected_key {
            let is_it = |r: &RowRef| {
                r.scope == *scope
                    && estate
                        .node(r.scope, r.idx)
                        .is_some_and(|n| n.instance_id == *id)
            };
            if self.filtered.get(self.view.selected).is_some_and(is_it) {
                return;
            }
            if let Some(pos) = self.filtered.iter().position(is_it) {
                self.view.selected = pos;
                return;
            }
        }
        self.view.selected = self
            .view
            .selected
            .min(self.filtered.len().saturating_sub(1));
    }

    fn remember_selection(&mut self, estate: &Estate) {
        self.selected_key = self
            .filtered
            .get(self.view.selected)
            .and_then(|r| estate.node(r.scope, r.idx))
            .map(|n| (n.scope, n.instance_id.clone()));
    }

    /// The rows shown, in order.
    pub fn rows(&self) -> &[RowRef] {
        &self.filtered
    }

    pub fn len(&self) -> usize {
        self.filtered.len()
    }

    pub fn is_empty(&self) -> bool {
        self.filtered.is_empty()
    }

    pub fn selected(&self) -> usize {
        self.view.selected
    }

    pub fn selected_row(&self) -> Option<RowRef> {
        self.filtered.get(self.view.selected).copied()
    }

    pub fn selected_node<'e>(&self, estate: &'e Estate) -> Option<&'e ManagedNode> {
        self.selected_row()
            .and_then(|r| estate.node(r.scope, r.idx))
    }

    /// Selects row `index` (clamped).
    pub fn select(&mut self, estate: &Estate, index: usize) {
        self.view.select(index, self.filtered.len());
        self.remember_selection(estate);
    }

    /// Selects node `instance_id` of `scope` (any scope when `None`) if it is shown.
    pub fn select_node(
        &mut self,
        estate: &Estate,
        scope: Option<ScopeId>,
        instance_id: &str,
    ) -> bool {
        let pos = self.filtered.iter().position(|r| {
            scope.is_none_or(|s| s == r.scope)
                && estate
                    .node(r.scope, r.idx)
                    .is_some_and(|n| n.instance_id == instance_id)
        });
        match pos {
            Some(p) => {
                self.select(estate, p);
                true
            }
            None => false,
        }
    }

    pub fn move_by(&mut self, estate: &Estate, delta: isize) {
        let target = self.view.selected.saturating_add_signed(delta);
        self.select(estate, target);
    }

    pub fn page(&self) -> usize {
        self.view.page
    }

    pub fn offset(&self) -> usize {
        self.view.offset
    }

    /// Records the number of rows the table shows; keeps the selection in view.
    pub fn set_page(&mut self, rows: usize) {
        self.view.set_page(rows, self.filtered.len());
    }

    /// Scrolls the viewport by `delta` rows, dragging the selection along if it would
    /// leave the view.
    pub fn scroll_by(&mut self, estate: &Estate, delta: isize) {
        if self.view.scroll_by(delta, self.filtered.len()) {
            self.remember_selection(estate);
        }
    }
}

/// Which of a scope's nodes pass every term of `filter`.
fn match_scope(ix: &ScopeIndex, nodes: &[ManagedNode], filter: &Filter) -> Vec<bool> {
    let n = ix.len();
    let mut keep = vec![true; n];
    let mut hits = vec![false; n];
    for term in &filter.terms {
        match &term.matcher {
            Matcher::Any(needle) => {
                hits.fill(needle.is_empty());
                if !needle.is_empty() {
                    ix.scan_any(&memmem::Finder::new(needle.as_bytes()), &mut hits);
                }
            }
            Matcher::Column(col, needle) => {
                let finder = memmem::Finder::new(needle.as_bytes());
                let slot = col.text_slot().unwrap_or(0);
                for (row, h) in hits.iter_mut().enumerate() {
                    *h = keep[row] && finder.find(ix.field(row, slot)).is_some();
                }
            }
            Matcher::Tag { key, value } => {
                let finder = memmem::Finder::new(value.as_bytes());
                for (row, h) in hits.iter_mut().enumerate() {
                    *h = keep[row]
                        && tag_position(nodes.get(row), key)
                            .is_some_and(|i| finder.find(ix.tag_value(row, i)).is_some());
                }
            }
        }
        for (k, h) in keep.iter_mut().zip(&hits) {
            *k = *k && (*h != term.negate);
        }
    }
    keep
}

/// Index of tag `key` (lowercase) among a node's tags.
fn tag_position(node: Option<&ManagedNode>, key: &str) -> Option<usize> {
    node?.tags.as_ref()?.iter().position(|(k, _)| {
        if k.is_ascii() {
            k.eq_ignore_ascii_case(key)
        } else {
            k.to_lowercase() == key
        }
    })
}

/// Two rows of the index, each in its scope's columns.
#[derive(Clone, Copy)]
struct Pair<'s> {
    ia: &'s ScopeIndex,
    ib: &'s ScopeIndex,
    ra: usize,
    rb: usize,
}

impl<'s> Pair<'s> {
    /// `None` when a row's scope is not in the index.
    fn of(scopes: &'s [ScopeIndex], a: RowRef, b: RowRef) -> Option<Pair<'s>> {
        Some(Pair {
            ia: scopes.get(a.scope as usize)?,
            ib: scopes.get(b.scope as usize)?,
            ra: a.idx as usize,
            rb: b.idx as usize,
        })
    }

    /// The two rows' text in `c`, compared.
    fn text(&self, c: Column) -> Ordering {
        let slot = c.text_slot().unwrap_or(0);
        self.ia
            .field(self.ra, slot)
            .cmp(self.ib.field(self.rb, slot))
    }
}

/// Account, region, instance id; then position, so the order is total.
fn compare_base(scopes: &[ScopeIndex], a: RowRef, b: RowRef) -> Ordering {
    let Some(p) = Pair::of(scopes, a, b) else {
        return a.cmp(&b);
    };
    let field = |c| p.text(c);
    field(Column::Account)
        .then_with(|| field(Column::Region))
        .then_with(|| field(Column::InstanceId))
        .then_with(|| a.cmp(&b))
}

/// By `col`, ties broken by the base order (`rank`).
fn compare(
    scopes: &[ScopeIndex],
    rank: &[Vec<u32>],
    col: Column,
    a: RowRef,
    b: RowRef,
) -> Ordering {
    let rank_of = |r: RowRef| {
        rank.get(r.scope as usize)
            .and_then(|v| v.get(r.idx as usize))
            .copied()
    };
    let tie = || rank_of(a).cmp(&rank_of(b)).then_with(|| a.cmp(&b));
    let Some(p) = Pair::of(scopes, a, b) else {
        return a.cmp(&b);
    };
    let Pair { ia, ib, ra, rb } = p;
    let field = |c| p.text(c);
    let primary = match col {
        Column::Account => Ordering::Equal,
        Column::Ping => ia.ping.get(ra).cmp(&ib.ping.get(rb)),
        Column::LastPing => ia.last_ping.get(ra).cmp(&ib.last_ping.get(rb)),
        Column::Ip => ia
            .ip
            .get(ra)
            .cmp(&ib.ip.get(rb))
            .then_with(|| field(Column::Ip)),
        Column::Agent => {
            let slot = Column::Agent.text_slot().unwrap_or(0);
            compare_versions(
                &String::from_utf8_lossy(ia.field(ra, slot)),
                &String::from_utf8_lossy(ib.field(rb, slot)),
            )
            .then_with(|| field(Column::Agent))
        }
        c => field(c),
    };
    primary.then_with(tie)
}

/// Merges two sorted vectors.
fn merge<T: Copy>(a: Vec<T>, b: Vec<T>, mut cmp: impl FnMut(&T, &T) -> Ordering) -> Vec<T> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if cmp(&b[j], &a[i]) == Ordering::Less {
            out.push(b[j]);
            j += 1;
        } else {
            out.push(a[i]);
            i += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

impl PaneKind for NodesView {
    const TITLE: &'static str = "Nodes";
    const SHORT: &'static str = "Node";
    const ALIASES: &'static [&'static str] = &["nodes", "no", "node"];
    // Activations carry the instance tier the nodes table marks on-premises nodes with.
    const FEEDS: &'static [Feed] = &[Feed::Nodes, Feed::Activations];
}

/// Nodes pane with sessions (not in read-only mode).
/// The nodes pane's status bar hints; read-only mode drops the sessions'.
const FOOTER: &[KeyHint] = table_hints![
    KeyHint::table("s", &[Action::SortNext], "sort"),
    KeyHint::table("⏎", &[Action::Details], "details"),
    KeyHint::pane("c", &[PaneAction::Shell], "shell"),
    KeyHint::pane("p", &[PaneAction::Forward], "forward"),
];

impl List for NodesView {
    fn filter_text(&self) -> &str {
        NodesView::filter_text(self)
    }
    fn filter_error(&self) -> Option<&FilterError> {
        NodesView::filter_error(self)
    }
    fn len(&self) -> usize {
        NodesView::len(self)
    }
    fn offset(&self) -> usize {
        NodesView::offset(self)
    }
}

/// The nodes table with the estate its rows index.
struct Rows<'a> {
    view: &'a mut NodesView,
    estate: &'a Estate,
}

impl List for Rows<'_> {
    fn filter_text(&self) -> &str {
        self.view.filter_text()
    }
    fn filter_error(&self) -> Option<&FilterError> {
        self.view.filter_error()
    }
    fn len(&self) -> usize {
        self.view.len()
    }
    fn offset(&self) -> usize {
        self.view.offset()
    }
}

impl ListMut for Rows<'_> {
    fn set_filter(&mut self, text: &str) {
        self.view.set_filter(self.estate, text);
    }
    fn move_by(&mut self, delta: isize) {
        self.view.move_by(self.estate, delta);
    }
    fn scroll_by(&mut self, delta: isize) {
        self.view.scroll_by(self.estate, delta);
    }
    fn select(&mut self, row: usize) {
        self.view.select(self.estate, row);
    }
    fn set_page(&mut self, rows: usize) {
        self.view.set_page(rows);
    }
    fn sort_by_header(&mut self, i: usize) -> bool {
        let Some(col) = Column::ALL.get(i).copied() else {
            return false;
        };
        let (cur, desc) = self.view.sort();
        self.view.set_sort(self.estate, col, cur == col && !desc);
        true
    }
    fn nav(&mut self, action: Option<Action>) -> bool {
        let (nodes, estate) = (&mut *self.view, self.estate);
        let page = nodes.page() as isize;
        match action {
            Some(Action::HalfPageDown) => nodes.move_by(estate, (page / 2).max(1)),
            Some(Action::HalfPageUp) => nodes.move_by(estate, -(page / 2).max(1)),
            Some(Action::PageDown) => nodes.move_by(estate, page),
            Some(Action::PageUp) => nodes.move_by(estate, -page),
            Some(Action::Down) => nodes.move_by(estate, 1),
            Some(Action::Up) => nodes.move_by(estate, -1),
            Some(Action::Top) => nodes.select(estate, 0),
            Some(Action::Bottom) => nodes.select(estate, usize::MAX),
            Some(Action::SortNext) => {
                let (col, _) = nodes.sort();
                nodes.set_sort(estate, col.next(), false);
            }
            Some(Action::SortPrev) => {
                let (col, _) = nodes.sort();
                nodes.set_sort(estate, col.prev(), false);
            }
            Some(Action::SortReverse) => {
                let (col, desc) = nodes.sort();
                nodes.set_sort(estate, col, !desc);
            }
            _ => return false,
        }
        true
    }
}

impl Component for NodesView {
    fn help(&self) -> &'static [KeyHint] {
        const HELP: &[KeyHint] = &[KeyHint::pane(
            "i",
            &[PaneAction::Inventory],
            "nodes: inventory of the node",
        )];
        HELP
    }
    fn footer(&self) -> &'static [KeyHint] {
        FOOTER
    }
    fn sync(&mut self, cx: &Cx) {
        NodesView::sync(self, cx.estate);
    }
    fn list(&self, _cx: &Cx) -> Option<&dyn List> {
        Some(self)
    }
    fn list_mut<'a>(&'a mut self, cx: &Cx<'a>) -> Option<Box<dyn ListMut + 'a>> {
        Some(Box::new(Rows {
            view: self,
            estate: cx.estate,
        }))
    }
    fn on_key(
        &mut self,
        key: &KeyEvent,
        action: Option<Action>,
        cx: &Cx,
        out: &mut Vec<Cmd>,
    ) -> bool {
        let node = self
            .selected_node(cx.estate)
            .map(|n| (n.scope, n.instance_id.clone()));
        if action == Some(Action::Details) {
            if let Some((scope, instance_id)) = node {
                out.push(Cmd::Open(Overlay::Detail {
                    scope,
                    instance_id,
                    scroll: 0,
                }));
            }
            return true;
        }
        match cx.pane_action(key, pane_keys::NODES) {
            Some(PaneAction::Shell) => out.push(Cmd::OpenShell),
            Some(PaneAction::Forward) => out.push(Cmd::OpenForward),
            Some(PaneAction::Inventory) => match node {
                Some((scope, instance_id)) => out.push(Cmd::ShowInventory { scope, instance_id }),
                None => return false,
            },
            _ => return false,
        }
        true
    }
}
