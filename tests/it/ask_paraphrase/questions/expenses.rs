//! Expenses: spend by category and department, top spenders, statuses, averages and medians.

use super::*;

pub fn expenses(d: &Demo) -> Vec<Intent> {
    let ex = &d.expenses;
    let spent = is_in("status", APPROVED);
    let by = |keep: &dyn Fn(&Row) -> bool, label: &dyn Fn(&Row) -> String| {
        sums_by(ex, keep, label, "amount")
    };
    let category = |r: &Row| r["category"].clone();
    let person = |r: &Row| d.name(&r["staff_id"]);
    let department = |r: &Row| d.person(&r["staff_id"])["department"].clone();
    let groups = |g: std::collections::BTreeMap<String, f64>| {
        Expect::Groups(g.into_iter().map(|(k, v)| (k, money(v))).collect())
    };
    let either = |label: &dyn Fn(&Row) -> String| {
        Expect::AnyOf(vec![groups(by(&all, label)), groups(by(&spent, label))])
    };
    let mut top_spenders = leaders(&by(&all, &person), false);
    top_spenders.extend(leaders(&by(&spent, &person), false));
    let averages = |by: fn(&[f64]) -> f64| {
        let g = reduce(grouped(ex, all, category, |r| num(&r["amount"])), by);
        Expect::Groups(g.into_iter().map(|(k, v)| (k, money(v))).collect())
    };
    let fuel_last_month =
        |r: &Row| r["category"] == "fuel" && within(&r["spent_on"], LAST_MONTH.0, LAST_MONTH.1);
    let travel =
        |r: &Row| r["category"] == "travel" && within(&r["spent_on"], THIS_YEAR.0, THIS_YEAR.1);
    let diana = d.staff_id("Diana Brooks");
    let hers = |r: &Row| r["staff_id"] == diana;
    vec![
        intent(
            "expense spend by category",
            MORGAN,
            &[
                "How much was spent on each expense category?",
                "expense spend by category",
                "what did we spend per expense category",
            ],
            groups(by(&spent, &category)),
        ),
        intent(
            "expense totals by category",
            MORGAN,
            &[
                "breakdown of expense amounts per category",
                "expense totals by category",
                "sum of expenses for each category",
            ],
            either(&category),
        ),
        intent(
            "expenses by department",
            MORGAN,
            &[
                "expenses per department",
                "expense totals by the employee's department",
                "how much in expenses does each department have",
            ],
            either(&department),
        ),
        intent(
            "top expense spender",
            MORGAN,
            &[
                "Who spent the most on expenses?",
                "which employee has the highest expense total",
                "biggest expense claimer",
            ],
            Expect::Top(top_spenders),
        ),
        intent(
            "top 3 people by expenses",
            MORGAN,
            &[
                "top 3 people by expenses",
                "three employees with the largest expense totals",
                "who are the top three expense spenders",
            ],
            Expect::AnyOf(vec![
                Expect::Set(largest(&by(&all, &person), 3)),
                Expect::Set(largest(&by(&spent, &person), 3)),
            ]),
        ),
        intent(
            "fuel spend last month",
            MORGAN,
            &[
                "How much did we spend on fuel last month?",
                "fuel expenses in October",
                "total fuel costs last month",
                "last month's fuel spend",
            ],
            how_much(ex, |r| fuel_last_month(r) && spent(r), "amount"),
        ),
        intent(
            "expenses auto-approved",
            MORGAN,
            &[
                "How many expenses were auto-approved?",
                "expenses approved automatically - how many?",
                "number of auto approved expense claims",
                "how many expenses went through automatically",
            ],
            how_many(ex, is("status", "auto_approved")),
        ),
        intent(
            "expenses rejected",
            MORGAN,
            &[
                "How many expense claims were turned down?",
                "number of rejected expenses",
                "how many expenses got denied",
                "how many expenses were rejectd", // sic
            ],
            how_many(ex, is("status", "rejected")),
        ),
        intent(
            "average expense by category",
            MORGAN,
            &[
                "average expense amount by category",
                "mean expense per category",
                "what's the average expense in each category",
            ],
            averages(mean),
        ),
        intent(
            "median expense",
            MORGAN,
            &[
                "What's the median expense?",
                "median expense amount",
                "median of all expense claims",
            ],
            Expect::Figures(vec![money(median(&values(ex, all, |r| num(&r["amount"]))))]),
        ),
        intent(
            "travel expenses this year: count and total",
            MORGAN,
            &[
                "How many travel expenses this year and how much in total?",
                "travel expenses in 2026: number and sum",
                "count and total of travel expense claims this year",
            ],
            Expect::AnyOf(vec![
                Expect::Figures(count_and_total(ex, &travel)),
                Expect::Figures(count_and_total(ex, &|r: &Row| travel(r) && spent(r))),
            ]),
        ),
        intent(
            "expenses Diana Brooks claimed",
            MORGAN,
            &[
                "How much has Diana Brooks claimed in expenses?",
                "total expenses submitted by Diana Brooks",
                "Diana Brooks expense total",
            ],
            Expect::AnyOf(vec![
                how_much(ex, hers, "amount"),
                how_much(ex, |r| hers(r) && spent(r), "amount"),
            ]),
        ),
    ]
}
