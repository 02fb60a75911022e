//! Fuzzing of every parser that reads data from outside (docs/fuzzing.md): the session
//! frame decoder, message parser and channel, the config and theme files, the filter and
//! command grammars, iCalendar, and the sim's request parsing (JSON 1.1, Query, SigV4).
//!
//! By default each target runs its corpus (tests/fuzz/corpus/TARGET/) and then mutated
//! inputs for a few seconds, from a fixed seed. `FUZZ_INPUTS=N` runs N inputs in total
//! (split over the targets, no time limit), `FUZZ_SECONDS=S` caps each target's time,
//! `FUZZ_SEED=X` picks the seed, `FUZZ_HANG_MS=M` the CPU time past which an input is a
//! hang (default 1000), `FUZZ_OUT=DIR` where findings are saved.

#[path = "fuzz/engine.rs"]
mod engine;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::TimeZone;
use engine::{Budget, Rng, Target};
use ssm_cockpit::session::frame::{self, Frame};
use ssm_cockpit::session::messages;
use ssm_cockpit::session::{Channel, Role};

const DEFAULT_SEED: u64 = 0x5eed_f022_2026;
const DEFAULT_INPUTS: u64 = 200_000;
const DEFAULT_SECONDS: u64 = 3;

/// The key pair and clock the SigV4 target checks requests against; the corpus's signed
/// requests were signed with them (see `write_seed_corpus`).
const SIGV4_KEY: &str = "AKIAFUZZFUZZFUZZ0001";
const SIGV4_SECRET: &str = "fuzzSecretKeyFuzzSecretKeyFuzzSecretKey1";
const SIGV4_NOW: i64 = 1_780_000_000;

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz/corpus")
        .join(target)
}

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    let v = v.trim().replace('_', "");
    let parsed = match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => v.parse(),
    };
    match parsed {
        Ok(n) => Some(n),
        Err(_) => panic!("{name}={v:?} is not a number (decimal, or hex with 0x)"),
    }
}

fn budget() -> Budget {
    let total = env_u64("FUZZ_INPUTS");
    let seconds = env_u64("FUZZ_SECONDS");
    Budget {
        inputs: total.map_or(DEFAULT_INPUTS, |n| (n / TARGETS.len() as u64).max(1)),
        time: match (total, seconds) {
            (_, Some(s)) => Some(Duration::from_secs(s)),
            (Some(_), None) => None,
            (None, None) => Some(Duration::from_secs(DEFAULT_SECONDS)),
        },
        seed: env_u64("FUZZ_SEED").unwrap_or(DEFAULT_SEED),
        hang: Duration::from_millis(env_u64("FUZZ_HANG_MS").unwrap_or(1000)),
    }
}

fn fuzz_target(name: &str) {
    let target = TARGETS
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no fuzz target {name}"));
    let (seeds, regressions) = engine::load_corpus(&corpus_dir(name));
    assert!(
        !seeds.is_empty(),
        "no corpus in {}: run `cargo test --test fuzz write_seed_corpus -- --ignored`",
        corpus_dir(name).display()
    );
    let budget = budget();
    let report = engine::fuzz(target, &seeds, &regressions, budget);
    println!("{}", report.line(name, budget.seed));
    let mut problems = Vec::new();
    for (path, msg) in &report.panics {
        problems.push(format!("panic: {msg} (input {})", path.display()));
    }
    for (path, took) in &report.hangs {
        problems.push(format!(
            "hang: {} ms (input {})",
            took.as_millis(),
            path.display()
        ));
    }
    assert!(
        problems.is_empty(),
        "fuzz {name} (seed {:#x}; reproduce with FUZZ_SEED):\n{}",
        budget.seed,
        problems.join("\n")
    );
    assert!(
        report.inputs >= (seeds.len() + regressions.len()) as u64,
        "the corpus ran"
    );
}

