//! MySQL and MariaDB statements through `sqlparser` (its MySQL dialect), after a splitter that
//! reads the file the way the `mysql` client does (`split`), so one bad statement never hides
//! the others. SQLite shares the splitter and this driver with its own flavor and dialect.

pub mod split;

use sqlparser::dialect::{Dialect as SqlDialect, MySqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;

use super::postgres::split::LineComment;
use super::{SqlTree, StatementBody, SyntaxError};
use crate::source::Span;
pub use split::Flavor;

/// Deep enough for real migrations; deeper input is a syntax error, never a stack overflow.
const RECURSION_LIMIT: usize = 200;

/// Every statement of `text[range]`, parsed, and the `--` comments (for markers).
pub fn parse_unit(
    text: &str,
    range: Span,
    flavor: Flavor,
) -> (Vec<(Span, StatementBody)>, Vec<LineComment>) {
    let split = split::split(text, range, flavor);
    let statements = split
        .chunks
        .iter()
        .filter_map(|&span| parse_one(text, span, &split.blanks, flavor).map(|b| (span, b)))
        .collect();
    (statements, split.comments)
}

/// The text sqlparser is given: executable-comment markers blanked, MariaDB's `NOCOPY` (which
/// sqlparser does not know) read as `COPY`, all without moving any byte.
pub fn parser_text(text: &str, span: Span, blanks: &[Span]) -> String {
    let mut sql: Vec<u8> = text.as_bytes()[span.start..span.end].to_vec();
    for blank in blanks {
        if blank.start >= span.start && blank.end <= span.end {
            for b in &mut sql[blank.start - span.start..blank.end - span.start] {
                *b = b' ';
            }
        }
    }
    let upper = sql.to_ascii_uppercase();
    let mut at = 0;
    while let Some(p) = find(&upper[at..], b"NOCOPY") {
        let s = at + p;
        let before_ok = s == 0 || !crate::lex::is_ident_char(upper[s - 1]);
        let after_ok = upper
            .get(s + 6)
            .is_none_or(|&c| !crate::lex::is_ident_char(c));
        if before_ok && after_ok {
            sql[s..s + 6].copy_from_slice(b"COPY  ");
        }
        at = s + 6;
    }
    // Only whole ASCII bytes were replaced by ASCII, so this stays valid UTF-8.
    String::from_utf8(sql).unwrap_or_default()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn parse_one(text: &str, span: Span, blanks: &[Span], flavor: Flavor) -> Option<StatementBody> {
    let sql = parser_text(text, span, blanks);
    let dialect: &dyn SqlDialect = match flavor {
        Flavor::Mysql => &MySqlDialect {},
        Flavor::Sqlite => &SQLiteDialect {},
    };
    let result = Parser::new(dialect)
        .with_recursion_limit(RECURSION_LIMIT)
        .try_with_sql(&sql)
        .and_then(|mut p| p.parse_statements());
    match result {
        Ok(mut statements) if statements.len() == 1 => {
            let statement = Box::new(statements.remove(0));
            Some(StatementBody::Sql(match flavor {
                Flavor::Mysql => SqlTree::Mysql(statement),
                Flavor::Sqlite => SqlTree::Sqlite(statement),
            }))
        }
        // Only blanks (an executable comment that was empty): nothing to analyse.
        Ok(statements) if statements.is_empty() => None,
        Ok(_) => Some(StatementBody::SyntaxError(SyntaxError {
            message: "more than one statement where one was expected".into(),
            offset: span.start,
        })),
        Err(e) => {
            let (message, offset) = error_position(&e.to_string(), &sql);
            Some(StatementBody::SyntaxError(SyntaxError {
                message,
                offset: span.start + offset,
            }))
        }
    }
}

/// sqlparser ends its messages with `at Line: L, Column: C` (1-based, columns in characters):
/// the message without it, and the byte offset it names.
fn error_position(message: &str, sql: &str) -> (String, usize) {
    let message = message
        .trim_start_matches("sql parser error: ")
        .trim_start_matches("sql tokenizer error: ");
    let Some(at) = message.rfind(" at Line: ") else {
        return (message.to_string(), 0);
    };
    let mut nums = message[at + 10..]
        .split(", Column: ")
        .map(|n| n.trim().parse::<usize>().ok());
    let (Some(Some(line)), Some(Some(column))) = (nums.next(), nums.next()) else {
        return (message.to_string(), 0);
    };
    let line_start: usize = sql
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let offset = sql[line_start.min(sql.len())..]
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(sql.len(), |(o, _)| line_start + o);
    (message[..at].to_string(), offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(sql: &str, flavor: Flavor) -> Vec<(Span, StatementBody)> {
        parse_unit(sql, Span::new(0, sql.len()), flavor).0
    }

    #[test]
    fn statements_and_errors_at_their_place() {
        let sql = "ALTER TABLE t ADD COLUMN a INT, ALGORITHM=NOCOPY;\nALTER TABLE t ADD COLUMN b INTT(;\n/*!40101 SET NAMES utf8 */;";
        let out = parse(sql, Flavor::Mysql);
        assert_eq!(out.len(), 3);
        assert!(matches!(out[0].1, StatementBody::Sql(SqlTree::Mysql(_))));
        let StatementBody::SyntaxError(e) = &out[1].1 else {
            panic!("expected a syntax error: {:?}", out[1].1)
        };
        let second_line = sql.find('\n').unwrap_or(0) + 1;
        assert!(e.offset > second_line && e.offset < sql.len(), "{e:?}");
        assert!(matches!(out[2].1, StatementBody::Sql(SqlTree::Mysql(_))));
    }

    #[test]
    fn sqlite_statements() {
        let out = parse(
            "CREATE TABLE a (id INTEGER PRIMARY KEY);\nALTER TABLE a RENAME COLUMN id TO pk;",
            Flavor::Sqlite,
        );
        assert!(
            out.iter()
                .all(|(_, b)| matches!(b, StatementBody::Sql(SqlTree::Sqlite(_))))
        );
    }

    #[test]
    fn bad_input_never_panics() {
        for sql in [
            "(((((((((((((((((((((((((((((((((((((((((((((((((((((((((",
            "'",
            "/*!",
            "DELIMITER",
            "`",
            "é;ü",
            "SELECT ((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((1",
        ] {
            let _ = parse(sql, Flavor::Mysql);
            let _ = parse(sql, Flavor::Sqlite);
        }
    }
}
