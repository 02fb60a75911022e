//! The audit pane: every mutating call of the audit log (one row per call: its intent
//! line joined with its result line), newest first. The log is read incrementally: only
//! what was appended since the last read, so watching a growing file stays cheap. Enter
//! shows one call in full, `r` reads the log again.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

use super::{Bound, Cmd, Component, Cx, KeyHint, List, ListMut, PaneKind, hints};
use crate::actions::audit::{AuditEntry, CalendarCheck, Phase};
use crate::app::filter::FilterColumn;
use crate::app::keymap::{Action, PaneAction, pane_keys};
use crate::app::overlay::Record;
use crate::app::table::{TableColumn, TableSource, TableView};
use crate::model::Feed;

/// One mutating call: its intent and (when written) its result.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditCall {
    pub request_id: String,
    /// When the call was asked for (the intent line; else the result line).
    pub time: DateTime<Utc>,
    pub caller: String,
    pub action: String,
    pub account: String,
    pub region: String,
    pub summary: String,
    pub request: serde_json::Value,
    /// `ok`, `error`, `refused`; `no result` when the result line is missing (the
    /// process died mid-call, or the call is still running).
    pub result: String,
    pub error: Option<String>,
    pub id: Option<String>,
    pub override_word: Option<String>,
    pub calendars: Vec<CalendarCheck>,
    /// When the result line was written.
    pub finished: Option<DateTime<Utc>>,
}

/// Result text of a call whose result line is missing.
pub const NO_RESULT: &str = "no result";

impl AuditCall {
    fn from_entry(e: &AuditEntry) -> AuditCall {
        AuditCall {
            request_id: e.request_id.clone(),
            time: e.time,
            caller: e.caller.clone(),
            action: e.action.clone(),
            account: e.account.clone(),
            region: e.region.clone(),
            summary: e.summary.clone(),
            request: e.request.clone(),
            result: NO_RESULT.to_string(),
            error: None,
            id: None,
            override_word: e.override_word.clone(),
            calendars: e.calendars.clone(),
            finished: None,
        }
    }

    fn add(&mut self, e: &AuditEntry) {
        match e.phase {
            Phase::Intent => {
                self.time = e.time;
                self.caller = e.caller.clone();
                self.summary = e.summary.clone();
                self.request = e.request.clone();
            }
            Phase::Result => {
                self.result = e.result.map_or("unknown", |r| r.as_str()).to_string();
                self.finished = Some(e.time);
                if e.error.is_some() {
                    self.error = e.error.clone();
                }
                if e.id.is_some() {
                    self.id = e.id.clone();
                }
            }
        }
        if e.override_word.is_some() {
            self.override_word = e.override_word.clone();
        }
        if !e.calendars.is_empty() {
            self.calendars = e.calendars.clone();
        }
    }
}

/// A column of the audit table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditCol {
    Time,
    Result,
    Action,
    Summary,
    Account,
    Region,
    Caller,
    Override,
    Id,
}

impl FilterColumn for AuditCol {
    fn from_filter_key(key: &str) -> Option<AuditCol> {
        Some(match key.to_ascii_lowercase().as_str() {
            "result" | "status" => AuditCol::Result,
            "action" | "op" => AuditCol::Action,
            "summary" | "what" => AuditCol::Summary,
            "account" => AuditCol::Account,
            "region" => AuditCol::Region,
            "caller" | "who" => AuditCol::Caller,
            "override" => AuditCol::Override,
            "id" => AuditCol::Id,
            "time" | "when" => AuditCol::Time,
            _ => return None,
        })
    }

    fn filter_keys() -> &'static str {
        "time, result, action, summary, account, region, caller, override, id"
    }
}

impl TableColumn for AuditCol {
    const ALL: &'static [AuditCol] = &[
        AuditCol::Time,
        AuditCol::Result,
        AuditCol::Action,
        AuditCol::Summary,
        AuditCol::Account,
        AuditCol::Region,
        AuditCol::Caller,
        AuditCol::Override,
        AuditCol::Id,
    ];

    fn title(self) -> &'static str {
        match self {
            AuditCol::Time => "Time (UTC)",
            AuditCol::Result => "Result",
            AuditCol::Action => "Action",
            AuditCol::Summary => "What",
            AuditCol::Account => "Account",
            AuditCol::Region => "Region",
            AuditCol::Caller => "Who",
            AuditCol::Override => "Override",
            AuditCol::Id => "Id",
        }
    }
}

