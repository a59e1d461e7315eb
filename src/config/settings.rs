//! `keel.toml`: the company, its business calendar, the database, the server, the scheduler and
//! the non-secret settings of Slack, Discord and the LLM, with environment overrides applied.

use super::env::{self, Override};
use super::settings_file::{CompanyFile, KeelFile};
use super::source::Source;
use super::{Company, Database, Discord, Llm, Problem, Scheduler, Server, Settings, Slack};
use crate::engine::calendar::BusinessCalendar;
use chrono::{NaiveDate, NaiveTime, Weekday};
use chrono_tz::Tz;
use serde::Deserialize;
use std::path::Path;

/// Reads `keel.toml`, applies the environment's overrides and validates the result.
pub(super) fn load(
    path: &Path,
    env: &[(String, String)],
    problems: &mut Vec<Problem>,
) -> Option<Settings> {
    let overrides = env::overrides(env, path, problems);
    let source = Source::read(
        path,
        "keel.toml holds the company's name, time zone and hours",
        problems,
    )?;
    // The file alone first, so that its mistakes are reported at their lines.
    let (_, mut table) = source.parse_with_table::<KeelFile>(problems)?;
    super::database_url::check_file(&source, &table, problems);
    let overrides = env::as_text_where_expected::<KeelFile>(&table, overrides);
    env::apply(&mut table, &overrides);
    let file = match KeelFile::deserialize(toml::Value::Table(table)) {
        Ok(file) => file,
        Err(err) => {
            let vars: Vec<&str> = overrides.iter().map(|o| o.var.as_str()).collect();
            problems.push(source.problem(
                None,
                format!(
                    "an environment override does not fit: {}",
                    err.message().trim()
                ),
                format!("check the values of {}", vars.join(", ")),
            ));
            return None;
        }
    };
    let check = Checker {
        source: &source,
        overrides: &overrides,
    };
    let before = problems.len();
    let settings = check.settings(file, problems);
    (problems.len() == before).then_some(settings)
}

/// Validates values, reporting each at its line in the file or by the variable that set it.
struct Checker<'a> {
    source: &'a Source,
    overrides: &'a [Override],
}

