//! golang-migrate: `{version}_{title}.up.{ext}` / `.down.{ext}` with any extension (its file
//! source matches `^([0-9]+)_(.*)\.(down|up)\.(.*)$`, so `1_x.up.txt` and `1_x.up.sql.bak` are
//! migrations too), paired by version; no transaction of its own, the whole file sent as one
//! query string.

use super::{Env, Tool, ToolFile, tx, whole};
use crate::discover::names::{VersionKey, strip_suffix_ci};
use crate::discover::order::Draft;
use crate::discover::{Direction, Layout, Transaction, TransactionMode};

pub(crate) struct GolangMigrate;

impl Tool for GolangMigrate {
    fn units(&self, file: &ToolFile, _env: &mut Env) -> Option<Vec<Draft>> {
        let n = parse_up_down(&file.file_name)
            .or_else(|| parse_up_down_any_extension(&file.file_name))?;
        let transaction = if popx_name(&file.file_name).is_some_and(|p| p.autocommit) {
            tx(
                TransactionMode::PerStatement,
                "popx runs a `.autocommit.` migration outside a transaction",
            )
        } else {
            transaction()
        };
        Some(vec![up_down_draft(
            file,
            &n,
            Layout::GolangMigrate,
            transaction,
        )])
    }

    fn one_query_string(&self) -> Option<&'static str> {
        Some("golang-migrate sends the whole file as one query string")
    }
}

/// The unit of an up/down file (golang-migrate, and sqlx reversible migrations).
pub(super) fn up_down_draft(
    file: &ToolFile,
    n: &UpDownName,
    layout: Layout,
    transaction: Transaction,
) -> Draft {
    let key =
        VersionKey::numeric([n.version.as_str()]).unwrap_or(VersionKey::Lex(n.version.clone()));
    Draft {
        source: file.source.clone(),
        range: whole(&file.source),
        layout,
        direction: if n.up { Direction::Up } else { Direction::Down },
        version: Some(n.version.clone()),
        name: n.stem.clone(),
        transaction,
        rank: 0,
        pair_key: Some(format!("v:{}", key.canonical())),
        key,
    }
}

fn transaction() -> Transaction {
    tx(
        TransactionMode::OneQueryString,
        "golang-migrate's postgres driver opens no transaction: it sends the whole file as one query, so PostgreSQL runs a file with several statements as one implicit transaction (a statement like CREATE INDEX CONCURRENTLY must be alone in its file); write BEGIN/COMMIT in the file for an explicit transaction",
    )
}

/// `{version}_{title}.up.sql` / `.down.sql` (golang-migrate; sqlx reversible migrations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UpDownName {
    pub version: String,
    /// The file name without `.up.sql` / `.down.sql`.
    pub stem: String,
    pub up: bool,
}

pub(crate) fn parse_up_down(file_name: &str) -> Option<UpDownName> {
    let (version, rest) = file_name.split_once('_')?;
    if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (stem_len, up) = if let Some(s) = strip_suffix_ci(rest, ".up.sql") {
        (s.len(), true)
    } else if let Some(s) = strip_suffix_ci(rest, ".down.sql") {
        (s.len(), false)
    } else {
        return None;
    };
    Some(UpDownName {
        version: version.to_string(),
        stem: file_name[..version.len() + 1 + stem_len].to_string(),
        up,
    })
}

/// golang-migrate's own reading of a file name: digits, `_`, a title, then the last `.up.` or
/// `.down.` (case-sensitive) followed by any extension, even an empty one.
pub(crate) fn parse_up_down_any_extension(file_name: &str) -> Option<UpDownName> {
    let (version, rest) = file_name.split_once('_')?;
    if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // The title is greedy: the direction is the last `.up.` / `.down.` in the name.
    let up = rest.rfind(".up.").map(|p| (p, true));
    let down = rest.rfind(".down.").map(|p| (p, false));
    let (at, up) = match (up, down) {
        (Some(u), Some(d)) => u.max(d),
        (Some(x), None) | (None, Some(x)) => x,
        (None, None) => return None,
    };
    Some(UpDownName {
        version: version.to_string(),
        stem: file_name[..version.len() + 1 + at].to_string(),
        up,
    })
}
/// What Ory's popx (same file names as golang-migrate, plus an engine and a transaction
/// switch) reads in `{version}_{name}[.{engine}][.autocommit].{up|down}.sql`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PopxName {
    /// The engine the file is for (canonical spelling); `None`: every engine.
    pub engine: Option<&'static str>,
    pub autocommit: bool,
}

/// popx's reading of a file name, when it says something golang-migrate's does not. popx
/// keeps one history per engine: the files for that engine and the files for all of them, a
/// file for the engine taking the place of the generic one of the same version.
pub(crate) fn popx_name(file_name: &str) -> Option<PopxName> {
    let n = parse_up_down(file_name)?;
    let mut parts = n.stem[n.version.len() + 1..].split('.');
    let _title = parts.next()?;
    let mut engine = None;
    let mut autocommit = false;
    for (i, part) in parts.enumerate() {
        match part.to_ascii_lowercase().as_str() {
            "autocommit" => autocommit = true,
            p if i == 0 => engine = Some(canonical_engine(p)?),
            _ => return None,
        }
    }
    (engine.is_some() || autocommit).then_some(PopxName { engine, autocommit })
}

/// pop's canonical dialect names (pop.CanonicalDialect); anything else is not an engine.
fn canonical_engine(name: &str) -> Option<&'static str> {
    Some(match name {
        "postgres" | "postgresql" | "pg" => "postgres",
        "cockroach" | "cockroachdb" | "crdb" => "cockroach",
        "mysql" | "mariadb" => "mysql",
        "sqlite" | "sqlite3" => "sqlite3",
        "yugabyte" | "yugabytedb" => "yugabyte",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn popx_names() {
        let p = |n: &str| popx_name(n);
        assert_eq!(p("1_networks.up.sql"), None);
        assert_eq!(
            p("20150100000001000000_networks.cockroach.down.sql"),
            Some(PopxName {
                engine: Some("cockroach"),
                autocommit: false
            })
        );
        assert_eq!(
            p("2_identities.autocommit.up.sql"),
            Some(PopxName {
                engine: None,
                autocommit: true
            })
        );
        assert_eq!(
            p("3_x.sqlite.autocommit.up.sql"),
            Some(PopxName {
                engine: Some("sqlite3"),
                autocommit: true
            })
        );
        // Not an engine: golang-migrate's reading (the dots are part of the title).
        assert_eq!(p("4_add.users.up.sql"), None);
    }
}
