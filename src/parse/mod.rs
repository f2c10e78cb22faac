//! Parsing: split a migration unit into statements, parse each with PostgreSQL's own parser
//! (pg_query), and read the rollsafe markers written in its comments.

pub mod markers;
pub mod split;

use crate::discover::Migration;
use crate::source::Span;
pub use markers::{Marker, MarkerKind};
use split::Chunk;

/// A syntax error as PostgreSQL reports it, at an absolute byte offset in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub offset: usize,
}

#[derive(Debug, Clone)]
pub enum StatementBody {
    Sql(Box<pg_query::NodeEnum>),
    /// A psql meta-command (`\set`, `\i`, `\connect`, ...): understood, not SQL.
    PsqlMeta(String),
    SyntaxError(SyntaxError),
}

/// One statement of a unit. `B` is what its body has been lowered to: the parse tree itself
/// (`StatementBody`), or, through [`parse_migration_with`], whatever the next stage makes of it,
/// so that parse trees need not all be alive at once.
#[derive(Debug, Clone)]
pub struct ParsedStatement<B = StatementBody> {
    pub span: Span,
    pub body: B,
    /// Indices into `ParsedMigration::markers` of the statement-scoped markers right before it.
    pub markers: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct ParsedMigration<B = StatementBody> {
    pub statements: Vec<ParsedStatement<B>>,
    pub markers: Vec<Marker>,
}

pub fn parse_migration(migration: &Migration) -> ParsedMigration {
    parse_migration_with(migration, |_, body| body)
}

/// Consecutive statements are parsed in one parser call up to this many bytes: per-call
/// overhead dominates for small statements, and a bound keeps memory flat on huge files.
const BATCH_BYTES: usize = 16 * 1024;

/// What the parser is handed: a run of SQL statements, or a psql meta-command line.
enum Work {
    Sql(Vec<Span>),
    Meta(Span),
}

/// Parse a unit and lower each statement with `lower` right away (in parallel for large
/// units); statements come back in file order.
pub fn parse_migration_with<B: Send>(
    migration: &Migration,
    lower: impl Fn(Span, StatementBody) -> B + Sync,
) -> ParsedMigration<B> {
    use rayon::prelude::*;

    let text = &migration.source.text;
    let split = split::split(text, migration.range);
    let mut markers: Vec<Marker> = split
        .comments
        .iter()
        .filter_map(|c| markers::parse_marker(text, c.span))
        .collect();

    let mut work: Vec<Work> = Vec::new();
    let mut batch: Vec<Span> = Vec::new();
    let mut batch_bytes = 0;
    for chunk in &split.chunks {
        match *chunk {
            Chunk::Sql(span) => {
                if batch_bytes + span.len() > BATCH_BYTES && !batch.is_empty() {
                    work.push(Work::Sql(std::mem::take(&mut batch)));
                    batch_bytes = 0;
                }
                batch_bytes += span.len();
                batch.push(span);
            }
            Chunk::Meta(span) => {
                if !batch.is_empty() {
                    work.push(Work::Sql(std::mem::take(&mut batch)));
                    batch_bytes = 0;
                }
                work.push(Work::Meta(span));
            }
            // COPY data ends the run: it is not SQL.
            Chunk::CopyData(_) => {
                if !batch.is_empty() {
                    work.push(Work::Sql(std::mem::take(&mut batch)));
                    batch_bytes = 0;
                }
            }
        }
    }
    if !batch.is_empty() {
        work.push(Work::Sql(batch));
    }

    let run = |w: &Work| -> Vec<ParsedStatement<B>> {
        let parsed = match w {
            Work::Sql(spans) => parse_batch(text, spans),
            Work::Meta(span) => vec![(
                *span,
                StatementBody::PsqlMeta(text[span.start..span.end].to_string()),
            )],
        };
        parsed
            .into_iter()
            .map(|(span, body)| ParsedStatement {
                span,
                body: lower(span, body),
                markers: Vec::new(),
            })
            .collect()
    };
    let mut statements: Vec<ParsedStatement<B>> = if work.len() > 1 {
        work.par_iter()
            .map(run)
            .collect::<Vec<_>>()
            .into_iter()
            .flatten()
            .collect()
    } else {
        work.iter().flat_map(run).collect()
    };

    // A statement-scoped marker covers the first statement that starts after it.
    let mut next = 0;
    for (i, marker) in markers.iter_mut().enumerate() {
        if marker.file_scope {
            continue;
        }
        while next < statements.len() && statements[next].span.start < marker.span.end {
            next += 1;
        }
        if let Some(stmt) = statements.get_mut(next) {
            stmt.markers.push(i);
            marker.covers = Some(next);
        }
    }
    ParsedMigration {
        statements,
        markers,
    }
}

/// Parse consecutive statements (spans of `text`) in one parser call; only a batch with an
/// error is parsed again statement by statement, so one bad statement never hides the others.
fn parse_batch(text: &str, batch: &[Span]) -> Vec<(Span, StatementBody)> {
    match batch {
        [] => Vec::new(),
        [one] => parse_sql(text, *one),
        [first, .., last] => {
            let whole = Span::new(first.start, last.end);
            match pg_query::parse(
                &text[whole.start..whole.end],
                pg_query::ParserOptions::DEFAULT,
            ) {
                // The parser must agree with the splitter on the statement count; otherwise
                // fall back so spans stay exactly the splitter's.
                Ok(result) if result.protobuf.stmts.len() == batch.len() => result
                    .protobuf
                    .stmts
                    .into_iter()
                    .zip(batch.iter())
                    .map(|(raw, span)| {
                        let body = match raw.stmt.and_then(|n| n.node) {
                            Some(node) => StatementBody::Sql(Box::new(node)),
                            None => StatementBody::SyntaxError(SyntaxError {
                                message: "empty statement".into(),
                                offset: span.start,
                            }),
                        };
                        (*span, body)
                    })
                    .collect(),
                _ => batch
                    .iter()
                    .flat_map(|span| parse_sql(text, *span))
                    .collect(),
            }
        }
    }
}

fn parse_sql(text: &str, span: Span) -> Vec<(Span, StatementBody)> {
    let sql = &text[span.start..span.end];
    match pg_query::parse(sql, pg_query::ParserOptions::DEFAULT) {
        Ok(result) => {
            let mut out = Vec::new();
            for raw in result.protobuf.stmts {
                let start = span.start + (raw.stmt_location.max(0) as usize).min(sql.len());
                let end = if raw.stmt_len > 0 {
                    (start + raw.stmt_len as usize).min(span.end)
                } else {
                    span.end
                };
                let body = match raw.stmt.and_then(|n| n.node) {
                    Some(node) => StatementBody::Sql(Box::new(node)),
                    None => StatementBody::SyntaxError(SyntaxError {
                        message: "empty statement".into(),
                        offset: start,
                    }),
                };
                out.push((Span::new(start, end), body));
            }
            out
        }
        Err(err) => {
            let (message, offset) = error_position(sql).unwrap_or_else(|| (err.to_string(), 0));
            vec![(
                span,
                StatementBody::SyntaxError(SyntaxError {
                    message,
                    offset: span.start + offset,
                }),
            )]
        }
    }
}

/// The pg_query crate drops the parser's cursor position; libpg_query's C API has it. This is
/// only called on the error path, so the second parse costs nothing on valid input.
fn error_position(sql: &str) -> Option<(String, usize)> {
    use std::ffi::{CStr, CString, c_char, c_int};

    #[repr(C)]
    struct PgQueryError {
        message: *mut c_char,
        funcname: *mut c_char,
        filename: *mut c_char,
        lineno: c_int,
        cursorpos: c_int,
        context: *mut c_char,
    }
    #[repr(C)]
    struct PgQueryParseResult {
        parse_tree: *mut c_char,
        stderr_buffer: *mut c_char,
        error: *mut PgQueryError,
    }
    unsafe extern "C" {
        fn pg_query_parse(input: *const c_char) -> PgQueryParseResult;
        fn pg_query_free_parse_result(result: PgQueryParseResult);
    }

    let input = CString::new(sql).ok()?;
    // SAFETY: libpg_query's documented API: the input is a NUL-terminated string, the result is
    // read before it is freed, and freed exactly once.
    unsafe {
        let result = pg_query_parse(input.as_ptr());
        let out = if result.error.is_null() {
            None
        } else {
            let error = &*result.error;
            let message = CStr::from_ptr(error.message).to_string_lossy().into_owned();
            // cursorpos counts characters from 1; 0 means "no position".
            let chars = (error.cursorpos.max(1) - 1) as usize;
            let offset = sql.char_indices().nth(chars).map_or(sql.len(), |(i, _)| i);
            Some((message, offset))
        };
        pg_query_free_parse_result(result);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body_kinds(sql: &str) -> Vec<String> {
        parse_sql(sql, Span::new(0, sql.len()))
            .into_iter()
            .map(|(_, body)| match body {
                StatementBody::Sql(_) => "sql".to_string(),
                StatementBody::PsqlMeta(_) => "meta".to_string(),
                StatementBody::SyntaxError(e) => format!("error@{}:{}", e.offset, e.message),
            })
            .collect()
    }

    #[test]
    fn syntax_error_has_the_parser_position() {
        let sql = "SELECT 1 FROMM t";
        assert_eq!(
            body_kinds(sql),
            vec!["error@15:syntax error at or near \"t\""]
        );
        let sql = "CREATE TABLE é (a int,, b int)";
        let kinds = body_kinds(sql);
        // The offset is in bytes even though the parser counts characters.
        assert_eq!(
            kinds,
            vec![format!(
                "error@{}:syntax error at or near \",\"",
                sql.find(",,").unwrap() + 1
            )]
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let sql = format!("SELECT {}1{}", "(".repeat(10_000), ")".repeat(10_000));
        let kinds = body_kinds(&sql);
        assert_eq!(kinds.len(), 1);
        assert!(kinds[0].starts_with("error@"), "{kinds:?}");
    }
}
