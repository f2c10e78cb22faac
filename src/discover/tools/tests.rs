//! The tools' file-name conventions and section splitting, on small texts.

use super::dbmate::dbmate;
use super::flyway::{FlywayName, parse_flyway};
use super::golang_migrate::{UpDownName, parse_up_down};
use super::goose::{Annotation, goose, goose_annotation};
use super::liquibase::{is_liquibase, liquibase};
use super::sqitch::sqitch_plan;
use super::{parse_diesel_dir, parse_prisma_dir};
use crate::discover::names::VersionKey;
use crate::source::Span;

fn num(v: &str) -> VersionKey {
    VersionKey::numeric(v.split(['.', '_'])).unwrap()
}

fn slice(text: &str, span: Span) -> &str {
    &text[span.start..span.end]
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

#[test]
fn goose_sections_keep_real_lines_and_drop_annotations() {
    let text = "-- header comment\n-- +goose Up\n-- +goose StatementBegin\n\
                -- rollsafe:allow RS101 reason=\"tiny\"\nCREATE INDEX i ON t (c);\n\
                -- +goose StatementEnd\n\n-- +goose Down\nDROP INDEX i;\n";
    let g = goose(text).unwrap().unwrap();
    assert_eq!(
        slice(text, g.up),
        "-- rollsafe:allow RS101 reason=\"tiny\"\nCREATE INDEX i ON t (c);"
    );
    assert_eq!(line_of(text, g.up.start), 4);
    let down = g.down.unwrap();
    assert_eq!(slice(text, down), "DROP INDEX i;");
    assert_eq!(line_of(text, down.start), 9);
    assert!(!g.no_transaction);
}

#[test]
fn goose_annotations_as_goose_reads_them() {
    assert_eq!(
        goose_annotation("-- +goose NO TRANSACTION"),
        Some(Ok(Annotation::NoTransaction))
    );
    assert_eq!(goose_annotation("-- +goose up"), Some(Ok(Annotation::Up)));
    // goose removes every `--` and the first `+goose`, and trims Unicode spaces.
    assert_eq!(goose_annotation("--+gooseUp"), Some(Ok(Annotation::Up)));
    assert_eq!(
        goose_annotation("\u{a0}-- +goose Down"),
        Some(Ok(Annotation::Down))
    );
    assert_eq!(
        goose_annotation("-- +goose Down\u{a0}"),
        Some(Ok(Annotation::Down))
    );
    // goose stops on these.
    for line in [
        "  -- +goose Up",
        "\t-- +goose Down",
        "-- +goose Up -- x",
        "-- +goose +goose Up",
        "-- see +goose docs",
        "-- +goose NO\u{a0}TRANSACTION",
        "-- +goose Up\rDROP TABLE users;",
    ] {
        assert!(matches!(goose_annotation(line), Some(Err(_))), "{line:?}");
    }
    assert_eq!(goose_annotation("-- goose Up"), None);
    assert_eq!(goose_annotation("SELECT 1; -- +goose Down"), None);
    let g = goose("-- +goose NO TRANSACTION\n-- +goose Up\nSELECT 1;\n")
        .unwrap()
        .unwrap();
    assert!(g.no_transaction);
    assert_eq!(g.down, None);
    assert_eq!(goose("SELECT 1;\n"), None);
}

#[test]
fn goose_refuses_what_its_parser_refuses() {
    let refused = |text: &str| match goose(text) {
        Some(Err(r)) => r.offset,
        other => panic!("{text:?}: {other:?}"),
    };
    let two_downs =
        "-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 2;\n-- +goose Down\nDROP TABLE users;\n";
    assert_eq!(
        refused(two_downs),
        two_downs.rfind("-- +goose Down").unwrap()
    );
    let indented = "-- +goose Up\nSELECT 1;\n  -- +goose Down\nDROP TABLE users;\n";
    assert_eq!(refused(indented), indented.find("  --").unwrap());
    assert_eq!(refused("DROP TABLE users;\n-- +goose Up\nSELECT 1;\n"), 0);
    assert_eq!(
        refused("-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n"),
        48
    );
    assert_eq!(refused("-- +goose Up\nSELECT 1\n"), 13);
    assert_eq!(refused("-- +goose Up\n-- +goose Up\n"), 13);
    // A Down recognised by goose (NBSP before it) ends the Up section.
    let text = "-- +goose Up\nSELECT 1;\n\u{a0}-- +goose Down\nDROP TABLE users;\n";
    let g = goose(text).unwrap().unwrap();
    assert_eq!(slice(text, g.up), "SELECT 1;");
    assert_eq!(slice(text, g.down.unwrap()), "DROP TABLE users;");
}

#[test]
fn dbmate_sections_and_transaction_option() {
    let text = "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (c);\n\n\
                -- migrate:down\nDROP INDEX i;\n";
    let d = dbmate(text).unwrap().unwrap();
    assert_eq!(d.len(), 1);
    assert_eq!(
        slice(text, d[0].up.span),
        "CREATE INDEX CONCURRENTLY i ON t (c);"
    );
    assert!(!d[0].up.transaction);
    let down = &d[0].down;
    assert_eq!(slice(text, down.span), "DROP INDEX i;");
    assert_eq!(line_of(text, down.span.start), 5);
    assert!(down.transaction);
    assert!(dbmate("-- migrate:upper\nSELECT 1;").is_none());
}

#[test]
fn dbmate_directives_as_dbmate_matches_them() {
    // Not directives: indented, another case, a non-ASCII space after it, glued to a word.
    for text in [
        "  -- migrate:up\nSELECT 1;\n-- migrate:down\n",
        "-- Migrate:up\nSELECT 1;\n",
        "-- migrate:up\u{a0}transaction:false\nSELECT 1;\n",
        "-- migrate:upgrade\nSELECT 1;\n",
    ] {
        assert!(dbmate(text).is_none(), "{text:?}");
    }
    // `--migrate:up` and a tab are directives.
    assert!(matches!(
        dbmate("--migrate:up\nSELECT 1;\n--\tmigrate:down\n"),
        Some(Ok(_))
    ));
    // An unrecognised down directive: dbmate refuses the file (it requires a down block).
    let refused = dbmate("-- migrate:up\nSELECT 1;\n-- migrate:down\u{a0}\nDROP TABLE users;\n");
    assert!(matches!(refused, Some(Err(r)) if r.message.contains("down block")));
    // Statements before the first block, two downs in one block: refused.
    assert!(
        matches!(dbmate("SELECT 1;\n-- migrate:up\n-- migrate:down\n"), Some(Err(r)) if r.offset == 0)
    );
    let two = "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n-- migrate:down\nDROP TABLE users;\n";
    assert!(
        matches!(dbmate(two), Some(Err(r)) if r.offset == two.rfind("-- migrate:down").unwrap())
    );
    // Two up directives: two sections, each with its own down and options.
    let text = "-- migrate:up\nCREATE TABLE a (x int);\n-- migrate:down\nDROP TABLE a;\n\
                -- migrate:up transaction:false transaction:x:y\nDROP TABLE users;\n-- migrate:down\n";
    let d = dbmate(text).unwrap().unwrap();
    assert_eq!(d.len(), 2);
    assert_eq!(slice(text, d[1].up.span), "DROP TABLE users;");
    assert!(!d[1].up.transaction && d[0].up.transaction);
    // The directive comment ends at a bare `\r`: what follows on that line is SQL.
    let text = "-- migrate:up\rDROP TABLE users;\n-- migrate:down\n";
    let d = dbmate(text).unwrap().unwrap();
    assert_eq!(slice(text, d[0].up.span), "DROP TABLE users;");
}

#[test]
fn liquibase_changesets_and_rollbacks() {
    let text = "--liquibase formatted sql\n\n\
                --changeset alice:1\n--comment: users\nCREATE TABLE users (id bigint);\n\
                --rollback DROP TABLE users;\n\n\
                --changeset \"bob smith\":2 runInTransaction:false\n\
                -- rollsafe:allow RS101 reason=\"new table\"\n\
                CREATE INDEX CONCURRENTLY users_id ON users (id);\n\
                /* liquibase rollback\nDROP INDEX users_id;\n*/\n\
                --changeset alice:3\nSELECT 1;\n--rollback empty\n--rollback  SELECT 2;\n";
    assert!(is_liquibase(text));
    let sets = liquibase(text).unwrap();
    assert_eq!(sets.len(), 3);
    assert_eq!(
        (sets[0].author.as_str(), sets[0].id.as_str()),
        ("alice", "1")
    );
    assert_eq!(
        slice(text, sets[0].up.unwrap()),
        "CREATE TABLE users (id bigint);"
    );
    assert_eq!(slice(text, sets[0].rollbacks[0]), "DROP TABLE users;");
    assert_eq!(line_of(text, sets[0].rollbacks[0].start), 6);
    assert!(sets[0].run_in_transaction);

    assert_eq!(sets[1].author, "bob smith");
    assert!(!sets[1].run_in_transaction);
    assert_eq!(
        slice(text, sets[1].up.unwrap()),
        "-- rollsafe:allow RS101 reason=\"new table\"\nCREATE INDEX CONCURRENTLY users_id ON users (id);"
    );
    assert_eq!(slice(text, sets[1].rollbacks[0]), "DROP INDEX users_id;");
    assert_eq!(line_of(text, sets[1].rollbacks[0].start), 12);

    assert_eq!(sets[2].rollbacks.len(), 2);
    assert!(sets[2].rollbacks[0].is_empty());
    assert_eq!(slice(text, sets[2].rollbacks[1]), "SELECT 2;");
    assert!(!is_liquibase("SELECT 1;\n--liquibase formatted sql"));
}

#[test]
fn liquibase_reads_lines_and_directives_as_liquibase_does() {
    let head = "--liquibase formatted sql\n--changeset a:1\n";
    let sets = |body: &str| liquibase(&format!("{head}{body}"));
    let up = |body: &str| {
        let text = format!("{head}{body}");
        let s = liquibase(&text).unwrap();
        s[0].up.map(|u| text[u.start..u.end].to_string())
    };
    // A bare `\r` ends a line (Java's readLine): the DROP after a rollback is changeset SQL.
    assert_eq!(
        up("SELECT 1;\n--rollback SELECT 2;\rDROP TABLE users;\n").as_deref(),
        Some("SELECT 1;\n--rollback SELECT 2;\rDROP TABLE users;")
    );
    // ignoreLines only in column one, `start`/`end` exactly; otherwise the lines run.
    assert_eq!(
        up("  --ignoreLines:start\nDROP TABLE users;\n  --ignoreLines:end\n").as_deref(),
        Some("  --ignoreLines:start\nDROP TABLE users;\n  --ignoreLines:end")
    );
    assert_eq!(
        up("--ignoreLines: 1\nDROP TABLE users;\n").as_deref(),
        Some("--ignoreLines: 1\nDROP TABLE users;")
    );
    assert_eq!(
        up("--ignoreLines:1\nDROP TABLE users;\nSELECT 1;\n").as_deref(),
        Some("SELECT 1;")
    );
    // `--ignoreLines:END` does not end the block: the rest is ignored.
    assert_eq!(
        up("SELECT 1;\n--ignoreLines:start\nx\n--ignoreLines:END\nDROP TABLE users;\n").as_deref(),
        Some("SELECT 1;")
    );
    assert!(
        matches!(sets("--ignoreLines:START\nSELECT 1;\n"), Err(r) if r.message.contains("ignoreLines"))
    );
    // Misspelled directives stop Liquibase.
    for body in [
        "SELECT 1;\n-rollback DROP TABLE users;\n",
        "SELECT 1;\n--changeset b: 2\nSELECT 2;\n",
        "SELECT 1;\n--changesetb:2\nSELECT 2;\n",
        "SELECT 1;\n--comments: x\n",
        "--precondition-table-exists users\nSELECT 1;\n",
    ] {
        assert!(sets(body).is_err(), "{body:?}");
    }
    // runInTransaction: anything but `true` is false (Boolean.parseBoolean), the last one wins.
    let text = "--liquibase formatted sql\n--changeset a:1 runInTransaction:no\nSELECT 1;\n\
                --changeset a:2 runInTransaction:false runInTransaction:TRUE\nSELECT 2;\n";
    let s = liquibase(text).unwrap();
    assert!(!s[0].run_in_transaction && s[1].run_in_transaction);
    // A precondition's SQL check runs.
    let text = format!(
        "{head}--precondition-sql-check expectedResult:0 DELETE FROM users RETURNING 0\nSELECT 1;\n"
    );
    let s = liquibase(&text).unwrap();
    assert_eq!(
        &text[s[0].checks[0].start..s[0].checks[0].end],
        "DELETE FROM users RETURNING 0"
    );
    // The header must be in column one.
    assert!(!is_liquibase(
        "  --liquibase formatted sql\n--changeset a:1\nSELECT 1;\n"
    ));
}

#[test]
fn sqitch_plan_order_and_reworks() {
    let plan = "%syntax-version=1.0.0\n%project=shop\n\n\
                users 2024-01-01T00:00:00Z Alice <a@x> # Add users\n\
                orders [users] 2024-01-02T00:00:00Z Alice <a@x>\n\
                @v1.0 2024-01-03T00:00:00Z Alice <a@x>\n\n\
                users [users@v1.0] 2024-01-04T00:00:00Z Alice <a@x> # Rework\n";
    let changes = sqitch_plan(plan);
    let names: Vec<_> = changes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["users", "orders", "users"]);
    assert_eq!(changes[0].scripts, ["users@v1.0"]);
    assert_eq!(changes[2].scripts, ["users"]);
}

