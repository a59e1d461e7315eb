//! An `/ask` answer's chart, sent as a follow-up message with the PNG attached, through the
//! interaction's webhook once the answer itself is out. A follow-up rather than the answer's own
//! attachment: the answer then stays the plain JSON both the HTTP endpoint and the gateway's
//! callback send (or the edit of a deferred one), and the chart, which is extra, never holds it.

use super::Discord;
use super::message::EPHEMERAL;
use super::text::fit;
use serde_json::{Value, json};
use std::time::Duration;

/// The chart's file name in Discord.
pub const CHART_FILENAME: &str = "keel-answer.png";

/// Discord's limit on an attachment's description (its alt text).
const MAX_DESCRIPTION: usize = 1_024;

/// Waits between tries: in http mode the answer goes back as the HTTP response, so the
/// follow-up can reach Discord before the answer has been taken (Unknown Webhook).
const RETRY_AFTER: [Duration; 3] = [
    Duration::from_millis(250),
    Duration::from_millis(750),
    Duration::from_millis(2_000),
];

/// A chart to send after an answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub png: Vec<u8>,
    pub alt: String,
}

/// The follow-up's message: private like the answer, mentioning nobody, its one attachment
/// (`files[0]`) described by the chart's alt text.
pub fn chart_message(chart: &Chart) -> Value {
    json!({
        "content": "",
        "flags": EPHEMERAL,
        "allowed_mentions": { "parse": [] },
        "attachments": [{
            "id": 0,
            "filename": CHART_FILENAME,
            "description": fit(&chart.alt, MAX_DESCRIPTION),
        }],
    })
}

/// Sends `chart` as a follow-up to the interaction of `token`; each try is bounded by
/// `discord.timeout_seconds`, and a chart that cannot be sent is logged, the answer having
/// said everything in words.
pub async fn send_chart(discord: &Discord, application: &str, token: &str, chart: &Chart) {
    let message = chart_message(chart);
    let mut waits = RETRY_AFTER.iter();
    loop {
        let sent = discord
            .api
            .follow_up_with_png(application, token, &message, CHART_FILENAME, &chart.png)
            .await;
        let Err(failure) = sent else { return };
        match waits.next() {
            Some(wait) => tokio::time::sleep(failure.retry_after.unwrap_or(*wait)).await,
            None => {
                tracing::warn!("an answer's chart was not sent to Discord: {failure}");
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_a_private_follow_up_whose_attachment_names_the_file_part() {
        let chart = Chart {
            png: b"\x89PNG\r\n\x1a\nrest".to_vec(),
            alt: "Apex has the most.".into(),
        };
        let message = chart_message(&chart);
        assert_eq!(message["flags"], EPHEMERAL);
        assert_eq!(message["attachments"][0]["id"], 0);
        assert_eq!(message["attachments"][0]["filename"], CHART_FILENAME);
    }
}
