//! `keel token create|list|revoke`: tokens for the REST API, each acting as one person with the
//! scopes it was given. A token is printed once, when made; keel keeps only its hash.

use super::terminal::shown;
use super::{Outcome, open};
use crate::http::scopes::checked_scopes;
use crate::service::{NewToken, Revoked, UserError};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use std::path::Path;
use std::process::ExitCode;

/// What `keel token create` was given.
pub struct CreateArgs {
    pub name: String,
    pub person: String,
    pub scopes: Vec<String>,
    pub expires: Option<String>,
}

fn when(at: Option<DateTime<Utc>>, otherwise: &str) -> String {
    at.map_or_else(
        || otherwise.to_string(),
        |at| at.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

/// When a token made at `now` expires: `30d` days from now, or a date (the token works
/// through that day in the company's time zone).
fn expiry(text: &str, now: DateTime<Utc>, zone: Tz) -> Result<DateTime<Utc>, UserError> {
    let told = || {
        UserError::Invalid(format!(
            "--expires takes a number of days (30d) or a date (2027-01-31), not `{}`.",
            shown(text)
        ))
    };
    if let Some(days) = text.strip_suffix('d') {
        let days: i64 = days.parse().map_err(|_| told())?;
        if !(1..=3650).contains(&days) {
            return Err(UserError::Invalid(
                "--expires in days is between 1d and 3650d.".into(),
            ));
        }
        return Ok(now + Duration::days(days));
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| told())?;
    let next = day.succ_opt().ok_or_else(told)?;
    let midnight = next.and_hms_opt(0, 0, 0).ok_or_else(told)?;
    // A day that starts in a clock change has no midnight: its first hour is taken.
    let start = zone
        .from_local_datetime(&midnight)
        .earliest()
        .or_else(|| {
            zone.from_local_datetime(&(midnight + Duration::hours(1)))
                .earliest()
        })
        .ok_or_else(told)?;
    Ok(start.with_timezone(&Utc))
}

/// `keel token create`: checks the scopes against the config, makes the token, prints it.
pub async fn create(dir: &Path, args: CreateArgs) -> Outcome {
    let keel = open(dir).await?;
    let scopes = checked_scopes(&args.scopes, &keel.config)
        .map_err(|problems| UserError::Invalid(format!("No token was made:\n{problems}")))?;
    let zone = keel.config.settings.company.calendar.time_zone;
    let expires_at = args
        .expires
        .as_deref()
        .map(|text| expiry(text, keel.clock.now(), zone))
        .transpose()?;
    let new = NewToken {
        name: args.name,
        person: args.person,
        scopes,
        expires_at,
    };
    let (token, secret) = keel.create_token(new).await?;
    println!("{secret}");
    eprintln!(
        "Token {} acts as {} with {}; expires {}. This is the only time it is shown: keel \
         keeps only its hash. Send it as `Authorization: Bearer <token>`.",
        token.name,
        token.person,
        token.scopes.join(" "),
        when(token.expires_at, "never"),
    );
    Ok(ExitCode::SUCCESS)
}

/// `keel token list`: every token, revoked ones too; never a secret (keel has none).
pub async fn list(dir: &Path) -> Outcome {
    let keel = open(dir).await?;
    let tokens = keel.api_tokens().await?;
    if tokens.is_empty() {
        println!("No tokens yet: `keel token create --name N --as PERSON --scope S` makes one.");
        return Ok(ExitCode::SUCCESS);
    }
    println!("name\tperson\tscopes\tcreated\texpires\trevoked\tlast used");
    for token in &tokens {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            token.name,
            token.person,
            token.scopes.join(" "),
            when(Some(token.created_at), "-"),
            when(token.expires_at, "never"),
            when(token.revoked_at, "-"),
            when(token.last_used_at, "never"),
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `keel token revoke NAME`: calls with it are refused from now on (a running `keel serve`
/// included: it looks the token up on every call).
pub async fn revoke(dir: &Path, name: &str) -> Outcome {
    let keel = open(dir).await?;
    match keel.revoke_token(name).await? {
        Revoked::Now(token) => println!(
            "Token {} revoked; calls with it are refused from now on.",
            token.name
        ),
        Revoked::Before(token) => println!(
            "Token {} was revoked already, on {}; nothing changed.",
            token.name,
            when(token.revoked_at, "-")
        ),
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noon() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0)
            .single()
            .expect("a valid time")
    }

    #[test]
    fn an_expiry_is_days_from_now_or_the_end_of_a_day_in_the_company_time_zone() {
        let chicago: Tz = "America/Chicago".parse().expect("a zone");
        assert_eq!(
            expiry("30d", noon(), chicago).ok(),
            Some(noon() + Duration::days(30))
        );
        let end_of_january = Utc.with_ymd_and_hms(2027, 2, 1, 6, 0, 0).single();
        assert_eq!(expiry("2027-01-31", noon(), chicago).ok(), end_of_january);
    }

    #[test]
    fn an_expiry_that_is_not_days_or_a_date_is_refused() {
        for bad in ["30", "d", "-3d", "0d", "next week", "2027-02-30"] {
            let told = expiry(bad, noon(), Tz::UTC)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(told.contains("--expires"), "{bad}: {told}");
        }
    }
}
