//! MySQL, MariaDB and SQLite end to end: the fixture trees (golang-migrate, Flyway and goose for
//! MySQL; sqlx and diesel for SQLite) through the CLI in every output format, and the rules that
//! are each dialect's own, including that PostgreSQL-only rules stay silent.

use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;

const FIXTURES: &[(&str, &str)] = &[
    ("fixtures-mysql/golang-migrate", "mysql"),
    ("fixtures-mysql/flyway", "mysql"),
    ("fixtures-mysql/goose", "mysql"),
    ("fixtures-sqlite/sqlx", "sqlite"),
    ("fixtures-sqlite/diesel", "sqlite"),
];

fn rollsafe(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("rollsafe")
        .expect("the rollsafe binary is built")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run rollsafe");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn fixture_snapshots_per_dialect_and_layout() {
    for (dir, dialect) in FIXTURES {
        let (code, out, err) = rollsafe(&[
            "check",
            "--dialect",
            dialect,
            "--format",
            "compact",
            "--today",
            "2026-11-23",
            dir,
        ]);
        assert_eq!(
            code, 1,
            "{dir}: the examples contain an unapproved drop\n{out}{err}"
        );
        assert!(out.contains("RS001"), "{dir}: {out}");
        assert!(
            !out.contains("E001"),
            "{dir}: every statement parses\n{out}"
        );
        insta::assert_snapshot!(format!("fixture_{}", dir.replace(['-', '/'], "_")), out);
    }
}

#[test]
fn every_output_format_works_for_every_dialect() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schemas/sarif-schema-2.1.0.json"
        ))
        .expect("the SARIF schema"),
    )
    .expect("JSON");
    let validator = jsonschema::options()
        .build(&schema)
        .expect("the SARIF schema compiles");
    for (dir, dialect) in FIXTURES {
        for format in ["human", "compact", "json", "sarif", "github", "markdown"] {
            let (code, out, err) = rollsafe(&[
                "check",
                "--dialect",
                dialect,
                "--format",
                format,
                "--today",
                "2026-11-23",
                dir,
            ]);
            assert_eq!(code, 1, "{dir} {format}: {err}");
            assert!(out.contains("RS001"), "{dir} {format}: {out}");
            match format {
                "json" => {
                    let v: Value = serde_json::from_str(&out).expect("JSON");
                    let statements: Vec<&Value> = v["files"]
                        .as_array()
                        .expect("files")
                        .iter()
                        .flat_map(|f| f["statements"].as_array().cloned().unwrap_or_default())
                        .collect::<Vec<_>>()
                        .leak()
                        .iter()
                        .collect();
                    if *dialect == "mysql" {
                        assert!(
                            statements
                                .iter()
                                .any(|s| s["algorithm"] == "COPY" && s["ddl_lock"] == "SHARED"),
                            "{dir}: the JSON carries algorithm and ddl_lock"
                        );
                    } else {
                        assert!(statements.iter().all(|s| s.get("algorithm").is_none()));
                        assert!(
                            statements.iter().any(|s| s["rebuild_of"] == "orders"),
                            "{dir}: rebuild_of"
                        );
                    }
                }
                "sarif" => {
                    let v: Value = serde_json::from_str(&out).expect("SARIF");
                    let errors: Vec<String> =
                        validator.iter_errors(&v).map(|e| e.to_string()).collect();
                    assert!(errors.is_empty(), "{dir}: {errors:?}");
                }
                _ => {}
            }
        }
    }
}

#[test]
fn mysql_json_snapshot() {
    let (_, out, _) = rollsafe(&[
        "check",
        "--dialect",
        "mariadb",
        "--version",
        "10.11",
        "--format",
        "json",
        "--today",
        "2026-11-23",
        "fixtures-mysql/golang-migrate/000003_change_orders.up.sql",
    ]);
    let v: Value = serde_json::from_str(&out).expect("JSON");
    insta::assert_json_snapshot!("mariadb_json_statements", v["files"][0]["statements"]);
}

/// Lint one file given as text with a dialect; the codes of the findings, in order.
fn codes(dialect: &str, version: Option<&str>, sql: &str) -> Vec<String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("001_m.sql");
    std::fs::write(&path, sql).expect("write");
    let mut args = vec![
        "check",
        "--dialect",
        dialect,
        "--format",
        "json",
        "--today",
        "2026-11-23",
    ];
    if let Some(v) = version {
        args.extend(["--version", v]);
    }
    let p = path.to_string_lossy().into_owned();
    args.push(&p);
    let (_, out, err) = rollsafe(&args);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    v["files"][0]["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["code"].as_str().unwrap_or("").to_string())
        .collect()
}

const EXISTING: &str = "-- the table exists before this change\n";

