//! Parsing: split a migration unit into statements, parse each with the parser of its dialect
//! (PostgreSQL: pg_query, in `postgres/`), and read the rollsafe markers written in its comments.

pub mod includes;
pub mod markers;
pub mod mysql;
pub mod placeholders;
pub mod postgres;
pub mod sqlite;

use crate::discover::Migration;
use crate::source::Span;
use crate::target::Dialect;
pub use markers::{Marker, MarkerKind};
pub use placeholders::Placeholder;
use postgres::split::{self, Chunk};

/// A syntax error as PostgreSQL reports it, at an absolute byte offset in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub offset: usize,
    /// The parser never saw it: rollsafe's splitter refused to read it (the message says why).
    pub refused: bool,
}

/// A statement's parse tree, in its dialect's parser's own types.
#[derive(Debug, Clone)]
pub enum SqlTree {
    Postgres(Box<pg_query::NodeEnum>),
    /// MySQL and MariaDB (sqlparser's MySQL dialect).
    Mysql(Box<sqlparser::ast::Statement>),
    Sqlite(Box<sqlparser::ast::Statement>),
    /// A MySQL trigger, procedure, function or event whose body sqlparser cannot read (MySQL's
    /// compound statements: `SIGNAL`, `DECLARE ... HANDLER`, ...): its header, read by rollsafe.
    MysqlRoutine(mysql::Routine),
}

#[derive(Debug, Clone)]
pub enum StatementBody {
    Sql(SqlTree),
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
    /// Placeholders the tool substitutes, with what the parser read instead.
    pub placeholders: Vec<Placeholder>,
}

/// Values for the tools' placeholders (`[placeholders]` in rollsafe.toml), by name.
pub type PlaceholderValues = std::collections::BTreeMap<String, String>;

pub fn parse_migration(migration: &Migration) -> ParsedMigration {
    parse_migration_with(migration, &PlaceholderValues::new(), |_, body, _| body)
}

/// Consecutive statements are parsed in one parser call up to this many bytes: per-call
/// overhead dominates for small statements, and a bound keeps memory flat on huge files.
/// 4 KB measured best (30 MB of INSERTs: 17% less CPU than 16 KB, whose larger protobuf
/// buffers fall out of cache; 1-2 KB no better; the generated corpus about the same).
const BATCH_BYTES: usize = 4 * 1024;

/// How many batches are parsed in parallel before their statements join the unit's: enough
/// to keep every core busy, few enough that the copies in flight stay small.
const PARSE_WINDOW: usize = 256;

/// What the parser is handed: a run of SQL statements, a psql meta-command, or a statement the
/// splitter refuses to read (and why).
enum Work {
    Sql(Vec<Span>),
    Meta(Span),
    Unreadable(Span, String),
}

/// Parse a unit and lower each statement with `lower` right away (in parallel for large
/// units); statements come back in file order. `lower` gets the statement's span in the file,
/// its tree, and its text as the parser read it (placeholders substituted).
pub fn parse_migration_with<B: Send>(
    migration: &Migration,
    values: &PlaceholderValues,
    lower: impl Fn(Span, StatementBody, &str) -> B + Sync,
) -> ParsedMigration<B> {
    parse_migration_in_session(migration, values, false, lower)
}

