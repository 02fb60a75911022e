//! Behaviour of the data channel: session start, acks, retransmission, pacing,
//! pause/resume, reconnection, give-up, close.

use std::time::Instant;

use super::*;
use crate::session::channel::{ChannelError, Phase, State};
use crate::session::messages::{Flag, HandshakeResponse, SHELL_SESSION_TYPES, Size};

/// A client channel whose session already started (first Output consumed).
fn running_client(t0: Instant) -> Channel {
    let mut ch = client(t0);
    ch.handle_frame(&agent_frame(0, PayloadType::Output, b"$ "), t0)
        .unwrap();
    drain(&mut ch, t0);
    events(&mut ch);
    ch
}

#[test]
fn input_is_held_until_the_first_output_then_sent_in_order() {
    let t0 = Instant::now();
    let mut ch = client(t0);
    ch.send_size(Size { cols: 80, rows: 24 }).unwrap();
    ch.send_size(Size {
        cols: 100,
        rows: 30,
    })
    .unwrap();
    ch.send_data(b"ls").unwrap();
    ch.send_data(b"\r").unwrap();
    assert!(drain(&mut ch, t0).is_empty());
    assert_eq!(ch.next_sequence_number(), 0);
    assert_eq!(ch.unacknowledged(), 2);

    ch.handle_frame(&agent_frame(0, PayloadType::Output, b"$ "), t0)
        .unwrap();
    assert_eq!(ch.phase(), Phase::Running);
    assert_eq!(events(&mut ch)[0], Event::SessionStarted);
    let out = drain(&mut ch, t0);
    assert_eq!(acked(&out), vec![0]);
    let sent = stream(&out);
    assert_eq!(sent.len(), 1, "pacing lets one stream message out per ms");
    assert_eq!(sent[0].payload_type, PayloadType::Size);
    assert_eq!(&sent[0].payload[..], br#"{"cols":100,"rows":30}"#);
    assert_eq!(sent[0].sequence_number, 0);
    assert_eq!(sent[0].message_type, MessageType::InputStreamData);
    assert_eq!(sent[0].flags, 0);
    let out = drain(&mut ch, t0 + ms(1));
    let sent = stream(&out);
    assert_eq!(sent[0].sequence_number, 1);
    assert_eq!(&sent[0].payload[..], b"ls\r");
}

#[test]
fn handshake_flow_releases_input_after_handshake_complete() {
    let t0 = Instant::now();
    let mut ch = client(t0);
    let request = br#"{"AgentVersion":"3.3.987.0","RequestedClientActions":[{"ActionType":"SessionType","ActionParameters":{"SessionType":"InteractiveCommands","Properties":{"commands":"top"}}}]}"#;
    ch.handle_frame(&agent_frame(0, PayloadType::HandshakeRequest, request), t0)
        .unwrap();
    assert_eq!(ch.phase(), Phase::Handshaking);
    assert_eq!(acked(&drain(&mut ch, t0)), vec![0]);
    let Some(Event::HandshakeRequest(req)) = ch.poll_event() else {
        panic!("expected a handshake request")
    };
    assert_eq!(req.agent_version, "3.3.987.0");

    ch.send_size(Size { cols: 80, rows: 24 }).unwrap();
    ch.send_handshake_response(&HandshakeResponse::answer(
        &req,
        "1.2.650.0",
        SHELL_SESSION_TYPES,
    ))
    .unwrap();
    let out = drain(&mut ch, t0);
    let sent = stream(&out);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].payload_type, PayloadType::HandshakeResponse);
    assert_eq!(sent[0].sequence_number, 0);

    let complete = br#"{"HandshakeTimeToComplete":123456789,"CustomerMessage":"hello"}"#;
    ch.handle_frame(
        &agent_frame(1, PayloadType::HandshakeComplete, complete),
        t0,
    )
    .unwrap();
    let evs = events(&mut ch);
    assert!(matches!(&evs[0], Event::HandshakeComplete(c) if c.customer_message == "hello"));
    assert_eq!(evs[1], Event::SessionStarted);
    let out = drain(&mut ch, t0 + ms(1));
    assert_eq!(acked(&out), vec![1]);
    let sent = stream(&out);
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0].payload_type, sent[0].sequence_number),
        (PayloadType::Size, 1)
    );
}