/// `2026-05-01 12:00:00`.
pub fn audit_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The last part of a caller ARN: `assumed-role/Ops/alice` → `Ops/alice`.
pub fn short_caller(arn: &str) -> &str {
    match arn.split_once(":assumed-role/") {
        Some((_, rest)) => rest,
        None => arn.rsplit(':').next().unwrap_or(arn),
    }
}

/// The calls, as table rows.
pub struct AuditRows<'a> {
    pub calls: &'a [AuditCall],
}

impl TableSource for AuditRows<'_> {
    type Col = AuditCol;

    fn len(&self) -> usize {
        self.calls.len()
    }

    fn cell(&self, row: usize, col: AuditCol) -> Cow<'_, str> {
        let Some(c) = self.calls.get(row) else {
            return Cow::Borrowed("");
        };
        match col {
            AuditCol::Time => Cow::Owned(audit_time(c.time)),
            AuditCol::Result => Cow::Borrowed(&c.result),
            AuditCol::Action => Cow::Borrowed(&c.action),
            AuditCol::Summary => Cow::Borrowed(&c.summary),
            AuditCol::Account => Cow::Borrowed(&c.account),
            AuditCol::Region => Cow::Borrowed(&c.region),
            AuditCol::Caller => Cow::Borrowed(short_caller(&c.caller)),
            AuditCol::Override => Cow::Borrowed(c.override_word.as_deref().unwrap_or("")),
            AuditCol::Id => Cow::Borrowed(c.id.as_deref().unwrap_or("")),
        }
    }

    fn sort_key(&self, row: usize, col: AuditCol) -> Option<i64> {
        let c = self.calls.get(row)?;
        match col {
            // Newest first when ascending.
            AuditCol::Time => Some(-c.time.timestamp_millis()),
            _ => None,
        }
    }

    fn row_key(&self, row: usize) -> String {
        self.calls
            .get(row)
            .map(|c| c.request_id.clone())
            .unwrap_or_default()
    }
}

/// State of the audit pane: the file, how far it was read, and the calls.
#[derive(Debug)]
pub struct AuditView {
    path: Option<PathBuf>,
    /// Bytes of the file consumed (complete lines only).
    offset: u64,
    /// Calls in file order, and where each request id is.
    pub calls: Vec<AuditCall>,
    index: HashMap<String, usize>,
    /// Lines that did not parse (a torn last line is only counted once complete or
    /// when a later line follows it).
    pub skipped: usize,
    /// The last read error, user-facing.
    pub error: Option<String>,
    /// The file has been read at least once (or found missing).
    pub loaded: bool,
    pub table: TableView<AuditCol>,
}

impl Default for AuditView {
    fn default() -> Self {
        AuditView {
            path: None,
            offset: 0,
            calls: Vec::new(),
            index: HashMap::new(),
            skipped: 0,
            error: None,
            loaded: false,
            table: TableView::new(AuditCol::Time, false),
        }
    }
}

impl AuditView {
    pub fn path(&self) -> Option<&std::path::Path> {
        self.path.as_deref()
    }

    /// Reads `path` from now on (from its start).
    pub fn set_path(&mut self, path: Option<PathBuf>) {
        if self.path != path {
            self.path = path;
            self.reload();
        }
    }

    /// Forgets what was read; the next refresh reads the whole file.
    pub fn reload(&mut self) {
        self.offset = 0;
        self.calls.clear();
        self.index.clear();
        self.skipped = 0;
        self.error = None;
        self.loaded = false;
        self.refresh();
    }

