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
    // A key is its key fields' values joined: a list shows each record's, and a listed or
    // grouped reference shows the referenced record's.
    let key_hiding = |record_type: &str, shown: &str| {
        let key = schema.get(record_type).map_or(&[][..], |t| &t.key[..]);
        let field = key.iter().find(|f| access.hides(record_type, Some(f)))?;
        Some(PlanProblem(format!(
            "{} records are known by their {}, and people in the {role} role may not see \
             {record_type}.{field}, so {shown}; counts, sums and averages can be asked",
            record_type.replace('_', " "),
            key.join(", "),
        )))
    };
    let mut shown: Vec<&FieldPath> = query.group_by.iter().collect();
    if let CheckedMeasure::List(fields) = &query.measure {
        if let Some(refused) = key_hiding(&query.record, "they cannot be listed") {
            return Err(refused);
        }
        shown.extend(fields);
    }
    for path in shown {
        if let (FieldType::Ref(target), None) = (&path.field_type, path.cut)
            && let Some(refused) = key_hiding(target, &format!("{} cannot be shown", path.name()))
        {
            return Err(refused);
        }
    }
    if let CheckedMeasure::List(fields) = &mut query.measure {
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
        assert_eq!(
            refused.unwrap_err().0,
            "time entry records are known by their staff_id, project_id, week_start, and people \
             in the estimator role may not see time_entry.project_id, so they cannot be listed; \
             counts, sums and averages can be asked"
        );
        let mut counted = query(
            r#"{"kind":"query","record":"time_entry","measure":{"aggregate":"sum","field":"hours"}}"#,
            schema,
        );
        enforce(&mut counted, &asker, Some(&no_projects), schema, "staff").unwrap();
        // The same for a reference, which shows the referenced record's key.
        let no_vendor_ids = Access {
            hidden: vec![("vendor".into(), Some("vendor_id".into()))],
            own: Vec::new(),
        };
        let mut per_vendor = query(
            r#"{"kind":"query","record":"invoice","group_by":["vendor_id"],"measure":{"aggregate":"count"}}"#,
            schema,
        );
        let refused = enforce(
            &mut per_vendor,
            &asker,
            Some(&no_vendor_ids),
            schema,
            "staff",
        );
        assert!(
            refused
                .unwrap_err()
                .0
                .contains("so vendor_id cannot be shown"),
            "refused"
        );
        let mut by_name = query(
            r#"{"kind":"query","record":"invoice","group_by":["vendor_id.name"],"measure":{"aggregate":"count"}}"#,
            schema,
        );
        enforce(&mut by_name, &asker, Some(&no_vendor_ids), schema, "staff").unwrap();

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
