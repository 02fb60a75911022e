//! A generic virtual table: a lowercase haystack per row, sort order, the filter grammar
//! of [`Filter`], selection that follows its row across refreshes, and a [`Viewport`].
//! The OpsCenter, compliance and inventory panes are made of it; rows are positions in a
//! pane-provided [`TableSource`]. The nodes table shares the grammar and the viewport but
//! keeps its own per-scope index, so that one scope's refresh of 100k rows stays cheap.

use std::borrow::Cow;
use std::cmp::Ordering;

use memchr::memmem;

use super::filter::{Filter, FilterColumn, FilterError, Matcher, push_lower};
use crate::model::{Estate, Feed, ScopeId, compare_versions};

/// Ends every field and tag value in a haystack (control characters never reach one).
const SEP: u8 = 0x1f;

/// The columns of a table.
pub trait TableColumn: FilterColumn + 'static {
    /// Left to right.
    const ALL: &'static [Self];
    fn title(self) -> &'static str;
}

/// Where a table's rows come from.
pub trait TableSource {
    type Col: TableColumn;
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The text of a cell, as shown and searched.
    fn cell(&self, row: usize, col: Self::Col) -> Cow<'_, str>;
    /// A numeric sort key (severity rank, time, count); `None` sorts by text.
    fn sort_key(&self, _row: usize, _col: Self::Col) -> Option<i64> {
        None
    }
    /// Whether a column holds versions, sorted by their parts (`1.10` after `1.9`)
    /// rather than as text.
    fn sorts_as_version(&self, _col: Self::Col) -> bool {
        false
    }
    /// Extra searchable values, reachable with `tag:KEY=value`.
    fn tags(&self, _row: usize) -> &[(String, String)] {
        &[]
    }
    /// What the selection follows across refreshes.
    fn row_key(&self, row: usize) -> String;
}

/// Selection, scroll and page height of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewport {
    pub selected: usize,
    pub offset: usize,
    pub page: usize,
}

impl Default for Viewport {
    fn default() -> Self {
        Viewport {
            selected: 0,
            offset: 0,
            page: 20,
        }
    }
}

impl Viewport {
    /// Selects `index`, clamped to `len` rows, and keeps it in view.
    pub fn select(&mut self, index: usize, len: usize) {
        self.selected = index.min(len.saturating_sub(1));
        self.keep_visible(len);
    }

    pub fn move_by(&mut self, delta: isize, len: usize) {
        self.select(self.selected.saturating_add_signed(delta), len);
    }

    pub fn set_page(&mut self, rows: usize, len: usize) {
        self.page = rows.max(1);
        self.keep_visible(len);
    }

    /// Scrolls by `delta` rows, dragging the selection along; true if it moved.
    pub fn scroll_by(&mut self, delta: isize, len: usize) -> bool {
        let max_offset = len.saturating_sub(self.page);
        self.offset = self.offset.saturating_add_signed(delta).min(max_offset);
        let last = self.offset + self.page - 1;
        let sel = self
            .selected
            .clamp(self.offset, last)
            .min(len.saturating_sub(1));
        let moved = sel != self.selected;
        self.selected = sel;
        moved
    }

    pub fn keep_visible(&mut self, len: usize) {
        self.selected = self.selected.min(len.saturating_sub(1));
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + self.page {
            self.offset = self.selected + 1 - self.page;
        }
        self.offset = self.offset.min(len.saturating_sub(self.page));
    }

    /// The rows in view: `offset..end`.
    pub fn visible(&self, len: usize) -> std::ops::Range<usize> {
        let start = self.offset.min(len);
        start..(start + self.page).min(len)
    }
}

/// Table state over a [`TableSource`]: rows are source positions.
#[derive(Debug)]
pub struct TableView<C: TableColumn> {
    /// The source version the index reflects.
    version: Option<u64>,
    /// Rows back to back: the column fields, then tag values, each ended by [`SEP`].
    text: Vec<u8>,
    row_start: Vec<u32>,
    /// Per row, the start of each column field plus the start of its tags.
    fields: Vec<u32>,
    keys: Vec<Option<i64>>,
    /// Per column slot: its text sorts as a version.
    versions: Vec<bool>,
    row_keys: Vec<String>,
    /// Every row, ascending by the sort column.
    order: Vec<u32>,
    filtered: Vec<u32>,
    filter_text: String,
    filter: Filter<C>,
    filter_error: Option<FilterError>,
    sort: C,
    descending: bool,
    view: Viewport,
    selected_key: Option<String>,
    /// The columns indexed, left to right.
    cols: Vec<C>,
    /// Filter keys of `cols` when they are named at run time (lowercase).
    names: Vec<String>,
}

