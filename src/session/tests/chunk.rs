//! Chunking of stream data (§6.1, §9.3).

use crate::session::chunk::{MAX_PAYLOAD, utf8_chunks};

#[test]
fn splits_at_the_limit() {
    let data = vec![b'a'; 2 * MAX_PAYLOAD + 5];
    let lens: Vec<usize> = utf8_chunks(&data, MAX_PAYLOAD)
        .iter()
        .map(|c| c.len())
        .collect();
    assert_eq!(lens, vec![1024, 1024, 5]);
    assert!(utf8_chunks(b"", MAX_PAYLOAD).is_empty());
}

#[test]
fn does_not_split_utf8_sequences() {
    for prefix in 1018..=1024 {
        for ch in ["é", "€", "😀"] {
            let mut data = vec![b'a'; prefix];
            data.extend_from_slice(ch.as_bytes());
            data.extend_from_slice(&[b'b'; 1500]);
            let chunks = utf8_chunks(&data, MAX_PAYLOAD);
            assert!(chunks.iter().all(|c| c.len() <= MAX_PAYLOAD));
            assert_eq!(chunks.concat(), data);
            for c in &chunks {
                assert!(std::str::from_utf8(c).is_ok(), "prefix {prefix} {ch}");
            }
        }
    }
}

#[test]
fn passes_invalid_bytes_through_and_always_progresses() {
    let data = vec![0xF0u8; 5000];
    let chunks = utf8_chunks(&data, MAX_PAYLOAD);
    assert_eq!(chunks.concat(), data);
    assert!(
        chunks
            .iter()
            .all(|c| !c.is_empty() && c.len() <= MAX_PAYLOAD)
    );
    let tiny = utf8_chunks("é€".as_bytes(), 1);
    assert_eq!(tiny.len(), 5);
    let two = utf8_chunks("€€".as_bytes(), 2);
    assert_eq!(two.concat(), "€€".as_bytes());
}
