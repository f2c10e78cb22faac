//! goose: `-- +goose Up` / `-- +goose Down` sections in one file; each migration in a
//! transaction unless the file has `-- +goose NO TRANSACTION` (both sections), statements sent
//! one at a time.

use super::{Env, Tool, ToolFile, tx};
use crate::discover::lines::{lines, starts_with_ci, trimmed};
use crate::discover::names::VersionKey;
use crate::discover::order::Draft;
use crate::discover::{Direction, Layout, Transaction, TransactionMode};
use crate::source::Span;

pub(crate) struct Goose;

impl Tool for Goose {
    fn units(&self, file: &ToolFile, _env: &mut Env) -> Option<Vec<Draft>> {
        let source = &file.source;
        let g = goose(&source.text)?;
        let version = super::parse_numbered(&file.file_name).map(|(v, _)| v);
        let key = version
            .as_deref()
            .and_then(|v| VersionKey::numeric([v]))
            .unwrap_or_else(|| VersionKey::Lex(file.file_name.clone()));
        let pair_key = Some(format!("file:{}", source.display_path()));
        let stem = file.stem();
        let draft = |range: Span, direction: Direction| Draft {
            source: source.clone(),
            range,
            layout: Layout::Goose,
            direction,
            version: version.clone(),
            name: stem.clone(),
            transaction: transaction(g.no_transaction),
            rank: 0,
            key: key.clone(),
            pair_key: pair_key.clone(),
        };
        let mut out = vec![draft(g.up, Direction::Up)];
        if let Some(down) = g.down {
            out.push(draft(down, Direction::Down));
        }
        Some(out)
    }

    fn transaction_opt_out(&self) -> &'static str {
        " (`-- +goose NO TRANSACTION` at the top of the file)"
    }
}

/// Whether a file has a goose Up section (what makes a folder goose's).
pub(crate) fn has_goose_up(text: &str) -> bool {
    text.lines()
        .any(|l| goose_annotation(l).as_deref() == Some("up"))
}

fn transaction(no_transaction: bool) -> Transaction {
    if no_transaction {
        tx(
            TransactionMode::PerStatement,
            "the file has `-- +goose NO TRANSACTION`, so goose runs both its sections outside a transaction, one statement at a time",
        )
    } else {
        tx(
            TransactionMode::Wrapped,
            "goose runs each migration in a transaction unless the file has `-- +goose NO TRANSACTION`",
        )
    }
}

/// A goose annotation on `line` (`-- +goose <words>`, no leading whitespace, case-insensitive),
/// as lower-case words joined by one space.
pub(crate) fn goose_annotation(line: &str) -> Option<String> {
    let rest = line.strip_prefix("--")?;
    let words = rest.trim_start();
    if words.len() == rest.len() || !starts_with_ci(words, "+goose") {
        return None;
    }
    let after = &words["+goose".len()..];
    if !after.is_empty() && !after.starts_with(char::is_whitespace) {
        return None;
    }
    Some(
        after
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_lowercase(),
    )
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GooseFile {
    pub up: Span,
    pub down: Option<Span>,
    /// `-- +goose NO TRANSACTION` anywhere in the file (it applies to both sections).
    pub no_transaction: bool,
}

/// `None` when the file has no `-- +goose Up` annotation.
pub(crate) fn goose(text: &str) -> Option<GooseFile> {
    let ls = lines(text);
    let mut directions: Vec<(usize, bool)> = Vec::new();
    let mut no_transaction = false;
    for (i, l) in ls.iter().enumerate() {
        match goose_annotation(&text[l.start..l.end]).as_deref() {
            Some("up") => directions.push((i, true)),
            Some("down") => directions.push((i, false)),
            Some("no transaction") => no_transaction = true,
            _ => {}
        }
    }
    let section = |is_up: bool| {
        let at = directions.iter().position(|&(_, up)| up == is_up)?;
        let from = directions[at].0 + 1;
        let to = directions.get(at + 1).map_or(ls.len(), |&(i, _)| i);
        Some(trimmed(text, &ls, from, to, |line| {
            goose_annotation(line).is_some()
        }))
    };
    Some(GooseFile {
        up: section(true)?,
        down: section(false),
        no_transaction,
    })
}

// ---------------------------------------------------------------------------------------------
// dbmate
