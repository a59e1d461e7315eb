//! Checking a plan against the record schema. A plan comes from a planner, and an LLM's plan is
//! untrusted input: every record type and field must exist, every value must fit its field's
//! type, and every window must be a real span of days. What passes is a [`CheckedQuery`], the
//! only thing the store executes.

use crate::domain::plan::{
    Aggregate, CheckedFilter, CheckedMeasure, CheckedQuery, Condition, DateCut, FieldPath, Filter,
    Measure, Op, OrderKey, Query, Window,
};
use crate::domain::{FieldType, RecordSchema, RecordType};
use chrono::NaiveDate;
use serde_json::Value;

/// Most rows an answer's table holds.
pub const MAX_ROWS: u32 = 1_000;

/// Most filters, groups or listed fields in one plan.
const MAX_PARTS: usize = 12;

/// Longest value a filter compares with.
const MAX_VALUE_LEN: usize = 200;

/// Why a plan cannot run, in words for the person who asked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct PlanProblem(pub String);

fn problem<T>(message: impl Into<String>) -> Result<T, PlanProblem> {
    Err(PlanProblem(message.into()))
}

/// Checks a query plan against `schema`, resolving relative windows as of `today`.
pub fn check(
    query: &Query,
    schema: &RecordSchema,
    today: NaiveDate,
) -> Result<CheckedQuery, PlanProblem> {
    let Some(record) = schema.get(&query.record) else {
        let known: Vec<&str> = schema.types.keys().map(String::as_str).collect();
        return problem(format!(
            "there is no record type `{}`; keel knows {}",
            query.record,
            known.join(", ")
        ));
    };
    let parts = query.filters.len().max(query.group_by.len());
    let listed = match &query.measure {
        Measure::List { fields } => fields.len(),
        _ => 0,
    };
    if parts.max(listed) > MAX_PARTS {
        return problem(format!(
            "a question may have at most {MAX_PARTS} filters, groups or listed fields"
        ));
    }
    let filters = query
        .filters
        .iter()
        .map(|filter| check_filter(filter, record, schema, today))
        .collect::<Result<Vec<_>, _>>()?;
    let group_by = query
        .group_by
        .iter()
        .map(|name| field_path(name, record, schema))
        .collect::<Result<Vec<_>, _>>()?;
    let measure = check_measure(&query.measure, record, schema)?;
    if matches!(measure, CheckedMeasure::List(_)) && !group_by.is_empty() {
        return problem("a list of records cannot also be grouped; count or sum them instead");
    }
    let order = match &query.order {
        None => None,
        Some(order) => {
            let key = match &order.field {
                None => {
                    if matches!(measure, CheckedMeasure::List(_)) {
                        return problem("a list is ordered by one of its fields; name it");
                    }
                    OrderKey::Measure
                }
                Some(name) => {
                    let path = field_path(name, record, schema)?;
                    let shown = match &measure {
                        CheckedMeasure::List(fields) => fields.contains(&path),
                        CheckedMeasure::Aggregate(..) => group_by.contains(&path),
                    };
                    if !shown {
                        return problem(format!(
                            "rows can be ordered by `{name}` only when the answer shows it"
                        ));
                    }
                    OrderKey::Field(path)
                }
            };
            Some((key, order.descending))
        }
    };
    let order = order.or_else(|| by_measure(&measure, &group_by));
    let limit = query.limit.unwrap_or(MAX_ROWS);
    if limit == 0 || limit > MAX_ROWS {
        return problem(format!("a limit is between 1 and {MAX_ROWS}"));
    }
    Ok(CheckedQuery {
        record: record.name.clone(),
        filters,
        group_by,
        measure,
        order,
        limit,
    })
}

/// The order of a grouped answer whose plan names none: the largest measure first, as people
/// read a table of groups; a series of dates stays in the order of its dates.
fn by_measure(measure: &CheckedMeasure, group_by: &[FieldPath]) -> Option<(OrderKey, bool)> {
    let dated = group_by
        .iter()
        .any(|p| p.cut.is_some() || matches!(p.field_type, FieldType::Date | FieldType::Timestamp));
    (matches!(measure, CheckedMeasure::Aggregate(..)) && !group_by.is_empty() && !dated)
        .then_some((OrderKey::Measure, true))
}

