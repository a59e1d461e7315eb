//! Delegations: who approves for whom, on which days.

use super::sql::{day, parse_day, ts};
use super::statement::Statement;
use super::{Store, Tx};
use crate::domain::Delegation;
use anyhow::Result;
use chrono::{DateTime, NaiveDate, Utc};

impl Store {
    /// The delegations in force on `day`, oldest first.
    pub async fn delegations_on(&self, on: NaiveDate) -> Result<Vec<Delegation>> {
        let read = Statement::new(
            "select from_person, to_person, starts_on, ends_on from delegations \
             where starts_on <= $1 and ends_on >= $1 order by id",
            format!("reading the delegations on {on}"),
        )
        .bind(day(on));
        let rows = self.read(read).await?;
        rows.into_iter()
            .map(|row| {
                let mut columns = row.columns();
                Ok(Delegation {
                    from_person: columns.text()?,
                    to_person: columns.text()?,
                    starts_on: parse_day(&columns.text()?)?,
                    ends_on: parse_day(&columns.text()?)?,
                })
            })
            .collect()
    }
}

impl Tx {
    /// Records a delegation; overlapping ones are allowed (the directory decides who acts).
    pub async fn insert_delegation(
        &mut self,
        delegation: &Delegation,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let insert = Statement::new(
            "insert into delegations (from_person, to_person, starts_on, ends_on, created_at) \
             values ($1, $2, $3, $4, $5)",
            format!(
                "recording the delegation of {} to {}",
                delegation.from_person, delegation.to_person
            ),
        )
        .bind(&delegation.from_person)
        .bind(&delegation.to_person)
        .bind(day(delegation.starts_on))
        .bind(day(delegation.ends_on))
        .bind(ts(&at));
        self.write(insert).await?;
        Ok(())
    }
}
