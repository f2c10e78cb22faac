//! Phase, destructiveness, idempotency and transactionality for each statement kind.

use super::*;
use crate::parse::{StatementBody, parse_migration};
use crate::source::SourceFile;

fn facts(sql: &str, pg: u32) -> Vec<StatementFacts> {
    let source = SourceFile::new("t.sql".into(), sql.to_string());
    let migration = crate::discover::Migration {
        id: crate::discover::MigrationId(0),
        target: crate::target::Target::postgres(pg),
        group: "".into(),
        source: source.clone(),
        range: Span::new(0, sql.len()),
        layout: crate::discover::Layout::Plain,
        direction: crate::discover::Direction::Up,
        version: None,
        name: "t".into(),
        transaction: crate::discover::Transaction {
            mode: crate::discover::TransactionMode::PerStatement,
            reason: "".into(),
        },
        pair: None,
        change: None,
        included_by: None,
    };
    let parsed = parse_migration(&migration);
    assert!(
        parsed
            .statements
            .iter()
            .all(|s| !matches!(s.body, StatementBody::SyntaxError(_))),
        "fixture must parse: {sql}"
    );
    parsed
        .statements
        .iter()
        .map(|s| {
            statement_facts(
                &source,
                s.span,
                source.slice(s.span),
                &s.body,
                s.markers.clone(),
                crate::target::Target::postgres(pg),
            )
        })
        .collect()
}

fn one(sql: &str) -> StatementFacts {
    let mut f = facts(sql, 16);
    assert_eq!(f.len(), 1, "{sql}");
    f.remove(0)
}