/// `field`, `ref_field.field`, or either with `:month` or `:year` for a date.
fn field_path(
    name: &str,
    record: &RecordType,
    schema: &RecordSchema,
) -> Result<FieldPath, PlanProblem> {
    let (name_part, cut) = match name.split_once(':') {
        Some((field, "month")) => (field, Some(DateCut::Month)),
        Some((field, "year")) => (field, Some(DateCut::Year)),
        Some((_, other)) => {
            return problem(format!(
                "`{other}` is not a way to cut a date; use `:month` or `:year`"
            ));
        }
        None => (name, None),
    };
    let (via, field, owner) = match name_part.split_once('.') {
        None => (None, name_part, record),
        Some((ref_field, field)) => {
            let Some(found) = record.field(ref_field) else {
                return unknown_field(ref_field, record);
            };
            let FieldType::Ref(target) = &found.field_type else {
                return problem(format!(
                    "`{ref_field}` of {} is not a reference, so `{name_part}` leads nowhere",
                    record.name
                ));
            };
            let Some(target_type) = schema.get(target) else {
                return problem(format!("`{ref_field}` refers to unknown type `{target}`"));
            };
            (
                Some((ref_field.to_string(), target.clone())),
                field,
                target_type,
            )
        }
    };
    if field.contains('.') {
        return problem(format!(
            "`{name_part}` follows more than one reference; keel follows one"
        ));
    }
    let Some(found) = owner.field(field) else {
        return unknown_field(field, owner);
    };
    if cut.is_some() && !matches!(found.field_type, FieldType::Date | FieldType::Timestamp) {
        return problem(format!(
            "only dates can be cut to a month or year, and `{field}` is {}",
            found.field_type
        ));
    }
    Ok(FieldPath {
        via,
        field: field.to_string(),
        field_type: found.field_type.clone(),
        cut,
    })
}

fn unknown_field<T>(field: &str, record: &RecordType) -> Result<T, PlanProblem> {
    let known: Vec<&str> = record.fields.iter().map(|f| f.name.as_str()).collect();
    problem(format!(
        "{} has no field `{field}`; its fields are {}",
        record.name,
        known.join(", ")
    ))
}

fn check_filter(
    filter: &Filter,
    record: &RecordType,
    schema: &RecordSchema,
    today: NaiveDate,
) -> Result<CheckedFilter, PlanProblem> {
    let path = field_path(&filter.field, record, schema)?;
    let field = path.name();
    let condition = match filter.op {
        Op::IsEmpty | Op::IsNotEmpty => Condition::Empty(filter.op == Op::IsEmpty),
        Op::Within => {
            if !matches!(path.field_type, FieldType::Date | FieldType::Timestamp) {
                return problem(format!("`{field}` is not a date, so it has no window"));
            }
            if path.cut.is_some() {
                return problem(format!(
                    "a window applies to the date itself, not to `{field}`; filter `{}`",
                    path.field
                ));
            }
            let window: Window = serde_json::from_value(filter.value.clone()).map_err(|e| {
                PlanProblem(format!(
                    "the window for `{field}` is not one keel knows: {e}"
                ))
            })?;
            let Some(span) = window.span(today) else {
                return problem(format!("{} is not a real span of days", window.words()));
            };
            Condition::Span(span)
        }
        Op::Contains => {
            if !matches!(path.field_type, FieldType::Text) {
                return problem(format!("`{field}` is not text, so nothing is found in it"));
            }
            Condition::Contains(scalar(&filter.value, &path)?.to_lowercase())
        }
        Op::In => {
            let Value::Array(values) = &filter.value else {
                return problem(format!("`in` on `{field}` takes a list of values"));
            };
            if values.is_empty() || values.len() > 100 {
                return problem(format!("`in` on `{field}` takes 1 to 100 values"));
            }
            Condition::In(
                values
                    .iter()
                    .map(|v| scalar(v, &path))
                    .collect::<Result<_, _>>()?,
            )
        }
        op @ (Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge) => {
            if !matches!(op, Op::Eq | Op::Ne) && matches!(path.field_type, FieldType::Bool) {
                return problem(format!("`{field}` is yes or no; it has no order"));
            }
            match filter.value.get("field").and_then(Value::as_str) {
                Some(other) => Condition::CompareField(op, other_field(&path, other, record)?),
                None => Condition::Compare(op, scalar(&filter.value, &path)?),
            }
        }
    };
    Ok(CheckedFilter { path, condition })
}

