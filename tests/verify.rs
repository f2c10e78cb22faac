//! `rollsafe verify` against the machine's PostgreSQL (15 in CI): the fixtures end to end, the
//! down and re-apply checks, server errors, `--data`, `--database-url`, and cleanup of the
//! throwaway cluster (also when the run is interrupted).
//!
//! The server binaries come from `pg_config --bindir` or the usual locations; when they are
//! missing the tests fail, unless `ROLLSAFE_SKIP_PG=1`, which skips them with a loud message.
//! Nothing here needs network access: the cluster listens on a unix socket only.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;

fn skip() -> bool {
    let skip = std::env::var("ROLLSAFE_SKIP_PG").is_ok_and(|v| v == "1");
    if skip {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "*** SKIPPED verify test: ROLLSAFE_SKIP_PG=1, no PostgreSQL server was run ***"
        );
    }
    skip
}

/// A temp dir the `postgres` user can enter (the cluster's temp dir goes inside it when it is
/// TMPDIR, and the server runs as `postgres` when the tests run as root).
fn open_tempdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let _ = Process::new("chmod").arg("755").arg(dir.path()).status();
    dir
}

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("mkdir");
        }
        fs::write(path, text).expect("write fixture");
    }
}

/// Run `rollsafe verify ARGS --format json` with TMPDIR set to `tmp`; the exit code, the JSON,
/// and stderr.
fn verify_json(tmp: &Path, args: &[&str]) -> (Option<i32>, Value, String) {
    let out = Command::cargo_bin("rollsafe")
        .expect("the rollsafe binary is built")
        .arg("verify")
        .args(args)
        .args(["--format", "json"])
        .env("TMPDIR", tmp)
        .env("NO_COLOR", "1")
        .output()
        .expect("run rollsafe verify");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}\nstderr:\n{stderr}"));
    (out.status.code(), json, stderr)
}

/// Every diagnostic as (file path, line, code, message).
fn diagnostics(json: &Value) -> Vec<(String, u64, String, String)> {
    let mut out = Vec::new();
    for file in json["files"].as_array().expect("files") {
        for d in file["diagnostics"].as_array().expect("diagnostics") {
            out.push((
                file["path"].as_str().unwrap_or_default().to_string(),
                d["line"].as_u64().unwrap_or(0),
                d["code"].as_str().unwrap_or_default().to_string(),
                d["message"].as_str().unwrap_or_default().to_string(),
            ));
        }
    }
    out
}

fn leftover_clusters(tmp: &Path) -> Vec<PathBuf> {
    fs::read_dir(tmp)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("rollsafe-verify-"))
                })
                .collect()
        })
        .unwrap_or_default()
}

const FIXTURE_LAYOUTS: [&str; 10] = [
    "dbmate",
    "diesel",
    "flyway",
    "golang-migrate",
    "goose",
    "liquibase",
    "plain",
    "prisma",
    "sqitch",
    "sqlx",
];

#[test]
fn every_fixture_layout_is_verified_with_observed_facts_agreeing() {
    if skip() {
        return;
    }
    let tmp = open_tempdir();
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
    let (code, json, stderr) = verify_json(tmp.path(), &[fixtures]);
    assert_eq!(code, Some(0), "{stderr}\n{json:#}");
    // Every disagreement would be an RS501; known server behaviour (a sequence locked with
    // the table that owns it) is documented in rules/RS501.md and not reported.
    assert!(diagnostics(&json).is_empty(), "{:#?}", diagnostics(&json));
    let summary = &json["verify"];
    assert_eq!(summary["failed"], 0, "{summary}");
    assert_eq!(summary["not_run"], 0, "{summary}");
    assert_eq!(summary["disagreements"], 0, "{summary}");
    assert_eq!(summary["migrations"], summary["applied"], "{summary}");
    assert!(summary["downs_checked"].as_u64() >= Some(20), "{summary}");
    assert_eq!(summary["downs_checked"], summary["reapplied"], "{summary}");

    let files = json["files"].as_array().expect("files");
    for layout in FIXTURE_LAYOUTS {
        let ups: Vec<&Value> = files
            .iter()
            .filter(|f| {
                f["path"]
                    .as_str()
                    .is_some_and(|p| p.contains(&format!("/{layout}/")))
            })
            .filter(|f| f["direction"] == "up" || f["direction"] == "repeatable")
            .collect();
        assert!(!ups.is_empty(), "no up migrations verified for {layout}");
        for file in ups {
            for s in file["statements"].as_array().expect("statements") {
                assert!(
                    s["observed"].is_object(),
                    "{layout}: {} line {} was not run: {s}",
                    file["path"],
                    s["line"]
                );
            }
        }
    }
    // The concurrent index build is observed from other sessions while it waits, with the lock
    // rollsafe predicts.
    let concurrent: Vec<&Value> = files
        .iter()
        .flat_map(|f| f["statements"].as_array().into_iter().flatten())
        .filter(|s| s["observed"]["lock_observation"] == "while-waiting")
        .collect();
    assert!(
        !concurrent.is_empty(),
        "no statement was observed outside a transaction"
    );
    for s in concurrent {
        assert_eq!(
            s["observed"]["locks"]["orders"], "SHARE UPDATE EXCLUSIVE",
            "{s}"
        );
    }
    assert!(leftover_clusters(tmp.path()).is_empty());
}

