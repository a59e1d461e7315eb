//! Forms being filled over several dialogs, or sent back to fix ([`crate::service`]'s
//! plain forms): what their author typed so far, by the form opening's nonce.

use super::Store;
use super::sql::ts;
use super::statement::Statement;
use anyhow::Result;
use chrono::{DateTime, Utc};

/// A form's values kept between dialogs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormDraft {
    pub form: String,
    /// JSON array of `[field, value]` pairs.
    pub values: String,
}

impl Store {
    /// Keeps `draft` for `person` under `nonce` (replacing what was kept), and forgets drafts
    /// last touched before `forget_before`. A nonce another person holds is left alone.
    pub async fn keep_form_draft(
        &self,
        nonce: &str,
        person: &str,
        draft: &FormDraft,
        at: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> Result<()> {
        let upsert = Statement::new(
            "insert into form_drafts (nonce, person, form, field_values, updated_at) \
             values ($1, $2, $3, $4, $5) on conflict (nonce) do update set \
             form = excluded.form, field_values = excluded.field_values, \
             updated_at = excluded.updated_at where form_drafts.person = excluded.person",
            format!("keeping the values of form {}", draft.form),
        )
        .bind(nonce)
        .bind(person)
        .bind(&draft.form)
        .bind(&draft.values)
        .bind(ts(&at));
        let forget = Statement::new(
            "delete from form_drafts where updated_at < $1",
            "forgetting old form drafts",
        )
        .bind(ts(&forget_before));
        let mut tx = self.begin().await?;
        tx.write(upsert).await?;
        tx.write(forget).await?;
        tx.commit().await
    }

    /// The draft `person` keeps under `nonce`, if any.
    pub async fn form_draft(&self, nonce: &str, person: &str) -> Result<Option<FormDraft>> {
        let read = Statement::new(
            "select form, field_values from form_drafts where nonce = $1 and person = $2",
            "reading a form draft",
        )
        .bind(nonce)
        .bind(person);
        let rows = self.read(read).await?;
        rows.into_iter()
            .next()
            .map(|row| {
                let mut columns = row.columns();
                Ok(FormDraft {
                    form: columns.text()?,
                    values: columns.text()?,
                })
            })
            .transpose()
    }

    /// Forgets a draft (its form was submitted).
    pub async fn forget_form_draft(&self, nonce: &str, person: &str) -> Result<()> {
        let delete = Statement::new(
            "delete from form_drafts where nonce = $1 and person = $2",
            "forgetting a form draft",
        )
        .bind(nonce)
        .bind(person);
        let mut tx = self.begin().await?;
        tx.write(delete).await?;
        tx.commit().await
    }
}
