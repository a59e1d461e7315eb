//! What the asker's role may see: a checked query is refused when it reads a hidden record
//! type or field, and narrowed to the asker's own records for the types the role sees only its
//! own of; an insight is refused when it reads either. Applied to every plan, whichever planner
//! made it, before it runs.

use super::check::PlanProblem;
use super::words::{field_words, hidden_words, plural, record_words};
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

/// Refuses or narrows `query` for `asker`. A list of every field leaves the hidden ones out
/// and returns the sentence saying so; a list naming a hidden field is refused, so that
/// nobody is given less than they asked for without a word.
pub fn enforce(
    query: &mut CheckedQuery,
    asker: &Asker,
    access: Option<&Access>,
    schema: &RecordSchema,
    directory_type: &str,
) -> Result<Option<String>, PlanProblem> {
    let Some(access) = access else {
        return Ok(None);
    };
    let role = record_words(asker.role);
    let refuse = |what: String| {
        Err(PlanProblem(format!(
            "in the {role} role, you may not see {what}; ask someone whose role can"
        )))
    };
    let owner_of = |path: &FieldPath| -> String {
        path.via
            .as_ref()
            .map_or(query.record.clone(), |(_, target)| target.clone())
    };
    if access.hides(&query.record, None) {
        return refuse(plural(&record_words(&query.record)));
    }
    // A key is its key fields' values joined: a list shows each record's, and a listed or
    // grouped reference shows the referenced record's.
    let key_hiding = |record_type: &str, shown: &str| {
        let key = schema.get(record_type).map_or(&[][..], |t| &t.key[..]);
        let field = key.iter().find(|f| access.hides(record_type, Some(f)))?;
        let key_words: Vec<String> = key
            .iter()
            .map(|k| record_words(k.strip_suffix("_id").unwrap_or(k)))
            .collect();
        Some(PlanProblem(format!(
            "{} are known by their {}, and in the {role} role you may not see {}, so {shown}; \
             counts, sums and averages can be asked",
            plural(&record_words(record_type)),
            key_words.join(", "),
            hidden_words(record_type, Some(field), directory_type),
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
            && let Some(refused) = key_hiding(
                target,
                &format!("{} cannot be shown", plural(&field_words(path, schema))),
            )
        {
            return Err(refused);
        }
    }
    let mut withheld = Vec::new();
    if let CheckedMeasure::List(fields) = &mut query.measure {
        let every_field = schema
            .get(&query.record)
            .is_some_and(|t| t.fields.len() == fields.len());
        for path in fields.iter().filter(|p| hidden(p, &query.record, access)) {
            withheld.push(hidden_words(
                &owner_of(path),
                Some(&path.field),
                directory_type,
            ));
        }
        if !withheld.is_empty() && !every_field {
            return refuse(withheld.join(" or "));
        }
        fields.retain(|path| !hidden(path, &query.record, access));
        if fields.is_empty() {
            return refuse(plural(&record_words(&query.record)));
        }
    }
    let mut read: Vec<&FieldPath> = query.filters.iter().map(|f| &f.path).collect();
    // A field compared with another reads both.
    read.extend(query.filters.iter().filter_map(|f| match &f.condition {
        Condition::CompareField(_, other) => Some(other),
        _ => None,
    }));
    read.extend(&query.group_by);
    if let CheckedMeasure::Aggregate(_, Some(path)) = &query.measure {
        read.push(path);
    }
    if let Some((OrderKey::Field(path), _)) = &query.order {
        read.push(path);
    }
    if let Some(path) = read.iter().find(|p| hidden(p, &query.record, access)) {
        let owner = owner_of(path);
        let field = (!access.hides(&owner, None)).then_some(path.field.as_str());
        return refuse(hidden_words(&owner, field, directory_type));
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
            "in the {role} role, you see only your own {}, so they cannot be read through a reference",
            plural(&record_words(target))
        )));
    }
    let mut narrowed = None;
    if access.own.contains(&query.record) {
        let Some(field) = schema.get(&query.record).and_then(|t| {
            t.fields
                .iter()
                .find(|f| f.field_type == FieldType::Ref(directory_type.to_string()))
        }) else {
            return refuse(plural(&record_words(&query.record)));
        };
        let own = Condition::Compare(Op::Eq, asker.id.to_string());
        let already_own = query
            .filters
            .iter()
            .any(|f| f.path.via.is_none() && f.path.field == field.name && f.condition == own);
        // A question already about the asker's own records is said once ("staff is Victor").
        if !already_own {
            narrowed = Some(format!(
                "In the {role} role, you see only your own {}: other people's are not included.",
                plural(&record_words(&query.record))
            ));
            query.filters.push(CheckedFilter {
                path: FieldPath {
                    via: None,
                    field: field.name.clone(),
                    field_type: field.field_type.clone(),
                    cut: None,
                },
                condition: own,
            });
        }
    }
    let hidden = (!withheld.is_empty()).then(|| {
        format!(
            "In the {role} role, you may not see {}, so they are left out.",
            withheld.join(" or ")
        )
    });
    // Said whenever it changes the answer, so that less is never given silently.
    Ok(match (hidden, narrowed) {
        (Some(hidden), Some(narrowed)) => Some(format!("{hidden} {narrowed}")),
        (hidden, narrowed) => hidden.or(narrowed),
    })
}

