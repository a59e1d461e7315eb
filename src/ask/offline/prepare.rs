//! A question's text made regular before it is read: a hyphen between words is a space
//! ("auto-approved" reads as "auto approved", "non-preferred" as "non preferred"), a dash
//! between words, or a hyphen between months, is "to" ("Jan–Mar", "Jan - Mar", "jan-mar"). Keys keep their hyphens (`PO-24001`).

use super::super::text::month_number;

/// The question with its hyphens and dashes read as above.
pub fn question(question: &str) -> String {
    question
        .replace(['–', '—'], " to ")
        .split_whitespace()
        .map(|token| {
            if token == "-" {
                "to".to_string()
            } else if token.contains('-') && !token.chars().any(|c| c.is_ascii_digit()) {
                let months = token
                    .split('-')
                    .all(|part| month_number(&part.to_lowercase()).is_some());
                token.replace('-', if months { " to " } else { " " })
            } else {
                token.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::question;

    #[test]
    fn hyphens_between_words_are_spaces_and_keys_keep_theirs() {
        assert_eq!(
            question("auto-approved CO-1042 non-preferred"),
            "auto approved CO-1042 non preferred"
        );
        assert_eq!(question("invoices Jan–Mar"), "invoices Jan to Mar");
        assert_eq!(question("Jan - Mar"), "Jan to Mar");
        assert_eq!(question("jan-mar"), "jan to mar");
    }
}