const TARGETS: &[Target] = &[
    Target {
        name: "session_frame",
        run: run_frame,
        dict: &[
            "input_stream_data",
            "output_stream_data",
            "acknowledge",
            "channel_closed",
            "start_publication",
            "pause_publication",
            "\0\0\0\0",
            "    ",
        ],
        max_len: 4096,
        fix: Some(fix_frame),
    },
    Target {
        name: "session_messages",
        run: run_messages,
        dict: JSON_TOKENS,
        max_len: 8192,
        fix: None,
    },
    Target {
        name: "session_channel",
        run: run_channel,
        dict: &["output_stream_data", "acknowledge", "channel_closed", "{}"],
        max_len: 16384,
        fix: Some(fix_records),
    },
    Target {
        name: "config",
        run: run_config,
        dict: TOML_TOKENS,
        max_len: 16384,
        fix: None,
    },
    Target {
        name: "theme",
        run: run_theme,
        dict: TOML_TOKENS,
        max_len: 8192,
        fix: None,
    },
    Target {
        name: "filter",
        run: run_filter,
        dict: &[
            "!", "=", "tag:", "TAG:", " ", ":", "region=", "account=", "ping=", "é", "\u{301}",
            "İ", "\t", "\u{1b}", "-", "..", "*", "all", "help",
        ],
        max_len: 1024,
        fix: None,
    },
    Target {
        name: "icalendar",
        run: run_icalendar,
        dict: &[
            "BEGIN:VCALENDAR\r\n",
            "END:VCALENDAR\r\n",
            "BEGIN:VEVENT\r\n",
            "END:VEVENT\r\n",
            "DTSTART:20260101T000000Z\r\n",
            "DTEND:20260102T000000Z\r\n",
            "DTSTART;TZID=Europe/Paris:20260101T080000\r\n",
            "DTSTART;VALUE=DATE:20260101\r\n",
            "RRULE:FREQ=DAILY;COUNT=400\r\n",
            "RRULE:FREQ=WEEKLY;INTERVAL=2;UNTIL=20991231T000000Z\r\n",
            "X-CALENDAR-TYPE:DEFAULT_CLOSED\r\n",
            "X-CALENDAR-TYPE:DEFAULT_OPEN\r\n",
            "\r\n ",
            ";",
            ":",
            "=",
            "T",
            "Z",
        ],
        max_len: 16384,
        fix: None,
    },
    Target {
        name: "sim_json",
        run: run_sim_json,
        dict: JSON_TOKENS,
        max_len: 16384,
        fix: None,
    },
    Target {
        name: "sim_query",
        run: run_sim_query,
        dict: &[
            "&",
            "=",
            "%",
            "%00",
            "%ZZ",
            "%e2%82",
            "+",
            "Action=",
            "Version=2011-06-15",
            "AssumeRole",
            "GetCallerIdentity",
            "RoleArn=",
            "DurationSeconds=",
        ],
        max_len: 8192,
        fix: None,
    },
    Target {
        name: "sigv4_header",
        run: run_sigv4_header,
        dict: &[
            "AWS4-HMAC-SHA256",
            "Credential=",
            "SignedHeaders=",
            "Signature=",
            "/",
            ";",
            ",",
            " ",
            "aws4_request",
            "host",
            ":authority",
        ],
        max_len: 4096,
        fix: None,
    },
    Target {
        name: "sigv4_request",
        run: run_sigv4_request,
        dict: &[
            "\n",
            "authorization: ",
            "x-amz-date: ",
            "date: ",
            "x-amz-security-token: ",
            "x-amz-content-sha256: ",
            "AWS4-HMAC-SHA256",
            "Credential=",
            "SignedHeaders=",
            "Signature=",
            "/",
            ";",
            "%",
            "?",
            "&",
            "=",
            "20260528T202640Z",
        ],
        max_len: 8192,
        fix: None,
    },
];

const JSON_TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "\"",
    ":",
    ",",
    "null",
    "true",
    "false",
    "0",
    "-1",
    "1e999",
    "-0.0",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "\"\\\"",
    "{}",
    "[]",
    "\"\"",
    "[[[[[[[[[[[[[[[[",
    "]]]]]]]]",
];

const TOML_TOKENS: &[&str] = &[
    "[",
    "]",
    "[[",
    "]]",
    "=",
    "\"",
    "'",
    "\"\"\"",
    "'''",
    "\n",
    "#",
    ",",
    "{",
    "}",
    ".",
    "true",
    "1979-05-27T07:32:00Z",
    "inf",
    "nan",
    "0x7f",
    "1_000",
    "\\u0000",
    "\"#00ff00\"",
];

// ---- session ----

/// Decodes and validates; a frame that decodes re-encodes to the same bytes' meaning.
fn run_frame(input: &[u8]) -> String {
    let f = match Frame::decode(input) {
        Ok(f) => f,
        Err(e) => return format!("decode {}", variant(&format!("{e:?}"))),
    };
    let valid = f.validate();
    // Re-encoding keeps every field. Not the type of a name with NULs inside: NULs are
    // trimmed before whitespace (§4.4 step 2), so " \0x" reads as "\0x" and then as "x".
    if f.header_length == frame::HEADER_LENGTH
        && !f.message_type.as_str().contains('\0')
        && let Ok(bytes) = f.encode()
    {
        let again = Frame::decode(&bytes).expect("an encoded frame decodes");
        assert!(again == f, "decode(encode(frame)) differs: {again:?}");
    }
    let _ = messages::AcknowledgeContent::for_frame(&f);
    format!(
        "{} {:?} {}",
        f.message_type.as_str().len().min(33),
        f.payload_type,
        match valid {
            Ok(()) => "valid".to_string(),
            Err(e) => variant(&format!("{e:?}")),
        }
    )
}