/// The field `{"field": other}` compares `path` with: another field of the same record, of
/// the same type, neither cut.
fn other_field(
    path: &FieldPath,
    other: &str,
    record: &RecordType,
) -> Result<FieldPath, PlanProblem> {
    let Some(found) = record.field(other) else {
        return unknown_field(other, record);
    };
    if path.via.is_some() || path.cut.is_some() {
        return problem(format!(
            "`{}` is compared with `{other}` only as a field of the record itself",
            path.name()
        ));
    }
    let comparable = matches!(
        found.field_type,
        FieldType::Date | FieldType::Timestamp | FieldType::Number | FieldType::Money
    );
    if !comparable || found.field_type != path.field_type {
        return problem(format!(
            "`{}` ({}) and `{other}` ({}) are not dates or numbers of one type, so they do not compare",
            path.name(),
            path.field_type,
            found.field_type
        ));
    }
    Ok(FieldPath {
        via: None,
        field: other.to_string(),
        field_type: found.field_type.clone(),
        cut: None,
    })
}

/// A filter value as the text the store compares (numbers as decimal text), checked against
/// the field's type.
fn scalar(value: &Value, path: &FieldPath) -> Result<String, PlanProblem> {
    let field = path.name();
    let text = match value {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return problem(format!("`{field}` is compared with one value, not {value}")),
    };
    if text.len() > MAX_VALUE_LEN {
        return problem(format!(
            "a value compared with `{field}` has at most {MAX_VALUE_LEN} characters"
        ));
    }
    let canonical = |text: &str| -> Option<String> {
        if let Some(cut) = path.cut {
            let month = NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d");
            return match cut {
                DateCut::Month => month.ok().map(|d| d.format("%Y-%m").to_string()),
                DateCut::Year => {
                    (text.len() == 4 && text.parse::<u16>().is_ok()).then(|| text.to_string())
                }
            };
        }
        match &path.field_type {
            // Numbers as the number read, so both backends cast the same text.
            FieldType::Number | FieldType::Money => text
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .map(|n| n.to_string()),
            FieldType::Date => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .map(|d| d.to_string()),
            // A day compares with a timestamp's day; a timestamp as keel stores them.
            FieldType::Timestamp if text.len() == 10 => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .map(|d| d.to_string()),
            FieldType::Timestamp => crate::domain::field::parse_timestamp(text)
                .ok()
                .map(|t| crate::domain::field::canonical_timestamp(&t)),
            FieldType::Bool => matches!(text, "true" | "false").then(|| text.to_string()),
            FieldType::Enum(values) => values.iter().any(|v| v == text).then(|| text.to_string()),
            FieldType::Text | FieldType::Ref(_) => Some(text.to_string()),
        }
    };
    if let Some(value) = canonical(&text) {
        return Ok(value);
    }
    if let Some(cut) = path.cut {
        let wanted = match cut {
            DateCut::Month => "a month such as 2026-03",
            DateCut::Year => "a year such as 2026",
        };
        return problem(format!("`{text}` is not {wanted} for `{field}`"));
    }
    if let FieldType::Enum(values) = &path.field_type {
        problem(format!(
            "`{text}` is not a value of `{field}`; it is one of {}",
            values.join(", ")
        ))
    } else {
        problem(format!(
            "`{text}` does not fit `{field}`, which is {}",
            path.field_type
        ))
    }
}

fn check_measure(
    measure: &Measure,
    record: &RecordType,
    schema: &RecordSchema,
) -> Result<CheckedMeasure, PlanProblem> {
    let (aggregate, field) = match measure {
        Measure::Count => return Ok(CheckedMeasure::Aggregate(Aggregate::Count, None)),
        Measure::List { fields } => {
            let fields = if fields.is_empty() {
                record
                    .fields
                    .iter()
                    .map(|f| f.name.clone())
                    .collect::<Vec<_>>()
            } else {
                fields.clone()
            };
            return fields
                .iter()
                .map(|name| field_path(name, record, schema))
                .collect::<Result<Vec<_>, _>>()
                .map(CheckedMeasure::List);
        }
        Measure::Sum { field } => (Aggregate::Sum, field),
        Measure::Average { field } => (Aggregate::Average, field),
        Measure::Min { field } => (Aggregate::Min, field),
        Measure::Max { field } => (Aggregate::Max, field),
        Measure::Median { field } => (Aggregate::Median, field),
    };
    let path = field_path(field, record, schema)?;
    let ordered_text = matches!(aggregate, Aggregate::Min | Aggregate::Max)
        && matches!(path.field_type, FieldType::Date | FieldType::Timestamp);
    if !path.is_numeric() && !ordered_text {
        return problem(format!(
            "`{}` is {}, so it cannot be added up or averaged",
            path.name(),
            path.field_type
        ));
    }
    Ok(CheckedMeasure::Aggregate(aggregate, Some(path)))
}