#[test]
fn mysql_rules_fire_where_they_should() {
    let c = |sql: &str| codes("mysql", None, &format!("{EXISTING}{sql}"));
    // RS120: no lock_wait_timeout; with it, silent.
    assert!(c("ALTER TABLE users ADD COLUMN a INT;").contains(&"RS120".into()));
    assert!(
        !c("SET SESSION lock_wait_timeout = 5;\nALTER TABLE users ADD COLUMN a INT;")
            .contains(&"RS120".into())
    );
    // RS121: a clause the server refuses.
    assert!(c("ALTER TABLE users MODIFY a BIGINT, ALGORITHM=INPLACE;").contains(&"RS121".into()));
    assert!(c("ALTER TABLE users ADD COLUMN a INT, ALGORITHM=NOCOPY;").contains(&"RS121".into()));
    assert!(!c("ALTER TABLE users ADD COLUMN a INT, ALGORITHM=INSTANT;").contains(&"RS121".into()));
    // ... which depends on the version: INSTANT ADD COLUMN ... AFTER needs 8.0.29.
    let after =
        format!("{EXISTING}ALTER TABLE users ADD COLUMN a INT AFTER id, ALGORITHM=INSTANT;");
    assert!(codes("mysql", Some("8.0.28"), &after).contains(&"RS121".into()));
    assert!(!codes("mysql", Some("8.0.29"), &after).contains(&"RS121".into()));
    // RS122: FULLTEXT blocks writes.
    assert!(c("ALTER TABLE users ADD FULLTEXT INDEX ft (bio);").contains(&"RS122".into()));
    // RS123: foreign key with checks on, not with them off.
    let fk = "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id);";
    assert!(c(fk).contains(&"RS123".into()));
    assert!(!c(&format!("SET foreign_key_checks = 0;\n{fk}")).contains(&"RS123".into()));
    // RS124 needs the old type: the table is created in an earlier migration.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("001_a.sql"),
        "CREATE TABLE u (id INT PRIMARY KEY, name VARCHAR(50));\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("002_b.sql"),
        "ALTER TABLE u MODIFY name VARCHAR(100);\nALTER TABLE u MODIFY name VARCHAR(60);\n",
    )
    .expect("write");
    let d = dir.path().to_string_lossy().into_owned();
    let (_, out, _) = rollsafe(&["check", "--dialect", "mysql", "--format", "compact", &d]);
    assert!(out.contains("002_b.sql:1:1: error[RS124]"), "{out}");
    assert!(!out.contains("002_b.sql:2:1: error[RS124]"), "{out}");
    // ... MariaDB 10.4+ lengthens any VARCHAR instantly: no RS124 there.
    let (_, out, _) = rollsafe(&["check", "--dialect", "mariadb", "--format", "compact", &d]);
    assert!(!out.contains("RS124"), "{out}");
    // RS108: a type change copies the table.
    assert!(c("ALTER TABLE users MODIFY a BIGINT;").contains(&"RS108".into()));
    // PostgreSQL-only rules stay silent: no CONCURRENTLY advice for MySQL.
    let all = c(
        "CREATE INDEX i ON users (a);\nDROP INDEX i ON users;\nALTER TABLE users ADD CONSTRAINT c CHECK (a > 0);",
    );
    for pg_only in ["RS101", "RS102", "RS105", "RS112"] {
        assert!(
            !all.contains(&pg_only.to_string()),
            "{pg_only} fired on MySQL: {all:?}"
        );
    }
}

#[test]
fn mysql_ddl_commits_implicitly_so_idempotency_rules_apply_even_when_the_tool_wraps() {
    // Flyway wraps a PostgreSQL migration in a transaction; for MySQL nothing is atomic.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("V1__a.sql"),
        "CREATE TABLE a (id INT);\nCREATE TABLE b (id INT);\n",
    )
    .expect("write");
    let d = dir.path().to_string_lossy().into_owned();
    let (_, out, _) = rollsafe(&["check", "--dialect", "mysql", "--format", "compact", &d]);
    assert!(out.contains("RS201"), "{out}");
    let (_, out, _) = rollsafe(&["check", "--format", "compact", &d]);
    assert!(
        !out.contains("RS201"),
        "PostgreSQL: Flyway's transaction covers it: {out}"
    );
}

