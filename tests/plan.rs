//! `rollsafe plan` and RS405, proven against a real PostgreSQL server.
//!
//! - Rollback: for every fixture layout (`fixtures/*`) and `tests/plan/expand` (one migration
//!   per kind of expand step), the ups are applied in order to a fresh database. For each
//!   migration whose plan can be run by SQL (`down-migration`, `generated-inverse`,
//!   `none-needed`): every validation query returns false after the up; the plan's rollback
//!   statements run (transactional ones grouped in BEGIN/COMMIT, the others on their own); the
//!   catalog snapshot equals the one taken before the up; every validation query returns true;
//!   then the up runs again so the next migration starts where the tool would.
//! - RS405: for every up/down pair of `tests/plan/downs`, `tests/plan/corpus` (three pairs of the
//!   benchmark corpus on a seed) and the fixture layouts, a fresh
//!   database gets the ups before the pair, then the up and the down; the server "sees a
//!   difference" when the catalog after the down differs from before the up. Every such pair
//!   must have RS405 findings, and every pair with RS405 findings must differ.
//!
//! The catalog snapshot names columns (type, nullability, default), indexes (their definition),
//! constraints (definition, validated), relations (kind, row security), types and enum labels,
//! functions with their arguments, views' definitions, triggers, policies, schemas and
//! extensions. Column order is not compared: a down that re-adds a column puts it last, which
//! rollsafe does not hold against it.
//!
//! Set `ROLLSAFE_SKIP_PG=1` to skip (loudly) where no server binaries are installed.

// The shared harness also serves the lock tests; this one uses only part of it.
#[path = "common/pg.rs"]
#[allow(dead_code)]
mod pg;

use std::path::{Path, PathBuf};

use pg::{PgCluster, StartError};
use rollsafe::check::{self, Options};
use rollsafe::config::Config;
use rollsafe::discover::{self, Direction};
use rollsafe::parse::markers::Date;
use rollsafe::plan::{self, MigrationPlan, Strategy};
use rollsafe::rules::{Report, Settings, UnitReport};

const SNAPSHOT: &str = r#"
SELECT 'S|nsp|' || nspname FROM pg_namespace
 WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND nspname NOT LIKE 'pg_temp%' AND nspname NOT LIKE 'pg_toast_temp%';
SELECT 'S|rel|' || n.nspname || '.' || c.relname || '|' || c.relkind::text || '|' || c.relrowsecurity
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND c.relkind <> 't';
SELECT 'S|col|' || n.nspname || '.' || c.relname || '.' || a.attname || '|' || format_type(a.atttypid, a.atttypmod)
       || '|' || a.attnotnull || '|' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND a.attnum > 0 AND NOT a.attisdropped
   AND c.relkind IN ('r', 'p', 'v', 'm', 'f');
SELECT 'S|idx|' || pg_get_indexdef(i.indexrelid)
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast');
SELECT 'S|con|' || co.conrelid::regclass || '|' || co.conname || '|' || pg_get_constraintdef(co.oid) || '|' || co.convalidated
  FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema');
