//! The database URL as a secret may hide in it: a password written in `keel.toml` is refused,
//! and a URL is shown in messages and logs only with its password replaced.

use super::Problem;
use super::source::Source;

/// Reports a password in the file's own `database.url` (before environment overrides: a
/// password set through `KEEL_DATABASE_URL` is where it belongs).
pub(super) fn check_file(source: &Source, table: &toml::Table, problems: &mut Vec<Problem>) {
    let url = table
        .get("database")
        .and_then(|database| database.get("url"))
        .and_then(toml::Value::as_str);
    if url.is_some_and(has_password) {
        problems.push(Problem {
            line: source.line_in_section("database", "url"),
            ..source.problem(
                None,
                "`database.url` holds a password, and secrets do not belong in config files",
                "put the URL with its password in KEEL_DATABASE_URL instead, or keep a URL \
                 without one here and give the password through PGPASSWORD or a ~/.pgpass file",
            )
        });
    }
}

/// Whether `url` carries a non-empty password, as `user:password@` or `?password=`.
pub(super) fn has_password(url: &str) -> bool {
    let parts = Parts::of(url);
    parts.password.is_some_and(|p| !p.is_empty())
        || parts.query_password().is_some_and(|p| !p.is_empty())
}

/// A database URL fit for a message or a log line: the password, if any, replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let parts = Parts::of(url);
    let mut redacted = match parts.password {
        Some(password) if !password.is_empty() => {
            let start = parts.password_at;
            format!("{}***{}", &url[..start], &url[start + password.len()..])
        }
        _ => url.to_string(),
    };
    if let Some(password) = parts.query_password().filter(|p| !p.is_empty())
        && let Some(at) = redacted.rfind(&format!("password={password}"))
    {
        let start = at + "password=".len();
        redacted.replace_range(start..start + password.len(), "***");
    }
    redacted
}

/// Where the password sits in a URL.
struct Parts<'a> {
    password: Option<&'a str>,
    /// Byte offset of the password in the URL.
    password_at: usize,
    query: &'a str,
}

impl<'a> Parts<'a> {
    fn of(url: &'a str) -> Parts<'a> {
        let authority_start = url.find("://").map_or(0, |i| i + 3);
        let rest = &url[authority_start..];
        let (before_query, query) = rest.split_once('?').unwrap_or((rest, ""));
        let authority = before_query.split('/').next().unwrap_or_default();
        let credentials = authority
            .rsplit_once('@')
            .map(|(credentials, _)| credentials);
        let password = credentials.and_then(|c| c.split_once(':')).map(|(_, p)| p);
        let password_at = credentials
            .and_then(|c| c.find(':'))
            .map_or(0, |colon| authority_start + colon + 1);
        Parts {
            password,
            password_at,
            query,
        }
    }

    fn query_password(&self) -> Option<&'a str> {
        self.query.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            key.eq_ignore_ascii_case("password").then_some(value)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_is_found_in_the_user_part_or_the_query() {
        assert!(has_password("postgres://keel:s3cret@db:5432/keel"));
        assert!(has_password(
            "postgres://keel@db/keel?sslmode=require&password=s3cret"
        ));
        assert!(!has_password("postgres://keel@db/keel"));
        assert!(!has_password("postgres://keel:@db/keel"));
        assert!(!has_password("sqlite://keel.db"));
        assert!(!has_password("sqlite:///data/a:b@c.db"));
    }

    #[test]
    fn passwords_never_reach_logs() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(
            redact_url("postgres://u@h/db?password=secret&sslmode=require"),
            "postgres://u@h/db?password=***&sslmode=require"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url("sqlite://keel.db"), "sqlite://keel.db");
    }
}