#[test]
fn sqlite_rules_fire_where_they_should() {
    let c = |sql: &str| codes("sqlite", None, sql);
    assert!(c("ALTER TABLE t ALTER COLUMN a SET NOT NULL;").contains(&"RS130".into()));
    assert!(c("ALTER TABLE t ADD COLUMN a INTEGER NOT NULL;").contains(&"RS130".into()));
    assert!(!c("ALTER TABLE t ADD COLUMN a INTEGER NOT NULL DEFAULT 0;").contains(&"RS130".into()));
    // DROP COLUMN came in 3.35.0.
    assert!(
        codes("sqlite", Some("3.34"), "ALTER TABLE t DROP COLUMN a;").contains(&"RS130".into())
    );
    assert!(
        !codes("sqlite", Some("3.35"), "ALTER TABLE t DROP COLUMN a;").contains(&"RS130".into())
    );
    let rebuild = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);\nCREATE TABLE t_new (id INTEGER PRIMARY KEY);\nINSERT INTO t_new SELECT id FROM t;\nDROP TABLE t;\nALTER TABLE t_new RENAME TO t;\n";
    assert!(c(rebuild).contains(&"RS131".into()));
    assert!(!c(&format!("PRAGMA foreign_keys = OFF;\n{rebuild}")).contains(&"RS131".into()));
    // PostgreSQL-only rules stay silent.
    assert!(!c("CREATE INDEX i ON t (a);").contains(&"RS101".into()));
}

#[test]
fn popx_file_names_choose_the_dialect() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("20200101000000_a.mysql.up.sql"),
        "ALTER TABLE t ADD COLUMN a INT, ALGORITHM=NOCOPY;\n",
    )
    .expect("write");
    let d = dir.path().to_string_lossy().into_owned();
    let (_, out, _) = rollsafe(&["check", "--format", "compact", &d]);
    assert!(
        out.contains("RS121"),
        "a .mysql. file is read as MySQL: {out}"
    );
}

#[test]
fn directories_in_the_config_choose_the_engine_per_folder() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    std::fs::write(
        root.join("rollsafe.toml"),
        "migrations = [\"db/pg\", \"db/mysql\", \"db/sqlite\"]\n\
         [[directories]]\npath = \"db/mysql\"\ndialect = \"mariadb\"\nversion = \"10.11\"\n\
         [[directories]]\npath = \"db/sqlite\"\ndialect = \"sqlite\"\n",
    )
    .expect("write");
    for (sub, sql) in [
        ("db/pg", "CREATE INDEX i ON t (a);\n"),
        (
            "db/mysql",
            "ALTER TABLE t ADD COLUMN a INT, ALGORITHM=NOCOPY;\nALTER TABLE t MODIFY b BIGINT, ALGORITHM=INPLACE;\n",
        ),
        ("db/sqlite", "ALTER TABLE t ALTER COLUMN a SET NOT NULL;\n"),
    ] {
        std::fs::create_dir_all(root.join(sub)).expect("mkdir");
        std::fs::write(root.join(sub).join("001_a.sql"), sql).expect("write");
    }
    let out = Command::cargo_bin("rollsafe")
        .expect("binary")
        .args(["check", "--format", "compact", "--today", "2026-11-23"])
        .current_dir(root)
        .output()
        .expect("run");
    let out = String::from_utf8_lossy(&out.stdout);
    assert!(out.contains("db/pg/001_a.sql:1:1: error[RS101]"), "{out}");
    // MariaDB accepts NOCOPY for ADD COLUMN (line 1) but not INPLACE for a type change (line 2).
    assert!(
        !out.contains("db/mysql/001_a.sql:1:1: error[RS121]"),
        "{out}"
    );
    assert!(
        out.contains("db/mysql/001_a.sql:2:1: error[RS121]"),
        "{out}"
    );
    assert!(
        out.contains("db/sqlite/001_a.sql:1:1: error[RS130]"),
        "{out}"
    );
}

/// The row versions of a table are counted across the migrations of its folder, in order, by
/// the schema replay: downs do not count, and a run that writes findings as it goes (compact,
/// many windows of units) counts like one that analyses everything first (JSON).
#[test]
fn instant_column_changes_count_across_migrations() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, sql: String| {
        std::fs::write(dir.path().join(name), sql).expect("write");
    };
    write(
        "000001_t.up.sql",
        "CREATE TABLE t (id INT PRIMARY KEY);\n".into(),
    );
    write("000001_t.down.sql", "DROP TABLE t;\n".into());
    // ~20 KB per migration: the 65 of them span several windows.
    let padding = format!("-- {}\n", "x".repeat(200)).repeat(100);
    for n in 1..=65 {
        let v = n + 1;
        write(
            &format!("{v:06}_c{n}.up.sql"),
            format!("{padding}ALTER TABLE t ADD COLUMN c{n} INT;\n"),
        );
        write(
            &format!("{v:06}_c{n}.down.sql"),
            format!("ALTER TABLE t DROP COLUMN c{n};\n"),
        );
    }
    let d = dir.path().to_string_lossy().into_owned();
    let args = |format: &'static str| {
        [
            "check",
            "--dialect",
            "mysql",
            "--version",
            "8.0.29",
            "--fail-on",
            "never",
            "--format",
            format,
        ]
    };
    let (_, out, _) = rollsafe(&[&args("compact")[..], &[d.as_str()]].concat());
    let hits: Vec<&str> = out.lines().filter(|l| l.contains("[RS125]")).collect();
    assert_eq!(hits.len(), 1, "{out}");
    assert!(
        hits[0].contains("000066_c65.up.sql:101:1: warning[RS125]"),
        "{out}"
    );
    assert!(hits[0].contains("number 65"), "{out}");
    let (_, json, _) = rollsafe(&[&args("json")[..], &[d.as_str()]].concat());
    assert_eq!(json.matches("\"RS125\"").count(), 1, "{json}");
}

