//! The command line's use of the library: open keel, run one use case, print the result for a
//! person. What a person typed wrong is told plainly (exit 1); anything else is logged with a
//! reference and reported as "Something went wrong (ref …)".

mod demo;
pub mod digests;
mod logging;
pub mod outbox;
mod output;
pub mod policy;
pub use output::request_json_value;
mod serve;
pub mod sync;
mod terminal;
pub mod token;

pub use demo::{DemoOptions, default_home as default_demo_home, demo};
pub use logging::init_logging;
pub use serve::serve;

use crate::clock::Clock;
use crate::config::{self, Config};
use crate::engine::lifecycle::Action;
use crate::service::{ExportFormat, Keel, NewRequest, ServiceError, UserError};
use crate::store::{RequestFilter, Store};
use anyhow::Context as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The actions of `keel request act`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ActionArg {
    Approve,
    Reject,
    Cancel,
    Comment,
}

/// Output format of `keel request show`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Formats of `keel audit export`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ExportArg {
    Csv,
    Jsonl,
}

type Outcome = Result<ExitCode, ServiceError>;

/// Turns a command's outcome into an exit status, telling the person what went wrong.
pub fn exit(outcome: Outcome) -> ExitCode {
    match outcome {
        Ok(code) => code,
        Err(ServiceError::User(error)) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
        Err(ServiceError::Internal(error)) => {
            let unavailable = error
                .chain()
                .find_map(|cause| cause.downcast_ref::<crate::store::Unavailable>());
            if let Some(unavailable) = unavailable {
                eprintln!("{unavailable}");
                return ExitCode::FAILURE;
            }
            let reference = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
            tracing::error!(reference, "{error:#}");
            eprintln!("Something went wrong (ref {reference}): {error}");
            ExitCode::FAILURE
        }
    }
}

fn load_config(dir: &Path) -> Result<Config, ServiceError> {
    config::load(dir).map_err(|problems| {
        let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
        UserError::Invalid(format!(
            "The config in {} has {} problem(s); run `keel check` for details:\n{}",
            dir.display(),
            problems.len(),
            list.join("\n")
        ))
        .into()
    })
}

async fn open(dir: &Path) -> Result<Keel, ServiceError> {
    Ok(Keel::open(load_config(dir)?, Clock::System).await?)
}