#[test]
fn up_down_names() {
    assert_eq!(
        parse_up_down("000002_add_orders.up.sql"),
        Some(UpDownName {
            version: "000002".into(),
            stem: "000002_add_orders".into(),
            up: true
        })
    );
    assert_eq!(parse_up_down("2_x.down.sql").map(|n| n.up), Some(false));
    assert_eq!(parse_up_down("v2_x.up.sql"), None);
    assert_eq!(parse_up_down("2_x.sql"), None);
    assert_eq!(parse_up_down("2.up.sql"), None);
}

#[test]
fn flyway_names() {
    match parse_flyway("V1_2__add_users.sql") {
        Some(FlywayName::Versioned {
            version, undo, key, ..
        }) => {
            assert_eq!(version, "1_2");
            assert!(!undo);
            assert_eq!(key, num("1.2"));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        parse_flyway("U3__undo.sql"),
        Some(FlywayName::Versioned { undo: true, .. })
    ));
    assert!(matches!(
        parse_flyway("R__views.sql"),
        Some(FlywayName::Repeatable { .. })
    ));
    assert_eq!(parse_flyway("V__x.sql"), None);
    assert_eq!(parse_flyway("Vx__x.sql"), None);
    assert_eq!(parse_flyway("V1_x.sql"), None);
    assert_eq!(parse_flyway("B1__baseline.sql"), None);
}

#[test]
fn directory_names() {
    assert_eq!(
        parse_diesel_dir("2024-01-31-101500_create_users").as_deref(),
        Some("2024-01-31-101500")
    );
    assert_eq!(
        parse_diesel_dir("00000000000000_diesel_initial_setup").as_deref(),
        Some("00000000000000")
    );
    assert_eq!(parse_diesel_dir("create_users"), None);
    assert_eq!(
        parse_prisma_dir("20240131101500_init").as_deref(),
        Some("20240131101500")
    );
    assert_eq!(parse_prisma_dir("init"), None);
}
