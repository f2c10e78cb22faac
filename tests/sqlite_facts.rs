//! SQLite facts checked with the real `sqlite3` (3.40 from Debian): for every statement form,
//! rollsafe's "SQLite refuses this" (RS130) must agree with what sqlite3 does on the same schema;
//! the table rebuild must run and be recognised as one rewrite; and `PRAGMA foreign_keys` must be
//! the no-op inside a transaction that RS131 says it is.
//!
//! Needs `sqlite3` (scripts/setup.sh installs it); fails when it is missing, unless
//! `ROLLSAFE_SKIP_SQLITE=1`, which skips it with a loud message.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use rollsafe::analyze::{AnalyzedMigration, Phase};
use rollsafe::config::Config;
use rollsafe::target::Dialect;

const BASE: &str = "
PRAGMA foreign_keys = ON;
CREATE TABLE p (id INTEGER PRIMARY KEY);
CREATE TABLE t (
  id INTEGER PRIMARY KEY,
  a INTEGER,
  u TEXT UNIQUE,
  i INTEGER,
  f INTEGER REFERENCES p (id),
  c INTEGER CHECK (c > 0),
  plain TEXT
);
CREATE INDEX t_i ON t (i);
INSERT INTO p (id) VALUES (1);
INSERT INTO t (id, a, u, i, f, c, plain) VALUES (1, 1, 'x', 1, 1, 1, 'p');
";

const CASES: &[&str] = &[
    "ALTER TABLE t ADD COLUMN x INTEGER",
    "ALTER TABLE t ADD COLUMN x INTEGER NOT NULL",
    "ALTER TABLE t ADD COLUMN x INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE t ADD COLUMN x INTEGER DEFAULT NULL",
    "ALTER TABLE t ADD COLUMN x TEXT DEFAULT 'a'",
    "ALTER TABLE t ADD COLUMN x TEXT DEFAULT CURRENT_TIMESTAMP",
    "ALTER TABLE t ADD COLUMN x INTEGER DEFAULT (1 + 1)",
    "ALTER TABLE t ADD COLUMN x INTEGER PRIMARY KEY",
    "ALTER TABLE t ADD COLUMN x INTEGER UNIQUE",
    "ALTER TABLE t ADD COLUMN x INTEGER GENERATED ALWAYS AS (a + 1) STORED",
    "ALTER TABLE t ADD COLUMN x INTEGER GENERATED ALWAYS AS (a + 1) VIRTUAL",
    "ALTER TABLE t ADD COLUMN x INTEGER REFERENCES p (id)",
    "ALTER TABLE t ADD COLUMN x INTEGER CHECK (x > 0)",
    "ALTER TABLE t ADD COLUMN x TEXT COLLATE NOCASE",
    "ALTER TABLE t ADD x INTEGER",
    "ALTER TABLE t DROP COLUMN plain",
    "ALTER TABLE t DROP COLUMN a",
    "ALTER TABLE t DROP COLUMN id",
    "ALTER TABLE t DROP COLUMN u",
    "ALTER TABLE t DROP COLUMN i",
    "ALTER TABLE t DROP COLUMN f",
    "ALTER TABLE t DROP COLUMN c",
    "ALTER TABLE t RENAME COLUMN a TO a2",
    "ALTER TABLE t RENAME a TO a2",
    "ALTER TABLE t RENAME TO t2",
    "ALTER TABLE t ALTER COLUMN a SET NOT NULL",
    "ALTER TABLE t ALTER COLUMN a SET DEFAULT 1",
    "ALTER TABLE t ADD CONSTRAINT ck CHECK (a > 0)",
    "ALTER TABLE t ADD CONSTRAINT uq UNIQUE (a)",
    "ALTER TABLE t DROP CONSTRAINT ck",
    "ALTER TABLE t ADD COLUMN x INTEGER, ADD COLUMN y INTEGER",
];

