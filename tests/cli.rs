//! The command line on the example migrations and the catalog commands.

use std::fs;

use assert_cmd::Command;
use rollsafe::rules::Code;

fn rollsafe() -> Command {
    Command::cargo_bin("rollsafe").expect("the rollsafe binary is built")
}

fn stdout_of(cmd: &mut Command) -> (Option<i32>, String) {
    let out = cmd.output().expect("run rollsafe");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn rules_lists_every_code_with_name_and_severity() {
    let (code, out) = stdout_of(rollsafe().arg("rules"));
    assert_eq!(code, Some(0));
    for c in Code::ALL {
        let rule = c.rule();
        let line = out
            .lines()
            .find(|l| l.starts_with(c.as_str()))
            .unwrap_or_else(|| panic!("{c} missing from `rollsafe rules`"));
        assert!(
            line.contains(rule.name) && line.contains(rule.severity.name()),
            "{line}"
        );
    }
}

#[test]
fn every_rule_doc_has_the_required_sections() {
    for c in Code::ALL {
        let doc = c.rule().doc;
        assert!(
            doc.starts_with(&format!("# {c}: ")),
            "{c}: the doc must start with `# {c}: summary`"
        );
        for section in [
            "## What it flags",
            "## Example",
            "## Instead:",
            "## PostgreSQL versions",
        ] {
            assert!(doc.contains(section), "{c}: missing `{section}`");
        }
        assert!(
            doc.contains("## Why it is dangerous") || doc.contains("## Why it matters"),
            "{c}: missing the why section"
        );
        let on_disk = fs::read_to_string(format!("{}/rules/{c}.md", env!("CARGO_MANIFEST_DIR")))
            .expect("doc file");
        assert_eq!(on_disk, doc, "{c}: the embedded doc is rules/{c}.md");
    }
}

#[test]
fn explain_prints_the_embedded_doc() {
    let (code, out) = stdout_of(rollsafe().args(["explain", "rs001"]));
    assert_eq!(code, Some(0));
    assert!(out.starts_with(Code::RS001.rule().doc));
    assert!(out.contains("Default severity: error"));
}

#[test]
fn readme_rule_table_is_generated_from_the_docs() {
    let readme =
        fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let start = readme
        .find("<!-- rules-table:start -->\n")
        .expect("table start marker")
        + "<!-- rules-table:start -->\n".len();
    let end = readme
        .find("<!-- rules-table:end -->")
        .expect("table end marker");
    assert_eq!(
        &readme[start..end],
        rollsafe::cli::rules_markdown(),
        "README's rule table is stale: replace it with the output of `rollsafe rules --markdown`"
    );
}

#[test]
fn init_writes_a_config_that_check_accepts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, _) = stdout_of(rollsafe().arg("init").current_dir(dir.path()));
    assert_eq!(code, Some(0));
    assert!(dir.path().join("rollsafe.toml").is_file());
    // A second init refuses to overwrite.
    let (code, _) = stdout_of(rollsafe().arg("init").current_dir(dir.path()));
    assert_eq!(code, Some(2));
    fs::write(dir.path().join("001_a.sql"), "CREATE TABLE a (id int);\n").expect("write");
    let (code, out) = stdout_of(
        rollsafe()
            .args(["check", "--format", "compact", "001_a.sql"])
            .current_dir(dir.path()),
    );
    assert_eq!(code, Some(0), "{out}");
}

#[test]
fn config_severity_override_and_off() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("001_a.sql"), "DROP TABLE a;\n").expect("write");
    fs::write(
        dir.path().join("rollsafe.toml"),
        "[rules]\nRS001 = \"warning\"\n",
    )
    .expect("write");
    let (code, out) = stdout_of(
        rollsafe()
            .args(["check", "--format", "compact", "001_a.sql"])
            .current_dir(dir.path()),
    );
    assert_eq!(
        code,
        Some(0),
        "a warning does not fail the default --fail-on error: {out}"
    );
    assert!(out.contains("warning[RS001]"), "{out}");
    let (code, _) = stdout_of(
        rollsafe()
            .args(["check", "--fail-on", "warning", "001_a.sql"])
            .current_dir(dir.path()),
    );
    assert_eq!(code, Some(1));
    fs::write(
        dir.path().join("rollsafe.toml"),
        "[rules]\nRS001 = \"off\"\n",
    )
    .expect("write");
    let (_, out) = stdout_of(
        rollsafe()
            .args(["check", "--format", "compact", "001_a.sql"])
            .current_dir(dir.path()),
    );
    assert!(!out.contains("RS001"), "{out}");
    // With RS001 off, the drop still needs a recovery path.
    assert!(out.contains("error[RS406]"), "{out}");
}

