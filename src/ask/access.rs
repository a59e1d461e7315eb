//! What the asker's role may see: a checked query is refused when it reads a hidden record
//! type or field, and narrowed to the asker's own records for the types the role sees only its
//! own of; an insight is refused when it reads either. Applied to every plan, whichever planner
//! made it, before it runs.

use super::check::PlanProblem;
use crate::domain::FieldType;
use crate::domain::plan::{
    CheckedFilter, CheckedMeasure, CheckedQuery, Condition, FieldPath, Op, OrderKey,
};
use crate::domain::vocabulary::Access;
use crate::domain::{RecordLabels, RecordSchema};
use crate::insights::Insight;
use std::borrow::Cow;

/// Who is asking.
pub struct Asker<'a> {
    pub id: &'a str,
    pub role: &'a str,
}

/// Refuses or narrows `query` for `asker`; a listed answer simply leaves hidden fields out.
pub fn enforce(
    query: &mut CheckedQuery,
    asker: &Asker,
    access: Option<&Access>,
    schema: &RecordSchema,
    directory_type: &str,
) -> Result<(), PlanProblem> {
    let Some(access) = access else {
        return Ok(());
    };
    let role = asker.role.replace('_', " ");
    let refuse = |what: String| {
        Err(PlanProblem(format!(
            "people in the {role} role may not see {what}; ask someone whose role can"
        )))
    };
    if access.hides(&query.record, None) {
        return refuse(format!("{} records", query.record.replace('_', " ")));
    }
    if let CheckedMeasure::List(fields) = &mut query.measure {
        // A list shows each record's key, which is its key fields' values joined.
        let key = schema.get(&query.record).map_or(&[][..], |t| &t.key[..]);
        if let Some(field) = key.iter().find(|f| access.hides(&query.record, Some(f))) {
            return Err(PlanProblem(format!(
                "{} records are known by their {}, and people in the {role} role may not see                  {}.{field}, so they cannot be listed; counts, sums and averages can be asked",
                query.record.replace('_', " "),
                key.join(", "),
                query.record
            )));
        }
        fields.retain(|path| !hidden(path, &query.record, access));
        if fields.is_empty() {
            return refuse(format!("these {} fields", query.record.replace('_', " ")));
        }
    }
    let mut read: Vec<&FieldPath> = query.filters.iter().map(|f| &f.path).collect();
    read.extend(&query.group_by);
    if let CheckedMeasure::Aggregate(_, Some(path)) = &query.measure {
        read.push(path);
    }
    if let Some((OrderKey::Field(path), _)) = &query.order {
        read.push(path);
    }
    if let Some(path) = read.iter().find(|p| hidden(p, &query.record, access)) {
        let owner = path.via.as_ref().map_or(&query.record, |(_, t)| t);
        return refuse(format!("{owner}.{}", path.field));
    }
    // Records the role sees only its own of are not read through a reference either.
    let listed: Vec<&FieldPath> = match &query.measure {
        CheckedMeasure::List(fields) => fields.iter().collect(),
        CheckedMeasure::Aggregate(..) => Vec::new(),
    };
    if let Some((_, target)) = read
        .iter()
        .chain(&listed)
        .filter_map(|p| p.via.as_ref())
        .find(|(_, target)| access.own.contains(target))
    {
        return Err(PlanProblem(format!(
            "people in the {role} role see only their own {} records, so they cannot be read through a reference",
            target.replace('_', " ")
        )));
    }
    if access.own.contains(&query.record) {
        let Some(field) = schema.get(&query.record).and_then(|t| {
            t.fields
                .iter()
                .find(|f| f.field_type == FieldType::Ref(directory_type.to_string()))
        }) else {
            return refuse(format!("{} records", query.record));
        };
        query.filters.push(CheckedFilter {
            path: FieldPath {
                via: None,
                field: field.name.clone(),
                field_type: field.field_type.clone(),
                cut: None,
            },
            condition: Condition::Compare(Op::Eq, asker.id.to_string()),
        });
    }
    Ok(())
}

