//! `keel digest send` and `keel alerts list|mute|unmute`: a digest now, and alerts' mutes.

use super::{Outcome, open};
use crate::service::UserError;
use std::path::Path;
use std::process::ExitCode;

/// `keel digest send NAME`: queues the digest for each of its people now; a running `keel
/// serve` (or `keel demo`) on the same database delivers it at once.
pub async fn send(dir: &Path, name: &str) -> Outcome {
    let keel = open(dir).await?;
    let people = keel.send_digest(name).await?;
    println!(
        "Digest {name} queued for {people} people; a running keel serve delivers it at once (`keel tick` does without one)."
    );
    Ok(ExitCode::SUCCESS)
}

/// `keel alerts list`: each rule, its bound and recipients, whether muted, records past it.
pub async fn list(dir: &Path) -> Outcome {
    let keel = open(dir).await?;
    let statuses = keel.alert_statuses().await?;
    if statuses.is_empty() {
        println!("No alerts: digests.toml declares no [[alert]].");
        return Ok(ExitCode::SUCCESS);
    }
    println!("alert\trule\ttells\tpast it now\tmuted");
    for status in statuses {
        let rule = &status.rule;
        let tells: Vec<String> = rule
            .roles
            .iter()
            .cloned()
            .chain(rule.people.iter().cloned())
            .collect();
        let muted = match (status.muted, status.muted_until) {
            (false, _) => "no".to_string(),
            (true, None) => "until unmuted".to_string(),
            (true, Some(until)) => format!("until {}", until.format("%Y-%m-%d %H:%M UTC")),
        };
        println!(
            "{}\t{} {}\t{}\t{}\t{muted}",
            rule.name,
            rule.metric.name(),
            rule.bound.words(),
            tells.join(", "),
            status.crossed
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `keel alerts mute NAME [--for DURATION]`.
pub async fn mute(dir: &Path, name: &str, duration: Option<&str>) -> Outcome {
    let duration = duration.map(parse_duration).transpose()?;
    let keel = open(dir).await?;
    match keel.mute_alert(name, duration).await? {
        Some(until) => println!(
            "Alert {name} muted until {}: crossings are recorded, nothing is sent.",
            until.format("%Y-%m-%d %H:%M UTC")
        ),
        None => println!(
            "Alert {name} muted until `keel alerts unmute {name}`: crossings are recorded, nothing is sent."
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// `keel alerts unmute NAME`.
pub async fn unmute(dir: &Path, name: &str) -> Outcome {
    let keel = open(dir).await?;
    if keel.unmute_alert(name).await? {
        println!("Alert {name} unmuted: the next crossing is sent.");
    } else {
        println!("Alert {name} was not muted.");
    }
    Ok(ExitCode::SUCCESS)
}

/// A mute's length: a number and a unit, `30m`, `12h`, `2d` or `1w`.
fn parse_duration(text: &str) -> Result<chrono::Duration, UserError> {
    let refused = || {
        UserError::Invalid(format!(
            "`{}` is not a duration such as 30m, 12h, 2d or 1w.",
            crate::engine::form::truncate(text, 20)
        ))
    };
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: i64 = number.parse().map_err(|_| refused())?;
    let minutes = match unit {
        "m" => 1,
        "h" => 60,
        "d" => 60 * 24,
        "w" => 60 * 24 * 7,
        _ => return Err(refused()),
    };
    number
        .checked_mul(minutes)
        .filter(|m| *m > 0 && *m < 60 * 24 * 3660)
        .map(chrono::Duration::minutes)
        .ok_or_else(refused)
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn a_mute_lasts_minutes_hours_days_or_weeks() {
        assert_eq!(parse_duration("2d").unwrap(), chrono::Duration::days(2));
        assert_eq!(parse_duration("1w").unwrap(), chrono::Duration::days(7));
        assert_eq!(
            parse_duration("30m").unwrap(),
            chrono::Duration::minutes(30)
        );
        assert!(parse_duration("2").is_err());
        assert!(parse_duration("0h").is_err());
        assert!(parse_duration("soon").is_err());
    }
}
