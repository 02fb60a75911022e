//! The parameters, baselines, documents and packages panes: a table each, drawn the same
//! way. The detail views are in `ui/parameters_detail.rs`.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::table::{
    ColSpec, TablePane, account_name, col, count_refs, counts_title, grow, plain, tinted,
};
use super::text::{age, thousands};
use crate::app::{App, BaseCol, DocCol, Drawn, ParamCol, TableSource};
use crate::model::Feed;

const PARAM_SPECS: [ColSpec; 8] = [
    grow(20, 48), // name
    col(6, 12),   // type
    col(8, 8),    // tier
    col(3, 4),    // version
    col(4, 8),    // modified
    grow(10, 40), // description
    col(8, 16),   // account
    col(9, 14),   // region
];

pub fn draw_parameters(buf: &mut Buffer, area: Rect, app: &App, out: &mut Drawn) {
    let theme = *app.theme();
    let c = &app.panes.parameters;
    let secure = count_refs(
        &c.list.refs,
        |s| app.estate.scope_parameters(s),
        |p| p.is_secure(),
    );
    let path = if c.path == "/" {
        String::new()
    } else {
        format!(" under {}", c.path)
    };
    let title = counts_title(
        &format!("Parameters{path}"),
        &[
            (c.list.table.total(), ""),
            (secure, "SecureString"),
            (c.list.table.len(), "shown"),
        ],
    );
    let pane = TablePane {
        title: Some(&title),
        feed: Feed::Parameters,
        also: &[],
        specs: &PARAM_SPECS,
        table: &c.list.table,
        what: "parameters",
    };
    let src = c.rows(&app.estate);
    let now = app.now();
    pane.draw(buf, area, app, out, &src, |row, col, text| {
        let item = src.item(row);
        match col {
            ParamCol::Type => {
                let secure = item.is_some_and(|p| p.is_secure());
                tinted(text, if secure { theme.warn } else { theme.fg })
            }
            ParamCol::Tier => {
                let advanced = item.is_some_and(|p| p.tier == "Advanced");
                tinted(text, if advanced { theme.accent } else { theme.muted })
            }
            ParamCol::Modified => tinted(age(now, item.and_then(|p| p.last_modified)), theme.muted),
            ParamCol::Description => tinted(text, theme.muted),
            ParamCol::Account => plain(account_name(app, item.map(|i| i.scope))),
            _ => plain(text),
        }
    });
}

const BASE_SPECS: [ColSpec; 11] = [
    grow(16, 30), // name
    col(7, 17),   // os
    col(7, 7),    // default
    grow(12, 28), // approval
    col(3, 8),    // approved
    col(3, 8),    // rejected
    grow(10, 26), // groups
    col(3, 5),    // nodes
    col(4, 14),   // missing
    col(8, 16),   // account
    col(9, 14),   // region
];

pub fn draw_baselines(buf: &mut Buffer, area: Rect, app: &App, out: &mut Drawn) {
    let theme = *app.theme();
    let c = &app.panes.baselines;
    let custom = count_refs(
        &c.list.refs,
        |s| app.estate.scope_baselines(s),
        |b| !b.aws_owned(),
    );
    let groups: usize = app
        .estate
        .scopes()
        .iter()
        .enumerate()
        .filter(|(i, _)| app.scope_mask().get(*i).copied().unwrap_or(false))
        .map(|(i, _)| app.estate.scope_patch_groups(i as u32).len())
        .sum();
    let title = counts_title(
        "Patch baselines",
        &[
            (c.list.table.total(), ""),
            (custom, "custom"),
            (groups, "patch groups"),
            (c.list.table.len(), "shown"),
        ],
    );
    let pane = TablePane {
        title: Some(&title),
        feed: Feed::Baselines,
        also: &[Feed::Patch],
        specs: &BASE_SPECS,
        table: &c.list.table,
        what: "patch baselines",
    };
    let src = c.rows(&app.estate);
    pane.draw(buf, area, app, out, &src, |row, col, text| {
        let item = src.item(row);
        match col {
            BaseCol::Name => {
                let aws = item.is_some_and(|b| b.aws_owned());
                tinted(text, if aws { theme.muted } else { theme.fg })
            }
            BaseCol::NonCompliant => {
                let (_, missing) = src.node_counts(row);
                tinted(
                    missing.to_string(),
                    if missing > 0 { theme.error } else { theme.ok },
                )
            }
            BaseCol::Rejected => {
                let n = item.map_or(0, |b| b.rejected_patches.len());
                tinted(n.to_string(), if n > 0 { theme.warn } else { theme.muted })
            }
            BaseCol::Account => plain(account_name(app, item.map(|i| i.scope))),
            _ => plain(text),
        }
    });
}

const DOC_SPECS: [ColSpec; 8] = [
    grow(20, 56), // name
    col(7, 14),   // type
    col(4, 6),    // owner
    col(3, 4),    // version
    col(4, 6),    // format
    col(5, 20),   // platforms
    col(8, 16),   // account
    col(9, 14),   // region
];

/// The documents pane, or with `packages` the Distributor packages pane.
pub fn draw_documents(buf: &mut Buffer, area: Rect, app: &App, out: &mut Drawn, packages: bool) {
    let theme = *app.theme();
    let (list, src) = if packages {
        let p = &app.panes.packages;
        (&p.list, p.rows(&app.estate))
    } else {
        let d = &app.panes.documents;
        (&d.list, d.rows(&app.estate))
    };
    let mut own = 0;
    for row in 0..src.len() {
        if src.cell(row, DocCol::Owner) == "Self" {
            own += 1;
        }
    }
    let what = if packages { "Packages" } else { "Documents" };
    let mut by_type = String::new();
    if !packages {
        for kind in [
            "Command",
            "Automation",
            "Package",
            "ChangeCalendar",
            "Session",
        ] {
            let n = (0..src.len())
                .filter(|r| src.item(*r).is_some_and(|d| d.document_type == kind))
                .count();
            if n > 0 {
                by_type.push_str(&format!(" · {kind} {}", thousands(n)));
            }
        }
    }
    let title = format!(
        "{what} · {}{by_type} · {} the account's · {} shown",
        thousands(list.table.total()),
        thousands(own),
        thousands(list.table.len())
    );
    let pane = TablePane {
        title: Some(&title),
        feed: Feed::Documents,
        also: &[],
        specs: &DOC_SPECS,
        table: &list.table,
        what: if packages { "packages" } else { "documents" },
    };
    pane.draw(buf, area, app, out, &src, |row, col, text| {
        let item = src.item(row);
        match col {
            DocCol::Owner => {
                let fg = match text.as_str() {
                    "Self" => theme.accent,
                    "Shared" => theme.warn,
                    _ => theme.muted,
                };
                tinted(text, fg)
            }
            DocCol::Account => plain(account_name(app, item.map(|i| i.scope))),
            _ => plain(text),
        }
    });
}