fn sqlite3(sql: &str) -> (bool, String, String) {
    let mut child = Command::new("sqlite3")
        .args(["-bail", ":memory:"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run sqlite3: {e}"));
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(sql.as_bytes()).expect("write to sqlite3");
    }
    let out = child.wait_with_output().expect("sqlite3 output");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (
        out.status.success() && stderr.is_empty(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    )
}

fn analyze(text: &str) -> AnalyzedMigration {
    let config = Config {
        dialect: Some(Dialect::Sqlite),
        ..Config::default()
    };
    let set = rollsafe::discover::from_text(PathBuf::from("m.sql"), text.to_string(), &config);
    rollsafe::analyze::analyze(set.units, &Default::default())
        .into_iter()
        .next()
        .expect("one unit")
}

fn skip() -> bool {
    if std::env::var("ROLLSAFE_SKIP_SQLITE").is_ok_and(|v| v == "1") {
        eprintln!("\n*** SKIPPED sqlite_facts: ROLLSAFE_SKIP_SQLITE=1, sqlite3 was not run ***\n");
        return true;
    }
    false
}

#[test]
fn alter_table_limits_match_sqlite3() {
    if skip() {
        return;
    }
    let (_, version, _) = sqlite3("SELECT sqlite_version();");
    assert!(version.starts_with("3."), "sqlite3 version: {version}");
    let mut mismatches = Vec::new();
    for sql in CASES {
        let (ok, _, err) = sqlite3(&format!("{BASE}\n{sql};\n"));
        let unit = analyze(&format!("{BASE}\n{sql};\n"));
        let last = unit.statements.last().expect("statements");
        let refused = last
            .syntax_error
            .as_ref()
            .map(|e| e.message.clone())
            .or_else(|| last.sqlite.as_ref().and_then(|q| q.refused.clone()));
        if ok == refused.is_some() {
            mismatches.push(format!(
                "{sql}: sqlite3 {}, rollsafe {}",
                if ok {
                    "runs it".to_string()
                } else {
                    format!("refuses ({})", err.trim())
                },
                refused.map_or("says it runs".to_string(), |r| format!(
                    "says it is refused ({r})"
                ))
            ));
        }
    }
    eprintln!(
        "sqlite_facts: {} statement forms against sqlite3 {}",
        CASES.len(),
        version.trim()
    );
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

const REBUILD: &str = "
CREATE TABLE t_new (id INTEGER PRIMARY KEY, a INTEGER NOT NULL DEFAULT 0, u TEXT UNIQUE, i INTEGER, f INTEGER REFERENCES p (id), c INTEGER CHECK (c > 0));
INSERT INTO t_new (id, a, u, i, f, c) SELECT id, COALESCE(a, 0), u, i, f, c FROM t;
DROP TABLE t;
ALTER TABLE t_new RENAME TO t;
";

#[test]
fn the_table_rebuild_runs_and_is_one_rewrite() {
    if skip() {
        return;
    }
    let (ok, _, err) = sqlite3(&format!(
        "{BASE}\nPRAGMA foreign_keys = OFF;\n{REBUILD}\nPRAGMA foreign_key_check;\n"
    ));
    assert!(ok, "the rebuild runs in sqlite3: {err}");
    // The rebuild drops the column `plain`: contract, destructive, and only the DROP says so.
    let unit = analyze(&format!("{BASE}\nPRAGMA foreign_keys = OFF;\n{REBUILD}"));
    let rebuild: Vec<_> = unit
        .statements
        .iter()
        .filter(|s| {
            s.sqlite
                .as_ref()
                .is_some_and(|q| q.rebuild_of.as_deref() == Some("t"))
        })
        .collect();
    assert_eq!(
        rebuild.len(),
        4,
        "create, copy, drop and rename are one rebuild"
    );
    let drop = rebuild
        .iter()
        .find(|s| s.kind == "DROP TABLE")
        .expect("the drop");
    assert_eq!(drop.phase, Phase::Contract);
    assert!(drop.destructive, "the rebuild loses column plain");
    let rename = rebuild
        .iter()
        .find(|s| s.kind == "ALTER TABLE")
        .expect("the rename");
    assert_eq!(
        rename.phase,
        Phase::Expand,
        "the rename back is no contract change"
    );
    assert!(
        rebuild
            .iter()
            .any(|s| s.rewrites.iter().any(|w| w.relation == "t"))
    );
    // Keeping every column: expand, nothing lost.
    let keep = REBUILD.replace(
        "c INTEGER CHECK (c > 0));",
        "c INTEGER CHECK (c > 0), plain TEXT);",
    );
    let unit = analyze(&format!("{BASE}\n{keep}"));
    let drop = unit
        .statements
        .iter()
        .find(|s| s.kind == "DROP TABLE")
        .expect("the drop");
    assert!(
        !drop.destructive && drop.phase == Phase::Expand,
        "{:?}",
        drop.phase
    );
}

#[test]
fn pragma_foreign_keys_is_a_no_op_inside_a_transaction() {
    if skip() {
        return;
    }
    let (ok, out, err) = sqlite3(
        "PRAGMA foreign_keys = ON;\nBEGIN;\nPRAGMA foreign_keys = OFF;\nPRAGMA foreign_keys;\nCOMMIT;\n",
    );
    assert!(ok, "{err}");
    assert_eq!(
        out.trim(),
        "1",
        "SQLite ignores PRAGMA foreign_keys inside a transaction"
    );
}
