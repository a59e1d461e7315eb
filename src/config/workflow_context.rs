//! A workflow's `[[context]]` list: the facts its cards show, each bound to a form field,
//! checked against the form and records.toml so that a fact that could never be computed is a
//! problem at `keel check`, not a silent gap on every card.

use super::Problem;
use super::workflow_check::Check;
use crate::domain::{ContextSpec, FactKind, FieldType};
use serde::Deserialize;
use toml::Spanned;

/// One `[[context]]` entry as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ContextFile {
    pub fact: Spanned<String>,
    pub field: Option<Spanned<String>>,
    #[serde(default)]
    pub by: Vec<Spanned<String>>,
    pub months: Option<Spanned<u32>>,
    pub amount: Option<Spanned<String>>,
}

/// What `requester` means in `by`.
pub const REQUESTER: &str = "requester";

/// Months similar decisions look back when `months` is not given.
const DEFAULT_MONTHS: u32 = 12;

/// The record fields a fact reads besides the request's form, per fact: the ref field's target
/// type it needs, and the other types' fields.
fn needs(
    fact: FactKind,
) -> (
    Option<&'static str>,
    &'static [(&'static str, &'static str)],
) {
    match fact {
        FactKind::Budget => (
            Some("project"),
            &[
                ("project", "budget"),
                ("project", "percent_complete"),
                ("invoice", "project_id"),
                ("invoice", "amount"),
            ],
        ),
        FactKind::VendorReliability => (
            Some("vendor"),
            &[
                ("purchase_order", "vendor_id"),
                ("purchase_order", "promised_date"),
                ("purchase_order", "delivered_date"),
            ],
        ),
        FactKind::RequestsSoFar | FactKind::SimilarDecisions | FactKind::RequesterSpend => {
            (None, &[])
        }
    }
}

impl Check<'_> {
    pub(super) fn context(
        &self,
        raw: &[ContextFile],
        problems: &mut Vec<Problem>,
    ) -> Vec<ContextSpec> {
        raw.iter()
            .filter_map(|entry| self.context_entry(entry, problems))
            .collect()
    }

    fn context_entry(&self, raw: &ContextFile, problems: &mut Vec<Problem>) -> Option<ContextSpec> {
        let known: Vec<&str> = FactKind::ALL.iter().map(|k| k.name()).collect();
        let Some(fact) = FactKind::parse(raw.fact.get_ref()) else {
            problems.push(self.source.at(
                &raw.fact,
                format!(
                    "context fact `{}` is not one keel knows",
                    raw.fact.get_ref()
                ),
                format!("use one of: {}", known.join(", ")),
            ));
            return None;
        };
        let before = problems.len();
        let (target, reads) = needs(fact);
        let wants_field = matches!(
            fact,
            FactKind::Budget | FactKind::RequestsSoFar | FactKind::VendorReliability
        );
        match (&raw.field, wants_field) {
            (Some(field), true) => self.ref_field(fact, field, target, problems),
            (None, true) => problems.push(self.source.at(
                &raw.fact,
                format!("context fact `{}` needs a `field`", fact.name()),
                "name the form's ref field it is about, e.g. field = \"project\"",
            )),
            (Some(field), false) => problems.push(self.source.at(
                field,
                format!("context fact `{}` takes no `field`", fact.name()),
                match fact {
                    FactKind::SimilarDecisions => "use by = [\"project\", \"requester\"]",
                    _ => "remove it",
                },
            )),
            (None, false) => {}
        }
        for (record_type, field) in reads {
            if self
                .schema
                .get(record_type)
                .and_then(|t| t.field(field))
                .is_none()
            {
                problems.push(self.source.at(
                    &raw.fact,
                    format!(
                        "context fact `{}` reads {record_type}.{field}, which records.toml does not declare",
                        fact.name()
                    ),
                    "declare it, or remove the fact",
                ));
            }
        }
        if fact == FactKind::SimilarDecisions && raw.by.is_empty() {
            problems.push(self.source.at(
                &raw.fact,
                "context fact `similar_decisions` needs `by`",
                "what makes a past request similar, e.g. by = [\"project\"] or [\"requester\"]",
            ));
        }
        for by in &raw.by {
            let name = by.get_ref();
            let is_ref = matches!(
                self.workflow.field(name).map(|f| &f.field_type),
                Some(FieldType::Ref(_))
            );
            if fact != FactKind::SimilarDecisions || !(is_ref || name == REQUESTER) {
                problems.push(self.source.at(
                    by,
                    format!("`by = {name}` is not a ref field of this form nor `requester`"),
                    "only similar_decisions takes `by`: ref fields of the form, or requester",
                ));
            }
        }
        let amount = raw
            .amount
            .as_ref()
            .map_or("amount".to_string(), |a| a.get_ref().clone());
        if !matches!(
            self.workflow.field(&amount).map(|f| &f.field_type),
            Some(FieldType::Money)
        ) {
            let message = format!("context amount `{amount}` is not a money field of this form");
            let hint = "name the money field added up, e.g. amount = \"amount\"";
            problems.push(match &raw.amount {
                Some(spanned) => self.source.at(spanned, message, hint),
                None => self.source.at(&raw.fact, message, hint),
            });
        }
        let months = raw.months.as_ref().map_or(DEFAULT_MONTHS, |m| *m.get_ref());
        if let Some(spanned) = &raw.months
            && !(1..=120).contains(&months)
        {
            problems.push(self.source.at(
                spanned,
                "context months must be between 1 and 120",
                "12 looks back a year",
            ));
        }
        (problems.len() == before).then(|| ContextSpec {
            fact,
            field: raw.field.as_ref().map(|f| f.get_ref().clone()),
            by: raw.by.iter().map(|b| b.get_ref().clone()).collect(),
            months,
            amount,
        })
    }

    /// `field` must be a ref field of the form, to `target` when the fact needs one type.
    fn ref_field(
        &self,
        fact: FactKind,
        field: &Spanned<String>,
        target: Option<&str>,
        problems: &mut Vec<Problem>,
    ) {
        let name = field.get_ref();
        match self.workflow.field(name).map(|f| &f.field_type) {
            Some(FieldType::Ref(to)) if target.is_none_or(|t| t == to) => {}
            _ => problems.push(self.source.at(
                field,
                match target {
                    Some(t) => format!(
                        "context fact `{}`: `{name}` is not a ref({t}) field of this form",
                        fact.name()
                    ),
                    None => format!(
                        "context fact `{}`: `{name}` is not a ref field of this form",
                        fact.name()
                    ),
                },
                "name a form field of type ref(...)",
            )),
        }
    }
}
