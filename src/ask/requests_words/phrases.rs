//! The words of questions about approving and deciding: what claims a question for this
//! planner, what asks what waits, the decisions by their words, and whose decisions are asked.

use super::super::text::Words;

/// What the question asks people for: their approvals, their rejections, any decision, or
/// their requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Approve,
    Reject,
    Decide,
    Request,
}

/// Phrases that make a question one about approving, deciding or waiting.
pub const CLAIMS: &[&str] = &[
    "waiting for",
    "waiting on",
    "awaiting",
    "pending approval",
    "pending approvals",
    "pending for",
    "pending with",
    "left to approve",
    "still has to approve",
    "still have to approve",
    "needs approval",
    "need approval",
    "need to approve",
    "needs to approve",
    "who approves",
    "who approved",
    "who rejects",
    "who rejected",
    "who decides",
    "who decided",
    "who turned down",
    "approver",
    "approvers",
    "rejected by",
    "decided by",
    "turned down by",
    "declined by",
    "decide",
    "decides",
    "decided",
    "decision",
    "decisions",
    "decider",
    "request",
    "requests",
    "requester",
    "requesters",
    "approvals",
    "rejections",
    "to approve",
    "to decide",
    "to reject",
    "turnaround",
];

/// Words that ask what still waits for someone's decision ("what does X still have to approve").
pub const WAITING: &[&str] = &[
    "need to approve",
    "needs to approve",
    "has to approve",
    "have to approve",
    "left to approve",
    "still to approve",
    "need to sign off",
    "needs to sign off",
    "has to sign off",
    "have to sign off",
    "my pending",
    "pending with",
    "pending for",
];

/// Decisions by the words for them, most specific first.
pub const DECISIONS: &[(&str, &[&str])] = &[
    (
        "auto_approved",
        &[
            "auto-approved",
            "auto approved",
            "autoapproved",
            "approved automatically",
            "automatically approved",
            "went through automatically",
            "gone through automatically",
            "auto-approve",
            "auto approve",
            // The offline planner reads these by a rule (lexicon::unattended); this planner
            // reads the question as it was asked.
            "without anyone signing off",
            "without anybody signing off",
            "with no one signing off",
            "without anyone approving",
            "without human review",
            "without manual approval",
        ],
    ),
    (
        "auto_rejected",
        &[
            "auto-rejected",
            "auto rejected",
            "rejected automatically",
            "automatically rejected",
        ],
    ),
    (
        "rejected",
        &[
            "rejected",
            "rejects",
            "reject",
            "rejections",
            "turned down",
            "declined",
            "denied",
        ],
    ),
    (
        "cancelled",
        &["cancelled", "canceled", "withdrawn", "withdrew"],
    ),
    ("expired", &["expired", "timed out", "lapsed"]),
    (
        "pending",
        &[
            "waiting for",
            "waiting on",
            "awaiting",
            "pending",
            "waiting",
            "outstanding",
            "open",
            "undecided",
        ],
    ),
    (
        "approved",
        &[
            "approved",
            "approves",
            "approve",
            "approvals",
            "signed off",
            "signs off",
            "sign off",
            "signing off",
        ],
    ),
];

/// The decision the question asks about, if one.
pub fn decision(words: &Words) -> Option<&'static str> {
    let asks_who = words.has_any(&["who", "which approver", "approver", "approvers"]);
    DECISIONS
        .iter()
        .find(|(decision, phrases)| {
            // "who approves the most" asks for approvals; "approvals" alone for what waits
            // is read by the waiting phrases first.
            !(*decision == "approved" && asks_who && words.has_any(&["decide", "decided"]))
                && words.has_any(phrases)
        })
        .map(|(decision, _)| *decision)
}

/// Words asking about who asked for the requests.
pub const REQUESTED: &[&str] = &[
    "requested",
    "submitted",
    "submit",
    "raised",
    "requester",
    "requesters",
    "asked for",
];

/// Words asking about any decision, whichever it was.
pub const DECIDED: &[&str] = &[
    "decide",
    "decides",
    "decided",
    "decision",
    "decisions",
    "decider",
];

/// Whose decisions (or requests) the question is about.
pub fn verb(words: &Words, decision: Option<&str>) -> Option<Verb> {
    if words.has_any(REQUESTED) {
        return Some(Verb::Request);
    }
    match decision {
        Some("approved" | "auto_approved") => Some(Verb::Approve),
        Some("rejected" | "auto_rejected") => Some(Verb::Reject),
        Some(_) => None,
        None => words.has_any(DECIDED).then_some(Verb::Decide),
    }
}
