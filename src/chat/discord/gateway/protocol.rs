//! The gateway's protocol, apart from the connection: opcodes, what a close code means, what
//! IDENTIFY says, the URL keel connects to, and what survives from one connection to the next.

use serde_json::{Value, json};

/// Gateway opcodes keel sends or reads.
pub const DISPATCH: u64 = 0;
pub const HEARTBEAT: u64 = 1;
pub const IDENTIFY: u64 = 2;
pub const RESUME: u64 = 6;
pub const RECONNECT: u64 = 7;
pub const INVALID_SESSION: u64 = 9;
pub const HELLO: u64 = 10;
pub const HEARTBEAT_ACK: u64 = 11;

/// A close code other than 1000/1001, so that Discord keeps the session for a RESUME.
pub const KEEP_SESSION: u16 = 4000;

/// What outlives a connection: the session to resume and the last sequence number seen.
#[derive(Debug, Default)]
pub struct Session {
    pub id: Option<String>,
    pub resume_url: Option<String>,
    pub seq: Option<u64>,
}

/// Why a connection ended.
#[derive(Debug, PartialEq)]
pub enum Ended {
    Stopped,
    /// Connect again and RESUME.
    Resume,
    /// Connect again and IDENTIFY anew (the session cannot be resumed).
    Identify,
    /// Discord refuses keel (bad token, intents, version): reconnecting cannot help.
    Refused(String),
}

/// `url` with the API version and encoding keel speaks.
pub fn with_query(url: &str) -> String {
    let url = url.trim_end_matches('/');
    let path_starts = url.find("://").map_or(0, |i| i + 3);
    let slash = if url[path_starts..].contains('/') {
        ""
    } else {
        "/"
    };
    format!("{url}{slash}?v=10&encoding=json")
}

/// A random part of 1 (the first heartbeat's jitter).
pub fn jitter() -> f64 {
    f64::from(uuid::Uuid::new_v4().as_u128() as u32) / f64::from(u32::MAX)
}

/// What a close from Discord means (its close codes).
pub fn after_close(code: Option<u16>) -> Ended {
    match code {
        Some(code @ (4004 | 4010..=4014)) => {
            let why = match code {
                4004 => "authentication failed (check KEEL_DISCORD_BOT_TOKEN)",
                4013 | 4014 => "invalid or disallowed intents",
                _ => "shard or API version refused",
            };
            Ended::Refused(format!("close code {code}: {why}"))
        }
        Some(4007 | 4009) => Ended::Identify,
        _ => Ended::Resume,
    }
}

pub fn identify(token: &str) -> Value {
    json!({ "op": IDENTIFY, "d": {
        "token": token,
        "intents": 0,
        "properties": { "os": std::env::consts::OS, "browser": "keel", "device": "keel" },
    } })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_gets_the_version_and_encoding() {
        assert_eq!(
            with_query("wss://gateway.discord.gg"),
            "wss://gateway.discord.gg/?v=10&encoding=json"
        );
        assert_eq!(
            with_query("ws://127.0.0.1:9/gateway"),
            "ws://127.0.0.1:9/gateway?v=10&encoding=json"
        );
    }

    #[test]
    fn close_codes_say_whether_to_resume_identify_or_give_up() {
        assert_eq!(after_close(None), Ended::Resume);
        assert_eq!(after_close(Some(4000)), Ended::Resume);
        assert_eq!(after_close(Some(4009)), Ended::Identify);
        assert!(matches!(after_close(Some(4004)), Ended::Refused(why) if why.contains("TOKEN")));
        assert!(matches!(after_close(Some(4014)), Ended::Refused(_)));
    }

    #[test]
    fn keel_identifies_with_no_intents() {
        let identify = identify("t");
        assert_eq!(identify["op"], 2);
        assert_eq!(identify["d"]["intents"], 0);
        assert_eq!(identify["d"]["properties"]["browser"], "keel");
    }

    #[test]
    fn the_first_heartbeat_waits_a_random_part_of_the_interval() {
        assert!((0.0..=1.0).contains(&jitter()));
    }
}