    /// Reads what was appended since the last read; true when the rows changed.
    pub fn refresh(&mut self) -> bool {
        let Some(path) = self.path.clone() else {
            if !self.loaded {
                self.loaded = true;
                self.error = Some("no audit log path (no home directory?)".into());
                return true;
            }
            return false;
        };
        let mut file = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let changed = !self.loaded || !self.calls.is_empty() || self.error.is_some();
                self.calls.clear();
                self.index.clear();
                self.offset = 0;
                self.error = None;
                self.loaded = true;
                if changed {
                    self.rebuild();
                }
                return changed;
            }
            Err(e) => {
                let msg = format!("{}: {e}", path.display());
                let changed = self.error.as_deref() != Some(msg.as_str());
                self.error = Some(msg);
                self.loaded = true;
                return changed;
            }
        };
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        if len < self.offset {
            // Truncated or replaced: read it again from the start.
            self.offset = 0;
            self.calls.clear();
            self.index.clear();
            self.skipped = 0;
        } else if len == self.offset && self.loaded {
            return false;
        }
        let mut buf = Vec::new();
        let read = file
            .seek(SeekFrom::Start(self.offset))
            .and_then(|_| file.read_to_end(&mut buf));
        if let Err(e) = read {
            self.error = Some(format!("{}: {e}", path.display()));
            self.loaded = true;
            return true;
        }
        self.error = None;
        self.loaded = true;
        // Only complete lines; a torn tail waits for the rest of its line.
        let Some(end) = buf.iter().rposition(|b| *b == b'\n') else {
            return false;
        };
        for line in buf[..end].split(|b| *b == b'\n') {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match serde_json::from_slice::<AuditEntry>(line) {
                Ok(e) => self.add(&e),
                Err(_) => self.skipped += 1,
            }
        }
        self.offset += end as u64 + 1;
        self.rebuild();
        true
    }

    fn add(&mut self, e: &AuditEntry) {
        match self.index.get(&e.request_id) {
            Some(&i) => self.calls[i].add(e),
            None => {
                let mut call = AuditCall::from_entry(e);
                call.add(e);
                self.index.insert(e.request_id.clone(), self.calls.len());
                self.calls.push(call);
            }
        }
    }

    fn rebuild(&mut self) {
        let src = AuditRows { calls: &self.calls };
        self.table.rebuild(&src);
    }

    pub fn rows(&self) -> AuditRows<'_> {
        AuditRows { calls: &self.calls }
    }

    pub fn selected(&self) -> Option<&AuditCall> {
        self.calls.get(self.table.selected_row()?)
    }

    pub fn call(&self, request_id: &str) -> Option<&AuditCall> {
        self.index.get(request_id).and_then(|i| self.calls.get(*i))
    }
}

impl PaneKind for AuditView {
    const TITLE: &'static str = "Audit";
    const SHORT: &'static str = "Audt";
    const ALIASES: &'static [&'static str] = &["audit", "au"];
    const FEEDS: &'static [Feed] = &[Feed::Nodes];
}

