//! Lock (RS1xx), idempotency (RS2xx) and transaction (RS3xx) rules, run through the library
//! pipeline on the fixtures in `tests/rules/<CODE>/*.sql`.
//!
//! A fixture holds one or more migration units, each introduced by a header line:
//!
//! ```sql
//! -- unit: 001_setup layout=golang-migrate wrapped=true direction=down pg=11 changed
//! ```
//!
//! Units are applied in order (as one migration set); a `direction=down` unit is the down of
//! the up unit right before it. Defaults: `layout=plain`, not wrapped,
//! `direction=up`, PostgreSQL 16, each unit its own change. `changed` puts the unit in the
//! change being linted (so objects created by other `changed` units count as new).
//!
//! Each fixture's snapshot holds the compact findings of its directory's rule (the `mixed`
//! directory keeps every RS1xx/RS2xx/RS3xx finding). The plain asserts below pin the cases that
//! matter most, so a broken rule fails even if someone re-accepts a snapshot.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rollsafe::config::Config;
use rollsafe::discover::{Direction, Layout, Migration, MigrationSet, Transaction};
use rollsafe::lint::{self, Options};
use rollsafe::parse::markers::Date;
use rollsafe::source::{SourceFile, Span};

const FIXTURES: &str = "tests/rules";

struct Fixture {
    set: MigrationSet,
    pg_version: u32,
    changed: Option<HashSet<PathBuf>>,
}

fn layout(name: &str) -> Layout {
    Layout::ALL
        .into_iter()
        .find(|l| l.name() == name)
        .unwrap_or_else(|| panic!("unknown layout {name}"))
}

fn parse_fixture(path: &Path) -> Fixture {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("fixture");
    let dir = path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|s| s.to_str())
        .unwrap_or("");
    let mut units = Vec::new();
    let mut pg_version = rollsafe::config::DEFAULT_PG_VERSION;
    let mut changed = HashSet::new();
    let mut current: Option<(String, String)> = None;
    let mut sections: Vec<(String, String)> = Vec::new();
    for line in text.split_inclusive('\n') {
        if let Some(header) = line.trim_end().strip_prefix("-- unit:") {
            if let Some(done) = current.take() {
                sections.push(done);
            }
            current = Some((header.trim().to_string(), String::new()));
        }
        match &mut current {
            Some((_, body)) => body.push_str(line),
            None => assert!(
                line.trim().is_empty(),
                "{}: text before the first `-- unit:` line",
                path.display()
            ),
        }
    }
    sections.extend(current);
    for (header, body) in sections {
        let mut words = header.split_whitespace();
        let name = words.next().expect("unit name").to_string();
        let mut unit_layout = Layout::Plain;
        let mut wrapped = false;
        let mut direction = Direction::Up;
        let mut is_changed = false;
        for word in words {
            match word.split_once('=') {
                Some(("layout", v)) => unit_layout = layout(v),
                Some(("wrapped", v)) => wrapped = v == "true",
                Some(("direction", v)) => {
                    direction = match v {
                        "up" => Direction::Up,
                        "down" => Direction::Down,
                        "repeatable" => Direction::Repeatable,
                        "verify" => Direction::Verify,
                        other => panic!("unknown direction {other}"),
                    }
                }
                Some(("pg", v)) => pg_version = v.parse().expect("pg version"),
                None if word == "changed" => is_changed = true,
                _ => panic!("{}: unknown unit option {word}", path.display()),
            }
        }
        let file = PathBuf::from(format!("{dir}/{stem}/{name}.sql"));
        if is_changed {
            changed.insert(file.clone());
        }
        let len = body.len();
        units.push(Migration {
            group: PathBuf::from(format!("{dir}/{stem}")),
            source: SourceFile::new(file, body),
            range: Span::new(0, len),
            layout: unit_layout,
            direction,
            version: Some(name.clone()),
            name,
            transaction: Transaction {
                wrapped,
                reason: if wrapped {
                    "the fixture says the tool wraps it".into()
                } else {
                    "the fixture says nothing wraps it".into()
                },
            },
            pair: None,
        });
    }
    // A down unit undoes the up right before it.
    for i in 1..units.len() {
        if units[i].direction == Direction::Down
            && units[i - 1].direction == Direction::Up
            && units[i - 1].pair.is_none()
        {
            units[i].pair = Some(i - 1);
            units[i - 1].pair = Some(i);
        }
    }
    Fixture {
        set: MigrationSet {
            units,
            problems: Vec::new(),
        },
        pg_version,
        changed: (!changed.is_empty()).then_some(changed),
    }
}

