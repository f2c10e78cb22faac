//! golang-migrate: `{version}_{title}.up.sql` / `.down.sql`, paired by version; no transaction of
//! its own, the whole file sent as one query string.

use super::{Env, Tool, ToolFile, tx, whole};
use crate::discover::names::{VersionKey, strip_suffix_ci};
use crate::discover::order::Draft;
use crate::discover::{Direction, Layout, Transaction, TransactionMode};

pub(crate) struct GolangMigrate;

impl Tool for GolangMigrate {
    fn units(&self, file: &ToolFile, _env: &mut Env) -> Option<Vec<Draft>> {
        let n = parse_up_down(&file.file_name)?;
        Some(vec![up_down_draft(
            file,
            &n,
            Layout::GolangMigrate,
            transaction(),
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
