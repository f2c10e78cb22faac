//! Discovery end to end, on temporary trees and on the fixtures.

use std::fs;
use std::path::{Path, PathBuf};

use super::tools::parse_up_down_any_extension;
use super::*;
use crate::config::Config;

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn run(paths: &[PathBuf]) -> MigrationSet {
    discover(paths, &Config::default())
}

fn run_dir(root: &Path) -> MigrationSet {
    run(&[root.to_path_buf()])
}

fn file_of(m: &Migration) -> String {
    let p = m.source.display_path();
    p.rsplit('/').next().unwrap_or(&p).to_string()
}

/// `file:direction` for each unit, in order.
fn order(set: &MigrationSet) -> Vec<String> {
    set.units
        .iter()
        .map(|m| format!("{}:{}", file_of(m), m.direction.name()))
        .collect()
}

fn text(m: &Migration) -> &str {
    m.source.slice(m.range)
}

fn line(m: &Migration) -> usize {
    m.source.line_col(m.range.start).line
}

fn assert_paired(set: &MigrationSet, up: usize, down: usize) {
    assert_eq!(
        set.units[up].pair,
        Some(MigrationId(down)),
        "up {up} should pair with {down}"
    );
    assert_eq!(
        set.units[down].pair,
        Some(MigrationId(up)),
        "down {down} should pair with {up}"
    );
}

#[test]
fn golang_migrate_orders_versions_numerically_and_pairs_up_with_down() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "10_c.up.sql", "SELECT 10;\n");
    write(root, "2_b.up.sql", "SELECT 2;\n");
    write(root, "2_b.down.sql", "SELECT -2;\n");
    write(root, "1_a.up.sql", "SELECT 1;\n");
    write(root, "1_a.down.sql", "SELECT -1;\n");
    let set = run_dir(root);
    assert!(set.problems.is_empty(), "{:?}", set.problems);
    assert_eq!(
        order(&set),
        [
            "1_a.up.sql:up",
            "1_a.down.sql:down",
            "2_b.up.sql:up",
            "2_b.down.sql:down",
            "10_c.up.sql:up"
        ]
    );
    assert!(set.units.iter().all(|m| m.layout == Layout::GolangMigrate));
    assert_eq!(set.units[0].version.as_deref(), Some("1"));
    assert_eq!(set.units[0].name, "1_a");
    assert_paired(&set, 0, 1);
    assert_paired(&set, 2, 3);
    assert_eq!(set.units[4].pair, None);
    let t = &set.units[0].transaction;
    assert!(!t.wrapped());
    assert!(t.reason.contains("implicit transaction"), "{}", t.reason);
    assert!(Layout::GolangMigrate.sends_unit_as_one_query());
    assert!(!Layout::Goose.sends_unit_as_one_query());
}

#[test]
fn sqlx_is_detected_from_no_transaction_or_cargo_toml() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // `-- no-transaction` at the very start marks sqlx (golang-migrate has no such directive).
    write(root, "a/1_users.up.sql", "CREATE TABLE users (id int);\n");
    write(root, "a/1_users.down.sql", "DROP TABLE users;\n");
    write(
        root,
        "a/2_idx.up.sql",
        "-- no-transaction\nCREATE INDEX CONCURRENTLY i ON users (id);\n",
    );
    write(
        root,
        "a/2_idx.down.sql",
        "\n-- no-transaction\nDROP INDEX CONCURRENTLY i;\n",
    );
    // Cargo.toml next to the migrations folder marks sqlx too; simple migrations are sqlx then.
    write(root, "b/Cargo.toml", "[package]\nname = \"app\"\n");
    write(
        root,
        "b/migrations/20240101000000_init.sql",
        "CREATE TABLE t (id int);\n",
    );
    // Without any hint, a `{version}_{name}.sql` file is plain.
    write(root, "c/0001_init.sql", "CREATE TABLE t (id int);\n");
    let set = run_dir(root);
    assert!(set.problems.is_empty(), "{:?}", set.problems);
    let by_file = |f: &str| set.units.iter().find(|m| file_of(m) == f).unwrap();
    for f in [
        "1_users.up.sql",
        "2_idx.up.sql",
        "2_idx.down.sql",
        "20240101000000_init.sql",
    ] {
        assert_eq!(by_file(f).layout, Layout::Sqlx, "{f}");
    }
    assert!(by_file("1_users.up.sql").transaction.wrapped());
    assert!(!by_file("2_idx.up.sql").transaction.wrapped());
    // The directive must be the very first bytes of the file.
    assert!(by_file("2_idx.down.sql").transaction.wrapped());
    assert!(
        by_file("20240101000000_init.sql")
            .transaction
            .reason
            .contains("Cargo.toml")
    );
    assert_eq!(by_file("0001_init.sql").layout, Layout::Plain);
}

