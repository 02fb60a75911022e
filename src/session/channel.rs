//! The reliable data channel (§6), sans I/O, for either end of the stream.
//!
//! [`Channel`] owns sequence numbers, the outgoing buffer with retransmission, the
//! incoming ordering buffer with acknowledgements, pause/resume (§10.3), session-start
//! detection (§7.1) and reconnection state (§11). It never touches a socket or a clock:
//! time comes in as [`Instant`] arguments, and work comes out through three queues.
//!
//! Driving it (one task owns the socket, §15):
//!
//! 1. Feed every received WebSocket binary or text frame to
//!    [`handle_frame`](Channel::handle_frame); an `Err` means the frame was dropped
//!    (log it) and the channel carries on.
//! 2. Queue outgoing data with [`send_data`](Channel::send_data),
//!    [`send_size`](Channel::send_size), [`send_flag`](Channel::send_flag),
//!    [`send_handshake_response`](Channel::send_handshake_response) or
//!    [`send_message`](Channel::send_message).
//! 3. After each input, write every frame [`poll_transmit`](Channel::poll_transmit)
//!    returns as a binary message until it returns `None`, and handle every
//!    [`poll_event`](Channel::poll_event).
//! 4. Sleep until [`poll_timeout`](Channel::poll_timeout) (or the next input), then call
//!    [`handle_timeout`](Channel::handle_timeout) and go to 3.
//! 5. After a new socket is up and OpenDataChannelInput is sent, call
//!    [`reconnected`](Channel::reconnected): every unacknowledged message is resent in
//!    order straight away. Sequence numbers and both buffers are kept.
//!
//! Stream messages are paced to one per [`ChannelConfig::pacing`] (§6.1); acknowledgements
//! are never paced. The retransmission scheduler ticks every 100 ms and looks only at the
//! oldest unacknowledged message (§6.4), with the recommended deviations: the last-sent
//! time is updated on resend, RTT is sampled only from messages never resent (Karn), a
//! full outgoing buffer refuses new data instead of evicting, and duplicates are
//! acknowledged again (§6.3). The give-up bound is time-based: a message unacknowledged
//! [`ChannelConfig::give_up_after`] after its first transmission, not counting time spent
//! paused, fails the channel with [`Event::DeliveryTimeout`].
//!
//! In the [`Role::Client`] role, Output, Size and Flag messages queued before the session
//! starts are held back without sequence numbers and released when it starts (§7.1,
//! §6.4: nothing but handshake replies before HandshakeComplete).

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use uuid::Uuid;

use super::chunk::{MAX_PAYLOAD, utf8_chunks};
use super::frame::{FLAG_FIN, FLAG_SYN, Frame, FrameError, MessageType, PayloadType};
use super::messages::{
    AcknowledgeContent, ChannelClosed, EncChallenge, Flag, HandshakeComplete, HandshakeRequest,
    HandshakeResponse, Size,
};
use super::outbox::Outbox;
use super::rtt::RttEstimator;

/// Messages a late sender may send back to back to keep up the paced average.
const PACING_BURST: u32 = 8;

/// Which end of the stream this channel is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Sends `input_stream_data`, receives `output_stream_data`.
    Client,
    /// Sends `output_stream_data`, receives `input_stream_data` (the simulated agent).
    Agent,
}

impl Role {
    pub fn outgoing_type(self) -> MessageType {
        match self {
            Self::Client => MessageType::InputStreamData,
            Self::Agent => MessageType::OutputStreamData,
        }
    }

    pub fn incoming_type(self) -> MessageType {
        match self {
            Self::Client => MessageType::OutputStreamData,
            Self::Agent => MessageType::InputStreamData,
        }
    }
}

/// Limits and timings; [`ChannelConfig::new`] gives the values of §6.4.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelConfig {
    pub role: Role,
    /// Largest payload of one data message (`StreamDataPayloadSize`).
    pub max_payload: usize,
    /// Outgoing buffer capacity, held messages included.
    pub outgoing_capacity: usize,
    /// Incoming ordering buffer capacity.
    pub incoming_capacity: usize,
    /// Minimum gap between two stream-message transmissions.
    pub pacing: Duration,
    /// Retransmission scheduler tick (`ResendSleepInterval`).
    pub tick: Duration,
    /// Delivery give-up bound.
    pub give_up_after: Duration,
}

