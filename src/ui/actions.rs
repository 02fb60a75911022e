//! Drawing of the action flows: the live view of a run, and the dialogs over it (the
//! Run Command / runbook form, the confirmation, the change-calendar refusal, the
//! OpsItem status and note dialogs).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

use super::text::{centered, clean, put, width};
use super::theme::Theme;
use crate::app::{
    Action, ActionDialog, ActionForm, App, ConfirmDialog, FieldKey, FormKind, FullOutput, KeyMap,
    OUTPUT_TRUNCATED, PaneAction, RefusedDialog, RunPhase, RunView,
};
use crate::model::{InvocationStatus, OPS_ITEM_STATUSES};

/// Draws the live view and any dialog, over everything else.
pub fn draw(buf: &mut Buffer, area: Rect, app: &App) {
    if area.width < 20 || area.height < 6 {
        return;
    }
    if let Some(run) = app.actions.live_run() {
        draw_live(buf, area, app, run);
    }
    if let Some(dialog) = &app.actions.dialog {
        draw_dialog(buf, area, app, dialog);
    }
}

fn draw_dialog(buf: &mut Buffer, area: Rect, app: &App, dialog: &ActionDialog) {
    match dialog {
        ActionDialog::Quit(q) => {
            if let Some(previous) = &q.previous {
                draw_dialog(buf, area, app, previous);
            }
            draw_quit(buf, area, app);
        }
        ActionDialog::Form(form) => draw_form(buf, area, app, form),
        ActionDialog::Confirm(c) => draw_confirm(buf, area, app, c),
        ActionDialog::Refused(r) => draw_refused(buf, area, app, r),
        ActionDialog::OpsStatus {
            ops_item_id,
            cursor,
            ..
        } => draw_status(buf, area, app, ops_item_id, *cursor),
        ActionDialog::OpsNote {
            ops_item_id,
            editor,
            ..
        } => {
            let theme = app.theme();
            let base = base(theme);
            let popup = centered(area, 70, 10);
            let inner = frame(
                buf,
                popup,
                theme,
                &format!("Note on {ops_item_id}"),
                &format!(
                    " {}Esc cancel ",
                    hint(app.keys(), PaneAction::Review, "review")
                ),
            );
            let mut e = (**editor).clone();
            e.set_style(base);
            e.set_cursor_line_style(base);
            e.set_cursor_style(base.add_modifier(Modifier::REVERSED));
            e.set_placeholder_style(base.fg(theme.muted));
            (&e).render(inner, buf);
        }
    }
}

/// The question before quitting with runs in flight or sessions open, and what they are.
fn draw_quit(buf: &mut Buffer, area: Rect, app: &App) {
    let theme = app.theme();
    let base = base(theme);
    let b = &app.quit_blockers();
    let mut lines: Vec<(String, Style)> = Vec::new();
    for r in b.runs.iter().take(6) {
        lines.push((format!("▸ {r}"), base));
    }
    if b.runs.len() > 6 {
        lines.push((
            format!("  … and {} more", b.runs.len() - 6),
            base.fg(theme.muted),
        ));
    }
    for s in &b.shells {
        lines.push((format!("▸ shell {s}"), base));
    }
    for f in &b.forwards {
        lines.push((format!("▸ port forward {f}"), base));
    }
    if !b.runs.is_empty() {
        lines.push((
            "Runs go on in AWS; the cockpit stops watching them.".into(),
            base.fg(theme.muted),
        ));
    }
    let question = b.question();
    let popup = centered(area, 76, lines.len() as u16 + 4);
    let inner = frame(buf, popup, theme, "Quit?", " y quit · any other key stays ");
    let w = usize::from(inner.width.saturating_sub(2));
    let x = inner.x + 1;
    put(
        buf,
        x,
        inner.y,
        &question,
        w,
        base.fg(theme.warn).add_modifier(Modifier::BOLD),
    );
    for (k, (text, style)) in lines.iter().enumerate() {
        let y = inner.y + 2 + k as u16;
        if y >= inner.bottom() {
            break;
        }
        put(buf, x, y, text, w, *style);
    }
}

