//! SQLite statements through `sqlparser` (its SQLite dialect), split the way the `sqlite3`
//! shell does (no backslash escapes, `[bracket]` identifiers, trigger bodies); the driver is
//! shared with MySQL (`parse::mysql`).

use super::StatementBody;
use super::postgres::split::LineComment;
use crate::source::Span;

pub fn parse_unit(text: &str, range: Span) -> (Vec<(Span, StatementBody)>, Vec<LineComment>) {
    super::mysql::parse_unit(text, range, super::mysql::Flavor::Sqlite)
}