fn lint_fixture(path: &Path) -> lint::Report {
    let fixture = parse_fixture(path);
    let config = Config {
        pg_version: fixture.pg_version,
        ..Config::default()
    };
    let options = Options {
        today: Date::parse("2026-01-15").expect("date"),
        pg_version: fixture.pg_version,
        changed_files: fixture.changed,
    };
    lint::lint(fixture.set, &config, &options)
}

/// Compact output of one fixture, only the lines of `code` (or every RS1xx-RS3xx line).
fn run(path: &Path, code: Option<&str>) -> String {
    let report = lint_fixture(path);
    let out = rollsafe::report::compact::render(&report, true);
    out.lines()
        .filter(|l| match code {
            Some(code) => l.contains(&format!("[{code}]")),
            None => ["[RS1", "[RS2", "[RS3"].iter().any(|p| l.contains(p)),
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The help texts of `code`'s findings in a fixture.
fn helps(fixture_path: &str, code: &str) -> Vec<String> {
    let report = lint_fixture(&fixture(fixture_path));
    report
        .units
        .iter()
        .flat_map(|u| &u.findings)
        .filter(|f| f.code().as_str() == code)
        .map(|f| f.diagnostic.help.clone().unwrap_or_default())
        .collect()
}

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(FIXTURES)
        .join(rel)
}

/// The snapshot of every fixture.
#[test]
fn snapshots() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURES);
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("tests/rules")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty());
    for dir in dirs {
        let name = dir
            .file_name()
            .and_then(|s| s.to_str())
            .expect("dir name")
            .to_string();
        let code = (name != "mixed").then_some(name.as_str());
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("fixture dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "sql"))
            .collect();
        files.sort();
        for file in files {
            let stem = file.file_stem().and_then(|s| s.to_str()).expect("stem");
            let out = run(&file, code);
            insta::assert_snapshot!(format!("{name}__{stem}"), out);
        }
    }
}

/// Findings of `code` in `fixture`, as `unit:line` strings.
fn hits(fixture_path: &str, code: &str) -> Vec<String> {
    let out = run(&fixture(fixture_path), Some(code));
    out.lines()
        .map(|l| {
            // `dir/stem/unit.sql:line:col: severity[CODE] message`
            let mut parts = l.splitn(3, ':');
            let file = parts.next().unwrap_or("");
            let line = parts.next().unwrap_or("");
            let unit = file
                .rsplit('/')
                .next()
                .unwrap_or("")
                .trim_end_matches(".sql");
            format!("{unit}:{line}")
        })
        .collect()
}

#[track_caller]
fn assert_hits(fixture_path: &str, code: &str, expected: &[&str]) {
    let got = hits(fixture_path, code);
    assert_eq!(got, expected, "{code} findings in {fixture_path}");
}

#[test]
fn rs101_create_index() {
    assert_hits(
        "RS101/basic.sql",
        "RS101",
        &[
            "002_indexes:3",
            "002_indexes:4",
            "002_indexes:11",
            "003_down:2",
        ],
    );
    assert_hits("RS101/changed.sql", "RS101", &["003_later:3"]);
    assert!(
        helps("RS101/basic.sql", "RS101")[0]
            .contains("CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders")
    );
}

#[test]
fn rs102_drop_index() {
    assert_hits(
        "RS102/basic.sql",
        "RS102",
        &["002_drops:2", "002_drops:6", "003_down:2"],
    );
    assert!(
        helps("RS102/basic.sql", "RS102")[0].contains("DROP INDEX CONCURRENTLY orders_status_idx")
    );
}

