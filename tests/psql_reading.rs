//! rollsafe reads a psql-run file the way psql and the server do. Every file under
//! `tests/reading/psql/` is run with the real `psql` (ON_ERROR_STOP on) against a throwaway
//! PostgreSQL that has a `users` table, and checked with rollsafe:
//!
//! - `fire_*`: psql really drops `users` (the fact), and rollsafe fails the file with an error at
//!   the line where that happens (a hidden DROP found, or a statement refused as unreadable);
//! - `quiet_*`: psql leaves `users` alone, and rollsafe reports nothing at error level.
//!
//! Each of the `fire_*` files passed with exit 0 before rollsafe read `\r`, `\\`, `\;`,
//! `\gexec`, COPY data and `standard_conforming_strings` this way.

// The shared cluster helper; this test uses only part of it.
#[allow(dead_code)]
#[path = "common/pg.rs"]
mod pg;

use std::path::Path;

use assert_cmd::Command;
use pg::{PgCluster, StartError};

/// File, and for `fire_*` the line (and code) of the error rollsafe must report.
const CASES: &[(&str, Option<(usize, &str)>)] = &[
    ("fire_cr_comment.sql", Some((2, "RS001"))),
    ("fire_meta_separator.sql", Some((1, "RS001"))),
    ("fire_copy_query_from_stdin.sql", Some((2, "RS001"))),
    ("fire_copy_rest_of_line.sql", Some((2, "RS001"))),
    ("fire_backslash_semicolon.sql", Some((1, "RS001"))),
    ("fire_gexec.sql", Some((1, "E004"))),
    ("fire_conforming_strings_off.sql", Some((2, "RS001"))),
    ("fire_conforming_strings_local.sql", Some((3, "E001"))),
    ("quiet_copy_data.sql", None),
    ("quiet_crlf.sql", None),
    ("quiet_conforming_strings.sql", None),
    // One query string (`\;`): the server parses it whole before the SET runs.
    ("quiet_conforming_strings_joined.sql", None),
    ("quiet_meta_arguments.sql", None),
];

fn dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reading/psql"))
}

#[test]
fn every_case_has_a_file_and_every_file_a_case() {
    let mut files: Vec<String> = std::fs::read_dir(dir())
        .expect("tests/reading/psql")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut cases: Vec<String> = CASES.iter().map(|(f, _)| f.to_string()).collect();
    cases.sort();
    assert_eq!(files, cases);
}

#[test]
fn rollsafe_finds_what_psql_runs() {
    for (file, expected) in CASES {
        let out = Command::cargo_bin("rollsafe")
            .expect("the rollsafe binary is built")
            .args(["check", "--layout", "plain", "--format", "compact"])
            .args(["--today", "2026-11-23"])
            .arg(file)
            .current_dir(dir())
            .output()
            .expect("run rollsafe");
        let stdout = String::from_utf8_lossy(&out.stdout);
        match expected {
            Some((line, code)) => {
                assert_eq!(out.status.code(), Some(1), "{file}: {stdout}");
                let wanted = format!("{file}:{line}:");
                assert!(
                    stdout
                        .lines()
                        .any(|l| l.starts_with(&wanted) && l.contains(&format!("error[{code}]"))),
                    "{file}: expected error[{code}] on line {line}:\n{stdout}"
                );
            }
            None => assert_eq!(out.status.code(), Some(0), "{file}: {stdout}"),
        }
    }
}

#[test]
fn psql_runs_what_the_fixtures_say() {
    if std::env::var("ROLLSAFE_SKIP_PG").is_ok_and(|v| v == "1") {
        eprintln!("*** SKIPPED psql_reading: ROLLSAFE_SKIP_PG=1 ***");
        return;
    }
    let cluster = match PgCluster::start() {
        Ok(c) => c,
        Err(StartError::Missing(why)) => panic!(
            "PostgreSQL binaries are missing ({why}); run scripts/setup.sh or set ROLLSAFE_SKIP_PG=1"
        ),
        Err(StartError::Failed(why)) => panic!("cannot start PostgreSQL: {why}"),
    };
    for (n, (file, expected)) in CASES.iter().enumerate() {
        let db = format!("reading_{n}");
        let created = cluster.psql("postgres", &format!("CREATE DATABASE {db};"));
        assert!(created.ok, "{}", created.stderr);
        let seeded = cluster.psql(&db, "CREATE TABLE users (id int);");
        assert!(seeded.ok, "{}", seeded.stderr);
        let script = std::fs::read_to_string(dir().join(file)).expect("fixture");
        let run = cluster.psql(&db, &script);
        let after = cluster.psql(&db, "SELECT 'users|' || (to_regclass('users') IS NULL);");
        let dropped = after.rows("users") == vec![vec!["true".to_string()]];
        assert_eq!(
            dropped,
            expected.is_some(),
            "{file}: psql {} users (stderr: {})",
            if dropped { "dropped" } else { "kept" },
            run.stderr
        );
    }
}
