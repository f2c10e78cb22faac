//! Bad input never panics: every problem is a diagnostic naming the file, and the rest of the
//! files are still linted.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

fn rollsafe() -> Command {
    Command::cargo_bin("rollsafe").expect("the rollsafe binary is built")
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    fs::write(dir.join(name), bytes).expect("write fixture");
}

fn file_entry<'a>(json: &'a Value, name: &str) -> &'a Value {
    json["files"]
        .as_array()
        .expect("files array")
        .iter()
        .find(|f| f["path"].as_str().is_some_and(|p| p.ends_with(name)))
        .unwrap_or_else(|| panic!("{name} missing from output: {json:#}"))
}

fn codes(file: &Value) -> Vec<String> {
    file["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["code"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn every_kind_of_bad_input_is_a_diagnostic_and_the_rest_is_linted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "01_empty.sql", b"");
    write(
        d,
        "02_comments.sql",
        b"-- only a comment\n/* and a block */\n",
    );
    write(d, "03_utf8.sql", b"SELECT 1;\nSELECT '\xff\xfe';\n");
    write(d, "04_nul.sql", b"SELECT 1;\0SELECT 2;\n");
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    write(d, "05_garbage.sql", &garbage);
    write(
        d,
        "06_unterminated.sql",
        b"SELECT 1;\nSELECT 'never closed;\nDROP TABLE x;\n",
    );
    let nested = format!("SELECT {}1{};\n", "(".repeat(10_000), ")".repeat(10_000));
    write(d, "07_nested.sql", nested.as_bytes());
    fs::create_dir(d.join("08_dir.sql")).expect("dir named like a file");
    #[cfg(unix)]
    std::os::unix::fs::symlink(d, d.join("09_loop")).expect("symlink loop");
    write(
        d,
        "10_syntax.sql",
        b"SELECT 1;\nSELEC 2;\nDROP TABLE users;\n",
    );
    write(d, "11_good.sql", b"DROP TABLE sessions;\n");

    let out = rollsafe()
        .args(["check", "--format", "json", "--layout", "plain"])
        .arg(d)
        .output()
        .expect("run rollsafe");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    assert_eq!(
        out.status.code(),
        Some(1),
        "findings exit 1; stderr: {stderr}"
    );
    let json: Value = serde_json::from_slice(&out.stdout).expect("valid JSON");

    assert!(codes(file_entry(&json, "01_empty.sql")).is_empty());
    assert!(codes(file_entry(&json, "02_comments.sql")).is_empty());
    for (name, needle) in [
        ("03_utf8.sql", "UTF-8"),
        ("04_nul.sql", "NUL"),
        ("05_garbage.sql", ""),
    ] {
        let f = file_entry(&json, name);
        let diag = &f["diagnostics"][0];
        assert_eq!(diag["code"], "E002", "{name}: {f:#}");
        assert!(
            diag["message"].as_str().unwrap_or("").contains(needle),
            "{name}: {diag}"
        );
    }
    // The invalid byte's offset is named: "SELECT 1;\nSELECT '" is 18 bytes.
    let utf8 = &file_entry(&json, "03_utf8.sql")["diagnostics"][0]["message"];
    assert!(utf8.as_str().unwrap_or("").contains("18"), "{utf8}");

    // Unterminated string: a syntax error at the quote, after the good first statement.
    let f = file_entry(&json, "06_unterminated.sql");
    assert_eq!(f["statements"].as_array().map(Vec::len), Some(2));
    assert_eq!(codes(f), vec!["E001"]);
    assert_eq!(f["diagnostics"][0]["line"], 2);

    let f = file_entry(&json, "07_nested.sql");
    assert_eq!(codes(f), vec!["E001"], "{f:#}");

    // A syntax error in one statement does not hide the others.
    let f = file_entry(&json, "10_syntax.sql");
    let c = codes(f);
    assert!(
        c.contains(&"E001".to_string()) && c.contains(&"RS001".to_string()),
        "{c:?}"
    );
    assert_eq!(f["diagnostics"][0]["line"], 2);

    assert!(codes(file_entry(&json, "11_good.sql")).contains(&"RS001".to_string()));
    // The directory named x.sql is not a file and produces nothing.
    assert!(
        !json["files"]
            .as_array()
            .expect("files")
            .iter()
            .any(|f| f["path"].as_str().unwrap_or("").ends_with("08_dir.sql")),
        "a directory is not a migration"
    );
}

#[test]
fn a_30_mb_file_is_linted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let line = "INSERT INTO events (id, payload) VALUES (1, 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx') ON CONFLICT DO NOTHING;\n";
    let mut big = line.repeat(30 * 1024 * 1024 / line.len() + 1);
    // A finding on the last line proves the whole file was read and parsed, not skipped.
    let last_line = big.lines().count() + 1;
    big.push_str("DROP TABLE events;\n");
    fs::write(dir.path().join("big.sql"), big).expect("write");
    fs::write(dir.path().join("small.sql"), "TRUNCATE audit_log;\n").expect("write");
    let out = rollsafe()
        .args(["check", "--format", "compact", "--layout", "plain"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("small.sql:1:1: error[RS001]"), "{stdout}");
    assert!(
        stdout.contains(&format!("big.sql:{last_line}:1: error[RS001]")),
        "{stdout}"
    );
}

/// The same size in the golang-migrate layout, where a multi-statement file is one implicit
/// transaction (so the partial-failure checks of RS201-RS204 look across all of it): about
/// 400,000 statements in one `NNNN_name.up.sql`. It must finish and reach its last line.
#[test]
fn a_30_mb_golang_migrate_file_with_400_000_statements_is_linted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let line = "INSERT INTO events VALUES (1, 'xxxxxxxxxxxxxxxxxxxxxx') ON CONFLICT DO NOTHING;\n";
    let mut big = String::from("CREATE TABLE IF NOT EXISTS events (id bigint, payload text);\n");
    big.push_str(&line.repeat(30 * 1024 * 1024 / line.len()));
    let statements = big.lines().count();
    assert!(statements >= 390_000, "{statements} statements");
    let last_line = statements + 1;
    // A table the file did not create: dropping it needs approval.
    big.push_str("DROP TABLE audit_log;\n");
    fs::write(dir.path().join("000001_big.up.sql"), big).expect("write");
    fs::write(
        dir.path().join("000001_big.down.sql"),
        "DROP TABLE IF EXISTS events;\n",
    )
    .expect("write");
    let out = rollsafe()
        .args(["check", "--format", "compact"])
        .arg(dir.path())
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(&format!("000001_big.up.sql:{last_line}:1: error[RS001]")),
        "{stdout}"
    );
}