impl<C: TableColumn> TableView<C> {
    pub fn new(sort: C, descending: bool) -> TableView<C> {
        TableView {
            version: None,
            text: Vec::new(),
            row_start: vec![0],
            fields: Vec::new(),
            keys: Vec::new(),
            versions: Vec::new(),
            row_keys: Vec::new(),
            order: Vec::new(),
            filtered: Vec::new(),
            filter_text: String::new(),
            filter: Filter::default(),
            filter_error: None,
            sort,
            descending,
            view: Viewport::default(),
            selected_key: None,
            cols: C::ALL.to_vec(),
            names: Vec::new(),
        }
    }

    /// Indexes only `cols`, named `names` in filter terms (e.g. inventory attributes).
    /// Takes effect at the next rebuild.
    pub fn set_columns(&mut self, cols: Vec<C>, names: Vec<String>) {
        if cols != self.cols || names != self.names {
            self.cols = cols;
            self.names = names.iter().map(|n| super::filter::lower(n)).collect();
            self.version = None;
            if !self.cols.contains(&self.sort)
                && let Some(first) = self.cols.first()
            {
                self.sort = *first;
            }
        }
    }

    pub fn columns(&self) -> &[C] {
        &self.cols
    }

    fn ncols(&self) -> usize {
        self.cols.len()
    }

    fn col_slot(&self, col: C) -> usize {
        self.cols.iter().position(|c| *c == col).unwrap_or(0)
    }

    /// The source version indexed last.
    pub fn version(&self) -> Option<u64> {
        self.version
    }

    /// Re-indexes when `version` moved (or always, for `None`).
    pub fn sync<S: TableSource<Col = C>>(&mut self, src: &S, version: u64) {
        if self.version != Some(version) {
            self.rebuild(src);
            self.version = Some(version);
        }
    }

    /// Re-indexes every row, re-sorts and re-filters.
    pub fn rebuild<S: TableSource<Col = C>>(&mut self, src: &S) {
        let n = src.len();
        let nc = self.ncols();
        let cols = std::mem::take(&mut self.cols);
        self.text.clear();
        self.row_start.clear();
        self.fields.clear();
        self.keys.clear();
        self.row_keys.clear();
        self.fields.reserve(n * (nc + 1));
        self.keys.reserve(n * nc);
        let mut buf = String::with_capacity(256);
        for row in 0..n {
            buf.clear();
            let base = self.text.len() as u32;
            self.row_start.push(base);
            for col in &cols {
                self.fields.push(base + buf.len() as u32);
                push_lower(&mut buf, &src.cell(row, *col));
                buf.push(char::from(SEP));
                self.keys.push(src.sort_key(row, *col));
            }
            self.fields.push(base + buf.len() as u32);
            for (_, v) in src.tags(row) {
                push_lower(&mut buf, v);
                buf.push(char::from(SEP));
            }
            self.text.extend_from_slice(buf.as_bytes());
            self.row_keys.push(src.row_key(row));
        }
        self.row_start.push(self.text.len() as u32);
        self.versions = cols.iter().map(|c| src.sorts_as_version(*c)).collect();
        self.cols = cols;
        self.sort_order();
        self.refilter(src);
    }

    fn field(&self, row: usize, slot: usize) -> &[u8] {
        let nc = self.ncols() + 1;
        let (Some(s), Some(e)) = (
            self.fields.get(row * nc + slot),
            self.fields.get(row * nc + slot + 1),
        ) else {
            return &[];
        };
        self.text
            .get(*s as usize..(*e as usize).saturating_sub(1))
            .unwrap_or(&[])
    }

    fn key(&self, row: usize, slot: usize) -> Option<i64> {
        self.keys.get(row * self.ncols() + slot).copied().flatten()
    }

