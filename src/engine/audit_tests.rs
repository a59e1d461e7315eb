use super::*;
use chrono::{TimeZone, Utc};
use serde_json::json;

fn draft(n: i64) -> EventDraft {
    EventDraft {
        request_id: Some(format!("CO-{n}")),
        at: Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap() + chrono::Duration::minutes(n),
        actor: "system".into(),
        action: "submitted".into(),
        rule: None,
        reason: Some(format!("reason {n}")),
        data: json!({"z": n, "a": {"y": 1, "b": [{"d": 1, "c": 2}]}}),
    }
}

fn chain(len: i64) -> Vec<Event> {
    let mut events: Vec<Event> = Vec::new();
    for seq in 1..=len {
        let prev_hash = events
            .last()
            .map_or(GENESIS.to_string(), |e| e.hash.clone());
        let draft = draft(seq);
        let hash = chain_hash(&prev_hash, seq, &draft);
        events.push(Event {
            seq,
            draft,
            prev_hash,
            hash,
            damage: None,
        });
    }
    events
}

fn head(events: &[Event]) -> (i64, String) {
    let last = events.last().unwrap();
    (last.seq, last.hash.clone())
}

#[test]
fn canonical_form_has_fixed_key_order_and_sorted_data() {
    let text = canonical(7, &draft(1));
    assert_eq!(
        text,
        "{\"seq\":7,\"at\":\"2026-03-02T09:01:00.000000Z\",\"request_id\":\"CO-1\",\
         \"actor\":\"system\",\"action\":\"submitted\",\"rule\":null,\"reason\":\"reason 1\",\
         \"data\":{\"a\":{\"b\":[{\"c\":2,\"d\":1}],\"y\":1},\"z\":1}}"
    );
}

#[test]
fn hashes_are_lowercase_hex_sha256_and_depend_on_the_previous_hash() {
    let hash = chain_hash(GENESIS, 1, &draft(1));
    assert_eq!(hash.len(), 64);
    assert!(
        hash.chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    );
    assert_ne!(hash, chain_hash(&hash, 1, &draft(1)));
    let mut reordered = draft(1);
    reordered.data = json!({"a": {"b": [{"c": 2, "d": 1}], "y": 1}, "z": 1});
    assert_eq!(hash, chain_hash(GENESIS, 1, &reordered));
}

#[test]
fn an_intact_chain_verifies() {
    let events = chain(5);
    let (seq, hash) = head(&events);
    assert_eq!(verify(&events, Some((seq, &hash))), Ok(5));
    assert_eq!(verify(&events, None), Ok(5));
    assert_eq!(verify(&[], Some((0, GENESIS))), Ok(0));
}

#[test]
fn every_kind_of_tampering_is_found_and_named() {
    let events = chain(20);
    let (seq, hash) = head(&events);
    let head = Some((seq, hash.as_str()));
    let edited = {
        let mut e = events.clone();
        e[16].draft.reason = Some("nothing to see".into());
        e
    };
    let rehashed = {
        let mut e = edited.clone();
        e[16].hash = chain_hash(&e[16].prev_hash, 17, &e[16].draft);
        e
    };
    let deleted = {
        let mut e = events.clone();
        e.remove(16);
        e
    };
    let renumbered = {
        let mut e = deleted.clone();
        e[16].seq = 17;
        e
    };
    let swapped = {
        let mut e = events.clone();
        e.swap(5, 6);
        e
    };
    let truncated = events[..18].to_vec();
    let first_deleted = events[1..].to_vec();
    let cases: Vec<(&str, &[Event], i64, &str)> = vec![
        (
            "edited",
            &edited,
            17,
            "event 17 was edited: its content no longer matches its hash",
        ),
        (
            "rehashed",
            &rehashed,
            18,
            "event 18 does not follow event 17: events were deleted or reordered",
        ),
        ("deleted", &deleted, 17, "event 17 is missing (deleted?)"),
        (
            "renumbered",
            &renumbered,
            17,
            "event 17 does not follow event 16: events were deleted or reordered",
        ),
        ("swapped", &swapped, 6, "event 6 is missing (deleted?)"),
        (
            "truncated",
            &truncated,
            19,
            "the chain ends at event 18 but the head records event 20: events at the end were deleted",
        ),
        (
            "first deleted",
            &first_deleted,
            1,
            "event 1 is missing (deleted?)",
        ),
    ];
    for (name, events, seq, problem) in cases {
        let breaks = verify(events, head).expect_err(name);
        assert_eq!(
            (breaks[0].seq, breaks[0].problem.as_str()),
            (seq, problem),
            "{name}"
        );
    }
}

#[test]
fn a_rewritten_end_does_not_match_the_head() {
    let events = chain(3);
    let (seq, _) = head(&events);
    let breaks = verify(&events, Some((seq, GENESIS))).unwrap_err();
    let err = &breaks[0];
    assert_eq!(err.seq, 3);
    assert!(err.problem.contains("does not match the head's hash"));
}

#[test]
fn every_edited_event_is_named_not_only_the_first() {
    let mut events = chain(30);
    let (seq, hash) = head(&events);
    events[4].draft.actor = "S001".into();
    events[11].draft.data = json!({"amount": 1});
    events[26].damage = Some("expected value at line 1 column 40".into());
    let breaks = verify(&events, Some((seq, &hash))).unwrap_err();
    let named: Vec<i64> = breaks.iter().map(|t| t.seq).collect();
    assert_eq!(named, vec![5, 12, 27]);
    assert!(breaks[2].problem.contains("cannot be read"), "{breaks:?}");
}

#[test]
fn a_swap_names_the_moved_events_and_no_missing_one_after() {
    let mut events = chain(10);
    let (seq, hash) = head(&events);
    events.swap(5, 6);
    let breaks = verify(&events, Some((seq, &hash))).unwrap_err();
    assert!(
        breaks
            .iter()
            .all(|t| !t.problem.contains("event 7 is missing")),
        "{breaks:?}"
    );
}

/// Floating-point numbers in event data (the anomaly check's median and z-score) are read back
/// exactly as written, so that an honest event always gives its hash again.
#[test]
fn any_float_in_event_data_hashes_the_same_after_a_round_trip_through_text() {
    let mut bits: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..20_000 {
        bits ^= bits << 13;
        bits ^= bits >> 7;
        bits ^= bits << 17;
        let value = f64::from_bits(bits);
        if !value.is_finite() {
            continue;
        }
        let mut event = draft(1);
        event.data = json!({"median": value, "z": value / 3.0, "mad": 4038.845 + value.fract()});
        let stored = serde_json::to_string(&event.data).unwrap();
        let mut read = event.clone();
        read.data = serde_json::from_str(&stored).unwrap();
        assert_eq!(
            chain_hash(GENESIS, 1, &event),
            chain_hash(GENESIS, 1, &read),
            "{stored}"
        );
    }
}
