//! Answers that are not AWS's, from the simulated estate's bad-answer knobs, through the
//! real SDK: an HTML page, a proxy's XML, a wrong content type, an answer of the wrong
//! shape, one cut short, and oversized ones. Each reads as its status, where it came
//! from, its content type and an excerpt, never as the SDK's debug output; an oversized
//! answer fails its scope without being read.

mod common;

use std::time::Duration;

use ssm_cockpit::aws::{AwsError, Connector, MAX_ANSWER_BYTES};
use ssm_cockpit::config::AccountsConfig;
use ssm_cockpit::model::{Estate, Feed, FeedSet, ScopeHealth};
use ssm_cockpit::poll::{PollOptions, poll_control, run_estate};
use ssm_cockpit::sim::{self, BadAnswer, BadAnswerRule, SimConfig, SimHandle};
use tokio::sync::mpsc;

const ROLE: &str = "OrganizationAccountAccessRole";

async fn sim(regions: &[&str]) -> SimHandle {
    sim::start(SimConfig {
        accounts: 2,
        regions: regions.iter().map(|r| r.to_string()).collect(),
        nodes_per_scope: 3,
        ..SimConfig::default()
    })
    .await
    .expect("sim starts")
}

/// The three ways a call meets an answer: an SSM call with the caller's own credentials,
/// one through an assumed role (the answer is AssumeRole's), and STS at connect time.
async fn three_calls(h: &SimHandle, conn: &Connector) -> Vec<(&'static str, String)> {
    let accounts = h.accounts();
    let own = conn.ssm_read(&accounts[0].0, "us-east-1", ROLE).await;
    let member = conn.ssm_read(&accounts[1].0, "us-east-1", ROLE).await;
    let text = |r: Result<_, AwsError>| match r {
        Ok(_) => panic!("a bad answer was taken"),
        Err(e) => e.to_string(),
    };
    let sts = Connector::connect(&common::sim_aws(
        h.endpoint(),
        &["us-east-1"],
        h.credentials(),
        1,
    ))
    .await
    .map(|_| ());
    vec![
        ("ssm", text(own.nodes_page(0, None).await.map(|_| ()))),
        (
            "assume role",
            text(member.nodes_page(0, None).await.map(|_| ())),
        ),
        ("sts", text(sts)),
    ]
}

/// No Rust debug output (`StartEl { name: … }`, `Error { aws_request_id: … }`).
fn assert_plain(what: &str, message: &str) {
    for debug in [
        "{ ",
        "StartEl",
        "aws_request_id",
        "Error {",
        "Some(",
        "\\\"",
    ] {
        assert!(
            !message.contains(debug),
            "{what}: debug output ({debug}) in {message:?}"
        );
    }
}

#[tokio::test]
async fn answers_that_are_not_aws_read_as_status_content_type_and_excerpt() {
    let h = sim(&["us-east-1"]).await;
    let conn = common::connect_mgmt(&h, &["us-east-1"]).await;
    let url = format!("{}/", h.endpoint());
    let cases = [
        (
            BadAnswer::Html,
            format!("HTTP 502 from {url}: text/html, not an AWS response: «502 Bad Gateway"),
        ),
        (
            BadAnswer::ProxyXml,
            format!(
                "HTTP 503 from {url}: application/xml, not an AWS response: «ServiceUnavailable upstream connect error"
            ),
        ),
        (
            BadAnswer::WrongType,
            format!("HTTP 200 from {url}: text/plain, not an AWS response: «OK»"),
        ),
    ];
    for (answer, expected) in cases {
        h.knobs().add_bad_answer(BadAnswerRule::all(answer));
        for (path, message) in three_calls(&h, &conn).await {
            assert!(
                message.contains(&expected),
                "{answer:?} via {path}: {message:?} lacks {expected:?}"
            );
            assert!(
                message.ends_with("(check the network, proxy and --endpoint-url)"),
                "{answer:?} via {path}: no fix in {message:?}"
            );
            assert_plain(&format!("{answer:?} via {path}"), &message);
        }
        h.knobs().clear_bad_answers();
    }
    // Good answers again: the check refuses nothing AWS sends.
    let read = conn.ssm_read(&h.accounts()[1].0, "us-east-1", ROLE).await;
    assert_eq!(
        read.nodes_page(0, None).await.expect("nodes").nodes.len(),
        3
    );
}