    fn sort_order(&mut self) {
        let slot = self.col_slot(self.sort);
        let version = self.versions.get(slot).copied().unwrap_or(false);
        let mut order: Vec<u32> = (0..self.row_keys.len() as u32).collect();
        order.sort_by(|a, b| {
            let (a, b) = (*a as usize, *b as usize);
            let primary = match (self.key(a, slot), self.key(b, slot)) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) if version => compare_versions(
                    &String::from_utf8_lossy(self.field(a, slot)),
                    &String::from_utf8_lossy(self.field(b, slot)),
                )
                .then_with(|| self.field(a, slot).cmp(self.field(b, slot))),
                (None, None) => self.field(a, slot).cmp(self.field(b, slot)),
            };
            primary.then(a.cmp(&b))
        });
        self.order = order;
    }

    /// Same as typing `text` in the filter bar; a bad filter keeps the last good rows.
    pub fn set_filter<S: TableSource<Col = C>>(&mut self, src: &S, text: &str) {
        self.filter_text = text.to_string();
        let parsed = if self.names.is_empty() {
            Filter::<C>::parse_for(text)
        } else {
            let (cols, names) = (&self.cols, &self.names);
            Filter::parse_with(
                text,
                |k| {
                    let k = super::filter::lower(k);
                    names
                        .iter()
                        .position(|n| *n == k)
                        .and_then(|i| cols.get(i).copied())
                },
                "a column title",
            )
        };
        match parsed {
            Ok(f) => {
                self.filter_error = None;
                if f != self.filter {
                    self.filter = f;
                    self.refilter(src);
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

    pub fn sort(&self) -> (C, bool) {
        (self.sort, self.descending)
    }

    pub fn set_sort<S: TableSource<Col = C>>(&mut self, src: &S, col: C, descending: bool) {
        if col != self.sort {
            self.sort = col;
            self.sort_order();
        }
        self.descending = descending;
        self.refilter(src);
    }

    /// The next sort column (`step` 1) or the previous one (-1), ascending.
    pub fn cycle_sort<S: TableSource<Col = C>>(&mut self, src: &S, step: isize) {
        let n = self.cols.len() as isize;
        if n == 0 {
            return;
        }
        let at = self.col_slot(self.sort) as isize;
        let next = self.cols[(at + step).rem_euclid(n) as usize];
        self.set_sort(src, next, false);
    }

    pub fn reverse<S: TableSource<Col = C>>(&mut self, src: &S) {
        self.set_sort(src, self.sort, !self.descending);
    }

    fn matches(&self, row: usize) -> bool {
        for term in &self.filter.terms {
            let hit = match &term.matcher {
                Matcher::Any(needle) => {
                    let (s, e) = (
                        self.row_start[row] as usize,
                        self.row_start[row + 1] as usize,
                    );
                    memmem::find(self.text.get(s..e).unwrap_or(&[]), needle.as_bytes()).is_some()
                }
                Matcher::Column(col, needle) => {
                    memmem::find(self.field(row, self.col_slot(*col)), needle.as_bytes()).is_some()
                }
                Matcher::Tag { .. } => false,
            };
            if hit == term.negate {
                return false;
            }
        }
        true
    }

    fn refilter<S: TableSource<Col = C>>(&mut self, src: &S) {
        let tag_terms = self
            .filter
            .terms
            .iter()
            .any(|t| matches!(t.matcher, Matcher::Tag { .. }));
        let mut out = Vec::with_capacity(self.order.len());
        let rows: Box<dyn Iterator<Item = &u32>> = if self.descending {
            Box::new(self.order.iter().rev())
        } else {
            Box::new(self.order.iter())
        };
        for r in rows {
            let row = *r as usize;
            if self.matches(row) && (!tag_terms || self.tags_match(src, row)) {
                out.push(*r);
            }
        }
        self.filtered = out;
        self.relocate();
    }

    fn tags_match<S: TableSource<Col = C>>(&self, src: &S, row: usize) -> bool {
        let tags = src.tags(row);
        self.filter.terms.iter().all(|t| match &t.matcher {
            Matcher::Tag { key, value } => {
                let hit = tags.iter().any(|(k, v)| {
                    k.to_lowercase() == *key && v.to_lowercase().contains(value.as_str())
                });
                hit != t.negate
            }
            _ => true,
        })
    }

    fn relocate(&mut self) {
        if let Some(key) = &self.selected_key
            && let Some(pos) = self
                .filtered
                .iter()
                .position(|r| self.row_keys.get(*r as usize) == Some(key))
        {
            self.view.selected = pos;
        }
        self.view.keep_visible(self.filtered.len());
    }

    fn remember(&mut self) {
        self.selected_key = self
            .filtered
            .get(self.view.selected)
            .and_then(|r| self.row_keys.get(*r as usize))
            .cloned();
    }

    /// The source rows shown, in order.
    pub fn rows(&self) -> &[u32] {
        &self.filtered
    }

    pub fn len(&self) -> usize {
        self.filtered.len()
    }

    pub fn is_empty(&self) -> bool {
        self.filtered.is_empty()
    }

    /// `None` while rows are shown; with none, `Some` of whether a filter hides them.
    pub fn empty_state(&self) -> Option<bool> {
        self.is_empty().then(|| !self.filter_text().is_empty())
    }

    /// Rows before the filter.
    pub fn total(&self) -> usize {
        self.row_keys.len()
    }

    pub fn viewport(&self) -> Viewport {
        self.view
    }

    pub fn selected(&self) -> usize {
        self.view.selected
    }

    /// The source row under the selection.
    pub fn selected_row(&self) -> Option<usize> {
        self.filtered.get(self.view.selected).map(|r| *r as usize)
    }

    pub fn select(&mut self, index: usize) {
        self.view.select(index, self.filtered.len());
        self.remember();
    }

    /// Selects the row whose key is `key`, if shown.
    pub fn select_key(&mut self, key: &str) -> bool {
        let Some(pos) = self
            .filtered
            .iter()
            .position(|r| self.row_keys.get(*r as usize).is_some_and(|k| k == key))
        else {
            return false;
        };
        self.select(pos);
        true
    }

    pub fn move_by(&mut self, delta: isize) {
        self.view.move_by(delta, self.filtered.len());
        self.remember();
    }

    pub fn scroll_by(&mut self, delta: isize) {
        if self.view.scroll_by(delta, self.filtered.len()) {
            self.remember();
        }
    }

    pub fn set_page(&mut self, rows: usize) {
        self.view.set_page(rows, self.filtered.len());
    }

    pub fn page(&self) -> usize {
        self.view.page
    }
}

/// The scopes shown under `mask` (a scope past its end is shown).
pub fn shown_scopes<'a>(estate: &Estate, mask: &'a [bool]) -> impl Iterator<Item = ScopeId> + 'a {
    (0..estate.scopes().len() as ScopeId)
        .filter(move |s| mask.get(*s as usize).copied().unwrap_or(true))
}

/// Re-collects `refs`, the (scope, index) of the `count` rows of `feed` in each scope
/// shown under `mask`, when the feed or the mask moved since `key`; true when it did.
pub(super) fn collect_refs(
    key: &mut Option<(u64, Vec<bool>)>,
    refs: &mut Vec<(ScopeId, u32)>,
    estate: &Estate,
    mask: &[bool],
    feed: Feed,
    count: impl Fn(&Estate, ScopeId) -> usize,
) -> bool {
    let now = (estate.feed_generation(feed), mask.to_vec());
    if key.as_ref() == Some(&now) {
        return false;
    }
    refs.clear();
    for s in shown_scopes(estate, mask) {
        let n = count(estate, s) as u32;
        refs.extend((0..n).map(|i| (s, i)));
    }
    *key = Some(now);
    true
}

/// The Account cell of a row of `scope`: `name (id)`.
pub fn account_cell(estate: &Estate, scope: ScopeId) -> Cow<'_, str> {
    estate.scope(scope).map_or(Cow::Borrowed(""), |s| {
        Cow::Owned(format!("{} ({})", s.scope.account.name, s.scope.account.id))
    })
}

