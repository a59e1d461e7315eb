//! Scopes as written on the command line and stored with a token (`records:read:project`), read
//! back into [`Scope`]s; and the check `keel token create` makes that a scope names a record
//! type or workflow the config has, so that a typo is told at once instead of granting nothing.

use super::auth::Scope;
use crate::config::Config;
use std::str::FromStr;

/// Every scope, for the message that refuses an unknown one.
pub const SCOPES: &str = "records:read:TYPE, records:write:TYPE, requests:read, \
     requests:submit:WORKFLOW, requests:act, act-as, audit:read, people:read, ask \
     (TYPE or WORKFLOW may be * for all of them)";

impl FromStr for Scope {
    type Err = String;

    fn from_str(text: &str) -> Result<Scope, String> {
        let named = |name: &str| {
            if name.is_empty() {
                Err(format!(
                    "`{text}` needs a name after its last `:`; the scopes are {SCOPES}"
                ))
            } else {
                Ok(name.to_string())
            }
        };
        if let Some(name) = text.strip_prefix("records:read:") {
            return named(name).map(Scope::RecordsRead);
        }
        if let Some(name) = text.strip_prefix("records:write:") {
            return named(name).map(Scope::RecordsWrite);
        }
        if let Some(name) = text.strip_prefix("requests:submit:") {
            return named(name).map(Scope::RequestsSubmit);
        }
        match text {
            "requests:read" => Ok(Scope::RequestsRead),
            "requests:act" => Ok(Scope::RequestsAct),
            "act-as" => Ok(Scope::ActAs),
            "audit:read" => Ok(Scope::AuditRead),
            "people:read" => Ok(Scope::PeopleRead),
            "ask" => Ok(Scope::Ask),
            _ => Err(format!("`{text}` is not a scope; the scopes are {SCOPES}")),
        }
    }
}

/// The scopes `texts` as keel writes them, each one known and naming what the config has;
/// else every problem, one a line.
pub fn checked_scopes(texts: &[String], config: &Config) -> Result<Vec<String>, String> {
    let mut scopes = Vec::new();
    let mut problems = Vec::new();
    for text in texts {
        match text.trim().parse::<Scope>() {
            Ok(scope) => match names_known(&scope, config) {
                Ok(()) if scopes.contains(&scope) => {}
                Ok(()) => scopes.push(scope),
                Err(problem) => problems.push(problem),
            },
            Err(problem) => problems.push(problem),
        }
    }
    if problems.is_empty() {
        Ok(scopes.iter().map(ToString::to_string).collect())
    } else {
        Err(problems.join("\n"))
    }
}

fn names_known(scope: &Scope, config: &Config) -> Result<(), String> {
    let check = |name: &str, kind: &str, known: Vec<&String>| {
        if name == "*" || known.iter().any(|k| k.as_str() == name) {
            return Ok(());
        }
        let list: Vec<&str> = known.iter().map(|k| k.as_str()).collect();
        Err(format!(
            "`{scope}`: there is no {kind} `{name}`; the {kind}s are {} (or * for all)",
            list.join(", ")
        ))
    };
    match scope {
        Scope::RecordsRead(t) | Scope::RecordsWrite(t) => {
            check(t, "record type", config.schema.types.keys().collect())
        }
        Scope::RequestsSubmit(w) => check(w, "workflow", config.workflows.keys().collect()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scope_reads_back_as_it_is_written() {
        let all = [
            Scope::RecordsRead("project".into()),
            Scope::RecordsWrite("*".into()),
            Scope::RequestsRead,
            Scope::RequestsSubmit("expense".into()),
            Scope::RequestsAct,
            Scope::ActAs,
            Scope::AuditRead,
            Scope::PeopleRead,
            Scope::Ask,
        ];
        for scope in all {
            assert_eq!(scope.to_string().parse::<Scope>(), Ok(scope));
        }
    }

    #[test]
    fn an_unknown_or_unnamed_scope_is_refused_with_the_list() {
        for bad in [
            "records:read:",
            "requests:write",
            "admin",
            "records:delete:project",
        ] {
            let told = bad.parse::<Scope>().err().unwrap_or_default();
            assert!(told.contains("requests:submit:WORKFLOW"), "{bad}: {told}");
            assert!(told.contains(&format!("`{bad}`")), "{told}");
        }
    }
}
