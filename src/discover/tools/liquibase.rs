//! Liquibase formatted SQL: `--changeset author:id` units with `--rollback` lines or blocks;
//! each changeset in a transaction unless it says `runInTransaction:false`, statements sent one
//! at a time.

use super::{Env, Tool, ToolFile, tx};
use crate::discover::InputProblem;
use crate::discover::lines::{java_lines, starts_with_ci};
use crate::discover::names::VersionKey;
use crate::discover::order::Draft;
use crate::discover::{Direction, Layout, Transaction, TransactionMode};
use crate::source::Span;

pub(crate) struct Liquibase;

impl Tool for Liquibase {
    fn units(&self, file: &ToolFile, env: &mut Env) -> Option<Vec<Draft>> {
        let source = &file.source;
        let display = source.display_path();
        let sets = match liquibase(&source.text) {
            Ok(sets) => sets,
            Err(refusal) => {
                // Liquibase stops with a parse error on this changelog: nothing of it runs.
                env.problems.push(InputProblem {
                    path: source.path.clone(),
                    message: format!("Liquibase refuses this changelog: {}", refusal.message),
                    offset: Some(refusal.offset),
                    at: Some(source.line_col(refusal.offset)),
                });
                return None;
            }
        };
        let mut out = Vec::new();
        for (index, set) in sets.into_iter().enumerate() {
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
            // A precondition's SQL check runs too (before the changeset); it has no rollback.
            for check in &set.checks {
                out.push(Draft {
                    pair_key: None,
                    ..draft(*check, Direction::Up)
                });
            }
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

/// Java's `\s` (ASCII): what Liquibase's patterns take for whitespace.
fn jws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r')
}

/// The rest of `line` after `--` and whitespace (`\s*--[\s]*` when `indent` is allowed, else
/// `--[\s]*` from column one), if the line has that shape.
fn after_dashes(line: &str, indent: bool) -> Option<&str> {
    let line = if indent {
        line.trim_start_matches(jws)
    } else {
        line
    };
    Some(line.strip_prefix("--")?.trim_start_matches(jws))
}

/// `s` without a case-insensitive (ASCII) `prefix`.
fn strip_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    starts_with_ci(s, prefix).then(|| &s[prefix.len()..])
}

/// What must follow a directive's word in one of Liquibase's patterns.
#[derive(Clone, Copy)]
enum Tail {
    /// `:? ` (an optional colon, then a space): `comment`, `validCheckSum`.
    ColonSpace,
    /// `\s`: `rollback`, `preconditions`, `changeset`, `property` in their one-dash forms.
    Space,
    /// Anything.
    Any,
}

/// The rest of a line shaped `[\s*]-[\s]*WORD TAIL` with exactly one leading dash: the
/// misspellings Liquibase stops on (`-changeset`, `-rollback `, `-comment `, ...).
fn one_dash<'a>(line: &'a str, indent: bool, word: &str, tail: Tail) -> Option<&'a str> {
    let line = if indent {
        line.trim_start_matches(jws)
    } else {
        line
    };
    let r = strip_ci(line.strip_prefix('-')?.trim_start_matches(jws), word)?;
    tail_of(r, tail)
}

/// `--[\s]*WORD TAIL` (from column one): the rest after the tail.
fn two_dashes<'a>(line: &'a str, indent: bool, word: &str, tail: Tail) -> Option<&'a str> {
    tail_of(strip_ci(after_dashes(line, indent)?, word)?, tail)
}

fn tail_of(r: &str, tail: Tail) -> Option<&str> {
    match tail {
        Tail::ColonSpace => r.strip_prefix(": ").or_else(|| r.strip_prefix(' ')),
        Tail::Space => r.starts_with(jws).then(|| &r[1..]),
        Tail::Any => Some(r),
    }
}

