//! The `keel` command line: parses arguments and hands over to the library.

use clap::{Parser, Subcommand};
use keel::cli::{self, ActionArg, Format};
use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc instead of the system allocator: imports and transitions allocate many small,
/// short-lived values (rows, fields, JSON), where glibc's allocator spent 40 % of an import's
/// time (see the README's benchmark notes).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// keel: approvals by explicit rules, with an audit trail, for a 25–500 person company.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// The config directory (keel.toml, records.toml, workflows/).
    #[arg(long, global = true, default_value = "config", env = "KEEL_CONFIG_DIR")]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load and validate the config, reporting every problem with file and line.
    Check {
        /// The config directory (same as --config).
        dir: Option<PathBuf>,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Run keel: the HTTP API, the web console (sign-in links need KEEL_CONSOLE_SECRET), the
    /// scheduler (reminders, escalations, expiries) and the outbox.
    Serve,
    /// Run the demo company with the web console open to anyone, from any folder, offline.
    Demo {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: String,
        /// Folder for the demo's database and config copy [default: ~/.local/share/keel/demo].
        #[arg(long, env = "KEEL_DEMO_DIR")]
        dir: Option<PathBuf>,
        /// A database URL instead of the demo folder's SQLite file.
        #[arg(long)]
        database: Option<String>,
        /// Delete the demo database first and import the company again.
        #[arg(long)]
        fresh: bool,
    },
    /// Print a sign-in link to the web console for a person (needs KEEL_CONSOLE_SECRET).
    ConsoleLink {
        /// Staff id or email.
        person: String,
        /// Days the link and its session stay valid.
        #[arg(long, default_value_t = 30)]
        days: i64,
        /// The address people reach keel at [default: http://<server.bind>].
        #[arg(long)]
        url: Option<String>,
    },
    /// Import one CSV file of a record type (all rows or none; re-importing changes nothing).
    Import { record_type: String, file: PathBuf },
    /// Import a whole company: every `<type>.csv` in DIR, then its approval history, then show
    /// what is waiting for approval.
    ImportAll {
        /// Defaults to the demo company in `<config>/demo-data`.
        dir: Option<PathBuf>,
    },
    /// Submit, act on and show requests.
    #[command(subcommand)]
    Request(RequestCommand),
    /// List requests.
    Requests {
        /// Only those waiting for this person (staff id or email).
        #[arg(long)]
        pending_for: Option<String>,
        #[arg(long)]
        workflow: Option<String>,
        #[arg(long)]
        status: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Hand your approvals to someone for a date range.
    Delegate {
        #[arg(long = "as")]
        person: String,
        #[arg(long)]
        to: String,
        /// First day (default today).
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// Last day, inclusive.
        #[arg(long)]
        until: chrono::NaiveDate,
    },
    /// Ask a question about the company's records in plain language.
    Ask {
        /// Who is asking (staff id or email): "my" questions are theirs.
        #[arg(long = "as")]
        person: String,
        /// Print the answer, table and plan as JSON.
        #[arg(long)]
        json: bool,
        /// Write the answer's chart (PNG) here, when it has one.
        #[arg(long)]
        chart: Option<PathBuf>,
        /// The question, e.g. "how much did Apex Concrete invoice us in March?"
        #[arg(required = true, num_args = 1..)]
        question: Vec<String>,
    },
    /// Write the demo company's purchase orders' invoices, scaled up, as a CSV to import
    /// (`keel import invoice FILE`): for trying questions and benchmarks on years of invoices.
    GenerateInvoices {
        /// How many invoices.
        #[arg(long, default_value_t = 1_000_000)]
        count: usize,
        /// The CSV file to write.
        #[arg(long)]
        out: PathBuf,
        /// The purchase orders to invoice [default: <config>/demo-data/purchase_orders.csv].
        #[arg(long)]
        purchase_orders: Option<PathBuf>,
    },
    /// Run an analysis of the history; without NAME, list them.
    Insights {
        /// vendor_reliability, budget_burn, client_engagement, approval_latency, capacity or
        /// anomalies.
        name: Option<String>,
        /// Who is asking (staff id or email): their role decides what they may see.
        #[arg(long = "as")]
        person: Option<String>,
        /// Print the answer, table and plan as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Fire due timers, send due digests and deliver pending notifications once (what `serve`
    /// does continuously).
    Tick,
    /// Test a policy change against history, or have the history suggest one (writes nothing).
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Digests (digests.toml's [[digest]]): send one now.
    #[command(subcommand)]
    Digest(DigestCommand),
    /// Alerts (digests.toml's [[alert]]): list them, mute or unmute one.
    #[command(subcommand)]
    Alerts(AlertsCommand),
    /// Verify or export the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Notifications keel could not deliver: list them, send them again.
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// Integrations: sources coming in and webhook targets going out, their failures, retry.
    #[command(subcommand)]
    Sync(SyncCommand),
    /// REST API tokens: make one for a person with scopes, list them, revoke one.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Slack: the app manifest to create keel's Slack app from.
    #[command(subcommand)]
    Slack(SlackCommand),
    /// Discord: the bot's invite link, and its slash commands.
    #[command(subcommand)]
    Discord(DiscordCommand),
}

#[derive(Subcommand)]
enum DigestCommand {
    /// Send the digest to each of its people now, outside its schedule.
    Send { name: String },
}

#[derive(Subcommand)]
enum AlertsCommand {
    /// Each alert: its rule, whom it tells, how many records are past it, whether muted.
    List,
    /// Stop sending an alert (its crossings are still recorded).
    Mute {
        name: String,
        /// How long: 30m, 12h, 2d, 1w [default: until unmuted].
        #[arg(long = "for", value_name = "DURATION")]
        duration: Option<String>,
    },
    /// Send an alert's crossings again.
    Unmute { name: String },
}

#[derive(Subcommand)]
enum DiscordCommand {
    /// Print the link that adds keel's bot (and its slash commands) to a server, with the
    /// permissions it needs.
    Invite,
    /// Register the workflows' slash commands, /keel and /ask: in discord.guild_id's server
    /// (at once), or globally without it (within an hour).
    Register,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Make a token and print it (the only time it is shown: keel keeps only its hash).
    Create {
        /// What the list and `revoke` call it, such as quickbooks-sync.
        #[arg(long)]
        name: String,
        /// The person it acts as (staff id or email).
        #[arg(long = "as")]
        person: String,
        /// A scope: records:read:TYPE, records:write:TYPE, requests:read,
        /// requests:submit:WORKFLOW, requests:act, act-as, audit:read, people:read, ask (TYPE or
        /// WORKFLOW may be *); repeat for each.
        #[arg(long = "scope", required = true, value_name = "SCOPE")]
        scopes: Vec<String>,
        /// Days from now (30d) or the last day it works (2027-01-31) [default: never].
        #[arg(long)]
        expires: Option<String>,
    },
    /// List the tokens: name, person, scopes, created, expires, revoked, last used.
    List,
    /// Refuse a token's calls from now on.
    Revoke { name: String },
}

#[derive(Subcommand)]
enum SlackCommand {
    /// Print the Slack app manifest (YAML): commands, scopes, App Home, interactivity, and
    /// Socket Mode or the request URLs (per slack.mode).
    Manifest {
        /// Where Slack reaches keel over HTTP (slack.mode = "http").
        #[arg(long, default_value = "https://keel.example.com")]
        url: String,
    },
}

#[derive(Subcommand)]
enum RequestCommand {
    /// Submit a request; prints its id.
    Submit {
        workflow: String,
        #[arg(long = "as")]
        person: String,
        /// A form field as name=value; repeat for each field.
        #[arg(long = "field", value_name = "NAME=VALUE")]
        fields: Vec<String>,
        /// Submitting twice with the same key gives the same request.
        #[arg(long)]
        idempotency_key: Option<String>,
    },
    /// Approve, reject, cancel or comment on a request.
    Act {
        id: String,
        action: ActionArg,
        #[arg(long = "as")]
        person: String,
        /// Why (required to reject); the text of a comment.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Show a request and its history.
    Show {
        id: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Subcommand)]
enum OutboxCommand {
    /// List parked notifications: refused for good, or out of attempts (those are still retried
    /// hourly).
    Failed,
    /// Make parked notifications due at once, their attempts reset.
    Retry {
        /// The notification's id, as `keel outbox failed` lists it.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        id: Option<i64>,
        /// Every parked notification.
        #[arg(long)]
        all: bool,
    },
}

#[derive(Subcommand)]
enum SyncCommand {
    /// Per source (last success, lag, queued, failures, dead letters) and per target (last
    /// success, lag, pending, failing, dead letters, disabled).
    Status,
    /// What failed: events that came in and could not be applied (E…), webhooks going out not
    /// delivered (W…), with the reasons.
    Failures,
    /// Try again now: a dead letter applied with the current mapping, a webhook sent again.
    Retry {
        /// E12 (an event that came in) or W7 (a webhook going out), as `keel sync failures`
        /// lists them.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        id: Option<String>,
        /// Every dead letter and every failed webhook.
        #[arg(long)]
        all: bool,
    },
    /// Send to a target again after it answered 410 Gone.
    Enable { target: String },
    /// Apply the events a source delivered since a time again.
    Replay {
        source: String,
        /// A day (2026-12-01) or a time (2026-12-01T09:00:00Z).
        #[arg(long)]
        since: String,
    },
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Replay every past request through today's policy and a proposal's, and report what
    /// would change: decisions, each approver's load and hours, flags, the changed requests.
    Simulate {
        /// The proposal: a copy of the config folder with edited workflows, or a folder holding
        /// workflows/*.toml. (`--config` names the config in force, as for every command.)
        #[arg(long)]
        proposal: PathBuf,
        /// Only requests submitted on or after this day (YYYY-MM-DD).
        #[arg(long)]
        since: Option<chrono::NaiveDate>,
        /// Print the comparison as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Changes the history supports (auto-approval thresholds, slow approvers, steps that never
    /// reject), each with its evidence and a diff of the workflow file; nothing is applied.
    Suggest {
        /// Print the suggestions as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain; names the first event that was edited, deleted or reordered.
    Verify,
    /// Write every event, oldest first.
    Export {
        #[arg(long, value_enum)]
        format: keel::cli::ExportArg,
        /// Write here instead of standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let serving = matches!(args.command, Command::Serve | Command::Demo { .. });
    if let Err(problem) = cli::init_logging(serving) {
        eprintln!("{problem}");
        return ExitCode::FAILURE;
    }
    let config = args.config;
    let outcome = match args.command {
        Command::Check { dir } => return cli::check(&dir.unwrap_or(config)),
        Command::Migrate => cli::migrate(&config).await,
        Command::Serve => cli::serve(&config).await,
        Command::Demo {
            bind,
            dir,
            database,
            fresh,
        } => {
            let options = cli::DemoOptions {
                home: dir.unwrap_or_else(cli::default_demo_home),
                bind,
                database,
                fresh,
            };
            cli::demo(options).await
        }
        Command::ConsoleLink { person, days, url } => {
            cli::console_link(&config, &person, days, url).await
        }
        Command::Import { record_type, file } => cli::import(&config, &record_type, &file).await,
        Command::ImportAll { dir } => cli::import_all(&config, dir).await,
        Command::Request(RequestCommand::Submit {
            workflow,
            person,
            fields,
            idempotency_key,
        }) => cli::submit(&config, workflow, person, fields, idempotency_key).await,
        Command::Request(RequestCommand::Act {
            id,
            action,
            person,
            reason,
        }) => cli::act(&config, &id, action, &person, reason).await,
        Command::Request(RequestCommand::Show { id, format }) => {
            cli::show(&config, &id, format).await
        }
        Command::Requests {
            pending_for,
            workflow,
            status,
            limit,
        } => cli::list(&config, pending_for, workflow, status, limit).await,
        Command::Delegate {
            person,
            to,
            from,
            until,
        } => cli::delegate(&config, &person, &to, from, until).await,
        Command::Tick => cli::tick(&config).await,
        Command::Policy(PolicyCommand::Simulate {
            proposal,
            since,
            json,
        }) => cli::policy::simulate(&config, &proposal, since, json).await,
        Command::Policy(PolicyCommand::Suggest { json }) => {
            cli::policy::suggest(&config, json).await
        }
        Command::Digest(DigestCommand::Send { name }) => cli::digests::send(&config, &name).await,
        Command::Alerts(AlertsCommand::List) => cli::digests::list(&config).await,
        Command::Alerts(AlertsCommand::Mute { name, duration }) => {
            cli::digests::mute(&config, &name, duration.as_deref()).await
        }
        Command::Alerts(AlertsCommand::Unmute { name }) => {
            cli::digests::unmute(&config, &name).await
        }
        Command::GenerateInvoices {
            count,
            out,
            purchase_orders,
        } => {
            let orders = purchase_orders
                .unwrap_or_else(|| config.join("demo-data").join("purchase_orders.csv"));
            cli::generate_invoices(&orders, count, &out)
        }
        Command::Insights { name, person, json } => {
            cli::insights(&config, name.as_deref(), person.as_deref(), json).await
        }
        Command::Ask {
            person,
            json,
            chart,
            question,
        } => {
            cli::ask(
                &config,
                &person,
                json,
                chart.as_deref(),
                &question.join(" "),
            )
            .await
        }
        Command::Audit(AuditCommand::Verify) => cli::audit_verify(&config).await,
        Command::Outbox(OutboxCommand::Failed) => cli::outbox::failed(&config).await,
        Command::Outbox(OutboxCommand::Retry { id, all }) => {
            cli::outbox::retry(&config, id, all).await
        }
        Command::Sync(SyncCommand::Status) => cli::sync::status(&config).await,
        Command::Sync(SyncCommand::Failures) => cli::sync::failures(&config).await,
        Command::Sync(SyncCommand::Retry { id, all }) => {
            cli::sync::retry(&config, id.as_deref(), all).await
        }
        Command::Sync(SyncCommand::Enable { target }) => cli::sync::enable(&config, &target).await,
        Command::Sync(SyncCommand::Replay { source, since }) => {
            cli::sync::replay(&config, &source, &since).await
        }
        Command::Token(TokenCommand::Create {
            name,
            person,
            scopes,
            expires,
        }) => {
            let args = cli::token::CreateArgs {
                name,
                person,
                scopes,
                expires,
            };
            cli::token::create(&config, args).await
        }
        Command::Token(TokenCommand::List) => cli::token::list(&config).await,
        Command::Token(TokenCommand::Revoke { name }) => cli::token::revoke(&config, &name).await,
        Command::Slack(SlackCommand::Manifest { url }) => cli::slack_manifest(&config, &url),
        Command::Discord(DiscordCommand::Invite) => cli::discord_invite(&config),
        Command::Discord(DiscordCommand::Register) => cli::discord_register(&config).await,
        Command::Audit(AuditCommand::Export { format, output }) => {
            cli::audit_export(&config, format, output).await
        }
    };
    cli::exit(outcome)
}