fn base(theme: &Theme) -> Style {
    Style::default().fg(theme.popup_fg).bg(theme.popup_bg)
}

/// A bordered popup; returns its inside.
fn frame(buf: &mut Buffer, popup: Rect, theme: &Theme, title: &str, footer: &str) -> Rect {
    let base = base(theme);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(base.fg(theme.popup_border))
        .title(Span::styled(
            format!(" {} ", clean(title)),
            base.fg(theme.accent).add_modifier(Modifier::BOLD),
        ))
        .title_bottom(Line::styled(footer.to_string(), base.fg(theme.muted)).right_aligned())
        .style(base);
    Clear.render(popup, buf);
    let inner = block.inner(popup);
    block.render(popup, buf);
    inner
}

/// The colour of an invocation or step status.
pub fn status_color(theme: &Theme, status: &str) -> Color {
    match status {
        "Success" => theme.ok,
        "Failed" | "TimedOut" | "Undeliverable" | "Terminated" | "DeliveryTimedOut"
        | "ExecutionTimedOut" => theme.error,
        "Cancelled" | "Cancelling" => theme.muted,
        _ => theme.warn,
    }
}

fn draw_form(buf: &mut Buffer, area: Rect, app: &App, form: &ActionForm) {
    let theme = app.theme();
    let base = base(theme);
    let muted = base.fg(theme.muted);
    let label_w: u16 = 18;
    let fields_h: u16 = form.fields.iter().map(|f| f.height()).sum();
    let want_h = fields_h + 6;
    let popup = centered(
        Rect {
            x: area.x + 1,
            y: area.y + 1,
            width: area.width.saturating_sub(2),
            height: area.height.saturating_sub(2),
        },
        100,
        want_h,
    );
    let inner = frame(buf, popup, theme, form.title(), &form_footer(app.keys()));
    if inner.height < 3 || inner.width < label_w + 4 {
        return;
    }
    let w = usize::from(inner.width.saturating_sub(2));
    let (what, scope_line) = match &form.kind {
        FormKind::RunCommand { .. } => ("Sent to", form.selection_label()),
        FormKind::Automation { ops_item_id, .. } => (
            "Scope",
            match ops_item_id {
                Some(id) => format!("{} · for {id}", form.selection_label()),
                None => form.selection_label(),
            },
        ),
    };
    let x = inner.x + 1;
    put(buf, x, inner.y, &format!("{what:<17}"), w, muted);
    put(
        buf,
        x + label_w,
        inner.y,
        &scope_line,
        w.saturating_sub(usize::from(label_w)),
        base,
    );
    // Fields, scrolled so the focused one shows.
    let top = inner.y + 2;
    let bottom = inner.bottom().saturating_sub(2);
    let room = bottom.saturating_sub(top);
    let mut offsets = Vec::with_capacity(form.fields.len());
    let mut y = 0u16;
    for f in &form.fields {
        offsets.push(y);
        y += f.height();
    }
    let focus_end = offsets.get(form.focus).copied().unwrap_or(0)
        + form.fields.get(form.focus).map_or(1, |f| f.height());
    let scroll = focus_end.saturating_sub(room);
    for (i, f) in form.fields.iter().enumerate() {
        let off = offsets[i];
        if off < scroll {
            continue;
        }
        let fy = top + (off - scroll);
        if fy >= bottom {
            break;
        }
        let focused = i == form.focus;
        let label = format!("{}{}", f.label, if f.required { "*" } else { "" });
        let label_style = if focused {
            base.fg(theme.accent).add_modifier(Modifier::BOLD)
        } else {
            muted
        };
        put(buf, x, fy, &label, usize::from(label_w - 1), label_style);
        let editor_area = Rect {
            x: x + label_w,
            y: fy,
            width: inner.right().saturating_sub(x + label_w + 1),
            height: f.height().min(bottom - fy),
        };
        let field_bg = if focused {
            base.bg(theme.table_header_bg)
        } else {
            base
        };
        let mut e = f.editor.clone();
        e.set_style(field_bg);
        e.set_cursor_line_style(field_bg);
        if focused {
            e.set_cursor_style(field_bg.add_modifier(Modifier::REVERSED));
        } else {
            e.set_cursor_style(field_bg);
        }
        (&e).render(editor_area, buf);
        if f.key == FieldKey::Document {
            let right = inner.right();
            draw_document_hint(buf, app, form, focused, editor_area, right, field_bg);
        }
    }
    // The focused field's hint, and the error.
    let hint = form
        .fields
        .get(form.focus)
        .map(|f| f.hint.clone())
        .unwrap_or_default();
    let status_y = inner.bottom().saturating_sub(1);
    match &form.error {
        Some(e) => {
            put(buf, x, status_y, &format!("✗ {e}"), w, base.fg(theme.error));
        }
        None => {
            put(buf, x, status_y, &hint, w, muted);
        }
    }
}

