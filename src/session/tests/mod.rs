//! Tests of the session protocol core: vectors V1–V13 (§14), behaviour, robustness.

mod channel;
mod chunk;
mod fuzz;
mod lossy_link;
mod vectors;

use std::time::{Duration, Instant};

use bytes::Bytes;
use uuid::Uuid;

use super::channel::{Channel, ChannelConfig, Event, Role};
use super::frame::{Frame, MessageType, PayloadType};
use super::messages::AcknowledgeContent;

/// Bytes from hex text; whitespace is ignored.
pub(super) fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    digits
        .chunks(2)
        .map(|pair| {
            let s = std::str::from_utf8(pair).expect("ascii");
            u8::from_str_radix(s, 16).expect("hex digit")
        })
        .collect()
}

pub(super) fn uuid(text: &str) -> Uuid {
    Uuid::parse_str(text).expect("uuid")
}

pub(super) const EPOCH_MS: u64 = 1_700_000_000_000;

pub(super) fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

pub(super) fn client(t0: Instant) -> Channel {
    Channel::with_config(ChannelConfig::new(Role::Client), t0, EPOCH_MS, 7)
}

pub(super) fn agent(t0: Instant) -> Channel {
    Channel::with_config(ChannelConfig::new(Role::Agent), t0, EPOCH_MS, 8)
}

/// An encoded `output_stream_data` frame as an agent would send it.
pub(super) fn agent_frame(seq: i64, payload_type: PayloadType, payload: &[u8]) -> Vec<u8> {
    Frame::new(
        MessageType::OutputStreamData,
        EPOCH_MS,
        seq,
        u64::from(seq == 0),
        Uuid::from_u128(0x1000 + seq as u128),
        payload_type,
        Bytes::copy_from_slice(payload),
    )
    .encode()
    .expect("encode")
    .to_vec()
}

/// An encoded acknowledgement of the client's `input_stream_data` number `seq`.
pub(super) fn ack_of_input(seq: i64) -> Vec<u8> {
    let content = AcknowledgeContent {
        acknowledged_message_type: "input_stream_data".into(),
        acknowledged_message_id: Uuid::nil().to_string(),
        acknowledged_message_sequence_number: seq,
        is_sequential_message: true,
    };
    Frame::new(
        MessageType::Acknowledge,
        EPOCH_MS,
        0,
        3,
        Uuid::from_u128(0x9000 + seq as u128),
        PayloadType::Unset,
        serde_json::to_vec(&content).expect("json"),
    )
    .encode()
    .expect("encode")
    .to_vec()
}

/// Every frame the channel would write now, decoded.
pub(super) fn drain(channel: &mut Channel, now: Instant) -> Vec<Frame> {
    std::iter::from_fn(|| channel.poll_transmit(now))
        .map(|b| Frame::decode_validated(&b).expect("own frames are valid"))
        .collect()
}

pub(super) fn events(channel: &mut Channel) -> Vec<Event> {
    std::iter::from_fn(|| channel.poll_event()).collect()
}

/// Sequence numbers acknowledged by the given frames.
pub(super) fn acked(frames: &[Frame]) -> Vec<i64> {
    frames
        .iter()
        .filter(|f| f.message_type == MessageType::Acknowledge)
        .map(|f| {
            serde_json::from_slice::<AcknowledgeContent>(&f.payload)
                .expect("ack json")
                .acknowledged_message_sequence_number
        })
        .collect()
}

/// Stream frames (not acknowledgements) among the given frames.
pub(super) fn stream(frames: &[Frame]) -> Vec<&Frame> {
    frames
        .iter()
        .filter(|f| f.message_type.is_stream_data())
        .collect()
}