SELECT 'S|type|' || n.nspname || '.' || t.typname || '|' || t.typtype::text
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast');
SELECT 'S|enum|' || e.enumtypid::regtype || '|' || e.enumlabel FROM pg_enum e;
SELECT 'S|proc|' || n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema');
SELECT 'S|view|' || c.oid::regclass || '|' || pg_get_viewdef(c.oid)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('v', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema');
SELECT 'S|trg|' || tgrelid::regclass || '|' || tgname FROM pg_trigger WHERE NOT tgisinternal;
SELECT 'S|pol|' || polrelid::regclass || '|' || polname FROM pg_policy;
SELECT 'S|ext|' || extname FROM pg_extension;
"#;

fn start() -> Option<PgCluster> {
    if std::env::var("ROLLSAFE_SKIP_PG").is_ok_and(|v| v == "1") {
        eprintln!("\n*** SKIPPED plan: ROLLSAFE_SKIP_PG=1, no PostgreSQL server was run ***\n");
        return None;
    }
    match PgCluster::start() {
        Ok(c) => Some(c),
        Err(StartError::Missing(why)) => panic!(
            "PostgreSQL server binaries are missing: {why}\n\
             Install postgresql-15, point ROLLSAFE_PG_BINDIR at them, or set ROLLSAFE_SKIP_PG=1."
        ),
        Err(StartError::Failed(why)) => {
            panic!("cannot start a throwaway PostgreSQL cluster: {why}")
        }
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn lint_dir(dir: &Path) -> Report {
    let config = Config::default();
    let set = discover::discover(&[dir.to_path_buf()], &config);
    assert!(set.problems.is_empty(), "{:?}", set.problems);
    assert!(!set.units.is_empty(), "no migrations in {}", dir.display());
    let options = Options {
        today: Date::parse("2026-06-01").expect("date"),
    };
    let settings = Settings::from_config(&config).expect("settings");
    check::check(set, &config, &settings, &options, None)
}

/// The unit's statements as one psql script (psql runs each on its own, in autocommit).
fn unit_sql(unit: &UnitReport) -> String {
    let mut out = String::new();
    for s in &unit.statements {
        if s.is_psql_meta() {
            continue;
        }
        let text = unit.migration.source.slice(s.span).trim();
        out.push_str(text);
        if !text.ends_with(';') {
            out.push(';');
        }
        out.push('\n');
    }
    out
}

/// The rollback as the Markdown runbook says to run it.
fn rollback_sql(p: &MigrationPlan) -> String {
    let mut out = String::new();
    let mut open = false;
    for s in &p.rollback.statements {
        if s.transactional && !open {
            out.push_str("BEGIN;\n");
            open = true;
        }
        if !s.transactional && open {
            out.push_str("COMMIT;\n");
            open = false;
        }
        out.push_str(&s.sql);
        out.push('\n');
    }
    if open {
        out.push_str("COMMIT;\n");
    }
    out
}

struct Db<'a> {
    pg: &'a PgCluster,
    name: String,
}

impl Db<'_> {
    fn create<'a>(pg: &'a PgCluster, name: &str) -> Db<'a> {
        let r = pg.psql(
            "postgres",
            &format!("DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name};"),
        );
        assert!(r.ok, "create database {name}: {:?}", r.error());
        Db {
            pg,
            name: name.to_string(),
        }
    }
    fn run(&self, sql: &str, what: &str) {
        let r = self.pg.psql(&self.name, sql);
        assert!(r.ok, "{what} failed: {:?}\n{sql}", r.error());
    }
    fn snapshot(&self) -> Vec<String> {
        let r = self.pg.psql(&self.name, SNAPSHOT);
        assert!(r.ok, "snapshot: {:?}", r.error());
        let mut rows: Vec<String> = r.rows("S").into_iter().map(|r| r.join("|")).collect();
        rows.sort();
        rows
    }
    /// The boolean a validation query returns.
    fn check(&self, query: &str) -> bool {
        let r = self
            .pg
            .psql(&self.name, &format!("SELECT 'V|' || ({query})::text;"));
        assert!(r.ok, "validation query failed: {:?}\n{query}", r.error());
        let rows = r.rows("V");
        assert_eq!(rows.len(), 1, "one row from {query}");
        match rows[0][0].as_str() {
            "true" => true,
            "false" => false,
            other => panic!("{query} returned {other}"),
        }
    }
}

fn diff(before: &[String], after: &[String]) -> String {
    let gone: Vec<&String> = before.iter().filter(|r| !after.contains(r)).collect();
    let new: Vec<&String> = after.iter().filter(|r| !before.contains(r)).collect();
    format!("missing after rollback: {gone:#?}\nextra after rollback: {new:#?}")
}

#[derive(Default, Debug)]
struct Counts {
    migrations: usize,
    generated: usize,
    generated_statements: usize,
    down: usize,
    none_needed: usize,
    restore: usize,
    validations: usize,
}

/// Apply every up, rolling each back with its plan and checking the catalog and validations.
fn prove_rollbacks(pg: &PgCluster, db_name: &str, dir: &Path, counts: &mut Counts) {
    let report = lint_dir(dir);
    let db = Db::create(pg, db_name);
    let ups: Vec<&UnitReport> = report
        .units
        .iter()
        .filter(|u| matches!(u.migration.direction, Direction::Up | Direction::Repeatable))
        .collect();
    for unit in ups {
        let p = plan::migration(unit);
        let up = unit_sql(unit);
        let before = db.snapshot();
        db.run(&up, &format!("up {}", p.path));
        counts.migrations += 1;
        match p.rollback.strategy {
            Strategy::RestoreFromBackup => {
                counts.restore += 1;
                continue;
            }
            Strategy::GeneratedInverse => {
                counts.generated += 1;
                counts.generated_statements += p.rollback.statements.len();
            }
            Strategy::DownMigration => counts.down += 1,
            Strategy::NoneNeeded => counts.none_needed += 1,
        }
        for v in &p.validation {
            assert!(
                !db.check(v),
                "{}: validation is already true before the rollback: {v}",
                p.path
            );
        }
        db.run(&rollback_sql(&p), &format!("rollback of {}", p.path));
        let after = db.snapshot();
        assert!(
            before == after,
            "{} ({}): the rollback does not restore the schema\n{}",
            p.path,
            p.rollback.strategy.name(),
            diff(&before, &after)
        );
        for v in &p.validation {
            assert!(
                db.check(v),
                "{}: validation false after the rollback: {v}",
                p.path
            );
            counts.validations += 1;
        }
        db.run(&up, &format!("up {} again after its rollback", p.path));
    }
}

