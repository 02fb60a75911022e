//! Splitting stream data into payloads of bounded size (§6.1, §9.3).

/// Default maximum payload of one stream message (`StreamDataPayloadSize`).
pub const MAX_PAYLOAD: usize = 1024;

/// Splits `data` into chunks of at most `max` bytes (`max` ≥ 1 is assumed; 0 is treated
/// as 1). A cut that would split a UTF-8 sequence is moved back to the start of that
/// sequence, carrying its bytes to the next chunk, as the agent does (§9.3); invalid
/// bytes are passed through unchanged.
pub fn utf8_chunks(data: &[u8], max: usize) -> Vec<&[u8]> {
    let max = max.max(1);
    let mut chunks = Vec::with_capacity(data.len() / max + 1);
    let mut rest = data;
    while !rest.is_empty() {
        let cut = if rest.len() <= max {
            rest.len()
        } else {
            utf8_boundary(rest, max)
        };
        let (head, tail) = rest.split_at(cut);
        chunks.push(head);
        rest = tail;
    }
    chunks
}

/// Largest cut ≤ `max` that does not separate a lead byte from its continuation bytes;
/// `max` itself when no such cut exists within the last three bytes.
fn utf8_boundary(data: &[u8], max: usize) -> usize {
    for back in 1..=3usize.min(max - 1) {
        let i = max - back;
        let b = data[i];
        if b & 0xC0 == 0x80 {
            continue; // continuation byte: keep looking for its lead
        }
        let len = match b {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            _ => 1,
        };
        return if i + len > max { i } else { max };
    }
    max
}
