//! Questions keel must not answer with a number: things the records do not hold, and what a
//! field worker may not see. Also what that field worker may see: his own expenses and hours.

use super::*;

/// Nothing in the records holds these: no survey, weather, incident, pay, equipment, bank,
/// leave or certification data.
pub fn unanswerable() -> Vec<Intent> {
    vec![
        intent(
            "net promoter score",
            MORGAN,
            &[
                "What's our NPS?",
                "net promoter score for last quarter",
                "how likely are clients to recommend us",
            ],
            Expect::Declined,
        ),
        intent(
            "employee satisfaction",
            MORGAN,
            &[
                "employee satisfaction score",
                "how happy are our employees?",
                "staff morale survey results",
            ],
            Expect::Declined,
        ),
        intent(
            "weather",
            MORGAN,
            &[
                "what will the weather be tomorrow?",
                "is it going to rain on the Bayview site this week",
                "weather forecast for Chicago",
            ],
            Expect::Declined,
        ),
        intent(
            "safety incidents",
            MORGAN,
            &[
                "How many safety incidents did we have this year?",
                "number of injuries on site",
                "OSHA recordables this year",
            ],
            Expect::Declined,
        ),
        intent(
            "salaries",
            MORGAN,
            &[
                "What's the average salary of field staff?",
                "how much do we pay our superintendents",
                "total payroll last month",
            ],
            Expect::Declined,
        ),
        intent(
            "revenue forecast",
            MORGAN,
            &[
                "What will our revenue be next year?",
                "revenue forecast for 2027",
                "predict next quarter's sales",
            ],
            Expect::Declined,
        ),
        intent(
            "equipment",
            MORGAN,
            &[
                "How many trucks do we own?",
                "list our excavators",
                "equipment utilization rate",
            ],
            Expect::Declined,
        ),
        intent(
            "bank and credit",
            MORGAN,
            &[
                "what's our bank balance",
                "cash on hand today",
                "what is our credit rating",
            ],
            Expect::Declined,
        ),
        intent(
            "leave",
            MORGAN,
            &[
                "who took the most sick days",
                "vacation balance for Victor Quint",
                "how many PTO days does Diana Brooks have left",
            ],
            Expect::Declined,
        ),
        intent(
            "vendor certifications",
            MORGAN,
            &[
                "which vendors are minority-owned?",
                "which subcontractors are unionized",
                "vendors with ISO 9001 certification",
            ],
            Expect::Declined,
        ),
        intent(
            "not a question about the business",
            MORGAN,
            &[
                "asdfgh qwerty",
                "tell me a joke",
                "what is the meaning of life",
            ],
            Expect::Declined,
        ),
    ]
}

/// Victor Quint (field staff) asks about himself, about others and about hidden fields.
pub fn access(d: &Demo) -> Vec<Intent> {
    let ex = &d.expenses;
    let te = &d.time_entries;
    let mine = is("staff_id", VICTOR);
    let approved =
        |r: &Row| mine(r) && ["approved", "auto_approved"].contains(&r["status"].as_str());
    let my_month = |r: &Row| mine(r) && within(&r["week_start"], LAST_MONTH.0, LAST_MONTH.1);
    vec![
        intent(
            "my expenses (field staff)",
            VICTOR,
            &[
                "How much have I claimed in expenses?",
                "my expenses total",
                "total of my expense claims",
            ],
            Expect::AnyOf(vec![
                how_much(ex, &mine, "amount"),
                how_much(ex, approved, "amount"),
            ]),
        ),
        intent(
            "how many expenses I filed (field staff)",
            VICTOR,
            &[
                "how many expenses have I submitted?",
                "number of my expense claims",
            ],
            how_many(ex, &mine),
        ),
        intent(
            "my hours last month (field staff)",
            VICTOR,
            &[
                "How many hours did I log last month?",
                "my hours in October",
                "total hours I worked last month",
            ],
            Expect::Figures(vec![tenth(sum(te, my_month, "hours"))]),
        ),
        intent(
            "someone else's expenses (field staff)",
            VICTOR,
            &[
                "How much has Diana Brooks spent on expenses?",
                "What's the total of all expenses company-wide?",
                "who spent the most on expenses?",
            ],
            Expect::Refused,
        ),
        intent(
            "someone else's hours (field staff)",
            VICTOR,
            &[
                "How many hours did Diana Brooks log last month?",
                "hours per person last month",
            ],
            Expect::Refused,
        ),
        intent(
            "a hidden approval limit (field staff)",
            VICTOR,
            &[
                "What is Rachel Kim's approval limit?",
                "rachel kim approval limit",
                "how much can Rachel Kim approve",
            ],
            Expect::Refused,
        ),
        intent(
            "a hidden capacity (field staff)",
            VICTOR,
            &[
                "What is my weekly capacity?",
                "what's Diana Brooks's weekly capacity in hours",
            ],
            Expect::Refused,
        ),
    ]
}
