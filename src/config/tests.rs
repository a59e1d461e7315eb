//! Loading the demo company's config, and the problems broken config gives.

use super::*;
use std::fs;

fn demo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config")
}

/// A copy of the demo config to break.
fn copy_demo() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("temp dir");
    fs::create_dir(tmp.path().join("workflows")).expect("mkdir");
    for name in ["keel.toml", "records.toml", "ask.toml"] {
        fs::copy(demo_dir().join(name), tmp.path().join(name)).expect("copy");
    }
    for entry in fs::read_dir(demo_dir().join("workflows")).expect("workflows") {
        let path = entry.expect("entry").path();
        fs::copy(
            &path,
            tmp.path()
                .join("workflows")
                .join(path.file_name().expect("name")),
        )
        .expect("copy");
    }
    tmp
}

fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = fs::read_to_string(&path).expect("read");
    assert!(text.contains(from), "{file} lacks {from:?}");
    fs::write(&path, text.replacen(from, to, 1)).expect("write");
}

fn line_of(dir: &Path, file: &str, needle: &str) -> usize {
    let text = fs::read_to_string(dir.join(file)).expect("read");
    text.lines()
        .position(|l| l.contains(needle))
        .expect("needle")
        + 1
}

fn problems(dir: &Path, env: &[(&str, &str)]) -> Vec<Problem> {
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    match load_with_env(dir, &env) {
        Ok(_) => Vec::new(),
        Err(problems) => problems,
    }
}

fn has(problems: &[Problem], file: &str, line: Option<usize>, text: &str) -> bool {
    problems
        .iter()
        .any(|p| p.file.ends_with(file) && p.line == line && p.message.contains(text))
}

