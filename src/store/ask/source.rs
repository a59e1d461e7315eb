//! Where a query reads from: the monthly (or daily) sums, or the facts.

use super::Source;
use crate::domain::plan::{
    Aggregate, CheckedMeasure, CheckedQuery, Condition, FieldPath, OrderKey,
};
use crate::store::Backend;
use crate::store::facts::{FactTable, day_cut};
use chrono::Datelike;

/// The group field of a median per group that an index on (group, measured field) serves.
pub(super) fn indexed_group<'q>(
    table: &FactTable,
    query: &'q CheckedQuery,
    path: &FieldPath,
) -> Option<&'q FieldPath> {
    let [group] = query.group_by.as_slice() else {
        return None;
    };
    let plain = |p: &FieldPath| p.via.is_none() && p.cut.is_none();
    (plain(group) && plain(path) && table.is_indexed_by_group(&group.field, &path.field))
        .then_some(group)
}

/// The rows of `sums_<type>` that answer `query`, when some do: a count, sum or average,
/// grouped and filtered only by one group field (or fields of the records it names) and by
/// the month or year of at most one date field, whose windows are whole months; or, not
/// grouped or filtered by any group field, over windows of days.
pub(super) fn sums_rows(table: &FactTable, query: &CheckedQuery) -> Option<Source> {
    if !table.summed {
        return None;
    }
    let CheckedMeasure::Aggregate(aggregate, measured) = &query.measure else {
        return None;
    };
    match aggregate {
        Aggregate::Count => {}
        Aggregate::Sum | Aggregate::Average => {
            let path = measured.as_ref()?;
            if path.via.is_some() || path.cut.is_some() || !table.is_measure(&path.field) {
                return None;
            }
        }
        _ => return None,
    }
    let mut cut: Option<String> = None;
    let mut group: Option<String> = None;
    let mut by_day = false;
    let one = |slot: &mut Option<String>, name: &str| -> bool {
        if slot.as_ref().is_some_and(|s| s != name) {
            return false;
        }
        *slot = Some(name.to_string());
        true
    };
    let mut uses = |path: &FieldPath, condition: Option<&Condition>| -> bool {
        if let Some((via, _)) = &path.via {
            return table.is_group(via) && one(&mut group, via);
        }
        if table.is_group(&path.field) {
            return one(&mut group, &path.field);
        }
        if !table.is_cut(&path.field) || !one(&mut cut, &path.field) {
            return false;
        }
        match (path.cut, condition) {
            (Some(_), _) => true,
            (None, Some(Condition::Span(span))) => {
                by_day |= span.from.day() != 1 || span.until.day() != 1;
                true
            }
            (None, Some(Condition::Empty(_))) => true,
            (None, _) => false,
        }
    };
    let fits = query.group_by.iter().all(|path| uses(path, None))
        && query
            .filters
            .iter()
            .all(|filter| uses(&filter.path, Some(&filter.condition)));
    if !fits || (by_day && group.is_some()) {
        return None;
    }
    let cut = cut.unwrap_or_else(|| table.any_cut().to_string());
    Some(Source::Sums {
        cut: if by_day { day_cut(&cut) } else { cut },
        group: group.unwrap_or_default(),
        by_day,
    })
}

/// Whether a list ordered by an indexed field is better read in that index's order, checking
/// each record against the filters, than found through a filter's index and sorted.
///
/// Reading in order stops after about `limit / share` records, where `share` is the part of
/// the records the filters keep; going through a filter's index reads `share × records` and
/// sorts them. For a window of a month out of years of invoices the first is a few dozen
/// records and the second tens of thousands. Postgres weighs this with its statistics;
/// SQLite, without them, prefers the filter's index, so keel tells it.
pub(super) fn ordered_walk(
    backend: Backend,
    table: &FactTable,
    source: &Source,
    query: &CheckedQuery,
) -> bool {
    const SHORT_LIST: u32 = 100;
    let Some((OrderKey::Field(path), _)) = &query.order else {
        return false;
    };
    backend == Backend::Sqlite
        && matches!(source, Source::Facts)
        && matches!(query.measure, CheckedMeasure::List(_))
        && query.limit <= SHORT_LIST
        && path.via.is_none()
        && path.cut.is_none()
        && table.is_indexed(&path.field)
}
