//! Words of everyday English that say nothing a plan needs, or say it in other words: courtesy
//! and time fillers ("pls", "at the moment"), the ends of contractions ("we've"), currency
//! names, and paraphrases read as the words the planner knows ("grouped by" is "by",
//! "combined" is "total", "how often" is "how many", "dept" is "department").
//!
//! Fillers only matter when no step claimed them: "received" is a filler for invoices but a
//! status of purchase orders, read as such by the type's own words first.

use super::super::text::normalise;

/// Words that carry no meaning of their own when no step claimed them (see
/// [`super::coverage::is_stop_word`]), beyond the function words there.
const FILLER: &[&str] = &[
    // courtesy
    "pls",
    "plz",
    "thx",
    "cheers",
    "mate",
    "btw",
    // time said in passing: "at the moment", "at present", "presently", "as of now"
    "moment",
    "present",
    "presently",
    "nowadays",
    // the ends of contractions once the apostrophe is a space ("we've", "we'd", "I'm")
    "ve",
    "re",
    "ll",
    "d",
    "m",
    // making or receiving a record is said of every record
    "received",
    "receive",
    "submitted",
    "submit",
    "claimed",
    // "which projects took the most hours": what the records took is what they measure
    "took",
    "work",
    "works",
    "worked",
    "working",
    // money said to be somewhere or to have gone somewhere: "how much is sitting in overdue
    // invoices", "how much went on fuel"
    "sitting",
    "sits",
    "went",
    "goes",
    "gone",
    // currency
    "dollars",
    "dollar",
    "bucks",
    "usd",
    // hedges
    "actually",
    "basically",
    "really",
];

/// Words for a record's amount when the question measures the type's amount: "the average
/// invoice size", "mean value of an invoice", "how big is an invoice", "the largest invoice".
pub const AMOUNT: &[&str] = &[
    "size", "sized", "big", "value", "worth", "amount", "amounts",
];

/// Phrases read as the words the planner knows, longest first where they overlap.
const READS_AS: &[(&str, &str)] = &[
    // grouping and ordering
    ("grouped by", "by"),
    ("grouped per", "per"),
    ("broken down by", "by"),
    ("broken out by", "by"),
    ("split by", "by"),
    ("split out by", "by"),
    ("segmented by", "by"),
    ("ranked by", "by"),
    ("sorted by", "by"),
    ("ranked", ""),
    // adding up
    ("combined", "total"),
    ("all told", "total"),
    ("summed", "total"),
    // "order" after "we" is the verb, as "ordered" says it ("how much did we order")
    ("we order", "we ordered"),
    // counting
    ("how often", "how many"),
    ("how many times", "how many"),
    ("number of times", "number of"),
    ("no of", "number of"),
    ("num of", "number of"),
    // negative contractions, once the apostrophe is a space
    ("aren t", "are not"),
    ("isn t", "is not"),
    ("wasn t", "was not"),
    ("weren t", "were not"),
    ("haven t", "have not"),
    ("hasn t", "has not"),
    ("don t", "do not"),
    ("doesn t", "does not"),
    ("didn t", "did not"),
    ("won t", "will not"),
    ("can t", "cannot"),
    // time: "since the start of June" is since June; "the third quarter" is Q3
    ("since the start of the year", "this year"),
    ("since the beginning of the year", "this year"),
    ("since the start of", "since"),
    ("since the beginning of", "since"),
    ("since the first of", "since"),
    ("first quarter", "q1"),
    ("1st quarter", "q1"),
    ("second quarter", "q2"),
    ("2nd quarter", "q2"),
    ("third quarter", "q3"),
    ("3rd quarter", "q3"),
    ("fourth quarter", "q4"),
    ("4th quarter", "q4"),
    // abbreviations
    ("dept", "department"),
    ("depts", "departments"),
    ("pm", "project manager"),
    ("pms", "project managers"),
    ("super", "superintendent"),
    ("supers", "superintendents"),
    ("mgr", "manager"),
    ("mgrs", "managers"),
    ("qtr", "quarter"),
    ("hrs", "hours"),
    ("amt", "amount"),
    ("yr", "year"),
];

/// Nobody acting, said of a decision: "without anyone signing off", "with no human review",
/// "without manual approval" is "automatically".
const NOBODY: &[&str] = &[
    "anyone", "anybody", "someone", "somebody", "a person", "a human", "human", "manual", "people",
    "one",
];
const ACTING: &[&str] = &[
    "signing off",
    "signing",
    "approving",
    "reviewing",
    "checking",
    "looking",
    "approval",
    "review",
    "sign off",
    "intervention",
    "involved",
];

