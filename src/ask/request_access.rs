//! Who sees which requests in answers: as on the dashboard
//! (`may_see` in `service/dashboard.rs`), the requester, the people a request asked or asks to
//! decide, and those who decided it; the admin roles see every request. A question about
//! requests from anyone else is narrowed to those, and when that leaves some out the answer
//! says so.

use crate::domain::FieldType;
use crate::domain::plan::{
    Aggregate, CheckedFilter, CheckedMeasure, CheckedQuery, Condition, FieldPath,
};
use crate::engine::request_facts::{RECORD_TYPE, person_token};

/// What the answer adds when the asker's view left matching requests out.
pub const WITHHELD: &str = "Some requests that match are not included: you see only the \
     requests you submitted, were asked to decide or decided.";

/// Two counts telling whether narrowing left requests out: of every matching request, and
/// of those the asker may see.
#[derive(Debug, Clone, PartialEq)]
pub struct Narrowed {
    pub everything: CheckedQuery,
    pub visible: CheckedQuery,
}

/// Narrows a question about requests to those `asker` may see, unless they hold an admin
/// role; `None` when nothing was narrowed.
pub fn narrow(query: &mut CheckedQuery, asker: &str, admin: bool) -> Option<Narrowed> {
    if query.record != RECORD_TYPE || admin {
        return None;
    }
    let count = |query: &CheckedQuery| CheckedQuery {
        group_by: Vec::new(),
        measure: CheckedMeasure::Aggregate(Aggregate::Count, None),
        order: None,
        limit: 1,
        ..query.clone()
    };
    let everything = count(query);
    query.filters.push(CheckedFilter {
        path: FieldPath {
            via: None,
            field: "involved".into(),
            field_type: FieldType::Text,
            cut: None,
        },
        condition: Condition::Contains(person_token(asker)),
    });
    Some(Narrowed {
        everything,
        visible: count(query),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(record: &str) -> CheckedQuery {
        CheckedQuery {
            record: record.into(),
            filters: Vec::new(),
            group_by: Vec::new(),
            measure: CheckedMeasure::List(Vec::new()),
            order: None,
            limit: 1000,
        }
    }

    #[test]
    fn requests_are_narrowed_to_those_the_asker_is_involved_in_unless_an_admin_asks() {
        let mut asked = query(RECORD_TYPE);
        let narrowed = narrow(&mut asked, "S120", false).expect("narrowed");
        assert_eq!(
            asked.filters[0].condition,
            Condition::Contains("(s120)".into())
        );
        assert!(narrowed.everything.filters.is_empty());
        assert_eq!(narrowed.visible.filters, asked.filters);
        assert_eq!(
            narrowed.visible.measure,
            CheckedMeasure::Aggregate(Aggregate::Count, None)
        );
        let mut by_admin = query(RECORD_TYPE);
        assert!(narrow(&mut by_admin, "S001", true).is_none());
        assert!(by_admin.filters.is_empty());
        let mut invoices = query("invoice");
        assert!(narrow(&mut invoices, "S120", false).is_none());
    }

    #[test]
    fn a_hidden_field_stays_hidden_when_read_through_a_request() {
        let config = crate::config::demo();
        let schema = crate::engine::request_facts::with_requests(&config);
        let plan = r#"{"kind":"query","record":"request",
            "measure":{"aggregate":"average","field":"decider.approval_limit"}}"#;
        let crate::domain::plan::Plan::Query(plan) = serde_json::from_str(plan).unwrap() else {
            panic!("a query")
        };
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let mut checked = crate::ask::check::check(&plan, &schema, today).unwrap();
        let asker = crate::ask::access::Asker {
            id: "S052",
            role: "field_staff",
        };
        let access = config.vocabulary.access.get("field_staff");
        let refused = crate::ask::access::enforce(&mut checked, &asker, access, &schema, "staff")
            .unwrap_err();
        assert!(refused.0.contains("approval limits"), "{refused}");
    }
}
