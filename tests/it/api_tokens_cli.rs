//! `keel token create|list|revoke` run as the real binary beside a serving keel: scopes checked
//! against the config, the token printed once and never listed, its use seen by the list, and
//! a revoked token refused by the running server at once.

use crate::api_tokens::call;
use crate::common::app::config_dir;
use crate::common::cli::{keel, keel_ok, stderr, stdout};
use crate::common::console::{Mode, TestServer};
use crate::common::test_databases;
use reqwest::{Method, StatusCode};

// Two workers: a `keel` command runs as a blocking child process, and the server in this test
// process must go on (and finish a transaction it holds the database's write lock for) meanwhile;
// on one thread, the command could wait out SQLite's busy timeout behind a server that cannot run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keel_token_makes_lists_and_revokes_tokens_the_server_honours() {
    for db in test_databases().await {
        let label = db.label;
        let server = TestServer::start(&db, Mode::Closed).await;
        let config = config_dir();
        let run = |args: &[&str]| keel(&db, &config, args);
        let create = |name: &str, scopes: &[&str], more: &[&str]| {
            let mut args = vec!["token", "create", "--name", name, "--as", "S016"];
            for scope in scopes {
                args.extend(["--scope", scope]);
            }
            args.extend(more);
            run(&args)
        };

        // Every problem is told at once, and nothing is made.
        let scopes = [
            "records:read:projet",
            "requests:submit:nope",
            "admin",
            "ask",
        ];
        let refused = create("ci", &scopes, &[]);
        assert!(!refused.status.success(), "[{label}]");
        let told = stderr(&refused);
        for says in [
            "there is no record type `projet`; the record types are",
            "there is no workflow `nope`; the workflows are",
            "`admin` is not a scope; the scopes are",
        ] {
            assert!(told.contains(says), "[{label}] {says}: {told}");
        }
        let bad_expiry = create("ci", &["ask"], &["--expires", "soon"]);
        assert!(stderr(&bad_expiry).contains("--expires takes a number of days"));
        let stranger = run(&[
            "token", "create", "--name", "x", "--as", "S999", "--scope", "ask",
        ]);
        assert!(
            stderr(&stranger).contains("keel does not know `S999`"),
            "{}",
            stderr(&stranger)
        );
        assert!(keel_ok(&db, &config, &["token", "list"]).starts_with("No tokens yet"));

        let made = create("ci", &["requests:read", "records:read:*"], &[]);
        assert!(made.status.success(), "[{label}] {}", stderr(&made));
        let secret = stdout(&made).trim().to_string();
        assert!(
            secret.starts_with("keel_") && secret.len() == 48,
            "{secret}"
        );
        assert!(
            stderr(&made).contains("only time it is shown"),
            "{}",
            stderr(&made)
        );
        let again = create("ci", &["ask"], &[]);
        assert!(stderr(&again).contains("There is a token named `ci` already"));
        let expiring = create("nightly", &["ask"], &["--expires", "2027-01-31"]);
        assert!(expiring.status.success(), "[{label}] {}", stderr(&expiring));

        let id = server
            .app
            .submit(
                "expense",
                "S020",
                &[
                    ("category", "fuel"),
                    ("amount", "40"),
                    ("spent_on", "2026-11-20"),
                ],
            )
            .await
            .id;
        let path = format!("/api/v1/requests/{id}");
        let (status, body) = call(&server, Method::GET, &path, &secret, None).await;
        assert_eq!(status, StatusCode::OK, "[{label}] {body}");

        let listed = keel_ok(&db, &config, &["token", "list"]);
        assert!(
            !listed.contains(&secret[5..]),
            "[{label}] the secret is listed: {listed}"
        );
        let ci = listed
            .lines()
            .find(|l| l.starts_with("ci\t"))
            .unwrap_or_default();
        let columns: Vec<&str> = ci.split('\t').collect();
        assert_eq!(
            columns.get(1..3).map(<[&str]>::to_vec),
            Some(vec!["S016", "requests:read records:read:*"]),
            "[{label}] {listed}"
        );
        assert_eq!(
            columns.get(4..7).map(<[&str]>::to_vec),
            Some(vec!["never", "-", "2026-11-23 15:00 UTC"]),
            "[{label}] expires, revoked, last used: {listed}"
        );
        let nightly = listed
            .lines()
            .find(|l| l.starts_with("nightly\t"))
            .unwrap_or_default();
        assert!(
            nightly.contains("\t2027-02-01 06:00 UTC\t"),
            "[{label}] {nightly}"
        );

        let revoked = keel_ok(&db, &config, &["token", "revoke", "ci"]);
        assert!(
            revoked.starts_with("Token ci revoked"),
            "[{label}] {revoked}"
        );
        let twice = keel_ok(&db, &config, &["token", "revoke", "ci"]);
        assert!(
            twice.contains("was revoked already, on"),
            "[{label}] {twice}"
        );
        let unknown = run(&["token", "revoke", "cj"]);
        assert!(stderr(&unknown).contains("There is no token named `cj`"));
        let (status, body) = call(&server, Method::GET, &path, &secret, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "[{label}] {body}");
        server.stop().await;
    }
}
