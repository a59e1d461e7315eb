//! Where and how keel logs: to standard error, as text for a person (coloured only on a
//! terminal, and never with `NO_COLOR` set) or, with `KEEL_LOG_FORMAT=json`, as one JSON object
//! a line for a log collector, each with its spans' fields (an HTTP request's `request_id`).

use std::io::IsTerminal as _;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogStyle {
    /// Text, with ANSI colours or without.
    Text { colour: bool },
    /// JSON lines (never coloured).
    Json,
}

/// The style `KEEL_LOG_FORMAT` (`format`) asks for, coloured when standard error is a
/// terminal and `NO_COLOR` is unset or empty (no-color.org); an unknown format is refused with
/// what to write instead.
pub fn style(
    format: Option<&str>,
    no_color: Option<&str>,
    stderr_is_terminal: bool,
) -> Result<LogStyle, String> {
    match format.map(str::trim).unwrap_or_default() {
        "" | "text" => Ok(LogStyle::Text {
            colour: stderr_is_terminal && no_color.is_none_or(str::is_empty),
        }),
        "json" => Ok(LogStyle::Json),
        other => Err(format!(
            "KEEL_LOG_FORMAT is `{other}`, which keel does not know: set it to `json` for JSON \
             lines or `text` (the default) for text, or unset it"
        )),
    }
}

/// Logs to standard error: informational for the server, warnings only for one-shot commands
/// (whose output is for a person or a script). `RUST_LOG` overrides the levels,
/// `KEEL_LOG_FORMAT` and `NO_COLOR` the style (see [`style`]).
pub fn init_logging(serving: bool) -> Result<(), String> {
    let format = std::env::var("KEEL_LOG_FORMAT").ok();
    let no_color = std::env::var("NO_COLOR").ok();
    let style = style(
        format.as_deref(),
        no_color.as_deref(),
        std::io::stderr().is_terminal(),
    )?;
    let default = if serving { "keel=info,warn" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let logger = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match style {
        LogStyle::Text { colour } => logger.with_ansi(colour).init(),
        LogStyle::Json => logger.json().with_current_span(true).init(),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{LogStyle, style};

    #[test]
    fn text_is_coloured_only_on_a_terminal_without_no_color() {
        let text = |colour| Ok(LogStyle::Text { colour });
        assert_eq!(style(None, None, true), text(true));
        assert_eq!(style(None, None, false), text(false));
        assert_eq!(style(Some("text"), Some("1"), true), text(false));
        assert_eq!(style(None, Some(""), true), text(true));
    }

    #[test]
    fn json_is_asked_for_by_name_and_an_unknown_format_is_refused_with_the_choices() {
        assert_eq!(style(Some("json"), None, true), Ok(LogStyle::Json));
        let refused = style(Some("yaml"), None, false).expect_err("refused");
        assert!(refused.contains("`yaml`"), "{refused}");
        assert!(
            refused.contains("`json`") && refused.contains("`text`"),
            "{refused}"
        );
    }
}
