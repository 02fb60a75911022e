//! The audit log: one JSON object per line, appended and flushed (`sync_data`) before a
//! mutating call's result is returned to whoever asked for it.
//!
//! Every mutating call writes two lines sharing a `request_id`: an `intent` line before the
//! call and a `result` line after it. A refusal (closed change calendar, failed identity
//! check) writes an `intent` and a `refused` result without calling AWS. A process killed
//! mid-call leaves at worst a torn last line, which [`read_entries`] skips and counts.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

/// File name of the audit log inside the data directory.
pub const AUDIT_FILE: &str = "audit.jsonl";

/// `<XDG data dir>/ssm-cockpit/audit.jsonl`, or `None` when there is no home directory.
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "ssm-cockpit").map(|d| d.data_dir().join(AUDIT_FILE))
}

/// Which half of a call a line records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Written before the call is sent.
    Intent,
    /// Written after the call answered (or was refused).
    Result,
}

/// How a call ended (result lines only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Ok,
    Error,
    /// Not sent: a closed change calendar, a missing confirmation, no caller identity.
    Refused,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Error => "error",
            Outcome::Refused => "refused",
        }
    }
}

/// The state of one change calendar as the gate saw it before the call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarCheck {
    /// Calendar document name or ARN, as configured.
    pub name: String,
    /// `OPEN`, `CLOSED`, or `UNKNOWN` when the state could not be read.
    pub state: String,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When the line was written (RFC 3339, UTC).
    #[serde(with = "rfc3339")]
    pub time: DateTime<Utc>,
    pub phase: Phase,
    /// Caller identity ARN (GetCallerIdentity of the scope's credentials).
    pub caller: String,
    /// API operation, e.g. `SendCommand`.
    pub action: String,
    pub account: String,
    pub region: String,
    /// One human line: what was asked.
    pub summary: String,
    /// The request: document, parameters (SecureString values redacted), targets, concurrency…
    #[serde(default)]
    pub request: serde_json::Value,
    /// Result lines only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Outcome>,
    /// The error or refusal reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// CommandId, AutomationExecutionId or OpsItemId.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The override word typed at a closed change calendar.
    #[serde(default, rename = "override", skip_serializing_if = "Option::is_none")]
    pub override_word: Option<String>,
    /// Calendars checked before the call.
    #[serde(default)]
    pub calendars: Vec<CalendarCheck>,
    /// Links the intent and result lines of one call.
    pub request_id: String,
}

impl AuditEntry {
    /// An intent line stamped now.
    #[allow(clippy::too_many_arguments)]
    pub fn intent(
        request_id: &str,
        caller: &str,
        action: &str,
        account: &str,
        region: &str,
        summary: &str,
        request: serde_json::Value,
    ) -> AuditEntry {
        AuditEntry {
            time: Utc::now(),
            phase: Phase::Intent,
            caller: caller.to_string(),
            action: action.to_string(),
            account: account.to_string(),
            region: region.to_string(),
            summary: summary.to_string(),
            request,
            result: None,
            error: None,
            id: None,
            override_word: None,
            calendars: Vec::new(),
            request_id: request_id.to_string(),
        }
    }

    /// The result line of this intent, stamped now.
    pub fn result(
        &self,
        outcome: Outcome,
        id: Option<String>,
        error: Option<String>,
    ) -> AuditEntry {
        AuditEntry {
            time: Utc::now(),
            phase: Phase::Result,
            result: Some(outcome),
            id,
            error,
            ..self.clone()
        }
    }
}

/// RFC 3339 timestamps with milliseconds and a `Z`.
mod rfc3339 {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Millis, true))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("audit log {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("audit log {path}: cannot encode an entry: {source}")]
    Encode {
        path: PathBuf,
        source: serde_json::Error,
    },
}

/// The audit log file, opened for appending. Writes from several tasks are serialized.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    file: Mutex<File>,
}