/// The gist of a message, for telling outcomes apart: digits left out (positions,
/// lengths), at most 60 characters (before most of what it quotes of the input).
fn shape(message: &str) -> String {
    message
        .chars()
        .filter(|c| !c.is_ascii_digit())
        .take(60)
        .collect()
}

/// The enum variant's name of a `Debug` rendering.
fn variant(debug: &str) -> String {
    debug
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("")
        .to_string()
}

const FRAME_TYPES: &[&str] = &[
    "input_stream_data",
    "output_stream_data",
    "acknowledge",
    "channel_closed",
    "start_publication",
    "pause_publication",
];

/// Makes a frame's header consistent with its payload (length, digest, a known type, a
/// date), so that mutations reach past validation.
fn fix_frame(data: &mut Vec<u8>, rng: &mut Rng) {
    if data.len() < frame::FRAME_PREFIX_LEN {
        data.resize(frame::FRAME_PREFIX_LEN, 0);
    }
    if rng.one_in(2) {
        data[0..4].copy_from_slice(&frame::HEADER_LENGTH.to_be_bytes());
    }
    if rng.one_in(3) {
        let name = FRAME_TYPES[rng.below(FRAME_TYPES.len())].as_bytes();
        let mut field = [b' '; 32];
        field[..name.len()].copy_from_slice(name);
        data[4..36].copy_from_slice(&field);
    }
    if data[40..48].iter().all(|b| *b == 0) {
        data[47] = 1;
    }
    let payload = &data[frame::FRAME_PREFIX_LEN..];
    let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
    let digest = frame::payload_digest(payload);
    data[80..112].copy_from_slice(&digest);
    data[116..120].copy_from_slice(&len.to_be_bytes());
}

/// Payloads as every message type the client and the agent read.
fn run_messages(input: &[u8]) -> String {
    use messages::*;
    let mut out = String::new();
    if let Ok(r) = serde_json::from_slice::<HandshakeRequest>(input) {
        let _ = r.session_type();
        let _ = r.requests_kms();
        let answer = HandshakeResponse::answer(&r, CLIENT_VERSION, SHELL_SESSION_TYPES);
        out.push_str(if answer.is_success() { "hs+" } else { "hs-" });
    }
    if let Ok(r) = serde_json::from_slice::<HandshakeResponse>(input) {
        out.push_str(if r.is_success() { "re+" } else { "re-" });
    }
    if serde_json::from_slice::<HandshakeComplete>(input).is_ok() {
        out.push_str("hc");
    }
    if let Ok(c) = serde_json::from_slice::<ChannelClosed>(input) {
        let _ = c.user_message();
        out.push_str("cc");
    }
    if serde_json::from_slice::<AcknowledgeContent>(input).is_ok() {
        out.push_str("ack");
    }
    if serde_json::from_slice::<Size>(input).is_ok() {
        out.push_str("size");
    }
    if serde_json::from_slice::<EncChallenge>(input).is_ok() {
        out.push_str("enc");
    }
    if let Some(f) = Flag::decode(input) {
        out.push_str(&format!("flag{}", f.to_u32().min(9)));
    }
    if parse_exit_code(input).is_some() {
        out.push_str("exit");
    }
    out
}

/// Input: records of `[u16 length][bytes]`, each a frame handed to a client channel (and
/// the odd ones to an agent channel), with timeouts between them.
fn run_channel(input: &[u8]) -> String {
    let t0 = Instant::now();
    let mut client = Channel::new(Role::Client, t0);
    let mut agent = Channel::new(Role::Agent, t0);
    let mut out = String::new();
    for (i, record) in records(input).enumerate() {
        let now = t0 + Duration::from_millis(50 * i as u64);
        let ch = if i % 2 == 0 { &mut client } else { &mut agent };
        match ch.handle_frame(record, now) {
            Ok(()) => out.push('+'),
            Err(e) => out.push_str(&variant(&format!("{e:?}"))[..1]),
        }
        if i % 3 == 2 {
            let _ = ch.send_data(b"x");
        }
        ch.handle_timeout(now + Duration::from_secs(1));
        drain(ch, now);
    }
    out.truncate(64);
    format!("{out} {:?}", client.phase())
}