#[test]
fn human_output_has_no_colour_when_not_a_terminal() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("001_a.sql"), "-- header\nDROP TABLE a;\n").expect("write");
    let (code, out) = stdout_of(
        rollsafe()
            .args(["check", "--format", "human", "001_a.sql"])
            .current_dir(dir.path()),
    );
    assert_eq!(code, Some(1));
    assert!(!out.contains('\u{1b}'), "no ANSI escapes: {out}");
    assert!(
        out.contains("RS001") && out.contains("DROP TABLE a;") && out.contains("001_a.sql:2:1"),
        "{out}"
    );
    assert!(out.contains("help:"), "{out}");
    assert!(
        out.trim_end().ends_with(
            "rollsafe: 1 error, 1 warning, 0 notes, 0 suppressed in 1 file (1 statement)"
        ),
        "{out}"
    );
}

#[test]
fn contract_markers_approve_and_stay_visible() {
    let dir = tempfile::tempdir().expect("tempdir");
    // RS406: a step that loses data names its recovery path.
    let sql = "-- rollsafe:contract approved-by=alice ticket=DB-142 after=2026-01-15 recovery=restore-from-backup\n\
               ALTER TABLE users DROP COLUMN nickname;\n";
    fs::write(dir.path().join("001_a.sql"), sql).expect("write");
    let run = |today: &str| {
        stdout_of(
            rollsafe()
                .args(["check", "--format", "json", "--today", today, "001_a.sql"])
                .current_dir(dir.path()),
        )
    };
    let (code, out) = run("2026-02-01");
    assert_eq!(code, Some(0), "approved and past the window: {out}");
    let json: serde_json::Value = serde_json::from_str(&out).expect("json");
    let d = &json["files"][0]["diagnostics"][0];
    assert_eq!(d["code"], "RS001");
    assert_eq!(d["suppressed"], true);
    assert_eq!(d["suppression"], "contract");
    assert!(
        d["justification"]
            .as_str()
            .unwrap_or("")
            .contains("approved-by=alice"),
        "{d}"
    );
    assert!(
        d["justification"]
            .as_str()
            .unwrap_or("")
            .contains("recovery=restore-from-backup"),
        "the recovery path is shown with the suppression: {d}"
    );
    let without = sql.replace(" recovery=restore-from-backup", "");
    fs::write(dir.path().join("001_a.sql"), &without).expect("write");
    let (code, out) = run("2026-02-01");
    assert_eq!(code, Some(1), "no recovery path: {out}");
    assert!(out.contains("\"RS406\""), "{out}");
    fs::write(dir.path().join("001_a.sql"), sql).expect("write");

    let (code, out) = run("2026-01-01");
    assert_eq!(code, Some(1), "window still open: {out}");
    assert!(
        out.contains("\"RS003\"") && !out.contains("\"RS001\""),
        "{out}"
    );

    let typo = sql.replace("approved-by", "aproved-by");
    fs::write(dir.path().join("001_a.sql"), typo).expect("write");
    let (code, out) = run("2026-02-01");
    assert_eq!(code, Some(1), "a typo approves nothing: {out}");
    assert!(
        out.contains("\"E003\"") && out.contains("\"RS004\""),
        "{out}"
    );
}

#[test]
fn stdin_is_linted_as_the_named_file() {
    let (code, out) = stdout_of(
        rollsafe()
            .args([
                "check",
                "--format",
                "compact",
                "--stdin-filename",
                "db/migrations/001_x.up.sql",
                "-",
            ])
            .write_stdin("SELECT 1;\nDROP TABLE users;\n"),
    );
    assert_eq!(code, Some(1));
    assert!(
        out.contains("db/migrations/001_x.up.sql:2:1: error[RS001]"),
        "{out}"
    );
}

/// One snapshot per example layout: the compact findings, stable because `--today` is fixed.
#[test]
fn fixtures_snapshot_per_layout() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
    let mut layouts: Vec<String> = fs::read_dir(root)
        .expect("fixtures/")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    layouts.sort();
    assert!(
        layouts.len() >= 10,
        "one fixture tree per layout: {layouts:?}"
    );
    for layout in layouts {
        let (code, out) = stdout_of(
            rollsafe()
                .args(["check", "--format", "compact", "--today", "2026-11-23"])
                .arg(format!("fixtures/{layout}"))
                .current_dir(env!("CARGO_MANIFEST_DIR")),
        );
        assert_eq!(
            code,
            Some(1),
            "{layout}: the examples contain an unapproved drop\n{out}"
        );
        assert!(out.contains("RS001"), "{layout}: {out}");
        insta::assert_snapshot!(format!("fixture_{}", layout.replace('-', "_")), out);
    }
}

