//! Sources sharing one webhook URL. QuickBooks and HubSpot post every kind of record of an app
//! to one URL, so `hook = "quickbooks"` puts several sources (each its record type and `only`)
//! behind `POST /hooks/quickbooks`. A delivery there is verified once, so the sources of a hook
//! must be verified alike; and a hook may not take the URL of a source that is not on it.

use super::Problem;
use super::inbound_file::SourceFile;
use super::source::Source;
use std::path::PathBuf;

/// What one `[[source]]` says about its URL and its verification, as written.
#[derive(Debug, Clone)]
pub(super) struct HookClaim {
    pub source: String,
    /// Its `hook`, or its name.
    pub hook: String,
    /// Whether `hook` was written.
    pub shared: bool,
    pub file: PathBuf,
    /// The line of `hook` (of `name` without one).
    pub line: usize,
    pub verifier: String,
    /// `keys_from`, sorted: the order of a rotation's keys does not matter.
    pub keys_from: Vec<String>,
    /// `header`, lowercase.
    pub header: Option<String>,
}

impl HookClaim {
    pub fn of(raw: &SourceFile, text: &Source) -> HookClaim {
        let mut keys_from = raw.keys_from.get_ref().clone();
        keys_from.sort();
        let at = raw.hook.as_ref().map_or(raw.name.span(), |h| h.span());
        HookClaim {
            source: raw.name.get_ref().clone(),
            hook: raw
                .hook
                .as_ref()
                .map_or_else(|| raw.name.get_ref().clone(), |h| h.get_ref().clone()),
            shared: raw.hook.is_some(),
            file: text.path.clone(),
            line: text.line_of(at.start),
            verifier: raw.verifier.get_ref().clone(),
            keys_from,
            header: raw
                .header
                .as_ref()
                .map(|h| h.get_ref().to_ascii_lowercase()),
        }
    }
}

/// Reports each source verified unlike the first of its hook, and each hook named after a
/// source that does not say `hook` with it (one without `hook` is joined to nobody's group
/// unawares).
pub(super) fn check(claims: &[HookClaim], problems: &mut Vec<Problem>) {
    for (index, claim) in claims.iter().enumerate() {
        let problem = |message: String, hint: String| Problem {
            file: claim.file.clone(),
            line: Some(claim.line),
            message,
            hint,
        };
        if let Some(first) = claims[..index].iter().find(|c| c.hook == claim.hook)
            && let Some(what) = differs(first, claim)
        {
            problems.push(problem(
                format!(
                    "the source `{}` shares the hook `{}` with `{}` but declares another {what}",
                    claim.source, claim.hook, first.source
                ),
                "a delivery to a hook is verified once: give its sources the same verifier, keys_from and header".into(),
            ));
        }
        if !claim.shared {
            continue;
        }
        if let Some(owner) = claims
            .iter()
            .find(|c| c.source == claim.hook && !(c.shared && c.hook == claim.hook))
        {
            problems.push(problem(
                format!(
                    "the hook `{}` is the URL of the source `{}`, which is not on it",
                    claim.hook, owner.source
                ),
                format!(
                    "name the hook otherwise, or give `{}` hook = \"{}\" too",
                    owner.source, claim.hook
                ),
            ));
        }
    }
}

/// What `claim` declares unlike `first`, if anything.
fn differs(first: &HookClaim, claim: &HookClaim) -> Option<&'static str> {
    if first.verifier != claim.verifier {
        Some("verifier")
    } else if first.keys_from != claim.keys_from {
        Some("keys_from")
    } else if first.header != claim.header {
        Some("header")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(source: &str, hook: Option<&str>, verifier: &str, keys: &[&str]) -> HookClaim {
        HookClaim {
            source: source.into(),
            hook: hook.unwrap_or(source).into(),
            shared: hook.is_some(),
            file: PathBuf::from("integrations/qbo.toml"),
            line: 3,
            verifier: verifier.into(),
            keys_from: keys.iter().map(|k| k.to_string()).collect(),
            header: None,
        }
    }

    fn problems_of(claims: &[HookClaim]) -> Vec<Problem> {
        let mut problems = Vec::new();
        check(claims, &mut problems);
        problems
    }

    #[test]
    fn sources_verified_alike_share_a_hook() {
        let claims = [
            claim("qbo_vendors", Some("quickbooks"), "quickbooks", &["K"]),
            claim("qbo_bills", Some("quickbooks"), "quickbooks", &["K"]),
            claim("pm", None, "standard_webhooks", &["P"]),
        ];
        assert!(problems_of(&claims).is_empty());
    }

    #[test]
    fn a_source_verified_otherwise_than_its_hook_is_a_problem_with_its_line() {
        let claims = [
            claim("qbo_vendors", Some("quickbooks"), "quickbooks", &["K"]),
            claim("qbo_bills", Some("quickbooks"), "quickbooks", &["K", "OLD"]),
            claim("qbo_pos", Some("quickbooks"), "hubspot_v3", &["K"]),
        ];
        let problems = problems_of(&claims);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].message.contains("`qbo_bills`"), "{problems:?}");
        assert!(problems[0].message.contains("another keys_from"));
        assert!(problems[1].message.contains("another verifier"));
        assert_eq!(problems[1].line, Some(3));
        let mut header = claim("b", Some("h"), "static_header", &["K"]);
        header.header = Some("x-token".into());
        let alike = claim("a", Some("h"), "static_header", &["K"]);
        let problems = problems_of(&[alike, header]);
        assert!(
            problems[0].message.contains("another header"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_hook_may_not_take_the_url_of_a_source_off_it() {
        let claims = [
            claim("quickbooks", None, "quickbooks", &["K"]),
            claim("qbo_bills", Some("quickbooks"), "quickbooks", &["K"]),
        ];
        let problems = problems_of(&claims);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0]
                .message
                .contains("the URL of the source `quickbooks`")
        );
        assert!(problems[0].hint.contains("hook = \"quickbooks\""));
        let on_it = [
            claim("quickbooks", Some("quickbooks"), "quickbooks", &["K"]),
            claim("qbo_bills", Some("quickbooks"), "quickbooks", &["K"]),
        ];
        assert!(problems_of(&on_it).is_empty());
    }
}
