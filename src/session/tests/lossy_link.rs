//! A client and an agent channel talking over a simulated link that drops, delays and
//! reorders frames, with a reconnect in the middle: every byte arrives once, in order.

use std::time::Instant;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;

struct Link {
    in_flight: Vec<(Instant, bool, Bytes)>, // (deliver at, to agent?, frame)
}

impl Link {
    fn send(&mut self, rng: &mut StdRng, now: Instant, to_agent: bool, frame: Bytes) {
        if rng.random_bool(0.2) {
            return; // lost
        }
        let delay = ms(rng.random_range(0..40));
        self.in_flight.push((now + delay, to_agent, frame));
    }

    fn due(&mut self, now: Instant) -> Vec<(bool, Bytes)> {
        let (due, later): (Vec<_>, Vec<_>) =
            self.in_flight.drain(..).partition(|(at, _, _)| *at <= now);
        self.in_flight = later;
        due.into_iter().map(|(_, to, f)| (to, f)).collect()
    }
}

fn collect_output(ch: &mut Channel, sink: &mut Vec<u8>) {
    while let Some(event) = ch.poll_event() {
        if let Event::Output(bytes) = event {
            sink.extend_from_slice(&bytes);
        }
    }
}

#[test]
fn every_byte_arrives_once_in_order_over_a_lossy_link() {
    for seed in 0..4u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let t0 = Instant::now();
        let mut client = client(t0);
        let mut agent = agent(t0);
        let mut link = Link {
            in_flight: Vec::new(),
        };
        let mut to_agent_sent = Vec::new();
        let mut to_client_sent = Vec::new();
        let (mut at_agent, mut at_client) = (Vec::new(), Vec::new());

        let mut now = t0;
        for step in 0..120_000u32 {
            now += ms(1);
            if step < 2_000 && step % 10 == 0 {
                let len = rng.random_range(1..2_500);
                let data: Vec<u8> = (0..len).map(|_| rng.random()).collect();
                if rng.random_bool(0.5) {
                    client.send_data(&data).unwrap();
                    to_agent_sent.extend_from_slice(&data);
                } else {
                    agent.send_data(&data).unwrap();
                    to_client_sent.extend_from_slice(&data);
                }
            }
            if step == 1_000 {
                link.in_flight.clear(); // the socket dropped
                client.reconnected(now);
                agent.reconnected(now);
            }
            for (to_agent, frame) in link.due(now) {
                let target = if to_agent { &mut agent } else { &mut client };
                target.handle_frame(&frame, now).unwrap();
            }
            for (is_agent, ch) in [(false, &mut client), (true, &mut agent)] {
                ch.handle_timeout(now);
                while let Some(frame) = ch.poll_transmit(now) {
                    link.send(&mut rng, now, !is_agent, frame);
                }
            }
            collect_output(&mut client, &mut at_client);
            collect_output(&mut agent, &mut at_agent);
            if step > 2_000
                && client.unacknowledged() == 0
                && agent.unacknowledged() == 0
                && link.in_flight.is_empty()
            {
                break;
            }
        }
        assert_eq!(client.unacknowledged(), 0, "seed {seed}");
        assert_eq!(agent.unacknowledged(), 0, "seed {seed}");
        assert_eq!(at_agent, to_agent_sent, "seed {seed}");
        assert_eq!(at_client, to_client_sent, "seed {seed}");
        assert_eq!(
            client.expected_sequence_number(),
            agent.next_sequence_number()
        );
        assert_eq!(
            agent.expected_sequence_number(),
            client.next_sequence_number()
        );
    }
}
