//! Flyway: `V<version>__<description>.sql`, `U<version>__...` undo and `R__...` repeatable
//! migrations; each in a transaction unless a `<file>.conf` says `executeInTransaction=false` or
//! the script holds a statement that cannot run in one (Flyway checks that itself).

use super::{Env, Tool, ToolFile, dir_or_dot, line_of, tx, whole};
use crate::discover::names::VersionKey;
use crate::discover::order::Draft;
use crate::discover::scan;
use crate::discover::{Direction, Layout, Transaction, TransactionMode};

pub(crate) struct Flyway;

impl Tool for Flyway {
    fn units(&self, file: &ToolFile, env: &mut Env) -> Option<Vec<Draft>> {
        let name = parse_flyway(&file.file_name)?;
        let conf = conf(file, env);
        let transaction = transaction(file, conf, env.config.pg_version);
        let source = &file.source;
        Some(vec![match name {
            FlywayName::Versioned {
                version,
                key,
                undo,
                stem,
            } => Draft {
                source: source.clone(),
                range: whole(source),
                layout: Layout::Flyway,
                direction: if undo { Direction::Down } else { Direction::Up },
                version: Some(version),
                name: stem,
                transaction,
                rank: 0,
                pair_key: Some(format!("v:{}", key.canonical())),
                key,
            },
            FlywayName::Repeatable { description, stem } => Draft {
                source: source.clone(),
                range: whole(source),
                layout: Layout::Flyway,
                direction: Direction::Repeatable,
                version: None,
                name: stem,
                transaction,
                // Flyway applies repeatable migrations after the versioned ones, in the order
                // of their descriptions.
                rank: 1,
                key: VersionKey::Lex(description),
                pair_key: None,
            },
        }])
    }
}

/// `executeInTransaction` from a Flyway script configuration file (`V1__x.sql.conf`).
fn conf(file: &ToolFile, env: &mut Env) -> Option<(String, bool)> {
    let conf_name = format!("{}.conf", file.file_name);
    let dir = dir_or_dot(file.fs_path.parent());
    if !env.fs.has(&dir, &conf_name) {
        return None;
    }
    let text = env.read_side_file(&dir.join(&conf_name))?;
    let value = text.lines().find_map(|line| {
        let line = line.trim();
        if line.starts_with('#') {
            return None;
        }
        let (key, value) = line.split_once('=')?;
        (key.trim() == "executeInTransaction").then(|| value.trim().to_ascii_lowercase())
    })?;
    Some((conf_name, value != "false"))
}

fn transaction(item: &ToolFile, conf: Option<(String, bool)>, pg_version: u32) -> Transaction {
    if let Some((conf_name, execute_in_transaction)) = conf {
        return if execute_in_transaction {
            tx(
                TransactionMode::Wrapped,
                format!(
                    "`{conf_name}` sets `executeInTransaction=true`, so Flyway runs this migration in a transaction"
                ),
            )
        } else {
            tx(
                TransactionMode::PerStatement,
                format!(
                    "`{conf_name}` sets `executeInTransaction=false`, so Flyway runs this migration outside a transaction, one statement at a time"
                ),
            )
        };
    }
    let text = &item.source.text;
    let heads = scan::statement_heads(text, 0, text.len(), 16);
    let statements = heads.len();
    for head in &heads {
        if let Some(what) = scan::flyway_non_transactional(head, pg_version) {
            let line = line_of(text, head.start);
            let mixed = if statements > 1 {
                "; since the migration has other statements too, Flyway refuses to run it unless `mixed = true` is configured"
            } else {
                ""
            };
            return tx(
                TransactionMode::PerStatement,
                format!(
                    "Flyway sees `{what}` (line {line}), a statement that cannot run in a transaction, so it runs this whole migration outside one, one statement at a time{mixed}"
                ),
            );
        }
    }
    tx(
        TransactionMode::Wrapped,
        "Flyway runs each PostgreSQL migration in a transaction, unless a script config file (`<file>.conf`) sets `executeInTransaction=false` or the script has a statement that cannot run in one (CREATE INDEX CONCURRENTLY, VACUUM, ...)",
    )
}

// ---------------------------------------------------------------------------------------------
// Flat folders: the layout is read from the files' names and contents.

/// Flyway's `V<version>__<description>.sql`, `U<version>__<description>.sql`,
/// `R__<description>.sql`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FlywayName {
    Versioned {
        version: String,
        key: VersionKey,
        undo: bool,
        stem: String,
    },
    Repeatable {
        description: String,
        stem: String,
    },
}

pub(crate) fn parse_flyway(file_name: &str) -> Option<FlywayName> {
    // Flyway's default suffix is `.sql`, matched as written.
    let stem = file_name.strip_suffix(".sql")?;
    let (prefix, rest) = stem.split_at_checked(1)?;
    let (version, description) = rest.split_once("__")?;
    match prefix {
        "R" if version.is_empty() && !description.is_empty() => Some(FlywayName::Repeatable {
            description: description.to_string(),
            stem: stem.to_string(),
        }),
        "V" | "U" => {
            // Versions: digits separated by dots or single underscores (`1`, `1.1`, `1_2`).
            let key = VersionKey::numeric(version.split(['.', '_']))?;
            Some(FlywayName::Versioned {
                version: version.to_string(),
                key,
                undo: prefix == "U",
                stem: stem.to_string(),
            })
        }
        _ => None,
    }
}