#[test]
fn rs103_reindex() {
    assert_hits(
        "RS103/basic.sql",
        "RS103",
        &["002_reindex:2", "002_reindex:3"],
    );
    assert!(
        helps("RS103/basic.sql", "RS103")[1]
            .contains("REINDEX INDEX CONCURRENTLY orders_status_idx")
    );
    assert_hits("RS103/pg11.sql", "RS103", &["002_reindex:2"]);
    assert!(helps("RS103/pg11.sql", "RS103")[0].contains("Before PostgreSQL 12"));
}

#[test]
fn rs104_foreign_key() {
    assert_hits("RS104/basic.sql", "RS104", &["002_fk:2", "002_fk:5"]);
    let help = &helps("RS104/basic.sql", "RS104")[0];
    assert!(
        help.contains("NOT VALID") && help.contains("VALIDATE CONSTRAINT orders_customer_id_fkey"),
        "{help}"
    );
}

#[test]
fn rs105_check() {
    assert_hits("RS105/basic.sql", "RS105", &["002_check:2", "002_check:4"]);
}

#[test]
fn rs106_unique() {
    assert_hits(
        "RS106/basic.sql",
        "RS106",
        &["002_unique:2", "002_unique:3", "002_unique:4"],
    );
    assert!(helps("RS106/basic.sql", "RS106")[0].contains("UNIQUE USING INDEX users_email_key"));
}

#[test]
fn rs107_set_not_null() {
    assert_hits("RS107/basic.sql", "RS107", &["002_not_null:2"]);
    assert!(helps("RS107/basic.sql", "RS107")[0].contains("CHECK (email IS NOT NULL) NOT VALID"));
    // PostgreSQL 11 cannot use the validated CHECK: the same steps scan.
    assert_hits("RS107/pg11.sql", "RS107", &["002_not_null:2", "003_set:4"]);
    assert!(helps("RS107/pg11.sql", "RS107")[0].contains("Before PostgreSQL 12"));
}

#[test]
fn rs108_column_type() {
    assert_hits(
        "RS108/basic.sql",
        "RS108",
        &["002_types:2", "002_types:6", "002_types:12"],
    );
}

#[test]
fn rs109_add_column_rewrite() {
    assert_hits(
        "RS109/basic.sql",
        "RS109",
        &[
            "002_columns:2",
            "002_columns:3",
            "002_columns:4",
            "002_columns:5",
            "002_columns:6",
        ],
    );
    assert_hits("RS109/pg18.sql", "RS109", &["002_columns:2"]);
    assert!(helps("RS109/pg18.sql", "RS109")[0].contains("VIRTUAL"));
}

#[test]
fn rs110_full_rewrite() {
    assert_hits(
        "RS110/basic.sql",
        "RS110",
        &[
            "002_rewrites:2",
            "002_rewrites:3",
            "002_rewrites:4",
            "002_rewrites:5",
            "002_rewrites:6",
            "002_rewrites:7",
            "002_rewrites:8",
        ],
    );
}

#[test]
fn rs111_refresh() {
    assert_hits("RS111/basic.sql", "RS111", &["002_refresh:2"]);
    assert!(
        helps("RS111/basic.sql", "RS111")[0]
            .contains("REFRESH MATERIALIZED VIEW CONCURRENTLY daily_sales")
    );
}

#[test]
fn rs112_lock_timeout() {
    assert_hits(
        "RS112/basic.sql",
        "RS112",
        &[
            "002_no_timeout:3",
            "004_zero:3",
            "006_local_outside:3",
            "008_reset:5",
            "009_fk_new_table:2",
            "010_down:2",
            "011_lock_table:3",
            "012_explicit_local:6",
        ],
    );
}

#[test]
fn rs113_work_under_lock() {
    assert_hits(
        "RS113/basic.sql",
        "RS113",
        &[
            "002_wrapped:3",
            "004_explicit:4",
            "006_implicit:3",
            "009_insert:4",
        ],
    );
}