/// Beside the document field (on `editor_area`, the popup ending at `right`): in which
/// accounts the chosen document exists (AWS's exist everywhere) and, focused, how many
/// documents ↑ ↓ go through.
fn draw_document_hint(
    buf: &mut Buffer,
    app: &App,
    form: &ActionForm,
    focused: bool,
    editor_area: Rect,
    right: u16,
    field_bg: Style,
) {
    let theme = app.theme();
    let homes = app.document_homes(&form.document());
    let n = form.documents.len();
    let (hint, colour) = match (focused, homes) {
        (true, Some(h)) => (format!("{h} · ↑ ↓ {n}"), theme.warn),
        (false, Some(h)) => (h, theme.warn),
        (true, None) => (format!("↑ ↓ {n} documents"), theme.muted),
        (false, None) => (String::new(), theme.muted),
    };
    if !hint.is_empty() {
        let room = usize::from(editor_area.width.saturating_sub(2)) / 2;
        let hw = width(&hint).min(room);
        let hx = right.saturating_sub(hw as u16 + 2);
        put(buf, hx, editor_area.y, &hint, hw, field_bg.fg(colour));
    }
}

fn confirm_lines<'a>(app: &App, c: &'a ConfirmDialog) -> Vec<Line<'a>> {
    let theme = app.theme();
    let base = base(theme);
    let muted = base.fg(theme.muted);
    let bold = base.add_modifier(Modifier::BOLD);
    let conf = &c.confirmation;
    let lw = conf
        .parameters
        .iter()
        .map(|(n, _)| width(n) + 2)
        .chain([16])
        .max()
        .unwrap_or(16)
        .min(28);
    let mut lines = vec![Line::from(vec![
        // At least one space between the operation and what it acts on.
        Span::styled(format!("{:<lw$}", format!("{} ", conf.action)), muted),
        Span::styled(clean(&conf.what).into_owned(), bold),
    ])];
    for (n, v) in &conf.parameters {
        let mut vals = v.lines();
        lines.push(Line::from(vec![
            Span::styled(format!("{:<lw$}", clean(n)), muted),
            Span::styled(clean(vals.next().unwrap_or("")).into_owned(), base),
        ]));
        for more in vals.take(12) {
            lines.push(Line::from(vec![
                Span::raw(" ".repeat(lw)),
                Span::styled(clean(more).into_owned(), base),
            ]));
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("Targets by account and region", muted));
    let mut total: Option<usize> = Some(0);
    for s in &conf.scopes {
        total = total.zip(s.count).map(|(a, b)| a + b);
        let count = s.count.map_or_else(|| "?".to_string(), |n| n.to_string());
        lines.push(Line::from(vec![
            Span::styled(
                format!(
                    "  {:<28} {:<15} {:>5}  ",
                    clean(&format!(
                        "{} ({})",
                        s.scope.account.name, s.scope.account.id
                    )),
                    s.scope.region,
                    count
                ),
                base,
            ),
            Span::styled(clean(&s.how).into_owned(), muted),
        ]));
    }
    if conf.scopes.len() > 1 {
        let t = total.map_or_else(|| "?".to_string(), |n| n.to_string());
        lines.push(Line::styled(
            format!(
                "  {:<28} {:<15} {:>5}",
                format!("{} scopes", conf.scopes.len()),
                "",
                t
            ),
            bold,
        ));
    }
    if let Some(r) = &conf.rate {
        lines.push(Line::raw(""));
        lines.push(Line::from(vec![
            Span::styled(format!("{:<lw$}", "Rate"), muted),
            Span::styled(r.clone(), base),
        ]));
    }
    if let (Some(why), true) = (&app.options.demo_unsandboxed, c.runs_commands()) {
        lines.push(Line::raw(""));
        let text = format!("⚠ Commands in this demo run on this machine as your user ({why})");
        let mut line = String::new();
        for word in text.split(' ') {
            if !line.is_empty() && width(&line) + 1 + width(word) > 82 {
                lines.push(Line::styled(std::mem::take(&mut line), base.fg(theme.warn)));
                line.push_str("  ");
            } else if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(Line::styled(line, base.fg(theme.warn)));
    }
    lines.push(Line::raw(""));
    match conf.typed_count {
        Some(n) => {
            lines.push(Line::styled(
                format!(
                    "⚠ This stops, restarts or deletes. Type the {} to go on.",
                    conf.typed_what
                ),
                base.fg(theme.warn).add_modifier(Modifier::BOLD),
            ));
            lines.push(Line::from(vec![
                Span::styled(
                    format!("{} ({n}) › ", capitalized(conf.typed_what)),
                    base.fg(theme.filter_prompt),
                ),
                Span::styled(c.typed.clone(), bold),
                Span::styled("█", base.fg(theme.accent)),
            ]));
        }
        None => lines.push(confirm_keys(app.keys(), theme)),
    }
    if let Some(e) = &c.error {
        lines.push(Line::styled(format!("✗ {e}"), base.fg(theme.error)));
    }
    lines
}

/// The keys of the form, as the key map binds them.
fn form_footer(keys: &KeyMap) -> String {
    let review = hint(keys, PaneAction::Review, "review");
    format!(" Tab next · ↑↓ document · {review}Esc cancel ")
}

/// The keys of a confirmation that takes a key (not a count), as the key map binds them.
fn confirm_keys(keys: &KeyMap, theme: &Theme) -> Line<'static> {
    let base = base(theme);
    let key = base.fg(theme.key).add_modifier(Modifier::BOLD);
    let back = match pane_key(keys, PaneAction::Back) {
        Some(k) => format!("{k} / Esc"),
        None => "Esc".to_string(),
    };
    Line::from(vec![
        Span::styled(pane_key(keys, PaneAction::Confirm).unwrap_or_default(), key),
        Span::styled(" run it  ·  ", base),
        Span::styled(back, key),
        Span::styled(" back", base),
    ])
}

