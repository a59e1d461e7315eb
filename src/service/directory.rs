//! The directory, built from the staff records and cached (see [`super::cached`]): every
//! decision reads it, and it changes only when staff records do.

use super::cached::Cached;
use crate::config::DirectoryMapping;
use crate::domain::field::money_of;
use crate::domain::{Directory, Fields, Person, Record};
use crate::store::Store;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The directory and the staff records behind it (rules read any staff field as `requester.x`).
pub struct People {
    pub directory: Directory,
    pub records: HashMap<String, Fields>,
}

pub struct DirectoryCache {
    mapping: DirectoryMapping,
    loaded: Cached<(), People>,
}

impl DirectoryCache {
    pub fn new(mapping: DirectoryMapping) -> Self {
        DirectoryCache {
            mapping,
            loaded: Cached::default(),
        }
    }

    pub async fn get(&self, store: &Store) -> anyhow::Result<Arc<People>> {
        self.loaded
            .get((), || async {
                let records = store.list_records(&self.mapping.record).await?;
                Ok(self.build(records))
            })
            .await
    }

    pub fn invalidate(&self) {
        self.loaded.invalidate();
    }

    fn build(&self, records: Vec<Record>) -> People {
        let m = &self.mapping;
        let text = |fields: &Fields, name: &str| {
            fields
                .get(name)
                .and_then(|v| v.as_str())
                .map(str::to_string)
                .filter(|s| !s.is_empty())
        };
        let people: Vec<Person> = records
            .iter()
            .map(|record| {
                let f = &record.fields;
                Person {
                    id: record.key.clone(),
                    name: text(f, &m.name).unwrap_or_else(|| record.key.clone()),
                    email: text(f, &m.email),
                    role: text(f, &m.role).unwrap_or_default(),
                    title: text(f, &m.title),
                    manager_id: text(f, &m.manager),
                    approval_limit: money_of(f, &m.approval_limit).unwrap_or_default(),
                    chat: chat_identities(&record.key, f, m),
                    active: f.get(&m.active).and_then(|v| v.as_bool()).unwrap_or(true),
                }
            })
            .collect();
        let records = records.into_iter().map(|r| (r.key, r.fields)).collect();
        People {
            directory: Directory::new(people, m.admin_roles.clone()),
            records,
        }
    }
}

/// A person's identity on each mapped platform, and on keel's console: their staff id, the id a
/// console session signs in with.
fn chat_identities(
    key: &str,
    fields: &Fields,
    mapping: &DirectoryMapping,
) -> BTreeMap<String, String> {
    let mut chat: BTreeMap<String, String> = mapping
        .chat
        .iter()
        .filter_map(|(platform, field)| {
            let id = fields.get(field)?.as_str()?.trim();
            (!id.is_empty()).then(|| (platform.clone(), id.to_string()))
        })
        .collect();
    chat.insert(CONSOLE.to_string(), key.to_string());
    chat
}

/// The platform name of keel's own console.
pub const CONSOLE: &str = "console";
