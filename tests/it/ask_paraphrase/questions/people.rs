//! Clients, people and hours: engagement, industries, the directory, roles named as people say
//! them, hours summed (not counted) and the capacity insight.

use super::*;

pub fn clients_and_people(d: &Demo) -> Vec<Intent> {
    let tp = &d.touchpoints;
    // The change from the 90 days before the last 90 to the last 90: the largest drop first.
    let engagement = grouped(
        tp,
        |r| within(&r["occurred_on"], PREVIOUS_90_DAYS.0, TODAY),
        |r| d.client(&r["client_id"])["name"].clone(),
        |r| {
            if r["occurred_on"].as_str() >= LAST_90_DAYS.0 {
                1.0
            } else {
                -1.0
            }
        },
    );
    let per_industry = counts_by(&d.clients, all, |r| r["industry"].clone());
    let per_manager = counts_by(&d.clients, all, |r| d.name(&r["account_manager_id"]));
    let site_visits = |r: &Row| {
        r["kind"] == "site_visit" && within(&r["occurred_on"], LAST_MONTH.0, LAST_MONTH.1)
    };
    let by_kind = counts_by(
        tp,
        |r| within(&r["occurred_on"], THIS_YEAR.0, THIS_YEAR.1),
        |r| r["kind"].clone(),
    );
    let meridian = |from: &'static str| {
        move |r: &Row| r["client_id"] == "C001" && within(&r["occurred_on"], from, TODAY)
    };
    // "the last 90 days" counts today, or not.
    let healthcare = d
        .clients
        .iter()
        .filter(|c| c["industry"] == "healthcare")
        .map(|c| c["name"].clone())
        .collect();
    let per_department = counts_by(&d.staff, all, |r| r["department"].clone());
    let rachel = d.staff_id("Rachel Kim");
    let reports = d
        .staff
        .iter()
        .filter(|s| s["manager_id"] == rachel)
        .map(|s| s["name"].clone())
        .collect();
    vec![
        intent(
            "clients we are losing touch with",
            MORGAN,
            &[
                "Which clients are we losing touch with?",
                "client engagement",
                "who have we stopped talking to among our clients",
                "which client has gone quiet lately",
            ],
            Expect::Top(leaders(&reduce(engagement, total), true)),
        ),
        intent(
            "clients per industry",
            MORGAN,
            &[
                "How many clients per industry?",
                "clients by industry",
                "client count grouped by industry",
            ],
            groups(per_industry, count),
        ),
        intent(
            "account manager with the most clients",
            MORGAN,
            &[
                "Which account manager has the most clients?",
                "who manages the most client accounts",
                "account manager with the largest number of clients",
            ],
            Expect::Top(leaders(&per_manager, false)),
        ),
        intent(
            "site visits last month",
            MORGAN,
            &[
                "How many site visits did we do last month?",
                "number of site visits in October",
                "site visit count for last month",
            ],
            how_many(tp, site_visits),
        ),
        intent(
            "touchpoints by kind this year",
            MORGAN,
            &[
                "touchpoints by type this year",
                "how many client interactions of each kind in 2026",
                "breakdown of client touchpoints by kind this year",
            ],
            groups(by_kind, count),
        ),
        intent(
            "Meridian touchpoints in the last 90 days",
            MORGAN,
            &[
                "How many touchpoints with Meridian Health Partners in the last 90 days?",
                "meridian interactions past 90 days",
                "how often have we been in contact with Meridian in the last 90 days",
            ],
            Expect::AnyOf(vec![
                how_many(tp, meridian(LAST_90_DAYS.0)),
                how_many(tp, meridian("2026-08-26")),
            ]),
        ),
        intent(
            "healthcare clients",
            MORGAN,
            &[
                "Which clients are in healthcare?",
                "list our healthcare clients",
                "healthcare industry clients",
            ],
            Expect::Set(healthcare),
        ),
        intent(
            "people in the Field department",
            MORGAN,
            &[
                "How many people work in the Field department?",
                "headcount in field",
                "how many employees are in the field dept",
            ],
            how_many(&d.staff, is("department", "Field")),
        ),
        intent(
            "who is the CFO",
            MORGAN,
            &[
                "Who is the CFO?",
                "who's our chief financial officer",
                "name of the CFO",
            ],
            Expect::Set(vec![d.name(DANA)]),
        ),
        intent(
            "headcount by department",
            MORGAN,
            &[
                "headcount by department",
                "how many employees in each department",
                "staff per department",
            ],
            groups(per_department, count),
        ),
        intent(
            "Rachel Kim's approval limit",
            MORGAN,
            &[
                "What is Rachel Kim's approval limit?",
                "rachel kim approval limit",
                "how much can Rachel Kim approve",
            ],
            Expect::Figures(vec![money(num(&d.person(&rachel)["approval_limit"]))]),
        ),
        intent(
            "Rachel Kim's direct reports",
            MORGAN,
            &[
                "Who reports to Rachel Kim?",
                "Rachel Kim's direct reports",
                "which staff have Rachel Kim as their manager",
            ],
            Expect::Set(reports),
        ),
        intent(
            "superintendents",
            MORGAN,
            &[
                "How many superintendents do we have?",
                "number of superintendents",
                "count the supers",
            ],
            how_many(&d.staff, is("role", "superintendent")),
        ),
    ]
}