#[test]
fn plan_rollbacks_restore_the_schema_on_a_real_server() {
    let Some(pg) = start() else { return };
    let mut counts = Counts::default();
    prove_rollbacks(
        &pg,
        "expand_steps",
        &root().join("tests/plan/expand"),
        &mut counts,
    );
    let expand = Counts { ..counts };
    // Every expand step of the dedicated fixture is undone by a generated inverse.
    assert_eq!(expand.restore, 0, "{expand:?}");
    assert!(expand.validations >= 25, "{expand:?}");
    assert!(
        expand.generated_statements >= 25,
        "at least 25 generated inverse statements: {expand:?}"
    );
    let mut layouts: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures"))
        .expect("fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    layouts.sort();
    let mut total = Counts::default();
    for (i, dir) in layouts.iter().enumerate() {
        prove_rollbacks(&pg, &format!("layout_{i}"), dir, &mut total);
    }
    // The fixtures have exact downs where their tool has downs.
    assert!(total.down >= 20, "{total:?}");
    eprintln!(
        "plan proof: expand fixture {expand:?}; fixture layouts {total:?}; \
         {} generated inverse statements and {} validation queries checked in all",
        expand.generated_statements + total.generated_statements,
        expand.validations + total.validations
    );
}

/// RS405 against the server: a pair differs on the server exactly when RS405 reports it.
fn prove_rs405(pg: &PgCluster, prefix: &str, dir: &Path) -> (usize, usize) {
    let report = lint_dir(dir);
    let units = &report.units;
    let (mut pairs, mut differing) = (0, 0);
    for (i, up) in units.iter().enumerate() {
        let Some(j) = up.migration.pair else { continue };
        if up.migration.direction != Direction::Up {
            continue;
        }
        let down = &units[j.index()];
        let db = Db::create(pg, &format!("{prefix}_{i}"));
        for earlier in units[..i]
            .iter()
            .filter(|u| u.migration.direction == Direction::Up)
        {
            db.run(&unit_sql(earlier), "an earlier up");
        }
        let before = db.snapshot();
        db.run(&unit_sql(up), "the up");
        db.run(&unit_sql(down), "the down");
        let after = db.snapshot();
        let server_differs = before != after;
        let rs405: Vec<&str> = down
            .findings
            .iter()
            .filter(|f| f.code().as_str() == "RS405")
            .map(|f| f.diagnostic.message.as_str())
            .collect();
        assert_eq!(
            server_differs,
            !rs405.is_empty(),
            "{}: server sees a difference: {server_differs}; RS405: {rs405:#?}\n{}",
            down.migration.source.display_path(),
            diff(&before, &after)
        );
        pairs += 1;
        differing += usize::from(server_differs);
    }
    (pairs, differing)
}

#[test]
fn rs405_agrees_with_a_real_server() {
    let Some(pg) = start() else { return };
    let (pairs, differing) = prove_rs405(&pg, "downs", &root().join("tests/plan/downs"));
    assert_eq!(pairs, 14);
    // 000002, 000003, 000005, 000006, 000010, 000011, 000012, 000013 do not undo their up.
    assert_eq!(differing, 8);
    // Three pairs of the benchmark corpus (scripts/gen_corpus.py) on a seed: every down leaves
    // the up's CHECK constraint on orders behind (and step 1 its index on orders).
    let (pairs, differing) = prove_rs405(&pg, "corpus", &root().join("tests/plan/corpus"));
    assert_eq!((pairs, differing), (4, 3));
    for layout in [
        "golang-migrate",
        "sqlx",
        "diesel",
        "goose",
        "dbmate",
        "flyway",
        "sqitch",
        "liquibase",
    ] {
        let (pairs, differing) = prove_rs405(
            &pg,
            &format!("l_{}", layout.replace('-', "_")),
            &root().join("fixtures").join(layout),
        );
        assert!(pairs >= 1, "{layout}");
        assert_eq!(differing, 0, "{layout}: the fixture downs are exact");
    }
}

// ---- The plan itself, without a server ----

fn plan_cli(args: &[&str]) -> (Option<i32>, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rollsafe"))
        .arg("plan")
        .args(args)
        .current_dir(root())
        .output()
        .expect("run rollsafe plan");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn json_plan(dir: &str) -> serde_json::Value {
    let (code, out) = plan_cli(&["--format", "json", "--today", "2026-06-01", dir]);
    assert_eq!(code, Some(0), "{out}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{dir}: not JSON ({e}): {out}"))
}

fn migration_ending<'a>(plan: &'a serde_json::Value, suffix: &str) -> &'a serde_json::Value {
    plan["migrations"]
        .as_array()
        .and_then(|m| {
            m.iter()
                .find(|m| m["path"].as_str().is_some_and(|p| p.ends_with(suffix)))
        })
        .unwrap_or_else(|| panic!("no migration {suffix} in {plan:#}"))
}

