//! When the output shows findings only (compact, human, github), `check` streams: a window of
//! units at a time is analysed, replayed and checked, and its statements are shrunk to their
//! positions and markers before the next window is parsed. The findings must be exactly those
//! of the path that analyses everything first, on every rule fixture and fixture folder.

use std::path::{Path, PathBuf};

use rollsafe::analyze::Outputs;
use rollsafe::check::{self, Options};
use rollsafe::config::Config;
use rollsafe::discover::{self, MigrationSet};
use rollsafe::parse::markers::Date;
use rollsafe::rules::{Report, Settings};

#[path = "common/fixtures.rs"]
mod fixtures;

const FINDINGS_ONLY: Outputs = Outputs {
    rollback_plan: false,
    statement_facts: false,
    source_text: true,
};

/// The compact output's: the units' texts are let go as they are reported.
const POSITIONS_ONLY: Outputs = Outputs {
    source_text: false,
    ..FINDINGS_ONLY
};

fn copy(set: &MigrationSet) -> MigrationSet {
    MigrationSet {
        units: set.units.clone(),
        problems: set.problems.clone(),
    }
}

/// Lint `set` both ways and compare everything a findings-only report reads.
fn assert_same(name: &str, set: MigrationSet, config: &Config) {
    let settings = Settings::from_config(config).expect("settings");
    let options = Options {
        today: Date::parse("2026-01-15").expect("date"),
    };
    let streams = !set.units.is_empty() && set.units.iter().all(|u| u.change.is_none());
    let whole = check::check(copy(&set), config, &settings, &options, None);
    let released = check::check_for(
        copy(&set),
        config,
        &settings,
        &options,
        None,
        POSITIONS_ONLY,
    );
    let streamed = check::check_for(copy(&set), config, &settings, &options, None, FINDINGS_ONLY);
    // The compact output's path: each window's units are reported, written and dropped.
    for show_suppressed in [true, false] {
        let whole_totals = rollsafe::report::Totals::of(&whole);
        let (totals, written) = compact_as_it_goes(&set, config, show_suppressed);
        assert_eq!(
            written,
            rollsafe::report::compact::render(&whole, show_suppressed),
            "{name}: compact output written as the run goes (show suppressed: {show_suppressed})"
        );
        assert_eq!(
            (
                totals.errors,
                totals.warnings,
                totals.notes,
                totals.suppressed
            ),
            (
                whole_totals.errors,
                whole_totals.warnings,
                whole_totals.notes,
                whole_totals.suppressed
            ),
            "{name}: totals of the compact output written as the run goes"
        );
    }
    drop(set);
    assert_eq!(
        rollsafe::report::compact::render(&whole, true),
        rollsafe::report::compact::render(&released, true),
        "{name}: compact output without the source texts"
    );
    assert_eq!(
        findings(&whole),
        findings(&released),
        "{name}: findings without the source texts"
    );
    if streams {
        assert!(
            released
                .units
                .iter()
                .all(|u| u.migration.source.text.is_empty()),
            "{name}: source texts kept"
        );
    }
    assert_eq!(
        rollsafe::report::compact::render(&whole, true),
        rollsafe::report::compact::render(&streamed, true),
        "{name}: compact output"
    );
    assert_eq!(
        rollsafe::report::human::render(&whole, false, true),
        rollsafe::report::human::render(&streamed, false, true),
        "{name}: human output"
    );
    assert_eq!(findings(&whole), findings(&streamed), "{name}: findings");
    if streams {
        // The statements were shrunk to their positions, so the streaming path is the one
        // compared.
        assert!(
            streamed
                .units
                .iter()
                .all(|u| u.statements.is_empty() && u.slimmed.len() == u.positions().len()),
            "{name}: statements not shrunk"
        );
        assert_eq!(
            whole
                .units
                .iter()
                .map(|u| u.statements.len())
                .sum::<usize>(),
            streamed
                .units
                .iter()
                .map(|u| u.slimmed.len())
                .sum::<usize>(),
            "{name}: statements lost"
        );
    }
}

/// The compact output of `check::check_into` (each window's units reported, written and
/// dropped as the run goes), and its totals.
fn compact_as_it_goes(
    set: &MigrationSet,
    config: &Config,
    show_suppressed: bool,
) -> (rollsafe::report::Totals, String) {
    let settings = Settings::from_config(config).expect("settings");
    let options = Options {
        today: Date::parse("2026-01-15").expect("date"),
    };
    let mut writer = rollsafe::report::compact::Writer::new(Vec::new(), show_suppressed);
    check::check_into(
        copy(set),
        config,
        &settings,
        &options,
        POSITIONS_ONLY,
        &mut writer,
    );
    let (totals, written) = writer.finish();
    let written = String::from_utf8(written.expect("written")).expect("utf-8");
    (totals, written)
}

/// Per unit: its path, its statements' positions and markers, its markers and its findings.
fn findings(report: &Report) -> Vec<String> {
    report
        .units
        .iter()
        .map(|u| {
            let statements: Vec<_> = u
                .statements
                .iter()
                .map(|s| (s.span, s.markers.as_slice()))
                .chain(u.slimmed.iter().map(|s| (s.span, &*s.markers)))
                .collect();
            format!(
                "{} {statements:?} {:?} {:?}",
                u.migration.source.display_path(),
                u.markers,
                u.findings
            )
        })
        .collect()
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    out.sort();
    out
}

