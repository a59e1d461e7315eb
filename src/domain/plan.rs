//! A question's plan: what keel computes to answer it. A planner (the offline one, or an LLM)
//! produces a [`Plan`] as untrusted data; `ask::check` turns it into a [`CheckedQuery`] against
//! the record schema before anything runs, and the store executes only checked queries, with
//! every value bound as a parameter.

use super::field::FieldType;
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// What a question asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Plan {
    /// Records of one type, filtered, grouped and measured.
    Query(Query),
    /// A named analysis from the insight catalogue.
    Insight { name: crate::insights::Insight },
}

/// Records of one type, filtered, grouped and measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    /// The record type (`invoice`).
    pub record: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<Filter>,
    /// Fields to group by: a field (`status`), a field of the record a ref field points to
    /// (`vendor_id.name`), or a date cut to its month or year (`issued_date:month`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group_by: Vec<String>,
    pub measure: Measure,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<Order>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// One condition on a field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    pub field: String,
    pub op: Op,
    /// A string or number for comparisons, a list for `in`, a [`Window`] for `within`, nothing
    /// for `is_empty` and `is_not_empty`.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub value: serde_json::Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    /// Text containing the value, ignoring case.
    Contains,
    /// A date or timestamp inside a [`Window`].
    Within,
    IsEmpty,
    IsNotEmpty,
}

/// What is computed from the matching records (per group, when grouped).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "aggregate", rename_all = "snake_case", deny_unknown_fields)]
pub enum Measure {
    Count,
    Sum {
        field: String,
    },
    Average {
        field: String,
    },
    Min {
        field: String,
    },
    Max {
        field: String,
    },
    Median {
        field: String,
    },
    /// The records themselves, with these fields (none: every field).
    List {
        #[serde(default)]
        fields: Vec<String>,
    },
}

/// How rows are ordered: by a field, or (no field) by the measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Order {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(default)]
    pub descending: bool,
}

/// A span of days, absolute or relative to today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "window", rename_all = "snake_case", deny_unknown_fields)]
pub enum Window {
    Month {
        year: i32,
        month: u32,
    },
    Quarter {
        year: i32,
        quarter: u32,
    },
    Year {
        year: i32,
    },
    /// The last `days` days, today included.
    LastDays {
        days: u32,
    },
    ThisMonth,
    LastMonth,
    ThisQuarter,
    LastQuarter,
    ThisYear,
    LastYear,
    /// From `from` to `to`, both included.
    Between {
        from: NaiveDate,
        to: NaiveDate,
    },
    /// From `from` to today.
    Since {
        from: NaiveDate,
    },
}

/// The first day in and the first day after a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub from: NaiveDate,
    pub until: NaiveDate,
}

impl Span {
    /// The last day inside.
    pub fn last(&self) -> NaiveDate {
        self.until.pred_opt().unwrap_or(self.until)
    }
}

impl Window {
    /// The days this window covers as of `today`; `None` for a month, quarter or date that does
    /// not exist.
    pub fn span(&self, today: NaiveDate) -> Option<Span> {
        let month_start = |year: i32, month: u32| NaiveDate::from_ymd_opt(year, month, 1);
        let months = |from: NaiveDate, count: u32| {
            Some(Span {
                from,
                until: from.checked_add_months(Months::new(count))?,
            })
        };
        let quarter_of = |date: NaiveDate| (date.year(), (date.month() - 1) / 3 + 1);
        let quarter = |year: i32, quarter: u32| {
            (1..=4)
                .contains(&quarter)
                .then(|| months(month_start(year, quarter * 3 - 2)?, 3))
                .flatten()
        };
        let this_month = month_start(today.year(), today.month())?;
        match *self {
            Window::Month { year, month } => months(month_start(year, month)?, 1),
            Window::Quarter { year, quarter: q } => quarter(year, q),
            Window::Year { year } => months(month_start(year, 1)?, 12),
            Window::LastDays { days } => Some(Span {
                from: today.checked_sub_days(chrono::Days::new(u64::from(days.max(1)) - 1))?,
                until: today.succ_opt()?,
            }),
            Window::ThisMonth => months(this_month, 1),
            Window::LastMonth => months(this_month.checked_sub_months(Months::new(1))?, 1),
            Window::ThisQuarter => {
                let (year, q) = quarter_of(today);
                quarter(year, q)
            }
            Window::LastQuarter => {
                let (year, q) = quarter_of(today.checked_sub_months(Months::new(3))?);
                quarter(year, q)
            }
            Window::ThisYear => months(month_start(today.year(), 1)?, 12),
            Window::LastYear => months(month_start(today.year() - 1, 1)?, 12),
            Window::Between { from, to } => (from <= to).then_some(Span {
                from,
                until: to.succ_opt()?,
            }),
            Window::Since { from } => (from <= today).then_some(Span {
                from,
                until: today.succ_opt()?,
            }),
        }
    }

    /// The window in words ("in March 2026", "in the last 30 days").
    pub fn words(&self) -> String {
        let month_name = |month: u32| {
            NaiveDate::from_ymd_opt(2000, month, 1)
                .map(|d| d.format("%B").to_string())
                .unwrap_or_else(|| format!("month {month}"))
        };
        match self {
            Window::Month { year, month } => format!("in {} {year}", month_name(*month)),
            Window::Quarter { year, quarter } => format!("in Q{quarter} {year}"),
            Window::Year { year } => format!("in {year}"),
            Window::LastDays { days } => format!("in the last {days} days"),
            Window::ThisMonth => "this month".into(),
            Window::LastMonth => "last month".into(),
            Window::ThisQuarter => "this quarter".into(),
            Window::LastQuarter => "last quarter".into(),
            Window::ThisYear => "this year".into(),
            Window::LastYear => "last year".into(),
            Window::Between { from, to } => format!("from {from} to {to}"),
            Window::Since { from } => format!("since {from}"),
        }
    }
}