/// How many words at the start of `words` say that nobody acted (see [`NOBODY`]).
fn unattended(words: &[String]) -> Option<usize> {
    let starts = |at: usize, phrase: &str| {
        let wanted: Vec<&str> = phrase.split_whitespace().collect();
        (words.len() >= at + wanted.len()
            && wanted.iter().zip(&words[at..]).all(|(w, word)| w == word))
        .then_some(at + wanted.len())
    };
    let lead = starts(0, "without").or_else(|| starts(0, "with no"))?;
    let nobody = NOBODY.iter().find_map(|p| starts(lead, p))?;
    Some(
        ACTING
            .iter()
            .find_map(|p| starts(nobody, p))
            .unwrap_or(nobody),
    )
    .filter(|&end| {
        // "without anyone" alone is too little; the act or a person-noun says it.
        end > nobody
            || words[lead..nobody]
                .iter()
                .any(|w| w == "human" || w == "manual")
    })
}

/// Everyone at the company, said as a group: "the team", "our whole crew" are "we" (not "the
/// team members", which names people). How many words at the start of `words` say it.
fn collective(words: &[String]) -> Option<usize> {
    let lead = match words.first()?.as_str() {
        "the" | "our" => 1,
        _ => return None,
    };
    let whole = usize::from(matches!(
        words.get(lead).map(String::as_str),
        Some("whole" | "entire")
    ));
    let noun = words.get(lead + whole)?;
    let member = words
        .get(lead + whole + 1)
        .is_some_and(|w| w.starts_with("member"));
    (matches!(noun.as_str(), "team" | "crew") && !member).then_some(lead + whole + 1)
}

/// Whether `word` (normalised) is a filler.
pub fn is_filler(word: &str) -> bool {
    FILLER.contains(&word)
}

/// The question with the phrases of [`READS_AS`] replaced; unchanged when it has none, else
/// as normalised words (which is how every step reads it).
pub fn reread(question: &str) -> String {
    let words: Vec<String> = normalise(question)
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut at = 0;
    let mut changed = false;
    while at < words.len() {
        let found = READS_AS.iter().find(|(phrase, _)| {
            let wanted: Vec<&str> = phrase.split_whitespace().collect();
            words.len() - at >= wanted.len()
                && wanted.iter().zip(&words[at..]).all(|(w, word)| w == word)
        });
        if let Some(read) = collective(&words[at..]) {
            out.push("we".into());
            at += read;
            changed = true;
            continue;
        }
        if let Some(read) = unattended(&words[at..]) {
            out.push("automatically".into());
            at += read;
            changed = true;
            continue;
        }
        match found {
            Some((phrase, reading)) => {
                out.extend(reading.split_whitespace().map(str::to_string));
                at += phrase.split_whitespace().count();
                changed = true;
            }
            None => {
                out.push(words[at].clone());
                at += 1;
            }
        }
    }
    if changed {
        out.join(" ")
    } else {
        question.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::{is_filler, reread};

    #[test]
    fn paraphrases_read_as_the_words_the_planner_knows() {
        let cases = [
            (
                "PO amounts grouped by the vendor's category",
                "po amounts by the vendor category",
            ),
            (
                "client count grouped by industry",
                "client count by industry",
            ),
            ("hours broken down by project", "hours by project"),
            (
                "top five vendors ranked by spend",
                "top five vendors by spend",
            ),
            (
                "combined budget for all active projects",
                "total budget for all active projects",
            ),
            (
                "how often did we call Meridian",
                "how many did we call meridian",
            ),
            (
                "how many employees are in the field dept",
                "how many employees are in the field department",
            ),
            ("projects per PM", "projects per project manager"),
            ("count the supers", "count the superintendents"),
            ("change orders last qtr", "change orders last quarter"),
            (
                "invoices that aren't paid yet",
                "invoices that are not paid yet",
            ),
            (
                "POs that haven’t been delivered",
                "pos that have not been delivered",
            ),
            (
                "expenses approved without anybody reviewing them",
                "expenses approved automatically them",
            ),
            (
                "POs approved with no human involved",
                "pos approved automatically",
            ),
            (
                "how many hours did the whole crew log on the depot",
                "how many hours did we log on the depot",
            ),
            (
                "visits to the client, how many times",
                "visits to the client how many",
            ),
            (
                "Deliveries since the beginning of March",
                "deliveries since march",
            ),
            (
                "spend in the 2nd quarter of 2025",
                "spend in the q2 of 2025",
            ),
            (
                "the team members in the field",
                "the team members in the field",
            ),
        ];
        for (question, read) in cases {
            assert_eq!(reread(question), read, "{question}");
        }
    }

    #[test]
    fn a_question_without_paraphrases_is_left_as_it_is() {
        for question in [
            "Apex Concrete's invoices in March?",
            "PO-24001 amount",
            "superb",
        ] {
            assert_eq!(reread(question), question);
        }
    }

    #[test]
    fn courtesy_time_and_currency_words_are_fillers() {
        for word in [
            "pls", "moment", "ve", "dollars", "received", "work", "went", "sitting",
        ] {
            assert!(is_filler(word), "{word}");
        }
        for word in ["overdue", "paid", "manager", "late"] {
            assert!(!is_filler(word), "{word}");
        }
    }
}
