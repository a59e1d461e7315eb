//! Text from people and imported files made safe to print on a terminal. A reason or a field
//! value may hold control characters (an escape sequence that recolours or clears the screen, a
//! carriage return that overwrites the line, a newline that forges a history line) or bidi
//! overrides that make text read in another order than it is stored (U+202E turns "exe.txt" around). Such
//! characters are printed as visible escapes (`\u{202e}`, `\n`); tabs and all other text as they are.

use std::borrow::Cow;
use std::fmt::Write;

/// `text` with every control character (tab aside) and bidi control written as an escape.
pub fn shown(text: &str) -> Cow<'_, str> {
    if !text.chars().any(hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if hidden(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// JSON text made safe to print: serde_json escapes the C0 controls, and this the characters it
/// leaves raw (DEL, the C1 controls, bidi controls) as `\uXXXX`. They can only stand inside
/// strings, so the JSON reads back as the same values.
pub fn json_shown(json: &str) -> Cow<'_, str> {
    let raw = |c: char| c != '\n' && hidden(c);
    if !json.chars().any(raw) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if raw(c) {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether `c` changes how a terminal shows what surrounds it instead of showing itself.
fn hidden(c: char) -> bool {
    (c.is_control() && c != '\t') || is_bidi_control(c)
}

/// The bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the
/// directional marks (U+200E, U+200F, U+061C).
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_bidi_overrides_become_visible_escapes() {
        assert_eq!(
            shown("ok\u{1b}[2Jgone\rover\nline\u{202e}txt.exe\u{2066}\u{85}\u{0}"),
            "ok\\u{1b}[2Jgone\\rover\\nline\\u{202e}txt.exe\\u{2066}\\u{85}\\u{0}"
        );
    }

    #[test]
    fn ordinary_text_tabs_and_other_scripts_are_left_alone() {
        let text = "Rock at footing 4\t(3 m) — שלום, Zürich, 東京";
        assert!(matches!(shown(text), Cow::Borrowed(t) if t == text));
    }

    #[test]
    fn json_keeps_its_values_and_shows_what_serde_leaves_raw() {
        let value = serde_json::json!({ "reason": "a\u{202e}b\u{9b}c\u{7}" });
        let json = serde_json::to_string_pretty(&value).unwrap();
        let safe = json_shown(&json);
        assert!(!safe.chars().any(|c| c != '\n' && hidden(c)), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, value);
    }
}