impl ChannelConfig {
    pub fn new(role: Role) -> Self {
        Self {
            role,
            max_payload: MAX_PAYLOAD,
            outgoing_capacity: 10_000,
            incoming_capacity: 10_000,
            pacing: Duration::from_millis(1),
            tick: Duration::from_millis(100),
            give_up_after: Duration::from_secs(300),
        }
    }
}

/// Session start detection (§7.1). An agent-role channel starts `Running`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    AwaitingFirstMessage,
    Handshaking,
    Running,
}

/// Whether the channel still works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Open,
    /// `channel_closed` received or [`Channel::close`] called: no reconnect (§10.1).
    Closed,
    /// Delivery timed out (§6.4); the caller should call the TerminateSession API.
    Failed,
}

/// Something the owner of the channel must act on.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The first Output arrived or the handshake completed: send Size, allow input.
    SessionStarted,
    Output(Bytes),
    StdErr(Bytes),
    /// Raw `EXIT_CODE: <n>` text; see [`parse_exit_code`](super::messages::parse_exit_code).
    ExitCode(Bytes),
    HandshakeRequest(HandshakeRequest),
    HandshakeComplete(HandshakeComplete),
    EncChallengeRequest(EncChallenge),
    HandshakeResponse(HandshakeResponse),
    EncChallengeResponse(EncChallenge),
    Size(Size),
    Flag(Flag),
    /// A stream payload type with no handling here (Error, Parameter, unknown).
    Other {
        payload_type: PayloadType,
        payload: Bytes,
    },
    /// A stream message whose payload did not parse; it was acknowledged.
    Malformed {
        payload_type: PayloadType,
        error: String,
    },
    /// `pause_publication`: the far side is away; stream sending is suspended.
    Paused,
    /// Sending resumed after a pause.
    Resumed,
    ChannelClosed(ChannelClosed),
    /// A message stayed unacknowledged past the give-up bound; the channel has failed.
    DeliveryTimeout {
        sequence_number: i64,
    },
}

/// Why a frame was dropped or a send refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    #[error("invalid frame: {0}")]
    Frame(#[from] FrameError),
    #[error("unreadable acknowledgement: {0}")]
    BadAcknowledge(String),
    #[error("incoming buffer full, dropped sequence {0}")]
    IncomingBufferFull(i64),
    #[error("outgoing buffer full: {needed} messages needed, {free} free")]
    Backpressure { needed: usize, free: usize },
    #[error("payload of {0} bytes is too large for one frame")]
    PayloadTooLarge(usize),
    #[error("channel closed")]
    Closed,
    #[error("channel failed: delivery timed out")]
    Failed,
}

/// The data-channel state machine. See the module documentation.
#[derive(Debug)]
pub struct Channel {
    config: ChannelConfig,
    origin: Instant,
    origin_epoch_ms: u64,
    rng: StdRng,
    state: State,
    phase: Phase,
    outbox: Outbox,
    held: VecDeque<(PayloadType, Vec<u8>)>,
    inbox: BTreeMap<i64, Frame>,
    expected: i64,
    rtt: RttEstimator,
    control: VecDeque<Bytes>,
    events: VecDeque<Event>,
    paused_since: Option<Instant>,
    next_tick: Option<Instant>,
    next_stream_at: Option<Instant>,
}

impl Channel {
    /// A channel with default limits, the system clock for `CreatedDate` and random ids.
    pub fn new(role: Role, now: Instant) -> Self {
        let epoch_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let seed = rand::rng().next_u64();
        Self::with_config(ChannelConfig::new(role), now, epoch_ms, seed)
    }

    /// Fully deterministic: `epoch_ms` is the Unix time in ms at `now`, and `seed` drives
    /// every MessageId.
    pub fn with_config(config: ChannelConfig, now: Instant, epoch_ms: u64, seed: u64) -> Self {
        let phase = match config.role {
            Role::Client => Phase::AwaitingFirstMessage,
            Role::Agent => Phase::Running,
        };
        Self {
            config,
            origin: now,
            origin_epoch_ms: epoch_ms,
            rng: StdRng::seed_from_u64(seed),
            state: State::Open,
            phase,
            outbox: Outbox::default(),
            held: VecDeque::new(),
            inbox: BTreeMap::new(),
            expected: 0,
            rtt: RttEstimator::default(),
            control: VecDeque::new(),
            events: VecDeque::new(),
            paused_since: None,
            next_tick: None,
            next_stream_at: None,
        }
    }

