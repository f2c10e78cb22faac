//! Liquibase formatted SQL: `--changeset author:id` units with `--rollback` lines or blocks;
//! each changeset in a transaction unless it says `runInTransaction:false`, statements sent one
//! at a time.

use super::{Env, Tool, ToolFile, tx};
use crate::discover::lines::{dash_comment, lines, starts_with_ci};
use crate::discover::names::VersionKey;
use crate::discover::order::Draft;
use crate::discover::{Direction, Layout, Transaction, TransactionMode};
use crate::source::Span;

pub(crate) struct Liquibase;

impl Tool for Liquibase {
    fn units(&self, file: &ToolFile, _env: &mut Env) -> Option<Vec<Draft>> {
        let source = &file.source;
        let display = source.display_path();
        let mut out = Vec::new();
        for (index, set) in liquibase(&source.text).into_iter().enumerate() {
            let key = VersionKey::Seq(display.clone(), index);
            let pair_key = Some(format!("changeset:{display}#{index}"));
            let version = Some(format!("{}:{}", set.author, set.id));
            let transaction = transaction(set.run_in_transaction);
            let draft = |range: Span, direction: Direction| Draft {
                source: source.clone(),
                range,
                layout: Layout::Liquibase,
                direction,
                version: version.clone(),
                name: set.id.clone(),
                transaction: transaction.clone(),
                rank: 0,
                key: key.clone(),
                pair_key: pair_key.clone(),
            };
            if let Some(up) = set.up {
                out.push(draft(up, Direction::Up));
            }
            for rollback in &set.rollbacks {
                out.push(draft(*rollback, Direction::Down));
            }
        }
        Some(out)
    }

    fn transaction_opt_out(&self) -> &'static str {
        " (`runInTransaction:false` on the changeset)"
    }
}

fn transaction(run_in_transaction: bool) -> Transaction {
    if run_in_transaction {
        tx(
            TransactionMode::Wrapped,
            "Liquibase runs each changeset in a transaction unless its `--changeset` line sets `runInTransaction:false`",
        )
    } else {
        tx(
            TransactionMode::PerStatement,
            "the `--changeset` line sets `runInTransaction:false`, so Liquibase runs this changeset outside a transaction, one statement at a time",
        )
    }
}

/// Whether the first non-blank line is `--liquibase formatted sql`.
pub(crate) fn is_liquibase(text: &str) -> bool {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .and_then(dash_comment)
        .is_some_and(|c| starts_with_ci(c, "liquibase formatted"))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Changeset {
    pub author: String,
    pub id: String,
    /// Byte offset of the `--changeset` line.
    pub header: usize,
    /// False when the header has `runInTransaction:false`.
    pub run_in_transaction: bool,
    /// The changeset's SQL (absent when it has none).
    pub up: Option<Span>,
    /// One span per `--rollback` line (the SQL after `--rollback `) and per
    /// `/* liquibase rollback ... */` block. An empty span is an explicitly empty rollback.
    pub rollbacks: Vec<Span>,
}

/// `author`, `id` and the attribute text of a `--changeset author:id attr:value ...` line.
fn changeset_header(line: &str) -> Option<(String, String, &str)> {
    let s = dash_comment(line)?;
    if !starts_with_ci(s, "changeset") {
        return None;
    }
    let after = &s["changeset".len()..];
    if !after.starts_with(char::is_whitespace) {
        return None;
    }
    let after = after.trim_start();
    let quoted = |s: &str| -> Option<(usize, usize)> {
        // (content end, rest start) of a "quoted" token at the start of `s`.
        let end = s.get(1..)?.find('"')? + 1;
        Some((end, end + 1))
    };
    let (author, rest) = if after.starts_with('"') {
        let (end, rest) = quoted(after)?;
        (after[1..end].to_string(), &after[rest..])
    } else {
        let colon = after.find(':')?;
        (after[..colon].trim().to_string(), &after[colon..])
    };
    let rest = rest.strip_prefix(':')?.trim_start();
    let (id, attrs) = if rest.starts_with('"') {
        let (end, next) = quoted(rest)?;
        (rest[1..end].to_string(), &rest[next..])
    } else {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        (rest[..end].to_string(), &rest[end..])
    };
    if id.is_empty() || author.is_empty() {
        return None;
    }
    Some((author, id, attrs))
}

/// The value of `name:value` among a changeset's attributes (case-insensitive name).
fn attribute<'a>(attrs: &'a str, name: &str) -> Option<&'a str> {
    attrs.split_whitespace().find_map(|pair| {
        let (k, v) = pair.split_once(':')?;
        k.eq_ignore_ascii_case(name).then_some(v)
    })
}

