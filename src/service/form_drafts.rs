//! Forms filled over several dialogs, or sent back to fix, on platforms that cannot keep a
//! dialog open across a submission (Discord answers a submitted modal with a message, never
//! another modal, and a modal holds five inputs): what the person typed is kept in the store by
//! the form opening's nonce, for them only, so that the next page or a corrected submission
//! starts from it, whichever keel process serves it. Kept a day at most.

use super::{Keel, ServiceError, UserError};
use crate::domain::{Effect, Form, FormId, Interaction, Person};
use crate::engine::form::{ReasonPurpose, reason_form, submission_form};
use crate::store::FormDraft;
use serde_json::Value;

/// How long typed values are kept after their last page.
const KEPT_FOR: chrono::Duration = chrono::Duration::days(1);

/// The most a draft may hold (its JSON), so that nobody can fill the store through one.
const MAX_DRAFT_BYTES: usize = 64 * 1024;

/// Longest nonce kept (the same bound as a form submission's).
const MAX_NONCE_LEN: usize = 100;

type Values = Vec<(String, Value)>;

impl Keel {
    /// The form of `form` as it opens (a workflow's submission form, a reason's), or `None`
    /// for an id keel does not know.
    pub fn form_of(&self, form: &str) -> Option<Form> {
        match FormId::parse(form)? {
            FormId::Submit { workflow } => {
                self.config.workflows.get(&workflow).map(submission_form)
            }
            FormId::Reject { request_id, step } => {
                Some(reason_form(ReasonPurpose::Reject, &request_id, step))
            }
            FormId::Comment { request_id, step } => {
                Some(reason_form(ReasonPurpose::Comment, &request_id, step))
            }
        }
    }

    /// Keeps `values` typed in `form` (opened with `nonce`) over those kept before; all the
    /// values typed so far, in the order first typed.
    pub async fn keep_form_values(
        &self,
        person: &Person,
        form: &str,
        nonce: &str,
        values: &[(String, Value)],
    ) -> Result<Values, ServiceError> {
        if nonce.is_empty() || nonce.len() > MAX_NONCE_LEN || self.form_of(form).is_none() {
            return Err(UserError::Invalid("keel cannot keep this form's values.".into()).into());
        }
        let mut all = match self.kept_form_values(person, nonce).await? {
            Some((kept_form, kept)) if kept_form == form => kept,
            _ => Vec::new(),
        };
        for (name, value) in values {
            match all.iter_mut().find(|(kept, _)| kept == name) {
                Some(kept) => kept.1 = value.clone(),
                None => all.push((name.clone(), value.clone())),
            }
        }
        let json = serde_json::to_string(&all).map_err(anyhow::Error::from)?;
        if json.len() > MAX_DRAFT_BYTES {
            let most = MAX_DRAFT_BYTES / 1024;
            let told = format!("The form's values are longer than keel keeps ({most} KiB).");
            return Err(UserError::Invalid(told).into());
        }
        let now = self.clock.now();
        let draft = FormDraft {
            form: form.to_string(),
            values: json,
        };
        let store = &self.store;
        store
            .keep_form_draft(nonce, &person.id, &draft, now, now - KEPT_FOR)
            .await?;
        Ok(all)
    }

    /// The form and the values `person` typed in it under `nonce`, if they are still kept.
    pub async fn kept_form_values(
        &self,
        person: &Person,
        nonce: &str,
    ) -> Result<Option<(String, Values)>, ServiceError> {
        let Some(draft) = self.store.form_draft(nonce, &person.id).await? else {
            return Ok(None);
        };
        let values: Values = serde_json::from_str(&draft.values).map_err(anyhow::Error::from)?;
        Ok(Some((draft.form, values)))
    }

    /// Forgets what `person` typed under `nonce` (the form was submitted).
    pub async fn forget_form_values(
        &self,
        person: &Person,
        nonce: &str,
    ) -> Result<(), ServiceError> {
        Ok(self.store.forget_form_draft(nonce, &person.id).await?)
    }

    /// The form `person` was filling under `nonce`, opened again with what they typed.
    pub async fn reopen_form(&self, person: &Person, nonce: &str) -> Result<Form, ServiceError> {
        let kept = self.kept_form_values(person, nonce).await?;
        let reopened = kept.and_then(|(form, values)| {
            let mut form = self.form_of(&form)?;
            form.fill(&values);
            Some(form)
        });
        reopened.ok_or_else(|| {
            UserError::Invalid(
                "What you typed in this form is no longer kept (a form is kept a day, until it is submitted): run its command again.".into(),
            )
            .into()
        })
    }
}

/// What a page of a form submitted on a platform of small dialogs comes to.
#[derive(Debug, Clone, PartialEq)]
pub enum PageOutcome {
    /// The form goes on at this page (from 0); what was typed so far is kept.
    NextPage(usize),
    /// The whole form was submitted: the core's effects and, when the form has problems, the
    /// page (from 0) holding the first of them, to open again with what was typed (kept).
    Submitted {
        effects: Vec<Effect>,
        fix_page: Option<usize>,
    },
}

impl Keel {
    /// Page `page` of `form` (opened with `nonce`) submitted with `values` on `platform`,
    /// whose dialogs hold `per_dialog` inputs: records typed by name are resolved, the pages
    /// before it joined, and the whole form submitted once its last page is in.
    pub async fn submit_form_page(
        &self,
        person: &Person,
        platform: &str,
        (form, nonce): (&str, &str),
        (page, per_dialog): (usize, usize),
        values: Values,
    ) -> Result<PageOutcome, ServiceError> {
        let values = self.resolve_typed_records(form, values).await;
        let pages = self.form_of(form).map_or(1, |f| f.pages(per_dialog));
        let all = match pages {
            1 => values,
            _ => self.keep_form_values(person, form, nonce, &values).await?,
        };
        if page + 1 < pages {
            return Ok(PageOutcome::NextPage(page + 1));
        }
        let whole = Interaction::FormSubmitted {
            form: form.to_string(),
            nonce: Some(nonce.to_string()),
            values: all.clone(),
        };
        let effects = self.interact(person, platform, whole).await?;
        let problems = effects.iter().find_map(|effect| match effect {
            Effect::FormErrors { errors } => errors.first(),
            _ => None,
        });
        let Some(first) = problems else {
            self.forget_form_values(person, nonce).await?;
            let fix_page = None;
            return Ok(PageOutcome::Submitted { effects, fix_page });
        };
        self.keep_form_values(person, form, nonce, &all).await?;
        let page = self
            .form_of(form)
            .map(|f| f.page_of(&first.field, per_dialog));
        let fix_page = Some(page.unwrap_or(0));
        Ok(PageOutcome::Submitted { effects, fix_page })
    }
}
