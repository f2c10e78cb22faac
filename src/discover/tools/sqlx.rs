//! sqlx: `{version}_{name}.sql` or reversible `.up.sql` / `.down.sql`; each migration in a
//! transaction unless the file starts with `-- no-transaction`, then sent as one query string.

use super::golang_migrate::{parse_up_down, up_down_draft};
use super::{Env, Tool, ToolFile, tx, whole};
use crate::discover::names::{VersionKey, strip_suffix_ci};
use crate::discover::order::Draft;
use crate::discover::{Direction, Layout, Transaction, TransactionMode};

pub(crate) struct Sqlx;

impl Tool for Sqlx {
    fn units(&self, file: &ToolFile, env: &mut Env) -> Option<Vec<Draft>> {
        let text = &file.source.text;
        let transaction = transaction(text, &env.sqlx_hint);
        if let Some(n) = parse_up_down(&file.file_name) {
            return Some(vec![up_down_draft(file, &n, Layout::Sqlx, transaction)]);
        }
        let (version, stem) = parse_numbered(&file.file_name)?;
        let key =
            VersionKey::numeric([version.as_str()]).unwrap_or(VersionKey::Lex(version.clone()));
        Some(vec![Draft {
            source: file.source.clone(),
            range: whole(&file.source),
            layout: Layout::Sqlx,
            direction: Direction::Up,
            version: Some(version),
            name: stem,
            transaction,
            rank: 0,
            pair_key: Some(format!("v:{}", key.canonical())),
            key,
        }])
    }

    fn one_query_string(&self) -> Option<&'static str> {
        Some("sqlx sends a `-- no-transaction` migration as one query string")
    }

    fn transaction_opt_out(&self) -> &'static str {
        " (first line `-- no-transaction`)"
    }
}

fn transaction(text: &str, hint: &str) -> Transaction {
    let mut t = if text.starts_with("-- no-transaction") {
        tx(
            TransactionMode::OneQueryString,
            "the file starts with `-- no-transaction`, so sqlx runs it outside a transaction; sqlx still sends it as one query, which PostgreSQL runs as one implicit transaction when it has several statements",
        )
    } else {
        tx(
            TransactionMode::Wrapped,
            "sqlx runs each migration in a transaction unless the file starts with `-- no-transaction`",
        )
    };
    if !hint.is_empty() {
        t.reason = format!("{} ({hint})", t.reason).into();
    }
    t
}

/// `{version}_{description}.sql` with a numeric version (sqlx simple migrations, goose, dbmate).
pub(crate) fn parse_numbered(file_name: &str) -> Option<(String, String)> {
    let stem = strip_suffix_ci(file_name, ".sql")?;
    let (version, _) = stem.split_once('_')?;
    if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((version.to_string(), stem.to_string()))
}