#[test]
fn fixture_json_lists_every_statement_with_its_facts() {
    let (code, out) = stdout_of(
        rollsafe()
            .args([
                "check",
                "--format",
                "json",
                "--today",
                "2026-11-23",
                "fixtures/golang-migrate",
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR")),
    );
    assert_eq!(code, Some(1));
    let json: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(json["version"], 1);
    let files = json["files"].as_array().expect("files");
    let statements: usize = files
        .iter()
        .map(|f| f["statements"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(json["summary"]["statements"], statements);
    // Every statement is present, findings or not, with the documented fields.
    for f in files {
        for s in f["statements"].as_array().expect("statements") {
            for key in [
                "line",
                "column",
                "end_line",
                "end_column",
                "kind",
                "phase",
                "destructive",
                "locks",
                "rewrites",
                "idempotent",
                "transactional",
            ] {
                assert!(s.get(key).is_some(), "{key} missing in {s}");
            }
        }
    }
    insta::assert_json_snapshot!("fixture_golang_migrate_json", json);
}

#[test]
fn dropping_a_table_created_in_the_same_migration_needs_no_approval() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The scratch table's foreign key locks `users` too; that side lock must not make the
    // drop look like a contract step on an existing table.
    let sql = "CREATE TABLE scratch (id int, user_id bigint REFERENCES users (id));\n\
               DROP TABLE scratch;\n\
               ALTER TABLE users DROP COLUMN legacy;\n";
    fs::write(dir.path().join("001_a.sql"), sql).expect("write");
    let (_, out) = stdout_of(
        rollsafe()
            .args(["check", "--format", "compact", "001_a.sql"])
            .current_dir(dir.path()),
    );
    assert!(!out.contains("001_a.sql:2:1: error[RS001]"), "{out}");
    assert!(out.contains("001_a.sql:3:1: error[RS001]"), "{out}");
    assert!(
        out.contains("error[RS002]"),
        "CREATE TABLE and DROP COLUMN on users are mixed: {out}"
    );
}

/// Lint `sql` as `001_a.sql` (plain layout) in a fresh folder with `config` as rollsafe.toml;
/// returns the exit code and the compact output.
fn check_one(sql: &str, config: Option<&str>) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("001_a.sql"), sql).expect("write");
    if let Some(config) = config {
        fs::write(dir.path().join("rollsafe.toml"), config).expect("write");
    }
    stdout_of(
        rollsafe()
            .args([
                "check",
                "--format",
                "compact",
                "--today",
                "2026-02-01",
                "001_a.sql",
            ])
            .current_dir(dir.path()),
    )
}

#[test]
fn a_marker_that_covers_no_statement_is_rs005() {
    let (code, out) = check_one(
        "CREATE TABLE a (id int);\n-- rollsafe:allow RS101 reason=\"small\"\n",
        None,
    );
    assert!(out.contains("001_a.sql:2:3: error[RS005]"), "{out}");
    assert_eq!(code, Some(1), "{out}");
}

#[test]
fn break_glass_is_always_reported_and_cannot_be_allowed() {
    let sql = "-- rollsafe:break-glass incident=INC-1 approved-by=oncall reason=\"restore planned\" \
               recovery=restore-from-backup follow-up=DB-9\n\
               DROP TABLE a;\n";
    let (code, out) = check_one(sql, None);
    assert!(out.contains("001_a.sql:2:1: warning[RS006]"), "{out}");
    let rs001 = out.lines().find(|l| l.contains("[RS001]")).unwrap_or("");
    assert!(
        rs001.contains("(suppressed: rollsafe:break-glass"),
        "break-glass lets the drop through: {out}"
    );
    assert_eq!(code, Some(0), "{out}");
    // `allow RS006` is refused (E003) and does not hide the break-glass record.
    let sql = format!("-- rollsafe:allow RS006 reason=\"hide it\"\n{sql}");
    let (code, out) = check_one(&sql, None);
    assert!(
        out.contains("error[E003]") && out.contains("RS006 cannot be allowed"),
        "{out}"
    );
    assert!(out.contains("warning[RS006]"), "{out}");
    assert_eq!(code, Some(1), "{out}");
}

#[test]
fn opaque_statements_are_e004() {
    let (code, out) = check_one(
        "DO $$ BEGIN EXECUTE 'DROP TABLE ' || quote_ident(current_setting('app.t')); END $$;\n",
        None,
    );
    assert!(
        out.contains("001_a.sql:1:21: error[E004]")
            && out.contains("EXECUTE of SQL built at run time"),
        "{out}"
    );
    assert_eq!(
        code,
        Some(1),
        "what the gate cannot see fails closed: {out}"
    );
    // A DO block rollsafe fully understands is not E004.
    let (_, out) = check_one("DO $$ BEGIN PERFORM 1; END $$;\n", None);
    assert!(!out.contains("[E004]"), "{out}");
}

/// The three examples: each needs a contract marker, and the marker on the outer
/// statement approves what runs inside it.
#[test]
fn a_drop_inside_a_do_block_needs_a_contract() {
    let (code, out) = check_one("DO $$ BEGIN DROP TABLE users; END $$;\n", None);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains(
            "001_a.sql:1:13: error[RS001] destructive change (drops table users) inside this DO"
        ),
        "reported at the inner statement: {out}"
    );
    let approved = "-- rollsafe:contract approved-by=alice ticket=DB-1 recovery=restore-from-backup\nDO $$ BEGIN DROP TABLE users; END $$;\n";
    let (code, out) = check_one(approved, None);
    assert_eq!(code, Some(0), "the marker on the DO approves it: {out}");
    assert!(out.contains("(suppressed: rollsafe:contract"), "{out}");
}

