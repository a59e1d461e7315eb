//! `digests.toml`: the scheduled digests (`[[digest]]`) and the alert rules (`[[alert]]`).
//! Optional: without it keel sends neither. Every problem names its line.

use super::Problem;
use super::source::Source;
use crate::domain::RecordSchema;
use crate::domain::digest::{
    AlertRule, Bound, DigestSpec, Digests, METRICS, Metric, SECTIONS, Schedule, Section,
};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::Path;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DigestsFile {
    #[serde(default)]
    digest: Vec<DigestFile>,
    #[serde(default)]
    alert: Vec<AlertFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DigestFile {
    name: Spanned<String>,
    title: Option<String>,
    roles: Spanned<Vec<String>>,
    schedule: Spanned<String>,
    sections: Spanned<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AlertFile {
    name: Spanned<String>,
    metric: Spanned<String>,
    at_least: Option<Spanned<f64>>,
    at_most: Option<Spanned<f64>>,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    people: Vec<String>,
}

/// Reads `digests.toml` when there is one.
pub(super) fn load(path: &Path, schema: &RecordSchema, problems: &mut Vec<Problem>) -> Digests {
    if !path.exists() {
        return Digests::default();
    }
    let hint = "digests.toml declares [[digest]] and [[alert]] tables";
    let Some(source) = Source::read(path, hint, problems) else {
        return Digests::default();
    };
    let Some(file) = source.parse::<DigestsFile>(problems) else {
        return Digests::default();
    };
    let mut names = BTreeSet::new();
    let mut unique = |name: &Spanned<String>, problems: &mut Vec<Problem>| {
        let fresh = names.insert(name.get_ref().clone());
        if !fresh {
            problems.push(source.at(
                name,
                format!("`{}` names two digests or alerts", name.get_ref()),
                "give each [[digest]] and [[alert]] a name of its own: commands use it",
            ));
        }
        if name.get_ref().trim().is_empty() || name.get_ref().contains(char::is_whitespace) {
            problems.push(source.at(
                name,
                "a name is one word",
                "use letters, digits and _ (`weekly_leadership`)",
            ));
        }
    };
    let mut digests = Digests::default();
    for raw in file.digest {
        unique(&raw.name, problems);
        if let Some(digest) = digest(raw, &source, problems) {
            digests.digests.push(digest);
        }
    }
    for raw in file.alert {
        unique(&raw.name, problems);
        if let Some(alert) = alert(raw, &source, schema, problems) {
            digests.alerts.push(alert);
        }
    }
    digests
}

fn digest(raw: DigestFile, source: &Source, problems: &mut Vec<Problem>) -> Option<DigestSpec> {
    let before = problems.len();
    let schedule = Schedule::parse(raw.schedule.get_ref())
        .map_err(|why| {
            problems.push(source.at(
                &raw.schedule,
                format!("the schedule {why}"),
                "write the days and a local time in [company] time_zone: `mon 08:00`, `mon,thu 07:30` or `daily 08:00`",
            ))
        })
        .ok();
    if raw.roles.get_ref().is_empty() {
        problems.push(source.at(
            &raw.roles,
            "a digest with no roles reaches nobody",
            "list the roles whose people receive it (`roles = [\"ceo\", \"ops_director\"]`)",
        ));
    }
    let mut sections = Vec::new();
    for name in raw.sections.get_ref() {
        match Section::parse(name) {
            Some(section) => sections.push(section),
            None => problems.push(source.at(
                &raw.sections,
                format!("there is no digest section `{name}`"),
                format!(
                    "the sections are: {}",
                    names_of(SECTIONS.map(Section::name))
                ),
            )),
        }
    }
    if raw.sections.get_ref().is_empty() {
        problems.push(source.at(
            &raw.sections,
            "a digest with no sections says nothing",
            format!("list some of: {}", names_of(SECTIONS.map(Section::name))),
        ));
    }
    if problems.len() > before {
        return None;
    }
    let name = raw.name.into_inner();
    Some(DigestSpec {
        title: raw.title.unwrap_or_else(|| name.replace('_', " ")),
        name,
        roles: raw.roles.into_inner(),
        schedule: schedule?,
        sections,
    })
}

fn alert(
    raw: AlertFile,
    source: &Source,
    schema: &RecordSchema,
    problems: &mut Vec<Problem>,
) -> Option<AlertRule> {
    let before = problems.len();
    let metric = Metric::parse(raw.metric.get_ref());
    match metric {
        None => problems.push(source.at(
            &raw.metric,
            format!("there is no metric `{}`", raw.metric.get_ref()),
            format!("the metrics are: {}", names_of(METRICS.map(Metric::name))),
        )),
        Some(metric) => {
            for (record_type, field) in metric.reads() {
                if schema
                    .get(record_type)
                    .and_then(|t| t.field(field))
                    .is_none()
                {
                    problems.push(source.at(
                        &raw.metric,
                        format!(
                            "{} needs {record_type}.{field}, which records.toml does not declare",
                            metric.name()
                        ),
                        "declare the field in records.toml, or choose another metric",
                    ));
                }
            }
        }
    }
    let bound = match (&raw.at_least, &raw.at_most) {
        (Some(limit), None) => Some(Bound::AtLeast(*limit.get_ref())),
        (None, Some(limit)) => Some(Bound::AtMost(*limit.get_ref())),
        _ => {
            problems.push(source.at(
                &raw.name,
                "an alert needs exactly one of `at_least` and `at_most`",
                "e.g. `at_least = 90` for a project past 90% of its budget, `at_most = -50` for touchpoints halved",
            ));
            None
        }
    };
    if raw.roles.is_empty() && raw.people.is_empty() {
        problems.push(source.at(
            &raw.name,
            "an alert with no `roles` and no `people` tells nobody",
            "add `roles = [\"ops_director\"]` or `people = [\"S004\"]` (staff ids)",
        ));
    }
    if problems.len() > before {
        return None;
    }
    Some(AlertRule {
        name: raw.name.into_inner(),
        metric: metric?,
        bound: bound?,
        roles: raw.roles,
        people: raw.people,
    })
}

fn names_of<const N: usize>(names: [&str; N]) -> String {
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> (Digests, Vec<Problem>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("digests.toml");
        std::fs::write(&path, text).unwrap();
        let mut problems = Vec::new();
        let schema = crate::config::demo().schema;
        (load(&path, &schema, &mut problems), problems)
    }

    #[test]
    fn the_demo_digests_load() {
        let config = crate::config::demo();
        assert!(config.digests.digest("weekly_leadership").is_some());
        assert!(config.digests.alerts.len() >= 2);
    }

    #[test]
    fn every_problem_names_its_line_and_what_to_do() {
        let (digests, problems) = load_text(
            "[[digest]]\nname = \"weekly\"\nroles = []\nschedule = \"mon 8am\"\nsections = [\"gossip\"]\n\n\
             [[alert]]\nname = \"weekly\"\nmetric = \"mood\"\n",
        );
        assert!(digests.digests.is_empty() && digests.alerts.is_empty());
        let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
        let all = lines.join("\n");
        assert!(
            all.contains("digests.toml:4: the schedule `8am` is not a time"),
            "{all}"
        );
        assert!(
            all.contains("digests.toml:3: a digest with no roles"),
            "{all}"
        );
        assert!(
            all.contains("digests.toml:5: there is no digest section `gossip`"),
            "{all}"
        );
        assert!(all.contains("digests.toml:8: `weekly` names two"), "{all}");
        assert!(
            all.contains("digests.toml:9: there is no metric `mood`"),
            "{all}"
        );
        assert!(
            all.contains("exactly one of `at_least` and `at_most`"),
            "{all}"
        );
        assert!(all.contains("tells nobody"), "{all}");
    }
}