#[test]
fn the_65th_instant_column_change_rebuilds_the_table() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut sql = String::from("CREATE TABLE t (id INT PRIMARY KEY);\n");
    for n in 1..=65 {
        sql.push_str(&format!("ALTER TABLE t ADD COLUMN c{n} INT;\n"));
    }
    std::fs::write(dir.path().join("001_a.sql"), &sql).expect("write");
    let d = dir.path().to_string_lossy().into_owned();
    let (_, out, _) = rollsafe(&[
        "check",
        "--dialect",
        "mysql",
        "--version",
        "8.0.29",
        "--format",
        "compact",
        &d,
    ]);
    assert_eq!(out.matches("RS125").count(), 1, "{out}");
    assert!(out.contains("001_a.sql:66:1: warning[RS125]"), "{out}");
    // A rebuild in between resets the count.
    let reset = sql.replacen(
        "ALTER TABLE t ADD COLUMN c30 INT;",
        "ALTER TABLE t FORCE;\nALTER TABLE t ADD COLUMN c30 INT;",
        1,
    );
    std::fs::write(dir.path().join("001_a.sql"), reset).expect("write");
    let (_, out, _) = rollsafe(&[
        "check",
        "--dialect",
        "mysql",
        "--version",
        "8.0.29",
        "--format",
        "compact",
        &d,
    ]);
    assert!(!out.contains("RS125"), "{out}");
    // MariaDB has no such counter.
    std::fs::write(dir.path().join("001_a.sql"), &sql).expect("write");
    let (_, out, _) = rollsafe(&["check", "--dialect", "mariadb", "--format", "compact", &d]);
    assert!(!out.contains("RS125"), "{out}");
}

#[test]
fn mysql_dynamic_sql_and_helper_procedures_are_understood() {
    let sql = "CREATE PROCEDURE add_col () BEGIN DECLARE n INT;\n\
               SELECT COUNT(*) FROM INFORMATION_SCHEMA.COLUMNS WHERE COLUMN_NAME = 'x' INTO n;\n\
               IF(n = 0) THEN ALTER TABLE t ADD COLUMN x INT; END IF;\nEND;\n\
               CALL add_col ();\nDROP PROCEDURE IF EXISTS add_col;\n\
               SET @s = (SELECT IF(1 > 0, 'SELECT 1', 'ALTER TABLE t DROP COLUMN y;'));\n\
               PREPARE stmt FROM @s;\nEXECUTE stmt;\nDEALLOCATE PREPARE stmt;\n";
    let found = codes("mysql", None, sql);
    assert!(!found.contains(&"E001".to_string()), "{found:?}");
    // The helper procedure is created and dropped in the same migration: no contract change.
    assert!(!found.contains(&"RS001".to_string()), "{found:?}");
    // CALL and EXECUTE run code rollsafe cannot see: said so, not assumed safe.
    assert_eq!(
        found.iter().filter(|c| *c == "E004").count(),
        2,
        "{found:?}"
    );
}

#[test]
fn bad_input_never_panics_in_any_dialect() {
    let nasty = [
        "ALTER TABLE `t ADD COLUMN x INT;",
        "DELIMITER\nDELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; END",
        "/*!40101 SET NAMES utf8 ;\nALTER TABLE t ALGORITHM=",
        "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN BEGIN BEGIN END",
        "ALTER TABLE t MODIFY c ENUM(',''),' , 'a\\'b') NULL;",
        "PRAGMA foreign_keys =",
        "ALTER TABLE t RENAME INDEX",
        "PREPARE s FROM",
        "é\u{0}\u{1}';;;`\"[[[",
        "ALTER TABLE t ADD COLUMN x VARCHAR(99999999999999999999999);",
    ];
    let dir = tempfile::tempdir().expect("temp dir");
    for (i, sql) in nasty.iter().enumerate() {
        std::fs::write(dir.path().join(format!("{i:03}_x.sql")), sql).expect("write");
    }
    let d = dir.path().to_string_lossy().into_owned();
    for dialect in ["mysql", "mariadb", "sqlite"] {
        let (code, _, err) = rollsafe(&["check", "--dialect", dialect, "--format", "json", &d]);
        assert!(code == 0 || code == 1, "{dialect}: exit {code}: {err}");
        assert!(!err.contains("panicked"), "{dialect}: {err}");
    }
}