#[test]
fn diesel_directories_and_run_in_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "migrations/2024-02-01-000000_idx/up.sql",
        "CREATE INDEX CONCURRENTLY i ON t (c);\n",
    );
    write(
        root,
        "migrations/2024-02-01-000000_idx/down.sql",
        "DROP INDEX CONCURRENTLY i;\n",
    );
    write(
        root,
        "migrations/2024-02-01-000000_idx/metadata.toml",
        "run_in_transaction = false\n",
    );
    write(
        root,
        "migrations/2024-01-01-000000_create_t/up.sql",
        "CREATE TABLE t (c int);\n",
    );
    write(
        root,
        "migrations/2024-01-01-000000_create_t/down.sql",
        "DROP TABLE t;\n",
    );
    let set = run_dir(&root.join("migrations"));
    assert!(set.problems.is_empty(), "{:?}", set.problems);
    let dirs: Vec<_> = set
        .units
        .iter()
        .map(|m| format!("{}:{}", m.name, m.direction.name()))
        .collect();
    assert_eq!(
        dirs,
        [
            "2024-01-01-000000_create_t:up",
            "2024-01-01-000000_create_t:down",
            "2024-02-01-000000_idx:up",
            "2024-02-01-000000_idx:down"
        ]
    );
    assert!(set.units.iter().all(|m| m.layout == Layout::Diesel));
    assert_paired(&set, 0, 1);
    assert_paired(&set, 2, 3);
    assert!(set.units[0].transaction.wrapped());
    assert!(!set.units[2].transaction.wrapped());
    assert!(!set.units[3].transaction.wrapped());
    assert_eq!(set.units[2].version.as_deref(), Some("2024-02-01-000000"));
}

#[test]
fn diesel_bad_metadata_is_a_problem() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "2024-01-01-000000_x/up.sql", "SELECT 1;\n");
    write(
        dir.path(),
        "2024-01-01-000000_x/metadata.toml",
        "run_in_transaction = \n",
    );
    let set = run_dir(dir.path());
    assert_eq!(set.units.len(), 1);
    assert!(set.units[0].transaction.wrapped());
    assert_eq!(set.problems.len(), 1);
    assert!(
        set.problems[0].message.starts_with("invalid metadata.toml"),
        "{:?}",
        set.problems
    );
}

#[test]
fn flyway_order_undo_repeatable_and_transactions() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "V1__create_t.sql", "CREATE TABLE t (c int);\n");
    write(root, "V1.10__ten.sql", "SELECT 10;\n");
    write(
        root,
        "V1.2__idx.sql",
        "-- build online\nCREATE INDEX CONCURRENTLY i ON t (c);\n",
    );
    write(root, "V1.1__one.sql", "SELECT 1;\n");
    write(
        root,
        "V2__mixed.sql",
        "SET lock_timeout = '1s';\nCREATE INDEX CONCURRENTLY j ON t (c);\n",
    );
    write(root, "U2__undo_mixed.sql", "DROP INDEX j;\n");
    write(root, "V3__conf.sql", "SELECT 3;\n");
    write(
        root,
        "V3__conf.sql.conf",
        "# per-script settings\nexecuteInTransaction=false\n",
    );
    write(
        root,
        "R__view.sql",
        "CREATE OR REPLACE VIEW v AS SELECT 1;\n",
    );
    write(root, "notes.sql", "SELECT 'not a migration';\n");
    let set = run_dir(root);
    assert!(set.problems.is_empty(), "{:?}", set.problems);
    assert_eq!(
        order(&set),
        [
            "V1__create_t.sql:up",
            "V1.1__one.sql:up",
            "V1.2__idx.sql:up",
            "V1.10__ten.sql:up",
            "V2__mixed.sql:up",
            "U2__undo_mixed.sql:down",
            "V3__conf.sql:up",
            "R__view.sql:repeatable",
            "notes.sql:up"
        ]
    );
    assert_paired(&set, 4, 5);
    assert_eq!(set.units[7].pair, None);
    let tx = |i: usize| &set.units[i].transaction;
    assert!(tx(0).wrapped());
    assert!(
        !tx(2).wrapped(),
        "Flyway runs a CONCURRENTLY migration outside a transaction"
    );
    assert!(tx(2).reason.contains("line 2"), "{}", tx(2).reason);
    assert!(!tx(4).wrapped());
    assert!(tx(4).reason.contains("mixed"), "{}", tx(4).reason);
    assert!(!tx(6).wrapped());
    assert!(
        tx(6).reason.contains("V3__conf.sql.conf"),
        "{}",
        tx(6).reason
    );
    // A file Flyway will not pick up is still linted, as plain, after the migrations.
    assert_eq!(set.units[8].layout, Layout::Plain);
    assert!(
        set.units[8]
            .transaction
            .reason
            .contains("flyway will not apply"),
        "{}",
        set.units[8].transaction.reason
    );
}

