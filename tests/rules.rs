//! Contract (RS0xx), lock (RS1xx), idempotency (RS2xx), transaction (RS3xx) and rollback
//! (RS4xx) rules, run through the library pipeline on the fixtures in `tests/rules/<CODE>/*.sql`.
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
//! The fixture's own comments are the expectations: a statement whose first line ends with
//! `-- fires` must get a finding of the directory's rule, and no other statement may (see
//! `fixture_comments_are_the_expectations`), so a broken rule fails even if someone re-accepts
//! a snapshot. Each fixture's snapshot holds the compact findings (messages included) of its
//! directory's rule (the `mixed` directory keeps every RS1xx/RS2xx/RS3xx finding).

use std::path::{Path, PathBuf};

use rollsafe::check::{self, Options};
use rollsafe::config::Config;
use rollsafe::parse::markers::Date;
use rollsafe::rules::Settings;

const FIXTURES: &str = "tests/rules";

#[path = "common/fixtures.rs"]
mod fixtures;
use fixtures::{lint_fixture, parse_fixture};

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
        .map(|f| f.diagnostic.help.as_deref().unwrap_or_default().to_owned())
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

/// The expectations are written in the fixtures themselves: a statement whose first line ends
/// with `-- fires` must get a finding of the directory's rule, every other statement must not.
/// A comment line `-- fires: why` (or `-- silent: why`) heads the statements up to the next
/// such line or unit header, and at least one (or none) of them must fire.
#[test]
fn fixture_comments_are_the_expectations() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURES);
    let mut checked = 0;
    for dir in std::fs::read_dir(&root).expect("tests/rules").flatten() {
        let code = dir.file_name().to_string_lossy().into_owned();
        if code == "mixed" {
            continue;
        }
        for file in std::fs::read_dir(dir.path())
            .expect("fixture dir")
            .flatten()
        {
            let path = file.path();
            if path.extension().is_none_or(|e| e != "sql") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("fixture");
            let lines: Vec<&str> = text.lines().collect();
            // Unit name -> the file line of its header (a unit's line 1).
            let headers: std::collections::HashMap<String, usize> = lines
                .iter()
                .enumerate()
                .filter_map(|(i, l)| {
                    let name = l.strip_prefix("-- unit:")?.split_whitespace().next()?;
                    Some((name.to_string(), i + 1))
                })
                .collect();
            let report = lint_fixture(&path);
            let mut fired: Vec<usize> = report
                .units
                .iter()
                .flat_map(|u| {
                    let header = headers[&u.migration.name];
                    u.findings
                        .iter()
                        .filter(|f| f.code().as_str() == code)
                        .map(move |f| header + f.start.line - 1)
                })
                .collect();
            fired.sort();
            fired.dedup();
            let expected: Vec<usize> = lines
                .iter()
                .enumerate()
                .filter(|(_, l)| {
                    !l.trim_start().starts_with("--") && l.trim_end().ends_with("-- fires")
                })
                .map(|(i, _)| i + 1)
                .collect();
            let shown = path.strip_prefix(&root).unwrap_or(&path).display();
            assert_eq!(fired, expected, "{shown}: lines with a {code} finding");
            // Headed regions.
            let mut region: Option<(usize, bool)> = None;
            let close = |region: Option<(usize, bool)>, end: usize| {
                if let Some((start, fires)) = region {
                    let any = fired.iter().any(|&l| l > start && l < end);
                    assert_eq!(
                        any,
                        fires,
                        "{shown}:{start}: the `-- {}` region",
                        if fires { "fires" } else { "silent" }
                    );
                }
            };
            for (i, l) in lines.iter().enumerate() {
                let l = l.trim();
                let head = if l.starts_with("-- unit:") {
                    Some(None)
                } else if l.starts_with("-- fires") {
                    Some(Some(true))
                } else if l.starts_with("-- silent") {
                    Some(Some(false))
                } else {
                    None
                };
                if let Some(next) = head {
                    close(region, i + 1);
                    region = next.map(|fires| (i + 1, fires));
                }
            }
            close(region, lines.len() + 1);
            checked += 1;
        }
    }
    assert!(checked >= 27, "only {checked} fixtures checked");
}

#[test]
fn rs101_create_index() {
    assert!(
        helps("RS101/basic.sql", "RS101")[0]
            .contains("CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders")
    );
}

#[test]
fn rs102_drop_index() {
    assert!(
        helps("RS102/basic.sql", "RS102")[0].contains("DROP INDEX CONCURRENTLY orders_status_idx")
    );
}

#[test]
fn rs103_reindex() {
    assert!(
        helps("RS103/basic.sql", "RS103")[1]
            .contains("REINDEX INDEX CONCURRENTLY orders_status_idx")
    );
    assert!(helps("RS103/pg11.sql", "RS103")[0].contains("Before PostgreSQL 12"));
}

