//! Source of truth: a record type with an `[[owner]]` takes writes from its owning source only.
//! Anyone else's write (a CSV import, another source, the REST API) is refused with a message
//! naming the owner, or, when the owner says so, becomes a change request that goes through a
//! workflow and changes the record only once approved.

use crate::config::{OtherWriters, Owner};
use std::collections::BTreeMap;

/// Who is writing a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Writer {
    /// `keel import` or the demo's import.
    CsvImport,
    /// The REST API, acting as a person (staff id or email).
    Api { person: String },
    /// An integration source (`[[source]]`) by name.
    Source(String),
}

impl Writer {
    /// How the write is recorded (`records.source`, `record_change_requests.writer`).
    pub fn label(&self) -> String {
        match self {
            Writer::CsvImport => "csv import".into(),
            Writer::Api { .. } => "api".into(),
            Writer::Source(name) => format!("source {name}"),
        }
    }

    /// The writer in a sentence: "this CSV import", "the REST API", "the source hubspot".
    fn describe(&self) -> String {
        match self {
            Writer::CsvImport => "a CSV import".into(),
            Writer::Api { .. } => "the REST API".into(),
            Writer::Source(name) => format!("the source `{name}`"),
        }
    }
}

/// What becomes of a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict<'o> {
    /// No owner, or the owner itself: written.
    Allowed,
    /// Refused; the text says who owns the records and where to change them.
    Refused(String),
    /// Filed as a request of `workflow`, by the API's person or else `requester`.
    ChangeRequest {
        workflow: &'o str,
        requester: &'o str,
    },
}

/// The verdict on `writer` writing records of `record_type`.
pub fn verdict<'o>(
    owners: &'o BTreeMap<String, Owner>,
    record_type: &str,
    writer: &Writer,
) -> Verdict<'o> {
    let Some(owner) = owners.get(record_type) else {
        return Verdict::Allowed;
    };
    if *writer == Writer::Source(owner.source.clone()) {
        return Verdict::Allowed;
    }
    match &owner.others {
        OtherWriters::Refuse => Verdict::Refused(format!(
            "{record_type} records are owned by {}: keel takes their changes from it only. Change the record there; this write from {} changed nothing.",
            owner.source,
            writer.describe()
        )),
        OtherWriters::ChangeRequest {
            workflow,
            requester,
        } => Verdict::ChangeRequest {
            workflow,
            requester,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owners(others: OtherWriters) -> BTreeMap<String, Owner> {
        let owner = Owner {
            record_type: "vendor".into(),
            source: "quickbooks".into(),
            others,
        };
        BTreeMap::from([("vendor".to_string(), owner)])
    }

    #[test]
    fn a_type_without_an_owner_takes_every_write() {
        let owners = owners(OtherWriters::Refuse);
        assert_eq!(
            verdict(&owners, "project", &Writer::CsvImport),
            Verdict::Allowed
        );
    }

    #[test]
    fn the_owner_writes_and_others_are_refused_with_its_name() {
        let owners = owners(OtherWriters::Refuse);
        let owner = Writer::Source("quickbooks".into());
        assert_eq!(verdict(&owners, "vendor", &owner), Verdict::Allowed);
        for writer in [
            Writer::CsvImport,
            Writer::Source("hubspot".into()),
            Writer::Api {
                person: "S001".into(),
            },
        ] {
            let Verdict::Refused(text) = verdict(&owners, "vendor", &writer) else {
                panic!("{writer:?} should be refused");
            };
            assert!(text.contains("owned by quickbooks"), "{text}");
            assert!(text.contains("changed nothing"), "{text}");
        }
    }

    #[test]
    fn others_file_change_requests_when_the_owner_says_so() {
        let owners = owners(OtherWriters::ChangeRequest {
            workflow: "vendor_change".into(),
            requester: "S002".into(),
        });
        assert_eq!(
            verdict(&owners, "vendor", &Writer::CsvImport),
            Verdict::ChangeRequest {
                workflow: "vendor_change",
                requester: "S002"
            }
        );
    }
}
