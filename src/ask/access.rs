//! What the asker's role may see: a checked query is refused when it reads a hidden record
//! type or field, and narrowed to the asker's own records for the types the role sees only its
//! own of. Applied to every plan, whichever planner made it, before it runs.

use super::check::PlanProblem;
use crate::domain::FieldType;
use crate::domain::RecordSchema;
use crate::domain::plan::{
    CheckedFilter, CheckedMeasure, CheckedQuery, Condition, FieldPath, Op, OrderKey,
};
use crate::domain::vocabulary::Access;

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

fn hidden(path: &FieldPath, record: &str, access: &Access) -> bool {
    let owner = path
        .via
        .as_ref()
        .map_or(record, |(_, target)| target.as_str());
    access.hides(owner, Some(&path.field)) || access.hides(owner, None)
}