#[test]
fn prisma_migration_folders() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "migrations/migration_lock.toml",
        "provider = \"postgresql\"\n",
    );
    write(
        root,
        "migrations/20240201000000_b/migration.sql",
        "SELECT 2;\n",
    );
    write(
        root,
        "migrations/20240101000000_a/migration.sql",
        "SELECT 1;\n",
    );
    let set = run_dir(root);
    assert!(set.problems.is_empty(), "{:?}", set.problems);
    let names: Vec<_> = set.units.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["20240101000000_a", "20240201000000_b"]);
    assert!(
        set.units
            .iter()
            .all(|m| m.layout == Layout::Prisma && m.direction == Direction::Up)
    );
    assert!(!set.units[0].transaction.wrapped());
}

#[test]
fn goose_sections_have_real_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "00002_idx.sql",
        "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY i ON t (c);\n\n-- +goose Down\nDROP INDEX CONCURRENTLY i;\n",
    );
    write(
        root,
        "00010_later.sql",
        "-- +goose Up\n-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n-- +goose StatementEnd\n",
    );
    write(
        root,
        "00001_t.sql",
        "-- +goose Up\n-- rollsafe:contract approved-by=alice ticket=DB-1\nDROP TABLE old;\n-- +goose Down\nCREATE TABLE old (id int);\n",
    );
    let set = run_dir(root);
    assert!(set.problems.is_empty(), "{:?}", set.problems);
    assert_eq!(
        order(&set),
        [
            "00001_t.sql:up",
            "00001_t.sql:down",
            "00002_idx.sql:up",
            "00002_idx.sql:down",
            "00010_later.sql:up"
        ]
    );
    assert!(set.units.iter().all(|m| m.layout == Layout::Goose));
    assert_eq!(
        text(&set.units[0]),
        "-- rollsafe:contract approved-by=alice ticket=DB-1\nDROP TABLE old;"
    );
    assert_eq!(line(&set.units[0]), 2);
    assert_eq!(text(&set.units[1]), "CREATE TABLE old (id int);");
    assert_eq!(line(&set.units[1]), 5);
    assert_eq!(text(&set.units[2]), "CREATE INDEX CONCURRENTLY i ON t (c);");
    assert_eq!(line(&set.units[2]), 3);
    assert_eq!(line(&set.units[3]), 6);
    assert_eq!(
        text(&set.units[4]),
        "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;"
    );
    assert_paired(&set, 0, 1);
    assert_paired(&set, 2, 3);
    assert!(set.units[0].transaction.wrapped());
    assert!(!set.units[2].transaction.wrapped());
    assert!(
        !set.units[3].transaction.wrapped(),
        "NO TRANSACTION applies to the down section too"
    );
    assert_eq!(set.units[0].version.as_deref(), Some("00001"));
}

#[test]
fn dbmate_sections_and_per_section_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "20240101000000_idx.sql",
        "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (c);\n\n-- migrate:down\nDROP INDEX i;\n",
    );
    let set = run_dir(root);
    assert!(set.problems.is_empty(), "{:?}", set.problems);
    assert_eq!(
        order(&set),
        ["20240101000000_idx.sql:up", "20240101000000_idx.sql:down"]
    );
    assert!(set.units.iter().all(|m| m.layout == Layout::Dbmate));
    assert_eq!(text(&set.units[0]), "CREATE INDEX CONCURRENTLY i ON t (c);");
    assert_eq!((line(&set.units[0]), line(&set.units[1])), (2, 5));
    assert!(!set.units[0].transaction.wrapped());
    assert!(set.units[1].transaction.wrapped());
    assert_paired(&set, 0, 1);
    assert_eq!(set.units[0].version.as_deref(), Some("20240101000000"));
}