#[test]
fn stream_payload_types_become_events() {
    let t0 = Instant::now();
    let mut ch = running_client(t0);
    let frames = [
        agent_frame(1, PayloadType::StdErr, b"oops"),
        agent_frame(2, PayloadType::ExitCode, b"EXIT_CODE: 3"),
        agent_frame(3, PayloadType::Flag, &[0, 0, 0, 3]),
        agent_frame(
            4,
            PayloadType::EncChallengeRequest,
            br#"{"Challenge":"AAAA"}"#,
        ),
        agent_frame(5, PayloadType::HandshakeComplete, b"{not json"),
        agent_frame(6, PayloadType::Unknown(99), b"?"),
    ];
    for f in &frames {
        ch.handle_frame(f, t0).unwrap();
    }
    let evs = events(&mut ch);
    assert_eq!(evs[0], Event::StdErr(Bytes::from_static(b"oops")));
    assert_eq!(evs[1], Event::ExitCode(Bytes::from_static(b"EXIT_CODE: 3")));
    assert_eq!(
        crate::session::messages::parse_exit_code(b"EXIT_CODE: 3"),
        Some(3)
    );
    assert_eq!(evs[2], Event::Flag(Flag::ConnectToPortError));
    assert!(matches!(&evs[3], Event::EncChallengeRequest(c) if c.challenge == "AAAA"));
    assert!(matches!(
        &evs[4],
        Event::Malformed {
            payload_type: PayloadType::HandshakeComplete,
            ..
        }
    ));
    assert_eq!(
        evs[5],
        Event::Other {
            payload_type: PayloadType::Unknown(99),
            payload: Bytes::from_static(b"?")
        }
    );
    assert_eq!(acked(&drain(&mut ch, t0)), vec![1, 2, 3, 4, 5, 6]);
}

#[test]
fn retransmits_the_oldest_after_rto_with_same_bytes_and_karn_rule() {
    let t0 = Instant::now();
    let mut ch = running_client(t0);
    ch.send_data(b"x").unwrap();
    let first = ch.poll_transmit(t0).unwrap();
    assert_eq!(ch.poll_timeout(), Some(t0 + ms(100)));

    ch.handle_timeout(t0 + ms(100));
    assert!(ch.poll_transmit(t0 + ms(100)).is_none(), "100 ms < RTO");
    ch.handle_timeout(t0 + ms(200));
    assert!(ch.poll_transmit(t0 + ms(200)).is_none(), "needs > RTO");
    ch.handle_timeout(t0 + ms(300));
    let again = ch.poll_transmit(t0 + ms(300)).unwrap();
    assert_eq!(again, first, "resent unchanged");
    // last-sent was updated: no resend on the very next tick.
    ch.handle_timeout(t0 + ms(400));
    assert!(ch.poll_transmit(t0 + ms(400)).is_none());
    ch.handle_timeout(t0 + ms(500));
    assert!(
        ch.poll_transmit(t0 + ms(500)).is_none(),
        "200 ms is not > RTO"
    );
    ch.handle_timeout(t0 + ms(599));
    assert!(ch.poll_transmit(t0 + ms(599)).is_none(), "tick not due");
    ch.handle_timeout(t0 + ms(600));
    assert_eq!(ch.poll_transmit(t0 + ms(600)), Some(first));

    ch.handle_frame(&ack_of_input(0), t0 + ms(650)).unwrap();
    assert_eq!(ch.unacknowledged(), 0);
    assert_eq!(ch.rtt().rto_ms, 200.0, "no sample from a resent message");
    assert_eq!(ch.poll_timeout(), None, "idle channel has no timer");
}

#[test]
fn acknowledgements_are_selective_and_unknown_ones_ignored() {
    let t0 = Instant::now();
    let mut ch = running_client(t0);
    for (i, chunk) in [b"a", b"b", b"c"].iter().enumerate() {
        ch.send_data(*chunk).unwrap();
        assert!(ch.poll_transmit(t0 + ms(i as u64)).is_some());
    }
    ch.handle_frame(&ack_of_input(1), t0 + ms(10)).unwrap();
    ch.handle_frame(&ack_of_input(42), t0 + ms(10)).unwrap();
    ch.handle_frame(&ack_of_input(1), t0 + ms(10)).unwrap();
    assert_eq!(ch.unacknowledged(), 2);
    assert_eq!(ch.next_sequence_number(), 3);
}