#[test]
fn rs114_not_null_without_default() {
    assert_hits("RS114/basic.sql", "RS114", &["002_add:2", "002_add:3"]);
}

#[test]
fn rs201_to_rs204_only_when_not_atomic() {
    assert_hits(
        "RS201/basic.sql",
        "RS201",
        &["002_plain:2", "002_plain:3", "002_plain:4", "002_plain:5"],
    );
    assert!(helps("RS201/basic.sql", "RS201")[2].contains("CREATE OR REPLACE VIEW b_view"));
    assert_hits(
        "RS202/basic.sql",
        "RS202",
        &["002_plain:2", "002_plain:3", "002_plain:4"],
    );
    assert_hits("RS203/basic.sql", "RS203", &["002_plain:2"]);
    assert_hits(
        "RS204/basic.sql",
        "RS204",
        &["002_plain:2", "005_after_commit:3"],
    );
}

#[test]
fn rs205_repeatable() {
    assert_hits(
        "RS205/basic.sql",
        "RS205",
        &["001_views:2", "001_views:4", "001_views:5"],
    );
}

#[test]
fn rs301_in_transaction() {
    assert_hits(
        "RS301/basic.sql",
        "RS301",
        &["001_wrapped:2", "003_explicit:3"],
    );
    let out = run(&fixture("RS301/basic.sql"), Some("RS301"));
    assert!(
        out.contains("the fixture says the tool wraps it"),
        "RS301 must give the reason: {out}"
    );
    assert!(helps("RS301/basic.sql", "RS301")[0].contains("-- no-transaction"));
    assert_hits("RS301/pg11.sql", "RS301", &["001_enum:2"]);
}

#[test]
fn rs302_mixed() {
    assert_hits(
        "RS302/basic.sql",
        "RS302",
        &["001_golang:3", "004_flyway:2"],
    );
}

#[test]
fn rs303_unbalanced() {
    assert_hits(
        "RS303/basic.sql",
        "RS303",
        &[
            "002_commit_only:2",
            "003_never_committed:2",
            "004_wrapped:2",
            "004_wrapped:4",
            "005_nested:3",
        ],
    );
}

#[test]
fn rs404_missing_down() {
    // Only tools with downs, only schema changes: not the seed, not plain or Prisma.
    assert_hits("RS404/basic.sql", "RS404", &["002_phone:3", "006_goose:2"]);
}

#[test]
fn rs405_down_does_not_undo_up() {
    let out = run(&fixture("RS405/basic.sql"), Some("RS405"));
    for expected in [
        "002_index_down.sql:2:1: error[RS405] index orders_created_at_idx created on line 3 of the up is not dropped by the down",
        "002_index_down.sql:2:1: error[RS405] column users.phone is dropped by the down but the up did not add it",
        "003_drop_email_down.sql:2:1: error[RS405] the down recreates users.email as varchar(100); before the up it was text NOT NULL",
        "005_objects_down.sql:2:1: error[RS405] CHECK constraint orders_created_at_check on orders added on line 4 of the up is not dropped by the down",
        "005_objects_down.sql:2:1: error[RS405] type mood created on line 2 of the up is not dropped by the down",
        "006_index_changed_down.sql:4:1: error[RS405] index orders_created_at_idx is on orders using brin (created_at) after the down; before the up it was on orders using btree (created_at)",
    ] {
        assert!(out.contains(expected), "missing `{expected}` in:\n{out}");
    }
    // The exact down and the first pair are not reported.
    assert!(
        !out.contains("001_setup_down") && !out.contains("004_exact_down"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 6, "{out}");
}

#[test]
fn rs406_irreversible_without_recovery() {
    // `legacy`: no recovery=; `sessions`: none-needed without reason=. Not the drop with no
    // marker at all (RS001's) nor the table created in the same migration.
    assert_hits("RS406/basic.sql", "RS406", &["002_drops:3", "002_drops:9"]);
}