fn draw_confirm(buf: &mut Buffer, area: Rect, app: &App, c: &ConfirmDialog) {
    let theme = app.theme();
    let lines = confirm_lines(app, c);
    let h = (lines.len() as u16).saturating_add(2);
    let popup = centered(area, 86, h);
    let footer = if c.confirmation.typed_count.is_some() {
        " count + Enter run · Esc back ".to_string()
    } else {
        let keys = app.keys();
        let back = pane_key(keys, PaneAction::Back).map_or(String::new(), |k| format!("{k}/"));
        format!(" {}{back}Esc back ", hint(keys, PaneAction::Confirm, "run"))
    };
    let title = format!("Confirm: {}", c.confirmation.title);
    let inner = frame(buf, popup, theme, &title, &footer);
    Paragraph::new(lines).style(base(theme)).render(
        Rect {
            x: inner.x + 1,
            width: inner.width.saturating_sub(2),
            ..inner
        },
        buf,
    );
}

fn draw_refused(buf: &mut Buffer, area: Rect, app: &App, r: &RefusedDialog) {
    let theme = app.theme();
    let base = base(theme);
    let muted = base.fg(theme.muted);
    let mut lines = vec![
        Line::styled(
            "✗ Not sent: the change calendar is closed",
            base.fg(theme.error).add_modifier(Modifier::BOLD),
        ),
        Line::raw(""),
        Line::styled(clean(&r.reason).into_owned(), base),
    ];
    if let Some(t) = r.next_transition {
        let now = app.now();
        let wait = t - now;
        let when = if wait.num_seconds() <= 0 {
            "now".to_string()
        } else if wait.num_hours() >= 24 {
            format!("in {}d {}h", wait.num_days(), wait.num_hours() % 24)
        } else {
            format!("in {}h {}m", wait.num_hours(), wait.num_minutes() % 60)
        };
        lines.push(Line::from(vec![
            Span::styled("Opens again  ", muted),
            Span::styled(format!("{} ({when})", t.format("%Y-%m-%d %H:%M UTC")), base),
        ]));
    }
    lines.push(Line::raw(""));
    if r.can_override {
        lines.push(Line::styled(
            "To act anyway, type the override word (it is recorded in the audit log):",
            muted,
        ));
        lines.push(Line::from(vec![
            Span::styled("Override › ", base.fg(theme.filter_prompt)),
            Span::styled(
                clean(&r.typed).into_owned(),
                base.add_modifier(Modifier::BOLD),
            ),
            Span::styled("█", base.fg(theme.accent)),
        ]));
        if r.wrong_word {
            lines.push(Line::styled(
                "✗ that is not the override word",
                base.fg(theme.error),
            ));
        }
    }
    let popup = centered(area, 80, lines.len() as u16 + 4);
    let footer = if r.can_override {
        " word + Enter act anyway · Esc close "
    } else {
        " Esc close "
    };
    let inner = frame(buf, popup, theme, "Refused", footer);
    Paragraph::new(lines)
        .style(base)
        .wrap(Wrap { trim: false })
        .render(
            Rect {
                x: inner.x + 1,
                width: inner.width.saturating_sub(2),
                ..inner
            },
            buf,
        );
}