#[test]
fn pacing_allows_one_stream_message_per_millisecond_but_acks_immediately() {
    let t0 = Instant::now();
    let mut ch = running_client(t0);
    let data = vec![b'a'; 3000];
    ch.send_data(&data).unwrap();
    assert!(ch.poll_transmit(t0).is_some());
    assert!(ch.poll_transmit(t0).is_none());
    assert_eq!(ch.poll_timeout(), Some(t0 + ms(1)));
    ch.handle_frame(&agent_frame(1, PayloadType::Output, b"o"), t0)
        .unwrap();
    assert_eq!(acked(&drain(&mut ch, t0)), vec![1]);
    let second = drain(&mut ch, t0 + ms(1));
    let third = drain(&mut ch, t0 + ms(2));
    assert_eq!(second[0].payload.len(), 1024);
    assert_eq!(third[0].payload.len(), 3000 - 2048);
}

#[test]
fn keystrokes_queued_behind_pacing_are_combined() {
    let t0 = Instant::now();
    let mut ch = running_client(t0);
    ch.send_data(b"a").unwrap();
    assert!(ch.poll_transmit(t0).is_some());
    ch.send_data(b"b").unwrap();
    ch.send_data(b"c").unwrap();
    let out = drain(&mut ch, t0 + ms(1));
    assert_eq!(out.len(), 1);
    assert_eq!(&out[0].payload[..], b"bc");
    assert_eq!(out[0].sequence_number, 1);
}

#[test]
fn full_outgoing_buffer_refuses_instead_of_evicting() {
    let t0 = Instant::now();
    let mut config = ChannelConfig::new(Role::Agent);
    config.outgoing_capacity = 2;
    let mut ch = Channel::with_config(config, t0, EPOCH_MS, 1);
    assert_eq!(
        ch.send_data(&[b'z'; 2049]),
        Err(ChannelError::Backpressure { needed: 3, free: 2 })
    );
    assert_eq!(ch.unacknowledged(), 0);
    ch.send_data(&[b'z'; 2048]).unwrap();
    assert_eq!(ch.send_capacity(), 0);
    assert!(ch.send_message(PayloadType::StdErr, b"e".to_vec()).is_err());
}

#[test]
fn agent_role_marks_seq_zero_syn_and_sends_output_stream_data() {
    let t0 = Instant::now();
    let mut ch = agent(t0);
    assert_eq!(ch.phase(), Phase::Running);
    ch.send_data(b"$ ").unwrap();
    ch.send_data(&[b'x'; 1024]).unwrap();
    let a = drain(&mut ch, t0);
    let b = drain(&mut ch, t0 + ms(1));
    assert_eq!(a[0].message_type, MessageType::OutputStreamData);
    assert_eq!((a[0].sequence_number, a[0].flags), (0, 1));
    assert_eq!((b[0].sequence_number, b[0].flags), (1, 0));
}

#[test]
fn incoming_buffer_full_drops_without_acknowledgement() {
    let t0 = Instant::now();
    let mut config = ChannelConfig::new(Role::Client);
    config.incoming_capacity = 1;
    let mut ch = Channel::with_config(config, t0, EPOCH_MS, 1);
    ch.handle_frame(&agent_frame(2, PayloadType::Output, b"2"), t0)
        .unwrap();
    assert_eq!(
        ch.handle_frame(&agent_frame(3, PayloadType::Output, b"3"), t0),
        Err(ChannelError::IncomingBufferFull(3))
    );
    assert_eq!(acked(&drain(&mut ch, t0)), vec![2]);
    // A duplicate of a buffered message is acknowledged again.
    ch.handle_frame(&agent_frame(2, PayloadType::Output, b"2"), t0)
        .unwrap();
    assert_eq!(acked(&drain(&mut ch, t0)), vec![2]);
}

/// The agent's PausePublication, written as a plain frame.
fn pause_frame() -> Frame {
    Frame::new(
        MessageType::PausePublication,
        EPOCH_MS,
        0,
        0,
        Uuid::nil(),
        PayloadType::Unset,
        Bytes::new(),
    )
}

