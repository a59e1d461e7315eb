//! `workflows/*.toml`: each file one workflow, validated against the record schema, its rules
//! compiled by the engine, and names, commands and id prefixes checked unique across files.

use super::source::Source;
use super::workflow_check::convert;
use super::workflow_file::WorkflowFile;
use super::{DirectoryMapping, Problem};
use crate::domain::{RecordSchema, Workflow};
use crate::engine::{decision, rules};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Reads every `*.toml` in `dir`. Without a valid schema (`context` is `None`) the files are
/// still read, so their syntax and shape problems are reported, but not checked further.
pub(super) fn load_all(
    dir: &Path,
    context: Option<(&RecordSchema, &DirectoryMapping)>,
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<Problem>,
) -> BTreeMap<String, Workflow> {
    let mut workflows = BTreeMap::new();
    let mut seen: Vec<(String, String, String, PathBuf)> = Vec::new();
    for path in toml_files(dir, problems) {
        let hint = "each file in workflows/ declares one workflow";
        let Some(source) = Source::read(&path, hint, problems) else {
            continue;
        };
        let Some(file) = source.parse::<WorkflowFile>(problems) else {
            continue;
        };
        for (name, command, prefix, other) in &seen {
            let clash = [
                ("name", name, &file.name),
                ("command", command, &file.command),
                ("id_prefix", prefix, &file.id_prefix),
            ];
            for (what, theirs, ours) in clash {
                if theirs.eq_ignore_ascii_case(ours.get_ref()) {
                    problems.push(source.at(
                        ours,
                        format!("{what} `{theirs}` is already used by {}", other.display()),
                        format!("each workflow needs its own {what}"),
                    ));
                }
            }
        }
        seen.push((
            file.name.get_ref().clone(),
            file.command.get_ref().clone(),
            file.id_prefix.get_ref().clone(),
            path.clone(),
        ));
        let Some((schema, directory)) = context else {
            continue;
        };
        let before = problems.len();
        let workflow = convert(&source, &file, schema, problems, warnings);
        if problems.len() > before {
            continue;
        }
        let env = rules::rule_env(&workflow, schema, &directory.record);
        if let Err(errors) = decision::compile_table(&workflow, &env) {
            for (row, error) in errors {
                let span = file.rules.get(row).map(|r| r.when.span());
                let rule = workflow.rules.get(row).map_or("?", |r| r.name.as_str());
                problems.push(source.problem(
                    span,
                    format!("rule `{rule}`: {}", error.message),
                    error.hint,
                ));
            }
            continue;
        }
        workflows.insert(workflow.name.clone(), workflow);
    }
    workflows
}

/// The `*.toml` files of `dir`, sorted so problems come in a stable order.
pub(super) fn toml_files(dir: &Path, problems: &mut Vec<Problem>) -> Vec<PathBuf> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => {
            problems.push(Problem {
                file: dir.to_path_buf(),
                line: None,
                message: format!("cannot read the workflows directory: {err}"),
                hint: "create config/workflows/ with one .toml file per workflow".into(),
            });
            return Vec::new();
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}
