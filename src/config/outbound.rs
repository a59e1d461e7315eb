//! `integrations/*.toml`, the outbound half: `[[target]]` (where payloads go, how they are
//! signed), `[[rule]]` (what is sent when) and `[[owner]]` (which system owns a record type).
//! `[[source]]` tables are the inbound loader's and are skipped here; any other key is refused
//! with its file and line.
//!
//! Ownership is declared here rather than by records.toml's `source_of_truth`: that key names
//! the system people think of ("accounting") and is honoured today by importing that system's
//! CSV exports, so enforcing it would refuse the very imports that stand for the system. An
//! `[[owner]]` names the integration source whose writes are the truth, and what becomes of
//! everyone else's writes; it is opt-in, one record type at a time.

use super::outbound_check::{check_rule, check_target};
use super::outbound_owner::check_owner;
use super::source::Source;
use super::{Problem, Workflow};
use crate::domain::{RecordSchema, Status};
use crate::engine::rules::Condition;
use secrecy::SecretString;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use toml::Spanned;

/// The outbound integrations: targets, the rules that feed them, and record owners.
#[derive(Debug, Clone, Default)]
pub struct Outbound {
    pub targets: BTreeMap<String, WebhookTarget>,
    pub rules: Vec<OutboundRule>,
    /// Record type → its owner.
    pub owners: BTreeMap<String, Owner>,
}

/// A system keel sends signed webhooks to.
#[derive(Debug, Clone)]
pub struct WebhookTarget {
    pub name: String,
    /// Where payloads are posted; `{webhook_id}` in it becomes the payload's id, the same on
    /// every retry (an API that takes an idempotency key in the URL creates one record).
    pub url: String,
    /// What the body is: keel's envelope, or the rendered payload alone.
    pub body: TargetBody,
    /// Standard Webhooks secrets (`whsec_<base64>`), from the environment: each signs every
    /// payload, so a receiver rotating its key accepts either while both are configured.
    pub signing_keys: Vec<SecretString>,
    /// Static headers (an API key the receiver asks for), values from the environment.
    pub headers: Vec<(String, SecretString)>,
    /// The longest one call may take; a call still unanswered then counts as failed.
    pub timeout: Duration,
    /// The pause before each retry; after the last one fails the payload is dead-lettered.
    pub retry_schedule: Vec<Duration>,
}

/// The body of what a target receives. A receiver of events wants to know what happened
/// (the envelope); an API that creates a record (QuickBooks' `POST …/purchaseorder`) wants the
/// record itself (the payload). Either is signed the same way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetBody {
    /// `{"type", "timestamp", "rule", "data": <the rule's payload>}`.
    #[default]
    Envelope,
    /// The rule's rendered payload alone.
    Payload,
}

/// When a rule sends.
#[derive(Debug, Clone)]
pub enum Trigger {
    /// A request of `workflow` is decided with one of `outcomes`.
    Decided {
        workflow: String,
        outcomes: Vec<Status>,
    },
    /// A record of `record_type` is written with a new version and `condition` (over `record`,
    /// `before` and `now`) holds.
    Changed {
        record_type: String,
        condition: Option<Arc<Condition>>,
    },
}

/// "When this happens, send this payload to that target."
#[derive(Debug, Clone)]
pub struct OutboundRule {
    pub name: String,
    pub target: String,
    pub trigger: Trigger,
    /// A JSON template whose `{path}` strings are filled from the request or the record (see
    /// [`crate::sync::targets::template`]).
    pub payload: serde_json::Value,
}

/// What becomes of a write from a system that does not own the record type.
#[derive(Debug, Clone, PartialEq)]
pub enum OtherWriters {
    Refuse,
    /// Filed as a request of `workflow`; `requester` files it for writers that are not people
    /// (a CSV import, another source).
    ChangeRequest {
        workflow: String,
        requester: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Owner {
    pub record_type: String,
    /// The `[[source]]` whose writes are the truth.
    pub source: String,
    pub others: OtherWriters,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IntegrationFile {
    #[serde(default)]
    target: Vec<TargetFile>,
    #[serde(default)]
    rule: Vec<RuleFile>,
    #[serde(default)]
    owner: Vec<OwnerFile>,
    /// The inbound loader's.
    #[serde(default)]
    #[expect(dead_code, reason = "read by the inbound loader, only skipped here")]
    source: Option<serde::de::IgnoredAny>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TargetFile {
    pub name: Spanned<String>,
    pub url: Spanned<String>,
    /// `envelope` (the default) or `payload`.
    #[serde(default)]
    pub body: TargetBody,
    /// Environment variables holding `whsec_…` secrets: required for the envelope (a receiver
    /// of events checks who sent them), optional for a bare payload to an API that
    /// authenticates keel by its own token (`headers_env`).
    pub signing_env: Option<Spanned<Vec<String>>>,
    /// Header name → environment variable holding its value.
    #[serde(default)]
    pub headers_env: BTreeMap<String, Spanned<String>>,
    pub timeout_seconds: Option<Spanned<f64>>,
    /// Durations such as "5s", "5m", "2h", "250ms".
    pub retry_schedule: Option<Spanned<Vec<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RuleFile {
    pub name: Spanned<String>,
    pub target: Spanned<String>,
    /// A workflow's name: sent when one of its requests is decided.
    pub when_decided: Option<Spanned<String>>,
    /// Which outcomes (`approved`, `rejected`…); every one when empty.
    #[serde(default)]
    pub outcomes: Vec<Spanned<String>>,
    /// A record type: sent when one of its records changes.
    pub when_changed: Option<Spanned<String>>,
    pub condition: Option<Spanned<String>>,
    pub payload: Spanned<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct OwnerFile {
    pub record_type: Spanned<String>,
    pub source: Spanned<String>,
    /// `refuse` (the default) or `change_request`.
    pub others: Option<Spanned<String>>,
    pub workflow: Option<Spanned<String>>,
    pub requester: Option<Spanned<String>>,
}

/// Reads every `*.toml` in `dir` (none when it does not exist). `schema` and `workflows` are
/// what rules and owners are checked against.
pub(super) fn load(
    dir: &Path,
    env: &[(String, String)],
    schema: Option<&RecordSchema>,
    workflows: &BTreeMap<String, Workflow>,
    problems: &mut Vec<Problem>,
) -> Outbound {
    let mut outbound = Outbound::default();
    if !dir.is_dir() {
        return outbound;
    }
    let mut sources = Vec::new();
    for path in super::workflows::toml_files(dir, problems) {
        let hint = "integrations/*.toml declare sources, targets, rules and owners";
        let Some(source) = Source::read(&path, hint, problems) else {
            continue;
        };
        if let Some(file) = source.parse::<IntegrationFile>(problems) {
            sources.push((source, file));
        }
    }
    for (source, file) in &sources {
        for target in &file.target {
            if let Some(target) = check_target(source, target, env, &outbound, problems) {
                outbound.targets.insert(target.name.clone(), target);
            }
        }
    }
    let Some(schema) = schema else {
        return outbound;
    };
    for (source, file) in &sources {
        for rule in &file.rule {
            if let Some(rule) = check_rule(source, rule, &outbound, schema, workflows, problems) {
                outbound.rules.push(rule);
            }
        }
        for owner in &file.owner {
            if let Some(owner) = check_owner(source, owner, &outbound, schema, workflows, problems)
            {
                outbound.owners.insert(owner.record_type.clone(), owner);
            }
        }
    }
    outbound
}