fn draw_status(buf: &mut Buffer, area: Rect, app: &App, id: &str, cursor: usize) {
    let theme = app.theme();
    let base = base(theme);
    let popup = centered(area, 40, OPS_ITEM_STATUSES.len() as u16 + 2);
    let inner = frame(
        buf,
        popup,
        theme,
        &format!("Status of {id}"),
        " Enter set · Esc cancel ",
    );
    for (i, s) in OPS_ITEM_STATUSES.iter().enumerate() {
        let y = inner.y + i as u16;
        if y >= inner.bottom() {
            break;
        }
        let style = if i == cursor {
            base.fg(theme.selected_fg)
                .bg(theme.selected_bg)
                .add_modifier(theme.selection)
        } else {
            base
        };
        let line = format!(" {s:<width$}", width = usize::from(inner.width) - 1);
        put(buf, inner.x, y, &line, usize::from(inner.width), style);
    }
}

/// One line of the live view's list.
struct Row {
    text: Vec<(String, Style)>,
    /// The cursor index of this row (`None`: a scope header).
    index: Option<usize>,
}

fn draw_live(buf: &mut Buffer, area: Rect, app: &App, run: &RunView) {
    let theme = app.theme();
    // Everything under the header line.
    let popup = Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(1),
        ..area
    };
    let title = format!("Run {} · {}", run.run, run.request.summary());
    let footer = live_footer(app.keys(), run, app.actions.runs.len() > 1);
    let inner = frame(buf, popup, theme, &title, &footer);
    if inner.height < 4 {
        return;
    }
    draw_live_status(buf, inner, theme, run);
    let body = Rect {
        x: inner.x + 1,
        y: inner.y + 3,
        width: inner.width.saturating_sub(2),
        height: inner.height.saturating_sub(3),
    };
    let (list, output) = split_live_body(body);
    draw_live_list(buf, list, theme, run);
    draw_live_output(buf, output, theme, run);
}

