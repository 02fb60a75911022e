//! Writes the seed corpus of every fuzz target from real examples (run by hand:
//! `cargo test --test fuzz write_seed_corpus -- --ignored`). Files already there, the
//! regression inputs of fixed bugs included, are kept.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_sdk_ssm::config::retry::RetryConfig;
use aws_sdk_ssm::config::{BehaviorVersion, Region};
use ssm_cockpit::session::frame::{Frame, MessageType, PayloadType};
use ssm_cockpit::session::messages;
use uuid::Uuid;

use super::{SIGV4_KEY, SIGV4_NOW, SIGV4_SECRET, corpus_dir, encode_records};

fn write(target: &str, name: &str, data: &[u8]) {
    let dir = corpus_dir(target);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), data).unwrap();
}

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The protocol notes beside the checkout (shared/protocol/SESSION_PROTOCOL.md).
fn protocol_doc() -> String {
    let m = manifest();
    for dir in [m.join("../shared"), m.join("../../shared")] {
        if let Ok(t) = std::fs::read_to_string(dir.join("protocol/SESSION_PROTOCOL.md")) {
            return t;
        }
    }
    panic!("shared/protocol/SESSION_PROTOCOL.md is not beside the checkout");
}

/// The fenced blocks of a markdown text: (info string, content).
fn fenced(doc: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in doc.lines() {
        let t = line.trim_start();
        if let Some(info) = t.strip_prefix("```") {
            match current.take() {
                Some(block) => out.push(block),
                None => current = Some((info.trim().to_string(), String::new())),
            }
        } else if let Some((_, body)) = current.as_mut() {
            body.push_str(t);
            body.push('\n');
        }
    }
    out
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if s.is_empty() || !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

pub fn write_all() {
    let doc = protocol_doc();
    session_seeds(&doc);
    text_seeds();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(calendar_seeds());
    rt.block_on(request_seeds());
}

fn frame(ty: MessageType, seq: i64, flags: u64, pt: PayloadType, payload: &[u8]) -> Vec<u8> {
    Frame::new(
        ty,
        1_700_000_000_000 + seq as u64,
        seq,
        flags,
        Uuid::from_u128(0x6ba7_b810_9dad_41d1_80b4_00c0_4fd4_30c8 + seq as u128),
        pt,
        payload.to_vec(),
    )
    .encode()
    .unwrap()
    .to_vec()
}

fn session_seeds(doc: &str) {
    let blocks = fenced(doc);
    // The test vectors: frames in hex (§14).
    let mut n = 0;
    for (_, body) in &blocks {
        if let Some(bytes) = unhex(body)
            && bytes.len() >= 120
        {
            write("session_frame", &format!("vector-{n}"), &bytes);
            n += 1;
        }
    }
    // Payload examples: every JSON block, and the one-line JSON of the vectors.
    let mut jsons: Vec<String> = Vec::new();
    for (info, body) in &blocks {
        let body = body.trim();
        if (info == "json" || body.starts_with('{')) && body.ends_with('}') {
            jsons.push(body.to_string());
        }
    }
    let handshake = r#"{"AgentVersion":"3.3.987.0","RequestedClientActions":[{"ActionType":"SessionType","ActionParameters":{"SessionType":"Standard_Stream","Properties":{}}},{"ActionType":"KMSEncryption","ActionParameters":{"KMSKeyId":"arn:aws:kms:us-east-1:111111111111:key/1","Challenge":"AAAAAAAAAAAAAAAAAAAAAA=="}}]}"#;
    jsons.push(handshake.to_string());
    jsons.push(
        r#"{"MessageType":"channel_closed","SessionId":"s-1","Output":"bye","SchemaVersion":1}"#
            .into(),
    );
    for (i, j) in jsons.iter().enumerate() {
        write("session_messages", &format!("doc-{i}.json"), j.as_bytes());
    }
    let size = serde_json::to_vec(&messages::Size {
        cols: 120,
        rows: 40,
    })
    .unwrap();
    write("session_messages", "size.json", &size);
    write(
        "session_messages",
        "flag",
        &messages::Flag::TerminateSession.encode(),
    );
    write("session_messages", "exit-code", b"EXIT_CODE: 0\n");

    // Frames of every type, and sessions as records of frames.
    let out = |seq: i64, text: &[u8]| {
        frame(
            MessageType::OutputStreamData,
            seq,
            0,
            PayloadType::Output,
            text,
        )
    };
    let hs = frame(
        MessageType::OutputStreamData,
        0,
        0,
        PayloadType::HandshakeRequest,
        handshake.as_bytes(),
    );
    let ack = frame(
        MessageType::Acknowledge,
        0,
        3,
        PayloadType::Output,
        jsons
            .iter()
            .find(|j| j.contains("AcknowledgedMessageType"))
            .map(String::as_bytes)
            .unwrap_or(b"{}"),
    );
    let closed = frame(
        MessageType::ChannelClosed,
        0,
        0,
        PayloadType::Output,
        br#"{"MessageType":"channel_closed","SessionId":"s-1","Output":"bye","SchemaVersion":1}"#,
    );
    let pause = frame(
        MessageType::PausePublication,
        0,
        0,
        PayloadType::Output,
        b"",
    );
    let start = frame(
        MessageType::StartPublication,
        0,
        0,
        PayloadType::Output,
        b"",
    );
    let flag = frame(
        MessageType::InputStreamData,
        0,
        0,
        PayloadType::Flag,
        &messages::Flag::TerminateSession.encode(),
    );
    let exit = frame(
        MessageType::OutputStreamData,
        2,
        0,
        PayloadType::ExitCode,
        b"EXIT_CODE: 3",
    );
    for (name, f) in [
        ("handshake", &hs),
        ("ack", &ack),
        ("closed", &closed),
        ("pause", &pause),
        ("start", &start),
        ("flag", &flag),
        ("exit", &exit),
        ("output", &out(0, b"$ ")),
    ] {
        write("session_frame", name, f);
    }
    let sessions: [(&str, Vec<Vec<u8>>); 3] = [
        (
            "shell",
            vec![
                out(0, b"$ "),
                ack.clone(),
                out(1, b"ls\r\n"),
                out(2, b"a b c\r\n$ "),
                closed.clone(),
            ],
        ),
        (
            "handshake",
            vec![hs.clone(), ack.clone(), out(1, b"hello"), exit.clone()],
        ),
        (
            "out-of-order",
            vec![
                out(2, b"two"),
                pause,
                out(0, b"zero"),
                start,
                out(1, b"one"),
                out(1, b"one"),
                flag,
            ],
        ),
    ];
    for (name, frames) in sessions {
        write("session_channel", name, &encode_records(&frames));
    }
}

fn text_seeds() {
    let m = manifest();
    // Themes: the shipped ones.
    for entry in std::fs::read_dir(m.join("themes")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            write("theme", &name, &std::fs::read(&path).unwrap());
        }
    }
    // Config: the README's example, and its sections one by one.
    let readme = std::fs::read_to_string(m.join("README.md")).unwrap();
    let mut n = 0;
    for (info, body) in fenced(&readme) {
        if info == "toml" {
            write("config", &format!("readme-{n}.toml"), body.as_bytes());
            for (i, section) in body.split("\n[").enumerate().skip(1) {
                write(
                    "config",
                    &format!("readme-{n}-section-{i}.toml"),
                    format!("[{section}").as_bytes(),
                );
            }
            n += 1;
        }
    }
    // Filters, commands, port forwards and keys as the README and the panes' help give
    // them.
    for (i, f) in [
        "web",
        "region=eu !ping=online",
        "tag:Env=prod name=web-01",
        "!tag:team=payments account=1234 platform=linux os=ubuntu agent=3.3 ip=10.0.",
        "scope eu-west-1 prod",
        "scopes",
        "help",
        "8080:localhost:80",
        "5432:db.internal:5432",
        "ctrl-x",
        "F5",
        "shift-tab",
    ]
    .iter()
    .enumerate()
    {
        write("filter", &format!("seed-{i}"), f.as_bytes());
    }
}