#[test]
fn phases_and_destructiveness() {
    use Phase::*;
    let cases: &[(&str, &str, Phase, bool)] = &[
        ("CREATE TABLE t (id int)", "CREATE TABLE", Expand, false),
        ("CREATE INDEX i ON t (a)", "CREATE INDEX", Expand, false),
        (
            "CREATE OR REPLACE VIEW v AS SELECT 1",
            "CREATE VIEW",
            Expand,
            false,
        ),
        (
            "CREATE MATERIALIZED VIEW m AS SELECT 1",
            "CREATE MATERIALIZED VIEW",
            Expand,
            false,
        ),
        (
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
            "CREATE FUNCTION",
            Expand,
            false,
        ),
        (
            "CREATE TYPE mood AS ENUM ('a')",
            "CREATE TYPE",
            Expand,
            false,
        ),
        ("CREATE SEQUENCE s", "CREATE SEQUENCE", Expand, false),
        (
            "CREATE EXTENSION IF NOT EXISTS pgcrypto",
            "CREATE EXTENSION",
            Expand,
            false,
        ),
        (
            "ALTER TABLE t ADD COLUMN c int",
            "ALTER TABLE",
            Expand,
            false,
        ),
        (
            "ALTER TYPE mood ADD VALUE 'b'",
            "ALTER TYPE ADD VALUE",
            Expand,
            false,
        ),
        ("INSERT INTO t VALUES (1)", "INSERT", Migrate, false),
        ("UPDATE t SET a = 1", "UPDATE", Migrate, false),
        ("DELETE FROM t WHERE a = 1", "DELETE", Migrate, false),
        ("DELETE FROM t", "DELETE", Contract, true),
        ("DROP TABLE t", "DROP TABLE", Contract, true),
        // Without the schema, an index is not known to be unique: it only speeds queries up.
        ("DROP INDEX i", "DROP INDEX", Neutral, false),
        // Tightenings the old version's writes can violate.
        (
            "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID",
            "ALTER TABLE",
            Contract,
            false,
        ),
        (
            "ALTER TABLE t ADD UNIQUE (a)",
            "ALTER TABLE",
            Contract,
            false,
        ),
        (
            "ALTER TABLE t ENABLE ROW LEVEL SECURITY",
            "ALTER TABLE",
            Contract,
            false,
        ),
        // A foreign key states a relationship the old version keeps; an index that already
        // enforces uniqueness makes the constraint tighten nothing.
        (
            "ALTER TABLE t ADD FOREIGN KEY (a) REFERENCES u (id) NOT VALID",
            "ALTER TABLE",
            Expand,
            false,
        ),
        (
            "ALTER TABLE t ADD CONSTRAINT t_a_key UNIQUE USING INDEX t_a_idx",
            "ALTER TABLE",
            Expand,
            false,
        ),
        ("ALTER TABLE t DROP COLUMN c", "ALTER TABLE", Contract, true),
        ("TRUNCATE t", "TRUNCATE", Contract, true),
        (
            "ALTER TABLE t RENAME TO u",
            "ALTER TABLE RENAME",
            Contract,
            false,
        ),
        (
            "ALTER TABLE t RENAME COLUMN a TO b",
            "ALTER TABLE RENAME",
            Contract,
            false,
        ),
        (
            "ALTER INDEX i RENAME TO j",
            "ALTER INDEX RENAME",
            Neutral,
            false,
        ),
        (
            "ALTER TABLE t ALTER COLUMN a TYPE bigint",
            "ALTER TABLE",
            Contract,
            true,
        ),
        (
            "ALTER TABLE t ALTER COLUMN a SET NOT NULL",
            "ALTER TABLE",
            Contract,
            false,
        ),
        (
            "ALTER TABLE t ALTER COLUMN a DROP NOT NULL",
            "ALTER TABLE",
            Expand,
            false,
        ),
        (
            "ALTER TYPE mood RENAME VALUE 'a' TO 'b'",
            "ALTER TYPE RENAME VALUE",
            Contract,
            false,
        ),
        (
            "ALTER TABLE t SET SCHEMA archive",
            "ALTER TABLE SET SCHEMA",
            Contract,
            false,
        ),
        ("REVOKE SELECT ON t FROM app", "REVOKE", Contract, false),
        ("GRANT SELECT ON t TO app", "GRANT", Neutral, false),
        ("SET lock_timeout = '2s'", "SET", Neutral, false),
        ("BEGIN", "BEGIN", Neutral, false),
        ("COMMENT ON TABLE t IS 'x'", "COMMENT", Neutral, false),
        ("VACUUM FULL t", "VACUUM", Neutral, false),
        ("SELECT 1", "SELECT", Neutral, false),
        // A DO block has the facts of what it runs; what stays opaque is "migrate".
        ("DO $$ BEGIN END $$", "DO", Neutral, false),
        ("DO $$ BEGIN DROP TABLE t; END $$", "DO", Contract, true),
        ("DO $$ BEGIN EXECUTE x; END $$", "DO", Migrate, false),
        (
            "DO $$ BEGIN EXECUTE 'TRUNCATE ' || 't'; END $$",
            "DO",
            Contract,
            true,
        ),
    ];
    for (sql, kind, phase, destructive) in cases {
        let f = one(sql);
        assert_eq!(
            (f.kind.as_str(), f.phase, f.destructive),
            (*kind, *phase, *destructive),
            "{sql}"
        );
        assert!(f.known, "{sql}");
    }
}

#[test]
fn idempotency() {
    let cases: &[(&str, bool)] = &[
        ("CREATE TABLE t (id int)", false),
        ("CREATE TABLE IF NOT EXISTS t (id int)", true),
        ("CREATE INDEX IF NOT EXISTS i ON t (a)", true),
        (
            "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
            true,
        ),
        ("DROP TABLE t", false),
        ("DROP TABLE IF EXISTS t", true),
        ("ALTER TABLE t ADD COLUMN c int", false),
        ("ALTER TABLE t ADD COLUMN IF NOT EXISTS c int", true),
        ("INSERT INTO t VALUES (1)", false),
        ("INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING", true),
        ("ALTER TABLE t RENAME TO u", false),
        ("ALTER TYPE mood ADD VALUE IF NOT EXISTS 'b'", true),
        ("UPDATE t SET a = 1", true),
    ];
    for (sql, idempotent) in cases {
        assert_eq!(one(sql).idempotent, *idempotent, "{sql}");
    }
}

