//! Procedural facts checked against a real PostgreSQL: every case is valid code the server
//! runs, and whether running it a second time succeeds is exactly rollsafe's `idempotent` fact
//! (existence guards and exception handlers understood, unguarded creates not). Each case runs
//! in a fresh database with the seed schema. `ROLLSAFE_SKIP_PG=1` skips it, loudly.

// The shared cluster helper; this test uses only part of it.
#[allow(dead_code)]
#[path = "common/pg.rs"]
mod pg;

use pg::{PgCluster, StartError};
use rollsafe::analyze::statement_facts;
use rollsafe::discover::{Direction, Layout, Migration, MigrationId, Transaction};
use rollsafe::parse::parse_migration;
use rollsafe::source::{SourceFile, Span};
use rollsafe::target::Target;

const SEED: &str = "CREATE TABLE users (id bigint PRIMARY KEY, name text);\n\
                    CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);\n";

/// (name, SQL of one statement, rollsafe must call it idempotent)
const CASES: &[(&str, &str, bool)] = &[
    (
        "pg_type guard",
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN CREATE TYPE mood AS ENUM ('a'); END IF; END $$;",
        true,
    ),
    (
        "duplicate_object handler",
        "DO $$ BEGIN CREATE TYPE status AS ENUM ('a'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;",
        true,
    ),
    (
        "Drizzle's foreign key",
        "DO $$ BEGIN ALTER TABLE \"orders\" ADD CONSTRAINT \"orders_user_fk\" FOREIGN KEY (\"user_id\") REFERENCES \"users\"(\"id\"); EXCEPTION WHEN duplicate_object THEN null; END $$;",
        true,
    ),
    (
        "information_schema guard",
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'email') THEN ALTER TABLE users ADD COLUMN email text; END IF; END $$;",
        true,
    ),
    (
        "to_regclass guard",
        "DO $$ BEGIN IF to_regclass('public.users_name_idx') IS NULL THEN CREATE INDEX users_name_idx ON users (name); END IF; END $$;",
        true,
    ),
    (
        "duplicate_column handler",
        "DO $$ BEGIN ALTER TABLE users ADD COLUMN nick text; EXCEPTION WHEN duplicate_column THEN NULL; END $$;",
        true,
    ),
    (
        "unguarded create",
        "DO $$ BEGIN CREATE TABLE scratch (id int); END $$;",
        false,
    ),
    (
        "constant EXECUTE",
        "DO $$ BEGIN EXECUTE format('CREATE TABLE %I (a int)', 'Mixed'); END $$;",
        false,
    ),
    (
        "IF NOT EXISTS needs no guard",
        "DO $$ BEGIN ALTER TABLE users ADD COLUMN IF NOT EXISTS age int; END $$;",
        true,
    ),
    (
        "sql function definition",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;",
        false,
    ),
];

fn rollsafe_idempotent(sql: &str) -> bool {
    let source = SourceFile::new("case.sql".into(), sql.to_string());
    let migration = Migration {
        id: MigrationId(0),
        target: Target::postgres(16),
        group: "".into(),
        source: source.clone(),
        range: Span::new(0, sql.len()),
        layout: Layout::Plain,
        direction: Direction::Up,
        version: None,
        name: "case".into(),
        transaction: Transaction {
            mode: rollsafe::discover::TransactionMode::PerStatement,
            reason: "".into(),
        },
        pair: None,
        change: None,
        included_by: None,
    };
    let parsed = parse_migration(&migration);
    let [statement] = parsed.statements.as_slice() else {
        panic!("{sql}: expected one statement");
    };
    let facts = statement_facts(
        &migration.source,
        statement.span,
        migration.source.slice(statement.span),
        &statement.body,
        Vec::new(),
        migration.target,
    );
    assert!(
        facts.body().opaque.is_empty(),
        "{sql}: {:?}",
        facts.body().opaque
    );
    facts.idempotent
}

#[test]
fn guarded_procedural_code_reruns_as_rollsafe_says() {
    if std::env::var("ROLLSAFE_SKIP_PG").is_ok_and(|v| v == "1") {
        eprintln!(
            "\n*** SKIPPED pg_procedural: ROLLSAFE_SKIP_PG=1, no PostgreSQL server was run ***\n"
        );
        return;
    }
    let cluster = match PgCluster::start() {
        Ok(c) => c,
        Err(StartError::Missing(why)) => panic!(
            "PostgreSQL server binaries are missing: {why} (or set ROLLSAFE_SKIP_PG=1 to skip)"
        ),
        Err(StartError::Failed(why)) => {
            panic!("cannot start a throwaway PostgreSQL cluster: {why}")
        }
    };
    let mut failures = Vec::new();
    for (n, (name, sql, idempotent)) in CASES.iter().enumerate() {
        let db = format!("rs_proc_{n}");
        let created = cluster.psql("postgres", &format!("CREATE DATABASE {db};"));
        assert!(created.ok, "CREATE DATABASE failed: {}", created.stderr);
        let seeded = cluster.psql(&db, SEED);
        assert!(seeded.ok, "the seed failed: {}", seeded.stderr);
        let first = cluster.psql(&db, sql);
        if !first.ok {
            failures.push(format!(
                "{name}: PostgreSQL rejects the case: {}",
                first.stderr
            ));
            continue;
        }
        let second = cluster.psql(&db, sql);
        let rs = rollsafe_idempotent(sql);
        if second.ok != rs || rs != *idempotent {
            failures.push(format!(
                "{name}: a second run {} on PostgreSQL, rollsafe says idempotent={rs}, the case expects {idempotent} ({})",
                if second.ok { "succeeds" } else { "fails" },
                second.error().unwrap_or_default()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