#[cfg(test)]
mod tests {
    use super::check;
    use crate::domain::plan::{Condition, Op, Plan};

    fn demo_schema() -> crate::domain::RecordSchema {
        crate::config::demo().schema
    }

    fn checked(plan: &str) -> Result<crate::domain::plan::CheckedQuery, String> {
        let Plan::Query(query) = serde_json::from_str::<Plan>(plan).unwrap() else {
            panic!("a query")
        };
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        check(&query, &demo_schema(), today).map_err(|e| e.0)
    }

    #[test]
    fn values_are_compared_in_the_form_keel_stores() {
        let plan = r#"{"kind":"query","record":"purchase_order","measure":{"aggregate":"count"},
            "filters":[{"field":"approved_at","op":"eq","value":"2026-08-24T00:14:44+02:00"},
                       {"field":"amount","op":"gt","value":"1e-400"},
                       {"field":"ordered_date:month","op":"eq","value":"2026-3"}]}"#;
        let query = checked(plan).unwrap();
        let values: Vec<&Condition> = query.filters.iter().map(|f| &f.condition).collect();
        assert_eq!(
            values,
            [
                &Condition::Compare(Op::Eq, "2026-08-23T22:14:44.000000Z".into()),
                &Condition::Compare(Op::Gt, "0".into()),
                &Condition::Compare(Op::Eq, "2026-03".into()),
            ]
        );
    }

    #[test]
    fn a_field_is_compared_with_another_of_the_same_record_and_type() {
        let plan = r#"{"kind":"query","record":"invoice","measure":{"aggregate":"count"},
            "filters":[{"field":"paid_date","op":"gt","value":{"field":"due_date"}}]}"#;
        let query = checked(plan).unwrap();
        let Condition::CompareField(Op::Gt, other) = &query.filters[0].condition else {
            panic!(
                "a comparison of two fields: {:?}",
                query.filters[0].condition
            )
        };
        assert_eq!(other.name(), "due_date");
        for (other, why) in [
            ("amount", "do not compare"),
            ("vendor_id", "do not compare"),
            ("settled_on", "has no field"),
        ] {
            let plan = format!(
                r#"{{"kind":"query","record":"invoice","measure":{{"aggregate":"count"}},
                "filters":[{{"field":"paid_date","op":"le","value":{{"field":"{other}"}}}}]}}"#
            );
            let error = checked(&plan).expect_err(&plan);
            assert!(error.contains(why), "{other}: {error}");
        }
    }

    #[test]
    fn plans_that_cannot_mean_anything_are_refused_with_a_reason() {
        for (plan, why) in [
            (
                r#"{"kind":"query","record":"invoice","measure":{"aggregate":"count"},
                "filters":[{"field":"issued_date:month","op":"within","value":{"window":"this_year"}}]}"#,
                "applies to the date itself",
            ),
            (
                r#"{"kind":"query","record":"invoice","measure":{"aggregate":"sum","field":"status"}}"#,
                "cannot be added up",
            ),
            (
                r#"{"kind":"query","record":"invoice","measure":{"aggregate":"count"},
                "filters":[{"field":"vendor_id.name.x","op":"eq","value":"a"}]}"#,
                "more than one reference",
            ),
            (
                r#"{"kind":"query","record":"invoice","measure":{"aggregate":"count"},
                "filters":[{"field":"status","op":"eq","value":"lost"}]}"#,
                "one of open, paid, overdue",
            ),
            (
                r#"{"kind":"query","record":"invoice","measure":{"aggregate":"count"},"limit":0}"#,
                "between 1 and 1000",
            ),
        ] {
            let error = checked(plan).expect_err(plan);
            assert!(error.contains(why), "{error}");
        }
    }
}
