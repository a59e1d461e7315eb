//! Checks of `[[target]]` and `[[rule]]` tables (see [`super::outbound`]): every name a table
//! refers to exists, secrets are in the environment and well formed, conditions compile and
//! payload placeholders name something a request or record has. `[[owner]]`'s are in
//! [`super::outbound_owner`].

use super::outbound::{
    Outbound, OutboundRule, RuleFile, TargetBody, TargetFile, Trigger, WebhookTarget,
};
use super::source::Source;
use super::{Problem, Workflow};
use crate::domain::{RecordSchema, Status};
use crate::engine::rules;
use crate::sync::targets::{schedule, sign, template, webhook_url};
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use toml::Spanned;

/// A target's timeout unless it says otherwise, and the longest it may say.
const DEFAULT_TIMEOUT: f64 = 15.0;
const MAX_TIMEOUT: f64 = 30.0;
/// Headers keel sets itself, which `headers_env` may not replace.
const OWN_HEADERS: &[&str] = &[
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "content-type",
    "content-length",
    "host",
];

fn env_value(env: &[(String, String)], name: &str) -> Option<String> {
    env.iter()
        .rev()
        .find(|(k, v)| k == name && !v.trim().is_empty())
        .map(|(_, v)| v.trim().to_string())
}

pub(super) fn check_target(
    source: &Source,
    file: &TargetFile,
    env: &[(String, String)],
    outbound: &Outbound,
    problems: &mut Vec<Problem>,
) -> Option<WebhookTarget> {
    let before = problems.len();
    let name = file.name.get_ref();
    if outbound.targets.contains_key(name) {
        problems.push(source.at(
            &file.name,
            format!("a target `{name}` is declared twice"),
            "give each target its own name",
        ));
    }
    let url = file.url.get_ref();
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        problems.push(source.at(
            &file.url,
            format!("`{url}` is not an http(s) URL"),
            "write the receiver's address, e.g. https://accounting.example.com/hooks/keel",
        ));
    }
    if let Err(why) = webhook_url::check(url) {
        problems.push(source.at(
            &file.url,
            why,
            "the one placeholder a target URL takes is {webhook_id}, e.g. …/purchaseorder?requestid={webhook_id}",
        ));
    }
    let mut signing_keys = Vec::new();
    let signing_env = file
        .signing_env
        .clone()
        .unwrap_or_else(|| Spanned::new(file.name.span(), Vec::new()));
    if signing_env.get_ref().is_empty() && file.body == TargetBody::Envelope {
        problems.push(source.at(&signing_env, "a target of events needs at least one signing secret", "name the environment variable holding its `whsec_…` secret, e.g. signing_env = [\"KEEL_ACCOUNTING_WHSEC\"] (only a target with body = \"payload\", an API that knows keel by its token, may go without)"));
    }
    for var in signing_env.get_ref() {
        match env_value(env, var).map(|v| sign::decode_secret(&v).map(|_| v)) {
            None => problems.push(source.at(
                &signing_env,
                format!("the environment variable {var} is not set"),
                format!("set {var} to the target's secret (`whsec_` and the key in base64)"),
            )),
            Some(Err(why)) => problems.push(source.at(
                &signing_env,
                format!("{var} does not hold a signing secret: {why}"),
                "a Standard Webhooks secret looks like whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            )),
            Some(Ok(secret)) => signing_keys.push(SecretString::from(secret)),
        }
    }
    let mut headers = Vec::new();
    for (header, var) in &file.headers_env {
        let lower = header.to_ascii_lowercase();
        if OWN_HEADERS.contains(&lower.as_str())
            || http_client::header::HeaderName::from_bytes(header.as_bytes()).is_err()
        {
            problems.push(source.at(
                var,
                format!("`{header}` cannot be set as an extra header"),
                "name another header; keel sets the webhook-* and content headers itself",
            ));
            continue;
        }
        match env_value(env, var.get_ref()) {
            Some(value) => headers.push((header.clone(), SecretString::from(value))),
            None => problems.push(source.at(
                var,
                format!("the environment variable {} is not set", var.get_ref()),
                format!("set it to the value of the {header} header"),
            )),
        }
    }
    let timeout = file
        .timeout_seconds
        .as_ref()
        .map_or(DEFAULT_TIMEOUT, |t| *t.get_ref());
    if !(0.1..=MAX_TIMEOUT).contains(&timeout) {
        let span = file.timeout_seconds.as_ref().map(|t| t.span());
        problems.push(source.problem(
            span,
            format!("timeout_seconds = {timeout} is outside 0.1 to {MAX_TIMEOUT}"),
            "receivers answer within seconds; 15 is usual, 30 the most",
        ));
    }
    let retry_schedule = match &file.retry_schedule {
        None => schedule::SVIX_SCHEDULE.to_vec(),
        Some(written) => {
            let parsed: Result<Vec<Duration>, String> = written
                .get_ref()
                .iter()
                .map(|d| schedule::parse_duration(d))
                .collect();
            parsed.unwrap_or_else(|why| {
                problems.push(source.at(written, why, "e.g. retry_schedule = [\"5s\", \"5m\", \"30m\", \"2h\", \"5h\", \"10h\", \"10h\"]"));
                Vec::new()
            })
        }
    };
    (problems.len() == before).then(|| WebhookTarget {
        name: name.clone(),
        url: url.clone(),
        body: file.body,
        signing_keys,
        headers,
        timeout: Duration::from_secs_f64(timeout),
        retry_schedule,
    })
}

pub(super) fn check_rule(
    source: &Source,
    file: &RuleFile,
    outbound: &Outbound,
    schema: &RecordSchema,
    workflows: &BTreeMap<String, Workflow>,
    problems: &mut Vec<Problem>,
) -> Option<OutboundRule> {
    let before = problems.len();
    let name = file.name.get_ref();
    if outbound.rules.iter().any(|r| r.name == *name) {
        problems.push(source.at(
            &file.name,
            format!("a rule `{name}` is declared twice"),
            "give each rule its own name",
        ));
    }
    let target = file.target.get_ref();
    if !outbound.targets.contains_key(target) {
        let known: Vec<&str> = outbound.targets.keys().map(String::as_str).collect();
        problems.push(source.at(
            &file.target,
            format!("there is no target `{target}`"),
            format!(
                "declare it in a [[target]] table; the targets are: {}",
                known.join(", ")
            ),
        ));
    }
    let trigger = match (&file.when_decided, &file.when_changed) {
        (Some(workflow), None) => decided(source, file, workflow, workflows, problems),
        (None, Some(record_type)) => changed(source, file, record_type, schema, problems),
        _ => {
            problems.push(source.at(&file.name, format!("rule `{name}` needs exactly one of when_decided and when_changed"), "when_decided = \"<workflow>\" sends when its requests are decided; when_changed = \"<record type>\" when its records change"));
            None
        }
    }?;
    for path in template::paths(file.payload.get_ref()) {
        if let Err(why) = placeholder_allowed(&trigger, &path, schema, workflows) {
            problems.push(source.at(&file.payload, format!("rule `{name}`: the placeholder {{{path}}} {why}"), "see the README's \"Integrations: targets and ownership\" for what a payload can name"));
        }
    }
    (problems.len() == before).then(|| OutboundRule {
        name: name.clone(),
        target: target.clone(),
        trigger,
        payload: file.payload.get_ref().clone(),
    })
}

fn decided(
    source: &Source,
    file: &RuleFile,
    workflow: &toml::Spanned<String>,
    workflows: &BTreeMap<String, Workflow>,
    problems: &mut Vec<Problem>,
) -> Option<Trigger> {
    if !workflows.contains_key(workflow.get_ref()) {
        let known: Vec<&str> = workflows.keys().map(String::as_str).collect();
        problems.push(source.at(
            workflow,
            format!("there is no workflow `{}`", workflow.get_ref()),
            format!("the workflows are: {}", known.join(", ")),
        ));
        return None;
    }
    if let Some(condition) = &file.condition {
        problems.push(source.at(
            condition,
            "a condition applies to when_changed rules only",
            "a workflow's own rules decide its requests; choose outcomes with outcomes = [...]",
        ));
    }
    let mut outcomes = Vec::new();
    for outcome in &file.outcomes {
        match outcome.get_ref().parse::<Status>() {
            Ok(status) if status.is_final() => outcomes.push(status),
            _ => problems.push(source.at(
                outcome,
                format!("`{}` is not an outcome", outcome.get_ref()),
                "use approved, auto_approved, rejected, auto_rejected, cancelled or expired",
            )),
        }
    }
    Some(Trigger::Decided {
        workflow: workflow.get_ref().clone(),
        outcomes,
    })
}

fn changed(
    source: &Source,
    file: &RuleFile,
    record_type: &toml::Spanned<String>,
    schema: &RecordSchema,
    problems: &mut Vec<Problem>,
) -> Option<Trigger> {
    let Some(typed) = schema.get(record_type.get_ref()) else {
        let known: Vec<&str> = schema.types.keys().map(String::as_str).collect();
        problems.push(source.at(
            record_type,
            format!("there is no record type `{}`", record_type.get_ref()),
            format!("the types in records.toml are: {}", known.join(", ")),
        ));
        return None;
    };
    if let Some(outcome) = file.outcomes.first() {
        problems.push(source.at(
            outcome,
            "outcomes apply to when_decided rules only",
            "choose which changes send with condition = \"…\"",
        ));
    }
    let condition = match &file.condition {
        None => None,
        Some(text) => match rules::compile(text.get_ref(), &rules::record_env(typed)) {
            Ok(condition) => Some(Arc::new(condition)),
            Err(error) => {
                problems.push(source.at(text, error.message, error.hint));
                None
            }
        },
    };
    Some(Trigger::Changed {
        record_type: typed.name.clone(),
        condition,
    })
}

/// Whether a payload of `trigger` can fill `{path}`.
fn placeholder_allowed(
    trigger: &Trigger,
    path: &str,
    schema: &RecordSchema,
    workflows: &BTreeMap<String, Workflow>,
) -> Result<(), String> {
    let parts: Vec<&str> = path.split('.').collect();
    let (root, parts_allowed, field_names): (&str, &[&str], Vec<&str>) = match trigger {
        Trigger::Decided { workflow, .. } => {
            let fields = workflows
                .get(workflow)
                .map(|w| w.fields.iter().map(|f| f.name.as_str()).collect())
                .unwrap_or_default();
            ("request", template::REQUEST_PARTS, fields)
        }
        Trigger::Changed { record_type, .. } => {
            let fields = schema
                .get(record_type)
                .map(|t| t.fields.iter().map(|f| f.name.as_str()).collect())
                .unwrap_or_default();
            ("record", template::RECORD_PARTS, fields)
        }
    };
    match parts.as_slice() {
        [r, part] if *r == root && parts_allowed.contains(part) => Ok(()),
        [r, "fields", field] if (*r == root || (*r == "before" && root == "record")) => {
            if field_names.contains(field) {
                Ok(())
            } else {
                Err(format!(
                    "names no field of the {root}: the fields are {}",
                    field_names.join(", ")
                ))
            }
        }
        _ if root == "record" => Err(format!(
            "is not one of record.{{{}}}, record.fields.<field>, before.fields.<field>",
            parts_allowed.join(", ")
        )),
        _ => Err(format!(
            "is not one of request.{{{}}}, request.fields.<field>",
            parts_allowed.join(", ")
        )),
    }
}