/// Whether the first non-blank line is `--liquibase formatted ...` in column one (Liquibase's
/// `--\s*liquibase formatted.*`, case-insensitive); otherwise Liquibase does not read the file
/// as formatted SQL.
pub(crate) fn is_liquibase(text: &str) -> bool {
    java_lines(text)
        .iter()
        .map(|l| &text[l.start..l.end])
        .find(|l| !l.trim_matches(|c: char| c <= ' ').is_empty())
        .and_then(|l| after_dashes(l, false))
        .is_some_and(|c| starts_with_ci(c, "liquibase formatted"))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Changeset {
    pub author: String,
    pub id: String,
    /// Byte offset of the `--changeset` line.
    pub header: usize,
    /// False when the header's last `runInTransaction:` is not `true` (Java's
    /// `Boolean.parseBoolean`).
    pub run_in_transaction: bool,
    /// The changeset's SQL (absent when it has none).
    pub up: Option<Span>,
    /// One span per `--rollback` line (the SQL after `--rollback `) and per
    /// `/* liquibase rollback ... */` block. An empty span is an explicitly empty rollback.
    pub rollbacks: Vec<Span>,
    /// The SQL of `--precondition-sql-check` lines, which Liquibase runs before the changeset.
    pub checks: Vec<Span>,
}

/// Why Liquibase stops with a parse error on a changelog, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub message: String,
    pub offset: usize,
}

/// `author`, `id` and the attribute text of a `--changeset author:id attr:value ...` line,
/// as Liquibase's `\s*--[\s]*changeset\s+("[^"]+"|[^:]+):\s*("[^"]+"|\S+).*` reads it, and
/// whether its strict check (`author:id` with nothing between) holds.
fn changeset_header(line: &str) -> Option<(String, String, &str, bool)> {
    let s = strip_ci(after_dashes(line, true)?, "changeset")?;
    if !s.starts_with(jws) {
        return None;
    }
    let after = s.trim_start_matches(jws);
    let (author, rest) = if let Some(q) = after.strip_prefix('"')
        && let Some(end) = q.find('"')
        && end > 0
    {
        (&after[..end + 2], &after[end + 2..])
    } else {
        let colon = after.find(':')?;
        (&after[..colon], &after[colon..])
    };
    let rest = rest.strip_prefix(':')?;
    let strict = !rest.starts_with(jws);
    let rest = rest.trim_start_matches(jws);
    let (id, attrs) = if let Some(q) = rest.strip_prefix('"')
        && let Some(end) = q.find('"')
        && end > 0
    {
        (&rest[..end + 2], &rest[end + 2..])
    } else {
        let end = rest.find(jws).unwrap_or(rest.len());
        (&rest[..end], &rest[end..])
    };
    if id.is_empty() || author.is_empty() {
        return None;
    }
    let unquote = |s: &str| {
        s.strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .unwrap_or(s)
            .to_string()
    };
    Some((unquote(author), unquote(id), attrs, strict))
}

/// The value of the last `name:value` (a run of word characters) on a header line, as
/// Liquibase's greedy `.*name:(\w+).*` finds it.
fn attribute<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let lower = line.to_ascii_lowercase();
    let at = lower.rfind(&format!("{}:", name.to_ascii_lowercase()))? + name.len() + 1;
    let end = line[at..]
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(line.len(), |p| at + p);
    (end > at).then(|| &line[at..end])
}

/// Rollback text that is not SQL: an explicitly empty rollback, or a reference to another
/// changeset's SQL.
fn is_non_sql_rollback(sql: &str) -> bool {
    let t = sql.trim().trim_end_matches(';').trim().to_ascii_lowercase();
    t == "empty" || t.starts_with("not required") || t.contains("changesetid")
}