#[test]
fn sqitch_follows_the_plan() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "sqitch.plan",
        "%syntax-version=1.0.0\n%project=shop\n\nusers 2024-01-01T00:00:00Z A <a@x.org>\norders [users] 2024-01-02T00:00:00Z A <a@x.org>\n",
    );
    for kind in ["deploy", "revert", "verify"] {
        write(root, &format!("{kind}/users.sql"), "SELECT 'users';\n");
        write(root, &format!("{kind}/orders.sql"), "SELECT 'orders';\n");
    }
    write(root, "deploy/stray.sql", "SELECT 1;\n");
    let set = run_dir(root);
    assert!(set.problems.is_empty(), "{:?}", set.problems);
    let got: Vec<_> = set
        .units
        .iter()
        .map(|m| format!("{}:{}", m.name, m.direction.name()))
        .collect();
    assert_eq!(
        got,
        [
            "users:up",
            "users:verify",
            "users:down",
            "orders:up",
            "orders:verify",
            "orders:down",
            "stray:up"
        ]
    );
    assert!(
        set.units[..6]
            .iter()
            .all(|m| m.layout == Layout::Sqitch && !m.transaction.wrapped())
    );
    assert_paired(&set, 0, 2);
    assert_eq!(set.units[1].pair, None);
    assert_eq!(set.units[6].layout, Layout::Plain);
    assert!(set.units[6].transaction.reason.contains("sqitch.plan"));
}

#[test]
fn liquibase_changesets_in_file_order() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "changelog.sql",
        "--liquibase formatted sql\n\n--changeset alice:20\nCREATE TABLE b (id int);\n--rollback DROP TABLE b;\n\n\
         --changeset alice:3 runInTransaction:false\nCREATE INDEX CONCURRENTLY i ON b (id);\n\
         --rollback DROP INDEX CONCURRENTLY i;\n",
    );
    let set = run_dir(root);
    assert!(set.problems.is_empty(), "{:?}", set.problems);
    let got: Vec<_> = set
        .units
        .iter()
        .map(|m| format!("{}:{}", m.name, m.direction.name()))
        .collect();
    assert_eq!(got, ["20:up", "20:down", "3:up", "3:down"]);
    assert_eq!(set.units[0].version.as_deref(), Some("alice:20"));
    assert_eq!(text(&set.units[1]), "DROP TABLE b;");
    assert_eq!(line(&set.units[1]), 5);
    assert!(set.units[0].transaction.wrapped());
    assert!(!set.units[2].transaction.wrapped());
    assert!(!set.units[3].transaction.wrapped());
    assert_paired(&set, 0, 1);
    assert_paired(&set, 2, 3);
}

#[test]
fn plain_files_follow_the_config() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "schema.sql", "CREATE TABLE t (id int);\n");
    let set = run_dir(dir.path());
    assert_eq!(set.units[0].layout, Layout::Plain);
    assert!(!set.units[0].transaction.wrapped());
    let config = Config {
        plain_in_transaction: true,
        ..Config::default()
    };
    let set = discover(&[dir.path().to_path_buf()], &config);
    assert!(set.units[0].transaction.wrapped());
}

#[test]
fn forced_layout_wins_over_detection() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "1_a.up.sql", "-- +goose Up\nSELECT 1;\n");
    let config = Config {
        layout: Some(Layout::Plain),
        ..Config::default()
    };
    let set = discover(&[dir.path().to_path_buf()], &config);
    assert_eq!(set.units.len(), 1);
    assert_eq!(set.units[0].layout, Layout::Plain);
    assert_eq!(
        set.units[0].range,
        Span::new(0, set.units[0].source.text.len())
    );
    let config = Config {
        layout: Some(Layout::Sqlx),
        ..Config::default()
    };
    let set = discover(&[dir.path().to_path_buf()], &config);
    assert_eq!(set.units[0].layout, Layout::Sqlx);
    assert!(set.units[0].transaction.wrapped());
}

