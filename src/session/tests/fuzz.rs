//! Robustness: decoding and channel handling never panic on arbitrary bytes, and
//! well-formed frames survive a round trip.

use std::time::Instant;

use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};

use super::*;
use crate::session::channel::State;
use crate::session::frame::FRAME_PREFIX_LEN;

const TYPES: &[&str] = &[
    "input_stream_data",
    "output_stream_data",
    "acknowledge",
    "channel_closed",
    "start_publication",
    "pause_publication",
    "agent_job",
    "",
];

const PAYLOADS: &[&[u8]] = &[
    br#"{"AgentVersion":"3.0","RequestedClientActions":[{"ActionType":"SessionType","ActionParameters":{"SessionType":"Port","Properties":{"portNumber":"22"}}},{"ActionType":"KMSEncryption","ActionParameters":{"KMSKeyId":"k"}}]}"#,
    br#"{"AcknowledgedMessageType":"input_stream_data","AcknowledgedMessageId":"x","AcknowledgedMessageSequenceNumber":3,"IsSequentialMessage":true}"#,
    br#"{"HandshakeTimeToComplete":1,"CustomerMessage":"m"}"#,
    br#"{"Output":"bye","SchemaVersion":1}"#,
    br#"{"cols":80,"rows":24}"#,
    br#"{"Challenge":"AAAA"}"#,
    b"\x00\x00\x00\x02",
    b"EXIT_CODE: 1",
    b"Hello\r\n",
];

fn random_frame(rng: &mut StdRng) -> Frame {
    let message_type = MessageType::from_name(TYPES[rng.random_range(0..TYPES.len())]);
    let mut payload = PAYLOADS[rng.random_range(0..PAYLOADS.len())].to_vec();
    if rng.random_bool(0.3) {
        let cut = rng.random_range(0..=payload.len());
        payload.truncate(cut);
    }
    if rng.random_bool(0.1) {
        payload = (0..rng.random_range(0..64)).map(|_| rng.random()).collect();
    }
    Frame::new(
        message_type,
        rng.random_range(0..3),
        rng.random_range(-2..40),
        rng.random_range(0..4),
        Uuid::from_u128(rng.random()),
        PayloadType::from_u32(rng.random_range(0..14)),
        payload,
    )
}

fn mutate(rng: &mut StdRng, bytes: &mut Vec<u8>) {
    for _ in 0..rng.random_range(0..4) {
        match rng.random_range(0..5) {
            0 if !bytes.is_empty() => {
                let i = rng.random_range(0..bytes.len());
                bytes[i] = rng.random();
            }
            1 => {
                let cut = rng.random_range(0..=bytes.len());
                bytes.truncate(cut);
            }
            2 => bytes.extend((0..rng.random_range(0..32)).map(|_| rng.random::<u8>())),
            3 if bytes.len() >= 4 => {
                let hl: u32 = match rng.random_range(0..4) {
                    0 => 0,
                    1 => u32::MAX,
                    2 => rng.random_range(0..200),
                    _ => rng.random(),
                };
                bytes[..4].copy_from_slice(&hl.to_be_bytes());
            }
            _ => {}
        }
    }
}

#[test]
fn decoder_and_channels_never_panic_on_random_or_mutated_frames() {
    let mut rng = StdRng::seed_from_u64(0x5e55_1011);
    let t0 = Instant::now();
    let mut now = t0;
    let mut channels = [client(t0), agent(t0)];
    let mut accepted = 0u32;
    for i in 0..200_000u32 {
        let bytes = if i % 5 == 0 {
            let mut raw = vec![0u8; rng.random_range(0..2 * FRAME_PREFIX_LEN)];
            rng.fill_bytes(&mut raw);
            raw
        } else {
            let mut bytes = random_frame(&mut rng).encode().unwrap().to_vec();
            if rng.random_bool(0.5) {
                mutate(&mut rng, &mut bytes);
            }
            bytes
        };
        if let Ok(frame) = Frame::decode(&bytes) {
            let _ = frame.validate();
            assert!(frame.payload.len() <= bytes.len() - 4);
        }
        now += ms(rng.random_range(0..3));
        let ch = &mut channels[(i % 2) as usize];
        if ch.handle_frame(&bytes, now).is_ok() {
            accepted += 1;
        }
        if rng.random_bool(0.05) {
            let _ = ch.send_data(&bytes);
        }
        ch.handle_timeout(now);
        while ch.poll_transmit(now).is_some() {}
        while ch.poll_event().is_some() {}
        if ch.state() != State::Open {
            *ch = if i % 2 == 0 { client(now) } else { agent(now) };
        }
    }
    assert!(
        accepted > 10_000,
        "too few frames reached the channel: {accepted}"
    );
}

#[test]
fn well_formed_frames_round_trip() {
    let mut rng = StdRng::seed_from_u64(42);
    for _ in 0..5_000 {
        let mut frame = random_frame(&mut rng);
        frame.flags = rng.random();
        frame.sequence_number = rng.random();
        frame.created_date = rng.random();
        let bytes = frame.encode().unwrap();
        assert_eq!(bytes.len(), FRAME_PREFIX_LEN + frame.payload.len());
        let decoded = Frame::decode(&bytes).unwrap();
        if frame.message_type.as_str().is_empty() {
            assert_eq!(decoded.message_type, MessageType::Other(String::new()));
        }
        assert_eq!(decoded, frame);
    }
}

#[test]
fn encoding_rejects_long_type_names_and_decoding_short_or_overlong_frames() {
    let long = Frame::new(
        MessageType::Other("x".repeat(33)),
        1,
        0,
        0,
        Uuid::nil(),
        PayloadType::Output,
        Bytes::new(),
    );
    assert!(long.encode().is_err());
    let exact = Frame {
        message_type: MessageType::Other("y".repeat(32)),
        ..long
    };
    let bytes = exact.encode().unwrap();
    assert_eq!(Frame::decode(&bytes).unwrap(), exact);

    use crate::session::frame::FrameError;
    assert_eq!(Frame::decode(&bytes[..119]), Err(FrameError::TooShort(119)));
    let mut far = bytes.to_vec();
    far[..4].copy_from_slice(&117u32.to_be_bytes());
    assert!(matches!(
        Frame::decode(&far),
        Err(FrameError::HeaderLengthOutOfBounds { .. })
    ));
    // NUL left-padding and trailing spaces in the type field are tolerated (§4.3).
    let mut padded = bytes.to_vec();
    let mut field = [0u8; 32];
    field[32 - 11..].copy_from_slice(b"acknowledge");
    padded[4..36].copy_from_slice(&field);
    assert_eq!(
        Frame::decode(&padded).unwrap().message_type,
        MessageType::Acknowledge
    );
    // Zero header length, empty type and zero date fail validation.
    let mut zero = Frame::decode(&bytes).unwrap();
    zero.created_date = 0;
    assert_eq!(zero.validate(), Err(FrameError::ZeroCreatedDate));
}