/// The change calendars the sim serves, read back through the SDK.
async fn calendar_seeds() {
    use ssm_cockpit::sim::{self, SimConfig};
    let h = sim::start(SimConfig {
        accounts: 1,
        nodes_per_scope: 1,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let c = ssm_client(h.endpoint(), creds(h.credentials()));
    let docs = c
        .list_documents()
        .filters(
            aws_sdk_ssm::types::DocumentKeyValuesFilter::builder()
                .key("DocumentType")
                .values("ChangeCalendar")
                .build(),
        )
        .send()
        .await
        .unwrap();
    for d in docs.document_identifiers() {
        let name = d.name().unwrap_or_default();
        let got = c.get_document().name(name).send().await.unwrap();
        write(
            "icalendar",
            &format!("{name}.ics"),
            got.content().unwrap_or_default().as_bytes(),
        );
    }
}

fn creds(c: &ssm_cockpit::sim::SimCredentials) -> Credentials {
    Credentials::new(&c.access_key_id, &c.secret_access_key, None, None, "seed")
}

fn ssm_client(endpoint: &str, creds: Credentials) -> aws_sdk_ssm::Client {
    aws_sdk_ssm::Client::from_conf(
        aws_sdk_ssm::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("eu-west-1"))
            .credentials_provider(creds)
            .endpoint_url(endpoint)
            .retry_config(RetryConfig::disabled())
            .build(),
    )
}

/// One captured HTTP request.
struct Captured {
    target: Option<String>,
    content_type: String,
    authorization: String,
    body: Vec<u8>,
}

/// A listener that records the requests sent to it and answers 400 to each.
fn capture() -> (String, Arc<Mutex<Vec<Captured>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let head_end = loop {
                if let Some(i) = memchr::memmem::find(&buf, b"\r\n\r\n") {
                    break Some(i);
                }
                match stream.read(&mut chunk) {
                    Ok(0) | Err(_) => break None,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            };
            let Some(head_end) = head_end else { continue };
            let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
            let header = |name: &str| {
                head.lines().find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.trim()
                        .eq_ignore_ascii_case(name)
                        .then(|| v.trim().to_string())
                })
            };
            let len: usize = header("content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let mut body = buf[head_end + 4..].to_vec();
            while body.len() < len {
                match stream.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => body.extend_from_slice(&chunk[..n]),
                }
            }
            s.lock().unwrap().push(Captured {
                target: header("x-amz-target"),
                content_type: header("content-type").unwrap_or_default(),
                authorization: header("authorization").unwrap_or_default(),
                body,
            });
            let _ = stream.write_all(
                b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            );
        }
    });
    (endpoint, seen)
}

