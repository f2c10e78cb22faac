//! dbmate: `-- migrate:up` / `-- migrate:down` sections; each section in a transaction unless
//! its marker line says `transaction:false`, then sent as one query string.

use super::{Env, Tool, ToolFile, tx};
use crate::discover::InputProblem;
use crate::discover::lines::{Line, lines, trimmed};
use crate::discover::names::{VersionKey, leading_digits};
use crate::discover::order::Draft;
use crate::discover::{Direction, Layout, Transaction, TransactionMode};
use crate::source::Span;

pub(crate) struct Dbmate;

impl Tool for Dbmate {
    fn units(&self, file: &ToolFile, env: &mut Env) -> Option<Vec<Draft>> {
        let source = &file.source;
        let sections = match dbmate(&source.text)? {
            Ok(sections) => sections,
            Err(refusal) => {
                // dbmate stops with an error on this file: nothing of it runs, which the run
                // must say (fail closed) rather than guess sections dbmate would not read.
                env.problems.push(InputProblem {
                    path: source.path.clone(),
                    message: format!("dbmate refuses this file: {}", refusal.message),
                    offset: Some(refusal.offset),
                    at: Some(source.line_col(refusal.offset)),
                });
                return None;
            }
        };
        let version = leading_digits(&file.file_name).map(str::to_string);
        let key = VersionKey::Lex(file.file_name.clone());
        let stem = file.stem();
        let several = sections.len() > 1;
        let mut out = Vec::new();
        for (n, section) in sections.iter().enumerate() {
            // Each `-- migrate:up` starts a section with its own down (dbmate runs the ups in
            // file order, then on rollback the downs in file order).
            let pair_key = Some(if several {
                format!("file:{}#{n}", source.display_path())
            } else {
                format!("file:{}", source.display_path())
            });
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
            out.push(draft(
                section.up.span,
                Direction::Up,
                transaction(section.up.transaction, "migrate:up"),
            ));
            out.push(draft(
                section.down.span,
                Direction::Down,
                transaction(section.down.transaction, "migrate:down"),
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
    !directives(text, "migrate:up").is_empty()
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

/// One `-- migrate:up` block and its `-- migrate:down` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DbmatePair {
    pub up: DbmateSection,
    pub down: DbmateSection,
}

/// Why dbmate stops with an error on a file, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub message: String,
    pub offset: usize,
}

/// Go's `\s` (RE2, ASCII): what dbmate's patterns take for whitespace. NBSP and other Unicode
/// spaces are not.
fn go_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0c | b'\r' | b' ')
}

/// Where dbmate's pattern `(?m)^--\s*migrate:up(\s*$|\s+\S+)` (or `migrate:down`) matches:
/// `--` in column one, ASCII whitespace, the directive, then whitespace or the end of the text
/// (so `-- migrate:upper`, `-- Migrate:up`, `  -- migrate:up` and `-- migrate:up\u{a0}...`
/// are not directives).
fn directives(text: &str, directive: &str) -> Vec<usize> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut line = 0;
    while line < b.len() {
        if b[line..].starts_with(b"--") {
            let mut j = line + 2;
            while j < b.len() && go_space(b[j]) {
                j += 1;
            }
            if b[j..].starts_with(directive.as_bytes()) {
                let after = j + directive.len();
                if after == b.len() || go_space(b[after]) {
                    out.push(line);
                }
            }
        }
        line = match b[line..].iter().position(|&c| c == b'\n') {
            Some(p) => line + p + 1,
            None => b.len(),
        };
    }
    out
}

/// dbmate's options on a directive line: the words after the directive split on ASCII
/// whitespace, each `key:value` with exactly one colon; the section runs in a transaction unless
/// `transaction` is exactly `false` (the last one wins).
fn runs_in_transaction(text: &str, at: usize, directive: &str) -> bool {
    let line = text[at..].split('\n').next().unwrap_or("");
    let rest = line[2..].trim_start_matches(|c: char| c.is_ascii() && go_space(c as u8));
    let rest = rest.strip_prefix(directive).unwrap_or(rest);
    let mut transaction = true;
    for word in rest
        .trim()
        .split(|c: char| c.is_ascii() && go_space(c as u8))
    {
        let mut parts = word.split(':');
        if let (Some(k), Some(v), None) = (parts.next(), parts.next(), parts.next())
            && k == "transaction"
        {
            transaction = v != "false";
        }
    }
    transaction
}

/// The body of the block whose directive line starts at `at` and which ends at `end`: from the
/// next line, or right after the directive comment when it ends at a bare `\r` (PostgreSQL ends
/// a `--` comment there, and dbmate sends the whole block, directive line included).
fn body(text: &str, ls: &[Line], at: usize, end: usize) -> Span {
    let first = ls.partition_point(|l| l.next <= at);
    let last = ls.partition_point(|l| l.start < end);
    let span = trimmed(text, ls, first + 1, last, |_| false);
    let line_end = ls.get(first).map_or(text.len(), |l| l.end);
    match text[at..line_end].find('\r') {
        Some(p) if !text[at + p + 1..line_end].trim().is_empty() => {
            let from = at + p + 1;
            let to = if span.is_empty() {
                line_end
            } else {
                span.end.max(line_end)
            };
            Span::new(from, to.min(end))
        }
        _ => span,
    }
}

/// dbmate's reading of a file: its up/down blocks, or why dbmate refuses it. `None` when the
/// file has no `-- migrate:up` directive (not a dbmate migration).
pub(crate) fn dbmate(text: &str) -> Option<Result<Vec<DbmatePair>, Refusal>> {
    let ups = directives(text, "migrate:up");
    let first = *ups.first()?;
    let refuse = |message: &str, offset: usize| {
        Some(Err(Refusal {
            message: message.to_string(),
            offset,
        }))
    };
    // Only blank and `--` comment lines may come before the first block.
    let mut offset = 0;
    for line in text[..first].split('\n') {
        let content = line.trim_start_matches(|c: char| c.is_ascii() && go_space(c as u8));
        if !content.is_empty() && !content.starts_with("--") {
            return refuse(
                "dbmate does not support statements preceding the '-- migrate:up' block",
                offset,
            );
        }
        offset += line.len() + 1;
    }
    let ls = lines(text);
    let mut out = Vec::new();
    for (n, &up) in ups.iter().enumerate() {
        let end = ups.get(n + 1).copied().unwrap_or(text.len());
        let downs: Vec<usize> = directives(&text[up..end], "migrate:down")
            .into_iter()
            .map(|d| up + d)
            .collect();
        let down = match downs.as_slice() {
            [] => {
                return refuse(
                    "dbmate requires each migration to define a down block with '-- migrate:down'",
                    up,
                );
            }
            [d] => *d,
            [_, second, ..] => {
                return refuse(
                    "dbmate requires every '-- migrate:down' to be preceded by a '-- migrate:up'",
                    *second,
                );
            }
        };
        out.push(DbmatePair {
            up: DbmateSection {
                span: body(text, &ls, up, down),
                transaction: runs_in_transaction(text, up, "migrate:up"),
            },
            down: DbmateSection {
                span: body(text, &ls, down, end),
                transaction: runs_in_transaction(text, down, "migrate:down"),
            },
        });
    }
    Some(Ok(out))
}

// ---------------------------------------------------------------------------------------------
// Liquibase formatted SQL
