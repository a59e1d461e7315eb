//! The total beside a list of records: "hours booked to a project" lists the time entries and
//! says how many hours they add up to, so that the list answers "which" and its sentence "how
//! much". The total is a query of its own over every matching record (not only the rows a
//! page shows), run under the same access rules as the list.

use super::{Keel, ServiceError};
use crate::ask::access::{Asker, enforce};
use crate::ask::check;
use crate::ask::request_access;
use crate::ask::words::total_words;
use crate::domain::Person;
use crate::domain::plan::{CheckedMeasure, Measure, Plan, Query};
use crate::domain::vocabulary::Access;

impl Keel {
    /// "1,763.7 hours", "$1,211.38": what the records a list plan shows add up to, by their
    /// type's amount; `None` when the plan is not a plain list (a "top 5" keeps only some, so
    /// the sum of all would read as theirs), the type has no amount, or the asker may not see
    /// it.
    pub(super) async fn list_total(
        &self,
        plan: &Plan,
        person: &Person,
        access: Option<&Access>,
    ) -> Result<Option<String>, ServiceError> {
        let Some(query) = total_query(plan, |record| {
            self.config
                .vocabulary
                .types
                .get(record)
                .and_then(|t| t.amount.clone())
        }) else {
            return Ok(None);
        };
        let Ok(mut checked) = check::check(&query, &self.ask_schema, self.today()) else {
            return Ok(None);
        };
        let asker = Asker {
            id: &person.id,
            role: &person.role,
        };
        let directory = &self.config.directory.record;
        if enforce(&mut checked, &asker, access, &self.ask_schema, directory).is_err() {
            return Ok(None);
        }
        let people = self.directory.get(&self.store).await?;
        let admin = people.directory.is_admin(&person.id);
        request_access::narrow(&mut checked, &person.id, admin);
        let CheckedMeasure::Aggregate(_, Some(path)) = &checked.measure else {
            return Ok(None);
        };
        let path = path.clone();
        let table = self.store.run_query(&checked).await?;
        let total = table.rows.first().and_then(|row| row.last()).cloned();
        let currency = self.config.settings.company.currency.as_str();
        Ok(total
            .filter(|value| !value.is_null())
            .map(|value| total_words(&value, &path, &self.ask_schema, currency)))
    }
}

/// The sum of a plain list plan's records by `amount_of` their type, with its conditions.
fn total_query(plan: &Plan, amount_of: impl Fn(&str) -> Option<String>) -> Option<Query> {
    let Plan::Query(query) = plan else {
        return None;
    };
    let plain = matches!(query.measure, Measure::List { .. })
        && query.group_by.is_empty()
        && query.limit.is_none();
    if !plain {
        return None;
    }
    let field = amount_of(&query.record)?;
    Some(Query {
        measure: Measure::Sum { field },
        order: None,
        limit: None,
        ..query.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::total_query;
    use crate::domain::plan::{Measure, Plan};

    fn plan(json: &str) -> Plan {
        serde_json::from_str(json).expect("a plan")
    }

    fn amount(record: &str) -> Option<String> {
        (record != "client").then(|| "amount".to_string())
    }

    #[test]
    fn a_plain_list_is_totalled_over_the_same_records_by_its_type_amount() {
        let listed = plan(
            r#"{"kind":"query","record":"expense","filters":[{"field":"category","op":"eq","value":"tools"}],"measure":{"aggregate":"list","fields":[]}}"#,
        );
        let Some(total) = total_query(&listed, amount) else {
            panic!("a total")
        };
        assert_eq!(
            total.measure,
            Measure::Sum {
                field: "amount".into()
            }
        );
        let Plan::Query(listed) = listed else {
            panic!("a query")
        };
        assert_eq!(total.filters, listed.filters);
    }

    #[test]
    fn a_ranked_cut_a_grouping_or_a_type_without_amount_has_no_total() {
        for json in [
            r#"{"kind":"query","record":"invoice","measure":{"aggregate":"list","fields":["amount"]},"order":{"field":"amount","descending":true},"limit":5}"#,
            r#"{"kind":"query","record":"invoice","group_by":["status"],"measure":{"aggregate":"count"}}"#,
            r#"{"kind":"query","record":"client","measure":{"aggregate":"list","fields":[]}}"#,
            r#"{"kind":"query","record":"invoice","measure":{"aggregate":"sum","field":"amount"}}"#,
        ] {
            assert!(total_query(&plan(json), amount).is_none(), "{json}");
        }
    }
}