/// Every event and frame a channel has ready; bounded, or it never stops.
fn drain(ch: &mut Channel, now: Instant) {
    for n in 0.. {
        assert!(n < 100_000, "poll_event never ends");
        if ch.poll_event().is_none() {
            break;
        }
    }
    for n in 0.. {
        assert!(n < 100_000, "poll_transmit never ends");
        if ch.poll_transmit(now).is_none() {
            break;
        }
    }
}

fn records(input: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = input;
    std::iter::from_fn(move || {
        if rest.len() < 2 {
            return None;
        }
        let n = usize::from(u16::from_be_bytes([rest[0], rest[1]])).min(rest.len() - 2);
        let r = &rest[2..2 + n];
        rest = &rest[2 + n..];
        Some(r)
    })
}

/// Repairs one record's frame ([`fix_frame`]) and the record lengths.
fn fix_records(data: &mut Vec<u8>, rng: &mut Rng) {
    let mut recs: Vec<Vec<u8>> = records(data).map(<[u8]>::to_vec).collect();
    if recs.is_empty() {
        return;
    }
    let i = rng.below(recs.len());
    fix_frame(&mut recs[i], rng);
    *data = encode_records(&recs);
}

fn encode_records(recs: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in recs {
        let n = r.len().min(usize::from(u16::MAX));
        out.extend_from_slice(&(n as u16).to_be_bytes());
        out.extend_from_slice(&r[..n]);
    }
    out
}

// ---- config, theme, filter ----

fn run_config(input: &[u8]) -> String {
    use ssm_cockpit::config::Config;
    let text = String::from_utf8_lossy(input);
    match Config::parse(&text, Path::new("config.toml")) {
        Ok(c) => {
            let keys = ssm_cockpit::app::KeyMap::from_config(&c.keys);
            let _ = ssm_cockpit::poll::PollOptions::from_config(&c);
            let _ = ssm_cockpit::config::unique_regions(&c.regions);
            let _ = c.session.recordings();
            let _ = c.wallboard.rotate_interval();
            format!("ok keys {}", keys.is_ok())
        }
        Err(e) => format!("err {}", shape(&e.to_string())),
    }
}

fn run_theme(input: &[u8]) -> String {
    use ssm_cockpit::config::{ColorSupport, Theme};
    let text = String::from_utf8_lossy(input);
    match Theme::from_toml_str(&text) {
        Ok(t) => {
            for s in [
                ColorSupport::TrueColor,
                ColorSupport::Palette256,
                ColorSupport::None,
            ] {
                let _ = t.adapt(s);
            }
            "ok".into()
        }
        Err(e) => format!("err {}", shape(&e.to_string())),
    }
}

fn run_filter(input: &[u8]) -> String {
    let text = String::from_utf8_lossy(input);
    let filter = ssm_cockpit::app::Filter::parse(&text);
    let command = ssm_cockpit::app::parse_command(&text);
    let forward = ssm_cockpit::app::parse_forward(&text);
    let key = ssm_cockpit::config::KeySpec::parse(&text);
    format!(
        "{} {} {} {}",
        match &filter {
            Ok(f) => format!("f{}", f.is_empty()),
            Err(e) => variant(&format!("{e:?}")),
        },
        command.is_ok(),
        forward.is_ok(),
        key.is_ok()
    )
}

// ---- iCalendar ----

fn run_icalendar(input: &[u8]) -> String {
    use ssm_cockpit::model as calendar;
    let text = String::from_utf8_lossy(input);
    let at = chrono::Utc.timestamp_opt(1_780_000_000, 0).unwrap();
    let content = calendar::parse_icalendar(&text);
    let state = content.state_at(at);
    let events = content
        .events_between(
            at - chrono::Duration::days(30),
            at + chrono::Duration::days(60),
        )
        .count();
    for line in text.lines().take(64) {
        if let Some((_, v)) = line.split_once(':') {
            let _ = calendar::parse_ical_time(v);
        }
    }
    let sim = ssm_cockpit::sim::fuzz::calendar_state(&text, 1_780_000_000.0);
    format!("{state:?} {} {sim}", events.min(3))
}

// ---- the sim's requests ----

/// First line: the `X-Amz-Target` header; the rest: the body.
fn run_sim_json(input: &[u8]) -> String {
    let (target, body) = split_line(input);
    ssm_cockpit::sim::fuzz::json_request(&String::from_utf8_lossy(target), body)
}