/// Liquibase's reading of a formatted SQL changelog (its `FormattedSqlChangeLogParser`, line by
/// line as `BufferedReader.readLine` splits them): the changesets, or why Liquibase stops.
pub(crate) fn liquibase(text: &str) -> Result<Vec<Changeset>, Refusal> {
    let ls = java_lines(text);
    let mut sets: Vec<Changeset> = Vec::new();
    // First and last SQL line of the current changeset.
    let mut sql_lines: Option<(usize, usize)> = None;
    let refuse = |message: String, i: usize| {
        Err(Refusal {
            message,
            offset: ls.get(i).map_or(text.len(), |l| l.start),
        })
    };
    let unexpected = |what: &str, i: usize| {
        refuse(
            format!(
                "unexpected formatting at line {} (Liquibase requires {what})",
                i + 1
            ),
            i,
        )
    };
    let finish = |sets: &mut Vec<Changeset>, sql_lines: Option<(usize, usize)>| {
        if let (Some(set), Some((a, b))) = (sets.last_mut(), sql_lines) {
            set.up = Some(Span::new(ls[a].start, ls[b].end));
        }
    };
    let span_of = |from: usize, to: usize| {
        let body = &text[from..to.max(from)];
        let lead = body.len() - body.trim_start().len();
        let end = from + body.trim_end().len();
        Span::new(from + lead, end.max(from + lead))
    };

    let mut i = 0;
    while i < ls.len() {
        let l = ls[i];
        let line = &text[l.start..l.end];
        i += 1;
        let at = i - 1;
        // --property name:value value:... (a malformed one stops Liquibase).
        let t = line.trim_start_matches(jws);
        let dashes = t.len() - t.trim_start_matches('-').len();
        if dashes > 0
            && let Some(after) = strip_ci(t[dashes..].trim_start_matches(jws), "property")
            && after.starts_with(jws)
        {
            let well_formed = dashes == 2
                && after
                    .char_indices()
                    .any(|(p, c)| jws(c) && after[..p].contains(':') && after[p..].contains(':'));
            if !well_formed {
                return unexpected("'--property name:<name> value:<value>'", at);
            }
            continue;
        }
        // --ignoreLines:start ... --ignoreLines:end, --ignoreLines:N (column one, exactly).
        if let Some(arg) = after_dashes(line, false).and_then(|r| strip_ci(r, "ignoreLines:"))
            && !arg.is_empty()
            && arg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            if arg == "start" {
                while let Some(next) = ls.get(i) {
                    i += 1;
                    let line = &text[next.start..next.end];
                    if after_dashes(line, false)
                        .and_then(|r| strip_ci(r, "ignoreLines:"))
                        .is_some_and(|a| a == "end")
                    {
                        break;
                    }
                    if one_dash(line, false, "ignoreLines:", Tail::Any).is_some() {
                        return unexpected("'--ignoreLines:end'", i - 1);
                    }
                }
                continue;
            }
            match arg.parse::<u64>() {
                Ok(n) => {
                    i = i
                        .saturating_add(usize::try_from(n).unwrap_or(usize::MAX))
                        .min(ls.len());
                    continue;
                }
                Err(_) => return refuse("unknown ignoreLines syntax".into(), at),
            }
        }
        if one_dash(line, false, "ignoreLines:", Tail::Any).is_some()
            || after_dashes(line, false)
                .and_then(|r| strip_ci(r, "ignore:"))
                .is_some_and(|a| a.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
        {
            return unexpected("'--ignoreLines:<count|start>'", at);
        }
        // --changeset author:id
        if let Some((author, id, attrs, strict)) = changeset_header(line) {
            if !strict {
                return unexpected("'--changeset <authorname>:<changesetId>'", at);
            }
            if let Some(set) = sets.last()
                && sql_lines.is_none()
            {
                return refuse(
                    format!("no SQL for changeset {}:{}", set.author, set.id),
                    at,
                );
            }
            finish(&mut sets, sql_lines.take());
            let run_in_transaction =
                attribute(attrs, "runInTransaction").is_none_or(|v| v.eq_ignore_ascii_case("true"));
            sets.push(Changeset {
                author,
                id,
                header: l.start,
                run_in_transaction,
                up: None,
                rollbacks: Vec::new(),
                checks: Vec::new(),
            });
            continue;
        }
        if one_dash(line, false, "changeset", Tail::Space).is_some()
            || after_dashes(line, true).is_some_and(|r| starts_with_ci(r, "changeset"))
        {
            return unexpected("'--changeset <authorname>:<changesetId>'", at);
        }
        let comment = two_dashes(line, false, "comment", Tail::ColonSpace).is_some();
        let Some(set) = sets.last_mut() else {
            if comment {
                return refuse(
                    format!(
                        "comment lines are not allowed outside of changesets (line {})",
                        at + 1
                    ),
                    at,
                );
            }
            // Before the first changeset Liquibase runs nothing.
            continue;
        };
        if comment {
            continue;
        }
        if two_dashes(line, false, "comments", Tail::ColonSpace).is_some()
            || one_dash(line, false, "comment", Tail::ColonSpace).is_some()
        {
            return unexpected("'--comment <comment>'", at);
        }
        if two_dashes(line, false, "validCheckSum", Tail::ColonSpace).is_some() {
            continue;
        }
        if one_dash(line, false, "validCheckSum", Tail::Any).is_some() {
            return unexpected("'--validCheckSum <checksum>'", at);
        }
        // --rollback SQL (a literal space after the word).
        if let Some(r) = two_dashes(line, true, "rollback ", Tail::Any) {
            let sql_start = l.end - r.len();
            let span = span_of(sql_start, l.end);
            if is_non_sql_rollback(r) || span.is_empty() {
                set.rollbacks.push(Span::new(span.start, span.start));
            } else {
                set.rollbacks.push(span);
            }
            continue;
        }
        if one_dash(line, true, "rollback", Tail::Space).is_some() {
            return unexpected("'--rollback <rollback SQL>'", at);
        }
        // /* liquibase rollback ... */
        let t = line.trim_start_matches(jws);
        if let Some(r) = t.strip_prefix("/*")
            && let Some(r) = strip_ci(r.trim_start_matches(jws), "liquibase")
            && let Some(r) = strip_ci(r.trim_start_matches(jws), "rollback")
            && r.trim_start_matches(jws).is_empty()
        {
            let from = l.next;
            let mut closed = None;
            while let Some(next) = ls.get(i) {
                i += 1;
                let body = &text[next.start..next.end];
                let trimmed = body.trim_end_matches(jws);
                if trimmed.ends_with("*/") {
                    closed = Some(next.start + trimmed.len() - 2);
                    break;
                }
            }
            let Some(to) = closed else {
                return refuse("Liquibase rollback comment is not closed".into(), at);
            };
            let span = span_of(from, to);
            if is_non_sql_rollback(&text[span.start..span.end]) {
                set.rollbacks.push(Span::new(span.start, span.start));
            } else {
                set.rollbacks.push(span);
            }
            continue;
        }
        if two_dashes(line, true, "preconditions", Tail::Any).is_some() {
            continue;
        }
        if one_dash(line, true, "preconditions", Tail::Space).is_some() {
            return unexpected("'--preconditions <onFail>|<onError>|<onUpdate>'", at);
        }
        if let Some(r) = two_dashes(line, true, "precondition-", Tail::Any) {
            let name_len = r
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .unwrap_or(r.len());
            if name_len > 0 && r[name_len..].starts_with(' ') {
                let name = &r[..name_len];
                if name != "sql-check" {
                    return refuse(
                        format!("the '{name}' precondition type is not supported"),
                        at,
                    );
                }
                // `[expectedResult:]word SQL` or a quoted expected result, then the SQL.
                let body = r[name_len..].trim();
                let body_at = l.end - r[name_len..].trim_start().len();
                let sql = body.split_once(' ').map(|(_, sql)| sql).unwrap_or("");
                let sql_at = body_at + (body.len() - sql.len());
                set.checks.push(span_of(sql_at, body_at + body.len()));
                continue;
            }
        }
        if one_dash(line, true, "precondition", Tail::Any).is_some() {
            return unexpected("'--precondition-sql-check'", at);
        }
        if line.trim().is_empty() {
            continue;
        }
        sql_lines = Some(match sql_lines {
            Some((a, _)) => (a, at),
            None => (at, at),
        });
    }
    finish(&mut sets, sql_lines.take());
    Ok(sets)
}

// ---------------------------------------------------------------------------------------------
// sqitch.plan