    pub fn role(&self) -> Role {
        self.config.role
    }

    pub fn state(&self) -> State {
        self.state
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    pub fn is_paused(&self) -> bool {
        self.paused_since.is_some()
    }

    /// When the current pause began, for a user-visible bound (§10.3).
    pub fn paused_since(&self) -> Option<Instant> {
        self.paused_since
    }

    /// Sequence number the next outgoing stream message will get.
    pub fn next_sequence_number(&self) -> i64 {
        self.outbox.next_seq()
    }

    /// `ExpectedSequenceNumber` of the incoming stream.
    pub fn expected_sequence_number(&self) -> i64 {
        self.expected
    }

    /// Messages sent or queued but not yet acknowledged (held ones included).
    pub fn unacknowledged(&self) -> usize {
        self.outbox.len() + self.held.len()
    }

    /// Room left in the outgoing buffer, in messages.
    pub fn send_capacity(&self) -> usize {
        self.config
            .outgoing_capacity
            .saturating_sub(self.unacknowledged())
    }

    pub fn rtt(&self) -> &RttEstimator {
        &self.rtt
    }

    // ---- sending -------------------------------------------------------------------

    /// Queues Output bytes (keystrokes, or terminal output for the agent role), split into
    /// payloads of at most `max_payload` bytes without splitting UTF-8 sequences. Small
    /// writes are merged into a still-unsent Output message. All or nothing: on
    /// `Backpressure` nothing was queued.
    pub fn send_data(&mut self, data: &[u8]) -> Result<(), ChannelError> {
        self.check_open()?;
        if data.is_empty() {
            return Ok(());
        }
        let max = self.config.max_payload;
        if self.holding() {
            if let Some((PayloadType::Output, last)) = self.held.back_mut()
                && last.len() + data.len() <= max
            {
                last.extend_from_slice(data);
                return Ok(());
            }
        } else if self.outbox.coalesce_output(data, max) {
            return Ok(());
        }
        let chunks: Vec<Vec<u8>> = utf8_chunks(data, max)
            .into_iter()
            .map(<[u8]>::to_vec)
            .collect();
        self.enqueue(PayloadType::Output, chunks, true)
    }

    /// Queues a terminal size (§9.2). While held before session start, a newer size
    /// replaces an older one.
    pub fn send_size(&mut self, size: Size) -> Result<(), ChannelError> {
        self.check_open()?;
        let payload = serde_json::to_vec(&size).unwrap_or_default();
        if self.holding() {
            self.held.retain(|(t, _)| *t != PayloadType::Size);
        }
        self.enqueue(PayloadType::Size, vec![payload], true)
    }

    /// Queues a Flag message (§5.3).
    pub fn send_flag(&mut self, flag: Flag) -> Result<(), ChannelError> {
        self.check_open()?;
        self.enqueue(PayloadType::Flag, vec![flag.encode().to_vec()], true)
    }

    /// Queues a HandshakeResponse (§7.3); never held.
    pub fn send_handshake_response(
        &mut self,
        response: &HandshakeResponse,
    ) -> Result<(), ChannelError> {
        self.check_open()?;
        let payload = serde_json::to_vec(response).unwrap_or_default();
        self.enqueue(PayloadType::HandshakeResponse, vec![payload], false)
    }

    /// Queues one stream message of any payload type as it is: not chunked, not held.
    pub fn send_message(
        &mut self,
        payload_type: PayloadType,
        payload: impl Into<Vec<u8>>,
    ) -> Result<(), ChannelError> {
        self.check_open()?;
        let payload = payload.into();
        if u32::try_from(payload.len()).is_err() {
            return Err(ChannelError::PayloadTooLarge(payload.len()));
        }
        self.enqueue(payload_type, vec![payload], false)
    }

    /// Ends the channel locally (a deliberate close: no reconnect, timers stop).
    pub fn close(&mut self) {
        if self.state == State::Open {
            self.state = State::Closed;
            self.stop();
        }
    }

    /// A new socket is up (§11): unpause, and resend every unacknowledged message in
    /// order as soon as pacing allows. Acks not yet written are kept.
    pub fn reconnected(&mut self, now: Instant) {
        if self.state != State::Open {
            return;
        }
        self.resume(now);
        self.outbox.schedule_all();
        self.next_stream_at = None;
    }

    // ---- the three output queues ---------------------------------------------------

    /// The next frame to write to the socket, if any may go out at `now`.
    pub fn poll_transmit(&mut self, now: Instant) -> Option<Bytes> {
        if let Some(frame) = self.control.pop_front() {
            return Some(frame);
        }
        if self.state != State::Open || self.is_paused() {
            return None;
        }
        if !self.outbox.has_pending() || self.next_stream_at.is_some_and(|at| now < at) {
            return None;
        }
        let created_date = self.epoch_ms(now);
        let flags_for_seq0 = match self.config.role {
            Role::Client => 0,
            Role::Agent => FLAG_SYN,
        };
        let message_type = self.config.role.outgoing_type();
        let give_up_at = now + self.config.give_up_after;
        let fresh_id = self.new_message_id();
        let (entry, resend) = self.outbox.next_transmission()?;
        if resend {
            entry.resends = entry.resends.saturating_add(1);
        } else {
            let flags = if entry.seq == 0 { flags_for_seq0 } else { 0 };
            let frame = Frame::new(
                message_type,
                created_date,
                entry.seq,
                flags,
                fresh_id,
                entry.payload_type,
                std::mem::take(&mut entry.payload),
            );
            entry.wire = Some(encode_or_empty(&frame));
            entry.give_up_at = Some(give_up_at);
        }
        entry.last_sent = Some(now);
        let wire = entry.wire.clone();
        // A virtual clock: a sender woken late (timers round 1 ms up) may catch up with a
        // short burst, so the average stays one message per `pacing`.
        let floor = now
            .checked_sub(self.config.pacing * PACING_BURST)
            .unwrap_or(now);
        let base = self.next_stream_at.map_or(now, |at| at.max(floor));
        self.next_stream_at = Some(base + self.config.pacing);
        if self.next_tick.is_none() {
            self.next_tick = Some(now + self.config.tick);
        }
        wire
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) or
    /// [`poll_transmit`](Self::poll_transmit) next has work; `None` when idle. The
    /// instant may already have passed.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.state != State::Open {
            return None;
        }
        if !self.control.is_empty() {
            return Some(self.origin);
        }
        if self.is_paused() {
            return None;
        }
        let pacing = self
            .outbox
            .has_pending()
            .then(|| self.next_stream_at.unwrap_or(self.origin));
        match (self.next_tick, pacing) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Runs the retransmission scheduler if a tick is due (§6.4).
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.state != State::Open || self.is_paused() {
            return;
        }
        let Some(tick) = self.next_tick else { return };
        if now < tick {
            return;
        }
        let Some(oldest) = self.outbox.oldest_in_flight() else {
            self.next_tick = None;
            return;
        };
        self.next_tick = Some(now + self.config.tick);
        if oldest.give_up_at.is_some_and(|at| now >= at) {
            let seq = oldest.seq;
            self.state = State::Failed;
            self.stop();
            self.events.push_back(Event::DeliveryTimeout {
                sequence_number: seq,
            });
            return;
        }
        let overdue = oldest
            .last_sent
            .is_some_and(|sent| now.saturating_duration_since(sent) > self.rtt.rto());
        if overdue {
            self.outbox.schedule_oldest();
        }
    }

    // ---- receiving -----------------------------------------------------------------

    /// Processes one received frame (§4.4, §6.3). `Err` means the frame was dropped
    /// without acknowledgement and without any other effect.
    pub fn handle_frame(&mut self, bytes: &[u8], now: Instant) -> Result<(), ChannelError> {
        match self.state {
            State::Open => {}
            State::Closed => return Err(ChannelError::Closed),
            State::Failed => return Err(ChannelError::Failed),
        }
        let frame = Frame::decode_validated(bytes)?;
        let incoming = self.config.role.incoming_type();
        match &frame.message_type {
            t if *t == incoming => {
                self.resume(now);
                self.on_stream_data(frame, now)
            }
            MessageType::Acknowledge => self.on_acknowledge(&frame, now),
            MessageType::ChannelClosed => {
                self.on_channel_closed(&frame);
                Ok(())
            }
            MessageType::StartPublication => {
                self.resume(now);
                Ok(())
            }
            MessageType::PausePublication => {
                if self.paused_since.is_none() {
                    self.paused_since = Some(now);
                    self.events.push_back(Event::Paused);
                }
                Ok(())
            }
            other => {
                tracing::debug!(message_type = %other, "ignoring message");
                Ok(())
            }
        }
    }

    fn on_stream_data(&mut self, frame: Frame, now: Instant) -> Result<(), ChannelError> {
        let seq = frame.sequence_number;
        if seq == self.expected {
            self.queue_ack(&frame, now);
            self.expected = self.expected.saturating_add(1);
            self.deliver(frame);
            while let Some(next) = self.inbox.remove(&self.expected) {
                self.expected = self.expected.saturating_add(1);
                self.deliver(next);
            }
        } else if seq > self.expected {
            if !self.inbox.contains_key(&seq) {
                if self.inbox.len() >= self.config.incoming_capacity {
                    return Err(ChannelError::IncomingBufferFull(seq));
                }
                self.queue_ack(&frame, now);
                self.inbox.insert(seq, frame);
            } else {
                self.queue_ack(&frame, now);
            }
        } else {
            // Duplicate: acknowledge again, deliver nothing (§6.3 recommended deviation).
            self.queue_ack(&frame, now);
        }
        Ok(())
    }

    fn on_acknowledge(&mut self, frame: &Frame, now: Instant) -> Result<(), ChannelError> {
        let content: AcknowledgeContent = serde_json::from_slice(&frame.payload)
            .map_err(|e| ChannelError::BadAcknowledge(e.to_string()))?;
        self.resume(now);
        if let Some(entry) = self
            .outbox
            .acknowledge(content.acknowledged_message_sequence_number)
            && entry.resends == 0
            && let Some(sent) = entry.last_sent
        {
            self.rtt.update(now.saturating_duration_since(sent));
        }
        if !self.outbox.has_in_flight() {
            self.next_tick = None;
        }
        Ok(())
    }

    fn on_channel_closed(&mut self, frame: &Frame) {
        let closed = serde_json::from_slice(&frame.payload).unwrap_or_else(|_| ChannelClosed {
            output: String::from_utf8_lossy(&frame.payload).into_owned(),
            ..ChannelClosed::default()
        });
        self.state = State::Closed;
        self.stop();
        self.events.push_back(Event::ChannelClosed(closed));
    }

    /// Turns one in-order stream message into events (§6.3, §7.1).
    fn deliver(&mut self, frame: Frame) {
        let payload_type = frame.payload_type;
        let payload = frame.payload;
        let event = match payload_type {
            PayloadType::Output => {
                self.start_session();
                Event::Output(payload)
            }
            PayloadType::StdErr => {
                self.start_session();
                Event::StdErr(payload)
            }
            PayloadType::ExitCode => {
                self.start_session();
                Event::ExitCode(payload)
            }
            PayloadType::HandshakeRequest => {
                let event = parse_json(payload_type, &payload, Event::HandshakeRequest);
                if matches!(event, Event::HandshakeRequest(_))
                    && self.phase == Phase::AwaitingFirstMessage
                {
                    self.phase = Phase::Handshaking;
                }
                event
            }
            PayloadType::HandshakeComplete => {
                let event = parse_json(payload_type, &payload, Event::HandshakeComplete);
                if matches!(event, Event::HandshakeComplete(_)) {
                    self.events.push_back(event);
                    self.start_session();
                    return;
                }
                event
            }
            PayloadType::EncChallengeRequest => {
                parse_json(payload_type, &payload, Event::EncChallengeRequest)
            }
            PayloadType::EncChallengeResponse => {
                parse_json(payload_type, &payload, Event::EncChallengeResponse)
            }
            PayloadType::HandshakeResponse => {
                parse_json(payload_type, &payload, Event::HandshakeResponse)
            }
            PayloadType::Size => parse_json(payload_type, &payload, Event::Size),
            PayloadType::Flag => match Flag::decode(&payload) {
                Some(flag) => Event::Flag(flag),
                None => Event::Malformed {
                    payload_type,
                    error: format!("flag payload of {} bytes", payload.len()),
                },
            },
            PayloadType::Unset
            | PayloadType::Error
            | PayloadType::Parameter
            | PayloadType::Unknown(_) => Event::Other {
                payload_type,
                payload,
            },
        };
        self.events.push_back(event);
    }

    // ---- internals -----------------------------------------------------------------

    fn start_session(&mut self) {
        if self.phase == Phase::Running {
            return;
        }
        self.phase = Phase::Running;
        self.events.push_back(Event::SessionStarted);
        for (payload_type, payload) in std::mem::take(&mut self.held) {
            self.outbox.push(payload_type, payload);
        }
    }

    fn holding(&self) -> bool {
        self.config.role == Role::Client && self.phase != Phase::Running
    }

    fn enqueue(
        &mut self,
        payload_type: PayloadType,
        payloads: Vec<Vec<u8>>,
        holdable: bool,
    ) -> Result<(), ChannelError> {
        let free = self.send_capacity();
        if payloads.len() > free {
            return Err(ChannelError::Backpressure {
                needed: payloads.len(),
                free,
            });
        }
        let hold = holdable && self.holding();
        for payload in payloads {
            if hold {
                self.held.push_back((payload_type, payload));
            } else {
                self.outbox.push(payload_type, payload);
            }
        }
        Ok(())
    }

    fn check_open(&self) -> Result<(), ChannelError> {
        match self.state {
            State::Open => Ok(()),
            State::Closed => Err(ChannelError::Closed),
            State::Failed => Err(ChannelError::Failed),
        }
    }

    fn resume(&mut self, now: Instant) {
        if let Some(since) = self.paused_since.take() {
            self.outbox
                .postpone_deadlines(now.saturating_duration_since(since));
            if self.outbox.has_in_flight() {
                self.next_tick = Some(now + self.config.tick);
            }
            self.events.push_back(Event::Resumed);
        }
    }

    /// Stops timers and drops queued frames (§10.1 step 2).
    fn stop(&mut self) {
        self.control.clear();
        self.next_tick = None;
        self.next_stream_at = None;
    }

    fn queue_ack(&mut self, frame: &Frame, now: Instant) {
        let content = AcknowledgeContent::for_frame(frame);
        let payload = serde_json::to_vec(&content).unwrap_or_default();
        let ack = Frame::new(
            MessageType::Acknowledge,
            self.epoch_ms(now),
            0,
            FLAG_SYN | FLAG_FIN,
            self.new_message_id(),
            PayloadType::Unset,
            payload,
        );
        self.control.push_back(encode_or_empty(&ack));
    }

    /// `CreatedDate` for `now`; never 0, which receivers reject (§4.4).
    fn epoch_ms(&self, now: Instant) -> u64 {
        let elapsed = now.saturating_duration_since(self.origin).as_millis();
        self.origin_epoch_ms
            .saturating_add(u64::try_from(elapsed).unwrap_or(u64::MAX))
            .max(1)
    }

    fn new_message_id(&mut self) -> Uuid {
        let mut bytes = [0u8; 16];
        self.rng.fill_bytes(&mut bytes);
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }
}

fn parse_json<T: serde::de::DeserializeOwned>(
    payload_type: PayloadType,
    payload: &[u8],
    wrap: fn(T) -> Event,
) -> Event {
    match serde_json::from_slice(payload) {
        Ok(value) => wrap(value),
        Err(e) => Event::Malformed {
            payload_type,
            error: e.to_string(),
        },
    }
}

/// Frames built here have a known type name and a payload length checked on entry, so
/// encoding cannot fail; an empty frame is written rather than panicking if it ever did.
fn encode_or_empty(frame: &Frame) -> Bytes {
    frame.encode().unwrap_or_else(|e| {
        tracing::error!(error = %e, "frame encoding failed");
        Bytes::new()
    })
}
