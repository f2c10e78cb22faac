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
