//! The paraphrase set's questions, one file per area. Each intent is asked in several wordings,
//! as an operations lead would ask it (misspelt, casual, reordered, with synonyms), and its
//! expectation is computed from the CSV files.

mod approvals;
mod change_orders;
mod declined;
mod expenses;
mod holdout;
mod money;
mod people;
mod projects;

pub use super::data::*;
pub use super::expect::{Expect, Figure, count, money, rough, tenth};
pub use std::collections::BTreeMap;

/// Morgan Hale, the CEO, who may see everything.
pub const MORGAN: &str = "S001";
/// Dana Whitfield, the CFO, who approves large change orders.
pub const DANA: &str = "S002";
/// Victor Quint, an equipment operator (field staff): sees only his own expenses and hours.
pub const VICTOR: &str = "S052";

/// Today in these tests is Monday 2026-11-23 (see `common::app::monday_morning`).
pub const TODAY: &str = "2026-11-23";
pub const THIS_YEAR: (&str, &str) = ("2026-01-01", "2026-12-31");
pub const LAST_MONTH: (&str, &str) = ("2026-10-01", "2026-10-31");
pub const LAST_QUARTER: (&str, &str) = ("2026-07-01", "2026-09-30");
pub const LAST_90_DAYS: (&str, &str) = ("2026-08-25", TODAY);
pub const PREVIOUS_90_DAYS: (&str, &str) = ("2026-05-27", "2026-08-24");

/// Requests approved by a person or automatically: what "approved" or "spent" means.
pub const APPROVED: &[&str] = &["approved", "auto_approved"];
/// Requests a person decided.
pub const DECIDED: &[&str] = &["approved", "rejected"];

/// One thing a person wants to know, the ways they ask it, and what a right answer holds.
pub struct Intent {
    pub name: &'static str,
    pub asker: &'static str,
    pub wordings: &'static [&'static str],
    pub expect: Expect,
}

pub fn intent(
    name: &'static str,
    asker: &'static str,
    wordings: &'static [&'static str],
    expect: Expect,
) -> Intent {
    Intent {
        name,
        asker,
        wordings,
        expect,
    }
}

/// One row per group with its figure.
pub fn groups(g: BTreeMap<String, f64>, figure: fn(f64) -> Figure) -> Expect {
    Expect::Groups(g.into_iter().map(|(k, v)| (k, figure(v))).collect())
}

/// How many rows `keep` lets through, as the answer's figure.
pub fn how_many(rows: &[Row], keep: impl Fn(&Row) -> bool) -> Expect {
    Expect::Figures(vec![count(number_of(rows, keep))])
}

/// The sum of a money `field` over the rows `keep` lets through, as the answer's figure.
pub fn how_much(rows: &[Row], keep: impl Fn(&Row) -> bool, field: &str) -> Expect {
    Expect::Figures(vec![money(sum(rows, keep, field))])
}

/// A count and a money total of the rows `keep` lets through: a compound question's figures.
pub fn count_and_total(rows: &[Row], keep: &dyn Fn(&Row) -> bool) -> Vec<Figure> {
    vec![
        count(number_of(rows, keep)),
        money(sum(rows, keep, "amount")),
    ]
}

/// The whole set.
pub fn intents(d: &Demo) -> Vec<Intent> {
    [
        money::invoices(d),
        money::purchase_orders(d),
        projects::projects(d),
        people::clients_and_people(d),
        people::hours(d),
        change_orders::change_orders(d),
        approvals::approvals(d),
        expenses::expenses(d),
        declined::unanswerable(),
        declined::access(d),
        holdout::holdout(d),
    ]
    .into_iter()
    .flatten()
    .collect()
}