#[test]
fn demo_config_loads_without_problems() {
    let config = match load_with_env(&demo_dir(), &[]) {
        Ok(config) => config,
        Err(problems) => panic!(
            "{}",
            problems
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    };
    assert_eq!(config.settings.company.name, "Harbor Ridge Construction");
    assert_eq!(
        config.settings.company.calendar.time_zone,
        chrono_tz::America::Chicago
    );
    assert_eq!(config.schema.types.len(), 10);
    assert_eq!(
        config.schema.get("time_entry").map(|t| t.key.len()),
        Some(3)
    );
    let names: Vec<&str> = config.workflows.keys().map(String::as_str).collect();
    assert_eq!(names, ["change_order", "expense", "purchase_order"]);
    let project = config.schema.get("project").expect("project");
    assert_eq!(
        project.fields[0].name, "project_id",
        "fields keep their declared order"
    );
    assert_eq!(config.directory.manager, "manager_id");
}

#[test]
fn broken_workflow_reports_every_problem_at_its_line() {
    let tmp = copy_demo();
    let dir = tmp.path();
    let wf = "workflows/change_order.toml";
    edit(dir, wf, "type = \"money\" #", "type = \"decimal\" #");
    edit(dir, wf, "chain = \"project_manager\"", "chain = \"pm\"");
    edit(
        dir,
        wf,
        "expire_after_days = 30",
        "expire_after_days = 30\nexpire_after_weeks = 4",
    );
    let found = problems(dir, &[]);
    assert!(
        has(
            &found,
            wf,
            Some(line_of(dir, wf, "expire_after_weeks")),
            "unknown field `expire_after_weeks`"
        ),
        "{found:#?}"
    );
    assert!(
        has(
            &found,
            wf,
            Some(line_of(dir, wf, "decimal")),
            "unknown field type `decimal`"
        ),
        "{found:#?}"
    );
    assert!(
        has(
            &found,
            wf,
            Some(line_of(dir, wf, "chain = \"pm\"")),
            "`pm` is not a chain"
        ),
        "{found:#?}"
    );
}

#[test]
fn toml_syntax_error_names_the_line() {
    let tmp = copy_demo();
    let dir = tmp.path();
    edit(
        dir,
        "workflows/expense.toml",
        "command = \"expense\"",
        "command = \"expense",
    );
    let found = problems(dir, &[]);
    let line = line_of(dir, "workflows/expense.toml", "command = ");
    assert!(
        has(
            &found,
            "workflows/expense.toml",
            Some(line),
            "TOML syntax error"
        ),
        "{found:#?}"
    );
}

#[test]
fn records_problems_name_the_field_and_line() {
    let tmp = copy_demo();
    let dir = tmp.path();
    edit(
        dir,
        "records.toml",
        "client_id = \"ref(client)\"",
        "client_id = \"ref(customer)\"",
    );
    edit(
        dir,
        "records.toml",
        "key = \"vendor_id\"",
        "key = \"vendor_code\"",
    );
    let found = problems(dir, &[]);
    assert!(
        has(
            &found,
            "records.toml",
            Some(line_of(dir, "records.toml", "ref(customer)")),
            "`customer`"
        ),
        "{found:#?}"
    );
    assert!(
        has(
            &found,
            "records.toml",
            Some(line_of(dir, "records.toml", "vendor_code")),
            "key field `vendor_code`"
        ),
        "{found:#?}"
    );
}

#[test]
fn duplicate_commands_are_refused() {
    let tmp = copy_demo();
    let dir = tmp.path();
    edit(
        dir,
        "workflows/purchase_order.toml",
        "command = \"po\"",
        "command = \"expense\"",
    );
    let found = problems(dir, &[]);
    assert!(
        has(
            &found,
            "workflows/purchase_order.toml",
            Some(line_of(dir, "workflows/purchase_order.toml", "command =")),
            "command `expense` is already used"
        ),
        "{found:#?}"
    );
}

#[test]
fn environment_overrides_keel_toml() {
    let env = [
        ("KEEL_DATABASE_URL", "postgres://keel@db/keel"),
        ("KEEL_DATABASE_MAX_CONNECTIONS", "20"),
        ("KEEL_COMPANY_TIME_ZONE", "Europe/Berlin"),
        ("KEEL_COMPANY_WORKING_HOURS_START", "07:30"),
        ("KEEL_SLACK_ENABLED", "true"),
        ("KEEL_SLACK_BOT_TOKEN", "xoxb-not-an-override"),
        ("KEEL_LOG", "debug"),
    ]
    .map(|(k, v)| (k.to_string(), v.to_string()));
    let config = load_with_env(&demo_dir(), &env).expect("loads");
    let s = &config.settings;
    assert_eq!(s.database.url, "postgres://keel@db/keel");
    assert_eq!(s.database.max_connections, 20);
    assert_eq!(s.company.calendar.time_zone, chrono_tz::Europe::Berlin);
    assert_eq!(s.company.calendar.day_start.to_string(), "07:30:00");
    assert!(s.slack.enabled);
    assert!(config.secrets.slack_bot_token.is_some());
    assert!(
        !format!("{config:?}").contains("xoxb-not-an-override"),
        "secrets are redacted"
    );
}

#[test]
fn unknown_or_invalid_overrides_name_the_variable() {
    let found = problems(
        &demo_dir(),
        &[
            ("KEEL_DATABASE_PORT", "5432"),
            ("KEEL_COMPANY_TIME_ZONE", "Mars/Olympus"),
        ],
    );
    assert!(
        found
            .iter()
            .any(|p| p.message.contains("KEEL_DATABASE_PORT")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.message.contains("Mars/Olympus")
                && p.message.contains("KEEL_COMPANY_TIME_ZONE")),
        "{found:#?}"
    );
}

#[test]
fn bad_calendar_values_are_reported_at_their_lines() {
    let tmp = copy_demo();
    let dir = tmp.path();
    edit(
        dir,
        "keel.toml",
        "time_zone = \"America/Chicago\"",
        "time_zone = \"America/Chicag\"",
    );
    edit(dir, "keel.toml", "end = \"17:00\"", "end = \"5pm\"");
    let found = problems(dir, &[]);
    assert!(
        has(
            &found,
            "keel.toml",
            Some(line_of(dir, "keel.toml", "America/Chicag")),
            "unknown time zone"
        ),
        "{found:#?}"
    );
    assert!(
        has(
            &found,
            "keel.toml",
            Some(line_of(dir, "keel.toml", "5pm")),
            "not a time"
        ),
        "{found:#?}"
    );
}

#[test]
fn secrets_in_files_are_refused() {
    let tmp = copy_demo();
    let dir = tmp.path();
    edit(
        dir,
        "keel.toml",
        "mode = \"socket\"\n",
        "mode = \"socket\"\nbot_token = \"xoxb-1234-abcd-efgh\"\n",
    );
    let found = problems(dir, &[]);
    let line = line_of(dir, "keel.toml", "bot_token");
    let secret = found
        .iter()
        .find(|p| p.line == Some(line))
        .expect("a problem at the secret");
    assert!(secret.hint.contains("KEEL_SLACK_BOT_TOKEN"), "{secret:#?}");
    assert!(
        !found.iter().any(|p| p.message.contains("unknown field")),
        "reported once: {found:#?}"
    );
}

#[test]
fn a_console_secret_too_short_to_be_safe_is_a_problem() {
    let env = |secret: &str| vec![("KEEL_CONSOLE_SECRET".to_string(), secret.to_string())];
    let problems = load_with_env(&demo_dir(), &env("hunter2")).expect_err("refused");
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].to_string().contains("at least 32"),
        "{}",
        problems[0]
    );
    assert!(
        !problems[0].to_string().contains("hunter2"),
        "the secret is never shown"
    );
    let long = "0123456789abcdef0123456789abcdef";
    let config = load_with_env(&demo_dir(), &env(long)).expect("a long secret loads");
    assert!(config.secrets.console_secret.is_some());
}

