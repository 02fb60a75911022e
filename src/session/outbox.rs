//! Outgoing buffer of sequenced stream messages awaiting acknowledgement (§6.1, §6.4).
//!
//! Entries are ordered by sequence number. A message is *unsent* until its first
//! transmission (its payload may still grow by coalescing) and *in flight* afterwards;
//! unsent entries are always the tail of the buffer.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::frame::PayloadType;

/// One buffered stream message.
#[derive(Debug, Clone)]
pub struct OutEntry {
    pub seq: i64,
    pub payload_type: PayloadType,
    pub payload: Vec<u8>,
    /// Serialized frame, fixed at first transmission and resent unchanged.
    pub wire: Option<Bytes>,
    pub last_sent: Option<Instant>,
    pub give_up_at: Option<Instant>,
    pub resends: u32,
    pub resend_scheduled: bool,
}

impl OutEntry {
    pub fn in_flight(&self) -> bool {
        self.wire.is_some()
    }
}

#[derive(Debug, Default)]
pub struct Outbox {
    entries: VecDeque<OutEntry>,
    next_seq: i64,
    unsent: usize,
    resend_queue: VecDeque<i64>,
}

impl Outbox {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn next_seq(&self) -> i64 {
        self.next_seq
    }

    /// Appends a message with the next sequence number.
    pub fn push(&mut self, payload_type: PayloadType, payload: Vec<u8>) -> i64 {
        let seq = self.next_seq;
        self.next_seq = self.next_seq.saturating_add(1);
        self.entries.push_back(OutEntry {
            seq,
            payload_type,
            payload,
            wire: None,
            last_sent: None,
            give_up_at: None,
            resends: 0,
            resend_scheduled: false,
        });
        self.unsent += 1;
        seq
    }

    /// Appends `data` to the last message if it is an unsent Output with room for all of
    /// it (§6.1: combine keystrokes that queue up).
    pub fn coalesce_output(&mut self, data: &[u8], max: usize) -> bool {
        match self.entries.back_mut() {
            Some(last)
                if self.unsent > 0
                    && last.payload_type == PayloadType::Output
                    && last.payload.len() + data.len() <= max =>
            {
                last.payload.extend_from_slice(data);
                true
            }
            _ => false,
        }
    }

    /// Removes the in-flight message with this sequence number (selective ack, §6.1).
    /// Unknown or unsent numbers are ignored.
    pub fn acknowledge(&mut self, seq: i64) -> Option<OutEntry> {
        let idx = self.entries.binary_search_by_key(&seq, |e| e.seq).ok()?;
        if !self.entries[idx].in_flight() {
            return None;
        }
        self.entries.remove(idx)
    }

    /// Oldest in-flight message: the one the retransmission scheduler looks at.
    pub fn oldest_in_flight(&self) -> Option<&OutEntry> {
        self.entries.front().filter(|e| e.in_flight())
    }

    pub fn has_in_flight(&self) -> bool {
        self.oldest_in_flight().is_some()
    }

    /// Whether [`next_transmission`](Self::next_transmission) has something to return.
    pub fn has_pending(&self) -> bool {
        self.unsent > 0 || !self.resend_queue.is_empty()
    }

    /// Queues the oldest in-flight message for retransmission.
    pub fn schedule_oldest(&mut self) {
        if let Some(front) = self.entries.front_mut().filter(|e| e.in_flight())
            && !front.resend_scheduled
        {
            front.resend_scheduled = true;
            self.resend_queue.push_back(front.seq);
        }
    }

    /// Queues every in-flight message for retransmission, in order (§11).
    pub fn schedule_all(&mut self) {
        self.resend_queue.clear();
        for entry in self.entries.iter_mut().filter(|e| e.in_flight()) {
            entry.resend_scheduled = true;
            self.resend_queue.push_back(entry.seq);
        }
    }

    /// The next message to put on the wire: scheduled retransmissions first, then the
    /// oldest unsent message. The flag tells whether it is a retransmission.
    pub fn next_transmission(&mut self) -> Option<(&mut OutEntry, bool)> {
        while let Some(seq) = self.resend_queue.pop_front() {
            if let Ok(idx) = self.entries.binary_search_by_key(&seq, |e| e.seq) {
                let entry = &mut self.entries[idx];
                entry.resend_scheduled = false;
                return Some((entry, true));
            }
        }
        if self.unsent == 0 {
            return None;
        }
        let idx = self.entries.len() - self.unsent;
        self.unsent -= 1;
        self.entries.get_mut(idx).map(|e| (e, false))
    }

    /// Moves every give-up deadline later by `by` (time spent paused, §10.3).
    pub fn postpone_deadlines(&mut self, by: Duration) {
        for entry in &mut self.entries {
            if let Some(at) = entry.give_up_at.as_mut() {
                *at += by;
            }
        }
    }
}
