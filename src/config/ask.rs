//! `ask.toml`: the words questions use for record types, the date and amount each one is
//! asked about, and synonyms for fields. Optional: without it, a type is known by its name.

use super::Problem;
use super::source::Source;
use crate::domain::vocabulary::{Access, TypeWords, Vocabulary};
use crate::domain::{FieldType, RecordSchema};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AskFile {
    #[serde(default)]
    types: BTreeMap<Spanned<String>, TypeFile>,
    #[serde(default)]
    access: BTreeMap<String, AccessFile>,
    #[serde(default)]
    values: BTreeMap<String, Spanned<Vec<String>>>,
    #[serde(default)]
    relations: BTreeMap<String, Spanned<Vec<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccessFile {
    #[serde(default)]
    hidden: Vec<Spanned<String>>,
    #[serde(default)]
    own: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TypeFile {
    #[serde(default)]
    words: Vec<String>,
    date: Option<Spanned<String>>,
    amount: Option<Spanned<String>>,
    #[serde(default)]
    money_of: Vec<Spanned<String>>,
    #[serde(default)]
    fields: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    values: BTreeMap<String, Spanned<Vec<String>>>,
}

/// Reads `ask.toml` when there is one; every record type is known at least by its own name.
pub(super) fn load(
    path: &Path,
    schema: &RecordSchema,
    directory_type: &str,
    role_field: &str,
    problems: &mut Vec<Problem>,
) -> Vocabulary {
    let mut vocabulary = Vocabulary::default();
    for name in schema.types.keys() {
        let spoken = name.replace('_', " ");
        vocabulary.types.insert(
            name.clone(),
            TypeWords {
                words: vec![spoken.clone(), format!("{spoken}s")],
                ..TypeWords::default()
            },
        );
    }
    if !path.exists() {
        return vocabulary;
    }
    let Some(source) = Source::read(path, "ask.toml names record types for questions", problems)
    else {
        return vocabulary;
    };
    let Some(file) = source.parse::<AskFile>(problems) else {
        return vocabulary;
    };
    for (name, raw) in &file.types {
        let Some(record) = schema.get(name.get_ref()) else {
            let known: Vec<&str> = schema.types.keys().map(String::as_str).collect();
            problems.push(source.at(
                name,
                format!("[types.{}] is not a record type", name.get_ref()),
                format!("use one of: {}", known.join(", ")),
            ));
            continue;
        };
        let mut field_of = |spanned: &Spanned<String>, wanted: &[&str], what: &str| {
            let field = spanned.get_ref();
            match record.field(field) {
                Some(f) if wanted.iter().any(|w| f.field_type.to_string() == *w) => {
                    Some(field.clone())
                }
                Some(f) => {
                    problems.push(source.at(
                        spanned,
                        format!("{}.{field} is {}, not {what}", record.name, f.field_type),
                        format!("name a field that is {}", wanted.join(" or ")),
                    ));
                    None
                }
                None => {
                    problems.push(source.at(
                        spanned,
                        format!("{} has no field `{field}`", record.name),
                        "name one of the fields declared in records.toml",
                    ));
                    None
                }
            }
        };
        let date = raw
            .date
            .as_ref()
            .and_then(|d| field_of(d, &["date", "timestamp"], "a date"));
        let amount = raw
            .amount
            .as_ref()
            .and_then(|a| field_of(a, &["money", "number"], "an amount"));
        let mut fields = BTreeMap::new();
        for (word, field) in &raw.fields {
            if record.field(field.get_ref()).is_some() {
                fields.insert(word.to_lowercase(), field.get_ref().clone());
            } else {
                problems.push(source.at(
                    field,
                    format!("{} has no field `{}`", record.name, field.get_ref()),
                    "name one of the fields declared in records.toml",
                ));
            }
        }
        let mut money_of = Vec::new();
        for of in &raw.money_of {
            if schema.get(of.get_ref()).is_some() {
                money_of.push(of.get_ref().clone());
            } else {
                problems.push(source.at(
                    of,
                    format!(
                        "money_of names `{}`, which is not a record type",
                        of.get_ref()
                    ),
                    "name a record type declared in records.toml",
                ));
            }
        }
        let enums: Vec<&String> = record
            .fields
            .iter()
            .flat_map(|f| enum_values(&f.field_type))
            .collect();
        let values = value_phrases(&source, &raw.values, &enums, &record.name, problems);
        let words = vocabulary.types.entry(record.name.clone()).or_default();
        words.values = values;
        words.money_of = money_of;
        words
            .words
            .extend(raw.words.iter().map(|w| w.trim().to_lowercase()));
        words.date = date;
        words.amount = amount;
        words.fields = fields;
    }
    let every_enum: Vec<&String> = schema
        .types
        .values()
        .flat_map(|t| &t.fields)
        .flat_map(|f| enum_values(&f.field_type))
        .collect();
    vocabulary.values = value_phrases(
        &source,
        &file.values,
        &every_enum,
        "any record type",
        problems,
    );
    vocabulary.relations = relation_phrases(&source, &file.relations, schema, problems);
    let roles: Vec<String> = schema
        .get(directory_type)
        .and_then(|t| t.field(role_field))
        .and_then(|f| match &f.field_type {
            FieldType::Enum(values) => Some(values.clone()),
            _ => None,
        })
        .unwrap_or_default();
    for (role, raw) in &file.access {
        // A misspelt role would silently see everything.
        if !roles.is_empty() && !roles.contains(role) {
            let header = format!("[access.{role}]");
            problems.push(Problem {
                file: source.path.clone(),
                line: source
                    .text
                    .lines()
                    .position(|l| l.trim() == header)
                    .map(|i| i + 1),
                message: format!("{header} names no role of the directory"),
                hint: format!("the roles are: {}", roles.join(", ")),
            });
            continue;
        }
        let access = access(&source, raw, schema, directory_type, problems);
        vocabulary.access.insert(role.clone(), access);
    }
    for (name, words) in &mut vocabulary.types {
        words.words.sort();
        words.words.dedup();
        // Unless the file says otherwise, a type's first date and first money field.
        let Some(record) = schema.get(name) else {
            continue;
        };
        let first = |wanted: &dyn Fn(&FieldType) -> bool| {
            record
                .fields
                .iter()
                .find(|f| wanted(&f.field_type))
                .map(|f| f.name.clone())
        };
        if words.date.is_none() {
            words.date = first(&|t| matches!(t, FieldType::Date | FieldType::Timestamp));
        }
        if words.amount.is_none() {
            words.amount = first(&|t| matches!(t, FieldType::Money));
        }
    }
    vocabulary
}

/// The values of a listed field (none for other fields).
fn enum_values(field_type: &FieldType) -> &[String] {
    match field_type {
        FieldType::Enum(values) => values,
        _ => &[],
    }
}

/// Phrases for listed values, lowercase; each value must be one of `known` (the listed values
/// of `of`).
fn value_phrases(
    source: &Source,
    raw: &BTreeMap<String, Spanned<Vec<String>>>,
    known: &[&String],
    of: &str,
    problems: &mut Vec<Problem>,
) -> BTreeMap<String, Vec<String>> {
    let mut phrases = BTreeMap::new();
    for (phrase, values) in raw {
        match values.get_ref().iter().find(|v| !known.contains(v)) {
            Some(unknown) => problems.push(source.at(
                values,
                format!("`{unknown}` is not a listed value of {of}"),
                "name values declared in an enum(...) field of records.toml",
            )),
            None => {
                phrases.insert(phrase.trim().to_lowercase(), values.get_ref().clone());
            }
        }
    }
    phrases
}

/// `[relations]`: phrases naming a reference field, lowercase; each part must be part of the
/// name of some `ref(...)` field, or the phrase could never be read.
fn relation_phrases(
    source: &Source,
    raw: &BTreeMap<String, Spanned<Vec<String>>>,
    schema: &RecordSchema,
    problems: &mut Vec<Problem>,
) -> BTreeMap<String, Vec<String>> {
    let refs: Vec<&str> = schema
        .types
        .values()
        .flat_map(|t| &t.fields)
        .filter(|f| matches!(f.field_type, FieldType::Ref(_)))
        .map(|f| f.name.as_str())
        .collect();
    let mut phrases = BTreeMap::new();
    for (phrase, parts) in raw {
        let unknown = parts
            .get_ref()
            .iter()
            .find(|part| part.is_empty() || !refs.iter().any(|r| r.contains(part.as_str())));
        match unknown {
            Some(part) => problems.push(source.at(
                parts,
                format!("`{part}` is part of the name of no reference field"),
                format!("name part of one of: {}", refs.join(", ")),
            )),
            None if parts.get_ref().is_empty() => problems.push(source.at(
                parts,
                format!("the relation \"{phrase}\" names no field"),
                "list the part of a reference field's name it means, such as \"manager\"",
            )),
            None => {
                phrases.insert(phrase.trim().to_lowercase(), parts.get_ref().clone());
            }
        }
    }
    phrases
}

/// One role's `[access.<role>]`: hidden types and fields must exist, and an `own` type must
/// refer to the directory (that is how a record is someone's own).
fn access(
    source: &Source,
    raw: &AccessFile,
    schema: &RecordSchema,
    directory_type: &str,
    problems: &mut Vec<Problem>,
) -> Access {
    let mut access = Access::default();
    for entry in &raw.hidden {
        let (record_type, field) = match entry.get_ref().split_once('.') {
            Some((t, f)) => (t, Some(f)),
            None => (entry.get_ref().as_str(), None),
        };
        let known = schema
            .get(record_type)
            .is_some_and(|t| field.is_none_or(|f| t.field(f).is_some()));
        if known {
            access
                .hidden
                .push((record_type.to_string(), field.map(str::to_string)));
        } else {
            problems.push(source.at(
                entry,
                format!(
                    "`{}` is not a record type or one of its fields",
                    entry.get_ref()
                ),
                "write `type` or `type.field` as declared in records.toml",
            ));
        }
    }
    for entry in &raw.own {
        let refers = schema.get(entry.get_ref()).is_some_and(|t| {
            t.fields
                .iter()
                .any(|f| f.field_type == FieldType::Ref(directory_type.to_string()))
        });
        if refers {
            access.own.push(entry.get_ref().clone());
        } else {
            problems.push(source.at(
                entry,
                format!(
                    "`{}` has no field referring to {directory_type}, so its records are nobody's own",
                    entry.get_ref()
                ),
                "list a record type with a ref(staff) field, such as expense",
            ));
        }
    }
    access
}