/// Liquibase directive lines other than `--changeset` and `--rollback`: never part of the SQL.
fn is_liquibase_directive(line: &str) -> bool {
    let Some(c) = dash_comment(line) else {
        return false;
    };
    let lower = c.to_ascii_lowercase();
    [
        "comment:",
        "comment ",
        "comments:",
        "comments ",
        "preconditions",
        "precondition-",
        "validchecksum",
        "ignorelines:",
        "property ",
        "liquibase formatted",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
}

/// Rollback text that is not SQL: an explicitly empty rollback, or a reference to another
/// changeset's SQL.
fn is_non_sql_rollback(sql: &str) -> bool {
    let t = sql.trim().trim_end_matches(';').trim().to_ascii_lowercase();
    t == "empty" || t == "not required" || t.contains("changesetid:")
}

pub(crate) fn liquibase(text: &str) -> Vec<Changeset> {
    let ls = lines(text);
    let mut sets: Vec<Changeset> = Vec::new();
    // First and last SQL line of the current changeset.
    let mut sql_lines: Option<(usize, usize)> = None;
    let mut block_start: Option<usize> = None;
    let mut ignore_until_end = false;
    let mut ignore_count = 0usize;

    let finish = |sets: &mut Vec<Changeset>, sql_lines: Option<(usize, usize)>| {
        if let (Some(set), Some((a, b))) = (sets.last_mut(), sql_lines) {
            set.up = Some(Span::new(ls[a].start, ls[b].end));
        }
    };

    for (i, l) in ls.iter().enumerate() {
        let line = &text[l.start..l.end];
        if ignore_count > 0 {
            ignore_count -= 1;
            continue;
        }
        if ignore_until_end {
            if dash_comment(line)
                .is_some_and(|c| c.to_ascii_lowercase().starts_with("ignorelines:end"))
            {
                ignore_until_end = false;
            }
            continue;
        }
        if let Some(start) = block_start {
            if let Some(close) = line.rfind("*/")
                && line[close + 2..].trim().is_empty()
            {
                block_start = None;
                if let Some(set) = sets.last_mut() {
                    let from = ls[start].next;
                    let to = l.start + close;
                    let body = text.get(from..to.max(from)).unwrap_or("");
                    let lead = body.len() - body.trim_start().len();
                    let span = Span::new(from + lead, from + body.trim_end().len());
                    let span = if span.end < span.start {
                        Span::new(span.start, span.start)
                    } else {
                        span
                    };
                    if is_non_sql_rollback(&text[span.start..span.end]) {
                        set.rollbacks.push(Span::new(span.start, span.start));
                    } else {
                        set.rollbacks.push(span);
                    }
                }
            }
            continue;
        }
        if let Some((author, id, attrs)) = changeset_header(line) {
            finish(&mut sets, sql_lines.take());
            let run_in_transaction = !attribute(attrs, "runInTransaction")
                .is_some_and(|v| v.eq_ignore_ascii_case("false"));
            sets.push(Changeset {
                author,
                id,
                header: l.start,
                run_in_transaction,
                up: None,
                rollbacks: Vec::new(),
            });
            continue;
        }
        if let Some(c) = dash_comment(line) {
            if starts_with_ci(c, "rollback ") {
                if let Some(set) = sets.last_mut() {
                    let sql_start = l.end - (c.len() - "rollback ".len());
                    let sql = &text[sql_start..l.end];
                    let lead = sql.len() - sql.trim_start().len();
                    let span = Span::new(sql_start + lead, sql_start + sql.trim_end().len());
                    let span = if span.end < span.start {
                        Span::new(span.start, span.start)
                    } else {
                        span
                    };
                    if is_non_sql_rollback(sql) || span.is_empty() {
                        set.rollbacks.push(Span::new(span.start, span.start));
                    } else {
                        set.rollbacks.push(span);
                    }
                }
                continue;
            }
            let lower = c.to_ascii_lowercase();
            if let Some(arg) = lower.strip_prefix("ignorelines:") {
                if arg.trim() == "start" {
                    ignore_until_end = true;
                } else {
                    ignore_count = arg.trim().parse().unwrap_or(0);
                }
                continue;
            }
        }
        let trimmed_line = line.trim();
        if starts_with_ci(trimmed_line, "/*")
            && trimmed_line[2..]
                .trim()
                .to_ascii_lowercase()
                .split_whitespace()
                .eq(["liquibase", "rollback"])
        {
            block_start = Some(i);
            continue;
        }
        if is_liquibase_directive(line) || trimmed_line.is_empty() || sets.is_empty() {
            continue;
        }
        sql_lines = Some(match sql_lines {
            Some((a, _)) => (a, i),
            None => (i, i),
        });
    }
    finish(&mut sets, sql_lines.take());
    sets
}

// ---------------------------------------------------------------------------------------------
// sqitch.plan
