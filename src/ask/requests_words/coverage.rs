//! Which words of a question about the requests this planner read. A question it reads only in
//! part ("which approver is slowest on Fridays") is not answered as if the rest were not
//! there: it is left to the record types' planner, which answers it whole or declines it,
//! saying what it did not understand.

use super::super::offline::Coverage;
use super::super::text::Words;
use super::phrases::{CLAIMS, DECIDED, DECISIONS, REQUESTED, WAITING};
use super::shape::{BY_MONTH, COUNT, GROUPS, LEAST, MONEY, MOST, OF_A_UNIT, TIME_MEASURES};
use super::shape::{TIMED, WHO};

/// Words the planner reads beside its phrase lists: whose requests, and the words around them.
const AROUND: &[&str] = &[
    "my",
    "me",
    "i",
    "mine",
    "requested by",
    "submitted by",
    "asked by",
    "raised by",
    "did i submit",
    "approval",
    "approve",
    "approves",
    "approving",
    "approved",
    "sign off",
    "signed off",
    "per",
    "by",
    "days",
    "hours",
    "business",
    "working",
    "long",
    "longer",
    "quick",
    "fast",
    "slow",
    "time",
    "times",
    "takes",
    "took",
    "taken",
    "get",
    "gets",
    "getting",
    "people",
    "person",
    "anyone",
    "someone",
    "everyone",
    "sign",
    "signing",
    "signs",
    "still",
    "yet",
    "pass",
    "passes",
    "elapse",
    "elapses",
    "go by",
    "goes by",
    "handle",
    "handles",
    "handled",
    "process",
    "processes",
    "processed",
    "deal with",
    "deals with",
    "dealt with",
    "currently",
    "right now",
];

/// The meaningful words of `question` that neither `read` (the words marked read: people,
/// windows, workflows) nor any phrase this planner knows accounts for.
pub fn left_over(question: &str, read: &Words) -> Vec<String> {
    let fresh = Words::new(question);
    let mut cov = Coverage::new(&fresh);
    cov.claim_read(&fresh, read, "read");
    let decisions = DECISIONS.iter().flat_map(|(_, phrases)| phrases.iter());
    let groups = GROUPS.iter().flat_map(|(phrases, _)| phrases.iter());
    let known: Vec<&str> = [
        CLAIMS,
        WAITING,
        REQUESTED,
        DECIDED,
        MONEY,
        COUNT,
        WHO,
        MOST,
        LEAST,
        TIMED,
        OF_A_UNIT,
        TIME_MEASURES,
        BY_MONTH,
        AROUND,
    ]
    .into_iter()
    .flatten()
    .chain(decisions)
    .chain(groups)
    .copied()
    .collect();
    cov.claim(&known, "read");
    // "top 5", "3 most": the number of a ranking.
    for (at, word) in fresh.words.iter().enumerate() {
        let beside_rank = |i: Option<usize>| {
            i.and_then(|i| fresh.at(i))
                .is_some_and(|w| MOST.contains(&w) || LEAST.contains(&w))
        };
        if word.parse::<u32>().is_ok()
            && (beside_rank(at.checked_sub(1)) || beside_rank(Some(at + 1)))
        {
            cov.claim_range((at, at + 1), "read");
        }
    }
    cov.left_over()
}
