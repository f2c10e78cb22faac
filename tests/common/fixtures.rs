//! The fixture format of `tests/rules/` (see `tests/rules.rs`): one file, several migration
//! units, linted through the library pipeline. Shared with `tests/pg_facts.rs`, which runs the
//! advice of the findings against a real server.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use rollsafe::check::{self, Options};
use rollsafe::config::Config;
use rollsafe::discover::{
    ChangeStatus, Direction, Layout, Migration, MigrationId, MigrationSet, Transaction,
    TransactionMode, UnitChange,
};
use rollsafe::parse::markers::Date;
use rollsafe::rules::{Report, Settings};
use rollsafe::source::{SourceFile, Span};
use rollsafe::target::Target;

pub struct Fixture {
    pub set: MigrationSet,
    pub pg_version: u32,
}

pub fn layout(name: &str) -> Layout {
    Layout::ALL
        .into_iter()
        .find(|l| l.name() == name)
        .unwrap_or_else(|| panic!("unknown layout {name}"))
}

pub fn parse_fixture(path: &Path) -> Fixture {
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
        let len = body.len();
        units.push(Migration {
            id: MigrationId(units.len()),
            // Set for the whole fixture below (`pg=` may come on any unit).
            target: Target::postgres(rollsafe::config::DEFAULT_PG_VERSION),
            group: PathBuf::from(format!("{dir}/{stem}")),
            source: SourceFile::new(file, body),
            range: Span::new(0, len),
            layout: unit_layout,
            direction,
            version: Some(name.clone()),
            name,
            transaction: Transaction {
                // Unwrapped: as the layout's tool sends it.
                mode: if wrapped {
                    TransactionMode::Wrapped
                } else if unit_layout.sends_unit_as_one_query() {
                    TransactionMode::OneQueryString
                } else {
                    TransactionMode::PerStatement
                },
                reason: if wrapped {
                    "the fixture says the tool wraps it".into()
                } else {
                    "the fixture says nothing wraps it".into()
                },
            },
            pair: None,
            // A `changed` unit is a file new in the change being linted.
            change: is_changed.then_some(ChangeStatus {
                unit: UnitChange::Added,
                file_added: true,
                file_changed: true,
            }),
            included_by: None,
        });
    }
    for unit in &mut units {
        unit.target = Target::postgres(pg_version);
    }
    // A down unit undoes the up right before it.
    for i in 1..units.len() {
        if units[i].direction == Direction::Down
            && units[i - 1].direction == Direction::Up
            && units[i - 1].pair.is_none()
        {
            units[i].pair = Some(MigrationId(i - 1));
            units[i - 1].pair = Some(MigrationId(i));
        }
    }
    Fixture {
        set: MigrationSet {
            units,
            problems: Vec::new(),
        },
        pg_version,
    }
}

pub fn lint_fixture(path: &Path) -> Report {
    let fixture = parse_fixture(path);
    let config = Config {
        pg_version: fixture.pg_version,
        ..Config::default()
    };
    let options = Options {
        today: Date::parse("2026-01-15").expect("date"),
    };
    let settings = Settings::from_config(&config).expect("settings");
    check::check(fixture.set, &config, &settings, &options, None)
}
