//! Shell session recordings in asciicast v2 (one JSON header line, then one JSON array per
//! event: `[seconds, "o", text]` for output, `[seconds, "r", "COLSxROWS"]` for resizes).
//!
//! [`AsciicastWriter`] formats; [`Recorder`] owns a file and a writer thread, so the
//! session task never waits on the disk. Only terminal output and sizes are written.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde_json::json;

/// Where and how to record a shell session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingOptions {
    /// Directory of the `.cast` files; created if missing.
    pub dir: PathBuf,
    /// `TERM` recorded in the header (the remote shell's, §9.1).
    pub term: String,
}

impl RecordingOptions {
    pub fn new(dir: impl Into<PathBuf>) -> RecordingOptions {
        RecordingOptions {
            dir: dir.into(),
            term: "xterm-256color".to_string(),
        }
    }
}

/// Formats an asciicast v2 stream onto `W`. Output split inside a UTF-8 sequence is
/// carried to the next event; invalid bytes become U+FFFD.
pub struct AsciicastWriter<W: Write> {
    out: W,
    carry: Vec<u8>,
}

impl<W: Write> AsciicastWriter<W> {
    /// Writes the header line.
    pub fn new(
        mut out: W,
        width: u16,
        height: u16,
        timestamp: i64,
        title: &str,
        term: &str,
    ) -> io::Result<Self> {
        let header = json!({
            "version": 2,
            "width": width,
            "height": height,
            "timestamp": timestamp,
            "title": title,
            "env": {"TERM": term},
        });
        writeln!(out, "{header}")?;
        Ok(AsciicastWriter {
            out,
            carry: Vec::new(),
        })
    }

    pub fn output(&mut self, seconds: f64, data: &[u8]) -> io::Result<()> {
        let text = decode_utf8_stream(&mut self.carry, data);
        if text.is_empty() {
            return Ok(());
        }
        self.event(seconds, "o", &text)
    }

    pub fn resize(&mut self, seconds: f64, cols: u16, rows: u16) -> io::Result<()> {
        self.event(seconds, "r", &format!("{cols}x{rows}"))
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Writes any held partial sequence (as U+FFFD) and flushes.
    pub fn finish(&mut self, seconds: f64) -> io::Result<()> {
        if !self.carry.is_empty() {
            let text = String::from_utf8_lossy(&std::mem::take(&mut self.carry)).into_owned();
            self.event(seconds, "o", &text)?;
        }
        self.out.flush()
    }

    pub fn into_inner(self) -> W {
        self.out
    }

    fn event(&mut self, seconds: f64, code: &str, data: &str) -> io::Result<()> {
        let t = (seconds.max(0.0) * 1e6).round() / 1e6;
        let line = serde_json::to_string(&(t, code, data)).map_err(io::Error::other)?;
        self.out.write_all(line.as_bytes())?;
        self.out.write_all(b"\n")
    }
}

/// Decodes `carry ++ data` as UTF-8, keeping an incomplete trailing sequence in `carry`.
fn decode_utf8_stream(carry: &mut Vec<u8>, data: &[u8]) -> String {
    let mut bytes = std::mem::take(carry);
    bytes.extend_from_slice(data);
    let mut text = String::with_capacity(bytes.len());
    let mut rest: &[u8] = &bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                text.push_str(s);
                break;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                text.push_str(std::str::from_utf8(good).unwrap_or_default());
                match e.error_len() {
                    Some(n) => {
                        text.push('\u{FFFD}');
                        rest = &bad[n..];
                    }
                    None => {
                        carry.extend_from_slice(bad);
                        break;
                    }
                }
            }
        }
    }
    text
}

enum Record {
    Output(f64, Vec<u8>),
    Resize(f64, u16, u16),
    Finish(f64),
}