/// Requests the SDK sends for the calls the cockpit makes, captured on the wire.
async fn request_seeds() {
    let (endpoint, seen) = capture();
    let key = Credentials::new(
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        None,
        None,
        "seed",
    );
    let ssm = ssm_client(&endpoint, key.clone());
    let _ = ssm
        .describe_instance_information()
        .max_results(50)
        .filters(
            aws_sdk_ssm::types::InstanceInformationStringFilter::builder()
                .key("PingStatus")
                .values("Online")
                .build()
                .unwrap(),
        )
        .send()
        .await;
    let _ = ssm
        .send_command()
        .document_name("AWS-RunShellScript")
        .targets(
            aws_sdk_ssm::types::Target::builder()
                .key("tag:Env")
                .values("prod")
                .build(),
        )
        .parameters("commands", vec!["uptime".into()])
        .max_concurrency("10%")
        .max_errors("1")
        .send()
        .await;
    let _ = ssm
        .get_parameters_by_path()
        .path("/app/")
        .recursive(true)
        .with_decryption(false)
        .send()
        .await;
    let _ = ssm
        .get_calendar_state()
        .calendar_names("prod-freeze")
        .at_time("2026-05-28T20:00:00Z")
        .send()
        .await;
    let _ = ssm
        .list_compliance_summaries()
        .filters(
            aws_sdk_ssm::types::ComplianceStringFilter::builder()
                .key("ComplianceType")
                .values("Patch")
                .r#type(aws_sdk_ssm::types::ComplianceQueryOperatorType::Equal)
                .build(),
        )
        .send()
        .await;
    let _ = ssm
        .start_session()
        .target("mi-0123456789abcdef0")
        .document_name("AWS-StartPortForwardingSession")
        .parameters("portNumber", vec!["80".into()])
        .send()
        .await;
    let _ = ssm
        .start_automation_execution()
        .document_name("AWS-RestartEC2Instance")
        .parameters("InstanceId", vec!["i-0123456789abcdef0".into()])
        .send()
        .await;
    let conf = |b: aws_sdk_sts::config::Builder| {
        b.behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
            .region(aws_sdk_sts::config::Region::new("us-east-1"))
            .credentials_provider(key.clone())
            .endpoint_url(&endpoint)
            .retry_config(aws_sdk_sts::config::retry::RetryConfig::disabled())
            .build()
    };
    let sts = aws_sdk_sts::Client::from_conf(conf(aws_sdk_sts::Config::builder()));
    let _ = sts.get_caller_identity().send().await;
    let _ = sts
        .assume_role()
        .role_arn("arn:aws:iam::111111111111:role/OrganizationAccountAccessRole")
        .role_session_name("ssm-cockpit")
        .duration_seconds(3600)
        .send()
        .await;
    let org = aws_sdk_organizations::Client::from_conf(
        aws_sdk_organizations::Config::builder()
            .behavior_version(aws_sdk_organizations::config::BehaviorVersion::latest())
            .region(aws_sdk_organizations::config::Region::new("us-east-1"))
            .credentials_provider(key.clone())
            .endpoint_url(&endpoint)
            .retry_config(aws_sdk_organizations::config::retry::RetryConfig::disabled())
            .build(),
    );
    let _ = org.list_accounts().max_results(20).send().await;

    let seen = std::mem::take(&mut *seen.lock().unwrap());
    assert!(seen.len() >= 10, "captured {} requests", seen.len());
    let signer = Credentials::new(SIGV4_KEY, SIGV4_SECRET, None, None, "seed");
    let time = UNIX_EPOCH + Duration::from_secs(SIGV4_NOW as u64);
    let host = "127.0.0.1:9";
    for (i, c) in seen.iter().enumerate() {
        write(
            "sigv4_header",
            &format!("sdk-{i}"),
            c.authorization.as_bytes(),
        );
        let (target_header, service) = match &c.target {
            Some(t) => {
                write(
                    "sim_json",
                    &format!("sdk-{i}"),
                    &[t.as_bytes(), b"\n", &c.body].concat(),
                );
                let service = if t.starts_with("AWSOrganizations") {
                    "organizations"
                } else {
                    "ssm"
                };
                (vec![("x-amz-target", t.as_str())], service)
            }
            None => {
                write(
                    "sim_query",
                    &format!("sdk-{i}"),
                    &[b"\n", &c.body[..]].concat(),
                );
                (Vec::new(), "sts")
            }
        };
        let mut headers = vec![("host", host), ("content-type", c.content_type.as_str())];
        headers.extend(target_header);
        let signed = super::common::sigv4_headers(
            &signer,
            service,
            "eu-west-1",
            "POST",
            &format!("http://{host}/"),
            &headers,
            &c.body,
            time,
        );
        write(
            "sigv4_request",
            &format!("sdk-{i}"),
            &raw_request("POST", "/", &headers, &signed, &c.body),
        );
    }
    // A control request with a query string and no body.
    let url = format!("http://{host}/_sim/stats?b=2&a=1&c=%2Fx");
    let headers = [("host", host)];
    let signed = super::common::sigv4_headers(
        &signer,
        "sim",
        "us-east-1",
        "GET",
        &url,
        &headers,
        b"",
        time,
    );
    write(
        "sigv4_request",
        "control-get",
        &raw_request("GET", "/_sim/stats?b=2&a=1&c=%2Fx", &headers, &signed, b""),
    );
    write(
        "sim_query",
        "query-only",
        b"Action=GetCallerIdentity&Version=2011-06-15\n",
    );
}

fn raw_request(
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    signed: &[(String, String)],
    body: &[u8],
) -> Vec<u8> {
    let mut out = format!("{method} {target}\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\n"));
    }
    for (k, v) in signed {
        out.push_str(&format!("{k}: {v}\n"));
    }
    out.push('\n');
    [out.as_bytes(), body].concat()
}