/// Refuses an insight that reads a field the role may not see, or every record of a type the
/// role sees only its own of.
pub fn enforce_insight(
    insight: Insight,
    role: &str,
    access: Option<&Access>,
    directory_type: &str,
) -> Result<(), PlanProblem> {
    let Some(access) = access else {
        return Ok(());
    };
    let role = record_words(role);
    let insight_words = format!("the {} insight", record_words(insight.name()));
    for (record_type, field) in insight.reads() {
        if access.hides(record_type, Some(field)) {
            let field = (!access.hides(record_type, None)).then_some(*field);
            return Err(PlanProblem(format!(
                "in the {role} role, you may not see {}, which {insight_words} reads",
                hidden_words(record_type, field, directory_type),
            )));
        }
        if access.own.iter().any(|own| own == record_type) {
            return Err(PlanProblem(format!(
                "in the {role} role, you see only your own {}, and {insight_words} reads everyone's",
                plural(&record_words(record_type)),
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
        crate::config::demo()
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
                .contains("you see only your own purchase orders")
        );

        let mut own = query(
            r#"{"kind":"query","record":"purchase_order","measure":{"aggregate":"count"}}"#,
            schema,
        );
        let said = enforce(&mut own, &asker, Some(&access), schema, "staff").unwrap();
        assert_eq!(own.filters.len(), 1, "narrowed to the asker");
        assert!(
            said.is_some_and(|s| s.contains("only your own purchase orders")),
            "a narrowed answer says so"
        );
        // Asked about their own records only, nothing was left out and nothing is said.
        let mut mine = own.clone();
        mine.filters.pop();
        let already = own.filters[0].clone();
        mine.filters.push(already);
        let said = enforce(&mut mine, &asker, Some(&access), schema, "staff").unwrap();
        assert_eq!(said, None);
        assert_eq!(
            mine.filters.len(),
            1,
            "the asker's condition is not said twice"
        );

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
            "time entries are known by their staff, project, week start, and in the estimator \
             role you may not see time entry projects, so they cannot be listed; counts, sums \
             and averages can be asked"
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
                .contains("so vendors cannot be shown"),
            "refused"
        );
        let mut by_name = query(
            r#"{"kind":"query","record":"invoice","group_by":["vendor_id.name"],"measure":{"aggregate":"count"}}"#,
            schema,
        );
        enforce(&mut by_name, &asker, Some(&no_vendor_ids), schema, "staff").unwrap();

        // A hidden field asked for by name is refused in words; a list of every field says
        // what it leaves out.
        let field_staff = Access {
            hidden: vec![
                ("staff".into(), Some("approval_limit".into())),
                ("project".into(), Some("budget".into())),
            ],
            own: Vec::new(),
        };
        let victor = Asker {
            id: "S052",
            role: "field_staff",
        };
        let mut named = query(
            r#"{"kind":"query","record":"staff","measure":{"aggregate":"list","fields":["name","approval_limit"]},
               "filters":[{"field":"staff_id","op":"eq","value":"S004"}]}"#,
            schema,
        );
        assert_eq!(
            enforce(&mut named, &victor, Some(&field_staff), schema, "staff")
                .unwrap_err()
                .0,
            "in the field staff role, you may not see approval limits; ask someone whose role can"
        );
        let mut everything = query(
            r#"{"kind":"query","record":"staff","measure":{"aggregate":"list"}}"#,
            schema,
        );
        assert_eq!(
            enforce(
                &mut everything,
                &victor,
                Some(&field_staff),
                schema,
                "staff"
            )
            .unwrap(),
            Some(
                "In the field staff role, you may not see approval limits, so they are left out."
                    .into()
            )
        );
        let mut summed = query(
            r#"{"kind":"query","record":"project","measure":{"aggregate":"sum","field":"budget"}}"#,
            schema,
        );
        let refused = enforce(&mut summed, &victor, Some(&field_staff), schema, "staff");
        assert!(
            refused
                .unwrap_err()
                .0
                .contains("may not see project budgets;"),
            "in words, not project.budget"
        );
        assert_eq!(
            enforce_insight(
                Insight::BudgetBurn,
                "field_staff",
                Some(&field_staff),
                "staff"
            )
            .unwrap_err()
            .0,
            "in the field staff role, you may not see project budgets, which the budget burn \
             insight reads"
        );

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