#[test]
fn tool_failures_exit_2_and_name_the_problem() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("rollsafe.toml");
    fs::write(&cfg, "pg-versoin = 15\n").expect("write");
    let out = rollsafe()
        .args(["check", "--config"])
        .arg(&cfg)
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("pg-versoin") && stderr.contains("rollsafe.toml"),
        "{stderr}"
    );

    let out = rollsafe()
        .args(["check", "--format", "nope", "x"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let out = rollsafe().args(["explain", "RS999"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let out = rollsafe()
        .args(["check", "--today", "2026-13-01", "x.sql"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_directory_without_migrations_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = rollsafe()
        .arg("check")
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no migration files found"), "{stderr}");
}

/// psql includes nested deeper than 32 files stop with an error, never a hang or a stack
/// overflow; so does a file that includes itself.
#[test]
fn include_depth_and_self_include_are_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::create_dir_all(d.join("migrations")).expect("folder");
    std::fs::create_dir_all(d.join("lib")).expect("folder");
    std::fs::write(d.join("migrations/001_deep.sql"), "\\ir ../lib/f0.sql\n").expect("write");
    for i in 0..40 {
        std::fs::write(
            d.join(format!("lib/f{i}.sql")),
            format!("SELECT {i};\n\\ir f{}.sql\n", i + 1),
        )
        .expect("write");
    }
    std::fs::write(
        d.join("migrations/002_self.sql"),
        "SELECT 1;\n\\i migrations/002_self.sql\n",
    )
    .expect("write");
    let out = assert_cmd::Command::cargo_bin("rollsafe")
        .expect("binary")
        .args(["check", "--format", "compact", "migrations"])
        .current_dir(d)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("lib/f31.sql:2:1: error[E002]")
            && stdout.contains("includes nest deeper than 32 files; lib/f32.sql is not read"),
        "{stdout}"
    );
    assert!(
        stdout.contains("migrations/002_self.sql:2:1: error[E002]")
            && stdout.contains(
                "include cycle: migrations/002_self.sql includes migrations/002_self.sql"
            ),
        "{stdout}"
    );
}

/// A partitioned table with 2,500 partitions, altered 100 times: every ALTER of the parent
/// reaches every partition (2,500 locks, rewrites and scans per statement). Linear work per
/// statement finishes in seconds; the quadratic version (a scan of every table per partition
/// lookup, a list search per lock) took minutes. Asserts on what the last ALTER reaches.
#[test]
fn altering_a_table_with_2500_partitions_is_linear() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut sql = String::from("CREATE TABLE p (id int, v text) PARTITION BY RANGE (id);\n");
    for i in 0..2500 {
        sql.push_str(&format!(
            "CREATE TABLE p_{i} PARTITION OF p FOR VALUES FROM ({i}) TO ({});\n",
            i + 1
        ));
    }
    for k in 0..99 {
        sql.push_str(&format!("ALTER TABLE p ADD COLUMN c{k} int;\n"));
    }
    sql.push_str("ALTER TABLE p ALTER COLUMN v TYPE varchar(10);\n");
    write(dir.path(), "001_partitions.sql", sql.as_bytes());
    let out = rollsafe()
        .args([
            "check",
            "--format",
            "json",
            "--layout",
            "plain",
            "--fail-on",
            "never",
        ])
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let json: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let statements = json["files"][0]["statements"]
        .as_array()
        .expect("statements");
    assert_eq!(statements.len(), 1 + 2500 + 100);
    let last = statements.last().expect("last");
    let relations = |field: &str| -> Vec<String> {
        last[field]
            .as_array()
            .expect(field)
            .iter()
            .filter_map(|l| l["relation"].as_str().map(String::from))
            .collect()
    };
    let locks = relations("locks");
    assert_eq!(locks.len(), 2501, "the parent and every partition");
    assert!(locks.contains(&"p_2499".to_string()) && locks.contains(&"p_0".to_string()));
    assert!(
        last["locks"]
            .as_array()
            .expect("locks")
            .iter()
            .all(|l| l["mode"] == "ACCESS EXCLUSIVE"),
        "{:#}",
        last["locks"][0]
    );
    let rewrites = relations("rewrites");
    assert_eq!(
        rewrites.len(),
        2501,
        "the type change rewrites every partition"
    );
}
