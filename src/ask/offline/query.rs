//! Any question as a query of records. It reads, in order: names of records (vendors, projects,
//! clients, people, keys, roles), the date window, which record type is asked about, how it is
//! grouped, the conditions (statuses, yes/no fields, amounts over or under a figure, "my"), and
//! what is measured; each step claims the words it read. A question with meaningful words left
//! over is declined with suggestions rather than answered in part.

use super::super::text::Words;
use super::compared;
use super::conditions::{approved_values, mention_filter, mine, value_filters};
use super::coverage::Coverage;
use super::cues::{Cues, MONEY, MONEY_NOUNS};
use super::dated::Dated;
use super::deadlines;
use super::grouping::{self, spoken};
use super::measure::{self, Asked};
use super::names::{self, Mention};
use super::relations::{self, Relation};
use super::suggest::{self, Reading};
use super::{
    Context, Outcome, Part, Planned, implied, open_values, roles, through, types, units, whose,
};
use crate::domain::RecordType;
use crate::domain::plan::{Filter, Measure, Op, Plan, Query};
use crate::domain::vocabulary::TypeWords;

/// Why a question cannot be planned, in words for the person who asked.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem(pub String);

/// Plans any question as a query, or declines it.
pub fn plan(question: &str, cx: &Context) -> Option<Outcome> {
    let mut words = Words::new(question);
    let mut cov = Coverage::new(&words);
    let mut subject = None;
    let built = build(&mut words, cx, &mut cov, &mut subject);
    let left_over = cov.left_over();
    Some(match built {
        Ok(planned) if left_over.is_empty() => Outcome::Planned(planned),
        Ok(_) => {
            let why = names::shared_by_several(&left_over, cx);
            suggest::decline(question, cx, Reading::of(&cov, subject, why))
        }
        Err(Problem(why)) => suggest::decline(question, cx, Reading::of(&cov, subject, Some(why))),
    })
}

/// Whether the question reads as a query with no meaningful word left over.
pub fn reads_fully(question: &str, cx: &Context) -> bool {
    let mut words = Words::new(question);
    let mut cov = Coverage::new(&words);
    build(&mut words, cx, &mut cov, &mut None).is_ok() && cov.left_over().is_empty()
}