/// The keys of the live view, those that apply to this run only, as the key map binds
/// them.
fn live_footer(keys: &KeyMap, run: &RunView, other_runs: bool) -> String {
    let pair = |a: Option<String>, b: Option<String>, sep: &str, what: &str| match (a, b) {
        (None, None) => String::new(),
        (a, b) => {
            let both: Vec<String> = a.into_iter().chain(b).collect();
            format!("{} {what} · ", both.join(sep))
        }
    };
    let first = |a: Action| keys.first_key(a).map(|k| k.to_string());
    let select = pair(first(Action::Down), first(Action::Up), " ", "select");
    let output = pair(
        first(Action::PageDown),
        first(Action::PageUp),
        "/",
        "output",
    );
    let cancel = if run.stop_request().is_some() {
        hint(keys, PaneAction::Cancel, "cancel")
    } else {
        String::new()
    };
    let others = if other_runs {
        pair(
            pane_key(keys, PaneAction::PrevRun),
            pane_key(keys, PaneAction::NextRun),
            " ",
            "other runs",
        )
    } else {
        String::new()
    };
    let full = if run.automations.is_empty()
        && run
            .selected_invocation()
            .is_some_and(|(_, i)| i.status.is_terminal())
    {
        hint(keys, PaneAction::FullOutput, "full output")
    } else {
        String::new()
    };
    format!(" {select}{output}{full}{others}{cancel}Esc close (it goes on) ")
}

/// The first key bound to a dialog's action, as its footer writes it.
fn pane_key(keys: &KeyMap, a: PaneAction) -> Option<String> {
    keys.pane_key(a).map(|k| k.to_string())
}

/// "KEY what · " for a footer, or nothing when no key is bound to `a`.
fn hint(keys: &KeyMap, a: PaneAction, what: &str) -> String {
    pane_key(keys, a).map_or(String::new(), |k| format!("{k} {what} · "))
}

/// The first three lines inside the frame: the phase, the tally, the last error.
fn draw_live_status(buf: &mut Buffer, inner: Rect, theme: &Theme, run: &RunView) {
    let base = base(theme);
    let w = usize::from(inner.width.saturating_sub(2));
    let x = inner.x + 1;
    let (phase, style) = match &run.phase {
        RunPhase::Starting => (
            "checking the change calendars…".to_string(),
            base.fg(theme.warn),
        ),
        RunPhase::Refused(r) => (format!("refused: {r}"), base.fg(theme.error)),
        RunPhase::Running => ("running".to_string(), base.fg(theme.warn)),
        RunPhase::Finished { ok: true, summary } => {
            (format!("done · {summary}"), base.fg(theme.ok))
        }
        RunPhase::Finished { ok: false, summary } => {
            (format!("ended · {summary}"), base.fg(theme.error))
        }
    };
    let mut head = phase;
    if run.overridden {
        head.push_str(" · change calendar overridden");
    }
    put(
        buf,
        x,
        inner.y,
        &head,
        w,
        style.add_modifier(Modifier::BOLD),
    );
    if run.automations.is_empty() {
        let tally = run.tally();
        if tally.total > 0 {
            put(
                buf,
                x,
                inner.y + 1,
                &format!(
                    "{} of {} finished · {}",
                    tally.finished(),
                    tally.total,
                    tally.label()
                ),
                w,
                base,
            );
        }
    }
    if let Some(e) = run.errors.last() {
        put(
            buf,
            x,
            inner.y + 2,
            &format!("✗ {e}"),
            w,
            base.fg(theme.error),
        );
    }
}

