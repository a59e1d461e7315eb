//! `records.toml`: the record types (fields, key, label, system of record) and the directory
//! mapping that says which record type holds people and which of its fields mean what.

use super::ordered::Ordered;
use super::source::Source;
use super::{DirectoryMapping, Problem};
use crate::domain::{FieldType, RecordSchema, RecordType, RecordTypeField};
use serde::Deserialize;
use std::path::Path;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordsFile {
    directory: DirectoryFile,
    types: Ordered<TypeFile>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum KeySpec {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TypeFile {
    key: Spanned<KeySpec>,
    label: Option<Spanned<String>>,
    #[serde(default = "keel")]
    source_of_truth: String,
    #[serde(default)]
    optional: Vec<Spanned<String>>,
    fields: Ordered<Spanned<String>>,
}

fn keel() -> String {
    "keel".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DirectoryFile {
    record: Spanned<String>,
    id: Option<Spanned<String>>,
    name: Option<Spanned<String>>,
    email: Option<Spanned<String>>,
    role: Option<Spanned<String>>,
    title: Option<Spanned<String>>,
    manager: Option<Spanned<String>>,
    approval_limit: Option<Spanned<String>>,
    /// The field naming a person's department (optional: the directory view shows it).
    department: Option<Spanned<String>>,
    /// Platform → field of a person's identity there (`[directory.chat]`).
    chat: Option<std::collections::BTreeMap<String, Spanned<String>>>,
    /// The older spelling of `chat.slack` and `chat.discord`, still read.
    slack_user: Option<Spanned<String>>,
    discord_user: Option<Spanned<String>>,
    active: Option<Spanned<String>>,
    #[serde(default)]
    admin_roles: Vec<String>,
}

/// Reads and validates `records.toml`.
pub(super) fn load(
    path: &Path,
    problems: &mut Vec<Problem>,
) -> Option<(RecordSchema, DirectoryMapping)> {
    let source = Source::read(
        path,
        "records.toml declares the record types and the directory",
        problems,
    )?;
    let file: RecordsFile = source.parse(problems)?;
    let before = problems.len();
    let mut schema = RecordSchema::default();
    for (name, raw) in &file.types.0 {
        if let Some(record_type) = record_type(&source, name, raw, problems) {
            schema.types.insert(name.clone(), record_type);
        }
    }
    for (name, raw) in &file.types.0 {
        for (field, ty) in &raw.fields.0 {
            if let Ok(FieldType::Ref(target)) = ty.get_ref().parse::<FieldType>()
                && file.types.0.iter().all(|(n, _)| *n != target)
            {
                let known: Vec<&str> = file.types.0.iter().map(|(n, _)| n.as_str()).collect();
                problems.push(source.at(
                    ty,
                    format!(
                        "{name}.{field} refers to record type `{target}`, which is not declared"
                    ),
                    format!(
                        "declare [types.{target}] or refer to one of: {}",
                        known.join(", ")
                    ),
                ));
            }
        }
    }
    let directory = directory(&source, &file.directory, &schema, problems);
    (problems.len() == before).then_some((schema, directory))
}

fn record_type(
    source: &Source,
    name: &str,
    raw: &TypeFile,
    problems: &mut Vec<Problem>,
) -> Option<RecordType> {
    let before = problems.len();
    let mut fields: Vec<RecordTypeField> = Vec::new();
    for (field, ty) in &raw.fields.0 {
        if !is_identifier(field) {
            problems.push(source.at(
                ty,
                format!("field name `{field}` of {name} is not a plain identifier"),
                "use lowercase letters, digits and _ (CEL rules read fields by name)",
            ));
        }
        match ty.get_ref().parse::<FieldType>() {
            Ok(field_type) => fields.push(RecordTypeField {
                name: field.clone(),
                field_type,
                required: true,
            }),
            Err(err) => problems.push(source.at(
                ty,
                format!("{name}.{field}: {err}"),
                "e.g. \"text\", \"money\", \"date\", \"enum(open, paid)\", \"ref(project)\"",
            )),
        }
    }
    if raw.fields.0.is_empty() {
        problems.push(source.at(
            &raw.key,
            format!("record type {name} has no fields"),
            format!("add a [types.{name}.fields] table"),
        ));
    }
    let key = match raw.key.get_ref() {
        KeySpec::One(k) => vec![k.clone()],
        KeySpec::Many(ks) => ks.clone(),
    };
    if key.is_empty() {
        problems.push(source.at(
            &raw.key,
            format!("record type {name} has an empty key"),
            "name the field that identifies a record",
        ));
    }
    let listed = |f: &str| raw.fields.0.iter().any(|(n, _)| n == f);
    for k in &key {
        if !listed(k) {
            problems.push(source.at(
                &raw.key,
                format!("key field `{k}` is not a field of {name}"),
                format!("declare {k} under [types.{name}.fields] or key on one of its fields"),
            ));
        }
    }
    for opt in &raw.optional {
        let opt_name = opt.get_ref();
        if !listed(opt_name) {
            problems.push(source.at(
                opt,
                format!("optional field `{opt_name}` is not a field of {name}"),
                "list only declared fields under optional",
            ));
        } else if key.contains(opt_name) {
            problems.push(source.at(
                opt,
                format!("key field `{opt_name}` cannot be optional"),
                "every record needs its key",
            ));
        }
        if let Some(f) = fields.iter_mut().find(|f| &f.name == opt_name) {
            f.required = false;
        }
    }
    if let Some(label) = &raw.label
        && !listed(label.get_ref())
    {
        problems.push(source.at(
            label,
            format!("label `{}` is not a field of {name}", label.get_ref()),
            "name the field people recognise a record by, such as name",
        ));
    }
    (problems.len() == before).then(|| RecordType {
        name: name.to_string(),
        key,
        fields,
        source_of_truth: raw.source_of_truth.clone(),
        label: raw.label.as_ref().map(|l| l.get_ref().clone()),
    })
}

fn directory(
    source: &Source,
    raw: &DirectoryFile,
    schema: &RecordSchema,
    problems: &mut Vec<Problem>,
) -> DirectoryMapping {
    let record = raw.record.get_ref().clone();
    let people = schema.get(&record);
    if people.is_none() {
        problems.push(source.at(
            &raw.record,
            format!("directory record type `{record}` is not declared"),
            "name the record type that holds staff, e.g. record = \"staff\"",
        ));
    }
    let mut field = |value: &Option<Spanned<String>>, default: &str| {
        let name = value
            .as_ref()
            .map_or(default, |v| v.get_ref().as_str())
            .to_string();
        if let Some(people) = people
            && people.field(&name).is_none()
        {
            let message = format!("directory field `{name}` is not a field of {record}");
            let hint = format!(
                "map it to one of: {}",
                people
                    .fields
                    .iter()
                    .map(|f| f.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            problems.push(match value {
                Some(v) => source.at(v, message, hint),
                None => source.at(&raw.record, message, hint),
            });
        }
        name
    };
    DirectoryMapping {
        id: field(&raw.id, "staff_id"),
        name: field(&raw.name, "name"),
        email: field(&raw.email, "email"),
        role: field(&raw.role, "role"),
        title: field(&raw.title, "title"),
        manager: field(&raw.manager, "manager_id"),
        approval_limit: field(&raw.approval_limit, "approval_limit"),
        chat: chat_fields(raw, &mut field),
        active: field(&raw.active, "active"),
        department: raw
            .department
            .as_ref()
            .map(|_| field(&raw.department, "department")),
        admin_roles: raw.admin_roles.clone(),
        record,
    }
}

/// The chat identity fields: `[directory.chat]` when given (with the older `slack_user` and
/// `discord_user` keys for platforms it leaves out), else those two keys or their defaults.
fn chat_fields(
    raw: &DirectoryFile,
    field: &mut impl FnMut(&Option<Spanned<String>>, &str) -> String,
) -> std::collections::BTreeMap<String, String> {
    let mut chat = std::collections::BTreeMap::new();
    for (platform, name) in raw.chat.iter().flatten() {
        chat.insert(platform.clone(), field(&Some(name.clone()), ""));
    }
    let legacy = [
        ("slack", &raw.slack_user, "slack_user"),
        ("discord", &raw.discord_user, "discord_user"),
    ];
    for (platform, value, default) in legacy {
        if !chat.contains_key(platform) && (raw.chat.is_none() || value.is_some()) {
            chat.insert(platform.to_string(), field(value, default));
        }
    }
    chat
}

/// Lowercase ASCII letters, digits and `_`, not starting with a digit.
pub(super) fn is_identifier(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}
