//! Prisma Migrate: `{timestamp}_{name}/migration.sql`; no transaction of its own, the script
//! sent as one query string; no downs.

use super::{Env, Place, Tool, ToolFile, tx, whole};
use crate::discover::names::VersionKey;
use crate::discover::order::Draft;
use crate::discover::{Direction, Layout, Transaction, TransactionMode};

pub(crate) struct Prisma;

impl Tool for Prisma {
    fn units(&self, file: &ToolFile, _env: &mut Env) -> Option<Vec<Draft>> {
        let Place::Prisma { dir_name, version } = &file.place else {
            return None;
        };
        Some(vec![Draft {
            source: file.source.clone(),
            range: whole(&file.source),
            layout: Layout::Prisma,
            direction: Direction::Up,
            version: Some(version.clone()),
            name: dir_name.clone(),
            transaction: transaction(),
            rank: 0,
            key: VersionKey::Lex(dir_name.clone()),
            pair_key: None,
        }])
    }

    fn one_query_string(&self) -> Option<&'static str> {
        Some("Prisma sends the migration script as one query string")
    }
}

fn transaction() -> Transaction {
    tx(
        TransactionMode::OneQueryString,
        "Prisma Migrate opens no transaction around migration.sql: it sends the script as one query, so PostgreSQL runs a script with several statements as one implicit transaction; write BEGIN/COMMIT in the script for an explicit transaction",
    )
}

/// A Prisma migration directory: `{timestamp}_{name}`.
pub(crate) fn parse_prisma_dir(dir_name: &str) -> Option<String> {
    let (version, name) = dir_name.split_once('_')?;
    if version.is_empty() || name.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(version.to_string())
}