#[test]
fn rule_fixtures_stream_to_the_same_findings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rules");
    let mut count = 0;
    for dir in sorted_entries(&root).into_iter().filter(|p| p.is_dir()) {
        for file in sorted_entries(&dir)
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        {
            let fixture = fixtures::parse_fixture(&file);
            let config = Config {
                pg_version: fixture.pg_version,
                ..Config::default()
            };
            assert_same(&file.display().to_string(), fixture.set, &config);
            count += 1;
        }
    }
    assert!(count >= 50, "only {count} fixtures");
}

#[test]
fn fixture_folders_stream_to_the_same_findings() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut count = 0;
    for top in ["fixtures", "fixtures-mysql", "fixtures-sqlite"] {
        for dir in sorted_entries(&manifest.join(top))
            .into_iter()
            .filter(|p| p.is_dir())
        {
            let config = Config::default();
            let set = discover::discover(std::slice::from_ref(&dir), &config);
            assert_same(&dir.display().to_string(), set, &config);
            count += 1;
        }
    }
    assert!(count >= 10, "only {count} folders");
}

/// A window ends after 128 KB of SQL, but never between an up and its down (the replay compares
/// them): many pairs spanning several windows give the same findings.
#[test]
fn windows_keep_ups_with_their_downs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let padding = format!("-- {}\n", "x".repeat(200));
    for i in 1..=40 {
        let mut up = format!(
            "CREATE TABLE t{i} (id bigint PRIMARY KEY, v text);\nALTER TABLE t{i} ADD COLUMN w int NOT NULL;\nCREATE INDEX i{i} ON t{i} (v);\n"
        );
        // ~60 KB per up: about 2 ups per window.
        up.push_str(&padding.repeat(300));
        std::fs::write(dir.path().join(format!("{i:06}_m{i}.up.sql")), up).expect("write");
        // Every third down forgets the index (RS405).
        let down = if i % 3 == 0 {
            format!("DROP TABLE t{i};\nCREATE TABLE t{i} (id bigint);\n")
        } else {
            format!("DROP TABLE t{i};\n")
        };
        std::fs::write(dir.path().join(format!("{i:06}_m{i}.down.sql")), down).expect("write");
    }
    let config = Config::default();
    let set = discover::discover(&[dir.path().to_path_buf()], &config);
    assert_eq!(set.units.len(), 80);
    assert_same("golang-migrate pairs", set, &config);
}

/// Rules that look across the set run before a streamed run parses anything: a finding about a
/// whole unit (RS403's duplicate version) is still placed at the unit's first statement, where
/// an allow marker on that statement reaches it.
#[test]
fn duplicate_versions_point_at_the_first_statement_when_streamed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(
        d.join("000001_users.up.sql"),
        "-- the users\n\nCREATE TABLE users (id bigint);\n",
    )
    .expect("write");
    std::fs::write(d.join("000001_users.down.sql"), "DROP TABLE users;\n").expect("write");
    std::fs::write(
        d.join("000001_orders.up.sql"),
        "-- rollsafe:allow RS403 reason=\"renumbered in the next release\"\nCREATE TABLE orders (id bigint);\n",
    )
    .expect("write");
    std::fs::write(d.join("000001_orders.down.sql"), "DROP TABLE orders;\n").expect("write");
    let config = Config::default();
    let set = discover::discover(&[d.to_path_buf()], &config);
    let (_, out) = compact_as_it_goes(&set, &config, true);
    let duplicates: Vec<&str> = out.lines().filter(|l| l.contains("[RS403]")).collect();
    assert_eq!(duplicates.len(), 2, "{out}");
    assert!(
        duplicates
            .iter()
            .any(|l| l.contains("000001_users.up.sql:3:1: error[RS403]")
                && !l.contains("suppressed")),
        "{out}"
    );
    assert!(
        duplicates
            .iter()
            .any(|l| l.contains("000001_orders.up.sql:2:1: error[RS403]")
                && l.contains("(suppressed: ")),
        "{out}"
    );
    assert_same("duplicate versions", set, &config);
}

/// A file a migration includes (`\ir`) inherits the markers that cover the include line, so it
/// is analysed in its includer's window even when the includer fills a window on its own.
#[test]
fn included_files_share_their_includers_window() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::create_dir_all(d.join("migrations")).expect("mkdir");
    std::fs::create_dir_all(d.join("lib")).expect("mkdir");
    // ~150 KB per includer: a window (128 KB) would end right after each one.
    let padding = format!("-- {}\n", "x".repeat(200)).repeat(730);
    for i in 1..=8 {
        std::fs::write(
            d.join(format!("migrations/{i:03}_step.sql")),
            format!(
                "CREATE TABLE t{i} (id bigint);\n{padding}-- rollsafe:contract approved-by=alice reason=\"retired\" recovery=restore-from-backup\n\\ir ../lib/drop_{i}.sql\n"
            ),
        )
        .expect("write");
        std::fs::write(
            d.join(format!("lib/drop_{i}.sql")),
            format!("DROP TABLE t{i};\n"),
        )
        .expect("write");
    }
    let config = Config {
        layout: Some(discover::Layout::Plain),
        ..Config::default()
    };
    let mut set = discover::discover(&[d.join("migrations")], &config);
    rollsafe::parse::includes::expand(&mut set);
    assert_eq!(set.units.len(), 16, "every include is a unit");
    let (_, out) = compact_as_it_goes(&set, &config, true);
    let drops: Vec<&str> = out.lines().filter(|l| l.contains("[RS001]")).collect();
    assert_eq!(drops.len(), 8, "{out}");
    assert!(
        drops.iter().all(|l| l.contains("(suppressed: ")),
        "the include line's contract approves every drop: {out}"
    );
    assert_same("includes", set, &config);
}
