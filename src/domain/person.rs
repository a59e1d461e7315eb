//! The directory: people (staff records) with role, manager, approval limit and chat identities,
//! and the delegations by which an approver hands their approvals to someone for a while.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};

/// One member of staff as the approval engine sees them.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub role: String,
    pub title: Option<String>,
    pub manager_id: Option<String>,
    pub approval_limit: Decimal,
    /// Who the person is on each chat platform (`slack` → `U0123`, `console` → their staff id),
    /// as records.toml's `[directory.chat]` maps them: keyed by platform so that a new platform
    /// needs a mapping, not a field.
    pub chat: BTreeMap<String, String>,
    pub active: bool,
}

impl Person {
    /// The person's identity on `platform`, if they have one there.
    pub fn chat_id(&self, platform: &str) -> Option<&str> {
        self.chat.get(platform).map(String::as_str)
    }
}

/// An approver handing their approvals to a delegate from `starts_on` to `ends_on` inclusive.
#[derive(Debug, Clone, PartialEq)]
pub struct Delegation {
    pub from_person: String,
    pub to_person: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

impl Delegation {
    pub fn covers(&self, day: NaiveDate) -> bool {
        self.starts_on <= day && day <= self.ends_on
    }
}

/// Everyone, indexed the ways people are looked up: staff id, email, chat identities.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    people: HashMap<String, Person>,
    by_email: HashMap<String, String>,
    /// Any platform's identity: what [`Directory::resolve`] accepts.
    by_chat: HashMap<String, String>,
    /// (platform, identity on it): what a platform's own lookup reads, so that an id on one
    /// platform never names someone on another.
    by_platform: HashMap<(String, String), String>,
    /// Roles whose holders may act on any request (they still cannot approve their own).
    admin_roles: Vec<String>,
}

impl Directory {
    pub fn new(people: impl IntoIterator<Item = Person>, admin_roles: Vec<String>) -> Self {
        let mut directory = Directory {
            admin_roles,
            ..Directory::default()
        };
        for person in people {
            if let Some(email) = &person.email {
                directory
                    .by_email
                    .insert(email.to_ascii_lowercase(), person.id.clone());
            }
            for (platform, chat_id) in &person.chat {
                directory.by_chat.insert(chat_id.clone(), person.id.clone());
                directory
                    .by_platform
                    .insert((platform.clone(), chat_id.clone()), person.id.clone());
            }
            directory.people.insert(person.id.clone(), person);
        }
        directory
    }

    pub fn get(&self, id: &str) -> Option<&Person> {
        self.people.get(id)
    }

    /// Finds a person by staff id, email (any case) or chat identity.
    pub fn resolve(&self, who: &str) -> Option<&Person> {
        let who = who.trim();
        self.people
            .get(who)
            .or_else(|| {
                self.by_email
                    .get(&who.to_ascii_lowercase())
                    .and_then(|id| self.people.get(id))
            })
            .or_else(|| self.by_chat.get(who).and_then(|id| self.people.get(id)))
    }

    /// The person who is `id` on `platform`, else the one with `email` (any case): a platform
    /// that knows its member's email finds people the directory has not mapped yet.
    pub fn person_on(&self, platform: &str, id: &str, email: Option<&str>) -> Option<&Person> {
        let key = (platform.to_string(), id.trim().to_string());
        self.by_platform
            .get(&key)
            .or_else(|| {
                let email = email?.trim().to_ascii_lowercase();
                self.by_email.get(&email)
            })
            .and_then(|person| self.people.get(person))
    }

    pub fn is_admin(&self, id: &str) -> bool {
        self.get(id)
            .is_some_and(|p| self.admin_roles.contains(&p.role))
    }

    /// Active holders of an admin role, in staff-id order: who is told when something needs an
    /// administrator (a notification keel could not deliver).
    pub fn admins(&self) -> Vec<&Person> {
        let mut admins = self.people();
        admins.retain(|p| self.admin_roles.contains(&p.role));
        admins
    }

    /// Active people, in staff-id order (stable for routing ties and listings).
    pub fn people(&self) -> Vec<&Person> {
        let mut people: Vec<&Person> = self.people.values().filter(|p| p.active).collect();
        people.sort_by(|a, b| a.id.cmp(&b.id));
        people
    }

    pub fn len(&self) -> usize {
        self.people.len()
    }

    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
    }
}
