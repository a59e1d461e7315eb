//! Notifications a transition causes and the platform-neutral card they carry. They are written to
//! the outbox in the transition's transaction and delivered later by a chat adapter.

use super::card_fact::CardFact;
use super::vocabulary::Access;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// An approver is asked to decide (carries a card with buttons).
    ApprovalRequested,
    /// The card of a request changed (someone decided): update it wherever it was posted.
    CardUpdated,
    /// The requester hears the outcome.
    Outcome,
    Reminder,
    Escalation,
    Comment,
    /// A requester or an admin hears that another notification of the request could not be
    /// delivered (it was parked). One of these that is parked itself tells nobody.
    DeliveryFailed,
    /// A leader's scheduled digest (about no request: its card has no buttons).
    Digest,
    /// An alert rule's record crossed its bound (about no request: its card has no buttons).
    Alert,
}

impl NotificationKind {
    /// What a notification of this kind is, in a sentence ("keel could not deliver the … of").
    pub fn describe(self) -> &'static str {
        match self {
            NotificationKind::ApprovalRequested => "request to approve",
            NotificationKind::CardUpdated => "card update",
            NotificationKind::Outcome => "outcome",
            NotificationKind::Reminder => "reminder",
            NotificationKind::Escalation => "escalation",
            NotificationKind::Comment => "comment",
            NotificationKind::DeliveryFailed => "notice of a failed delivery",
            NotificationKind::Digest => "digest",
            NotificationKind::Alert => "alert",
        }
    }
}

/// A button on a card. `action` is what the adapter sends back (`approve`, `reject`, `comment`);
/// `step` lets the core refuse a click on a step that has moved on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardButton {
    pub label: String,
    pub action: String,
    pub request_id: String,
    pub step: usize,
}

impl CardButton {
    /// The button as one string (`approve:CO-1042:1`), for a platform that carries one id back
    /// from a click (Discord's `custom_id`); read back by [`Interaction::clicked`].
    ///
    /// [`Interaction::clicked`]: crate::domain::Interaction::clicked
    pub fn id(&self) -> String {
        format!("{}:{}:{}", self.action, self.request_id, self.step)
    }
}

/// A message with labelled fields and buttons, rendered natively by each adapter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Card {
    pub title: String,
    pub fields: Vec<(String, String)>,
    /// Status line: "Waiting for Rachel Kim", "Approved by Dana Whitfield at …".
    pub status: String,
    /// Why it was routed here (the rule's reason) and the rules' flags, one line each.
    pub notes: Vec<String>,
    /// Unusual-amount flags in words, each with its numbers behind a "why".
    #[serde(default)]
    pub flags: Vec<CardFact>,
    /// The workflow's `context`: what the approver would otherwise look up, computed when the
    /// card is rendered; only what the reader's role may see (see [`Card::for_reader`]).
    #[serde(default)]
    pub facts: Vec<CardFact>,
    pub buttons: Vec<CardButton>,
    /// Questions that give the detail behind the card (a digest's sections, an alert's
    /// record), offered where the platform can as buttons that ask them as `/ask` would.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub questions: Vec<String>,
}

impl Card {
    /// The card with an unusual-amount flag and a budget fact, each with a why, for the
    /// adapters' rendering tests.
    #[cfg(test)]
    pub fn with_context(mut self) -> Card {
        let fact = |label: &str, text: &str, why: &str| CardFact {
            label: label.into(),
            text: text.into(),
            why: Some(why.into()),
            reads: Vec::new(),
            owner: None,
        };
        self.flags = vec![fact(
            "Unusual amount",
            "about 4.9× this project's usual change order",
            "median $3,673.47",
        )];
        self.facts = vec![fact(
            "Budget",
            "$1.00 of <$2.00> spent",
            "invoices added up",
        )];
        self
    }

    /// The card as `reader` (a staff id, in a role with `access`) may see it.
    pub fn for_reader(mut self, access: Option<&Access>, reader: &str) -> Card {
        self.facts.retain(|f| f.visible_to(access, reader));
        self
    }

    /// The card as a channel, read by anyone in it, may see it: only facts no role is denied.
    pub fn for_channel(mut self, accesses: &BTreeMap<String, Access>) -> Card {
        self.facts.retain(|f| f.visible_to_all(accesses));
        self
    }
}

impl Card {
    /// A change order's card waiting for Rachel Kim, with `fields` and the three buttons, for
    /// the adapters' rendering tests.
    #[cfg(test)]
    pub fn sample(fields: Vec<(String, String)>) -> Card {
        let button = |action: &str| CardButton {
            label: action.to_string(),
            action: action.to_string(),
            request_id: "CO-1042".into(),
            step: 1,
        };
        Card {
            title: "Change order CO-1042".into(),
            fields,
            status: "Waiting for Rachel Kim".into(),
            notes: vec!["Rule: large".into()],
            flags: Vec::new(),
            facts: Vec::new(),
            buttons: ["approve", "reject", "comment"].map(button).to_vec(),
            questions: Vec::new(),
        }
    }
}

/// One message to one person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    /// Staff id of the recipient.
    pub to: String,
    pub kind: NotificationKind,
    /// The request it is about; empty for a digest or an alert, which are about none (see
    /// [`Notification::about_request`]).
    pub request_id: String,
    pub text: String,
    pub card: Option<Card>,
}

impl Notification {
    /// The request it is about, if any (a digest or an alert is about none).
    pub fn about_request(&self) -> Option<&str> {
        Some(self.request_id.as_str()).filter(|id| !id.is_empty())
    }

    /// What it is, for a sentence about it: "outcome of CO-1042", or for one about no request
    /// its card's title ("digest “Monday briefing: Mon 23 Nov 2026, 08:00”").
    pub fn what(&self) -> String {
        let kind = self.kind.describe();
        match (self.about_request(), &self.card) {
            (Some(id), _) => format!("{kind} of {id}"),
            (None, Some(card)) => format!("{kind} “{}”", card.title),
            (None, None) => kind.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notification_says_what_it_is_with_its_request_or_its_title() {
        let mut notification = Notification {
            to: "S004".into(),
            kind: NotificationKind::Outcome,
            request_id: "CO-1042".into(),
            text: String::new(),
            card: None,
        };
        assert_eq!(notification.what(), "outcome of CO-1042");
        notification.kind = NotificationKind::Digest;
        notification.request_id = String::new();
        notification.card = Some(Card {
            title: "Monday briefing".into(),
            buttons: Vec::new(),
            ..Card::sample(Vec::new())
        });
        assert_eq!(notification.what(), "digest “Monday briefing”");
        notification.card = None;
        assert_eq!(notification.what(), "digest");
    }
}
