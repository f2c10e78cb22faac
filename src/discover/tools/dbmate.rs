//! dbmate: `-- migrate:up` / `-- migrate:down` sections; each section in a transaction unless
//! its marker line says `transaction:false`, then sent as one query string.

use super::{Env, Tool, ToolFile, tx};
use crate::discover::lines::{lines, trimmed};
use crate::discover::names::{VersionKey, leading_digits};
use crate::discover::order::Draft;
use crate::discover::{Direction, Layout, Transaction, TransactionMode};
use crate::source::Span;

pub(crate) struct Dbmate;

impl Tool for Dbmate {
    fn units(&self, file: &ToolFile, _env: &mut Env) -> Option<Vec<Draft>> {
        let source = &file.source;
        let d = dbmate(&source.text)?;
        let version = leading_digits(&file.file_name).map(str::to_string);
        let key = VersionKey::Lex(file.file_name.clone());
        let pair_key = Some(format!("file:{}", source.display_path()));
        let stem = file.stem();
        let draft = |range: Span, direction: Direction, transaction: Transaction| Draft {
            source: source.clone(),
            range,
            layout: Layout::Dbmate,
            direction,
            version: version.clone(),
            name: stem.clone(),
            transaction,
            rank: 0,
            key: key.clone(),
            pair_key: pair_key.clone(),
        };
        let mut out = vec![draft(
            d.up.span,
            Direction::Up,
            transaction(d.up.transaction, "migrate:up"),
        )];
        if let Some(down) = d.down {
            out.push(draft(
                down.span,
                Direction::Down,
                transaction(down.transaction, "migrate:down"),
            ));
        }
        Some(out)
    }

    fn one_query_string(&self) -> Option<&'static str> {
        Some("dbmate sends the whole migration as one query string")
    }

    fn transaction_opt_out(&self) -> &'static str {
        " (`-- migrate:up transaction:false`)"
    }
}

/// Whether a file has a dbmate up section (what makes a folder dbmate's).
pub(crate) fn has_dbmate_up(text: &str) -> bool {
    text.lines().any(is_dbmate_up_marker)
}

fn transaction(transaction: bool, marker: &str) -> Transaction {
    if transaction {
        tx(
            TransactionMode::Wrapped,
            format!(
                "dbmate runs each section in a transaction unless its `-- {marker}` line has `transaction:false`"
            ),
        )
    } else {
        tx(
            TransactionMode::OneQueryString,
            format!(
                "the `-- {marker}` line has `transaction:false`, so dbmate runs this section outside a transaction; dbmate still sends it as one query, which PostgreSQL runs as one implicit transaction when it has several statements"
            ),
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DbmateSection {
    pub span: Span,
    /// False when the marker line has `transaction:false`.
    pub transaction: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DbmateFile {
    pub up: DbmateSection,
    pub down: Option<DbmateSection>,
}

/// The options of a dbmate marker line (`-- migrate:up transaction:false`), if `line` is one.
fn dbmate_marker(line: &str, marker: &str) -> Option<Vec<(String, String)>> {
    let rest = line.strip_prefix("--")?.trim_start();
    let after = rest.strip_prefix(marker)?;
    if !after.is_empty() && !after.starts_with(char::is_whitespace) {
        return None;
    }
    Some(
        after
            .split_whitespace()
            .filter_map(|pair| {
                let (k, v) = pair.split_once(':')?;
                (!v.contains(':')).then(|| (k.to_string(), v.to_string()))
            })
            .collect(),
    )
}

pub(crate) fn is_dbmate_up_marker(line: &str) -> bool {
    dbmate_marker(line, "migrate:up").is_some()
}

/// `None` when the file has no `-- migrate:up` line.
pub(crate) fn dbmate(text: &str) -> Option<DbmateFile> {
    let ls = lines(text);
    let line = |i: usize| &text[ls[i].start..ls[i].end];
    let up_at = (0..ls.len()).find(|&i| dbmate_marker(line(i), "migrate:up").is_some())?;
    let down_at = (up_at + 1..ls.len()).find(|&i| dbmate_marker(line(i), "migrate:down").is_some());
    let transaction = |i: usize| {
        dbmate_marker(
            line(i),
            if i == up_at {
                "migrate:up"
            } else {
                "migrate:down"
            },
        )
        .is_none_or(|opts| !opts.iter().any(|(k, v)| k == "transaction" && v == "false"))
    };
    let up = DbmateSection {
        span: trimmed(text, &ls, up_at + 1, down_at.unwrap_or(ls.len()), |_| false),
        transaction: transaction(up_at),
    };
    let down = down_at.map(|d| DbmateSection {
        span: trimmed(text, &ls, d + 1, ls.len(), |_| false),
        transaction: transaction(d),
    });
    Some(DbmateFile { up, down })
}

// ---------------------------------------------------------------------------------------------
// Liquibase formatted SQL
