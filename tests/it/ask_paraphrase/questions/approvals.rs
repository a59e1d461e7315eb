//! The requests' approval history: who decided, how long deciding took, and what waits for whom.

use super::*;

/// Hours from submission to decision of a change order.
fn co_hours(r: &Row) -> f64 {
    hours_between(timestamp(&r["submitted_at"]), timestamp(&r["decided_at"]))
}

pub fn approvals(d: &Demo) -> Vec<Intent> {
    let co = &d.change_orders;
    let ex = &d.expenses;
    let decisions = counts_by(co, is_in("status", DECIDED), |r| d.name(&r["approver_id"]));
    let approvals = counts_by(co, is("status", "approved"), |r| d.name(&r["approver_id"]));
    let mut busiest = leaders(&decisions, false);
    busiest.extend(leaders(&approvals, false));
    let co_latency = grouped(
        co,
        is_in("status", DECIDED),
        |r| d.name(&r["approver_id"]),
        co_hours,
    );
    let mut slowest = leaders(&reduce(co_latency.clone(), mean), false);
    slowest.extend(leaders(&reduce(co_latency, median), false));
    let waiting: Vec<String> = co
        .iter()
        .filter(|r| r["status"] == "pending")
        .map(|r| r["change_order_id"].clone())
        .collect();
    let rachel = d.staff_id("Rachel Kim");
    vec![
        intent(
            "who approves the most change orders",
            MORGAN,
            &[
                "Who approves the most change orders?",
                "which approver has signed off on the most COs",
                "top change order approver",
                "who decides the most change orders",
                "which person has approved the largest number of change orders",
            ],
            Expect::Top(busiest),
        ),
        intent(
            "slowest change order approver",
            MORGAN,
            &[
                "Who takes the longest to approve change orders?",
                "slowest approver for change orders",
                "which approver sits on change orders the longest",
            ],
            Expect::Top(slowest),
        ),
        intent(
            "average days to approve an expense",
            MORGAN,
            &[
                "average days to approve an expense",
                "How long does it take on average to approve an expense, in days?",
                "avg time to get an expense approved",
                "on average, how many days between an expense and its approval?",
            ],
            expense_latency(ex),
        ),
        intent(
            "average hours to decide a change order",
            MORGAN,
            &[
                "average time to approve a change order in hours",
                "how many hours does a change order take to get approved on average",
                "mean approval time for change orders (hours)",
            ],
            Expect::AnyOf(
                [DECIDED, &["approved"]]
                    .iter()
                    .map(|s| {
                        Expect::Figures(vec![rough(mean(&values(
                            co,
                            is_in("status", s),
                            co_hours,
                        )))])
                    })
                    .collect(),
            ),
        ),
        intent(
            "what is waiting for the CFO",
            MORGAN,
            &[
                "What is waiting for Dana Whitfield?",
                "what's pending with the CFO",
                "which requests are waiting on Dana's approval",
                "show me everything Dana Whitfield still has to approve",
            ],
            Expect::Set(waiting.clone()),
        ),
        intent(
            "what is waiting for me, asked by the CFO",
            DANA,
            &[
                "What is waiting for my approval?",
                "anything I need to sign off on?",
                "my pending approvals",
                "what do I still have to approve",
            ],
            Expect::Set(waiting),
        ),
        intent(
            "what is waiting for Rachel Kim",
            MORGAN,
            &[
                "What is waiting for Rachel Kim?",
                "anything pending for Rachel Kim?",
                "what does the director of operations have left to approve",
            ],
            Expect::Nothing,
        ),
        intent(
            "expenses Rachel Kim approved",
            MORGAN,
            &[
                "How many expenses did Rachel Kim approve?",
                "number of expense claims approved by Rachel Kim",
                "expenses Rachel signed off on, how many",
            ],
            Expect::AnyOf(
                // Her approvals, or every expense she decided (approver_id holds both).
                [&["approved"][..], DECIDED]
                    .iter()
                    .map(|s| {
                        how_many(ex, |r| {
                            r["approver_id"] == rachel && s.contains(&r["status"].as_str())
                        })
                    })
                    .collect(),
            ),
        ),
    ]
}

/// The average time from an expense (midnight of its day, in the company's time zone, or in
/// UTC) to its approval, in days or hours; the median too, as "typical" may mean either.
fn expense_latency(ex: &[Row]) -> Expect {
    let mut options = Vec::new();
    for start in [local_midnight, utc_midnight] {
        let hours = values(ex, is("status", "approved"), |r| {
            hours_between(start(&r["spent_on"]), timestamp(&r["decided_at"]))
        });
        for figure in [mean(&hours), median(&hours)] {
            options.push(Expect::Figures(vec![rough(figure / 24.0)]));
            options.push(Expect::Figures(vec![rough(figure)]));
        }
    }
    Expect::AnyOf(options)
}