#[test]
fn a_function_called_in_the_migration_is_followed() {
    let sql =
        "CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ DROP TABLE users $$;\nSELECT f();\n";
    let (code, out) = check_one(sql, None);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("001_a.sql:2:1: error[RS001] destructive change (drops table users) in f() at 001_a.sql:1:53, run by this SELECT"),
        "{out}"
    );
    // Defined and never called: nothing is dropped.
    let (_, out) = check_one(
        "CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ DROP TABLE users $$;\n",
        None,
    );
    assert!(!out.contains("[RS001]"), "{out}");
    // Called without being defined in the migrations: the gate cannot see it.
    let (code, out) = check_one("SELECT f();\n", None);
    assert!(
        out.contains("001_a.sql:1:1: error[E004]") && out.contains("a call of f()"),
        "{out}"
    );
    assert_eq!(code, Some(1), "{out}");
    let approved = "-- rollsafe:contract approved-by=alice ticket=DB-1 recovery=restore-from-backup\nSELECT f();\n";
    assert_eq!(check_one(approved, None).0, Some(0));
    let allowed = "-- rollsafe:allow E004 reason=\"f only logs\"\nSELECT f();\n";
    assert_eq!(check_one(allowed, None).0, Some(0));
}

#[test]
fn a_guarded_create_type_is_understood() {
    let sql = "DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN\n    CREATE TYPE mood AS ENUM ('happy', 'sad');\n  END IF;\nEND\n$$;\n";
    let (code, out) = check_one(sql, None);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.trim().is_empty(), "nothing to report: {out}");
}

#[test]
fn procedural_examples_snapshot() {
    let (code, out) = stdout_of(
        rollsafe()
            .args(["check", "--format", "compact", "--today", "2026-11-23"])
            .arg("tests/procedural")
            .current_dir(env!("CARGO_MANIFEST_DIR")),
    );
    assert_eq!(code, Some(1), "{out}");
    insta::assert_snapshot!("procedural_examples", out);
}

#[test]
fn rule_codes_in_the_config_match_in_any_case() {
    let sql = "CREATE TABLE a (id int);\nALTER TABLE b ADD COLUMN c int;\n";
    let (_, out) = check_one(sql, None);
    assert!(
        out.contains("[RS112]"),
        "RS112 fires without the config: {out}"
    );
    let (_, out) = check_one(sql, Some("[rules]\nrs112 = \"off\"\n"));
    assert!(
        !out.contains("[RS112]"),
        "`rs112 = \"off\"` turns RS112 off: {out}"
    );
    let (code, _) = check_one(sql, Some("[rules]\nrs999 = \"off\"\n"));
    assert_eq!(code, Some(2), "an unknown code is a config error");
}

#[test]
fn rule_files_are_named_after_their_rules() {
    for c in Code::ALL {
        let rule = c.rule();
        let file = format!(
            "{}/src/rules/{}_{}.rs",
            env!("CARGO_MANIFEST_DIR"),
            c.as_str().to_ascii_lowercase(),
            rule.name.replace('-', "_")
        );
        assert!(
            std::path::Path::new(&file).is_file(),
            "{c}: expected {file}"
        );
    }
}