#[test]
fn a_misspelt_role_in_ask_access_is_a_problem_not_a_role_that_sees_everything() {
    let dir = copy_demo();
    edit(
        dir.path(),
        "ask.toml",
        "[access.field_staff]",
        "[access.field-staff]",
    );
    let found = problems(dir.path(), &[]);
    let problem = found
        .iter()
        .find(|p| p.message.contains("[access.field-staff]"))
        .unwrap_or_else(|| panic!("{found:?}"));
    assert_eq!(
        problem.line,
        Some(line_of(dir.path(), "ask.toml", "[access.field-staff]"))
    );
    assert!(problem.hint.contains("field_staff"));
}

#[test]
fn a_password_in_the_database_url_of_a_file_is_refused_and_never_shown() {
    let tmp = copy_demo();
    let dir = tmp.path();
    edit(
        dir,
        "keel.toml",
        "url = \"sqlite://keel.db\"",
        "url = \"postgres://keel:hunter2@db/keel\"",
    );
    let found = problems(dir, &[]);
    let line = line_of(dir, "keel.toml", "hunter2");
    let problem = found
        .iter()
        .find(|p| p.line == Some(line) && p.message.contains("password"))
        .unwrap_or_else(|| panic!("a problem at line {line}: {found:#?}"));
    assert!(problem.hint.contains("KEEL_DATABASE_URL"), "{problem}");
    assert!(problem.hint.contains("PGPASSWORD"), "{problem}");
    assert!(
        !found.iter().any(|p| p.to_string().contains("hunter2")),
        "the password is never shown: {found:#?}"
    );

    // The same URL from the environment is where a password belongs.
    let from_env = [(
        "KEEL_DATABASE_URL".to_string(),
        "postgres://keel:hunter2@db/keel".to_string(),
    )];
    let config = load_with_env(&demo_dir(), &from_env).expect("a password from the environment");
    assert_eq!(
        redact_url(&config.settings.database.url),
        "postgres://keel:***@db/keel"
    );
}

#[test]
fn an_api_token_too_short_to_be_safe_is_a_problem() {
    let env = |token: &str| vec![("KEEL_API_TOKEN".to_string(), token.to_string())];
    let problems = load_with_env(&demo_dir(), &env("x")).expect_err("refused");
    assert_eq!(problems.len(), 1, "{problems:#?}");
    let text = problems[0].to_string();
    assert!(text.contains("KEEL_API_TOKEN"), "{text}");
    assert!(text.contains("at least 32"), "{text}");
    assert!(text.contains("openssl rand -hex 32"), "{text}");
    let long = "0123456789abcdef0123456789abcdef";
    let config = load_with_env(&demo_dir(), &env(long)).expect("a long token loads");
    assert!(config.secrets.api_token.is_some());
}

#[test]
fn a_public_url_is_an_http_address() {
    let env = |url: &str| vec![("KEEL_SERVER_PUBLIC_URL".to_string(), url.to_string())];
    let config = load_with_env(&demo_dir(), &env("https://keel.example.com/")).expect("loads");
    assert_eq!(
        config.settings.server.public_url.as_deref(),
        Some("https://keel.example.com")
    );
    let problems = load_with_env(&demo_dir(), &env("keel.example.com")).expect_err("refused");
    assert!(
        problems[0].message.contains("KEEL_SERVER_PUBLIC_URL"),
        "{problems:#?}"
    );
}