#[test]
fn include_and_exclude_globs() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "db/1_a.up.sql", "SELECT 1;\n");
    write(root, "db/1_a.down.sql", "SELECT 1;\n");
    write(root, "db/legacy/old.sql", "SELECT 1;\n");
    write(root, "other/x.sql", "SELECT 1;\n");
    let config = Config {
        path: Some(root.join("rollsafe.toml")),
        include: vec!["db/**".into()],
        exclude: vec!["*.down.sql".into(), "db/legacy".into()],
        ..Config::default()
    };
    let set = discover(&[root.to_path_buf()], &config);
    assert!(set.problems.is_empty(), "{:?}", set.problems);
    assert_eq!(order(&set), ["1_a.up.sql:up"]);
    // Exclude also applies to a file named on the command line; include does not.
    let set = discover(
        &[root.join("db/1_a.down.sql"), root.join("other/x.sql")],
        &config,
    );
    assert_eq!(order(&set), ["x.sql:up"]);
}

#[cfg(unix)]
#[test]
fn symlink_loop_is_a_problem_and_the_walk_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "a/1_x.up.sql", "SELECT 1;\n");
    std::os::unix::fs::symlink(root.join("a"), root.join("a/loop")).unwrap();
    // A symlink to a file inside the tree: the tool runs it as migration 1 and as 2, so it is
    // checked as both.
    std::os::unix::fs::symlink(root.join("a/1_x.up.sql"), root.join("a/2_same.up.sql")).unwrap();
    let set = run_dir(root);
    assert_eq!(order(&set), ["1_x.up.sql:up", "2_same.up.sql:up"]);
    assert_eq!(set.problems.len(), 1, "{:?}", set.problems);
    let p = &set.problems[0];
    assert!(p.path.ends_with("a/loop"), "{p:?}");
    assert!(p.message.contains("symbolic link loop"), "{p:?}");
}

#[test]
fn invalid_utf8_and_nul_bytes_name_the_offset() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join("bad.sql"), b"SELECT 'caf\xe9';\n").unwrap();
    fs::write(root.join("bin.sql"), b"SELECT 1;\0\x01\x02").unwrap();
    write(root, "good.sql", "SELECT 1;\n");
    let set = run_dir(root);
    assert_eq!(order(&set), ["good.sql:up"]);
    assert_eq!(set.problems.len(), 2);
    assert!(set.problems[0].path.ends_with("bad.sql"));
    assert_eq!(set.problems[0].message, "not valid UTF-8 at byte 11");
    assert_eq!(set.problems[0].offset, Some(11));
    assert!(set.problems[1].path.ends_with("bin.sql"));
    assert_eq!(
        set.problems[1].message,
        "contains a NUL byte at byte 9; is it a binary file?"
    );
    assert_eq!(set.problems[1].offset, Some(9));
}

#[test]
fn directory_named_like_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "weird.sql/inner.sql", "SELECT 1;\n");
    write(root, "top.sql", "SELECT 1;\n");
    // Walking: `weird.sql` is a directory, not a file: it is skipped, silently.
    let set = run_dir(root);
    assert!(set.problems.is_empty(), "{:?}", set.problems);
    assert_eq!(order(&set), ["top.sql:up"]);
    // Named explicitly, it is walked as a directory.
    let set = run(&[root.join("weird.sql")]);
    assert!(set.problems.is_empty(), "{:?}", set.problems);
    assert_eq!(order(&set), ["inner.sql:up"]);
}

#[test]
fn missing_path_and_explicit_non_sql_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "notes.txt", "SELECT 1;\n");
    write(root, "skipped.txt", "SELECT 1;\n");
    let set = run(&[root.join("nope.sql"), root.join("notes.txt")]);
    assert_eq!(order(&set), ["notes.txt:up"]);
    assert_eq!(set.problems.len(), 1);
    assert!(set.problems[0].path.ends_with("nope.sql"));
    assert_eq!(set.problems[0].message, "no such file or directory");
    // Walking picks `.sql` files only.
    assert!(run_dir(root).units.is_empty());
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_a_problem() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("locked.sql");
    fs::write(&path, "SELECT 1;\n").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&path).is_ok() {
        return; // running as root: permissions are not enforced
    }
    let set = run_dir(dir.path());
    assert!(set.units.is_empty());
    assert_eq!(set.problems.len(), 1);
    assert!(
        set.problems[0].message.contains("permission denied"),
        "{:?}",
        set.problems
    );
}

