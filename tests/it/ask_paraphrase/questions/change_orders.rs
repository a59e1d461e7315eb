//! Change orders: statuses said many ways, spend meaning approved, month ranges, a count and a
//! total together, grouping by the project's manager, and the anomalies insight.

use super::*;

/// Either reading of "approved": decided by a person, or also approved automatically.
fn approved_either(
    rows: &[Row],
    keep: impl Fn(&Row) -> bool,
    measure: impl Fn(&[Row], &dyn Fn(&Row) -> bool) -> Vec<Figure>,
) -> Expect {
    let by_person = |r: &Row| keep(r) && r["status"] == "approved";
    let any = |r: &Row| keep(r) && APPROVED.contains(&r["status"].as_str());
    Expect::AnyOf(vec![
        Expect::Figures(measure(rows, &by_person)),
        Expect::Figures(measure(rows, &any)),
    ])
}

pub fn change_orders(d: &Demo) -> Vec<Intent> {
    let co = &d.change_orders;
    let submitted_in =
        |from: &'static str, to: &'static str| move |r: &Row| within(&r["submitted_at"], from, to);
    let by_pm = counts_by(co, all, |r| {
        d.name(&d.project(&r["project_id"])["manager_id"])
    });
    let by_reason = counts_by(co, all, |r| r["reason"].clone());
    let pending = is("status", "pending");
    vec![
        intent(
            "change orders auto-approved",
            MORGAN,
            &[
                "How many change orders were auto-approved?",
                "how many change orders got auto approved",
                "number of change orders approved automatically",
                "how many COs went through automatically",
                "count of autoapproved change orders",
                "change orders that were approved without anyone signing off: how many?",
            ],
            how_many(co, is("status", "auto_approved")),
        ),
        intent(
            "change orders rejected",
            MORGAN,
            &[
                "How many change orders were rejected?",
                "how many change orders got turned down",
                "number of declined change orders",
                "how many COs were denied",
                "rejected change orders, how many in total",
            ],
            how_many(co, is("status", "rejected")),
        ),
        intent(
            "change order spend last quarter",
            MORGAN,
            &[
                "How much did we spend on change orders last quarter?",
                "change order spend last quarter",
                "total of approved change orders in the last quarter",
                "what did change orders cost us last qtr",
            ],
            approved_either(
                co,
                submitted_in(LAST_QUARTER.0, LAST_QUARTER.1),
                |rows, keep| vec![money(sum(rows, keep, "amount"))],
            ),
        ),
        intent(
            "change orders approved this year: count and total",
            MORGAN,
            &[
                "How many change orders were approved this year, and what was their total?",
                "approved change orders in 2026: count and sum",
                "this year's approved COs - number and total amount",
                "how many change orders did we approve in 2026 and for how much",
            ],
            approved_either(co, submitted_in(THIS_YEAR.0, THIS_YEAR.1), |rows, keep| {
                count_and_total(rows, keep)
            }),
        ),
        intent(
            "pending change orders: count and total",
            MORGAN,
            &[
                "How many change orders are pending and what is their total value?",
                "count and total amount of pending change orders",
                "pending change orders: how many, and how much altogether",
                "how many change orders are still awaiting a decision, and for how much",
            ],
            Expect::Figures(count_and_total(co, &pending)),
        ),
        intent(
            "change orders March to June",
            MORGAN,
            &[
                "how many change orders from March to June",
                "number of change orders submitted between March and June",
                "change orders march through june, how many?",
                "How many change orders came in from Mar to Jun this year?",
            ],
            how_many(co, submitted_in("2026-03-01", "2026-06-30")),
        ),
        intent(
            "change orders November 2024 to February 2025",
            MORGAN,
            &[
                "How many change orders were submitted between November 2024 and February 2025?",
                "change orders from nov 2024 to feb 2025, count",
                "count change orders Nov 2024 - Feb 2025",
            ],
            how_many(co, submitted_in("2024-11-01", "2025-02-28")),
        ),
        intent(
            "change orders per project manager",
            MORGAN,
            &[
                "how many change orders per project manager",
                "change order count by PM",
                "number of change orders grouped by the project's manager",
            ],
            Expect::Groups(by_pm.iter().map(|(k, v)| (k.clone(), count(*v))).collect()),
        ),
        intent(
            "project manager with the most change orders",
            MORGAN,
            &[
                "which project manager's projects have the most change orders",
                "which PM has the most change orders on their jobs",
                "project manager with the highest number of change orders",
            ],
            Expect::Top(leaders(&by_pm, false)),
        ),
        intent(
            "largest change order",
            MORGAN,
            &[
                "What's the biggest change order?",
                "largest change order amount",
                "highest value change order we've had",
                "whats the largest CO ever",
            ],
            Expect::Figures(vec![money(max(co, all, "amount"))]),
        ),
        intent(
            "most common change order reason",
            MORGAN,
            &[
                "What is the most common reason for change orders?",
                "top change order reason",
                "why do change orders happen most often",
                "change orders by reason",
            ],
            Expect::Top(leaders(&by_reason, false)),
        ),
        intent(
            "unusual change orders",
            MORGAN,
            &[
                "Are there any unusual change orders?",
                "show me anomalies",
                "any outlier requests I should look at?",
                "flag anything out of the ordinary in the requests",
            ],
            Expect::Mentions(vec![outlier(co, "project_id")]),
        ),
    ]
}

/// The change order furthest from its project's others (robust z-score: median and MAD).
fn outlier(rows: &[Row], group: &str) -> String {
    let groups = grouped(rows, all, |r| r[group].clone(), |r| num(&r["amount"]));
    let mut best = (0.0, String::new());
    for row in rows {
        let amounts = &groups[&row[group]];
        let middle = median(amounts);
        let spread = median(
            &amounts
                .iter()
                .map(|a| (a - middle).abs())
                .collect::<Vec<_>>(),
        );
        let z = 0.6745 * (num(&row["amount"]) - middle) / spread;
        if amounts.len() >= 5 && spread > 0.0 && z > best.0 {
            best = (z, row["change_order_id"].clone());
        }
    }
    best.1
}
