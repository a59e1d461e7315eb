//! The words people use for record types and what they mean by them, from `config/ask.toml`:
//! the offline planner reads questions with it.

use std::collections::BTreeMap;

/// How questions name each record type.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vocabulary {
    pub types: BTreeMap<String, TypeWords>,
    /// What each role may not see, by role; a role not listed sees everything.
    pub access: BTreeMap<String, Access>,
    /// Phrases for listed values of any type ("turned down" → `rejected`), used where a
    /// field lists every value the phrase means.
    pub values: BTreeMap<String, Vec<String>>,
    /// Verbs and nouns that name a reference field ("manages" → a field whose name holds
    /// `manager`, "signed off" → `approver`), lowercase, each with the parts of field names it
    /// may mean, first fitting first: "projects Diana manages" are those whose manager is Diana.
    pub relations: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct TypeWords {
    /// Words and phrases naming the type ("invoice", "bills", "purchase orders"), lowercase.
    pub words: Vec<String>,
    /// The date "in March" or "last quarter" refers to.
    pub date: Option<String>,
    /// What "how much" adds up.
    pub amount: Option<String>,
    /// Types whose money questions are about this one: "how much did we spend with a vendor"
    /// adds up invoices when the invoice type lists `vendor`.
    pub money_of: Vec<String>,
    /// Words for fields of the type ("late" → `delivered_date`), lowercase.
    pub fields: BTreeMap<String, String>,
    /// Phrases for listed values of this type ("unpaid" → `open`, `overdue`), lowercase.
    pub values: BTreeMap<String, Vec<String>>,
}

/// What one role may not see in answers (`ask.toml`'s `[access.<role>]`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Access {
    /// Whole record types (`field` is `None`) and single fields hidden from the role.
    pub hidden: Vec<(String, Option<String>)>,
    /// Record types the role sees only its own records of (through the type's reference to
    /// the directory).
    pub own: Vec<String>,
}

impl Access {
    /// Whether `field` of `record_type` (or, with `None`, the type at all) is hidden.
    pub fn hides(&self, record_type: &str, field: Option<&str>) -> bool {
        self.hidden.iter().any(|(t, f)| {
            t == record_type && (f.is_none() || (field.is_some() && f.as_deref() == field))
        })
    }
}
