//! Text as Discord shows it: markdown characters escaped so that what people typed (a reason,
//! a comment) never becomes a mention, a masked link (`[looks safe](https://elsewhere)`) or
//! formatting; and every text cut to Discord's limit for its place, saying so, since Discord
//! refuses a message or modal that breaks one.

/// Discord's limits (https://discord.com/developers/docs/resources/message and components).
pub const MAX_CONTENT: usize = 2_000;
pub const MAX_EMBED_TITLE: usize = 256;
pub const MAX_EMBED_DESCRIPTION: usize = 4_096;
pub const MAX_EMBED_FIELDS: usize = 25;
pub const MAX_FIELD_NAME: usize = 256;
pub const MAX_FIELD_VALUE: usize = 1_024;
pub const MAX_FOOTER: usize = 2_048;
/// The sum of an embed's texts.
pub const MAX_EMBED_TOTAL: usize = 6_000;
pub const MAX_BUTTON_LABEL: usize = 80;
pub const MAX_CUSTOM_ID: usize = 100;
pub const MAX_MODAL_TITLE: usize = 45;
pub const MAX_LABEL: usize = 45;
pub const MAX_LABEL_DESCRIPTION: usize = 100;
pub const MAX_TEXT_INPUT: usize = 4_000;
pub const MAX_PLACEHOLDER: usize = 100;
pub const MAX_SELECT_OPTIONS: usize = 25;
pub const MAX_OPTION_TEXT: usize = 100;
pub const MAX_MODAL_COMPONENTS: usize = 5;

pub use crate::chat::text::fit;

/// `text` with Discord's markdown characters escaped and `@` kept from starting a mention
/// (`@everyone`, `@here`): shown as typed. Messages also carry `allowed_mentions: {parse: []}`,
/// so nothing pings even if a mention slipped through.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 8);
    let mut line_start = true;
    for c in text.chars() {
        // Headings and lists only start a line.
        let heading = line_start && matches!(c, '#' | '-');
        if heading
            || matches!(
                c,
                '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '<' | '[' | ']'
            )
        {
            escaped.push('\\');
        }
        line_start = c == '\n';
        escaped.push(c);
        if c == '@' {
            escaped.push('\u{200B}');
        }
    }
    escaped
}

/// Escaped, then cut to `max`.
pub fn shown(text: &str, max: usize) -> String {
    fit(&escape(text), max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_masked_links_and_markdown_are_shown_as_typed() {
        assert_eq!(
            escape("@everyone see [invoice](https://evil.example) <@&123> **now**"),
            "@\u{200B}everyone see \\[invoice\\](https://evil.example) \\<@\u{200B}&123\\> \\*\\*now\\*\\*"
        );
    }

    #[test]
    fn a_heading_or_list_only_at_a_line_start_is_escaped() {
        assert_eq!(
            escape("# big\nCO-1042 #2\n- item"),
            "\\# big\nCO-1042 #2\n\\- item"
        );
    }
}
