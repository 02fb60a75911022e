//! The ClientMessage binary frame (§4) and its enumerations (§5).
//!
//! [`Frame::decode`] parses any byte slice without panicking (§4.4 steps 1–3);
//! [`Frame::validate`] applies the receiver checks of §4.4 step 4. [`Frame::encode`]
//! writes the fields as they are stored; [`Frame::new`] fills them in the exact form a
//! sender must emit (§4.3).

use std::fmt;

use bytes::{BufMut, Bytes, BytesMut};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Value of the `HeaderLength` field when sending: the offset of `PayloadLength`.
pub const HEADER_LENGTH: u32 = 116;
/// Size of the fixed part of a frame, `PayloadLength` included.
pub const FRAME_PREFIX_LEN: usize = 120;
/// `SchemaVersion` when sending.
pub const SCHEMA_VERSION: u32 = 1;
/// Width of the space-padded `MessageType` field.
pub const MESSAGE_TYPE_LEN: usize = 32;

/// Frame flag bit 0: first message of a stream (§5.4).
pub const FLAG_SYN: u64 = 1;
/// Frame flag bit 1: last message of a stream (§5.4).
pub const FLAG_FIN: u64 = 2;

const OFF_MESSAGE_TYPE: usize = 4;
const OFF_SCHEMA: usize = 36;
const OFF_CREATED: usize = 40;
const OFF_SEQUENCE: usize = 48;
const OFF_FLAGS: usize = 56;
const OFF_MESSAGE_ID: usize = 64;
const OFF_DIGEST: usize = 80;
const OFF_PAYLOAD_TYPE: usize = 112;
const OFF_PAYLOAD_LENGTH: usize = 116;

/// Why a frame could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("message type {0:?} is longer than {MESSAGE_TYPE_LEN} bytes")]
    MessageTypeTooLong(String),
    #[error("payload of {0} bytes does not fit a u32 length")]
    PayloadTooLarge(usize),
}

/// Why a received frame was rejected (§4.4). Rejected frames are dropped unacknowledged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("frame of {0} bytes is shorter than {FRAME_PREFIX_LEN}")]
    TooShort(usize),
    #[error("header length {header_length} points past the end of a {frame_len}-byte frame")]
    HeaderLengthOutOfBounds {
        header_length: u32,
        frame_len: usize,
    },
    #[error("header length is zero")]
    ZeroHeaderLength,
    #[error("message type is empty")]
    EmptyMessageType,
    #[error("created date is zero")]
    ZeroCreatedDate,
    #[error("payload digest does not match")]
    DigestMismatch,
}

/// The `MessageType` field (§5.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MessageType {
    InputStreamData,
    OutputStreamData,
    Acknowledge,
    ChannelClosed,
    StartPublication,
    PausePublication,
    /// Any other name, kept verbatim (agent↔MGS types, future types).
    Other(String),
}

impl MessageType {
    pub fn as_str(&self) -> &str {
        match self {
            Self::InputStreamData => "input_stream_data",
            Self::OutputStreamData => "output_stream_data",
            Self::Acknowledge => "acknowledge",
            Self::ChannelClosed => "channel_closed",
            Self::StartPublication => "start_publication",
            Self::PausePublication => "pause_publication",
            Self::Other(name) => name,
        }
    }

    pub fn from_name(name: &str) -> Self {
        match name {
            "input_stream_data" => Self::InputStreamData,
            "output_stream_data" => Self::OutputStreamData,
            "acknowledge" => Self::Acknowledge,
            "channel_closed" => Self::ChannelClosed,
            "start_publication" => Self::StartPublication,
            "pause_publication" => Self::PausePublication,
            other => Self::Other(other.to_owned()),
        }
    }

    /// Sequenced stream data (§6).
    pub fn is_stream_data(&self) -> bool {
        matches!(self, Self::InputStreamData | Self::OutputStreamData)
    }

    /// `start_publication` / `pause_publication`: exempt from validation (§4.4, V13).
    pub fn is_publication(&self) -> bool {
        matches!(self, Self::StartPublication | Self::PausePublication)
    }
}