#[test]
fn downs_that_forget_an_index_or_change_a_type_and_an_up_that_cannot_be_reapplied_are_caught() {
    if skip() {
        return;
    }
    let tmp = open_tempdir();
    let dir = tmp.path().join("migrations");
    write(
        &dir,
        &[
            (
                "001_users.up.sql",
                "CREATE TABLE users (id int PRIMARY KEY, age integer, nickname text);\n",
            ),
            ("001_users.down.sql", "DROP TABLE users;\n"),
            // The down forgets the index and re-creates the column with another type.
            (
                "002_index.up.sql",
                "CREATE INDEX users_age_idx ON users (age);\nALTER TABLE users DROP COLUMN nickname;\n",
            ),
            (
                "002_index.down.sql",
                "ALTER TABLE users ADD COLUMN nickname varchar(20);\n",
            ),
            // Still verified: it runs on a database rebuilt by the ups before it.
            (
                "003_more.up.sql",
                "ALTER TABLE users ADD COLUMN more int;\n",
            ),
        ],
    );
    let (code, json, stderr) = verify_json(tmp.path(), &[dir.to_str().expect("utf-8 path")]);
    assert_eq!(code, Some(1), "{stderr}");
    let found = diagnostics(&json);
    let has = |file: &str, line: u64, code: &str, text: &str| {
        found
            .iter()
            .any(|(f, l, c, m)| f.ends_with(file) && *l == line && c == code && m.contains(text))
    };
    assert!(
        has(
            "002_index.down.sql",
            1,
            "RS502",
            "leaves index users_age_idx"
        ),
        "{found:#?}"
    );
    assert!(
        has(
            "002_index.down.sql",
            1,
            "RS502",
            "column users.nickname as `character varying(20)`; before the up it was `text`"
        ),
        "{found:#?}"
    );
    // The index the down left behind makes the second up fail at its first statement.
    assert!(
        has(
            "002_index.up.sql",
            1,
            "RS503",
            "relation \"users_age_idx\" already exists"
        ),
        "{found:#?}"
    );
    assert_eq!(found.len(), 3, "{found:#?}");
    let summary = &json["verify"];
    assert_eq!(summary["applied"], 3, "{summary}");
    assert_eq!(summary["not_run"], 0, "{summary}");
    assert!(
        stderr.contains("the next migrations run on a new database"),
        "{stderr}"
    );
    assert!(leftover_clusters(tmp.path()).is_empty());
}

#[test]
fn an_up_that_leaves_something_else_the_second_time_is_caught() {
    if skip() {
        return;
    }
    let tmp = open_tempdir();
    let dir = tmp.path().join("migrations");
    write(
        &dir,
        &[
            // The down leaves the table; the second up's IF NOT EXISTS then keeps the old one
            // (with its extra column), so the second catalog differs from the first.
            ("001_t.up.sql", "CREATE TABLE IF NOT EXISTS t (id int);\n"),
            ("001_t.down.sql", "ALTER TABLE t ADD COLUMN extra int;\n"),
        ],
    );
    let (code, json, stderr) = verify_json(tmp.path(), &[dir.to_str().expect("utf-8 path")]);
    assert_eq!(code, Some(1), "{stderr}");
    let found = diagnostics(&json);
    assert!(
        found.iter().any(|(f, _, c, m)| f.ends_with("001_t.up.sql")
            && c == "RS503"
            && m.contains("column t.extra")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|(f, _, c, m)| f.ends_with("001_t.down.sql")
                && c == "RS502"
                && m.contains("leaves table t behind")),
        "{found:#?}"
    );
}