/// Lint one file named `name` (its layout comes from the name) with `config`.
fn check_named(name: &str, sql: &str, config: Option<&str>) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join(name), sql).expect("write");
    if let Some(config) = config {
        fs::write(dir.path().join("rollsafe.toml"), config).expect("write");
    }
    stdout_of(
        rollsafe()
            .args([
                "check",
                "--format",
                "compact",
                "--today",
                "2026-02-01",
                name,
            ])
            .current_dir(dir.path()),
    )
}

#[test]
fn placeholders_are_read_as_the_tool_substitutes_them() {
    // Flyway: the file parses and is checked; the missing value is noted once (E005).
    let sql = "CREATE TABLE ${schema}.audit (id int);\nDROP TABLE ${schema}.old_audit;\n";
    let (code, out) = check_named("V3__audit.sql", sql, None);
    assert!(
        !out.contains("E001"),
        "placeholders are not syntax errors: {out}"
    );
    assert!(
        out.contains("V3__audit.sql:1:14: info[E005] `${schema}`"),
        "{out}"
    );
    assert_eq!(out.matches("[E005]").count(), 1, "{out}");
    assert!(
        out.contains("V3__audit.sql:2:1: error[RS001]"),
        "the drop behind the placeholder is still gated: {out}"
    );
    assert_eq!(code, Some(1));
    // With a value in rollsafe.toml: no note, same findings.
    let (_, out) = check_named(
        "V3__audit.sql",
        sql,
        Some("[placeholders]\nschema = \"app\"\n"),
    );
    assert!(
        !out.contains("E005") && out.contains("error[RS001]"),
        "{out}"
    );

    // A Go template (popx) in a golang-migrate file.
    let sql = "ALTER TABLE {{ index .Options \"Namespace\" }}.users ADD COLUMN age int;\n";
    let (_, out) = check_named("000002_age.up.sql", sql, None);
    assert!(!out.contains("E001") && out.contains("[E005]"), "{out}");

    // psql: `\set` gives the value; the drop is seen for what it is.
    let sql = "\\set tbl sessions\nDROP TABLE :tbl;\n";
    let (_, out) = check_named("001_a.sql", sql, None);
    assert!(!out.contains("E001") && !out.contains("E005"), "{out}");
    assert!(
        out.contains("001_a.sql:2:1: error[RS001]") && out.contains("sessions"),
        "{out}"
    );
}

/// psql includes (`\i`, `\ir` and their long spellings): the included file is linted as part
/// of the migration, at its own path and line, under the marker before the include; what
/// cannot be followed (a missing file, a cycle) is an error naming both files.
#[test]
fn psql_includes_are_linted_in_place_under_the_includers_markers() {
    let (code, out) = stdout_of(
        rollsafe()
            .args([
                "check",
                "--format",
                "compact",
                "--today",
                "2026-11-23",
                "migrations",
            ])
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/includes")),
    );
    assert_eq!(code, Some(1), "{out}");
    let unsuppressed_rs001: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("[RS001]") && !l.contains("(suppressed"))
        .collect();
    // Must fire: `\i` (relative to the working directory, quoted name) without a marker.
    assert_eq!(
        unsuppressed_rs001,
        [
            "shared/drop orders.sql:2:1: error[RS001] destructive change (drops table orders) without an approved contract marker"
        ],
        "{out}"
    );
    // Must not fire: the marker before `\ir` approves the included DROP, also two levels down
    // (a file-scoped marker, through shared/nested.sql).
    assert!(out.contains("shared/drop_users.sql:2:1: error[RS001] destructive change (drops table users) without an approved contract marker (suppressed: rollsafe:contract approved-by=alice"), "{out}");
    assert!(
        out.contains("(suppressed: rollsafe:contract approved-by=bob ticket=DB-7 recovery=restore-from-backup)"),
        "{out}"
    );
    // Errors that name the including file (and line) and the included one.
    assert!(
        out.contains("migrations/003_missing.sql:2:1: error[E002]")
            && out.contains("shared/nope.sql: no such file"),
        "{out}"
    );
    assert!(out.contains("shared/cycle_b.sql:2:1: error[E002]") && out.contains("include cycle: shared/cycle_a.sql includes shared/cycle_b.sql includes shared/cycle_a.sql"), "{out}");
    insta::assert_snapshot!("psql_includes", out);
}

