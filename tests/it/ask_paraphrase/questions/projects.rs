//! Projects: statuses and their synonyms, budgets, who manages them, their clients' industries,
//! the budget burn insight, and a schedule the records only half hold.

use super::*;

/// Projects whose spend (invoices) divided by their share complete exceeds their budget.
fn over_budget(d: &Demo) -> Vec<String> {
    let spend = sums_by(&d.invoices, all, |r| r["project_id"].clone(), "amount");
    d.projects
        .iter()
        .filter(|p| p["status"] == "active" && num(&p["percent_complete"]) > 0.0)
        .filter(|p| {
            let spent = spend.get(&p["project_id"]).copied().unwrap_or(0.0);
            spent / (num(&p["percent_complete"]) / 100.0) > num(&p["budget"])
        })
        .map(|p| p["name"].clone())
        .collect()
}

pub fn projects(d: &Demo) -> Vec<Intent> {
    let pr = &d.projects;
    let active = is("status", "active");
    let per_manager = counts_by(pr, all, |r| d.name(&r["manager_id"]));
    let per_industry = counts_by(pr, all, |r| d.client(&r["client_id"])["industry"].clone());
    let contract = sums_by(pr, all, |r| r["name"].clone(), "contract_value");
    let diana = d.staff_id("Diana Brooks");
    let late = |r: &Row| r["status"] == "active" && r["planned_end"].as_str() < TODAY;
    let names = |keep: &dyn Fn(&Row) -> bool| {
        pr.iter()
            .filter(|r| keep(r))
            .map(|r| r["name"].clone())
            .collect()
    };
    let over = over_budget(d);
    vec![
        intent(
            "active projects",
            MORGAN,
            &[
                "How many projects are active?",
                "number of live projects",
                "how many jobs are in progress right now",
                "count of active projects",
                "how many projects are we currently running",
            ],
            how_many(pr, &active),
        ),
        intent(
            "completed projects",
            MORGAN,
            &[
                "How many projects have we completed?",
                "number of finished projects",
                "how many jobs are done",
            ],
            how_many(pr, is("status", "completed")),
        ),
        intent(
            "projects on hold",
            MORGAN,
            &[
                "Which projects are on hold?",
                "any projects paused right now?",
                "list projects with status on hold",
            ],
            Expect::Nothing,
        ),
        intent(
            "budget of active projects",
            MORGAN,
            &[
                "What's the total budget of our active projects?",
                "combined budget for all active projects",
                "sum of budgets across projects in progress",
            ],
            how_much(pr, &active, "budget"),
        ),
        intent(
            "projects per manager",
            MORGAN,
            &[
                "How many projects does each project manager run?",
                "projects per PM",
                "number of projects by manager",
            ],
            groups(per_manager, count),
        ),
        intent(
            "top 3 projects by contract value",
            MORGAN,
            &[
                "top 3 projects by contract value",
                "three biggest projects by contract value",
                "which 3 projects have the largest contracts",
            ],
            Expect::Set(largest(&contract, 3)),
        ),
        intent(
            "projects going over budget",
            MORGAN,
            &[
                "Which projects will go over budget?",
                "projects projected to overrun their budget",
                "which jobs are heading over budget",
                "are any projects going to blow their budget?",
            ],
            Expect::Set(over.clone()),
        ),
        intent(
            "budget burn",
            MORGAN,
            &[
                "budget burn by project",
                "how is spending tracking against budget on each project",
                "show me budget vs spend for our projects",
            ],
            Expect::Top(over),
        ),
        intent(
            "projects per client industry",
            MORGAN,
            &[
                "how many projects per client industry",
                "projects by industry of the client",
                "number of projects for each client industry",
            ],
            groups(per_industry, count),
        ),
        intent(
            "average percent complete of active projects",
            MORGAN,
            &[
                "average percent complete of active projects",
                "how far along are active projects on average",
                "mean completion percentage for projects in progress",
            ],
            Expect::Figures(vec![tenth(mean(&values(pr, &active, |r| {
                num(&r["percent_complete"])
            })))]),
        ),
        intent(
            "projects behind schedule",
            MORGAN,
            &[
                "Which projects are behind schedule?",
                "what jobs are running late",
                "projects that are behind",
            ],
            Expect::AnyOf(vec![Expect::Declined, Expect::Set(names(&late))]),
        ),
        intent(
            "Diana Brooks's projects",
            MORGAN,
            &[
                "Which projects does Diana Brooks manage?",
                "list Diana Brooks's projects",
                "projects where Diana Brooks is the PM",
            ],
            Expect::Set(names(&|r: &Row| r["manager_id"] == diana)),
        ),
    ]
}
