//! A held-out set, written blind (without reading the planner, its vocabulary or the other
//! files' wordings) to measure how well the planner generalises beyond the questions it was tuned
//! on: every record type, time windows of several kinds, group-bys, top N, averages, comparisons
//! between two fields, people by name or role, "my …" as a field worker and as a manager,
//! compound questions, questions the records cannot answer and fields a field worker may not see.

use super::*;

/// Diana Brooks, a project manager: "my projects" are those she manages.
const DIANA_BROOKS: &str = "S016";
const LAST_YEAR: (&str, &str) = ("2025-01-01", "2025-12-31");
const SINCE_JUNE: (&str, &str) = ("2026-06-01", TODAY);

pub fn holdout(d: &Demo) -> Vec<Intent> {
    [
        invoices_and_orders(d),
        change_orders(d),
        expenses(d),
        hours(d),
        projects_and_clients(d),
        vendors_and_staff(d),
        unanswerable_and_hidden(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn invoices_and_orders(d: &Demo) -> Vec<Intent> {
    let inv = &d.invoices;
    let po = &d.purchase_orders;
    let vendor_name = |r: &Row| d.vendor(&r["vendor_id"])["name"].clone();
    let project_name = |r: &Row| d.project(&r["project_id"])["name"].clone();
    let q3_by = |field: &'static str| {
        money(sum(
            po,
            |r| within(&r[field], LAST_QUARTER.0, LAST_QUARTER.1),
            "amount",
        ))
    };
    let rebar = |r: &Row| r["vendor_id"] == "V026";
    let active_project = |r: &Row| d.project(&r["project_id"])["status"] == "active";
    let cobalt_projects: Vec<String> = d
        .projects
        .iter()
        .filter(|p| p["client_id"] == "C004")
        .map(|p| p["project_id"].clone())
        .collect();
    vec![
        intent(
            "holdout: invoiced last year",
            MORGAN,
            &[
                "What was our total invoiced amount last year?",
                "how much did vendors bill us in 2025",
                "sum of all the vendor invoices from last yr",
            ],
            how_much(
                inv,
                |r| within(&r["issued_date"], LAST_YEAR.0, LAST_YEAR.1),
                "amount",
            ),
        ),
        intent(
            "holdout: invoices since June",
            DANA,
            &[
                "how many invoices have come in since June?",
                "Number of invoices received since the start of June",
            ],
            how_many(inv, |r| {
                within(&r["issued_date"], SINCE_JUNE.0, SINCE_JUNE.1)
            }),
        ),
        intent(
            "holdout: overdue amount per vendor",
            DANA,
            &[
                "overdue invoice amounts by vendor",
                "For each supplier, how much is sitting in overdue invoices?",
            ],
            groups(
                sums_by(inv, is("status", "overdue"), vendor_name, "amount"),
                money,
            ),
        ),
        intent(
            "holdout: invoiced on Cobalt Logistics' projects",
            MORGAN,
            &[
                "total invoiced on projects for the client Cobalt Logistics",
                "how much have vendors invoiced across Cobalt Logistics jobs",
            ],
            how_much(
                inv,
                |r| cobalt_projects.contains(&r["project_id"]),
                "amount",
            ),
        ),
        intent(
            "holdout: purchase orders in Q3",
            MORGAN,
            &[
                "PO total for Q3 2026",
                "how much did we put on purchase orders in the third quarter",
                "value of purchase orders placed July through September",
            ],
            Expect::AnyOf(vec![
                Expect::Figures(vec![q3_by("ordered_date")]),
                Expect::Figures(vec![q3_by("requested_at")]),
                Expect::Figures(vec![q3_by("approved_at")]),
            ]),
        ),
        intent(
            "holdout: average PO with Midwest Rebar",
            MORGAN,
            &[
                "What's the average PO value with Midwest Rebar?",
                "midwest rebar avg purchase order amount",
            ],
            Expect::Figures(vec![money(mean(&values(po, rebar, |r| num(&r["amount"]))))]),
        ),
        intent(
            "holdout: top 3 active projects by purchase orders",
            MORGAN,
            &[
                "which 3 active projects have the most purchase orders by value",
                "top three active jobs by total PO amount",
            ],
            Expect::Set(largest(
                &sums_by(po, active_project, project_name, "amount"),
                3,
            )),
        ),
        intent(
            "holdout: purchase orders delivered late",
            MORGAN,
            &[
                "How many POs showed up later than promised?",
                "count of purchase orders delivered after their promised date",
            ],
            how_many(po, |r| {
                !r["delivered_date"].is_empty() && r["delivered_date"] > r["promised_date"]
            }),
        ),
    ]
}

fn change_orders(d: &Demo) -> Vec<Intent> {
    let co = &d.change_orders;
    let rejected_in = |field: &'static str| {
        count(number_of(co, |r| {
            r["status"] == "rejected" && within(&r[field], THIS_YEAR.0, THIS_YEAR.1)
        }))
    };
    let weather = |r: &Row| r["reason"] == "Weather damage repair";
    let weather_approved = |r: &Row| weather(r) && APPROVED.contains(&r["status"].as_str());
    let by_reason = |keep: fn(&Row) -> bool| {
        groups(sums_by(co, keep, |r| r["reason"].clone(), "amount"), money)
    };
    vec![
        intent(
            "holdout: change orders rejected this year",
            MORGAN,
            &[
                "how many change orders got rejected in 2026",
                "number of COs turned down this year",
                "this year, how many change orders were denied?",
            ],
            Expect::AnyOf(vec![
                Expect::Figures(vec![rejected_in("submitted_at")]),
                Expect::Figures(vec![rejected_in("decided_at")]),
            ]),
        ),
        intent(
            "holdout: change order dollars by reason",
            MORGAN,
            &[
                "change order dollars by reason",
                "break down change order amounts per reason",
            ],
            Expect::AnyOf(vec![
                by_reason(all),
                by_reason(|r| APPROVED.contains(&r["status"].as_str())),
            ]),
        ),
        intent(
            "holdout: weather damage change orders, count and total",
            MORGAN,
            &[
                "how many weather damage change orders have we had and what did they total?",
                "count and total of change orders for weather damage repair",
            ],
            Expect::AnyOf(vec![
                Expect::Figures(count_and_total(co, &weather)),
                Expect::Figures(count_and_total(co, &weather_approved)),
            ]),
        ),
        intent(
            "holdout: largest change order on Riverside Lofts",
            MORGAN,
            &[
                "biggest change order on Riverside Lofts Retrofit",
                "What's the largest CO we've had on the Riverside Lofts job?",
            ],
            Expect::Figures(vec![money(max(co, is("project_id", "P002"), "amount"))]),
        ),
        intent(
            "holdout: change orders Gus Usman submitted",
            MORGAN,
            &[
                "how many change orders has Gus Usman put in?",
                "count of COs submitted by Gus Usman",
                "Gus Usman change order submissions, how many",
            ],
            how_many(co, is("submitted_by", "S020")),
        ),
    ]
}

fn expenses(d: &Demo) -> Vec<Intent> {
    let ex = &d.expenses;
    let approved = |r: &Row| APPROVED.contains(&r["status"].as_str());
    let fuel_q3 =
        |r: &Row| r["category"] == "fuel" && within(&r["spent_on"], LAST_QUARTER.0, LAST_QUARTER.1);
    let this_year = |r: &Row| within(&r["spent_on"], THIS_YEAR.0, THIS_YEAR.1);
    let last_year = |r: &Row| within(&r["spent_on"], LAST_YEAR.0, LAST_YEAR.1);
    let last_month = |r: &Row| within(&r["spent_on"], LAST_MONTH.0, LAST_MONTH.1);
    let meals: Vec<f64> = values(ex, is("category", "meals"), |r| num(&r["amount"]));
    let staff_name = |r: &Row| d.name(&r["staff_id"]);
    let department = |r: &Row| d.person(&r["staff_id"])["department"].clone();
    let victor_this_year = |r: &Row| r["staff_id"] == VICTOR && this_year(r);
    vec![
        intent(
            "holdout: fuel spend last quarter",
            MORGAN,
            &[
                "what did we spend on fuel last quarter",
                "fuel expenses Q3 total",
                "How much went on fuel between July and September?",
            ],
            Expect::AnyOf(vec![
                how_much(ex, |r| fuel_q3(r) && approved(r), "amount"),
                how_much(ex, fuel_q3, "amount"),
            ]),
        ),
        intent(
            "holdout: expenses per category this year",
            DANA,
            &[
                "expense totals per category for 2026",
                "how much has been expensed in each category this year",
            ],
            Expect::AnyOf(vec![
                groups(
                    sums_by(ex, this_year, |r| r["category"].clone(), "amount"),
                    money,
                ),
                groups(
                    sums_by(
                        ex,
                        |r| this_year(r) && approved(r),
                        |r| r["category"].clone(),
                        "amount",
                    ),
                    money,
                ),
            ]),
        ),
        intent(
            "holdout: typical meal expense",
            MORGAN,
            &[
                "what's the typical meal expense?",
                "average amount of a meals expense claim",
                "avg meal expence",
            ],
            Expect::AnyOf(vec![
                Expect::Figures(vec![money(mean(&meals))]),
                Expect::Figures(vec![money(median(&meals))]),
            ]),
        ),
        intent(
            "holdout: three biggest spenders last year",
            MORGAN,
            &[
                "who were the three biggest spenders on expenses in 2025",
                "top 3 employees by expense total last year",
            ],
            Expect::AnyOf(vec![
                Expect::Set(largest(&sums_by(ex, last_year, staff_name, "amount"), 3)),
                Expect::Set(largest(
                    &sums_by(ex, |r| last_year(r) && approved(r), staff_name, "amount"),
                    3,
                )),
            ]),
        ),
        intent(
            "holdout: expenses per department last month",
            MORGAN,
            &[
                "expense totals per department last month",
                "how much did each department spend on expenses in October",
            ],
            Expect::AnyOf(vec![
                groups(sums_by(ex, last_month, department, "amount"), money),
                groups(
                    sums_by(ex, |r| last_month(r) && approved(r), department, "amount"),
                    money,
                ),
            ]),
        ),
        intent(
            "holdout: my expenses this year (field worker)",
            VICTOR,
            &[
                "how much have I claimed in expenses this year?",
                "my expenses total 2026",
                "what did i spend on expenses since january",
            ],
            Expect::AnyOf(vec![
                how_much(ex, victor_this_year, "amount"),
                how_much(ex, |r| victor_this_year(r) && approved(r), "amount"),
            ]),
        ),
        intent(
            "holdout: my rejected expenses (field worker)",
            VICTOR,
            &[
                "how many of my expense claims got turned down?",
                "number of my expenses that were rejected",
            ],
            how_many(ex, |r| r["staff_id"] == VICTOR && r["status"] == "rejected"),
        ),
    ]
}

fn hours(d: &Demo) -> Vec<Intent> {
    let te = &d.time_entries;
    let since_october = |r: &Row| within(&r["week_start"], LAST_MONTH.0, TODAY);
    let superintendents_november = |r: &Row| {
        d.person(&r["staff_id"])["role"] == "superintendent"
            && within(&r["week_start"], "2026-11-01", "2026-11-30")
    };
    vec![
        intent(
            "holdout: my hours last month (field worker)",
            VICTOR,
            &[
                "how many hours did I log in October?",
                "my hours last month",
                "total hrs i worked last month",
            ],
            Expect::Figures(vec![tenth(sum(
                te,
                |r| r["staff_id"] == VICTOR && within(&r["week_start"], LAST_MONTH.0, LAST_MONTH.1),
                "hours",
            ))]),
        ),
        intent(
            "holdout: hours on Bayview Medical Office",
            MORGAN,
            &[
                "how many hours has the team put into Bayview Medical Office",
                "total hours booked to Bayview Medical Office",
            ],
            Expect::Figures(vec![tenth(sum(te, is("project_id", "P001"), "hours"))]),
        ),
        intent(
            "holdout: most hours since October",
            MORGAN,
            &[
                "who has logged the most hours since October?",
                "Since the beginning of October, which employee put in the most hours",
            ],
            Expect::Top(leaders(
                &sums_by(te, since_october, |r| d.name(&r["staff_id"]), "hours"),
                false,
            )),
        ),
        intent(
            "holdout: superintendents' hours in November",
            MORGAN,
            &[
                "how many hours did superintendents log in November?",
                "total hours logged by our superintendents this month",
            ],
            Expect::Figures(vec![tenth(sum(te, superintendents_november, "hours"))]),
        ),
    ]
}

fn projects_and_clients(d: &Demo) -> Vec<Intent> {
    let pr = &d.projects;
    let tp = &d.touchpoints;
    let active = is("status", "active");
    let name = |r: &Row| r["name"].clone();
    let managed_by_diana: Vec<String> = pr
        .iter()
        .filter(|r| r["manager_id"] == DIANA_BROOKS)
        .map(name)
        .collect();
    let active_of_diana: Vec<String> = pr
        .iter()
        .filter(|r| r["manager_id"] == DIANA_BROOKS && r["status"] == "active")
        .map(name)
        .collect();
    let margin = |r: &Row| num(&r["contract_value"]) - num(&r["budget"]);
    let margins: BTreeMap<String, f64> = pr.iter().map(|r| (name(r), margin(r))).collect();
    let industry = |r: &Row| d.client(&r["client_id"])["industry"].clone();
    let q3_kinds = counts_by(
        tp,
        |r| within(&r["occurred_on"], LAST_QUARTER.0, LAST_QUARTER.1),
        |r| r["kind"].clone(),
    );
    let clients_per_manager = counts_by(&d.clients, all, |r| d.name(&r["account_manager_id"]));
    vec![
        intent(
            "holdout: budget of active projects",
            DANA,
            &[
                "what's the combined budget of all our active jobs",
                "sum of budgets for active projects",
                "total budget, active projects only",
            ],
            how_much(pr, active, "budget"),
        ),
        intent(
            "holdout: average completion of active projects",
            MORGAN,
            &[
                "on average how far along are our active projects?",
                "average percent complete for active projects",
            ],
            Expect::Figures(vec![rough(mean(&values(
                pr,
                is("status", "active"),
                |r| num(&r["percent_complete"]),
            )))]),
        ),
        intent(
            "holdout: projects Diana Brooks manages",
            MORGAN,
            &[
                "which projects does Diana Brooks manage?",
                "list Diana Brooks's projects",
            ],
            Expect::Set(managed_by_diana.clone()),
        ),
        intent(
            "holdout: my projects (project manager)",
            DIANA_BROOKS,
            &[
                "which projects am I managing?",
                "my projects",
                "list my active projects",
            ],
            Expect::AnyOf(vec![
                Expect::Set(managed_by_diana),
                Expect::Set(active_of_diana),
            ]),
        ),
        intent(
            "holdout: largest margin between contract value and budget",
            MORGAN,
            &[
                "which project has the biggest gap between contract value and budget",
                "project with the highest contract value minus budget",
            ],
            Expect::Top(leaders(&margins, false)),
        ),
        intent(
            "holdout: projects per client industry",
            MORGAN,
            &[
                "number of projects per client industry",
                "how many projects have we done for each industry",
            ],
            // "have we done" may mean the completed ones.
            Expect::AnyOf(vec![
                groups(counts_by(pr, all, industry), count),
                groups(counts_by(pr, is("status", "completed"), industry), count),
            ]),
        ),
        intent(
            "holdout: site visits in September",
            MORGAN,
            &[
                "how many site visits did we make in September?",
                "september site visit count",
                "number of client site-visits in Sept",
            ],
            how_many(tp, |r| {
                r["kind"] == "site_visit" && within(&r["occurred_on"], "2026-09-01", "2026-09-30")
            }),
        ),
        intent(
            "holdout: touchpoints with Brightwater Hotels since June",
            MORGAN,
            &[
                "How many times have we been in touch with Brightwater Hotels since June?",
                "brightwater hotels touchpoints since june",
            ],
            how_many(tp, |r| {
                r["client_id"] == "C003" && within(&r["occurred_on"], SINCE_JUNE.0, SINCE_JUNE.1)
            }),
        ),
        intent(
            "holdout: touchpoints by kind last quarter",
            MORGAN,
            &[
                "client touchpoints by type last quarter",
                "how many calls, emails, meetings, site visits and tickets did we have with clients in Q3",
            ],
            // Naming every kind may ask for their total as well as for each.
            Expect::AnyOf(vec![
                Expect::Figures(vec![count(q3_kinds.values().sum())]),
                groups(q3_kinds, count),
            ]),
        ),
        intent(
            "holdout: account manager with the most clients",
            MORGAN,
            &[
                "which account manager has the most clients?",
                "who looks after the largest number of client accounts",
            ],
            Expect::Top(leaders(&clients_per_manager, false)),
        ),
        intent(
            "holdout: clients since before 2019",
            MORGAN,
            &[
                "how many clients have been with us since before 2019?",
                "number of clients whose relationship started before 2019",
            ],
            how_many(&d.clients, |r| r["client_since"].as_str() < "2019-01-01"),
        ),
    ]
}

fn vendors_and_staff(d: &Demo) -> Vec<Intent> {
    let net_60: Vec<String> = d
        .vendors
        .iter()
        .filter(|r| r["payment_terms_days"] == "60")
        .map(|r| r["name"].clone())
        .collect();
    let rachel = d.staff_id("Rachel Kim");
    let reports: Vec<String> = d
        .staff
        .iter()
        .filter(|r| r["manager_id"] == rachel)
        .map(|r| r["name"].clone())
        .collect();
    vec![
        intent(
            "holdout: preferred vendors",
            MORGAN,
            &[
                "how many preferred vendors do we have",
                "number of preferred suppliers",
            ],
            how_many(&d.vendors, is("preferred", "true")),
        ),
        intent(
            "holdout: vendors on 60-day terms",
            DANA,
            &[
                "which vendors have 60 day payment terms",
                "list the suppliers with payment terms of 60 days",
            ],
            Expect::Set(net_60),
        ),
        intent(
            "holdout: electricians on staff",
            MORGAN,
            &[
                "how many electricians do we employ?",
                "number of electricians on staff",
            ],
            how_many(&d.staff, is("title", "Electrician")),
        ),
        intent(
            "holdout: who reports to Rachel Kim",
            MORGAN,
            &[
                "who reports to Rachel Kim?",
                "list the people whose manager is Rachel Kim",
            ],
            Expect::Set(reports),
        ),
    ]
}

fn unanswerable_and_hidden() -> Vec<Intent> {
    vec![
        intent(
            "holdout: not in the records",
            MORGAN,
            &[
                "How many safety incidents were reported on Riverside Lofts Retrofit this year?",
                "what's the average salary of a foreman?",
                "which subcontractors have expired insurance certificates?",
                "what's the weather forecast for the Bayview Medical Office site tomorrow",
            ],
            Expect::Declined,
        ),
        intent(
            "holdout: approval limit (field worker)",
            VICTOR,
            &[
                "what's Rachel Kim's approval limit?",
                "how much can Luis Ortega approve up to",
            ],
            Expect::Refused,
        ),
        intent(
            "holdout: capacity (field worker)",
            VICTOR,
            &[
                "what's Gus Usman's weekly capacity in hours?",
                "weekly capacity hours of the superintendents",
            ],
            Expect::Refused,
        ),
        intent(
            "holdout: others' hours and expenses (field worker)",
            VICTOR,
            &[
                "how many hours did Paula Fischer log last month?",
                "total company expenses last year",
            ],
            Expect::Refused,
        ),
    ]
}
