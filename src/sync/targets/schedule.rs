//! When a failed payload is tried again: Svix's schedule by default (5 s, 5 min, 30 min, 2 h,
//! 5 h, 10 h, 10 h: eight attempts over about 28 hours), each pause stretched or shrunk by up to
//! a fifth at random so that payloads that failed together do not all come back at once. After
//! the last pause's attempt fails, the payload is dead-lettered.

use std::time::Duration;

/// Svix's retry schedule, the default of every target.
pub const SVIX_SCHEDULE: [Duration; 7] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(10 * 3600),
];

/// The most a pause is stretched or shrunk, as a part of it.
pub const JITTER: f64 = 0.2;

/// The pause before the next attempt after `failures` failed attempts (the one just made
/// included), `random` in `0..=1` choosing the jitter; `None` when the schedule is spent and
/// the payload goes to the dead letters.
pub fn next_pause(schedule: &[Duration], failures: u32, random: f64) -> Option<Duration> {
    let index = usize::try_from(failures.checked_sub(1)?).ok()?;
    let pause = schedule.get(index)?;
    let factor = 1.0 + JITTER * (2.0 * random.clamp(0.0, 1.0) - 1.0);
    Some(pause.mul_f64(factor))
}

/// A random number in `0..=1`, for [`next_pause`].
pub fn random_unit() -> f64 {
    let bits = uuid::Uuid::new_v4().as_u128() as u64;
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// A duration written as a number and a unit: `250ms`, `5s`, `5m`, `2h`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as 250ms, 5s, 5m or 2h"))?;
    let seconds = match unit {
        "ms" => return Ok(Duration::from_millis(number)),
        "s" => number,
        "m" => number * 60,
        "h" => number * 3600,
        _ => return Err(format!("`{text}` has no unit: use ms, s, m or h")),
    };
    Ok(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_waits_for_the_next_pause_of_the_schedule() {
        assert_eq!(next_pause(&SVIX_SCHEDULE, 1, 0.5), Some(SVIX_SCHEDULE[0]));
        assert_eq!(next_pause(&SVIX_SCHEDULE, 7, 0.5), Some(SVIX_SCHEDULE[6]));
    }

    #[test]
    fn the_schedule_spent_means_a_dead_letter() {
        assert_eq!(next_pause(&SVIX_SCHEDULE, 8, 0.5), None);
        assert_eq!(next_pause(&[], 1, 0.5), None);
    }

    #[test]
    fn jitter_stays_within_a_fifth_of_the_pause() {
        let pause = Duration::from_secs(100);
        assert_eq!(next_pause(&[pause], 1, 0.0), Some(Duration::from_secs(80)));
        assert_eq!(next_pause(&[pause], 1, 1.0), Some(Duration::from_secs(120)));
        for _ in 0..100 {
            let random = random_unit();
            assert!((0.0..=1.0).contains(&random));
        }
    }

    #[test]
    fn durations_are_read_with_their_units() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_duration("10h"), Ok(Duration::from_secs(36_000)));
        assert!(parse_duration("5").is_err());
        assert!(parse_duration("five s").is_err());
        assert!(parse_duration("5d").is_err());
    }
}