#[test]
fn a_relation_naming_no_reference_field_is_a_problem_at_its_line() {
    let dir = copy_demo();
    edit(
        dir.path(),
        "ask.toml",
        "pm = [\"manager\"]",
        "pm = [\"manger\"]",
    );
    let found = problems(dir.path(), &[]);
    let problem = found
        .iter()
        .find(|p| p.message.contains("`manger`"))
        .unwrap_or_else(|| panic!("{found:?}"));
    assert_eq!(
        problem.line,
        Some(line_of(dir.path(), "ask.toml", "pm = [\"manger\"]"))
    );
    assert!(problem.hint.contains("manager_id"), "{}", problem.hint);
}

#[test]
fn an_environment_value_for_a_text_setting_is_taken_as_text_even_when_it_reads_as_a_number() {
    let env = [
        ("KEEL_DISCORD_APPLICATION_ID", "100000000000000001"),
        ("KEEL_DISCORD_GUILD_ID", "200000000000000002"),
        ("KEEL_DISCORD_TIMEOUT_SECONDS", "3"),
        ("KEEL_COMPANY_NAME", "1999"),
    ]
    .map(|(k, v)| (k.to_string(), v.to_string()));
    let config = load_with_env(&demo_dir(), &env).expect("loads");
    let discord = &config.settings.discord;
    assert_eq!(
        discord.application_id.as_deref(),
        Some("100000000000000001")
    );
    assert_eq!(discord.guild_id.as_deref(), Some("200000000000000002"));
    assert_eq!(
        discord.timeout_seconds, 3,
        "a number setting still reads a number"
    );
    assert_eq!(config.settings.company.name, "1999");
    let found = problems(&demo_dir(), &[("KEEL_DISCORD_TIMEOUT_SECONDS", "soon")]);
    assert!(
        found
            .iter()
            .any(|p| p.hint.contains("KEEL_DISCORD_TIMEOUT_SECONDS")),
        "a value that fits no way is still refused, naming the variable: {found:#?}"
    );
}

#[test]
fn discord_takes_interactions_over_the_gateway_unless_told_http_and_says_so_in_check() {
    let on = [
        ("KEEL_DISCORD_ENABLED", "true"),
        ("KEEL_DISCORD_BOT_TOKEN", "t"),
    ]
    .map(|(k, v)| (k.to_string(), v.to_string()));
    let config = load_with_env(&demo_dir(), &on).expect("loads");
    assert_eq!(config.settings.discord.mode, super::DiscordMode::Gateway);
    let said = crate::config::platform_notes(&config);
    assert!(said[0].contains("gateway mode"), "{said:?}");
    assert_eq!(said.len(), 1, "nothing missing: {said:?}");

    let mut http = on.to_vec();
    http.push(("KEEL_DISCORD_MODE".into(), "http".into()));
    let config = load_with_env(&demo_dir(), &http).expect("loads");
    assert_eq!(config.settings.discord.mode, super::DiscordMode::Http);
    let said = crate::config::platform_notes(&config);
    assert!(
        said.iter().any(|l| l.contains("KEEL_DISCORD_PUBLIC_KEY")),
        "{said:?}"
    );
    let found = problems(&demo_dir(), &[("KEEL_DISCORD_MODE", "both")]);
    assert!(
        found
            .iter()
            .any(|p| p.message.contains("`gateway` or `http`")),
        "{found:?}"
    );
}

#[test]
fn a_context_fact_that_could_never_be_computed_is_a_problem_at_its_line() {
    let tmp = copy_demo();
    let file = "workflows/change_order.toml";
    edit(
        tmp.path(),
        file,
        "fact = \"budget\"\nfield = \"project\"",
        "fact = \"budget\"\nfield = \"vendor\"",
    );
    edit(tmp.path(), file, "by = [\"project\"]", "by = [\"reason\"]");
    edit(
        tmp.path(),
        file,
        "fact = \"requests_so_far\"\nfield",
        "fact = \"gossip\"\nfield",
    );
    let found = problems(tmp.path(), &[]);
    let line = |needle| Some(line_of(tmp.path(), file, needle));
    assert!(
        has(
            &found,
            "change_order.toml",
            line("field = \"vendor\""),
            "not a ref(project) field"
        ),
        "{found:?}"
    );
    assert!(
        has(
            &found,
            "change_order.toml",
            line("by = [\"reason\"]"),
            "not a ref field"
        ),
        "{found:?}"
    );
    assert!(
        has(
            &found,
            "change_order.toml",
            line("fact = \"gossip\""),
            "not one keel knows"
        ),
        "{found:?}"
    );
}