impl Component for AuditView {
    fn help(&self) -> &'static [KeyHint] {
        const HELP: &[KeyHint] = &[
            KeyHint::table("Enter", &[Action::Details], "commands, automations, audit,"),
            KeyHint::more("activations: the record in full"),
            KeyHint::pane("r", &[PaneAction::Refresh], "audit: read the log again"),
        ];
        HELP
    }
    fn footer(&self) -> &'static [KeyHint] {
        hints::OPS
    }
    /// Reads the log once; the clock tick follows what is appended (see
    /// [`AuditView::refresh`]).
    fn sync(&mut self, _cx: &Cx) {
        if !self.loaded {
            self.refresh();
        }
    }
    fn list(&self, _cx: &Cx) -> Option<&dyn List> {
        Some(&self.table)
    }
    fn list_mut<'a>(&'a mut self, _cx: &Cx<'a>) -> Option<Box<dyn ListMut + 'a>> {
        Some(Box::new(Bound {
            table: &mut self.table,
            src: AuditRows { calls: &self.calls },
        }))
    }
    fn on_key(
        &mut self,
        key: &KeyEvent,
        action: Option<Action>,
        cx: &Cx,
        out: &mut Vec<Cmd>,
    ) -> bool {
        if action == Some(Action::Details) {
            let Some(c) = self.selected() else {
                return false;
            };
            out.push(Cmd::OpenRecord(Record::Audit {
                request_id: c.request_id.clone(),
            }));
            return true;
        }
        if cx.pane_action(key, pane_keys::AUDIT) != Some(PaneAction::Refresh) {
            return false;
        }
        self.reload();
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::audit::{AuditLog, Outcome};
    use crate::app::keymap::KeyMap;
    use crossterm::event::KeyCode;
    use std::io::Write;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "ssm-cockpit-audit-pane-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("audit.jsonl")
    }

    fn intent(id: &str) -> AuditEntry {
        AuditEntry::sample_intent(id)
    }

    #[test]
    fn joins_intent_and_result_and_follows_appends() {
        let path = scratch("follow");
        let mut view = AuditView::default();
        view.set_path(Some(path.clone()));
        assert!(view.loaded && view.calls.is_empty() && view.error.is_none());
        let log = AuditLog::open(&path).unwrap();
        let a = intent("r-1");
        log.append(&a).unwrap();
        assert!(view.refresh());
        assert_eq!(view.calls.len(), 1);
        assert_eq!(view.calls[0].result, NO_RESULT);
        let mut done = a.result(Outcome::Ok, Some("cmd-1".into()), None);
        done.override_word = Some("BREAKGLASS".into());
        log.append(&done).unwrap();
        log.append(&intent("r-2")).unwrap();
        assert!(view.refresh());
        assert_eq!(view.calls.len(), 2);
        assert_eq!(view.calls[0].result, "ok");
        assert_eq!(view.calls[0].id.as_deref(), Some("cmd-1"));
        assert_eq!(view.calls[0].override_word.as_deref(), Some("BREAKGLASS"));
        assert!(!view.refresh(), "nothing new");
        // A torn line is not read until it is complete.
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(br#"{"time":"2026-01-01T00:00:00Z","pha"#)
            .unwrap();
        assert!(!view.refresh());
        f.write_all(b"se\":\"garbage\"}\n").unwrap();
        assert!(view.refresh());
        assert_eq!(view.skipped, 1);
        assert_eq!(view.calls.len(), 2);
        assert_eq!(short_caller(&view.calls[0].caller), "Ops/alice");
    }

    fn cx<'a>(estate: &'a crate::model::Estate, keys: &'a KeyMap) -> Cx<'a> {
        Cx {
            estate,
            mask: &[],
            keys,
            read_only: false,
            now: Utc::now(),
        }
    }

    #[test]
    fn r_reads_the_log_again_and_enter_opens_the_call() {
        let path = scratch("keys");
        let log = AuditLog::open(&path).unwrap();
        log.append(&intent("r-1")).unwrap();
        let mut view = AuditView::default();
        view.set_path(Some(path.clone()));
        let estate = crate::model::Estate::new();
        let keys = KeyMap::default();
        let cx = cx(&estate, &keys);
        let key = |c| KeyEvent::new(c, crossterm::event::KeyModifiers::NONE);
        view.sync(&cx);
        assert_eq!(view.table.len(), 1);
        log.append(&intent("r-2")).unwrap();
        view.sync(&cx);
        assert_eq!(view.table.len(), 1, "sync reads the log once");
        let mut out = Vec::new();
        assert!(view.on_key(&key(KeyCode::Char('r')), None, &cx, &mut out));
        assert_eq!(view.table.len(), 2);
        assert!(out.is_empty());
        assert!(!view.on_key(&key(KeyCode::Char('x')), None, &cx, &mut out));
        view.table.select(0);
        let request_id = view.selected().map(|c| c.request_id.clone());
        assert!(view.on_key(&key(KeyCode::Enter), Some(Action::Details), &cx, &mut out));
        assert_eq!(
            out,
            vec![Cmd::OpenRecord(Record::Audit {
                request_id: request_id.expect("a call selected"),
            })]
        );
    }

    #[test]
    fn a_rebound_refresh_key_reads_the_log_and_r_no_longer_does() {
        use crate::app::keymap::{KeySpec, KeysConfig};
        let path = scratch("rebound");
        let log = AuditLog::open(&path).unwrap();
        log.append(&intent("r-1")).unwrap();
        let mut view = AuditView::default();
        view.set_path(Some(path.clone()));
        let estate = crate::model::Estate::new();
        let config = KeysConfig {
            refresh: Some(vec![KeySpec::parse("F5").unwrap()]),
            ..KeysConfig::default()
        };
        let keys = KeyMap::from_config(&config).unwrap();
        let cx = cx(&estate, &keys);
        let key = |c| KeyEvent::new(c, crossterm::event::KeyModifiers::NONE);
        view.sync(&cx);
        log.append(&intent("r-2")).unwrap();
        let mut out = Vec::new();
        assert!(!view.on_key(&key(KeyCode::Char('r')), None, &cx, &mut out));
        assert_eq!(view.table.len(), 1, "r is no longer bound");
        assert!(view.on_key(&key(KeyCode::F(5)), None, &cx, &mut out));
        assert_eq!(view.table.len(), 2);
        assert!(out.is_empty());
    }
}