#[test]
fn pause_stops_sending_and_the_give_up_clock() {
    let t0 = Instant::now();
    let mut ch = running_client(t0);
    ch.send_data(b"a").unwrap();
    assert!(ch.poll_transmit(t0).is_some());
    let pause = pause_frame().encode().unwrap();
    ch.handle_frame(&pause, t0 + ms(10)).unwrap();
    assert_eq!(events(&mut ch), vec![Event::Paused]);
    assert!(ch.is_paused());
    ch.send_data(b"b").unwrap();
    let mut t = t0 + ms(10);
    for _ in 0..6000 {
        t += ms(100);
        ch.handle_timeout(t);
        assert!(ch.poll_transmit(t).is_none());
    }
    assert_eq!(ch.state(), State::Open);
    assert_eq!(ch.poll_timeout(), None);

    let start = pause.to_vec();
    let mut start_frame = Frame::decode(&start).unwrap();
    start_frame.message_type = MessageType::StartPublication;
    ch.handle_frame(&start_frame.encode().unwrap(), t).unwrap();
    assert_eq!(events(&mut ch), vec![Event::Resumed]);
    let out = drain(&mut ch, t);
    assert_eq!(stream(&out)[0].sequence_number, 1);
    // The paused 10 minutes did not count towards the 5-minute bound.
    ch.handle_timeout(t + ms(100));
    assert_eq!(ch.state(), State::Open);
}

#[test]
fn incoming_stream_data_also_resumes() {
    let t0 = Instant::now();
    let mut ch = running_client(t0);
    let pause = pause_frame();
    ch.handle_frame(&pause.encode().unwrap(), t0).unwrap();
    ch.handle_frame(&agent_frame(1, PayloadType::Output, b"x"), t0)
        .unwrap();
    assert!(!ch.is_paused());
    assert_eq!(events(&mut ch)[..2], [Event::Paused, Event::Resumed]);
}

#[test]
fn gives_up_five_minutes_after_first_transmission() {
    let t0 = Instant::now();
    let mut ch = running_client(t0);
    ch.send_data(b"lost").unwrap();
    let first = ch.poll_transmit(t0).unwrap();
    let mut resends = 0;
    let end = loop {
        let t = ch.poll_timeout().expect("timer while unacknowledged");
        ch.handle_timeout(t);
        while let Some(frame) = ch.poll_transmit(t) {
            assert_eq!(frame, first);
            resends += 1;
        }
        if ch.state() != State::Open {
            break t;
        }
        assert!(t < t0 + ms(300_000), "still open at {:?}", t - t0);
    };
    assert_eq!(end - t0, ms(300_000));
    assert_eq!(
        events(&mut ch),
        vec![Event::DeliveryTimeout { sequence_number: 0 }]
    );
    assert_eq!(ch.state(), State::Failed);
    // RTO 200 ms checked on 100 ms ticks: one resend every 300 ms.
    assert_eq!(resends, 999);
    assert_eq!(ch.send_data(b"more"), Err(ChannelError::Failed));
    assert_eq!(ch.poll_timeout(), None);
}

#[test]
fn rto_is_capped_at_one_second() {
    let t0 = Instant::now();
    let mut ch = running_client(t0);
    ch.send_data(b"slow").unwrap();
    assert!(ch.poll_transmit(t0).is_some());
    ch.handle_frame(&ack_of_input(0), t0 + ms(5000)).unwrap();
    assert_eq!(ch.rtt().rto_ms, 1000.0);
    // With the cap, a resend happens once more than 1 s has passed.
    let t1 = t0 + ms(6000);
    ch.send_data(b"again").unwrap();
    assert!(ch.poll_transmit(t1).is_some());
    let mut resent_at = None;
    for step in 1..=12u64 {
        let t = t1 + ms(100 * step);
        ch.handle_timeout(t);
        if ch.poll_transmit(t).is_some() {
            resent_at = Some(100 * step);
            break;
        }
    }
    assert_eq!(resent_at, Some(1100));
}

