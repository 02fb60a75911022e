//! Test vectors V1–V13 of §14, byte for byte.

use std::time::Instant;

use serde_json::json;

use super::*;
use crate::session::channel::{Phase, State};
use crate::session::frame::{FrameError, message_id_from_wire, message_id_to_wire, payload_digest};
use crate::session::messages::{
    Flag, HandshakeRequest, HandshakeResponse, OpenDataChannelInput, SHELL_SESSION_TYPES, Size,
};
use crate::session::rtt::RttEstimator;

const V3: &str = "
00000074696e7075745f73747265616d5f646174612020202020202020202020
20202020000000010000018bcfe5680000000000000000000000000000000000
a508b5f073f31b16dd01e56bff48483e1d887ce0f8672e4914d9000e801cd74e
cd805dd9366c0bc42dc16adc0197dc2f00000001000000036c730d";

const V6: &str = "
000000746f75747075745f73747265616d5f6461746120202020202020202020
20202020000000010000018bcfe5687b00000000000000000000000000000001
9a2c6b1b5c1e2f3a8c1b5c836f8e4b4305ade08fcfb104f40b2536a14dfcd6e9
16d643f5cf8044b19028b607ae8f4908000000010000000748656c6c6f0d0a";

const V7_PAYLOAD: &str = r#"{"ClientVersion":"1.2.650.0","ProcessedClientActions":[{"ActionType":"SessionType","ActionStatus":1,"ActionResult":null,"Error":""}],"Errors":null}"#;

#[test]
fn v1_message_id_swap() {
    let id = uuid("dd01e56b-ff48-483e-a508-b5f073f31b16");
    assert_eq!(
        message_id_to_wire(id).to_vec(),
        hex("a508b5f073f31b16 dd01e56bff48483e")
    );
    let wire: [u8; 16] = hex("a3de282f478ba6e6 812ef34f87bd449e").try_into().unwrap();
    assert_eq!(
        message_id_from_wire(wire).to_string(),
        "812ef34f-87bd-449e-a3de-282f478ba6e6"
    );
    assert_eq!(message_id_from_wire(message_id_to_wire(id)), id);
}

#[test]
fn v2_open_data_channel_input() {
    let input = OpenDataChannelInput {
        message_schema_version: "1.0".into(),
        request_id: "2f1c5e3a-9d4b-4c8e-8a6f-0b1d2c3e4f50".into(),
        token_value: "EXAMPLE-TOKEN".into(),
        client_id: "7e0d6f1c-3b2a-4e5f-9c8d-1a2b3c4d5e6f".into(),
        client_version: Some("1.2.650.0".into()),
    };
    assert_eq!(
        input.to_json(),
        r#"{"MessageSchemaVersion":"1.0","RequestId":"2f1c5e3a-9d4b-4c8e-8a6f-0b1d2c3e4f50","TokenValue":"EXAMPLE-TOKEN","ClientId":"7e0d6f1c-3b2a-4e5f-9c8d-1a2b3c4d5e6f","ClientVersion":"1.2.650.0"}"#
    );
    let debug = format!("{input:?} {input:#?}");
    assert!(!debug.contains("EXAMPLE-TOKEN"), "{debug}");
    assert!(debug.contains("<redacted>"));
}

#[test]
fn open_data_channel_input_new_uses_fresh_request_ids() {
    let client_id = uuid("7e0d6f1c-3b2a-4e5f-9c8d-1a2b3c4d5e6f");
    let a = OpenDataChannelInput::new("T", client_id, "1.2.650.0");
    let b = OpenDataChannelInput::new("T", client_id, "1.2.650.0");
    assert_ne!(a.request_id, b.request_id);
    assert_eq!(a.client_id, b.client_id);
    assert_eq!(a.request_id.len(), 36);
    assert_eq!(a.request_id, a.request_id.to_lowercase());
}

#[test]
fn v3_keystrokes_frame() {
    let frame = Frame::new(
        MessageType::InputStreamData,
        1_700_000_000_000,
        0,
        0,
        uuid("dd01e56b-ff48-483e-a508-b5f073f31b16"),
        PayloadType::Output,
        &b"ls\r"[..],
    );
    let wire = frame.encode().unwrap();
    assert_eq!(wire.to_vec(), hex(V3));
    assert_eq!(wire.len(), 123);
    assert_eq!(Frame::decode_validated(&wire).unwrap(), frame);
}