#[test]
fn plan_json_on_every_fixture_layout() {
    let mut layouts: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures"))
        .expect("fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    layouts.sort();
    assert_eq!(layouts.len(), 10);
    for dir in &layouts {
        let rel = format!(
            "fixtures/{}",
            dir.file_name().and_then(|n| n.to_str()).expect("name")
        );
        let plan = json_plan(&rel);
        assert_eq!(plan["version"], 1, "{rel}");
        let migrations = plan["migrations"].as_array().expect("migrations");
        assert!(migrations.len() >= 4, "{rel}: {plan:#}");
        for m in migrations {
            for key in ["path", "version", "phase", "rollback", "validation"] {
                assert!(m.get(key).is_some(), "{rel}: {key} missing in {m:#}");
            }
            let strategy = m["rollback"]["strategy"].as_str().expect("strategy");
            assert!(
                [
                    "down-migration",
                    "generated-inverse",
                    "restore-from-backup",
                    "none-needed"
                ]
                .contains(&strategy),
                "{strategy}"
            );
            for s in m["rollback"]["statements"].as_array().expect("statements") {
                assert!(
                    s["sql"].is_string() && s["transactional"].is_boolean(),
                    "{s}"
                );
            }
        }
    }
    let golang = json_plan("fixtures/golang-migrate");
    let index = migration_ending(&golang, "000003_add_orders_created_at_index.up.sql");
    assert_eq!(index["phase"], "expand");
    assert_eq!(index["rollback"]["strategy"], "down-migration");
    assert_eq!(
        index["rollback"]["statements"][0]["sql"],
        "DROP INDEX CONCURRENTLY orders_created_at_idx;"
    );
    assert_eq!(index["rollback"]["statements"][0]["transactional"], false);
    assert_eq!(
        index["validation"][0],
        "SELECT to_regclass('public.orders_created_at_idx') IS NULL"
    );
    let prisma = json_plan("fixtures/prisma");
    let index = migration_ending(&prisma, "add_orders_created_at_index/migration.sql");
    assert_eq!(index["rollback"]["strategy"], "generated-inverse");
    assert_eq!(
        index["rollback"]["statements"][0]["sql"],
        "DROP INDEX CONCURRENTLY IF EXISTS orders_created_at_idx;"
    );
    let drop = migration_ending(&prisma, "drop_legacy_user_columns/migration.sql");
    assert_eq!(drop["phase"], "contract");
    assert_eq!(drop["rollback"]["strategy"], "restore-from-backup");
    assert_eq!(drop["rollout"]["step"], "contract");
    assert_eq!(drop["rollout"]["after"], "2026-01-15");
    let irreversible = drop["rollback"]["irreversible"].as_array().expect("list");
    assert!(
        irreversible
            .iter()
            .any(|i| i["recovery"] == "restore-from-backup" && i["loses_data"] == true),
        "{drop:#}"
    );
    // The first drop has no marker: the checklist says so.
    let checklist = drop["checklist"].to_string();
    assert!(checklist.contains("names no recovery= path"), "{checklist}");
}

#[test]
fn plan_markdown_runbook() {
    let (code, out) = plan_cli(&["--today", "2026-06-01", "fixtures/golang-migrate"]);
    assert_eq!(code, Some(0));
    assert!(
        out.starts_with("# Rollback runbook\n\n## Rollout order\n"),
        "{out}"
    );
    // Newest first for the rollback; the non-transactional step is run separately.
    let newest = out
        .find("## `fixtures/golang-migrate/000004")
        .expect("000004");
    let oldest = out
        .find("## `fixtures/golang-migrate/000001")
        .expect("000001");
    assert!(newest < oldest);
    assert!(out.contains(
        "Run separately, outside a transaction:\n\n```sql\nDROP INDEX CONCURRENTLY orders_created_at_idx;\n```"
    ));
    insta::assert_snapshot!("plan_markdown_golang_migrate", out);
    let (code, human) = plan_cli(&["--format", "human", "fixtures/golang-migrate"]);
    assert_eq!(code, Some(0));
    assert!(human.contains("strategy: down-migration"), "{human}");
}

#[test]
fn plan_lists_break_glass_follow_ups_and_missing_checklist_items() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("001_a.sql"),
        "CREATE TABLE a (id int, b text);\nCREATE TABLE c (id int, legacy text);\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("002_b.sql"),
        "-- rollsafe:break-glass incident=INC-7 approved-by=oncall reason=\"disk full\" recovery=restore-from-backup follow-up=DB-150\nDROP TABLE a;\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("003_c.sql"),
        "-- rollsafe:contract approved-by=alice ticket=T-1\nALTER TABLE c DROP COLUMN legacy;\n",
    )
    .expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rollsafe"))
        .args(["plan", "--today", "2026-06-01"])
        .arg(dir.path())
        .output()
        .expect("run");
    let out = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.contains("## Break-glass steps and their follow-ups"),
        "{out}"
    );
    assert!(
        out.contains("incident INC-7, follow-up **DB-150**"),
        "{out}"
    );
    assert!(
        out.contains("contract step ALTER TABLE has no after= compatibility window"),
        "{out}"
    );
    assert!(
        out.contains("ALTER TABLE loses data and names no recovery= path"),
        "{out}"
    );
    assert!(out.contains("**Rollback:** `restore-from-backup`"), "{out}");
}