impl fmt::Display for MessageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `PayloadType` field (§5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayloadType {
    /// 0: acknowledgements.
    Unset,
    Output,
    Error,
    Size,
    Parameter,
    HandshakeRequest,
    HandshakeResponse,
    HandshakeComplete,
    EncChallengeRequest,
    EncChallengeResponse,
    Flag,
    StdErr,
    ExitCode,
    Unknown(u32),
}

impl PayloadType {
    pub fn from_u32(value: u32) -> Self {
        match value {
            0 => Self::Unset,
            1 => Self::Output,
            2 => Self::Error,
            3 => Self::Size,
            4 => Self::Parameter,
            5 => Self::HandshakeRequest,
            6 => Self::HandshakeResponse,
            7 => Self::HandshakeComplete,
            8 => Self::EncChallengeRequest,
            9 => Self::EncChallengeResponse,
            10 => Self::Flag,
            11 => Self::StdErr,
            12 => Self::ExitCode,
            other => Self::Unknown(other),
        }
    }

    pub fn to_u32(self) -> u32 {
        match self {
            Self::Unset => 0,
            Self::Output => 1,
            Self::Error => 2,
            Self::Size => 3,
            Self::Parameter => 4,
            Self::HandshakeRequest => 5,
            Self::HandshakeResponse => 6,
            Self::HandshakeComplete => 7,
            Self::EncChallengeRequest => 8,
            Self::EncChallengeResponse => 9,
            Self::Flag => 10,
            Self::StdErr => 11,
            Self::ExitCode => 12,
            Self::Unknown(other) => other,
        }
    }
}

/// Writes a UUID in the wire order of §4.2: last 8 bytes first, then the first 8.
pub fn message_id_to_wire(id: Uuid) -> [u8; 16] {
    let b = id.as_bytes();
    let mut wire = [0u8; 16];
    wire[..8].copy_from_slice(&b[8..]);
    wire[8..].copy_from_slice(&b[..8]);
    wire
}

/// Inverse of [`message_id_to_wire`] (§4.2).
pub fn message_id_from_wire(wire: [u8; 16]) -> Uuid {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&wire[8..]);
    b[8..].copy_from_slice(&wire[..8]);
    Uuid::from_bytes(b)
}

/// SHA-256 of a payload, as carried in `PayloadDigest`.
pub fn payload_digest(payload: &[u8]) -> [u8; 32] {
    Sha256::digest(payload).into()
}

/// One ClientMessage (§4.1), every header field kept as received or to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub header_length: u32,
    pub message_type: MessageType,
    pub schema_version: u32,
    /// Unix epoch milliseconds.
    pub created_date: u64,
    pub sequence_number: i64,
    pub flags: u64,
    pub message_id: Uuid,
    pub payload_digest: [u8; 32],
    pub payload_type: PayloadType,
    /// The header's `PayloadLength`, which receivers do not use to cut the payload (§4.4).
    pub payload_length: u32,
    pub payload: Bytes,
}

impl Frame {
    /// A well-formed frame (§4.3): header length 116, schema 1, digest and length of
    /// `payload`.
    pub fn new(
        message_type: MessageType,
        created_date: u64,
        sequence_number: i64,
        flags: u64,
        message_id: Uuid,
        payload_type: PayloadType,
        payload: impl Into<Bytes>,
    ) -> Self {
        let payload = payload.into();
        Self {
            header_length: HEADER_LENGTH,
            message_type,
            schema_version: SCHEMA_VERSION,
            created_date,
            sequence_number,
            flags,
            message_id,
            payload_digest: payload_digest(&payload),
            payload_type,
            payload_length: u32::try_from(payload.len()).unwrap_or(u32::MAX),
            payload,
        }
    }