/// Refuses an insight that reads a field the role may not see, or every record of a type the
/// role sees only its own of.
pub fn enforce_insight(
    insight: Insight,
    role: &str,
    access: Option<&Access>,
) -> Result<(), PlanProblem> {
    let Some(access) = access else {
        return Ok(());
    };
    let role = role.replace('_', " ");
    for (record_type, field) in insight.reads() {
        if access.hides(record_type, Some(field)) {
            return Err(PlanProblem(format!(
                "people in the {role} role may not see {record_type}.{field}, which {} reads",
                insight.name()
            )));
        }
        if access.own.iter().any(|own| own == record_type) {
            return Err(PlanProblem(format!(
                "people in the {role} role see only their own {} records, and {} reads everyone's",
                record_type.replace('_', " "),
                insight.name()
            )));
        }
    }
    Ok(())
}

fn hidden(path: &FieldPath, record: &str, access: &Access) -> bool {
    let owner = path
        .via
        .as_ref()
        .map_or(record, |(_, target)| target.as_str());
    access.hides(owner, Some(&path.field)) || access.hides(owner, None)
}

/// The names the answer may show for references: none of a type the role may not see, sees
/// only its own of, or whose name field is hidden.
pub fn visible_labels<'a>(
    labels: &'a RecordLabels,
    access: Option<&Access>,
    schema: &RecordSchema,
) -> Cow<'a, RecordLabels> {
    let Some(access) = access else {
        return Cow::Borrowed(labels);
    };
    let mut visible = RecordLabels::default();
    for (name, record_type) in &schema.types {
        let hidden = access.hides(name, None)
            || access.own.contains(name)
            || record_type
                .label
                .as_deref()
                .is_some_and(|label| access.hides(name, Some(label)));
        if !hidden {
            for (key, label) in labels.of_type(name) {
                visible.insert(name, key.to_string(), label.to_string());
            }
        }
    }
    Cow::Owned(visible)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::plan::{Plan, Query};

    fn demo() -> crate::config::Config {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
        crate::config::load_with_env(&dir, &[]).expect("the demo config")
    }

    fn query(plan: &str, schema: &RecordSchema) -> CheckedQuery {
        let Plan::Query(query): Plan = serde_json::from_str(plan).unwrap() else {
            panic!("a query")
        };
        let query: Query = query;
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        crate::ask::check::check(&query, schema, today).unwrap()
    }

    #[test]
    fn own_records_are_not_read_through_a_reference_and_hidden_names_and_keys_are_not_shown() {
        let config = demo();
        let schema = &config.schema;
        // A role that sees only its own purchase orders, and no vendor names.
        let access = Access {
            hidden: vec![("vendor".into(), Some("name".into()))],
            own: vec!["purchase_order".into()],
        };
        let asker = Asker {
            id: "S061",
            role: "estimator",
        };
        let mut through_invoices = query(
            r#"{"kind":"query","record":"invoice","measure":{"aggregate":"sum","field":"po_id.amount"}}"#,
            schema,
        );
        let refused = enforce(
            &mut through_invoices,
            &asker,
            Some(&access),
            schema,
            "staff",
        );
        assert!(
            refused
                .unwrap_err()
                .0
                .contains("only their own purchase order records")
        );

        let mut own = query(
            r#"{"kind":"query","record":"purchase_order","measure":{"aggregate":"count"}}"#,
            schema,
        );
        enforce(&mut own, &asker, Some(&access), schema, "staff").unwrap();
        assert_eq!(own.filters.len(), 1, "narrowed to the asker");

        // Time entries are known by (staff, project, week): a role that may not see their
        // projects may count them but not list them, which would show every key.
        let no_projects = Access {
            hidden: vec![("time_entry".into(), Some("project_id".into()))],
            own: Vec::new(),
        };
        let mut listed = query(
            r#"{"kind":"query","record":"time_entry","measure":{"aggregate":"list","fields":["hours"]}}"#,
            schema,
        );
        let refused = enforce(&mut listed, &asker, Some(&no_projects), schema, "staff");
        assert!(
            refused
                .unwrap_err()
                .0
                .contains("known by their staff_id, project_id, week_start"),
        );
        let mut counted = query(
            r#"{"kind":"query","record":"time_entry","measure":{"aggregate":"sum","field":"hours"}}"#,
            schema,
        );
        enforce(&mut counted, &asker, Some(&no_projects), schema, "staff").unwrap();

        let mut labels = RecordLabels::default();
        labels.insert("vendor", "V002".into(), "Apex Concrete".into());
        labels.insert("project", "P001".into(), "Bayview Medical Office".into());
        let visible = visible_labels(&labels, Some(&access), schema);
        assert_eq!(visible.label("vendor", "V002"), None);
        assert_eq!(
            visible.label("project", "P001"),
            Some("Bayview Medical Office")
        );
    }
}