#[tokio::test]
async fn answers_of_the_wrong_shape_or_cut_short_say_what_came() {
    let h = sim(&["us-east-1"]).await;
    let conn = common::connect_mgmt(&h, &["us-east-1"]).await;
    let url = format!("{}/", h.endpoint());
    h.knobs()
        .add_bad_answer(BadAnswerRule::all(BadAnswer::WrongShape));
    for (path, message) in three_calls(&h, &conn).await {
        let expected = if path == "ssm" {
            // The SDK's parser fails: what came is quoted.
            format!(
                "HTTP 200 from {url}: application/x-amz-json-1.1, an answer that could not be read ("
            )
        } else {
            // AssumeRole's and GetCallerIdentity's answer has another operation's root.
            format!(
                "HTTP 200 from {url}: text/xml, not an AWS response: «<OtherResponse><Result/></OtherResponse>»"
            )
        };
        assert!(
            message.contains(&expected),
            "via {path}: {message:?} lacks {expected:?}"
        );
        assert_plain(&format!("wrong shape via {path}"), &message);
    }
    h.knobs().clear_bad_answers();
    h.knobs()
        .add_bad_answer(BadAnswerRule::all(BadAnswer::Truncated));
    for (path, message) in three_calls(&h, &conn).await {
        let expected = format!("HTTP 200 from {url}: the answer broke off after 64 bytes of 4096");
        assert!(
            message.contains(&expected),
            "via {path}: {message:?} lacks {expected:?}"
        );
        assert_plain(&format!("truncated via {path}"), &message);
    }
}

#[tokio::test]
async fn oversized_answers_fail_before_they_are_read() {
    let h = sim(&["us-east-1"]).await;
    let conn = common::connect_mgmt(&h, &["us-east-1"]).await;
    let read = conn.ssm_read(&h.accounts()[0].0, "us-east-1", ROLE).await;
    let url = format!("{}/", h.endpoint());
    let size = 200 * 1024 * 1024;
    for announced in [true, false] {
        h.knobs().clear_bad_answers();
        h.knobs().add_bad_answer(BadAnswerRule {
            answer: BadAnswer::Oversized {
                bytes: size,
                announced,
            },
            operation: Some("DescribeInstanceInformation".into()),
            region: None,
        });
        let before = h.knobs().bad_answer_bytes();
        let message = read
            .nodes_page(0, None)
            .await
            .map(|_| ())
            .expect_err("an oversized answer was taken")
            .to_string();
        let expected = if announced {
            format!(
                "ssm:DescribeInstanceInformation: HTTP 200 from {url}: an answer of {size} bytes, larger than the 16 MiB the cockpit reads"
            )
        } else {
            format!(
                "ssm:DescribeInstanceInformation: HTTP 200 from {url}: an answer larger than the 16 MiB the cockpit reads"
            )
        };
        assert!(
            message.starts_with(&expected),
            "{message:?} is not {expected:?}"
        );
        assert!(
            message.ends_with("check the proxy and --endpoint-url)"),
            "{message}"
        );
        // The client stopped reading: what the sim could write is the cap (none of it
        // when the length was announced) and what the sockets buffer, not 200 MiB.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let written = h.knobs().bad_answer_bytes() - before;
        assert!(
            written < MAX_ANSWER_BYTES + 32 * 1024 * 1024,
            "announced {announced}: {written} bytes written"
        );
    }
}

#[tokio::test]
async fn an_oversized_answer_fails_its_scope_and_the_others_load() {
    let regions = ["us-east-1", "eu-west-1"];
    let h = sim(&regions).await;
    h.knobs().add_bad_answer(BadAnswerRule {
        answer: BadAnswer::Oversized {
            bytes: 64 * 1024 * 1024,
            announced: false,
        },
        operation: Some("DescribeInstanceInformation".into()),
        region: Some("eu-west-1".into()),
    });
    let (_poll, control) = poll_control(FeedSet::of(&[Feed::Nodes]));
    let opts = PollOptions {
        rate_per_second: 50.0,
        control: Some(control),
        ..PollOptions::default()
    }
    .every_feed(Duration::from_secs(3600));
    let (tx, mut rx) = mpsc::channel(1024);
    let task = tokio::spawn(run_estate(
        common::sim_aws(h.endpoint(), &regions, h.credentials(), 2),
        AccountsConfig::default(),
        opts,
        tx,
        Default::default(),
    ));
    let mut e = Estate::new();
    let settled = |e: &Estate| {
        e.scopes().len() == 4
            && e.scopes().iter().all(|s| {
                let f = s.feed(Feed::Nodes);
                f.health == ScopeHealth::Fresh || f.error.is_some()
            })
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !settled(&e) {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(ev)) => {
                e.apply(ev);
            }
            other => panic!("the scopes did not settle: {other:?}"),
        }
    }
    task.abort();
    for s in e.scopes() {
        let f = s.feed(Feed::Nodes);
        if s.scope.region == "eu-west-1" {
            let error = f.error.as_deref().unwrap_or_default();
            assert!(
                error.contains("an answer larger than the 16 MiB the cockpit reads"),
                "{}: {error:?}",
                s.scope.label()
            );
        } else {
            assert_eq!(
                f.health,
                ScopeHealth::Fresh,
                "{}: {:?}",
                s.scope.label(),
                f.error
            );
        }
    }
}
