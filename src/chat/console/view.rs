//! The JSON the console's browser code reads: messages, people, and what the signed-in person
//! sees of the console. Field names are the contract with `assets/console.js`.

use super::Console;
use crate::domain::Person;
use crate::store::ConsoleMessage;
use serde_json::{Value, json};

pub fn person(person: &Person) -> Value {
    json!({ "id": person.id, "name": person.name, "role": person.role, "title": person.title })
}

pub async fn message(console: &Console, message: &ConsoleMessage) -> Value {
    let author_name = if message.author == "keel" {
        "keel".to_string()
    } else {
        console.keel.display_name(&message.author).await
    };
    json!({
        "id": message.id,
        "conversation": message.conversation,
        "author": { "id": message.author, "name": author_name },
        "text": message.body,
        "card": message.card,
        "thread_of": message.thread_of,
        "request_id": message.request_id,
        "posted_at": message.posted_at,
        "updated_at": message.updated_at,
    })
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