#[test]
fn a_failing_statement_is_reported_at_its_line_and_stops_its_folder() {
    if skip() {
        return;
    }
    let tmp = open_tempdir();
    let dir = tmp.path().join("migrations");
    write(
        &dir,
        &[
            ("001_a.up.sql", "CREATE TABLE a (id int);\n"),
            (
                "002_b.up.sql",
                "CREATE TABLE b (id int);\n\nALTER TABLE missing ADD COLUMN x int;\n",
            ),
            ("003_c.up.sql", "CREATE TABLE c (id int);\n"),
        ],
    );
    let (code, json, stderr) = verify_json(tmp.path(), &[dir.to_str().expect("utf-8 path")]);
    assert_eq!(code, Some(1), "{stderr}");
    let found = diagnostics(&json);
    assert!(
        found.iter().any(|(f, l, c, m)| f.ends_with("002_b.up.sql")
            && *l == 3
            && c == "RS504"
            && m.contains("relation \"missing\" does not exist")
            && m.contains("42P01")),
        "{found:#?}"
    );
    let summary = &json["verify"];
    assert_eq!(summary["applied"], 1, "{summary}");
    assert_eq!(summary["failed"], 1, "{summary}");
    assert_eq!(summary["not_run"], 1, "{summary}");
    assert!(stderr.contains("003_c.up.sql: not run"), "{stderr}");
}

#[test]
fn data_makes_statements_that_only_fail_on_rows_fail() {
    if skip() {
        return;
    }
    let tmp = open_tempdir();
    let dir = tmp.path().join("migrations");
    write(
        &dir,
        &[
            (
                "001_users.up.sql",
                "CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL, nickname text);\n",
            ),
            (
                "002_orders.up.sql",
                "CREATE TABLE orders (id int PRIMARY KEY, user_id int NOT NULL REFERENCES users (id));\n",
            ),
            (
                "003_not_null.up.sql",
                "ALTER TABLE users ALTER COLUMN nickname SET NOT NULL;\n",
            ),
        ],
    );
    let path = dir.to_str().expect("utf-8 path");
    let (code, json, stderr) = verify_json(tmp.path(), &[path]);
    assert_eq!(
        code,
        Some(0),
        "without --data the tables are empty: {stderr}\n{json:#}"
    );

    let (code, json, stderr) = verify_json(tmp.path(), &[path, "--data"]);
    assert_eq!(code, Some(1), "{stderr}");
    // users before 002, orders (referencing users) before 003.
    assert_eq!(json["verify"]["tables_filled"], 2, "{json:#}");
    let found = diagnostics(&json);
    assert_eq!(found.len(), 1, "{found:#?}");
    let (file, line, code, message) = &found[0];
    assert!(file.ends_with("003_not_null.up.sql"), "{found:#?}");
    assert_eq!((*line, code.as_str()), (1, "RS505"), "{found:#?}");
    assert!(message.contains("contains null values"), "{message}");
}

#[test]
fn database_url_refuses_a_database_with_tables_and_leaves_what_the_tool_would() {
    if skip() {
        return;
    }
    let bindir = rollsafe::verify::cluster::find_bindir(None).expect("PostgreSQL server binaries");
    let cluster = rollsafe::verify::cluster::Cluster::start(bindir).expect("a throwaway cluster");
    let dir_text = cluster.dir().to_string_lossy().into_owned();
    let url = format!("host={dir_text} port=5432 user=postgres dbname=postgres");
    let mut client = cluster
        .config("postgres")
        .connect(postgres::NoTls)
        .expect("connect");
    client
        .batch_execute("CREATE TABLE precious (id int)")
        .expect("create a table");

    let tmp = open_tempdir();
    let dir = tmp.path().join("migrations");
    // sqlx runs each file in a transaction: the failing second statement takes the first one
    // back with it.
    write(
        &dir,
        &[(
            "20260101000000_wrapped.up.sql",
            "CREATE TABLE wrapped (id int);\nSELECT 1/0;\n",
        )],
    );
    let path = dir.to_str().expect("utf-8 path");
    let out = Command::cargo_bin("rollsafe")
        .expect("binary")
        .args(["verify", path, "--layout", "sqlx", "--database-url", &url])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("already holds 1 table(s) (public.precious)"),
        "{stderr}"
    );

    let (code, json, stderr) = verify_json(
        tmp.path(),
        &[
            path,
            "--layout",
            "sqlx",
            "--database-url",
            &url,
            "--allow-nonempty",
        ],
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        diagnostics(&json)
            .iter()
            .any(|(_, l, c, m)| *l == 2 && c == "RS504" && m.contains("division by zero")),
        "{json:#}"
    );
    let wrapped: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_class WHERE relname = 'wrapped'",
            &[],
        )
        .expect("query")
        .get(0);
    assert_eq!(
        wrapped, 0,
        "the tool's transaction must have been rolled back"
    );
}