#[test]
fn v4_size_frame() {
    let payload = serde_json::to_vec(&Size {
        cols: 120,
        rows: 40,
    })
    .unwrap();
    assert_eq!(payload, br#"{"cols":120,"rows":40}"#);
    let frame = Frame::new(
        MessageType::InputStreamData,
        1_700_000_000_001,
        1,
        0,
        uuid("3f2504e0-4f89-41d3-9a0c-0305e82c3301"),
        PayloadType::Size,
        payload,
    );
    assert_eq!(
        frame.encode().unwrap().to_vec(),
        hex("
00000074696e7075745f73747265616d5f646174612020202020202020202020
20202020000000010000018bcfe5680100000000000000010000000000000000
9a0c0305e82c33013f2504e04f8941d3edf7359c89077b608a6b3e8b19e63bbf
c7aa724989a05ea371a9966a6e9db7cc00000003000000167b22636f6c73223a
3132302c22726f7773223a34307d")
    );
}

#[test]
fn v5_acknowledgement_frame() {
    let acked_frame = Frame::new(
        MessageType::OutputStreamData,
        1,
        0,
        1,
        uuid("6ba7b810-9dad-41d1-80b4-00c04fd430c8"),
        PayloadType::Output,
        &b"x"[..],
    );
    let payload = serde_json::to_vec(&AcknowledgeContent::for_frame(&acked_frame)).unwrap();
    assert_eq!(
        payload,
        br#"{"AcknowledgedMessageType":"output_stream_data","AcknowledgedMessageId":"6ba7b810-9dad-41d1-80b4-00c04fd430c8","AcknowledgedMessageSequenceNumber":0,"IsSequentialMessage":true}"#
    );
    assert_eq!(payload.len(), 176);
    let frame = Frame::new(
        MessageType::Acknowledge,
        1_700_000_000_002,
        0,
        3,
        uuid("1b4e28ba-2fa1-41d2-883f-0016d3cca427"),
        PayloadType::Unset,
        payload,
    );
    let wire = frame.encode().unwrap();
    assert_eq!(wire.len(), 296);
    assert_eq!(
        wire.to_vec(),
        hex("
0000007461636b6e6f776c656467652020202020202020202020202020202020
20202020000000010000018bcfe5680200000000000000000000000000000003
883f0016d3cca4271b4e28ba2fa141d2750480d492a184e64d5aa69b7185a9c8
f22e22f6a762a9a60589e8598a7e5c6800000000000000b07b2241636b6e6f77
6c65646765644d65737361676554797065223a226f75747075745f7374726561
6d5f64617461222c2241636b6e6f776c65646765644d6573736167654964223a
2236626137623831302d396461642d343164312d383062342d30306330346664
3433306338222c2241636b6e6f776c65646765644d6573736167655365717565
6e63654e756d626572223a302c22497353657175656e7469616c4d6573736167
65223a747275657d")
    );
}

#[test]
fn v6_decode_agent_frame() {
    let bytes = hex(V6);
    assert_eq!(bytes.len(), 127);
    let frame = Frame::decode_validated(&bytes).unwrap();
    assert_eq!(frame.header_length, 116);
    assert_eq!(frame.message_type, MessageType::OutputStreamData);
    assert_eq!(frame.schema_version, 1);
    assert_eq!(frame.created_date, 1_700_000_000_123);
    assert_eq!(frame.sequence_number, 0);
    assert_eq!(frame.flags, 1);
    assert_eq!(
        frame.message_id.to_string(),
        "8c1b5c83-6f8e-4b43-9a2c-6b1b5c1e2f3a"
    );
    assert_eq!(frame.payload_type, PayloadType::Output);
    assert_eq!(frame.payload_length, 7);
    assert_eq!(&frame.payload[..], b"Hello\r\n");
    assert_eq!(frame.payload_digest, payload_digest(b"Hello\r\n"));
}

#[test]
fn v6_channel_acknowledges_with_the_decoded_id() {
    let t0 = Instant::now();
    let mut ch = client(t0);
    ch.handle_frame(&hex(V6), t0).unwrap();
    let out = drain(&mut ch, t0);
    assert_eq!(out.len(), 1);
    let ack = &out[0];
    assert_eq!(ack.message_type, MessageType::Acknowledge);
    assert_eq!((ack.sequence_number, ack.flags), (0, 3));
    assert_eq!(ack.payload_type, PayloadType::Unset);
    assert_eq!(ack.created_date, EPOCH_MS);
    let content: AcknowledgeContent = serde_json::from_slice(&ack.payload).unwrap();
    assert_eq!(
        content.acknowledged_message_id,
        "8c1b5c83-6f8e-4b43-9a2c-6b1b5c1e2f3a"
    );
    assert_eq!(content.acknowledged_message_sequence_number, 0);
    assert_eq!(content.acknowledged_message_type, "output_stream_data");
    assert!(content.is_sequential_message);
    assert_eq!(
        events(&mut ch),
        vec![
            Event::SessionStarted,
            Event::Output(Bytes::from_static(b"Hello\r\n"))
        ]
    );
}

#[test]
fn v6_bad_digest_is_rejected_without_acknowledgement() {
    let mut bytes = hex(V6);
    assert_eq!(bytes[80], 0x05);
    bytes[80] = 0xfa;
    assert_eq!(
        Frame::decode_validated(&bytes),
        Err(FrameError::DigestMismatch)
    );
    let t0 = Instant::now();
    let mut ch = client(t0);
    assert!(ch.handle_frame(&bytes, t0).is_err());
    assert!(drain(&mut ch, t0).is_empty());
    assert!(events(&mut ch).is_empty());
    assert_eq!(ch.expected_sequence_number(), 0);
}

fn shell_request(actions: serde_json::Value) -> HandshakeRequest {
    serde_json::from_value(json!({
        "AgentVersion": "3.3.987.0",
        "RequestedClientActions": actions,
    }))
    .unwrap()
}

#[test]
fn v7_handshake_response_frame() {
    let request = shell_request(json!([
        {"ActionType": "SessionType",
         "ActionParameters": {"SessionType": "Standard_Stream", "Properties": null}}
    ]));
    let response = HandshakeResponse::answer(&request, "1.2.650.0", SHELL_SESSION_TYPES);
    assert!(response.is_success());
    let payload = serde_json::to_vec(&response).unwrap();
    assert_eq!(payload, V7_PAYLOAD.as_bytes());
    assert_eq!(payload.len(), 147);
    let frame = Frame::new(
        MessageType::InputStreamData,
        1_700_000_000_200,
        0,
        0,
        uuid("0f8fad5b-d9cb-469f-a165-70867728950e"),
        PayloadType::HandshakeResponse,
        payload,
    );
    let wire = frame.encode().unwrap();
    assert_eq!(wire.len(), 267);
    assert_eq!(
        wire.to_vec(),
        hex("
00000074696e7075745f73747265616d5f646174612020202020202020202020
20202020000000010000018bcfe568c800000000000000000000000000000000
a16570867728950e0f8fad5bd9cb469fc15970f285b82fe29690a5c8f2ce9b2f
4267eae1785947d095631a5cd98cfa4000000006000000937b22436c69656e74
56657273696f6e223a22312e322e3635302e30222c2250726f63657373656443
6c69656e74416374696f6e73223a5b7b22416374696f6e54797065223a225365
7373696f6e54797065222c22416374696f6e537461747573223a312c22416374
696f6e526573756c74223a6e756c6c2c224572726f72223a22227d5d2c224572
726f7273223a6e756c6c7d")
    );
}

#[test]
fn v8_handshake_response_declines_kms() {
    let request = shell_request(json!([
        {"ActionType": "SessionType",
         "ActionParameters": {"SessionType": "Standard_Stream", "Properties": null}},
        {"ActionType": "KMSEncryption",
         "ActionParameters": {"KMSKeyId": "arn:aws:kms:eu-west-1:111122223333:key/x"}}
    ]));
    assert!(request.requests_kms());
    let response = HandshakeResponse::answer(&request, "1.2.650.0", SHELL_SESSION_TYPES);
    assert!(!response.is_success());
    assert_eq!(
        serde_json::to_string(&response).unwrap(),
        r#"{"ClientVersion":"1.2.650.0","ProcessedClientActions":[{"ActionType":"SessionType","ActionStatus":1,"ActionResult":null,"Error":""},{"ActionType":"KMSEncryption","ActionStatus":3,"ActionResult":null,"Error":"Unsupported action KMSEncryption"}],"Errors":["Unsupported action KMSEncryption"]}"#
    );
}

#[test]
fn handshake_response_fails_unknown_session_types_and_declines_unknown_actions() {
    let request = shell_request(json!([
        {"ActionType": "SessionType",
         "ActionParameters": {"SessionType": "Port", "Properties": {"portNumber": "22"}}},
        {"ActionType": "FutureThing", "ActionParameters": {}}
    ]));
    let session = request.session_type().unwrap();
    assert_eq!(session.session_type, "Port");
    assert_eq!(session.properties["portNumber"], "22");
    let response = HandshakeResponse::answer(&request, "1.2.650.0", SHELL_SESSION_TYPES);
    let value = serde_json::to_value(&response).unwrap();
    assert_eq!(value["ProcessedClientActions"][0]["ActionStatus"], 2);
    assert_eq!(
        value["ProcessedClientActions"][1]["ActionType"],
        "FutureThing"
    );
    assert_eq!(value["ProcessedClientActions"][1]["ActionStatus"], 3);
    assert_eq!(
        value["Errors"],
        json!([
            "Unsupported session type Port",
            "Unsupported action FutureThing"
        ])
    );
}

#[test]
fn v9_terminate_session_flag_frame() {
    assert_eq!(Flag::TerminateSession.encode(), [0, 0, 0, 2]);
    let frame = Frame::new(
        MessageType::InputStreamData,
        1_700_000_000_300,
        7,
        0,
        uuid("7c9e6679-7425-40de-944b-e07fc1f90ae7"),
        PayloadType::Flag,
        Flag::TerminateSession.encode().to_vec(),
    );
    let wire = frame.encode().unwrap();
    assert_eq!(wire.len(), 124);
    assert_eq!(
        wire.to_vec(),
        hex("
00000074696e7075745f73747265616d5f646174612020202020202020202020
20202020000000010000018bcfe5692c00000000000000070000000000000000
944be07fc1f90ae77c9e6679742540de433ebf5bc03dffa38536673207a21281
612cef5faa9bc7a4d5b9be2fdb12cf1a0000000a0000000400000002")
    );
    assert_eq!(Flag::decode(&[0, 0, 0, 2]), Some(Flag::TerminateSession));
    assert_eq!(Flag::decode(&[0, 0, 2]), None);
}

#[test]
fn v10_encrypted_payload_digest_covers_the_wire_bytes() {
    // KMS encryption itself is declined (V8); the frame layer must still carry opaque
    // encrypted payloads with the digest over the encrypted bytes (§8 step 5).
    let payload = hex("000102030405060708090a0b302150796b6ce92de9e02938ee56f3d16b8741");
    assert_eq!(payload.len(), 31);
    let frame = Frame::new(
        MessageType::InputStreamData,
        EPOCH_MS,
        0,
        0,
        Uuid::nil(),
        PayloadType::Output,
        payload.clone(),
    );
    let decoded = Frame::decode_validated(&frame.encode().unwrap()).unwrap();
    assert_eq!(decoded.payload.to_vec(), payload);
    assert_eq!(decoded.payload_digest, payload_digest(&payload));
}

#[test]
fn v11_ordering_and_acknowledgement_script() {
    let t0 = Instant::now();
    let mut ch = client(t0);
    // 1. seq 1 first: acknowledged at once, buffered, nothing shown.
    ch.handle_frame(&agent_frame(1, PayloadType::Output, b"one"), t0)
        .unwrap();
    assert_eq!(acked(&drain(&mut ch, t0)), vec![1]);
    assert!(events(&mut ch).is_empty());
    assert_eq!(ch.expected_sequence_number(), 0);
    // 2. seq 0: shown and acknowledged, then seq 1 shown with no second ack.
    ch.handle_frame(&agent_frame(0, PayloadType::Output, b"zero"), t0)
        .unwrap();
    assert_eq!(acked(&drain(&mut ch, t0)), vec![0]);
    assert_eq!(
        events(&mut ch),
        vec![
            Event::SessionStarted,
            Event::Output(Bytes::from_static(b"zero")),
            Event::Output(Bytes::from_static(b"one")),
        ]
    );
    assert_eq!(ch.expected_sequence_number(), 2);
    // 3. seq 0 again: nothing shown, acknowledged again (recommended deviation).
    ch.handle_frame(&agent_frame(0, PayloadType::Output, b"zero"), t0)
        .unwrap();
    assert_eq!(acked(&drain(&mut ch, t0)), vec![0]);
    assert!(events(&mut ch).is_empty());
    assert_eq!(ch.expected_sequence_number(), 2);
}

#[test]
fn v12_rto_arithmetic() {
    let mut rtt = RttEstimator::default();
    assert_eq!(
        (rtt.srtt_ms, rtt.rttvar_ms, rtt.rto_ms),
        (100.0, 0.0, 200.0)
    );
    rtt.update(ms(40));
    assert_eq!(
        (rtt.rttvar_ms, rtt.srtt_ms, rtt.rto_ms),
        (15.0, 92.5, 152.5)
    );
    rtt.update(ms(300));
    assert_eq!(
        (rtt.rttvar_ms, rtt.srtt_ms, rtt.rto_ms),
        (63.125, 118.4375, 370.9375)
    );
    rtt.update(ms(5_000));
    assert_eq!(rtt.rto_ms, 1000.0);
    assert_eq!(rtt.rto(), ms(1000));
}

#[test]
fn v12_rto_from_acknowledgements_on_the_channel() {
    let t0 = Instant::now();
    let mut ch = client(t0);
    ch.handle_frame(&agent_frame(0, PayloadType::Output, b"$ "), t0)
        .unwrap();
    drain(&mut ch, t0);
    ch.send_data(b"a").unwrap();
    assert_eq!(stream(&drain(&mut ch, t0)).len(), 1);
    ch.handle_frame(&ack_of_input(0), t0 + ms(40)).unwrap();
    assert_eq!(ch.rtt().rto_ms, 152.5);
    ch.send_data(b"b").unwrap();
    let t1 = t0 + ms(50);
    assert_eq!(stream(&drain(&mut ch, t1)).len(), 1);
    ch.handle_frame(&ack_of_input(1), t1 + ms(300)).unwrap();
    assert_eq!(ch.rtt().rto_ms, 370.9375);
    assert_eq!(ch.unacknowledged(), 0);
}

#[test]
fn v13_publication_messages_bypass_validation() {
    let mut bytes = Frame::new(
        MessageType::StartPublication,
        EPOCH_MS,
        0,
        0,
        Uuid::nil(),
        PayloadType::Unset,
        &b"{}"[..],
    )
    .encode()
    .unwrap()
    .to_vec();
    bytes[80..112].fill(0); // zero digest
    bytes[116..120].copy_from_slice(&999u32.to_be_bytes()); // wrong PayloadLength
    let frame = Frame::decode_validated(&bytes).unwrap();
    assert_eq!(frame.message_type, MessageType::StartPublication);
    assert_eq!(frame.payload_length, 999);

    let t0 = Instant::now();
    let mut ch = client(t0);
    ch.handle_frame(&bytes, t0).unwrap();
    assert!(drain(&mut ch, t0).is_empty());
    assert!(events(&mut ch).is_empty());
    assert_eq!(ch.expected_sequence_number(), 0);
    assert_eq!(ch.next_sequence_number(), 0);
    assert_eq!(
        (ch.state(), ch.phase()),
        (State::Open, Phase::AwaitingFirstMessage)
    );

    // The same tampering on any other type is rejected.
    let mut other = bytes.clone();
    other[4..36].copy_from_slice(format!("{:<32}", "output_stream_data").as_bytes());
    assert_eq!(
        Frame::decode_validated(&other),
        Err(FrameError::DigestMismatch)
    );
}
