//! The words people use for record types and what they mean by them, from `config/ask.toml`:
//! the offline planner reads questions with it.

use std::collections::BTreeMap;

/// How questions name each record type.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vocabulary {
    pub types: BTreeMap<String, TypeWords>,
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
}
