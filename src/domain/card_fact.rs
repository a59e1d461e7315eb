//! The facts a card carries beside the form (a project's budget burn, how similar requests were
//! decided…) and the notes it explains (an unusual amount), each with the numbers behind it, and
//! who may read them: a fact names the record fields it was computed from, so a card delivered
//! to a person keeps only what their role may see (`ask.toml`'s `[access.<role>]`), the same
//! rule Ask keel answers under.

use super::vocabulary::Access;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One line of a card's context or one explained note: what it says, and the numbers behind it
/// for whoever asks "why".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardFact {
    /// "Budget", "Similar decisions", "Unusual amount".
    pub label: String,
    /// The sentence: "$412,300.00 of $2,400,000.00 spent (17.2%) at 52% complete".
    pub text: String,
    /// The numbers behind it, in words ("median $3,100.00, MAD $900.00, robust z 7.2 over 22").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// The record fields it was computed from (`project.budget`; a whole type as `expense`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reads: Vec<String>,
    /// The person whose own records it reads, when it reads only theirs (an expense
    /// requester's spend): a role that sees only its own records of a type may see it then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

impl CardFact {
    /// Whether `reader`, in a role with `access` (`None`: a role with no rules), may see it.
    pub fn visible_to(&self, access: Option<&Access>, reader: &str) -> bool {
        let Some(access) = access else {
            return true;
        };
        self.reads.iter().all(|read| {
            let (record_type, field) = match read.split_once('.') {
                Some((t, f)) => (t, Some(f)),
                None => (read.as_str(), None),
            };
            // A read of a whole type (a total of expenses) shows what any hidden field of it
            // holds: hidden when the type or any of its fields is.
            let hidden = match field {
                Some(_) => access.hides(record_type, field),
                None => access.hidden.iter().any(|(t, _)| t == record_type),
            };
            let others = access.own.iter().any(|t| t == record_type)
                && self.owner.as_deref() != Some(reader);
            !hidden && !others
        })
    }

    /// Whether everyone may see it, whatever their role: what a card posted to a channel, read
    /// by anyone in it, carries. Facts over other requests (how many, how decided) stay out:
    /// a person sees only the requests they took part in (as Ask keel and the console's
    /// channels show them), and a channel's readers did not take part in those.
    pub fn visible_to_all(&self, accesses: &BTreeMap<String, Access>) -> bool {
        let about_requests = self
            .reads
            .iter()
            .any(|read| read == "request" || read.starts_with("request."));
        // Nobody is the owner in a channel: a fact about one person's own records stays out.
        !about_requests
            && accesses
                .values()
                .all(|access| self.visible_to(Some(access), ""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(reads: &[&str], owner: Option<&str>) -> CardFact {
        CardFact {
            label: "Budget".into(),
            text: "x".into(),
            why: None,
            reads: reads.iter().map(|r| r.to_string()).collect(),
            owner: owner.map(Into::into),
        }
    }

    fn field_staff() -> Access {
        Access {
            hidden: vec![("project".into(), Some("budget".into()))],
            own: vec!["expense".into()],
        }
    }

    #[test]
    fn a_fact_reading_a_hidden_field_is_kept_from_the_role() {
        let budget = fact(&["project.budget", "invoice.amount"], None);
        assert!(!budget.visible_to(Some(&field_staff()), "S100"));
        assert!(budget.visible_to(None, "S100"));
        assert!(fact(&["project.status"], None).visible_to(Some(&field_staff()), "S100"));
        // A fact over the whole type (a project total) shows what its hidden field holds.
        assert!(!fact(&["project"], None).visible_to(Some(&field_staff()), "S100"));
    }

    #[test]
    fn a_role_that_sees_its_own_records_sees_a_fact_about_its_own_only() {
        let spend = fact(&["expense"], Some("S100"));
        assert!(spend.visible_to(Some(&field_staff()), "S100"));
        assert!(!spend.visible_to(Some(&field_staff()), "S101"));
    }

    #[test]
    fn a_channel_gets_only_what_no_role_is_denied() {
        let accesses = BTreeMap::from([("field_staff".to_string(), field_staff())]);
        assert!(!fact(&["project.budget"], None).visible_to_all(&accesses));
        assert!(!fact(&["expense"], Some("S100")).visible_to_all(&accesses));
        assert!(!fact(&["request.amount"], None).visible_to_all(&accesses));
        assert!(fact(&["purchase_order.delivered_date"], None).visible_to_all(&accesses));
    }
}