#[test]
fn an_interrupted_run_removes_its_cluster_and_stops_its_server() {
    if skip() {
        return;
    }
    let tmp = open_tempdir();
    let dir = tmp.path().join("migrations");
    write(&dir, &[("001_slow.up.sql", "SELECT pg_sleep(60);\n")]);
    let binary = assert_cmd::cargo::cargo_bin("rollsafe");
    let mut child = Process::new(binary)
        .args(["verify", dir.to_str().expect("utf-8 path")])
        .env("TMPDIR", tmp.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start rollsafe verify");

    // Wait until the server runs (its pid file exists) and the migration has started.
    let start = Instant::now();
    let pid_file = loop {
        let found = leftover_clusters(tmp.path())
            .into_iter()
            .map(|d| d.join("data/postmaster.pid"))
            .find(|p| fs::read_to_string(p).is_ok_and(|t| t.lines().count() >= 8));
        if let Some(p) = found {
            break p;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the cluster never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let postmaster = fs::read_to_string(&pid_file)
        .expect("pid file")
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        child.try_wait().ok().flatten(),
        None,
        "verify ended too early"
    );

    let sent = Process::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(sent.success());
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "verify did not stop after SIGINT"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(130));
    assert!(
        leftover_clusters(tmp.path()).is_empty(),
        "the cluster directory is left behind: {:?}",
        leftover_clusters(tmp.path())
    );
    // The postmaster leaves shortly after its pid file; a zombie waiting for init to reap it
    // does not run any more.
    let runs = || {
        fs::read_to_string(format!("/proc/{postmaster}/stat"))
            .ok()
            .and_then(|stat| stat.rsplit(')').next().map(|rest| rest.trim().to_string()))
            .is_some_and(|rest| !rest.starts_with('Z') && !rest.starts_with('X'))
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while runs() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!runs(), "the postmaster (pid {postmaster}) still runs");
}

#[test]
fn a_normal_run_leaves_no_cluster_behind_and_a_missing_bindir_is_a_clear_failure() {
    if skip() {
        return;
    }
    let tmp = open_tempdir();
    let dir = tmp.path().join("migrations");
    write(&dir, &[("001_a.up.sql", "CREATE TABLE a (id int);\n")]);
    let (code, _, stderr) = verify_json(tmp.path(), &[dir.to_str().expect("utf-8 path")]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(leftover_clusters(tmp.path()).is_empty());

    let out = Command::cargo_bin("rollsafe")
        .expect("binary")
        .args([
            "verify",
            dir.to_str().expect("utf-8 path"),
            "--pg-bindir",
            "/nonexistent/pg/bin",
        ])
        .env("TMPDIR", tmp.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("/nonexistent/pg/bin"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(leftover_clusters(tmp.path()).is_empty());
}

/// `tests/pg_facts.rs` holds the lock-fact test's seed schema and statement list; read them
/// from its text so the two tests cannot drift apart.
fn lock_fact_cases() -> (String, Vec<String>) {
    let text = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/pg_facts.rs"))
        .expect("tests/pg_facts.rs");
    let seed = text
        .split_once("const SEED: &str = r#\"")
        .and_then(|(_, rest)| rest.split_once("\"#;"))
        .map(|(seed, _)| seed.to_string())
        .expect("SEED in tests/pg_facts.rs");
    let list = text
        .split_once("const CASES: &[Case] = &[")
        .and_then(|(_, rest)| rest.split_once("\n];"))
        .map(|(list, _)| list)
        .expect("CASES in tests/pg_facts.rs");
    // Every case's SQL is the first string literal after `tx(`, `non_tx(` or `sql:`. Known
    // gaps (`gap(`) are facts pg_facts documents as disagreeing with the server: left out.
    let mut cases = Vec::new();
    let mut rest = list;
    while let Some(at) = ["tx(", "sql:"]
        .iter()
        .filter_map(|opener| rest.find(opener).map(|i| i + opener.len()))
        .min()
    {
        rest = &rest[at..];
        let Some(open) = rest.find('"') else { break };
        let literal = &rest[open + 1..];
        let mut sql = String::new();
        let mut chars = literal.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => sql.extend(chars.next()),
                '"' => break,
                c => sql.push(c),
            }
        }
        rest = &literal[sql.len().min(literal.len())..];
        cases.push(sql);
    }
    (seed, cases)
}

#[test]
fn the_lock_fact_statements_agree_when_run_as_migrations() {
    if skip() {
        return;
    }
    let (seed, cases) = lock_fact_cases();
    assert!(cases.len() > 150, "only {} cases read", cases.len());
    assert!(
        cases
            .iter()
            .any(|c| c == "CREATE INDEX CONCURRENTLY users_bio_idx ON users (bio)")
    );
    let tmp = open_tempdir();
    let root = tmp.path().join("cases");
    // One folder (one database) per case: each starts from the seed.
    for (n, sql) in cases.iter().enumerate() {
        let dir = root.join(format!("case_{n:03}"));
        write(
            &dir,
            &[
                ("001_seed.sql", seed.as_str()),
                ("002_case.sql", &format!("{sql};\n")),
            ],
        );
    }
    let (code, json, stderr) = verify_json(
        tmp.path(),
        &[root.to_str().expect("utf-8 path"), "--layout", "plain"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(diagnostics(&json).is_empty(), "{:#?}", diagnostics(&json));
    let summary = &json["verify"];
    assert_eq!(
        summary["applied"].as_u64(),
        Some(2 * cases.len() as u64),
        "{summary}"
    );
    assert_eq!(summary["disagreements"], 0, "{summary}");
    // Every statement that cannot run in a transaction and is predicted to lock something was
    // held up and observed from another session (CONCURRENTLY, VACUUM, DETACH ... CONCURRENTLY).
    let mut held_up = 0;
    for file in json["files"].as_array().expect("files") {
        for s in file["statements"].as_array().expect("statements") {
            if s["transactional"] == false && !s["locks"].as_array().is_none_or(|l| l.is_empty()) {
                assert_eq!(
                    s["observed"]["lock_observation"], "while-waiting",
                    "{}: {s}",
                    file["path"]
                );
                held_up += 1;
            }
        }
    }
    assert!(held_up >= 9, "only {held_up} statements were held up");
}

#[test]
fn copy_data_psql_settings_and_the_files_own_transaction_run_as_psql_would() {
    if skip() {
        return;
    }
    let tmp = open_tempdir();
    let dir = tmp.path().join("migrations");
    write(
        &dir,
        &[(
            "001_copy.sql",
            "CREATE TABLE t (id int, v text);\n\
             COPY t (id, v) FROM stdin;\n1\ta\n2\tb\n\\.\n\
             \\set ON_ERROR_STOP on\n\
             BEGIN;\nCREATE INDEX t_id_idx ON t (id);\nCOMMIT;\n\
             ALTER TABLE t ALTER COLUMN v TYPE int USING v::int;\n",
        )],
    );
    let (code, json, stderr) = verify_json(
        tmp.path(),
        &[dir.to_str().expect("utf-8 path"), "--layout", "plain"],
    );
    assert_eq!(code, Some(1), "{stderr}");
    let statements = json["files"][0]["statements"]
        .as_array()
        .expect("statements");
    let by_line = |line: u64| {
        statements
            .iter()
            .find(|s| s["line"] == line)
            .unwrap_or_else(|| panic!("no statement at line {line}: {json:#}"))
    };
    assert_eq!(by_line(2)["observed"]["locks"]["t"], "ROW EXCLUSIVE");
    assert_eq!(by_line(6)["observed"]["skipped"], "psql-meta-command");
    assert_eq!(by_line(8)["observed"]["locks"]["t"], "SHARE");
    assert!(
        stderr.contains("001_copy.sql:6: psql \\set skipped"),
        "{stderr}"
    );
    // The copied rows are really there: the type change fails on them.
    let found = diagnostics(&json);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        (found[0].1, found[0].2.as_str()),
        (10, "RS505"),
        "{found:#?}"
    );
    assert!(
        found[0].3.contains("invalid input syntax for type integer"),
        "{found:#?}"
    );
}

#[test]
fn a_multi_statement_file_sent_as_one_query_runs_as_one_implicit_transaction() {
    if skip() {
        return;
    }
    let tmp = open_tempdir();
    let dir = tmp.path().join("migrations");
    // golang-migrate sends the file as one query string: PostgreSQL refuses CONCURRENTLY in
    // the implicit transaction that makes, and takes the CREATE TABLE back with it.
    write(
        &dir,
        &[
            (
                "000001_t.up.sql",
                "CREATE TABLE t (id int);\nCREATE INDEX CONCURRENTLY t_id_idx ON t (id);\n",
            ),
            ("000001_t.down.sql", "DROP TABLE t;\n"),
        ],
    );
    let (code, json, stderr) = verify_json(tmp.path(), &[dir.to_str().expect("utf-8 path")]);
    assert_eq!(code, Some(1), "{stderr}");
    let found = diagnostics(&json);
    assert!(
        found
            .iter()
            .any(|(f, l, c, m)| f.ends_with("000001_t.up.sql")
                && *l == 2
                && c == "RS504"
                && m.contains("cannot run inside a transaction block")
                && m.contains("rolled back")),
        "{found:#?}"
    );
}

#[test]
fn bad_input_is_reported_not_panicked_on() {
    if skip() {
        return;
    }
    let tmp = open_tempdir();
    let dir = tmp.path().join("migrations");
    write(
        &dir,
        &[(
            "001_a.up.sql",
            "CREATE TABLE a (id int);\nCREATE TABLEZ b;\n",
        )],
    );
    fs::write(dir.join("002_b.up.sql"), b"\xff\xfe not utf-8").expect("write");
    let (code, json, stderr) = verify_json(tmp.path(), &[dir.to_str().expect("utf-8 path")]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let found = diagnostics(&json);
    assert!(
        found.iter().any(|(f, l, c, m)| f.ends_with("001_a.up.sql")
            && *l == 2
            && c == "RS504"
            && m.contains("syntax error at or near \"TABLEZ\"")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|(f, _, c, m)| f.ends_with("002_b.up.sql") && c == "E002" && m.contains("UTF-8")),
        "{found:#?}"
    );

    // Nothing to verify: no server is started, and that is not a failure.
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).expect("mkdir");
    let (code, json, stderr) = verify_json(tmp.path(), &[empty.to_str().expect("utf-8 path")]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("no migration files found"), "{stderr}");
    assert_eq!(json["verify"]["migrations"], 0);
    assert!(leftover_clusters(tmp.path()).is_empty());
}

#[test]
fn an_allow_marker_suppresses_a_verify_finding_like_a_check_finding() {
    if skip() {
        return;
    }
    let tmp = open_tempdir();
    let dir = tmp.path().join("migrations");
    write(
        &dir,
        &[(
            "001_a.up.sql",
            "CREATE TABLE a (id int);\n\
             -- rollsafe:allow RS504 reason=\"the table is created by hand in this test\"\n\
             ALTER TABLE missing ADD COLUMN x int;\n",
        )],
    );
    let (code, json, stderr) = verify_json(tmp.path(), &[dir.to_str().expect("utf-8 path")]);
    assert_eq!(
        code,
        Some(0),
        "a suppressed finding does not fail the run: {stderr}"
    );
    let d = &json["files"][0]["diagnostics"][0];
    assert_eq!(d["code"], "RS504", "{json:#}");
    assert_eq!(d["line"], 3, "{json:#}");
    assert_eq!(d["suppressed"], true, "{json:#}");
    assert_eq!(d["suppression"], "allow", "{json:#}");
}

#[test]
fn a_sqitch_verify_script_runs_after_its_deploy() {
    if skip() {
        return;
    }
    let tmp = open_tempdir();
    let dir = tmp.path().join("db");
    write(
        &dir,
        &[
            ("sqitch.conf", "[core]\n\tengine = pg\n"),
            (
                "sqitch.plan",
                "%syntax-version=1.0.0\n%project=t\n\n\
                 users 2026-01-05T09:00:00Z A <a@example.com> # users\n",
            ),
            (
                "deploy/users.sql",
                "BEGIN;\nCREATE TABLE users (id int);\nCOMMIT;\n",
            ),
            ("revert/users.sql", "BEGIN;\nDROP TABLE users;\nCOMMIT;\n"),
            // The script checks a column the deploy does not create.
            (
                "verify/users.sql",
                "BEGIN;\nSELECT id, email FROM users WHERE false;\nROLLBACK;\n",
            ),
        ],
    );
    let (code, json, stderr) = verify_json(tmp.path(), &[dir.to_str().expect("utf-8 path")]);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(json["verify"]["verify_scripts_run"], 1, "{json:#}");
    let found = diagnostics(&json);
    assert!(
        found
            .iter()
            .any(|(f, l, c, m)| f.ends_with("verify/users.sql")
                && *l == 2
                && c == "RS504"
                && m.contains("column \"email\" does not exist")),
        "{found:#?}"
    );
}
