//! What a person does in chat, whichever platform they use: a slash command opens a workflow's
//! form or answers `/keel …`; a submitted form becomes a request or a decision; a button approves
//! or opens the reason form. Adapters translate payloads into an [`Interaction`] and render the
//! [`Effect`]s; everything else (cards, DMs, updates) goes through the outbox.

use super::{Keel, ServiceError, UserError};
use crate::domain::interaction::FieldProblem;
use crate::domain::{Effect, FormId, Interaction, Person, Status};
use crate::engine::form::{
    FieldError, NUL_REFUSED, ReasonPurpose, has_nul, reason_form, submission_form, truncate,
};
use crate::engine::lifecycle::{Action, MAX_TEXT};
use crate::service::NewRequest;
use std::sync::Arc;
use tokio::sync::watch;

/// Longest nonce an adapter may give a form opening.
const MAX_NONCE_LEN: usize = 100;

/// Wakes the outbox deliverers when a transition has queued notifications, so a card reaches
/// its approver at once instead of at the next scheduler tick. Every listener hears every ring:
/// each platform has a deliverer of its own (see [`crate::server`]), and all of them may owe
/// something.
pub struct DeliveryBell(watch::Sender<u64>);

impl Default for DeliveryBell {
    fn default() -> Self {
        DeliveryBell(watch::channel(0).0)
    }
}

impl DeliveryBell {
    pub fn ring(&self) {
        self.0.send_modify(|rings| *rings = rings.wrapping_add(1));
    }

    /// A listener of its own, for one deliverer.
    pub fn listen(&self) -> BellListener {
        BellListener(self.0.subscribe())
    }
}

/// One deliverer's ear for the [`DeliveryBell`].
pub struct BellListener(watch::Receiver<u64>);