#[test]
fn reconnect_resends_every_unacknowledged_message_in_order() {
    let t0 = Instant::now();
    let mut ch = running_client(t0);
    let mut sent = Vec::new();
    for i in 0..4u64 {
        ch.send_data(format!("m{i}").as_bytes()).unwrap();
        sent.push(ch.poll_transmit(t0 + ms(i)).unwrap());
    }
    ch.handle_frame(&ack_of_input(1), t0 + ms(5)).unwrap();
    let expected_before = ch.expected_sequence_number();

    let t1 = t0 + ms(2000);
    ch.reconnected(t1);
    let resent: Vec<Bytes> = (0..3)
        .filter_map(|i| ch.poll_transmit(t1 + ms(i)))
        .collect();
    assert_eq!(
        resent,
        vec![sent[0].clone(), sent[2].clone(), sent[3].clone()]
    );
    assert_eq!(ch.next_sequence_number(), 4);
    assert_eq!(ch.expected_sequence_number(), expected_before);
    ch.send_data(b"new").unwrap();
    let out = drain(&mut ch, t1 + ms(10));
    assert_eq!(out[0].sequence_number, 4);
}

#[test]
fn channel_closed_ends_the_channel() {
    let t0 = Instant::now();
    let mut ch = running_client(t0);
    ch.send_data(b"a").unwrap();
    assert!(ch.poll_transmit(t0).is_some());
    let payload = br#"{"MessageId":"m","CreatedDate":"1700000000000","DestinationId":"i-0abc","SessionId":"s-1","MessageType":"channel_closed","SchemaVersion":1,"Output":"bye"}"#;
    let frame = Frame::new(
        MessageType::ChannelClosed,
        EPOCH_MS,
        0,
        0,
        Uuid::nil(),
        PayloadType::Unknown(261),
        &payload[..],
    );
    ch.handle_frame(&frame.encode().unwrap(), t0).unwrap();
    let evs = events(&mut ch);
    let [Event::ChannelClosed(closed)] = &evs[..] else {
        panic!("{evs:?}")
    };
    assert_eq!(closed.output, "bye");
    assert_eq!(closed.user_message(), "SessionId: s-1 : bye");
    assert_eq!(ch.state(), State::Closed);
    assert!(drain(&mut ch, t0).is_empty(), "not acknowledged");
    assert_eq!(ch.poll_timeout(), None);
    assert_eq!(
        ch.handle_frame(&agent_frame(1, PayloadType::Output, b"x"), t0),
        Err(ChannelError::Closed)
    );
    ch.reconnected(t0);
    assert!(ch.poll_transmit(t0).is_none());
}

#[test]
fn local_close_stops_everything() {
    let t0 = Instant::now();
    let mut ch = running_client(t0);
    ch.send_flag(Flag::TerminateSession).unwrap();
    ch.close();
    assert_eq!(ch.state(), State::Closed);
    assert!(ch.poll_transmit(t0).is_none());
    assert_eq!(ch.send_data(b"x"), Err(ChannelError::Closed));
}

#[test]
fn garbage_and_foreign_frames_are_dropped_or_ignored() {
    let t0 = Instant::now();
    let mut ch = client(t0);
    assert!(matches!(
        ch.handle_frame(b"{\"not\":\"a frame\"}", t0),
        Err(ChannelError::Frame(_))
    ));
    // Own-direction stream data and unknown types are ignored, not acknowledged.
    let echo = Frame::new(
        MessageType::InputStreamData,
        EPOCH_MS,
        0,
        0,
        Uuid::nil(),
        PayloadType::Output,
        &b"x"[..],
    );
    ch.handle_frame(&echo.encode().unwrap(), t0).unwrap();
    let mut other = echo.clone();
    other.message_type = MessageType::Other("agent_job".into());
    ch.handle_frame(&other.encode().unwrap(), t0).unwrap();
    assert!(drain(&mut ch, t0).is_empty());
    assert_eq!(ch.expected_sequence_number(), 0);
    // An acknowledgement with an unreadable payload is an error.
    let mut bad_ack = echo;
    bad_ack.message_type = MessageType::Acknowledge;
    assert!(matches!(
        ch.handle_frame(&bad_ack.encode().unwrap(), t0),
        Err(ChannelError::BadAcknowledge(_))
    ));
}

#[test]
fn created_dates_follow_the_injected_clock() {
    let t0 = Instant::now();
    let mut ch = running_client(t0);
    ch.send_data(b"a").unwrap();
    let out = drain(&mut ch, t0 + ms(1234));
    assert_eq!(out[0].created_date, EPOCH_MS + 1234);
}
