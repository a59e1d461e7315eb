//! The JSON the console's browser code reads: messages, people, and what the signed-in person
//! sees of the console. Field names are the contract with `assets/console.js`.

use super::Console;
use crate::domain::Person;
use crate::service::ConsoleMessage;
use serde_json::{Value, json};

pub fn person(person: &Person) -> Value {
    json!({ "id": person.id, "name": person.name, "role": person.role, "title": person.title })
}

/// A message as `viewer` sees it. In a channel, a card about a request the viewer is not part
/// of (neither its requester, an approver nor an admin) shows only that it exists: its fields,
/// reason, anomaly note and buttons are what `/console/api/requests/{id}` would refuse them.
pub async fn message(console: &Console, viewer: &Person, message: &ConsoleMessage) -> Value {
    let author_name = if message.author == "keel" {
        "keel".to_string()
    } else {
        console.keel.display_name(&message.author).await
    };
    let (text, card) = match withheld(console, viewer, message).await {
        Some(line) => (line, Value::Null),
        None => (message.body.clone(), json!(message.card)),
    };
    json!({
        "id": message.id,
        "conversation": message.conversation,
        "author": { "id": message.author, "name": author_name },
        "text": text,
        "card": card,
        "thread_of": message.thread_of,
        "request_id": message.request_id,
        "posted_at": message.posted_at,
        "updated_at": message.updated_at,
        "answer": message.answer.as_ref().map(|answer| json!({
            "table": answer.table,
            "how": answer.how,
            "chart": answer.chart.then(|| format!("/console/api/messages/{}/chart", message.id)),
        })),
    })
}

/// The line shown instead of a channel card `viewer` may not see, or `None` to show it whole.
/// A viewer's own direct messages are theirs; when visibility cannot be read the card is
/// withheld (a refusal is safer than a leak).
async fn withheld(console: &Console, viewer: &Person, message: &ConsoleMessage) -> Option<String> {
    let request_id = message.request_id.as_deref()?;
    if message.conversation == super::port::direct(&viewer.id) {
        return None;
    }
    match console.keel.may_see_request(viewer, request_id).await {
        Ok(true) => None,
        Ok(false) => Some(format!(
            "{request_id} was submitted. You are not part of it, so its details are not shown here."
        )),
        Err(error) => {
            tracing::warn!(request_id, "checking who may see a channel card: {error:#}");
            Some(format!("{request_id}: its details could not be shown."))
        }
    }
}

/// Who is signed in, the conversations they see and the commands they may type.
pub fn me(console: &Console, signed_in: &Person) -> Value {
    let mut conversations: Vec<Value> = console
        .channels()
        .into_iter()
        .map(|channel| json!({ "id": channel, "name": channel }))
        .collect();
    conversations.push(json!({
        "id": super::port::direct(&signed_in.id),
        "name": "keel (direct messages)",
    }));
    let mut commands: Vec<Value> = console
        .keel
        .config
        .workflows
        .values()
        .map(|w| json!({ "command": format!("/{}", w.command), "description": w.title }))
        .collect();
    commands.push(json!({
        "command": "/keel",
        "description": "/keel approvals | requests | help",
    }));
    commands.push(json!({
        "command": "/ask",
        "description": "/ask a question about the records",
    }));
    json!({
        "person": person(signed_in),
        "demo": console.access == super::Access::Demo,
        "conversations": conversations,
        "commands": commands,
    })
}