pub fn check(dir: &Path) -> ExitCode {
    match config::load(dir) {
        Ok(config) => {
            for warning in &config.warnings {
                eprintln!("warning: {warning}");
            }
            let rules: usize = config.workflows.values().map(|w| w.rules.len()).sum();
            let warnings = match config.warnings.len() {
                0 => String::new(),
                n => format!(", {n} warning(s) above"),
            };
            println!(
                "{}: OK ({} record types, {} workflows, {rules} rules{warnings})",
                dir.display(),
                config.schema.types.len(),
                config.workflows.len()
            );
            if !config.sources.is_empty() {
                let names: Vec<&str> = config.sources.iter().map(|s| s.name.as_str()).collect();
                println!("inbound sources: {}", names.join(", "));
            }
            for line in crate::config::platform_notes(&config) {
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        Err(problems) => {
            for problem in &problems {
                eprintln!("{problem}");
            }
            eprintln!("{} problem(s) found in {}", problems.len(), dir.display());
            ExitCode::FAILURE
        }
    }
}

pub async fn migrate(dir: &Path) -> Outcome {
    let config = load_config(dir)?;
    let database = &config.settings.database;
    let store = Store::connect(&database.url, database.max_connections).await?;
    let applied = store.migrate().await?;
    println!(
        "database {} is up to date ({applied} migration(s) applied)",
        crate::service::redact_url(&database.url)
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn import(dir: &Path, record_type: &str, file: &Path) -> Outcome {
    let keel = open(dir).await?;
    let report = keel.import_file(record_type, file).await?;
    println!("{}", output::type_report(&report));
    Ok(ExitCode::SUCCESS)
}

pub async fn import_all(dir: &Path, data: Option<PathBuf>) -> Outcome {
    let keel = open(dir).await?;
    let data = data.unwrap_or_else(|| dir.join("demo-data"));
    let report = keel.import_all(&data).await?;
    keel.seal_audit().await?;
    for line in &report.types {
        println!("{}", output::type_report(line));
    }
    println!(
        "requests: {} created from history, {} already present",
        report.requests_created, report.requests_unchanged
    );
    println!("{} change(s) in all", report.changes());
    let pending = keel.store().pending_requests().await?;
    println!("\n{}", output::pending_table(&keel, &pending).await);
    Ok(ExitCode::SUCCESS)
}

pub async fn submit(
    dir: &Path,
    workflow: String,
    person: String,
    raw_fields: Vec<String>,
    idempotency_key: Option<String>,
) -> Outcome {
    let mut fields = Vec::new();
    for raw in raw_fields {
        let (name, value) = raw.split_once('=').ok_or_else(|| {
            UserError::Invalid(format!(
                "--field takes name=value, for example --field amount=1250.00 (got `{raw}`)"
            ))
        })?;
        fields.push((
            name.trim().to_string(),
            serde_json::Value::String(value.to_string()),
        ));
    }
    let keel = open(dir).await?;
    let request = keel
        .submit(NewRequest {
            workflow,
            requester: person,
            fields,
            idempotency_key,
        })
        .await?;
    println!("{}", request.id);
    keel.seal_audit().await?;
    eprintln!("{}", output::status_line(&keel, &request).await);
    Ok(ExitCode::SUCCESS)
}

pub async fn act(
    dir: &Path,
    id: &str,
    action: ActionArg,
    person: &str,
    reason: Option<String>,
) -> Outcome {
    let action = match action {
        ActionArg::Approve => Action::Approve,
        ActionArg::Reject => Action::Reject {
            reason: reason.unwrap_or_default(),
        },
        ActionArg::Cancel => Action::Cancel { reason },
        ActionArg::Comment => Action::Comment {
            text: reason.unwrap_or_default(),
        },
    };
    let keel = open(dir).await?;
    let request = keel.act(id, person, action, None).await?;
    keel.seal_audit().await?;
    println!("{}", output::status_line(&keel, &request).await);
    Ok(ExitCode::SUCCESS)
}

pub async fn show(dir: &Path, id: &str, format: Format) -> Outcome {
    let keel = open(dir).await?;
    let (request, events) = keel.request_with_history(id).await?;
    match format {
        Format::Json => println!("{}", output::request_json(&request, &events)),
        Format::Text => println!("{}", output::request_text(&keel, &request, &events).await),
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn list(
    dir: &Path,
    pending_for: Option<String>,
    workflow: Option<String>,
    status: Option<String>,
    limit: i64,
) -> Outcome {
    let keel = open(dir).await?;
    let requests = match pending_for {
        Some(who) => {
            let (person, requests) = keel.pending_for(&who).await?;
            println!(
                "Waiting for {} ({}): {}",
                person.name,
                person.id,
                requests.len()
            );
            requests
        }
        None => {
            let status = status
                .map(|s| s.parse())
                .transpose()
                .map_err(UserError::Invalid)?;
            let filter = RequestFilter {
                workflow,
                status,
                limit: Some(limit),
                ..RequestFilter::default()
            };
            keel.list_requests(&filter).await?
        }
    };
    println!("{}", output::request_table(&keel, &requests).await);
    Ok(ExitCode::SUCCESS)
}

pub async fn delegate(
    dir: &Path,
    person: &str,
    to: &str,
    from: Option<chrono::NaiveDate>,
    until: chrono::NaiveDate,
) -> Outcome {
    let keel = open(dir).await?;
    let calendar = &keel.config.settings.company.calendar;
    let from = from.unwrap_or_else(|| {
        keel.clock
            .now()
            .with_timezone(&calendar.time_zone)
            .date_naive()
    });
    let d = keel.delegate(person, to, from, until).await?;
    keel.seal_audit().await?;
    println!(
        "{} approves for {} from {} to {}",
        keel.display_name(&d.to_person).await,
        keel.display_name(&d.from_person).await,
        d.starts_on,
        d.ends_on
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn tick(dir: &Path) -> Outcome {
    let keel = open(dir).await?;
    let report = keel.tick().await?;
    keel.seal_audit().await?;
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    let console = crate::chat::console::Console::new(keel.clone(), false, stopped);
    let delivered = keel
        .deliver_outbox(&crate::server::sink_for(
            &console,
            crate::chat::slack::Slack::new(keel.clone())?.as_ref(),
            crate::chat::discord::Discord::new(keel.clone())?.as_ref(),
        ))
        .await?;
    println!(
        "{} timer(s) fired, {} stale, {} digest(s) queued, {delivered} notification(s) delivered",
        report.fired, report.stale, report.digests
    );
    Ok(ExitCode::SUCCESS)
}

/// `keel ask`: the answer, its table and how it was computed; or all of it as JSON.
pub async fn ask(
    dir: &Path,
    person: &str,
    json: bool,
    chart: Option<&Path>,
    question: &str,
) -> Outcome {
    let keel = open(dir).await?;
    let answer = keel.ask(person, question).await?;
    if let Some(path) = chart {
        match crate::ask::chart::chart(&answer) {
            Some(png) => {
                std::fs::write(path, png).map_err(anyhow::Error::from)?;
                eprintln!("chart written to {}", path.display());
            }
            None => eprintln!("this answer has no chart (charts are drawn for grouped answers)"),
        }
    }
    print_answer(&answer, json)
}

/// `keel generate-invoices`: the scaled-up demo company's invoices as CSV.
pub fn generate_invoices(purchase_orders: &Path, count: usize, out: &Path) -> Outcome {
    crate::sync::scale::write_invoices(purchase_orders, count, out)?;
    println!(
        "{count} invoices written to {}; import them with `keel import invoice {}`",
        out.display(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `keel insights [NAME]`: one analysis, or the catalogue.
pub async fn insights(dir: &Path, name: Option<&str>, person: Option<&str>, json: bool) -> Outcome {
    let Some(name) = name else {
        for insight in crate::insights::ALL {
            println!("{:<20} {}", insight.name(), insight.description());
        }
        return Ok(ExitCode::SUCCESS);
    };
    let Some(insight) = crate::insights::Insight::parse(name) else {
        let known: Vec<&str> = crate::insights::ALL.iter().map(|i| i.name()).collect();
        return Err(crate::service::UserError::Invalid(format!(
            "There is no insight `{}`. The insights are: {}.",
            crate::engine::form::truncate(name, 40),
            known.join(", ")
        ))
        .into());
    };
    let Some(person) = person else {
        return Err(crate::service::UserError::Invalid(
            "Say who is asking with --as (a staff id or email): their role decides what they may see."
                .into(),
        )
        .into());
    };
    let keel = open(dir).await?;
    let answer = keel.insight(person, insight).await?;
    print_answer(&answer, json)
}

fn print_answer(answer: &crate::ask::Answer, json: bool) -> Outcome {
    use std::fmt::Write as _;
    let mut out = String::new();
    if json {
        out = serde_json::to_string_pretty(&answer).map_err(anyhow::Error::from)?;
        out.push('\n');
    } else {
        let header = answer.header_line();
        let _ = writeln!(out, "{}\n\n{header}", answer.answer);
        let _ = writeln!(out, "{}", "-".repeat(header.chars().count().min(100)));
        for line in answer.row_lines() {
            let _ = writeln!(out, "{line}");
        }
        let _ = writeln!(out, "\nHow I got this: {}", answer.how);
        if let Some(note) = &answer.note {
            let _ = writeln!(out, "Note: {note}");
        }
    }
    print(&out)
}

/// Writes `out` to standard output; a reader that stops early (`| head`) is not an error.
fn print(out: &str) -> Outcome {
    let mut stdout = std::io::stdout().lock();
    match std::io::Write::write_all(&mut stdout, out.as_bytes()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::Error::from(error).into())
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}

pub async fn audit_verify(dir: &Path) -> Outcome {
    let keel = open(dir).await?;
    match keel.verify_audit().await? {
        Ok(count) => {
            println!("audit trail intact: {count} events verified");
            Ok(ExitCode::SUCCESS)
        }
        Err(breaks) => {
            for tamper in &breaks {
                eprintln!(
                    "audit trail BROKEN at event {}: {}",
                    tamper.seq, tamper.problem
                );
            }
            eprintln!(
                "{} problem{} found; export the trail (keel audit export) before anything else \
                 changes, and compare it with a backup",
                breaks.len(),
                if breaks.len() == 1 { "" } else { "s" }
            );
            Ok(ExitCode::FAILURE)
        }
    }
}

pub async fn audit_export(dir: &Path, format: ExportArg, output: Option<PathBuf>) -> Outcome {
    let keel = open(dir).await?;
    let format = match format {
        ExportArg::Csv => ExportFormat::Csv,
        ExportArg::Jsonl => ExportFormat::Jsonl,
    };
    let count = match &output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("creating {}", path.display()))?;
            keel.export_audit(format, &mut std::io::BufWriter::new(file))
                .await?
        }
        None => {
            keel.export_audit(format, &mut std::io::stdout().lock())
                .await?
        }
    };
    if let Some(path) = output {
        eprintln!("{count} events written to {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// `keel console-link PERSON`: a sign-in link for the web console, signed with
/// KEEL_CONSOLE_SECRET; whoever opens it acts as that person until it expires.
pub async fn console_link(dir: &Path, who: &str, days: i64, url: Option<String>) -> Outcome {
    let keel = open(dir).await?;
    if keel.config.secrets.console_secret.is_none() {
        return Err(UserError::Invalid(
            "Set KEEL_CONSOLE_SECRET (a long random string, the same for every keel process) to sign console links.".into(),
        )
        .into());
    }
    if !(1..=365).contains(&days) {
        return Err(UserError::Invalid("--days is between 1 and 365.".into()).into());
    }
    let person = keel.person(who).await?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let console = crate::chat::console::Console::new(keel.clone(), false, stopped);
    let expires = chrono::Utc::now() + chrono::Duration::days(days);
    let token = console.session_key().issue(
        crate::chat::console::session::Purpose::Link,
        &person.id,
        expires,
    );
    drop(stop);
    let server = &keel.config.settings.server;
    let base = url
        .or_else(|| server.public_url.clone())
        .unwrap_or_else(|| format!("http://{}", server.bind));
    println!("{}/console/login?token={token}", base.trim_end_matches('/'));
    eprintln!(
        "Sign-in link for {} ({}), valid until {}. Anyone holding it acts as them: send it privately.",
        person.name,
        person.id,
        expires.format("%Y-%m-%d")
    );
    Ok(ExitCode::SUCCESS)
}

/// `keel slack manifest`: the app manifest for this config, as YAML.
pub fn slack_manifest(dir: &Path, url: &str) -> Outcome {
    let config = load_config(dir)?;
    let manifest = crate::chat::slack::manifest::manifest(&config, url);
    print!("{}", crate::chat::slack::manifest::to_yaml(&manifest));
    Ok(ExitCode::SUCCESS)
}

/// `keel discord invite`: the link that adds keel's bot to a server.
pub fn discord_invite(dir: &Path) -> Outcome {
    let config = load_config(dir)?;
    println!("{}", crate::chat::discord::commands::invite_url(&config)?);
    Ok(ExitCode::SUCCESS)
}

/// `keel discord register`: the slash commands, in the server (`discord.guild_id`) or globally.
pub async fn discord_register(dir: &Path) -> Outcome {
    let config = load_config(dir)?;
    println!(
        "{}",
        crate::chat::discord::commands::register(&config).await?
    );
    Ok(ExitCode::SUCCESS)
}