/// [`parse_migration_with`] for a unit that runs in a session where an earlier migration may
/// have changed `standard_conforming_strings` (see [`session_may_change_strings`]).
pub fn parse_migration_in_session<B: Send>(
    migration: &Migration,
    values: &PlaceholderValues,
    session_changed: bool,
    lower: impl Fn(Span, StatementBody, &str) -> B + Sync,
) -> ParsedMigration<B> {
    if migration.target.dialect != Dialect::Postgres {
        return parse_other(migration, lower);
    }
    // The parser reads the text with the tool's placeholders substituted; every span and
    // offset it gives is mapped back to the file before anything else sees it.
    let original = migration.source.text.as_str();
    let (substituted, placeholders) =
        placeholders::substitute(original, migration.range, migration.layout, values);
    let (text, range) = match &substituted {
        Some(s) => (
            s.text.as_str(),
            Span::new(
                s.to_substituted(migration.range.start),
                s.to_substituted(migration.range.end),
            ),
        ),
        None => (original, migration.range),
    };
    let to_file = |span: Span| {
        substituted
            .as_ref()
            .map_or(span, |s| s.span_to_original(span))
    };
    let split = split::split_in_session(text, range, session_changed);
    // Comments are never substituted: markers are read from the file itself.
    let markers: Vec<Marker> = split
        .comments
        .iter()
        .filter_map(|c| markers::parse_marker(original, to_file(c.span)))
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
            Chunk::Unreadable(span, ref why) => {
                if !batch.is_empty() {
                    work.push(Work::Sql(std::mem::take(&mut batch)));
                    batch_bytes = 0;
                }
                work.push(Work::Unreadable(span, why.clone()));
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
            Work::Sql(spans) => postgres::parse_batch(text, spans),
            Work::Meta(span) => vec![(
                *span,
                StatementBody::PsqlMeta(text[span.start..span.end].to_string()),
            )],
            Work::Unreadable(span, why) => vec![(
                *span,
                StatementBody::SyntaxError(SyntaxError {
                    message: why.clone(),
                    offset: span.start,
                    refused: true,
                }),
            )],
        };
        parsed
            .into_iter()
            .map(|(read, body)| {
                let span = to_file(read);
                let body = match body {
                    StatementBody::SyntaxError(e) => StatementBody::SyntaxError(SyntaxError {
                        offset: to_file(Span::new(e.offset, e.offset)).start,
                        message: e.message,
                        refused: e.refused,
                    }),
                    other => other,
                };
                ParsedStatement {
                    span,
                    body: lower(span, body, &text[read.start..read.end]),
                    markers: Vec::new(),
                }
            })
            .collect()
    };
    // Parsed a window of work at a time (in parallel within it), straight into one vector
    // reserved for the splitter's statement count: only a window's statements are ever held
    // twice, not the whole unit's (a 30 MB file has ~400,000).
    let expected = work
        .iter()
        .map(|w| match w {
            Work::Sql(spans) => spans.len(),
            Work::Meta(_) | Work::Unreadable(..) => 1,
        })
        .sum();
    let mut statements: Vec<ParsedStatement<B>> = Vec::with_capacity(expected);
    for window in work.chunks(PARSE_WINDOW) {
        for batch in crate::threads::map_ref(window, run) {
            statements.extend(batch);
        }
    }

    ParsedMigration {
        placeholders,
        ..attach_markers(statements, markers)
    }
}

/// For each unit (in application order), whether an earlier PostgreSQL unit of its folder
/// mentions `standard_conforming_strings`: the tools run a folder's migrations on one
/// connection (sqitch excepted: one psql process per script), so a `SET` there carries over.
pub fn session_may_change_strings(units: &[Migration]) -> Vec<bool> {
    use crate::target::Layout;
    let mut changed: std::collections::HashSet<&std::path::Path> = Default::default();
    units
        .iter()
        .map(|u| {
            let before = changed.contains(u.group.as_path());
            if u.target.dialect == Dialect::Postgres
                && u.layout != Layout::Sqitch
                && u.source.text[u.range.start..u.range.end]
                    .to_ascii_lowercase()
                    .contains("standard_conforming_strings")
            {
                changed.insert(u.group.as_path());
            }
            before
        })
        .collect()
}

/// MySQL, MariaDB and SQLite: split and parsed with sqlparser (small files; one pass).
fn parse_other<B>(
    migration: &Migration,
    lower: impl Fn(Span, StatementBody, &str) -> B,
) -> ParsedMigration<B> {
    let text = &migration.source.text;
    let (parsed, comments) = match migration.target.dialect {
        Dialect::Sqlite => sqlite::parse_unit(text, migration.range),
        _ => mysql::parse_unit_for(
            text,
            migration.range,
            mysql::Flavor::Mysql,
            Some(migration.target),
        ),
    };
    let markers: Vec<Marker> = comments
        .iter()
        .filter_map(|c| markers::parse_marker(text, c.span))
        .collect();
    let statements = parsed
        .into_iter()
        .map(|(span, body)| ParsedStatement {
            span,
            body: lower(span, body, text.get(span.start..span.end).unwrap_or("")),
            markers: Vec::new(),
        })
        .collect();
    attach_markers(statements, markers)
}

fn attach_markers<B>(
    mut statements: Vec<ParsedStatement<B>>,
    mut markers: Vec<Marker>,
) -> ParsedMigration<B> {
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
        placeholders: Vec::new(),
    }
}