    /// Serializes the fields as stored; the payload always starts at byte 120.
    pub fn encode(&self) -> Result<Bytes, EncodeError> {
        let name = self.message_type.as_str().as_bytes();
        if name.len() > MESSAGE_TYPE_LEN {
            return Err(EncodeError::MessageTypeTooLong(
                self.message_type.as_str().to_owned(),
            ));
        }
        if u32::try_from(self.payload.len()).is_err() {
            return Err(EncodeError::PayloadTooLarge(self.payload.len()));
        }
        let mut out = BytesMut::with_capacity(FRAME_PREFIX_LEN + self.payload.len());
        out.put_u32(self.header_length);
        out.put_slice(name);
        out.put_bytes(b' ', MESSAGE_TYPE_LEN - name.len());
        out.put_u32(self.schema_version);
        out.put_u64(self.created_date);
        out.put_i64(self.sequence_number);
        out.put_u64(self.flags);
        out.put_slice(&message_id_to_wire(self.message_id));
        out.put_slice(&self.payload_digest);
        out.put_u32(self.payload_type.to_u32());
        out.put_u32(self.payload_length);
        out.put_slice(&self.payload);
        Ok(out.freeze())
    }

    /// Parses a frame (§4.4 steps 1–3) without validating it. The payload is everything
    /// from `HeaderLength + 4` to the end of the frame.
    pub fn decode(buf: &[u8]) -> Result<Self, FrameError> {
        if buf.len() < FRAME_PREFIX_LEN {
            return Err(FrameError::TooShort(buf.len()));
        }
        let header_length = be_u32(buf, 0);
        let payload_start = usize::try_from(header_length)
            .ok()
            .and_then(|hl| hl.checked_add(4))
            .filter(|&start| start <= buf.len())
            .ok_or(FrameError::HeaderLengthOutOfBounds {
                header_length,
                frame_len: buf.len(),
            })?;
        Ok(Self {
            header_length,
            message_type: MessageType::from_name(&parse_message_type(
                &buf[OFF_MESSAGE_TYPE..OFF_MESSAGE_TYPE + MESSAGE_TYPE_LEN],
            )),
            schema_version: be_u32(buf, OFF_SCHEMA),
            created_date: u64::from_be_bytes(array(buf, OFF_CREATED)),
            sequence_number: i64::from_be_bytes(array(buf, OFF_SEQUENCE)),
            flags: u64::from_be_bytes(array(buf, OFF_FLAGS)),
            message_id: message_id_from_wire(array(buf, OFF_MESSAGE_ID)),
            payload_digest: array(buf, OFF_DIGEST),
            payload_type: PayloadType::from_u32(be_u32(buf, OFF_PAYLOAD_TYPE)),
            payload_length: be_u32(buf, OFF_PAYLOAD_LENGTH),
            payload: Bytes::copy_from_slice(&buf[payload_start..]),
        })
    }

    /// Receiver validation (§4.4 step 4); publication messages always pass (V13).
    pub fn validate(&self) -> Result<(), FrameError> {
        if self.message_type.is_publication() {
            return Ok(());
        }
        if self.header_length == 0 {
            return Err(FrameError::ZeroHeaderLength);
        }
        if self.message_type.as_str().is_empty() {
            return Err(FrameError::EmptyMessageType);
        }
        if self.created_date == 0 {
            return Err(FrameError::ZeroCreatedDate);
        }
        if self.payload_length != 0 && payload_digest(&self.payload) != self.payload_digest {
            return Err(FrameError::DigestMismatch);
        }
        Ok(())
    }

    /// [`decode`](Self::decode) followed by [`validate`](Self::validate).
    pub fn decode_validated(buf: &[u8]) -> Result<Self, FrameError> {
        let frame = Self::decode(buf)?;
        frame.validate()?;
        Ok(frame)
    }
}

/// NULs trimmed at both ends, then whitespace (§4.4 step 2).
fn parse_message_type(field: &[u8]) -> String {
    let start = field.iter().position(|&b| b != 0).unwrap_or(field.len());
    let end = field.iter().rposition(|&b| b != 0).map_or(start, |i| i + 1);
    String::from_utf8_lossy(&field[start..end])
        .trim()
        .to_owned()
}

fn array<const N: usize>(buf: &[u8], offset: usize) -> [u8; N] {
    let mut out = [0u8; N];
    if let Some(src) = buf.get(offset..offset + N) {
        out.copy_from_slice(src);
    }
    out
}

fn be_u32(buf: &[u8], offset: usize) -> u32 {
    u32::from_be_bytes(array(buf, offset))
}
