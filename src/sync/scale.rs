//! The demo company scaled up: any number of extra invoices against its real purchase orders,
//! written as CSV for `keel import`, so that questions and benchmarks run on a company with
//! years of invoices. Deterministic: the same count gives the same file.

use anyhow::{Context, Result};
use chrono::{Duration, NaiveDate};
use std::io::Write;
use std::path::Path;

/// The day the demo company's history ends; invoices are issued in the three years before.
const LAST_DAY: (i32, u32, u32) = (2026, 11, 20);
const YEARS: i64 = 3;

/// A small deterministic generator (xorshift64*): enough to spread invoices, no dependency.
struct Sequence(u64);

impl Sequence {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Writes `count` invoices to `out` (with a header): each against one of the purchase orders in
/// `purchase_orders_csv`, with that order's vendor and project, an amount, an issue date in the
/// last three years, a due date 15 to 60 days later, and paid, open or overdue as of the last
/// day of the history.
pub fn write_invoices(purchase_orders_csv: &Path, count: usize, out: &Path) -> Result<()> {
    let mut reader = csv::Reader::from_path(purchase_orders_csv)
        .with_context(|| format!("reading {}", purchase_orders_csv.display()))?;
    let headers = reader.headers()?.clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .with_context(|| format!("{} has no column {name}", purchase_orders_csv.display()))
    };
    let (po, vendor, project) = (
        column("po_id")?,
        column("vendor_id")?,
        column("project_id")?,
    );
    let orders: Vec<(String, String, String)> = reader
        .records()
        .map(|row| {
            let row = row?;
            Ok((
                row[po].to_string(),
                row[vendor].to_string(),
                row[project].to_string(),
            ))
        })
        .collect::<Result<_>>()?;
    anyhow::ensure!(
        !orders.is_empty(),
        "there are no purchase orders to invoice"
    );
    let last = NaiveDate::from_ymd_opt(LAST_DAY.0, LAST_DAY.1, LAST_DAY.2).context("last day")?;
    let span = (YEARS * 365) as u64;
    let mut sequence = Sequence(0x9e37_79b9_7f4a_7c15);
    let mut file = std::io::BufWriter::new(
        std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?,
    );
    writeln!(
        file,
        "invoice_id,vendor_id,project_id,po_id,amount,issued_date,due_date,paid_date,status"
    )?;
    for n in 0..count {
        let (po, vendor, project) = &orders[sequence.below(orders.len() as u64) as usize];
        // Mostly small invoices, some large: cents from 200.00 to about 250,000.00.
        let scale = [20_000, 200_000, 2_000_000, 25_000_000][sequence.below(4) as usize];
        let cents = 20_000 + sequence.below(scale);
        let issued = last - Duration::days(sequence.below(span) as i64);
        let due = issued + Duration::days(15 + sequence.below(46) as i64);
        let paid = issued + Duration::days(5 + sequence.below(70) as i64);
        let (paid, status) = if paid <= last {
            (paid.to_string(), "paid")
        } else if due < last {
            (String::new(), "overdue")
        } else {
            (String::new(), "open")
        };
        writeln!(
            file,
            "INV-G{:08},{vendor},{project},{po},{}.{:02},{issued},{due},{paid},{status}",
            n + 1,
            cents / 100,
            cents % 100
        )?;
    }
    file.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_same_count_gives_the_same_invoices_against_real_orders() {
        let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/demo-data");
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
        super::write_invoices(&demo.join("purchase_orders.csv"), 500, &a).unwrap();
        super::write_invoices(&demo.join("purchase_orders.csv"), 500, &b).unwrap();
        let text = std::fs::read_to_string(&a).unwrap();
        assert_eq!(text, std::fs::read_to_string(&b).unwrap());
        assert_eq!(text.lines().count(), 501);
        let orders = std::fs::read_to_string(demo.join("purchase_orders.csv")).unwrap();
        for line in text.lines().skip(1).take(20) {
            let po = line.split(',').nth(3).unwrap();
            assert!(orders.contains(&format!("\n{po},")), "{po} is a real order");
        }
    }
}
