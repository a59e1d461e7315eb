//! Invoices and purchase orders: totals, statuses written other ways, top N, a count and a
//! total together, grouping by the vendor's category, and delivery against promised dates.

use super::*;

pub fn invoices(d: &Demo) -> Vec<Intent> {
    let inv = &d.invoices;
    let apex_march =
        |r: &Row| r["vendor_id"] == "V002" && within(&r["issued_date"], "2026-03-01", "2026-03-31");
    let this_year = |r: &Row| within(&r["issued_date"], THIS_YEAR.0, THIS_YEAR.1);
    let last_month = |r: &Row| within(&r["issued_date"], LAST_MONTH.0, LAST_MONTH.1);
    let by_vendor = sums_by(
        inv,
        this_year,
        |r| d.vendor(&r["vendor_id"])["name"].clone(),
        "amount",
    );
    let by_category = sums_by(
        inv,
        all,
        |r| d.vendor(&r["vendor_id"])["category"].clone(),
        "amount",
    );
    let monthly = counts_by(inv, this_year, |r| r["issued_date"][..7].to_string());
    let paid_late = |r: &Row| !r["paid_date"].is_empty() && r["paid_date"] > r["due_date"];
    vec![
        intent(
            "Apex Concrete's invoices in March",
            MORGAN,
            &[
                "How much did Apex Concrete bill us in March?",
                "apex concrete invoice total for march",
                "What was the total of Apex Concerte's invoices in March 2026?",
                "march invoices from Apex Concrete, how much altogether?",
            ],
            how_much(inv, apex_march, "amount"),
        ),
        intent(
            "overdue invoices",
            MORGAN,
            &[
                "How many invoices are overdue?",
                "number of past-due invoices",
                "how many invoices are past due right now",
                "count overdue invoices pls",
                "How many vendor invoices are overdue at the moment?",
            ],
            how_many(inv, is("status", "overdue")),
        ),
        intent(
            "what we still owe",
            MORGAN,
            &[
                "How much do we still owe our vendors?",
                "total of unpaid invoices",
                "what's the outstanding balance on invoices that aren't paid yet",
                "how much money is owed on open or overdue invoices",
            ],
            how_much(inv, is_in("status", &["open", "overdue"]), "amount"),
        ),
        intent(
            "top 5 vendors by invoices this year",
            MORGAN,
            &[
                "top 5 vendors by invoice total this year",
                "Which five vendors invoiced us the most in 2026?",
                "biggest 5 suppliers by invoiced amount this year",
                "show the top five vendors ranked by how much they billed us this year",
            ],
            Expect::Set(largest(&by_vendor, 5)),
        ),
        intent(
            "average invoice",
            MORGAN,
            &[
                "What's the average invoice amount?",
                "avg invoice size",
                "mean value of an invoice",
                "on average how big is a vendor invoice",
            ],
            Expect::Figures(vec![money(mean(&values(inv, all, |r| num(&r["amount"]))))]),
        ),
        intent(
            "largest invoice",
            MORGAN,
            &[
                "What is the largest invoice we've received?",
                "biggest invoice ever",
                "highest invoice amount",
            ],
            Expect::Figures(vec![money(max(inv, all, "amount"))]),
        ),
        intent(
            "invoices paid after their due date",
            MORGAN,
            &[
                "How many invoices did we pay after their due date?",
                "number of invoices paid late",
                "how often did we pay an invoice past its due date",
            ],
            how_many(inv, paid_late),
        ),
        intent(
            "invoices per month this year",
            MORGAN,
            &[
                "how many invoices did we get each month this year",
                "invoices per month in 2026",
                "monthly invoice count for this year",
            ],
            Expect::Series(monthly.values().map(|v| count(*v)).collect()),
        ),
        intent(
            "last month's invoices: count and total",
            MORGAN,
            &[
                "How many invoices came in last month and what did they add up to?",
                "number and total value of invoices issued in October",
                "last month's invoices: count and total",
            ],
            Expect::Figures(vec![
                count(number_of(inv, last_month)),
                money(sum(inv, last_month, "amount")),
            ]),
        ),
        intent(
            "invoices by vendor category",
            MORGAN,
            &[
                "invoice totals by vendor category",
                "how much have we been invoiced per vendor category",
                "break down invoiced amounts by the vendor's category",
            ],
            groups(by_category, money),
        ),
    ]
}

pub fn purchase_orders(d: &Demo) -> Vec<Intent> {
    let po = &d.purchase_orders;
    let by_category = sums_by(
        po,
        all,
        |r| d.vendor(&r["vendor_id"])["category"].clone(),
        "amount",
    );
    let delivered = |r: &Row| !r["delivered_date"].is_empty();
    let on_time = grouped(
        po,
        delivered,
        |r| d.vendor(&r["vendor_id"])["name"].clone(),
        |r| f64::from(u8::from(r["delivered_date"] <= r["promised_date"])),
    );
    let ironclad_on_time = |r: &Row| {
        r["vendor_id"] == "V001" && delivered(r) && r["delivered_date"] <= r["promised_date"]
    };
    let bayview = |r: &Row| r["project_id"] == "P001";
    vec![
        intent(
            "open purchase orders",
            MORGAN,
            &[
                "How many purchase orders are still open?",
                "number of POs not delivered yet",
                "how many open purchase orders do we have",
                "count of undelivered purchase orders",
                "how many purchse orders are outstanding",
            ],
            how_many(po, is("status", "open")),
        ),
        intent(
            "purchase orders by vendor category",
            MORGAN,
            &[
                "purchase order totals by vendor category",
                "how much did we order per vendor category",
                "PO amounts grouped by the vendor's category",
            ],
            groups(by_category, money),
        ),
        intent(
            "vendors missing delivery dates",
            MORGAN,
            &[
                "which vendors keep missing delivery dates?",
                "Which supplier is worst at delivering on time?",
                "vendor on-time delivery rates",
                "who delivers late most often",
                "how reliable are our vendors at hitting promised dates",
            ],
            Expect::Top(leaders(&reduce(on_time, mean), true)),
        ),
        intent(
            "Ironclad's orders on time",
            MORGAN,
            &[
                "How many Ironclad Steel orders were delivered on time?",
                "ironclad on-time deliveries count",
                "of Ironclad's purchase orders, how many arrived by the promised date",
            ],
            how_many(po, ironclad_on_time),
        ),
        intent(
            "purchase orders the CFO approved",
            MORGAN,
            &[
                "How many purchase orders did the CFO approve?",
                "number of POs approved by Dana Whitfield",
                "how many POs has our chief financial officer signed off on",
                "count of purchase orders Dana approved",
            ],
            how_many(po, is("approver_id", DANA)),
        ),
        intent(
            "purchase orders over 25,000",
            MORGAN,
            &[
                "How many purchase orders were over $25,000?",
                "number of POs above 25k",
                "POs bigger than 25,000 dollars: how many?",
                "count purchase orders with an amount greater than 25000",
            ],
            how_many(po, |r| num(&r["amount"]) > 25_000.0),
        ),
        intent(
            "purchase orders for Bayview Medical Office",
            MORGAN,
            &[
                "total purchase orders for Bayview Medical Office",
                "how much have we ordered for the Bayview Medical project",
                "PO total on Bayview",
            ],
            how_much(po, bayview, "amount"),
        ),
    ]
}