/// The list and the output of the selected row: side by side when the body is wide,
/// else the output under the list.
fn split_live_body(body: Rect) -> (Rect, Rect) {
    if body.width >= 100 {
        let lw = body.width * 3 / 5;
        (
            Rect { width: lw, ..body },
            Rect {
                x: body.x + lw + 1,
                width: body.width - lw - 1,
                ..body
            },
        )
    } else {
        let lh = body.height.saturating_sub(body.height / 3);
        (
            Rect { height: lh, ..body },
            Rect {
                y: body.y + lh,
                height: body.height - lh,
                ..body
            },
        )
    }
}

/// The scopes and rows of the run, scrolled to keep the cursor's row in view.
fn draw_live_list(buf: &mut Buffer, list: Rect, theme: &Theme, run: &RunView) {
    let base = base(theme);
    let rows = live_rows(theme, run);
    let selected_line = rows
        .iter()
        .position(|r| r.index == Some(run.cursor))
        .unwrap_or(0);
    let h = usize::from(list.height);
    let start = (selected_line + 1).saturating_sub(h);
    for (k, row) in rows.iter().skip(start).take(h).enumerate() {
        let y = list.y + k as u16;
        let mut cx = list.x;
        let sel = row.index == Some(run.cursor);
        for (text, style) in &row.text {
            let style = if sel {
                style
                    .fg(theme.selected_fg)
                    .bg(theme.selected_bg)
                    .add_modifier(theme.selection)
            } else {
                *style
            };
            let room = usize::from(list.right().saturating_sub(cx));
            cx += put(buf, cx, y, text, room, style) as u16;
        }
        if sel && cx < list.right() {
            let pad = " ".repeat(usize::from(list.right() - cx));
            put(
                buf,
                cx,
                y,
                &pad,
                pad.len(),
                base.bg(theme.selected_bg).add_modifier(theme.selection),
            );
        }
    }
}

/// The output of the selected row, under its title and any note about full output.
fn draw_live_output(buf: &mut Buffer, output: Rect, theme: &Theme, run: &RunView) {
    let base = base(theme);
    let (title, text) = selected_output(run);
    let note = full_output_note(run);
    let head = 1 + u16::from(note.is_some());
    if output.height <= head || output.width <= 4 || run.row_count() == 0 {
        return;
    }
    put(
        buf,
        output.x,
        output.y,
        &title,
        usize::from(output.width),
        base.fg(theme.title).add_modifier(Modifier::BOLD),
    );
    if let Some((note, warn)) = &note {
        let colour = if *warn { theme.warn } else { theme.muted };
        put(
            buf,
            output.x,
            output.y + 1,
            note,
            usize::from(output.width),
            base.fg(colour),
        );
    }
    let lines: Vec<Line> = text
        .lines()
        .map(|l| Line::styled(clean(l).into_owned(), base))
        .collect();
    let text_area = Rect {
        y: output.y + head,
        height: output.height - head,
        ..output
    };
    if lines.is_empty() {
        put(
            buf,
            text_area.x,
            text_area.y,
            "(no output yet)",
            usize::from(text_area.width),
            base.fg(theme.muted),
        );
    } else {
        Paragraph::new(lines)
            .style(base)
            .wrap(Wrap { trim: false })
            .scroll((run.output_scroll, 0))
            .render(text_area, buf);
    }
}