/// A field as a checked query reads it: on the record itself, or on the record a ref field
/// points to.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldPath {
    /// The ref field followed first and the record type it points to.
    pub via: Option<(String, String)>,
    pub field: String,
    pub field_type: FieldType,
    /// Dates and timestamps cut to their month (`YYYY-MM`) or year.
    pub cut: Option<DateCut>,
}

impl FieldPath {
    /// As a plan names it (`vendor_id.name`, `issued_date:month`).
    pub fn name(&self) -> String {
        let mut name = match &self.via {
            Some((via, _)) => format!("{via}.{}", self.field),
            None => self.field.clone(),
        };
        if let Some(cut) = self.cut {
            name.push_str(match cut {
                DateCut::Month => ":month",
                DateCut::Year => ":year",
            });
        }
        name
    }

    /// Numbers and money are compared and aggregated as numbers, everything else as text.
    pub fn is_numeric(&self) -> bool {
        self.cut.is_none() && matches!(self.field_type, FieldType::Number | FieldType::Money)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateCut {
    Month,
    Year,
}

/// A filter's condition, with its values typed for the field.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Compare(Op, String),
    /// Compared with another field of the same record ("delivered on or before the promised
    /// date"); a record with either empty does not match.
    CompareField(Op, FieldPath),
    In(Vec<String>),
    /// Lowercase text to find.
    Contains(String),
    /// Inside `[from, until)` (dates as `YYYY-MM-DD`; a timestamp compares by its day).
    Span(Span),
    Empty(bool),
}

#[derive(Debug, Clone, PartialEq)]
pub struct CheckedFilter {
    pub path: FieldPath,
    pub condition: Condition,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    Count,
    Sum,
    Average,
    Min,
    Max,
    Median,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CheckedMeasure {
    /// `field` is `None` only for a count.
    Aggregate(Aggregate, Option<FieldPath>),
    List(Vec<FieldPath>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum OrderKey {
    Measure,
    Field(FieldPath),
}

/// A plan checked against the schema: every field exists, every value fits its field.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedQuery {
    pub record: String,
    pub filters: Vec<CheckedFilter>,
    pub group_by: Vec<FieldPath>,
    pub measure: CheckedMeasure,
    pub order: Option<(OrderKey, bool)>,
    pub limit: u32,
}

/// The table behind an answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<serde_json::Value>>,
    /// More rows matched than the limit let through.
    pub truncated: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn span(window: Window, today: &str) -> (String, String) {
        let span = window.span(day(today)).unwrap();
        (span.from.to_string(), span.last().to_string())
    }

    #[test]
    fn windows_resolve_against_today() {
        let today = "2026-11-25";
        let s = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(
            span(
                Window::Month {
                    year: 2026,
                    month: 3
                },
                today
            ),
            s("2026-03-01", "2026-03-31")
        );
        assert_eq!(
            span(Window::LastQuarter, today),
            s("2026-07-01", "2026-09-30")
        );
        assert_eq!(
            span(Window::LastQuarter, "2026-02-10"),
            s("2025-10-01", "2025-12-31")
        );
        assert_eq!(
            span(Window::ThisQuarter, today),
            s("2026-10-01", "2026-12-31")
        );
        assert_eq!(
            span(Window::LastMonth, "2026-01-15"),
            s("2025-12-01", "2025-12-31")
        );
        assert_eq!(
            span(Window::LastDays { days: 30 }, today),
            s("2026-10-27", "2026-11-25")
        );
        assert_eq!(span(Window::LastYear, today), s("2025-01-01", "2025-12-31"));
        assert_eq!(
            span(
                Window::Month {
                    year: 2024,
                    month: 2
                },
                today
            ),
            s("2024-02-01", "2024-02-29")
        );
        assert!(
            Window::Month {
                year: 2026,
                month: 13
            }
            .span(day(today))
            .is_none()
        );
        assert!(
            Window::Quarter {
                year: 2026,
                quarter: 5
            }
            .span(day(today))
            .is_none()
        );
        assert!(
            Window::Between {
                from: day("2026-02-01"),
                to: day("2026-01-01")
            }
            .span(day(today))
            .is_none()
        );
    }

    #[test]
    fn a_plan_reads_from_json_and_refuses_what_it_does_not_know() {
        let plan: Plan = serde_json::from_str(
            r#"{"kind":"query","record":"invoice",
                "filters":[{"field":"issued_date","op":"within","value":{"window":"last_quarter"}}],
                "group_by":["vendor_id.name"],"measure":{"aggregate":"sum","field":"amount"},
                "order":{"descending":true},"limit":5}"#,
        )
        .unwrap();
        let Plan::Query(query) = plan else {
            panic!("a query")
        };
        assert_eq!(query.group_by, vec!["vendor_id.name"]);
        assert_eq!(
            serde_json::from_str::<Plan>(r#"{"kind":"insight","name":"budget_burn"}"#).unwrap(),
            Plan::Insight {
                name: crate::insights::Insight::BudgetBurn
            }
        );
        assert!(
            serde_json::from_str::<Plan>(
                r#"{"kind":"query","record":"invoice","measure":{"aggregate":"count"},"sql":"drop table x"}"#
            )
            .is_err()
        );
        assert!(serde_json::from_str::<Plan>(r#"{"kind":"shell","command":"ls"}"#).is_err());
    }
}