/// A recording in progress: a `.cast` file written by its own thread.
pub struct Recorder {
    path: PathBuf,
    started: Instant,
    tx: Option<mpsc::Sender<Record>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Recorder {
    /// Creates `<dir>/<node>-<UTC time>.cast` (with `-N` added if taken) and writes the
    /// header.
    pub fn create(
        options: &RecordingOptions,
        node: &str,
        title: &str,
        cols: u16,
        rows: u16,
    ) -> io::Result<Recorder> {
        std::fs::create_dir_all(&options.dir)?;
        let now = Utc::now();
        let (path, file) = create_unique(&options.dir, node, now)?;
        let mut writer = AsciicastWriter::new(
            BufWriter::new(file),
            cols,
            rows,
            now.timestamp(),
            title,
            &options.term,
        )?;
        writer.flush()?;
        let (tx, rx) = mpsc::channel::<Record>();
        let thread_path = path.clone();
        let thread = std::thread::Builder::new()
            .name("session-recorder".into())
            .spawn(move || write_loop(writer, &rx, &thread_path))?;
        Ok(Recorder {
            path,
            started: Instant::now(),
            tx: Some(tx),
            thread: Some(thread),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn output(&self, data: &[u8]) {
        self.send(Record::Output(self.elapsed(), data.to_vec()));
    }

    pub fn resize(&self, cols: u16, rows: u16) {
        self.send(Record::Resize(self.elapsed(), cols, rows));
    }

    /// Flushes and closes the file; returns once it is on disk.
    pub fn finish(mut self) {
        self.close();
    }

    fn elapsed(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    fn send(&self, record: Record) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(record);
        }
    }

    fn close(&mut self) {
        let t = self.elapsed();
        if let Some(tx) = self.tx.take() {
            let _ = tx.send(Record::Finish(t));
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.close();
    }
}

fn write_loop(
    mut writer: AsciicastWriter<BufWriter<File>>,
    rx: &mpsc::Receiver<Record>,
    path: &Path,
) {
    let apply = |record: Record, writer: &mut AsciicastWriter<BufWriter<File>>| match record {
        Record::Output(t, data) => writer.output(t, &data).map(|()| false),
        Record::Resize(t, c, r) => writer.resize(t, c, r).map(|()| false),
        Record::Finish(t) => writer.finish(t).map(|()| true),
    };
    while let Ok(first) = rx.recv() {
        let mut result = apply(first, &mut writer);
        let mut done = matches!(result, Ok(true));
        while !done && result.is_ok() {
            match rx.try_recv() {
                Ok(next) => {
                    result = apply(next, &mut writer);
                    done = matches!(result, Ok(true));
                }
                Err(_) => break,
            }
        }
        if result.is_ok() {
            result = writer.flush().map(|()| done);
        }
        match result {
            Ok(true) => return,
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "recording stopped");
                return;
            }
        }
    }
    let _ = writer.flush();
}

fn create_unique(dir: &Path, node: &str, now: DateTime<Utc>) -> io::Result<(PathBuf, File)> {
    let stem = format!("{}-{}", file_safe(node), now.format("%Y%m%dT%H%M%SZ"));
    for n in 0..1000 {
        let name = if n == 0 {
            format!("{stem}.cast")
        } else {
            format!("{stem}-{n}.cast")
        };
        let path = dir.join(name);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("no free recording file name for {stem}"),
    ))
}

/// Letters, digits, `-`, `_` and `.` kept; anything else becomes `_`.
fn file_safe(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    let s = s.trim_start_matches('.').to_string();
    if s.is_empty() { "session".into() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn header_and_events() {
        let mut w = AsciicastWriter::new(Vec::new(), 100, 30, 1_700_000_000, "web-1", "xterm")
            .expect("header");
        w.output(0.5, b"hello\r\n").expect("o");
        w.resize(1.25, 120, 40).expect("r");
        w.finish(2.0).expect("finish");
        let text = String::from_utf8(w.into_inner()).expect("utf8");
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0]["version"], 2);
        assert_eq!(lines[0]["width"], 100);
        assert_eq!(lines[0]["height"], 30);
        assert_eq!(lines[0]["timestamp"], 1_700_000_000);
        assert_eq!(lines[0]["title"], "web-1");
        assert_eq!(lines[0]["env"]["TERM"], "xterm");
        assert_eq!(lines[1], json!([0.5, "o", "hello\r\n"]));
        assert_eq!(lines[2], json!([1.25, "r", "120x40"]));
    }

    #[test]
    fn split_utf8_is_carried_and_invalid_replaced() {
        let mut carry = Vec::new();
        let euro = "€".as_bytes();
        assert_eq!(
            decode_utf8_stream(&mut carry, &[b'a', euro[0], euro[1]]),
            "a"
        );
        assert_eq!(carry.len(), 2);
        assert_eq!(decode_utf8_stream(&mut carry, &[euro[2], b'b']), "€b");
        assert!(carry.is_empty());
        assert_eq!(decode_utf8_stream(&mut carry, b"x\xffy"), "x\u{FFFD}y");
    }

    #[test]
    fn recorder_writes_a_file() {
        let dir = std::env::temp_dir().join(format!("ssm-cockpit-rec-{}", uuid::Uuid::new_v4()));
        let opts = RecordingOptions::new(&dir);
        let rec = Recorder::create(&opts, "i-0abc/../x", "i-0abc", 80, 24).expect("create");
        let path = rec.path().to_path_buf();
        assert!(path.starts_with(&dir));
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        assert!(name.starts_with("i-0abc_.._x-"), "{name}");
        assert!(name.ends_with(".cast"));
        rec.output(b"$ ");
        rec.resize(90, 30);
        rec.output(b"ok\r\n");
        rec.finish();
        let text = std::fs::read_to_string(&path).expect("read");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        let second = Recorder::create(&opts, "i-0abc/../x", "t", 80, 24).expect("create 2");
        assert_ne!(second.path(), path);
        drop(second);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