#[test]
fn transactional_is_version_aware() {
    let non_tx = [
        "CREATE INDEX CONCURRENTLY i ON t (a)",
        "DROP INDEX CONCURRENTLY i",
        "REINDEX INDEX CONCURRENTLY i",
        "VACUUM t",
        "ALTER TABLE p DETACH PARTITION c CONCURRENTLY",
    ];
    for sql in non_tx {
        assert!(!one(sql).transactional, "{sql}");
    }
    assert!(one("CREATE INDEX i ON t (a)").transactional);
    assert!(one("REFRESH MATERIALIZED VIEW CONCURRENTLY m").transactional);
    let add_value = "ALTER TYPE mood ADD VALUE 'b'";
    assert!(
        !facts(add_value, 11)[0].transactional,
        "PG 11 refuses ADD VALUE in a transaction"
    );
    assert!(facts(add_value, 12)[0].transactional);
}

#[test]
fn column_details_feed_the_lock_rules() {
    let f = one(
        "ALTER TABLE t ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid(), ADD COLUMN at timestamptz DEFAULT now()",
    );
    let cols: Vec<(String, Option<Volatility>, bool)> = f
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::AlterTable {
                cmd: TableCmd::AddColumn { column, .. },
                ..
            } => Some((
                column.name.clone(),
                column.default.as_ref().map(|d| d.volatility),
                column.not_null,
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        cols,
        vec![
            ("id".into(), Some(Volatility::Volatile), true),
            ("at".into(), Some(Volatility::NonVolatile), false)
        ]
    );
    let f = one("ALTER TABLE t ADD CONSTRAINT c CHECK (email IS NOT NULL) NOT VALID");
    match &f.changes[0] {
        Change::AlterTable {
            cmd: TableCmd::AddConstraint(c),
            ..
        } => {
            assert!(c.not_valid);
            assert_eq!(c.proves_not_null.as_deref(), Some("email"));
        }
        other => panic!("{other:?}"),
    }
    let f = one("ALTER TABLE s.t ALTER COLUMN name TYPE varchar(200)");
    assert_eq!(
        f.changes[0],
        Change::AlterTable {
            table: "s.t".into(),
            cmd: TableCmd::AlterColumnType {
                column: "name".into(),
                type_name: TypeName {
                    name: "varchar".into(),
                    modifiers: vec![200],
                    array: false
                },
                using: false
            }
        }
    );
}

#[test]
fn psql_meta_commands_are_statements_of_their_own() {
    let f = facts("\\set ON_ERROR_STOP on\nSELECT 1;\n", 16);
    assert_eq!(f.len(), 2);
    assert_eq!(f[0].kind, "psql \\set");
    assert_eq!(f[0].phase, Phase::Neutral);
    assert_eq!(f[1].start.line, 2);
}

#[test]
fn procedural_code_is_read_at_its_own_position() {
    let sql = "SELECT 1;\nDO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN\n    CREATE TYPE mood AS ENUM ('a');\n  END IF;\n  ALTER TABLE t DROP COLUMN c;\nEND $$;";
    let f = facts(sql, 16);
    let d = &f[1];
    assert_eq!(d.body().statements.len(), 2, "{:?}", d.body());
    let guarded = &d.body().statements[0];
    assert!(guarded.guarded);
    assert_eq!(
        &sql[guarded.span.start..guarded.span.end],
        "CREATE TYPE mood AS ENUM ('a')"
    );
    let drop = &d.body().statements[1];
    assert!(!drop.guarded);
    assert_eq!(
        &sql[drop.span.start..drop.span.end],
        "ALTER TABLE t DROP COLUMN c"
    );
    // The guarded CREATE TYPE re-runs; the DROP COLUMN does not.
    assert!(!d.idempotent);
    assert!(d.destructive && d.phase == Phase::Contract);
    assert!(d.body().opaque.is_empty());
}

#[test]
fn exception_handlers_guard_and_sql_bodies_are_read() {
    let f = one(
        "DO $$ BEGIN CREATE TYPE s AS ENUM ('a'); EXCEPTION WHEN duplicate_object THEN NULL; END $$",
    );
    assert!(f.idempotent && f.body().opaque.is_empty(), "{:?}", f.body());
    // A single-quoted body: positions skip the doubled quotes.
    let sql = "DO 'BEGIN RAISE NOTICE ''x''; CREATE TABLE t (a int); END'";
    let f = one(sql);
    assert_eq!(f.body().statements.len(), 1);
    let s = &f.body().statements[0];
    assert_eq!(&sql[s.span.start..s.span.end], "CREATE TABLE t (a int)");
    assert!(!f.idempotent);
    let f = one("CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ DROP TABLE users $$");
    // Defining a function runs nothing; its body is kept for the calls.
    assert_eq!(f.phase, Phase::Expand);
    match f.definition() {
        Some(Definition::Routine { name, body, .. }) => {
            assert_eq!(name, "f");
            assert_eq!(body.statements.len(), 1);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn what_cannot_be_read_is_opaque() {
    for (sql, reason) in [
        (
            "DO $$ BEGIN EXECUTE 'DROP TABLE ' || t; END $$",
            "DynamicSql",
        ),
        ("DO LANGUAGE plpython3u $$ pass $$", "Language"),
        ("DO $$ BEGIN DROP TABLE; END $$", "UnparseableBody"),
        (
            "CREATE EVENT TRIGGER e ON ddl_command_start EXECUTE FUNCTION f()",
            "EventTrigger",
        ),
    ] {
        let f = one(sql);
        assert_eq!(f.body().opaque.len(), 1, "{sql}: {:?}", f.body());
        assert!(
            format!("{:?}", f.body().opaque[0].reason).starts_with(reason),
            "{sql}: {:?}",
            f.body().opaque
        );
        assert!(!f.idempotent, "{sql}");
    }
    // Calls are resolved by the replay (against the routines created so far).
    let f = one("SELECT f(1), now()");
    let names: Vec<&str> = f.body().calls.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["f", "now"]);
}

#[test]
fn odd_procedural_code_never_panics() {
    for sql in [
        "DO $$ $$",
        "DO ''",
        "DO $$ BEGIN IF THEN END $$",
        "DO $$ BEGIN RAISE NOTICE 'é'; DROP TABLE t; END $$",
        "DO $$ BEGIN EXECUTE format('%', 1); EXECUTE format('%3$s', 'a'); END $$",
        "DO $$ BEGIN EXECUTE ''; EXECUTE format(); END $$",
        "DO $$ DECLARE x int := f(; BEGIN END $$",
        "DO E'BEGIN DROP TABLE t; END'",
        "CREATE FUNCTION f() RETURNS int AS $$ $$ LANGUAGE plpgsql",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC END",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql RETURN g(1)",
        "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.x := OLD.x; RETURN NEW; END $$",
        "CREATE FUNCTION f(a int) RETURNS SETOF int LANGUAGE plpgsql AS $$ BEGIN RETURN QUERY EXECUTE 'SELECT 1'; RETURN NEXT a; END $$",
        "CREATE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN COMMIT; ROLLBACK; END $$",
        "CREATE FUNCTION f() RETURNS int LANGUAGE internal AS 'int4in'",
    ] {
        let _ = facts(sql, 16);
    }
    // A BEGIN ATOMIC body is read at its own position.
    let sql = "CREATE PROCEDURE p() LANGUAGE sql\nBEGIN ATOMIC\n  DELETE FROM t;\nEND";
    let f = one(sql);
    let Some(Definition::Routine { body, .. }) = f.definition() else {
        panic!("{:?}", f.definition);
    };
    let s = &body.statements[0];
    assert_eq!(&sql[s.span.start..s.span.end], "DELETE FROM t");
    // A dynamic EXECUTE with a non-constant format() is opaque; a constant one is read.
    let f = one("DO $$ BEGIN EXECUTE format('DROP TABLE %I', tbl); END $$");
    assert_eq!(f.body().opaque.len(), 1);
    let f = one("DO $$ BEGIN EXECUTE $q$DROP TABLE t$q$; END $$");
    assert!(f.body().opaque.is_empty() && f.destructive);
    // The arguments of EXECUTE ... USING run too.
    let f = one("DO $$ BEGIN EXECUTE 'SELECT $1' USING g(); END $$");
    let names: Vec<&str> = f.body().calls.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["g"]);
}