#[test]
fn rs104_foreign_key() {
    let help = &helps("RS104/basic.sql", "RS104")[0];
    assert!(
        help.contains("NOT VALID") && help.contains("VALIDATE CONSTRAINT orders_customer_id_fkey"),
        "{help}"
    );
}

#[test]
fn rs106_unique() {
    assert!(helps("RS106/basic.sql", "RS106")[0].contains("UNIQUE USING INDEX users_email_key"));
}

#[test]
fn rs107_set_not_null() {
    assert!(helps("RS107/basic.sql", "RS107")[0].contains("CHECK (email IS NOT NULL) NOT VALID"));
    // PostgreSQL 11 cannot use the validated CHECK: the same steps scan.
    assert!(helps("RS107/pg11.sql", "RS107")[0].contains("Before PostgreSQL 12"));
}

#[test]
fn rs109_add_column_rewrite() {
    assert!(helps("RS109/pg18.sql", "RS109")[0].contains("VIRTUAL"));
}

#[test]
fn rs111_refresh() {
    assert!(
        helps("RS111/basic.sql", "RS111")[0]
            .contains("REFRESH MATERIALIZED VIEW CONCURRENTLY daily_sales")
    );
}

#[test]
fn rs201_to_rs204_only_when_not_atomic() {
    assert!(helps("RS201/basic.sql", "RS201")[2].contains("CREATE OR REPLACE VIEW b_view"));
}

#[test]
fn rs301_in_transaction() {
    let out = run(&fixture("RS301/basic.sql"), Some("RS301"));
    assert!(
        out.contains("the fixture says the tool wraps it"),
        "RS301 must give the reason: {out}"
    );
    assert!(helps("RS301/basic.sql", "RS301")[0].contains("-- no-transaction"));
}

#[test]
fn rs405_down_does_not_undo_up() {
    let out = run(&fixture("RS405/basic.sql"), Some("RS405"));
    for expected in [
        "002_index_down.sql:2:1: error[RS405] index orders_created_at_idx created on line 3 of the up is not dropped by the down",
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
    // Dropping users.phone, which the up did not add, is a contract change (RS001) instead.
    assert!(!out.contains("users.phone"), "{out}");
    assert_eq!(out.lines().count(), 5, "{out}");
}

/// `approve-index-drops = true`: every index drop on an existing table needs a contract
/// approval (RS001) and RS008 stays silent.
#[test]
fn rs008_approve_index_drops_makes_them_contract() {
    let fixture = parse_fixture(&fixture("RS008/basic.sql"));
    let mut config = Config {
        pg_version: fixture.pg_version,
        ..Config::default()
    };
    config.contract.approve_index_drops = true;
    let options = Options {
        today: Date::parse("2026-01-15").expect("date"),
    };
    let settings = Settings::from_config(&config).expect("settings");
    let report = check::check(fixture.set, &config, &settings, &options, None);
    let lines = |code: &str| -> Vec<usize> {
        report
            .units
            .iter()
            .flat_map(|u| &u.findings)
            .filter(|f| f.code().as_str() == code)
            .map(|f| f.start.line)
            .collect()
    };
    assert_eq!(lines("RS008"), Vec::<usize>::new());
    // The two plain drops and the unique one; not the index created in the same change.
    assert_eq!(lines("RS001"), vec![3, 5, 7]);
}

/// The ACCESS SHARE locks of what a statement reads, and what `DROP ... CASCADE` reaches, are
/// facts of the replay (checked against the server in `tests/pg_facts.rs`).
#[test]
fn reads_and_cascades_are_lock_facts() {
    use rollsafe::analyze::{Cascaded, LockLevel};
    let report = lint_fixture(&fixture("RS001/cascade.sql"));
    let statement = |unit: usize, n: usize| &report.units[unit].statements[n];
    let lock = |unit: usize, n: usize, relation: &str| {
        statement(unit, n)
            .locks
            .iter()
            .find(|l| l.relation == relation)
            .map(|l| l.mode)
    };
    // CREATE VIEW active_user_emails reads the view active_users.
    assert_eq!(lock(0, 3, "active_users"), Some(LockLevel::AccessShare));
    assert_eq!(lock(0, 4, "users"), Some(LockLevel::AccessShare));
    // DROP TABLE users CASCADE: both views (one through the other), the materialized view,
    // and the foreign key of orders.
    let drop = statement(1, 0);
    assert_eq!(
        drop.cascade,
        vec![
            Cascaded::View {
                name: "active_users".into()
            },
            Cascaded::View {
                name: "user_counts".into()
            },
            Cascaded::View {
                name: "active_user_emails".into()
            },
            Cascaded::ForeignKeys {
                table: "orders".into()
            },
        ]
    );
    for v in [
        "active_users",
        "active_user_emails",
        "user_counts",
        "orders",
    ] {
        assert_eq!(lock(1, 0, v), Some(LockLevel::AccessExclusive), "{v}");
    }
    assert_eq!(
        statement(2, 0).cascade,
        vec![Cascaded::Column {
            table: "alerts".into(),
            column: "level".into()
        }]
    );
}