#[test]
fn marker_near_misses_and_loose_dates_approve_nothing() {
    for near_miss in [
        "-- ROLLSAFE:contract approved-by=alice ticket=DB-1 recovery=restore-from-backup",
        "-- rollsafe :contract approved-by=alice ticket=DB-1 recovery=restore-from-backup",
        "-- rollsafe contract approved-by=alice ticket=DB-1 recovery=restore-from-backup",
    ] {
        let (code, out) = check_one(&format!("{near_miss}\nDROP TABLE a;\n"), None);
        assert_eq!(code, Some(1), "{out}");
        assert!(
            out.contains("001_a.sql:1:4: error[E003]"),
            "{near_miss}: {out}"
        );
        let rs001 = out.lines().find(|l| l.contains("[RS001]")).unwrap_or("");
        assert!(!rs001.contains("suppressed"), "{near_miss}: {out}");
    }
    // An ordinary comment that mentions rollsafe is not a marker.
    let (_, out) = check_one("-- rollsafe checks this file\nSELECT 1;\n", None);
    assert!(!out.contains("E003"), "{out}");
    // Dates are strictly YYYY-MM-DD: a loose spelling is E003, never a closed window.
    for date in ["2026-1-015", "+202-01-01", "2026/01/15"] {
        let sql = format!(
            "-- rollsafe:contract approved-by=alice ticket=DB-1 recovery=restore-from-backup after={date}\nDROP TABLE a;\n"
        );
        let (code, out) = check_one(&sql, None);
        assert_eq!(code, Some(1), "{date}: {out}");
        assert!(out.contains("error[E003]"), "{date}: {out}");
    }
}

#[test]
fn allow_cannot_cover_unparsed_statements() {
    let (code, out) = check_one(
        "-- rollsafe:allow E001 reason=\"tool syntax\"\nDROP TABLE a WHERE;\n",
        None,
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("E001 cannot be allowed"), "{out}");
    let e001 = out.lines().find(|l| l.contains("[E001]")).unwrap_or("");
    assert!(!e001.is_empty() && !e001.contains("suppressed"), "{out}");
}

/// popx (Ory) keeps one history per engine in one folder: `.mysql.`/`.sqlite3.` files of a
/// version are that engine's, not duplicates of the generic file; a real duplicate within one
/// engine still is; `.autocommit.` files run outside a transaction.
#[test]
fn popx_engine_files_are_separate_histories() {
    let dir = tempfile::tempdir().expect("tempdir");
    let m = dir.path().join("migrations");
    fs::create_dir(&m).expect("mkdir");
    let files = [
        (
            "1_networks.up.sql",
            "CREATE TABLE networks (id uuid PRIMARY KEY);\n",
        ),
        ("1_networks.down.sql", "DROP TABLE networks;\n"),
        (
            "1_networks.mysql.up.sql",
            "CREATE TABLE networks (id char(36) PRIMARY KEY);\n",
        ),
        ("1_networks.mysql.down.sql", "DROP TABLE networks;\n"),
        (
            "1_networks.sqlite3.up.sql",
            "CREATE TABLE networks (id TEXT PRIMARY KEY);\n",
        ),
        ("1_networks.sqlite3.down.sql", "DROP TABLE networks;\n"),
        ("2_idx.autocommit.up.sql", TWO_CONCURRENT),
        ("4_idx.up.sql", TWO_CONCURRENT),
        (
            "2_idx.autocommit.down.sql",
            "DROP INDEX CONCURRENTLY networks_id;\n",
        ),
        (
            "3_a.mysql.up.sql",
            "ALTER TABLE networks ADD COLUMN a int;\n",
        ),
        (
            "3_b.mysql.up.sql",
            "ALTER TABLE networks ADD COLUMN b int;\n",
        ),
    ];
    for (name, sql) in files {
        fs::write(m.join(name), sql).expect("write");
    }
    let (_, out) = stdout_of(
        rollsafe()
            .args([
                "check",
                "--format",
                "compact",
                "--fail-on",
                "never",
                "migrations",
            ])
            .current_dir(dir.path()),
    );
    let duplicates: Vec<&str> = out.lines().filter(|l| l.contains("RS403")).collect();
    assert_eq!(
        duplicates.len(),
        2,
        "only 3_a/3_b (both mysql) collide: {out}"
    );
    assert!(duplicates.iter().all(|l| l.contains("3_")), "{out}");
    // CONCURRENTLY outside a transaction: no transaction finding for the autocommit file,
    // while the same text in an ordinary file is one implicit transaction.
    assert!(
        !out.lines()
            .any(|l| l.contains("2_idx.autocommit.up.sql") && l.contains("RS302")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.contains("4_idx.up.sql") && l.contains("RS302")),
        "{out}"
    );
}

const TWO_CONCURRENT: &str = "CREATE INDEX CONCURRENTLY networks_id ON networks (id);\n\
                              CREATE INDEX CONCURRENTLY networks_id2 ON networks (id);\n";

