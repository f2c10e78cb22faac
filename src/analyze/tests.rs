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
            wrapped: false,
            reason: String::new(),
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
        ("DROP INDEX i", "DROP INDEX", Contract, false),
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
        ("DO $$ BEGIN END $$", "DO", Migrate, false),
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