#[test]
fn generated_inverses_for_the_expand_fixture() {
    let plan = json_plan("tests/plan/expand");
    let idx = migration_ending(&plan, "003_index_concurrently.sql");
    assert_eq!(idx["rollback"]["strategy"], "generated-inverse");
    assert_eq!(
        idx["rollback"]["statements"],
        serde_json::json!([{"sql": "DROP INDEX CONCURRENTLY IF EXISTS orders_user_id_idx;", "transactional": false}])
    );
    let widen = migration_ending(&plan, "024_widen_type.sql");
    assert_eq!(
        widen["rollback"]["statements"][0]["sql"],
        "ALTER TABLE users ALTER COLUMN email TYPE varchar(50);"
    );
    let fk = migration_ending(&plan, "010_fk_not_valid.sql");
    assert_eq!(
        fk["rollback"]["statements"][0]["sql"],
        "ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_user_id_fkey;"
    );
    let comment = migration_ending(&plan, "032_comment.sql");
    assert_eq!(comment["rollback"]["strategy"], "none-needed");
}

#[test]
fn plan_diff_base_plans_only_added_migrations() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .current_dir(d)
            .args([
                "-c",
                "user.email=test@rollsafe.invalid",
                "-c",
                "user.name=test",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .output()
            .expect("run git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let m = d.join("db/migrations");
    std::fs::create_dir_all(&m).expect("mkdir");
    std::fs::write(
        m.join("000001_users.up.sql"),
        "CREATE TABLE users (id int);\n",
    )
    .expect("w");
    std::fs::write(m.join("000001_users.down.sql"), "DROP TABLE users;\n").expect("w");
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-qm", "base"]);
    std::fs::write(
        m.join("000002_phone.up.sql"),
        "ALTER TABLE users ADD COLUMN phone text;\n",
    )
    .expect("w");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rollsafe"))
        .current_dir(d)
        .args([
            "plan",
            "--format",
            "json",
            "--diff-base",
            "HEAD",
            "db/migrations",
        ])
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let migrations = plan["migrations"].as_array().expect("migrations");
    assert_eq!(migrations.len(), 1, "{plan:#}");
    assert!(
        migrations[0]["path"]
            .as_str()
            .is_some_and(|p| p.ends_with("000002_phone.up.sql"))
    );
    // The replay still saw 000001: the inverse drops only the column.
    assert_eq!(
        migrations[0]["rollback"]["statements"][0]["sql"],
        "ALTER TABLE users DROP COLUMN IF EXISTS phone;"
    );
    assert!(
        migrations[0]["checklist"]
            .to_string()
            .contains("no down migration (RS404)"),
        "{plan:#}"
    );
}