fn build(
    words: &mut Words,
    cx: &Context,
    cov: &mut Coverage,
    subject_out: &mut Option<String>,
) -> Result<Planned, Problem> {
    if words.words.is_empty() {
        return Err(Problem("ask a question about the company's records".into()));
    }
    let mentions = names::mentions(words, cx);
    for mention in &mentions {
        cov.claim_range(mention.range, &name_of(mention, cx));
    }
    let dated = Dated::read(words, cx.today, cov);
    // Values are read from the words as they were before types were: "site visits" names both
    // touchpoints and their kind.
    let mut value_words = words.clone();
    let mut field_words = words.clone();
    let types = types::type_mentions(words, cx, cov);
    let ref_group = grouping::ref_group(words, &types, cx.schema, cx.vocabulary, cov);
    let grouped_by_type = match &ref_group {
        Some(group) => Some(group.target.clone()),
        None => types::grouping_type(words, &types),
    };
    let subject = types::subject(&types, &mentions, grouped_by_type.as_deref(), words, cx)?;
    *subject_out = Some(subject.clone());
    let record = cx
        .schema
        .get(&subject)
        .ok_or_else(|| Problem(format!("`{subject}` is not a record type")))?;
    let vocabulary = cx
        .vocabulary
        .types
        .get(&subject)
        .cloned()
        .unwrap_or_default();

    dated.claim_date_words(
        vocabulary.date.as_deref(),
        &suggest::plural(cx, &subject),
        cov,
    );
    let relation = whose::read(&field_words, record, &cx.vocabulary.relations)
        .or_else(|| relations::read(&field_words, record, cx.schema, &cx.vocabulary.relations));
    let mut filters = named_filters(&mentions, record, relation.as_ref(), words, cx, cov)?;
    filters.extend(dated.filters(vocabulary.date.as_deref(), &subject)?);
    let synonyms = synonyms(cx, &vocabulary);
    // "active projects" in a question about their orders describe the projects: read first.
    filters.extend(through::described_types(
        &mut value_words,
        record,
        &types,
        cx,
        cov,
    ));
    filters.extend(value_filters(&mut value_words, record, &synonyms, cov));
    filters.extend(units::filters(&mut value_words, record, cov));
    filters.extend(open_values::filters(
        &mut value_words,
        record,
        cx.labels,
        cov,
    ));
    filters.extend(through::people_by_role(&mut value_words, record, cx, cov));
    // A value's words name no field: "in progress" is active, not percent complete.
    roles::mark_read_by(&mut field_words, &value_words);
    filters.extend(deadlines::filter(words, record, cov));
    let own = relation
        .as_ref()
        .and_then(|r| r.mine(words, cx.people, cx.asker, cov))
        .or_else(|| mine(words, record, cx.people, cx.asker, cov));
    filters.extend(own);
    for filter in &filters {
        let field = filter.field.as_str();
        cov.claim(&[&spoken(field), &field.replace('_', " ")], &spoken(field));
    }
    // "active projects only", "only the rejected ones": "only" stresses a condition the plan
    // holds; without one it says something the plan does not do.
    if !filters.is_empty() {
        cov.claim(&["only", "solely", "exclusively"], "only those");
    }

    let mut group_by = grouping::group_by(
        words,
        (record, cx),
        &vocabulary,
        ref_group,
        grouped_by_type,
        cov,
    )?;
    if let Some(relation) = &relation {
        relation.group(&field_words, &filters, &mut group_by, cov);
    }
    if group_by.is_empty() {
        group_by.extend(implied::grouping(words, &types, record, cx, cov));
    }
    // A field named as a condition ("with an amount over 25000") or within a value ("in
    // progress") is not what is measured.
    let compared = compared::take_compared(words, &filters);
    let named = measure::named_number(&value_words, record, &vocabulary)
        .filter(|field| !compared.contains(field));
    let listed: Vec<(String, String)> = measure::named_fields(&value_words, record, &vocabulary)
        .into_iter()
        .filter(|(field, _)| {
            Some(field) != named.as_ref()
                && !filters.iter().any(|f| f.field == *field)
                && !group_by.iter().any(|g| g == field)
        })
        .collect();
    let reading = measure::Reading {
        record,
        named: named.clone(),
        amount: named.clone().or(vocabulary.amount.clone()),
        listed: listed.iter().map(|(field, _)| field.clone()).collect(),
        grouped: !group_by.is_empty(),
    };
    let mut cues = Cues::read(words);
    // "invoiced us the most", "billed": a verb of money that also names the type.
    cues.money |= MONEY
        .iter()
        .any(|w| vocabulary.words.iter().any(|t| t == w) && field_words.has(w));
    // "expenses per department": records named by a noun of money, broken down without a
    // count or rank asked, are their money.
    cues.money |= !group_by.is_empty()
        && !cues.how_many
        && !cues.ranked()
        && MONEY_NOUNS
            .iter()
            .any(|w| vocabulary.words.iter().any(|t| t == w) && field_words.has(w));
    let asked = measure::measures(words, &cues, &reading, cov)?;
    // The number named is claimed by the phrase that named it too ("largest contracts").
    let named_by = measure::named_fields(&field_words, record, &vocabulary)
        .into_iter()
        .filter(|(field, _)| Some(field) == named.as_ref());
    let claimed: Vec<(String, String)> = listed.iter().cloned().chain(named_by).collect();
    claim_fields(&asked, &named, &claimed, cov);
    let order = asked.first().and_then(|a| a.order.as_ref());
    filters.extend(grouping::ranked_groups(&group_by, order, &filters));
    Ok(parts(
        &subject,
        record,
        filters,
        group_by,
        asked,
        &field_words,
    ))
}

/// A record's name as the question gave it, for "I understood".
fn name_of(mention: &Mention, cx: &Context) -> String {
    cx.labels
        .label(&mention.record_type, &mention.key)
        .unwrap_or(&mention.key)
        .to_string()
}