impl AuditLog {
    /// Opens (creating it and its directory if needed) the log at `path`.
    pub fn open(path: &Path) -> Result<AuditLog, AuditError> {
        let io = |source| AuditError::Io {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(io)?;
        Ok(AuditLog {
            path: path.to_path_buf(),
            file: Mutex::new(file),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one line and flushes it to disk (`sync_data`) before returning.
    pub fn append(&self, entry: &AuditEntry) -> Result<(), AuditError> {
        let mut line = serde_json::to_vec(entry).map_err(|source| AuditError::Encode {
            path: self.path.clone(),
            source,
        })?;
        line.push(b'\n');
        let io = |source| AuditError::Io {
            path: self.path.clone(),
            source,
        };
        // A poisoned lock only means another writer panicked; the file is still usable.
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        file.write_all(&line).map_err(io)?;
        file.sync_data().map_err(io)
    }
}

/// The parsed log, with the number of lines that did not parse.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditRead {
    pub entries: Vec<AuditEntry>,
    /// Lines skipped: a torn last line after a crash, or lines that are not entries.
    pub skipped: usize,
}

/// Reads every complete entry of the log at `path`, skipping lines that do not parse
/// (a torn last line after a crash). A missing file is an empty log.
pub fn read_entries(path: &Path) -> Result<Vec<AuditEntry>, AuditError> {
    read_log(path).map(|r| r.entries)
}

/// Like [`read_entries`], also counting the skipped lines.
pub fn read_log(path: &Path) -> Result<AuditRead, AuditError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(AuditRead::default()),
        Err(source) => {
            return Err(AuditError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let mut read = AuditRead::default();
    for line in BufReader::new(file).split(b'\n') {
        let line = line.map_err(|source| AuditError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<AuditEntry>(&line) {
            Ok(e) => read.entries.push(e),
            Err(_) => read.skipped += 1,
        }
    }
    Ok(read)
}

/// A Run Command intent line of three nodes, for the tests of the log and its pane.
#[cfg(test)]
impl AuditEntry {
    pub(crate) fn sample_intent(id: &str) -> AuditEntry {
        AuditEntry::intent(
            id,
            "arn:aws:sts::111111111111:assumed-role/Ops/alice",
            "SendCommand",
            "111111111111",
            "eu-west-1",
            "AWS-RunShellScript on 3 nodes",
            serde_json::json!({"document": "AWS-RunShellScript"}),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("ssm-cockpit-audit-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("sub").join(AUDIT_FILE)
    }

    fn entry() -> AuditEntry {
        AuditEntry::sample_intent("r-1")
    }

    #[test]
    fn lines_have_the_contract_fields() {
        let mut e = entry().result(Outcome::Ok, Some("cmd-1".into()), None);
        e.override_word = Some("BREAKGLASS".into());
        e.calendars = vec![CalendarCheck {
            name: "prod-freeze".into(),
            state: "CLOSED".into(),
        }];
        let v: serde_json::Value = serde_json::to_value(&e).unwrap();
        for k in [
            "time",
            "phase",
            "caller",
            "action",
            "account",
            "region",
            "summary",
            "request",
            "result",
            "id",
            "override",
            "calendars",
            "request_id",
        ] {
            assert!(v.get(k).is_some(), "missing {k}: {v}");
        }
        assert_eq!(v["phase"], "result");
        assert_eq!(v["result"], "ok");
        assert_eq!(v["calendars"][0]["state"], "CLOSED");
        let t = v["time"].as_str().unwrap();
        assert!(
            t.ends_with('Z') && DateTime::parse_from_rfc3339(t).is_ok(),
            "{t}"
        );
        let intent: serde_json::Value = serde_json::to_value(entry()).unwrap();
        assert_eq!(intent["phase"], "intent");
        assert!(intent.get("result").is_none());
    }

    #[test]
    fn append_then_read_back_skipping_a_torn_line() {
        let path = scratch("torn");
        let log = AuditLog::open(&path).unwrap();
        let e = entry();
        log.append(&e).unwrap();
        log.append(&e.result(Outcome::Error, None, Some("boom".into())))
            .unwrap();
        // A crash mid-write leaves half a line.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(br#"{"time":"2026-01-01T00:00:00Z","pha"#)
            .unwrap();
        drop(f);
        let read = read_log(&path).unwrap();
        assert_eq!(read.entries.len(), 2);
        assert_eq!(read.skipped, 1);
        assert_eq!(read.entries[0].request_id, e.request_id);
        assert_eq!(read.entries[0].phase, Phase::Intent);
        assert_eq!(read.entries[0].request, e.request);
        assert_eq!(read.entries[1].error.as_deref(), Some("boom"));
        assert_eq!(read_entries(&path).unwrap().len(), 2);
    }

    #[test]
    fn a_missing_log_is_empty() {
        let path = scratch("missing");
        assert_eq!(read_log(&path).unwrap(), AuditRead::default());
    }
}