impl Checker<'_> {
    fn report(&self, problems: &mut Vec<Problem>, at: &[&str], message: String, hint: &str) {
        let var = self
            .overrides
            .iter()
            .find(|o| o.path.iter().map(String::as_str).eq(at.iter().copied()));
        let problem = match var {
            Some(o) => self
                .source
                .problem(None, format!("{} (set by {})", message, o.var), hint),
            None => {
                let (key, section) = at.split_last().map_or(("", &[][..]), |(k, s)| (*k, s));
                let line = self.source.line_in_section(&section.join("."), key);
                super::Problem {
                    line,
                    ..self.source.problem(None, message, hint)
                }
            }
        };
        problems.push(problem);
    }

    fn settings(&self, file: KeelFile, problems: &mut Vec<Problem>) -> Settings {
        let calendar = self.calendar(&file.company, problems);
        let db = &file.database;
        if !(db.url.starts_with("sqlite:")
            || db.url.starts_with("postgres:")
            || db.url.starts_with("postgresql:"))
        {
            let msg = format!(
                "database url `{}` is neither sqlite: nor postgres:",
                super::redact_url(&db.url)
            );
            self.report(
                problems,
                &["database", "url"],
                msg,
                "use sqlite://keel.db or postgres://user@host/db",
            );
        }
        if db.max_connections == 0 {
            self.report(
                problems,
                &["database", "max_connections"],
                "max_connections must be at least 1".into(),
                "5 suits SQLite; 10-20 suits PostgreSQL",
            );
        }
        let port_ok = file
            .server
            .bind
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.parse::<u16>().is_ok());
        if !port_ok {
            let msg = format!("bind address `{}` has no port", file.server.bind);
            self.report(
                problems,
                &["server", "bind"],
                msg,
                "write host:port, e.g. 127.0.0.1:8080 or 0.0.0.0:8080",
            );
        }
        if let Some(url) = &file.server.public_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            self.report(
                problems,
                &["server", "public_url"],
                format!("public_url `{url}` is not an http(s) URL"),
                "write the address people open keel at, e.g. https://keel.example.com",
            );
        }
        if file.server.ready_outbox_lag_seconds == 0 {
            self.report(
                problems,
                &["server", "ready_outbox_lag_seconds"],
                "ready_outbox_lag_seconds must be at least 1".into(),
                "600 (ten minutes) suits most; a notification that waits this long is far behind",
            );
        }
        for (section, timeout) in [
            ("slack", file.slack.timeout_seconds),
            ("discord", file.discord.timeout_seconds),
        ] {
            if timeout == 0 {
                self.report(
                    problems,
                    &[section, "timeout_seconds"],
                    "timeout_seconds must be at least 1".into(),
                    "10 seconds suits a chat platform's API",
                );
            }
        }
        if file.llm.max_tokens < 100 {
            self.report(
                problems,
                &["llm", "max_tokens"],
                format!("max_tokens {} is too few for a plan", file.llm.max_tokens),
                "600 fits any plan keel reads",
            );
        }
        if file.scheduler.tick_seconds == 0 || file.scheduler.outbox_max_attempts == 0 {
            self.report(
                problems,
                &["scheduler", "tick_seconds"],
                "tick_seconds and outbox_max_attempts must be at least 1".into(),
                "15 seconds and 8 attempts are sensible",
            );
        }
        for (section, url) in [
            ("slack", &file.slack.api_url),
            ("discord", &file.discord.api_url),
            ("llm", &file.llm.base_url),
        ] {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                let key = if section == "llm" {
                    "base_url"
                } else {
                    "api_url"
                };
                self.report(
                    problems,
                    &[section, key],
                    format!("`{url}` is not an http(s) URL"),
                    "write the full base URL, e.g. https://slack.com/api",
                );
            }
        }
        Settings {
            company: Company {
                name: file.company.name,
                calendar,
                currency: file
                    .company
                    .currency
                    .map(|c| c.trim().to_string())
                    .filter(|c| !c.is_empty())
                    .unwrap_or_else(|| "$".to_string()),
            },
            database: Database {
                url: file.database.url,
                max_connections: file.database.max_connections,
            },
            server: Server {
                bind: file.server.bind,
                public_url: file
                    .server
                    .public_url
                    .map(|url| url.trim_end_matches('/').to_string()),
                ready_outbox_lag_seconds: file.server.ready_outbox_lag_seconds,
            },
            scheduler: Scheduler {
                tick_seconds: file.scheduler.tick_seconds,
                outbox_max_attempts: file.scheduler.outbox_max_attempts,
            },
            slack: Slack {
                enabled: file.slack.enabled,
                mode: file.slack.mode,
                api_url: file.slack.api_url.trim_end_matches('/').to_string(),
                timeout_seconds: file.slack.timeout_seconds,
            },
            discord: Discord {
                enabled: file.discord.enabled,
                mode: file.discord.mode,
                api_url: file.discord.api_url.trim_end_matches('/').to_string(),
                application_id: file.discord.application_id,
                guild_id: file.discord.guild_id,
                timeout_seconds: file.discord.timeout_seconds,
            },
            llm: Llm {
                mode: file.llm.mode,
                base_url: file.llm.base_url.trim_end_matches('/').to_string(),
                model: file.llm.model,
                timeout_seconds: file.llm.timeout_seconds,
                max_tokens: file.llm.max_tokens,
                phrase: file.llm.phrase,
                output: file.llm.output,
            },
        }
    }

    fn calendar(&self, company: &CompanyFile, problems: &mut Vec<Problem>) -> BusinessCalendar {
        let time_zone = company.time_zone.parse::<Tz>().unwrap_or_else(|_| {
            let msg = format!("unknown time zone `{}`", company.time_zone);
            self.report(
                problems,
                &["company", "time_zone"],
                msg,
                "use an IANA name such as America/Chicago or Europe/Berlin",
            );
            Tz::UTC
        });
        let hours = &company.working_hours;
        let time = |key: &str, text: &str, problems: &mut Vec<Problem>| {
            NaiveTime::parse_from_str(text, "%H:%M").unwrap_or_else(|_| {
                let msg = format!("working hours {key} `{text}` is not a time");
                self.report(
                    problems,
                    &["company.working_hours", key],
                    msg,
                    "write 24-hour HH:MM, e.g. \"08:00\"",
                );
                NaiveTime::MIN
            })
        };
        let day_start = time("start", &hours.start, problems);
        let day_end = time("end", &hours.end, problems);
        if day_start >= day_end && day_end != NaiveTime::MIN {
            self.report(
                problems,
                &["company.working_hours", "end"],
                "working hours end before they start".into(),
                "end must be later than start on the same day, e.g. 08:00 to 17:00",
            );
        }
        let mut working_days = Vec::new();
        for day in &hours.days {
            match day.parse::<Weekday>() {
                Ok(d) if !working_days.contains(&d) => working_days.push(d),
                Ok(_) => self.report(
                    problems,
                    &["company.working_hours", "days"],
                    format!("`{day}` is listed twice"),
                    "list each working day once",
                ),
                Err(_) => self.report(
                    problems,
                    &["company.working_hours", "days"],
                    format!("`{day}` is not a day of the week"),
                    "use mon, tue, wed, thu, fri, sat, sun",
                ),
            }
        }
        if working_days.is_empty() {
            self.report(
                problems,
                &["company.working_hours", "days"],
                "no working days".into(),
                "list at least one day, e.g. [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"]",
            );
        }
        let mut holidays = std::collections::BTreeSet::new();
        for value in &company.holidays {
            match holiday(value) {
                Some(date) => {
                    holidays.insert(date);
                }
                None => self.report(
                    problems,
                    &["company", "holidays"],
                    format!("holiday `{value}` is not a date"),
                    "write dates as 2026-12-25 (with or without quotes)",
                ),
            }
        }
        BusinessCalendar {
            time_zone,
            day_start,
            day_end,
            working_days,
            holidays,
        }
    }
}

/// A holiday written as a TOML date (`2026-12-25`) or as text (`"2026-12-25"`).
fn holiday(value: &toml::Value) -> Option<NaiveDate> {
    match value {
        toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => {
            let d = dt.date?;
            NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
        }
        toml::Value::String(text) => NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok(),
        _ => None,
    }
}