/// The Region cell of a row of `scope`.
pub fn region_cell(estate: &Estate, scope: ScopeId) -> Cow<'_, str> {
    estate
        .scope(scope)
        .map_or(Cow::Borrowed(""), |s| Cow::Borrowed(&s.scope.region))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Col {
        Name,
        Size,
    }

    impl FilterColumn for Col {
        fn from_filter_key(key: &str) -> Option<Col> {
            match key {
                "name" => Some(Col::Name),
                "size" => Some(Col::Size),
                _ => None,
            }
        }
        fn filter_keys() -> &'static str {
            "name, size"
        }
    }

    impl TableColumn for Col {
        const ALL: &'static [Col] = &[Col::Name, Col::Size];
        fn title(self) -> &'static str {
            match self {
                Col::Name => "Name",
                Col::Size => "Size",
            }
        }
    }

    struct Src(Vec<(&'static str, i64)>);

    impl TableSource for Src {
        type Col = Col;
        fn len(&self) -> usize {
            self.0.len()
        }
        fn cell(&self, row: usize, col: Col) -> Cow<'_, str> {
            match col {
                Col::Name => Cow::Borrowed(self.0[row].0),
                Col::Size => Cow::Owned(self.0[row].1.to_string()),
            }
        }
        fn sort_key(&self, row: usize, col: Col) -> Option<i64> {
            (col == Col::Size).then(|| self.0[row].1)
        }
        fn row_key(&self, row: usize) -> String {
            self.0[row].0.to_string()
        }
    }

    fn src() -> Src {
        Src(vec![
            ("delta", 10),
            ("Alpha", 2),
            ("charlie", 100),
            ("bravo", 2),
        ])
    }

    fn names(t: &TableView<Col>, s: &Src) -> Vec<&'static str> {
        t.rows().iter().map(|r| s.0[*r as usize].0).collect()
    }

    #[test]
    fn sorts_by_text_or_key_and_filters() {
        let s = src();
        let mut t = TableView::new(Col::Name, false);
        t.sync(&s, 1);
        assert_eq!(names(&t, &s), ["Alpha", "bravo", "charlie", "delta"]);
        t.set_sort(&s, Col::Size, true);
        assert_eq!(names(&t, &s), ["charlie", "delta", "bravo", "Alpha"]);
        t.set_filter(&s, "size=2");
        assert_eq!(names(&t, &s), ["bravo", "Alpha"]);
        t.set_filter(&s, "!a");
        assert!(t.is_empty());
        t.set_filter(&s, "colour=x");
        assert!(t.filter_error().is_some());
        assert!(t.is_empty(), "a bad filter keeps the last rows");
        t.set_filter(&s, "");
        assert_eq!(t.len(), 4);
    }

    /// Names and versions; the second column sorts as a version.
    struct Versions(Vec<(&'static str, &'static str)>);

    impl TableSource for Versions {
        type Col = Col;
        fn len(&self) -> usize {
            self.0.len()
        }
        fn cell(&self, row: usize, col: Col) -> Cow<'_, str> {
            match col {
                Col::Name => Cow::Borrowed(self.0[row].0),
                Col::Size => Cow::Borrowed(self.0[row].1),
            }
        }
        fn sorts_as_version(&self, col: Col) -> bool {
            col == Col::Size
        }
        fn row_key(&self, row: usize) -> String {
            self.0[row].0.to_string()
        }
    }

    #[test]
    fn version_columns_sort_by_parts() {
        let s = Versions(vec![
            ("a", "2.3.1000"),
            ("b", "1.10"),
            ("c", "2.3.999"),
            ("d", "1.9"),
            ("e", "1.9"),
        ]);
        let mut t = TableView::new(Col::Size, false);
        t.sync(&s, 1);
        let order = |t: &TableView<Col>| -> Vec<&str> {
            t.rows().iter().map(|r| s.0[*r as usize].0).collect()
        };
        assert_eq!(order(&t), ["d", "e", "b", "c", "a"]);
        t.reverse(&s);
        assert_eq!(order(&t), ["a", "c", "b", "e", "d"]);
        // Other columns still sort as text.
        t.set_sort(&s, Col::Name, false);
        assert_eq!(order(&t), ["a", "b", "c", "d", "e"]);
    }

    #[test]
    fn selection_follows_its_row() {
        let s = src();
        let mut t = TableView::new(Col::Name, false);
        t.sync(&s, 1);
        t.select(2);
        assert_eq!(t.selected_row().map(|r| s.0[r].0), Some("charlie"));
        t.reverse(&s);
        assert_eq!(t.selected_row().map(|r| s.0[r].0), Some("charlie"));
        let s2 = Src(vec![("charlie", 1)]);
        t.sync(&s2, 2);
        assert_eq!(t.selected(), 0);
        let empty = Src(Vec::new());
        t.sync(&empty, 3);
        assert_eq!(t.selected_row(), None);
        t.move_by(5);
        t.scroll_by(-3);
        assert_eq!(t.selected_row(), None);
    }
}