#[test]
fn psql_reading_fixtures_snapshot() {
    // tests/psql_reading.rs checks each file against the real psql; this keeps the messages.
    let (code, out) = stdout_of(
        rollsafe()
            .args(["check", "--layout", "plain", "--format", "compact"])
            .args(["--today", "2026-11-23", "tests/reading/psql"])
            .current_dir(env!("CARGO_MANIFEST_DIR")),
    );
    assert_eq!(code, Some(1), "{out}");
    // Each quiet_* file is clean on its own (tests/psql_reading.rs); in one folder run, the
    // SETs of the other files may hold for the joined one, whose backslash string is refused.
    let quiet: Vec<&str> = out.lines().filter(|l| l.contains("quiet_")).collect();
    assert_eq!(quiet.len(), 1, "{out}");
    assert!(
        quiet[0].starts_with(
            "tests/reading/psql/quiet_conforming_strings_joined.sql:1:42: error[E001]"
        ),
        "{out}"
    );
    insta::assert_snapshot!("psql_reading", out);
}

#[test]
fn discovery_sees_every_file_the_tool_runs() {
    let (code, out) = stdout_of(
        rollsafe()
            .args(["check", "--format", "compact", "--today", "2026-11-23"])
            .arg("tests/discovery/golang_migrate")
            .current_dir(env!("CARGO_MANIFEST_DIR")),
    );
    assert_eq!(code, Some(1), "{out}");
    let rs001: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("error[RS001]"))
        .map(|l| l.split(':').next().unwrap_or(""))
        .collect();
    // Must fire: the symlink 0009 -> 0002 is checked as migration 9 too, and golang-migrate
    // runs `.up.txt` files.
    assert_eq!(
        rs001,
        [
            "tests/discovery/golang_migrate/0002_drop_sessions.up.sql",
            "tests/discovery/golang_migrate/0003_orders.up.txt",
            "tests/discovery/golang_migrate/0009_again.up.sql",
        ],
        "{out}"
    );
    // Must not fire: `.UP.txt` is not golang-migrate's (the direction is case-sensitive) and a
    // README is no migration.
    assert!(!out.contains("UP.txt") && !out.contains("README"), "{out}");
    assert!(out.contains("0010_staging_again.up.sql"), "{out}");
    insta::assert_snapshot!("discovery_golang_migrate", out);
}

