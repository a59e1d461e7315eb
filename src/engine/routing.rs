//! Approver routing: turning a chain step's approver specs into the people who approve it.

use crate::domain::field::money_of;
use crate::domain::{ApproverSpec, Directory, Fields, Person, StepSpec};
use std::collections::BTreeMap;

/// What routing reads about one submission.
pub struct RoutingInput<'a> {
    pub directory: &'a Directory,
    pub requester: &'a Person,
    pub form: &'a Fields,
    /// Referenced records by form field name (`project` → the project record's fields).
    pub refs: &'a BTreeMap<String, Fields>,
}

/// Resolves a step to staff ids, in spec order, without duplicates.
///
/// A requester never approves their own request: when a spec resolves to the requester, their
/// manager takes that place (a project manager's own change order goes to their director).
pub fn resolve_step(spec: &StepSpec, input: &RoutingInput) -> Result<Vec<String>, String> {
    let mut approvers: Vec<String> = Vec::new();
    for approver in &spec.approvers {
        for id in resolve_spec(approver, input)? {
            let id = if id == input.requester.id {
                input
                    .requester
                    .manager_id
                    .clone()
                    .filter(|m| *m != input.requester.id)
                    .ok_or_else(|| {
                        format!(
                            "step `{}` would be approved by the requester, who has no manager to take it",
                            spec.name
                        )
                    })?
            } else {
                id
            };
            if !approvers.contains(&id) {
                approvers.push(id);
            }
        }
    }
    if approvers.is_empty() {
        return Err(format!("step `{}` has no approver", spec.name));
    }
    Ok(approvers)
}

fn resolve_spec(spec: &ApproverSpec, input: &RoutingInput) -> Result<Vec<String>, String> {
    let directory = input.directory;
    let active = |id: &str| directory.get(id).filter(|p| p.active).map(|p| p.id.clone());
    match spec {
        ApproverSpec::Person(id) => active(id)
            .map(|id| vec![id])
            .ok_or_else(|| format!("approver {id} is not an active person in the directory")),
        ApproverSpec::Role(role) => {
            let holders: Vec<String> = directory
                .people()
                .into_iter()
                .filter(|p| p.role == *role)
                .map(|p| p.id.clone())
                .collect();
            if holders.is_empty() {
                Err(format!("nobody active holds the role `{role}`"))
            } else {
                Ok(holders)
            }
        }
        ApproverSpec::ManagerOfRequester => input
            .requester
            .manager_id
            .as_deref()
            .and_then(active)
            .map(|id| vec![id])
            .ok_or_else(|| {
                format!(
                    "{} has no active manager in the directory",
                    input.requester.name
                )
            }),
        ApproverSpec::RecordField {
            form_field,
            record_field,
        } => {
            let person = input
                .refs
                .get(form_field)
                .and_then(|record| record.get(record_field))
                .and_then(|v| v.as_str())
                .ok_or_else(|| format!("the {form_field} has no {record_field} to route to"))?;
            active(person).map(|id| vec![id]).ok_or_else(|| {
                format!("{form_field}.{record_field} names {person}, who is not an active person")
            })
        }
        ApproverSpec::Authority {
            amount_field,
            roles,
        } => {
            let amount = money_of(input.form, amount_field).ok_or_else(|| {
                format!("the request has no {amount_field} to match an approval limit")
            })?;
            directory
                .people()
                .into_iter()
                .filter(|p| roles.is_empty() || roles.contains(&p.role))
                .filter(|p| p.approval_limit >= amount && p.id != input.requester.id)
                .min_by(|a, b| {
                    a.approval_limit
                        .cmp(&b.approval_limit)
                        .then(a.id.cmp(&b.id))
                })
                .map(|p| vec![p.id.clone()])
                .ok_or_else(|| format!("nobody's approval limit covers {amount}"))
        }
    }
}

/// Shared with the policy replay's tests, which route through the same directory.
#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::Quorum;
    use rust_decimal::Decimal;

    pub(crate) fn person(id: &str, role: &str, manager: Option<&str>, limit: i64) -> Person {
        Person {
            id: id.into(),
            name: format!("Person {id}"),
            email: None,
            role: role.into(),
            title: None,
            manager_id: manager.map(Into::into),
            approval_limit: Decimal::from(limit),
            chat: Default::default(),
            active: true,
        }
    }

    pub(crate) fn directory() -> Directory {
        Directory::new(
            vec![
                person("S001", "ceo", None, 1_000_000),
                person("S002", "cfo", Some("S001"), 250_000),
                person("S003", "coo", Some("S001"), 150_000),
                person("S004", "ops_director", Some("S003"), 50_000),
                person("S009", "project_manager", Some("S004"), 15_000),
                person("S023", "superintendent", Some("S009"), 2_500),
            ],
            vec!["ceo".into()],
        )
    }

    fn step(approvers: Vec<ApproverSpec>) -> StepSpec {
        StepSpec {
            name: "approve".into(),
            approvers,
            quorum: Quorum::Any,
        }
    }

    fn route(spec: ApproverSpec, requester: &str, amount: &str) -> Result<Vec<String>, String> {
        let directory = directory();
        let requester = directory.get(requester).unwrap().clone();
        let mut form = Fields::new();
        form.insert("amount".into(), amount.into());
        let mut project = Fields::new();
        project.insert("manager_id".into(), "S009".into());
        let refs = BTreeMap::from([("project".to_string(), project)]);
        let input = RoutingInput {
            directory: &directory,
            requester: &requester,
            form: &form,
            refs: &refs,
        };
        resolve_step(&step(vec![spec]), &input)
    }

    #[test]
    fn authority_picks_the_lowest_limit_that_covers_the_amount() {
        let roles = vec![
            "ops_director".into(),
            "coo".into(),
            "cfo".into(),
            "ceo".into(),
        ];
        let authority = |amount: &str| {
            route(
                ApproverSpec::Authority {
                    amount_field: "amount".into(),
                    roles: roles.clone(),
                },
                "S023",
                amount,
            )
        };
        assert_eq!(authority("18000.00"), Ok(vec!["S004".into()]));
        assert_eq!(authority("50000.00"), Ok(vec!["S004".into()]));
        assert_eq!(authority("50000.01"), Ok(vec!["S003".into()]));
        assert_eq!(authority("194294.46"), Ok(vec!["S002".into()]));
        assert_eq!(authority("900000.00"), Ok(vec!["S001".into()]));
        assert!(
            authority("2000000.00")
                .unwrap_err()
                .contains("nobody's approval limit")
        );
    }

    #[test]
    fn record_fields_roles_and_managers_resolve_to_people() {
        let pm = ApproverSpec::RecordField {
            form_field: "project".into(),
            record_field: "manager_id".into(),
        };
        assert_eq!(route(pm, "S023", "9000.00"), Ok(vec!["S009".into()]));
        assert_eq!(
            route(ApproverSpec::Role("cfo".into()), "S023", "1.00"),
            Ok(vec!["S002".into()])
        );
        assert_eq!(
            route(ApproverSpec::ManagerOfRequester, "S023", "1.00"),
            Ok(vec!["S009".into()])
        );
        assert!(route(ApproverSpec::Role("astronaut".into()), "S023", "1.00").is_err());
    }

    #[test]
    fn a_requester_routed_to_themselves_goes_to_their_manager() {
        let pm = ApproverSpec::RecordField {
            form_field: "project".into(),
            record_field: "manager_id".into(),
        };
        assert_eq!(route(pm, "S009", "9000.00"), Ok(vec!["S004".into()]));
    }
}