pub fn hours(d: &Demo) -> Vec<Intent> {
    let te = &d.time_entries;
    let last_month = |r: &Row| within(&r["week_start"], LAST_MONTH.0, LAST_MONTH.1);
    let per_person = sums_by(te, last_month, |r| d.name(&r["staff_id"]), "hours");
    let bayview = |r: &Row| r["project_id"] == "P001";
    let per_project = sums_by(
        te,
        all,
        |r| d.project(&r["project_id"])["name"].clone(),
        "hours",
    );
    vec![
        intent(
            "hours per person last month",
            MORGAN,
            &[
                "hours logged per person last month",
                "how many hours did each person log in October",
                "total hours by employee for last month",
            ],
            groups(per_person, tenth),
        ),
        intent(
            "hours on Bayview Medical Office",
            MORGAN,
            &[
                "How many hours have been logged on Bayview Medical Office?",
                "total hours on the Bayview project",
                "hours booked to Bayview Medical",
            ],
            Expect::Figures(vec![tenth(sum(te, bayview, "hours"))]),
        ),
        intent(
            "the busiest role",
            MORGAN,
            &[
                "Which role is the busiest?",
                "capacity by role",
                "which job role is most stretched for time",
                "who's overloaded compared to their capacity, by role",
            ],
            Expect::Top(vec![busiest_role(d)]),
        ),
        intent(
            "top 5 projects by hours",
            MORGAN,
            &[
                "top 5 projects by hours logged",
                "which five projects took the most hours",
                "projects with the most hours, top 5",
            ],
            Expect::Set(largest(&per_project, 5)),
        ),
    ]
}

/// The role whose people logged the largest share of their weekly capacity, over the weeks
/// that have hours (people who logged none are left out: they may not keep timesheets).
fn busiest_role(d: &Demo) -> String {
    let te = &d.time_entries;
    let weeks: std::collections::BTreeSet<&str> =
        te.iter().map(|r| r["week_start"].as_str()).collect();
    let logged = sums_by(te, all, |r| r["staff_id"].clone(), "hours");
    let load = grouped(
        &d.staff,
        |s| logged.contains_key(&s["staff_id"]),
        |s| s["role"].clone(),
        |s| logged[&s["staff_id"]] / weeks.len() as f64 / num(&s["weekly_capacity_hours"]),
    );
    let busiest = leaders(&reduce(load, mean), false);
    busiest[0].clone()
}
