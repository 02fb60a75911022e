//! The detail view: every field of one node and all its tags, in a popup.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use super::nodes::ping_color;
use super::table::scope_label;
use super::text::{age, clean, timestamp};
use crate::app::{App, Overlay};
use crate::model::ManagedNode;

pub fn draw(buf: &mut Buffer, area: Rect, app: &App) {
    let Overlay::Detail {
        scope,
        instance_id,
        scroll,
    } = app.overlay()
    else {
        return;
    };
    let theme = app.theme();
    let base = Style::default().fg(theme.popup_fg).bg(theme.popup_bg);
    let key_style = base.fg(theme.muted);

    let mut lines: Vec<Line> = Vec::new();
    let mut field = |k: &'static str, v: String, style: Style| {
        lines.push(Line::from(vec![
            Span::styled(format!("{k:<22}"), key_style),
            Span::styled(clean(&v).into_owned(), style),
        ]));
    };
    let title = match app.detail_node() {
        Some(node) => {
            let label = scope_label(app, *scope);
            fields(node, &label, app, &mut field, base);
            if node.name().is_empty() {
                format!(" {} ", clean(&node.instance_id))
            } else {
                format!(" {} · {} ", clean(&node.instance_id), clean(node.name()))
            }
        }
        None => {
            field("Instance ID", instance_id.clone(), base);
            lines.push(Line::default());
            lines.push(Line::styled(
                "This node is no longer reported by its scope.",
                base.fg(theme.warn),
            ));
            format!(" {} ", clean(instance_id))
        }
    };
    if let Some(node) = app.detail_node() {
        lines.push(Line::default());
        match &node.tags {
            None => lines.push(Line::styled("Tags loading…", base.fg(theme.muted))),
            Some(tags) if tags.is_empty() => {
                lines.push(Line::styled("Tags: none", base.fg(theme.muted)))
            }
            Some(tags) => {
                lines.push(Line::styled(
                    format!("Tags ({})", tags.len()),
                    base.fg(theme.accent).add_modifier(Modifier::BOLD),
                ));
                for (k, v) in tags {
                    lines.push(Line::from(vec![
                        Span::styled(format!("  {:<20}", clean(k)), key_style),
                        Span::styled(clean(v).into_owned(), base),
                    ]));
                }
            }
        }
    }

    let want_h = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let popup = super::text::centered(
        area,
        area.width.saturating_sub(8).clamp(20, 110),
        want_h.min(area.height.saturating_sub(2)),
    );
    let inner_h = popup.height.saturating_sub(2);
    let max_scroll = u16::try_from(lines.len())
        .unwrap_or(u16::MAX)
        .saturating_sub(inner_h);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(base.fg(theme.popup_border))
        .title(Span::styled(title, base.add_modifier(Modifier::BOLD)))
        .title_bottom(
            Line::styled(" Esc close · j/k scroll ", base.fg(theme.muted)).right_aligned(),
        )
        .style(base);
    Clear.render(popup, buf);
    Paragraph::new(lines)
        .block(block)
        .scroll(((*scroll).min(max_scroll), 0))
        .render(popup, buf);
}

fn fields(
    node: &ManagedNode,
    scope_label: &str,
    app: &App,
    field: &mut impl FnMut(&'static str, String, Style),
    base: Style,
) {
    let theme = app.theme();
    let now = app.now();
    let dash = |s: &str| {
        if s.is_empty() {
            "-".to_string()
        } else {
            s.to_string()
        }
    };
    let when = |t| match t {
        Some(_) => format!("{} ({} ago)", timestamp(t), age(now, t)),
        None => "-".to_string(),
    };
    field("Instance ID", node.instance_id.clone(), base);
    field("Name", dash(node.name()), base);
    field("Scope", scope_label.to_string(), base);
    field(
        "Ping status",
        node.ping_status.as_str().to_string(),
        base.fg(ping_color(node.ping_status, theme)),
    );
    field("Last ping", when(node.last_ping), base);
    let (agent, agent_style) = match node.is_latest_version {
        Some(false) => (
            format!("{} (update available)", dash(&node.agent_version)),
            base.fg(theme.agent_outdated),
        ),
        Some(true) => (format!("{} (latest)", dash(&node.agent_version)), base),
        None => (dash(&node.agent_version), base),
    };
    field("Agent version", agent, agent_style);
    field("Platform", node.platform_type.as_str().to_string(), base);
    field("Platform name", dash(&node.platform_name), base);
    field("Platform version", dash(&node.platform_version), base);
    field("Resource type", dash(&node.resource_type), base);
    if node.is_hybrid() {
        field(
            "On-premises",
            "yes (registered with an activation)".into(),
            base.fg(theme.accent),
        );
        field("Activation", dash(&node.activation_id), base);
        let tier = match app.estate.scope_instance_tier(node.scope) {
            Some(t) if t.eq_ignore_ascii_case("advanced") => "Advanced".to_string(),
            Some(t) if t.eq_ignore_ascii_case("standard") => "Standard".to_string(),
            Some(t) => t.to_string(),
            None => "not read yet (:activations reads it)".to_string(),
        };
        field("Instance tier", tier, base);
    }
    field("IP address", dash(&node.ip_address), base);
    field("Computer name", dash(&node.computer_name), base);
    field("IAM role", dash(&node.iam_role), base);
    field("Registered", when(node.registration_date), base);
    field("Association status", dash(&node.association_status), base);
    field(
        "Last association",
        when(node.last_association_execution),
        base,
    );
    field("Source ID", dash(&node.source_id), base);
    field("Source type", dash(&node.source_type), base);
}