#[test]
fn from_text_detects_the_layout_from_the_name_and_content() {
    let config = Config::default();
    let set = from_text(
        "no-such-dir/db/000003_x.up.sql".into(),
        "SELECT 1;\n".into(),
        &config,
    );
    assert_eq!(set.units.len(), 1);
    assert_eq!(set.units[0].layout, Layout::GolangMigrate);
    assert_eq!(
        set.units[0].source.display_path(),
        "no-such-dir/db/000003_x.up.sql"
    );

    let set = from_text(
        "migrations/00004_y.sql".into(),
        "-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 2;\n".into(),
        &config,
    );
    assert_eq!(order(&set), ["00004_y.sql:up", "00004_y.sql:down"]);
    assert_eq!(text(&set.units[1]), "SELECT 2;");

    let set = from_text("x.sql".into(), "SELECT\0".into(), &config);
    assert!(set.units.is_empty());
    assert_eq!(set.problems[0].offset, Some(6));
}

#[test]
fn output_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..200 {
        write(
            dir.path(),
            &format!("d{}/{i}_m.up.sql", i % 7),
            "SELECT 1;\n",
        );
    }
    let a = order(&run_dir(dir.path()));
    let b = order(&run_dir(dir.path()));
    assert_eq!(a.len(), 200);
    assert_eq!(a, b);
}

/// Every fixture tree is detected as its tool, without problems, in the tool's order.
#[test]
fn fixtures_are_detected_as_their_layout() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for layout in Layout::ALL {
        let set = run(&[root.join(layout.name())]);
        assert!(
            set.problems.is_empty(),
            "{}: {:?}",
            layout.name(),
            set.problems
        );
        assert!(
            set.units.iter().all(|m| m.layout == layout),
            "{}: {:?}",
            layout.name(),
            set.units
                .iter()
                .map(|m| (file_of(m), m.layout))
                .collect::<Vec<_>>()
        );
        let ups = set
            .units
            .iter()
            .filter(|m| m.direction == Direction::Up)
            .count();
        assert!((2..=4).contains(&ups), "{}: {ups} up units", layout.name());
        // The contract step comes last among the up units.
        let last_up = set
            .units
            .iter()
            .rev()
            .find(|m| m.direction == Direction::Up)
            .unwrap();
        assert!(
            text(last_up).contains("DROP COLUMN"),
            "{}: {}",
            layout.name(),
            text(last_up)
        );
        // Every unit with a down has it paired.
        for (i, m) in set.units.iter().enumerate() {
            if let Some(p) = m.pair {
                assert_eq!(
                    set.units[p.index()].pair.map(|_| ()),
                    Some(()),
                    "{}: unit {i}",
                    layout.name()
                );
            }
        }
    }
}

#[test]
fn a_lone_tool_file_does_not_make_a_folder_of_plain_files_strays() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for name in ["a.sql", "b.sql", "c.sql"] {
        write(root, name, "SELECT 1;\n");
    }
    write(root, "V1__looks_like_flyway.sql", "SELECT 1;\n");
    let set = run_dir(root);
    let plain: Vec<_> = set
        .units
        .iter()
        .filter(|m| m.layout == Layout::Plain)
        .collect();
    assert_eq!(plain.len(), 3);
    assert!(
        plain
            .iter()
            .all(|m| !m.transaction.reason.contains("will not apply"))
    );
}

#[test]
fn golang_migrate_runs_any_extension() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "1_a.up.sql", "CREATE TABLE a (x int);\n");
    write(root, "1_a.down.sql", "DROP TABLE a;\n");
    write(root, "2_b.up.txt", "DROP TABLE users;\n");
    write(root, "2_b.down.psql", "SELECT 1;\n");
    write(root, "3_c.up.", "SELECT 3;\n");
    // Not golang-migrate's: the direction is case-sensitive, and a README is no migration.
    write(root, "4_d.UP.txt", "DROP TABLE x;\n");
    write(root, "notes.txt", "DROP TABLE x;\n");
    let set = run_dir(root);
    assert_eq!(
        order(&set),
        [
            "1_a.up.sql:up",
            "1_a.down.sql:down",
            "2_b.up.txt:up",
            "2_b.down.psql:down",
            "3_c.up.:up"
        ]
    );
    assert!(set.units.iter().all(|u| u.layout == Layout::GolangMigrate));
    assert_eq!(
        parse_up_down_any_extension("10_x.up.b.down.sql.bak").map(|n| (n.stem, n.up)),
        Some(("10_x.up.b".to_string(), false))
    );
}