impl BellListener {
    /// Returns once rung (at once if it was rung since the last wait).
    pub async fn rung(&mut self) {
        // The bell lives as long as keel, so the channel does not close under a listener.
        if self.0.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

impl Keel {
    /// The bell the scheduler waits on besides its period.
    pub fn delivery_bell(&self) -> Arc<DeliveryBell> {
        self.bell.clone()
    }

    /// Handles one interaction of `actor` (a person of the directory) on `platform`.
    pub async fn interact(
        &self,
        actor: &Person,
        platform: &str,
        interaction: Interaction,
    ) -> Result<Vec<Effect>, ServiceError> {
        let effects = match interaction {
            Interaction::Command { name, text } => {
                replied(self.command(actor, &name, &text).await)?
            }
            Interaction::Button {
                request_id,
                action,
                step,
            } => replied(self.button(actor, &request_id, &action, step).await)?,
            Interaction::FormSubmitted {
                form,
                nonce,
                values,
            } => {
                let outcome = self.form(actor, platform, &form, nonce, values).await;
                match outcome {
                    Ok(reply) => vec![Effect::CloseForm, Effect::Reply { text: reply }],
                    Err(ServiceError::User(UserError::InvalidForm(errors))) => {
                        vec![form_errors(&errors)]
                    }
                    Err(ServiceError::User(error)) => vec![Effect::FormErrors {
                        errors: vec![FieldProblem {
                            field: String::new(),
                            message: error.to_string(),
                        }],
                    }],
                    Err(internal) => return Err(internal),
                }
            }
        };
        self.bell.ring();
        Ok(effects)
    }

    async fn command(
        &self,
        actor: &Person,
        name: &str,
        text: &str,
    ) -> Result<Vec<Effect>, ServiceError> {
        let name = name.trim().trim_start_matches('/');
        if has_nul(text) {
            return Ok(vec![Effect::Reply {
                text: format!("The command's text {NUL_REFUSED}. Nothing was done."),
            }]);
        }
        if name == "keel" {
            return Ok(vec![Effect::Reply {
                text: self.keel_command(actor, text.trim()).await?,
            }]);
        }
        if name == "ask" {
            return self.ask_effects(actor, text).await;
        }
        match self.config.workflows.values().find(|w| w.command == name) {
            Some(workflow) => Ok(vec![Effect::OpenForm {
                form: submission_form(workflow),
            }]),
            None => Ok(vec![Effect::Reply {
                text: format!(
                    "There is no command /{}. {}",
                    truncate(name, 40),
                    self.command_list()
                ),
            }]),
        }
    }

    async fn button(
        &self,
        actor: &Person,
        request_id: &str,
        action: &str,
        step: usize,
    ) -> Result<Vec<Effect>, ServiceError> {
        let purpose = match action {
            "approve" => {
                let reply = self
                    .decide(actor, request_id, Action::Approve, step)
                    .await?;
                return Ok(vec![Effect::Reply { text: reply }]);
            }
            "reject" => ReasonPurpose::Reject,
            "comment" => ReasonPurpose::Comment,
            other => {
                return Ok(vec![Effect::Reply {
                    text: format!(
                        "This button (`{}`) is not one keel knows; nothing was changed.",
                        truncate(other, 40)
                    ),
                }]);
            }
        };
        // A stale card is told so now rather than after the person has typed a reason.
        let request = self
            .store
            .get_request(request_id.trim())
            .await?
            .ok_or_else(|| UserError::UnknownRequest(truncate(request_id, 40)))?;
        if purpose == ReasonPurpose::Reject
            && (request.status != Status::Pending || request.current_step != step)
        {
            let card = self.card_summary(&request).await?;
            return Ok(vec![Effect::Reply {
                text: format!(
                    "{} has moved on since this card was sent: {}. Nothing was changed.",
                    request.id, card.status
                ),
            }]);
        }
        Ok(vec![Effect::OpenForm {
            form: reason_form(purpose, &request.id, step),
        }])
    }

    async fn form(
        &self,
        actor: &Person,
        platform: &str,
        form: &str,
        nonce: Option<String>,
        values: Vec<(String, serde_json::Value)>,
    ) -> Result<String, ServiceError> {
        let Some(form_id) = FormId::parse(form) else {
            return Err(UserError::Invalid(format!(
                "keel does not know the form `{}`; nothing was submitted. Open it again from its command.",
                truncate(form, 60)
            ))
            .into());
        };
        if nonce.as_ref().is_some_and(|n| n.len() > MAX_NONCE_LEN) {
            return Err(UserError::Invalid("The form's nonce is too long.".into()).into());
        }
        match form_id {
            FormId::Submit { workflow } => {
                let new = NewRequest {
                    workflow,
                    requester: actor.id.clone(),
                    fields: values,
                    idempotency_key: nonce.map(|n| format!("{platform}:{}:{n}", actor.id)),
                };
                let request = self.submit(new).await?;
                let card = self.card_summary(&request).await?;
                Ok(format!("{} submitted: {}.", card.title, card.status))
            }
            FormId::Reject { request_id, step } => {
                let reason = reason_of(&values)?;
                self.decide(actor, &request_id, Action::Reject { reason }, step)
                    .await
            }
            FormId::Comment { request_id, step } => {
                let text = reason_of(&values)?;
                self.decide(actor, &request_id, Action::Comment { text }, step)
                    .await
            }
        }
    }

    /// Acts on a request as `actor` and says what happened.
    async fn decide(
        &self,
        actor: &Person,
        request_id: &str,
        action: Action,
        step: usize,
    ) -> Result<String, ServiceError> {
        let verb = match &action {
            Action::Approve => "approved",
            Action::Reject { .. } => "rejected",
            Action::Cancel { .. } => "cancelled",
            Action::Comment { .. } => "commented on",
        };
        let request = self.act(request_id, &actor.id, action, Some(step)).await?;
        let card = self.card_summary(&request).await?;
        Ok(format!("You {verb} {}. {}.", card.title, card.status))
    }
}

/// A refusal or a mistake becomes a private reply; anything else stays an error.
fn replied(outcome: Result<Vec<Effect>, ServiceError>) -> Result<Vec<Effect>, ServiceError> {
    match outcome {
        Err(ServiceError::User(error)) => Ok(vec![Effect::Reply {
            text: error.to_string(),
        }]),
        other => other,
    }
}

/// The text of a reason or comment form, refused next to its field when empty or too long.
fn reason_of(values: &[(String, serde_json::Value)]) -> Result<String, UserError> {
    let text = values
        .iter()
        .find(|(name, _)| name == "reason")
        .and_then(|(_, v)| v.as_str())
        .unwrap_or_default()
        .to_string();
    check_reason(&text)?;
    Ok(text)
}

fn check_reason(text: &str) -> Result<(), UserError> {
    let problem = if text.trim().is_empty() {
        "Give a reason; the requester will read it.".to_string()
    } else if has_nul(text) {
        NUL_REFUSED.to_string()
    } else if text.chars().count() > MAX_TEXT {
        format!(
            "is too long ({} characters; at most {MAX_TEXT})",
            text.chars().count()
        )
    } else {
        return Ok(());
    };
    Err(UserError::InvalidForm(vec![FieldError {
        field: "reason".into(),
        message: problem,
    }]))
}

fn form_errors(errors: &[FieldError]) -> Effect {
    Effect::FormErrors {
        errors: errors
            .iter()
            .map(|e| FieldProblem {
                field: e.field.clone(),
                message: e.message.clone(),
            })
            .collect(),
    }
}