/// The filters the named records put on the records asked about.
fn named_filters(
    mentions: &[Mention],
    record: &RecordType,
    relation: Option<&Relation>,
    words: &Words,
    cx: &Context,
    cov: &mut Coverage,
) -> Result<Vec<Filter>, Problem> {
    let mut filters = Vec::new();
    for mention in mentions {
        // "projects Diana manages": the person is the one the relation's field holds.
        if let Some(relation) = relation.filter(|r| r.target == mention.record_type) {
            relation.claim(cov);
            filters.push(relation.filter(&mention.key));
            continue;
        }
        // Through a record they refer to: invoices of a client's projects.
        let through = || {
            types::ref_through(record, &mention.record_type, cx.schema).map(|field| Filter {
                field,
                op: Op::Eq,
                value: serde_json::json!(mention.key),
            })
        };
        match mention_filter(mention, record, words, cov).or_else(through) {
            Some(filter) => filters.push(filter),
            // One word of a name may be a coincidence; a whole name is not.
            None if mention.partial => {}
            None => {
                return Err(Problem(format!(
                    "{} records do not refer to {} records, so I cannot narrow them to {}",
                    spoken(&record.name),
                    spoken(&mention.record_type),
                    name_of(mention, cx)
                )));
            }
        }
    }
    Ok(filters)
}

/// The phrases `ask.toml` gives for listed values, the type's own and the shared ones.
fn synonyms(cx: &Context, words: &TypeWords) -> Vec<(String, Vec<String>)> {
    words
        .values
        .iter()
        .chain(&cx.vocabulary.values)
        .map(|(phrase, values)| (phrase.clone(), values.clone()))
        .collect()
}

/// Claims the fields the measures use: the number named, the fields listed.
fn claim_fields(
    asked: &[Asked],
    named: &Option<String>,
    listed: &[(String, String)],
    cov: &mut Coverage,
) {
    for part in asked {
        let uses = |field: &str| match &part.measure {
            Measure::Count => false,
            Measure::Sum { field: f }
            | Measure::Average { field: f }
            | Measure::Min { field: f }
            | Measure::Max { field: f }
            | Measure::Median { field: f } => f == field,
            Measure::List { fields } => fields.iter().any(|f| f == field),
        } || part
            .order
            .as_ref()
            .and_then(|o| o.field.as_deref())
            == Some(field);
        if let Some(field) = named.as_deref().filter(|f| uses(f)) {
            cov.claim(&[&spoken(field), &field.replace('_', " ")], &spoken(field));
        }
        for (field, phrase) in listed {
            if uses(field) {
                cov.claim(&[phrase], &spoken(field));
            }
        }
    }
}

/// The plans: one per measure; "spend" on an approval workflow's records is the approved
/// ones, with every status beside it. `words` are the question's words before types were read
/// ("spend on" also names expenses).
fn parts(
    subject: &str,
    record: &RecordType,
    filters: Vec<Filter>,
    group_by: Vec<String>,
    asked: Vec<Asked>,
    words: &Words,
) -> Planned {
    // A number beside the first keeps the first's groups: it is neither ordered nor cut.
    let query = |asked: Asked, filters: Vec<Filter>, first: bool| {
        Plan::Query(Query {
            record: subject.to_string(),
            filters,
            group_by: group_by.clone(),
            measure: asked.measure,
            order: asked.order.filter(|_| first),
            limit: asked.limit.filter(|_| first),
        })
    };
    let spend = words.has_any(&["spend", "spent", "cost", "costs", "pay", "paid"]);
    if let [single] = asked.as_slice()
        && spend
        && matches!(single.measure, Measure::Sum { .. })
        && let Some((field, approved)) = approved_values(record)
        && !filters.iter().any(|f| f.field == field)
    {
        let mut only_approved = filters.clone();
        only_approved.push(Filter {
            field: field.clone(),
            op: Op::In,
            value: serde_json::json!(approved),
        });
        let listed: Vec<String> = approved.iter().map(|v| v.replace('_', " ")).collect();
        let note = format!(
            "\"Spend\" counts {} records whose {} is {}; the figure for every {} is given beside it.",
            spoken(subject),
            spoken(&field),
            listed.join(" or "),
            spoken(&field)
        );
        return Planned {
            parts: vec![
                Part {
                    plan: query(single.clone(), only_approved, true),
                    heading: Some(listed.join(" or ")),
                },
                Part {
                    plan: query(single.clone(), filters, false),
                    heading: Some(format!("every {}", spoken(&field))),
                },
            ],
            notes: vec![note],
        };
    }
    Planned {
        parts: asked
            .into_iter()
            .enumerate()
            .map(|(at, asked)| Part {
                plan: query(asked, filters.clone(), at == 0),
                heading: None,
            })
            .collect(),
        notes: Vec::new(),
    }
}