fn live_rows(theme: &Theme, run: &RunView) -> Vec<Row> {
    let b = base(theme);
    let muted = b.fg(theme.muted);
    let mut rows = Vec::new();
    let mut index = 0usize;
    if !run.automations.is_empty() {
        for (scope, e) in &run.automations {
            let (done, all) = e.steps_done();
            rows.push(Row {
                text: vec![
                    (
                        format!("▸ {} · {} · ", scope.label(), e.execution_id),
                        b.fg(theme.title),
                    ),
                    (e.status.clone(), b.fg(status_color(theme, &e.status))),
                    (format!(" · {done}/{all} steps"), muted),
                ],
                index: None,
            });
            for s in &e.steps {
                rows.push(Row {
                    text: vec![
                        (format!("  {:<28} ", s.name), b),
                        (format!("{:<24} ", s.action), muted),
                        (s.status.clone(), b.fg(status_color(theme, &s.status))),
                    ],
                    index: Some(index),
                });
                index += 1;
            }
        }
        return rows;
    }
    if run.commands.is_empty() {
        for (scope, id) in &run.sent {
            rows.push(Row {
                text: vec![(format!("▸ {} · {id} · sent", scope.label()), muted)],
                index: None,
            });
        }
        return rows;
    }
    for c in &run.commands {
        let tally = crate::model::InvocationTally::of(&c.invocations);
        rows.push(Row {
            text: vec![
                (
                    format!("▸ {} · {} · ", c.scope.label(), short_id(&c.command_id)),
                    b.fg(theme.title),
                ),
                (tally.label(), muted),
            ],
            index: None,
        });
        for i in &c.invocations {
            let status = i.status.label();
            let code = i
                .response_code
                .map_or_else(String::new, |c| format!(" ({c})"));
            rows.push(Row {
                text: vec![
                    (format!("  {:<20} ", i.instance_id), b),
                    (format!("{:<18} ", clean(&i.instance_name)), muted),
                    (format!("{status}{code}"), b.fg(status_color(theme, status))),
                ],
                index: Some(index),
            });
            index += 1;
        }
    }
    rows
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The first block of a UUID command id.
fn short_id(id: &str) -> &str {
    id.split('-').next().unwrap_or(id)
}

/// A line under the output's title saying which output shows: the full one (and whether
/// AWS still cut it), being read, or unreadable; `true` when it warns.
fn full_output_note(run: &RunView) -> Option<(String, bool)> {
    if !run.automations.is_empty() {
        return None;
    }
    let (c, i) = run.selected_invocation()?;
    let note = match run.full_output(&c.command_id, &i.instance_id) {
        None if i.status.is_terminal() && i.output.contains(OUTPUT_TRUNCATED) => {
            ("cut by AWS at 2,500 · o: full output".to_string(), true)
        }
        None => return None,
        Some(FullOutput::Fetching) => ("reading the full output…".to_string(), false),
        Some(FullOutput::Ready {
            truncated: true, ..
        }) => ("full output · still cut by AWS at 24,000".to_string(), true),
        Some(FullOutput::Ready { .. }) => ("full output (GetCommandInvocation)".to_string(), false),
        Some(FullOutput::Failed(_)) => ("full output unreadable".to_string(), true),
    };
    Some(note)
}

/// The title and text of the selected invocation or step.
fn selected_output(run: &RunView) -> (String, String) {
    if !run.automations.is_empty() {
        let step = run
            .automations
            .iter()
            .flat_map(|(_, e)| e.steps.iter())
            .nth(run.cursor);
        return match step {
            Some(s) => {
                let mut text = String::new();
                if !s.failure_message.is_empty() {
                    text.push_str(&format!("Failure: {}\n", s.failure_message));
                }
                for (k, v) in &s.outputs {
                    text.push_str(&format!("{k}: {v}\n"));
                }
                (format!("{} · {}", s.name, s.status), text)
            }
            None => ("Steps".into(), String::new()),
        };
    }
    match run.selected_invocation() {
        Some((c, i)) => {
            let mut text = i.output.clone();
            if text.is_empty() && i.status == InvocationStatus::Undeliverable {
                text = "The node could not be reached (its agent is not online).".into();
            } else if text.is_empty() && !i.status_details.is_empty() {
                text = i.status_details.clone();
            }
            let title = format!(
                "{} · {} · {}",
                i.instance_id,
                c.scope.region,
                i.status.label()
            );
            match run.full_output(&c.command_id, &i.instance_id) {
                Some(FullOutput::Ready { text: full, .. }) => text = full.clone(),
                Some(FullOutput::Failed(e)) => text = format!("✗ {e}\n\n{text}"),
                Some(FullOutput::Fetching) | None => {}
            }
            (title, text)
        }
        None => ("Output".into(), String::new()),
    }
}