#[test]
fn tool_markers_are_read_as_each_tool_reads_them() {
    let (code, out) = stdout_of(
        rollsafe()
            .args(["check", "--format", "compact", "--today", "2026-11-23"])
            .args([
                "tests/discovery/dbmate",
                "tests/discovery/goose",
                "tests/discovery/liquibase",
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR")),
    );
    assert_eq!(code, Some(1), "{out}");
    let has = |file: &str, line: usize, code: &str| {
        out.lines().any(|l| {
            l.starts_with(&format!("tests/discovery/{file}:{line}:"))
                && l.contains(&format!("error[{code}]"))
        })
    };
    // Must fire: a DROP the old reading hid (a second dbmate up block, SQL after a directive
    // comment ending at `\r`, after a Liquibase rollback line ending at `\r`, between
    // indented ignoreLines that Liquibase does not honour), a precondition's SQL, and files
    // the tool refuses.
    assert!(
        has("dbmate/20240101000000_two_sections.sql", 7, "RS001"),
        "{out}"
    );
    assert!(
        has("dbmate/20240102000000_cr_directive.sql", 2, "RS001"),
        "{out}"
    );
    assert!(
        has("dbmate/20240103000000_nbsp_down.sql", 1, "E002"),
        "{out}"
    );
    assert!(has("goose/00002_indented_down.sql", 3, "E002"), "{out}");
    assert!(
        has("goose/00003_unknown_annotation.sql", 3, "E002"),
        "{out}"
    );
    assert!(has("liquibase/changelog_cr.sql", 5, "RS001"), "{out}");
    assert!(
        has("liquibase/changelog_ignore_indented.sql", 5, "RS001"),
        "{out}"
    );
    assert!(
        has("liquibase/changelog_precondition.sql", 3, "RS001"),
        "{out}"
    );
    assert!(has("liquibase/changelog_refused.sql", 2, "E002"), "{out}");
    // Must not fire: well-formed files, goose's Down after an NBSP, Liquibase's ignored lines,
    // and no duplicate-version error for sections of one file.
    for quiet in [
        "dbmate/20240104000000_fine.sql",
        "goose/00001_nbsp_down.sql",
        "goose/00004_fine.sql",
        "liquibase/changelog_fine.sql",
    ] {
        assert!(!out.lines().any(|l| l.starts_with(&format!("tests/discovery/{quiet}")) && l.contains("error[")), "{quiet}: {out}");
    }
    assert!(!out.contains("RS403"), "{out}");
    insta::assert_snapshot!("tool_markers", out);
}

#[test]
fn sqitch_verify_scripts_and_destructive_reverts_are_gated() {
    let (code, out) = stdout_of(
        rollsafe()
            .args(["check", "--format", "compact", "--today", "2026-11-23"])
            .arg("tests/discovery/sqitch")
            .current_dir(env!("CARGO_MANIFEST_DIR")),
    );
    assert_eq!(code, Some(1), "{out}");
    let rs001: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("error[RS001]"))
        .map(|l| l.split(": error").next().unwrap_or(""))
        .collect();
    // Must fire: a DROP in a verify script (sqitch runs it), a revert that drops a table its
    // deploy did not create. Must not fire: reverts that drop what their deploy created.
    assert_eq!(
        rs001,
        [
            "tests/discovery/sqitch/verify/profiles.sql:2:1",
            "tests/discovery/sqitch/revert/profiles.sql:3:1"
        ],
        "{out}"
    );
    insta::assert_snapshot!("sqitch_verify_and_revert", out);
}

#[test]
fn standard_conforming_strings_turned_off_by_an_earlier_migration() {
    // golang-migrate runs the folder on one connection: the SET in 1 holds for 2 and 3.
    let (code, out) = stdout_of(
        rollsafe()
            .args(["check", "--format", "compact", "--today", "2026-11-23"])
            .arg("tests/reading/session")
            .current_dir(env!("CARGO_MANIFEST_DIR")),
    );
    assert_eq!(code, Some(1), "{out}");
    // Must fire: the plain string with a backslash in 2; must not: the E'' string in 3.
    assert!(out.starts_with("tests/reading/session/2_hidden.up.sql:1:1: error[E001] rollsafe cannot read this statement the way the server will"), "{out}");
    assert!(!out.contains("3_fine"), "{out}");
    insta::assert_snapshot!("session_conforming_strings", out);
}

/// The compact report is written a batch of units at a time (`report::compact::write`): with
/// more units than a batch, every finding is there once, in unit order, the same on standard
/// output and in `--output`'s file.
#[test]
fn compact_output_in_batches_keeps_every_finding_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = 700;
    for i in 1..=files {
        fs::write(
            dir.path().join(format!("{i:04}_drop.sql")),
            format!("ALTER TABLE t{i} DROP COLUMN c;\n"),
        )
        .expect("write");
    }
    let (code, out) = stdout_of(
        rollsafe()
            .args(["check", "--format", "compact", "--layout", "plain"])
            .arg(dir.path()),
    );
    assert_eq!(code, Some(1), "{out}");
    let drops: Vec<&str> = out.lines().filter(|l| l.contains("[RS001]")).collect();
    assert_eq!(drops.len(), files, "{out}");
    for (i, line) in drops.iter().enumerate() {
        assert!(
            line.contains(&format!("{:04}_drop.sql:1:1:", i + 1)),
            "line {i}: {line}"
        );
    }
    let file = dir.path().join("report.txt");
    let (code, _) = stdout_of(
        rollsafe()
            .args([
                "check", "--format", "compact", "--layout", "plain", "--output",
            ])
            .arg(&file)
            .arg(dir.path()),
    );
    assert_eq!(code, Some(1));
    assert_eq!(fs::read_to_string(&file).expect("report written"), out);
}

/// The compact report is written while the run goes on: a reader that stops reading early
/// (`rollsafe check | head`) ends the writing, not the run, and the exit code still counts
/// every finding.
#[test]
fn compact_output_to_a_closed_pipe_still_exits_with_the_findings() {
    use std::io::Read;
    let dir = tempfile::tempdir().expect("tempdir");
    // Far more than a pipe holds (64 KB): the writes after the reader left fail.
    for i in 1..=3000 {
        fs::write(
            dir.path().join(format!("{i:04}_drop.sql")),
            format!("ALTER TABLE t{i} DROP COLUMN c;\n"),
        )
        .expect("write");
    }
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("rollsafe"))
        .args(["check", "--format", "compact", "--layout", "plain"])
        .arg(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run rollsafe");
    let mut first = [0u8; 100];
    child
        .stdout
        .take()
        .expect("stdout")
        .read_exact(&mut first)
        .expect("the first findings");
    // The reader is gone (dropped above).
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("stderr");
    let status = child.wait().expect("rollsafe ends");
    assert!(String::from_utf8_lossy(&first).contains("0001_drop.sql:1:1: error[RS001]"));
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("cannot write"), "{stderr}");
}
