//! The checks themselves: a right answer passes in any reasonable form, an answer to another
//! question does not, and a decline is told apart from both.

use super::expect::*;
use keel::service::{ServiceError, UserError};
use serde_json::{Value, json};

fn said<'a>(sentence: &'a str, rows: &'a [Vec<Value>]) -> Said<'a> {
    Said {
        sentence,
        note: None,
        rows,
    }
}

#[test]
fn numbers_are_read_from_a_sentence_as_people_write_them() {
    assert_eq!(
        numbers_in("The total is $1,234.56 over 3 months, about 0.4 days."),
        vec![1234.56, 3.0, 0.4]
    );
    assert_eq!(numbers_in("1,431 invoices, 8 overdue."), vec![1431.0, 8.0]);
}

#[test]
fn a_figure_counts_in_the_sentence_or_a_small_table_only() {
    let expect = Expect::Figures(vec![count(8.0)]);
    assert!(expect.holds(&said("8 invoices are overdue.", &[])).is_ok());
    assert!(
        expect
            .holds(&said("Overdue invoices:", &[vec![json!("8")]]))
            .is_ok()
    );
    assert!(
        expect
            .holds(&said(
                "The number of invoice records is 1,431.",
                &[vec![json!(1431)]]
            ))
            .is_err()
    );
    let big: Vec<Vec<Value>> = (0..10)
        .map(|i| vec![json!(format!("V{i}")), json!(8 + i)])
        .collect();
    assert!(expect.holds(&said("10 vendors.", &big)).is_err());
    let both = Expect::Figures(vec![count(4.0), money(797_550.86)]);
    assert!(
        both.holds(&said("4 pending, $797,550.86 in all.", &[]))
            .is_ok()
    );
    assert!(both.holds(&said("Pending: $797,550.86.", &[])).is_err());
}

#[test]
fn the_top_must_come_first_and_a_set_must_be_exact() {
    let rows = vec![
        vec![json!("Diana Brooks (S016)"), json!(57)],
        vec![json!("Sofia Ibrahim (S010)"), json!(32)],
    ];
    assert!(
        Expect::Top(vec!["Diana Brooks".into()])
            .holds(&said("", &rows))
            .is_ok()
    );
    assert!(
        Expect::Top(vec!["Sofia Ibrahim".into()])
            .holds(&said("", &rows))
            .is_err()
    );
    assert!(
        Expect::Set(vec!["Diana Brooks".into()])
            .holds(&said("", &rows))
            .is_err()
    );
    let groups = Expect::Groups(vec![
        ("Diana Brooks".into(), count(57.0)),
        ("Sofia Ibrahim".into(), count(32.0)),
    ]);
    assert!(groups.holds(&said("", &rows)).is_ok());
    let nothing = Expect::Nothing;
    assert!(
        nothing
            .holds(&said("No request waits for Rachel Kim.", &[]))
            .is_ok()
    );
    assert!(
        nothing
            .holds(&said(
                "Rachel Kim",
                &[vec![json!("S004"), json!("Rachel Kim")]]
            ))
            .is_err()
    );
}

#[test]
fn a_decline_is_right_only_where_one_is_expected() {
    let declined: Result<keel::ask::Answer, ServiceError> = Err(UserError::Invalid(
        "I could not tell which records the question is about".into(),
    )
    .into());
    assert!(matches!(
        classify(&declined, &Expect::Declined),
        Class::Correct
    ));
    assert!(matches!(
        classify(&declined, &Expect::Refused),
        Class::Correct
    ));
    assert!(matches!(
        classify(&declined, &Expect::Figures(vec![count(8.0)])),
        Class::Declined
    ));
    let failed: Result<keel::ask::Answer, ServiceError> =
        Err(anyhow::anyhow!("database gone").into());
    assert!(matches!(
        classify(&failed, &Expect::Declined),
        Class::Wrong(_)
    ));
    let quiet = Said {
        sentence: "The total is $5,676.54.",
        note: None,
        rows: &[],
    };
    assert!(Expect::Refused.holds(&quiet).is_err());
    let told = Said {
        sentence: "$5,676.54 (your own expenses: you may not see others').",
        note: None,
        rows: &[],
    };
    assert!(Expect::Refused.holds(&told).is_ok());
}