/// First line: the URL's query; the rest: the form body.
fn run_sim_query(input: &[u8]) -> String {
    let (query, body) = split_line(input);
    ssm_cockpit::sim::fuzz::query_request(&String::from_utf8_lossy(query), body)
}

fn run_sigv4_header(input: &[u8]) -> String {
    ssm_cockpit::sim::fuzz::authorization(&String::from_utf8_lossy(input))
}

fn run_sigv4_request(input: &[u8]) -> String {
    thread_local! {
        static AUTH: ssm_cockpit::sim::fuzz::Authenticator =
            ssm_cockpit::sim::fuzz::Authenticator::new(
                SIGV4_KEY,
                SIGV4_SECRET,
                chrono::Utc.timestamp_opt(SIGV4_NOW, 0).unwrap(),
            )
            .expect("a valid key pair");
    }
    AUTH.with(|a| shape(&a.check(input)))
}

fn split_line(input: &[u8]) -> (&[u8], &[u8]) {
    match input.iter().position(|b| *b == b'\n') {
        Some(i) => (&input[..i], &input[i + 1..]),
        None => (input, &[]),
    }
}

// ---- the tests ----

#[test]
fn session_frame() {
    fuzz_target("session_frame");
}

#[test]
fn session_messages() {
    fuzz_target("session_messages");
}

#[test]
fn session_channel() {
    fuzz_target("session_channel");
}

#[test]
fn config() {
    fuzz_target("config");
}

#[test]
fn theme() {
    fuzz_target("theme");
}

#[test]
fn filter() {
    fuzz_target("filter");
}

#[test]
fn icalendar() {
    fuzz_target("icalendar");
}

#[test]
fn sim_json() {
    fuzz_target("sim_json");
}

#[test]
fn sim_query() {
    fuzz_target("sim_query");
}

#[test]
fn sigv4_header() {
    fuzz_target("sigv4_header");
}

#[test]
fn sigv4_request() {
    fuzz_target("sigv4_request");
}

/// The engine finds what it is for: a planted bug (a panic on inputs starting `FUZ`) is
/// found from a seed that does not have it, and its input is saved and minimized.
#[test]
fn the_fuzzer_finds_a_planted_panic() {
    fn planted(input: &[u8]) -> String {
        if input.len() >= 3 && &input[..3] == b"FUZ" {
            panic!("planted");
        }
        format!("{}", input.first().copied().unwrap_or(0) / 16)
    }
    let target = Target {
        name: "planted",
        run: planted,
        dict: &["F", "U", "Z"],
        max_len: 64,
        fix: None,
    };
    let report = engine::fuzz(
        &target,
        &[b"AB".to_vec()],
        &[],
        Budget {
            inputs: 200_000,
            time: Some(Duration::from_secs(30)),
            seed: DEFAULT_SEED,
            hang: Duration::from_secs(1),
        },
    );
    assert_eq!(report.panics.len(), 1, "{}", report.line("planted", 0));
    let (path, msg) = &report.panics[0];
    assert!(msg.starts_with("planted"), "{msg}");
    assert_eq!(std::fs::read(path).unwrap(), b"FUZ", "minimized");
}

/// The engine reports slow inputs as hangs, with the input saved.
#[test]
fn the_fuzzer_reports_a_slow_input_as_a_hang() {
    fn slow(input: &[u8]) -> String {
        if input == b"slow" {
            // Busy: a hang is measured in CPU time.
            let t0 = engine::thread_time();
            while engine::thread_time().saturating_sub(t0) < Duration::from_millis(150) {
                std::hint::black_box(input.len());
            }
        }
        String::new()
    }
    let target = Target {
        name: "slow",
        run: slow,
        dict: &[],
        max_len: 8,
        fix: None,
    };
    let report = engine::fuzz(
        &target,
        &[b"slow".to_vec()],
        &[],
        Budget {
            inputs: 10,
            time: None,
            seed: 1,
            hang: Duration::from_millis(100),
        },
    );
    assert_eq!(report.hangs.len(), 1);
    assert_eq!(std::fs::read(&report.hangs[0].0).unwrap(), b"slow");
}

/// Writes the seed corpus from real examples: the protocol's test vectors, the themes, the
/// README's config, the sim's change calendars, and requests the AWS SDK sends.
/// `cargo test --test fuzz write_seed_corpus -- --ignored`
#[test]
#[ignore = "writes tests/fuzz/corpus; run by hand when the formats change"]
fn write_seed_corpus() {
    seeds::write_all();
}

#[path = "fuzz/seeds.rs"]
mod seeds;

#[path = "common/mod.rs"]
mod common;
