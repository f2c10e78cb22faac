//! MySQL and MariaDB statements through `sqlparser` (its MySQL dialect), after a splitter that
//! reads the file the way the `mysql` client does (`split`), so one bad statement never hides
//! the others. SQLite shares the splitter and this driver with its own flavor and dialect.

pub mod split;

use sqlparser::dialect::{Dialect as SqlDialect, MySqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;

use super::postgres::split::LineComment;
use super::{SqlTree, StatementBody, SyntaxError};
use crate::source::Span;
use crate::target::{Dialect, Target};
pub use split::Flavor;

/// Deep enough for real migrations; deeper input is a syntax error, never a stack overflow.
const RECURSION_LIMIT: usize = 200;

/// Every statement of `text[range]`, parsed, and the `--` comments (for markers).
pub fn parse_unit(
    text: &str,
    range: Span,
    flavor: Flavor,
) -> (Vec<(Span, StatementBody)>, Vec<LineComment>) {
    parse_unit_for(text, range, flavor, None)
}

/// As [`parse_unit`], for a server: executable comments it would skip (`/*!80013 ... */` on an
/// older MySQL, `/*M! ... */` on MySQL) are skipped too.
pub fn parse_unit_for(
    text: &str,
    range: Span,
    flavor: Flavor,
    server: Option<Target>,
) -> (Vec<(Span, StatementBody)>, Vec<LineComment>) {
    let mut split = split::split(text, range, flavor);
    if let Some(target) = server {
        let v = target.release;
        let number = v.major * 10_000 + v.minor * 100 + v.patch;
        let maria = target.dialect == Dialect::Mariadb;
        for (span, version, maria_only) in &split.conditional {
            let runs = (!maria_only || maria) && version.is_none_or(|n| n <= number);
            if !runs {
                split.blanks.push(*span);
            }
        }
    }
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
    // `DROP INDEX i ON t ALGORITHM=... LOCK=...`: sqlparser stops at the table; the clauses
    // (read from the text by the analysis) are blanked.
    let upper = sql.to_ascii_uppercase();
    if upper.trim_ascii_start().starts_with(b"DROP INDEX") {
        let cut = [b"ALGORITHM".as_slice(), b"LOCK".as_slice()]
            .iter()
            .filter_map(|w| find(&upper, w))
            .min();
        if let Some(cut) = cut {
            for b in &mut sql[cut..] {
                *b = b' ';
            }
        }
    }
    // `RENAME INDEX|KEY a TO b`, which sqlparser does not know, is parsed as `RENAME COLUMN`
    // (`parse_one` turns it back into an index rename). Only error offsets after it could be
    // off, by a character.
    let upper = sql.to_ascii_uppercase();
    for word in [b"RENAME INDEX ".as_slice(), b"RENAME KEY ".as_slice()] {
        if let Some(p) = find(&upper, word) {
            let mut out = sql[..p].to_vec();
            out.extend_from_slice(b"RENAME COLUMN ");
            out.extend_from_slice(&sql[p + word.len()..]);
            sql = out;
            break;
        }
    }
    // Table options in ALTER TABLE (`ENGINE=InnoDB`, `FORCE`, `CONVERT TO CHARACTER SET`, ...),
    // which sqlparser does not know, are parsed as `LOCK=DEFAULT` (a no-op the analysis
    // ignores); the analysis reads them from the text (`table_options`).
    let text_now = String::from_utf8_lossy(&sql).into_owned();
    let options = table_options(&text_now);
    for (start, end, _) in options.into_iter().rev() {
        let mut out = sql[..start].to_vec();
        out.extend_from_slice(b"LOCK=DEFAULT");
        out.extend_from_slice(&sql[end..]);
        sql = out;
    }
    // MySQL's legacy `VARCHAR(n) BINARY` attribute (a binary collation), which sqlparser does not
    // know, is read as the `COLLATE` it stands for.
    let upper = sql.to_ascii_uppercase();
    let mut at = 0;
    let mut rewritten = Vec::with_capacity(sql.len());
    while let Some(p) = find(&upper[at..], b") BINARY") {
        let s = at + p;
        let after = upper[s + 8..].iter().find(|c| !c.is_ascii_whitespace());
        rewritten.extend_from_slice(&sql[at..s]);
        if after.is_none_or(|&c| c != b'(' && !crate::lex::is_ident_char(upper[s + 8])) {
            rewritten.extend_from_slice(b") COLLATE binary");
        } else {
            rewritten.extend_from_slice(&sql[s..s + 8]);
        }
        at = s + 8;
    }
    if at > 0 {
        rewritten.extend_from_slice(&sql[at..]);
        sql = rewritten;
    }
    // MySQL's `PREPARE name FROM <string or @variable>` is parsed as the `PREPARE name AS
    // SELECT ...` sqlparser knows; the analysis only needs to know it is dynamic SQL.
    let upper = sql.to_ascii_uppercase();
    if upper.trim_ascii_start().starts_with(b"PREPARE ")
        && let Some(from) = find(&upper, b" FROM ")
    {
        let mut out = sql[..from].to_vec();
        out.extend_from_slice(b" AS SELECT 1");
        sql = out;
    }
    // SQLite's `PRAGMA x = OFF` (a keyword sqlparser does not take as a value) is parsed as the
    // number SQLite reads it as, in the same bytes.
    let upper = sql.to_ascii_uppercase();
    if upper.trim_ascii_start().starts_with(b"PRAGMA")
        && let Some(eq) = upper.iter().position(|&c| c == b'=')
    {
        let start = eq
            + 1
            + upper[eq + 1..]
                .iter()
                .take_while(|c| c.is_ascii_whitespace())
                .count();
        let len = upper[start..]
            .iter()
            .take_while(|c| c.is_ascii_alphabetic())
            .count();
        let number = match &upper[start..start + len] {
            b"OFF" | b"NO" | b"FALSE" => Some(b'0'),
            b"ON" | b"YES" | b"TRUE" => Some(b'1'),
            _ => None,
        };
        if let Some(n) = number {
            sql[start] = n;
            for b in &mut sql[start + 1..start + len] {
                *b = b' ';
            }
        }
    }
    // Only whole ASCII bytes were replaced by ASCII, so this stays valid UTF-8.
    String::from_utf8(sql).unwrap_or_default()
}

/// The words that start a table option of `ALTER TABLE`.
const TABLE_OPTIONS: &[&str] = &[
    "ENGINE",
    "FORCE",
    "ROW_FORMAT",
    "CONVERT",
    "COMMENT",
    "DEFAULT",
    "CHARACTER",
    "CHARSET",
    "COLLATE",
    "KEY_BLOCK_SIZE",
    "STATS_PERSISTENT",
    "STATS_AUTO_RECALC",
    "STATS_SAMPLE_PAGES",
    "PACK_KEYS",
    "CHECKSUM",
    "ENCRYPTION",
    "PAGE_COMPRESSED",
    "ORDER",
    "AVG_ROW_LENGTH",
    "MAX_ROWS",
    "MIN_ROWS",
    "DELAY_KEY_WRITE",
    "INSERT_METHOD",
    "TRANSACTIONAL",
];

/// The table-option clauses of an `ALTER TABLE` (byte ranges into `sql` and the option's first
/// word, upper-cased): the clauses between top-level commas that start with a table option.
pub fn table_options(sql: &str) -> Vec<(usize, usize, String)> {
    let b = sql.as_bytes();
    let upper = sql.to_ascii_uppercase();
    let trimmed = upper.trim_start();
    if !trimmed.starts_with("ALTER") {
        return Vec::new();
    }
    // Clause boundaries: top-level commas, after the `ALTER [ONLINE|IGNORE] TABLE name` head.
    let mut clauses = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    let mut words = 0;
    let mut start: Option<usize> = None;
    let mut head_done = false;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\'' | b'"' | b'`' => {
                start.get_or_insert(i);
                i = crate::lex::skip_quoted(b, i, b.len(), c, c != b'`');
                if !head_done {
                    words += 1;
                }
                continue;
            }
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => {
                if let Some(s) = start.take() {
                    clauses.push((s, i));
                }
                i += 1;
                continue;
            }
            _ => {}
        }
        if !head_done && crate::lex::is_ident_char(c) {
            let s = i;
            while i < b.len() && (crate::lex::is_ident_char(b[i]) || b[i] == b'.') {
                i += 1;
            }
            let w = &upper[s..i];
            words += 1;
            // ALTER, optional ONLINE/IGNORE, TABLE, optional IF EXISTS, then the name.
            if words >= 3 && !matches!(w, "TABLE" | "ONLINE" | "IGNORE" | "IF" | "EXISTS") {
                head_done = true;
            }
            continue;
        }
        if head_done && !c.is_ascii_whitespace() {
            start.get_or_insert(i);
        }
        i += 1;
    }
    if let Some(s) = start {
        clauses.push((s, b.len()));
    }
    clauses
        .into_iter()
        .filter_map(|(s, e)| {
            let clause = upper[s..e].trim_end();
            let first: String = clause
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            // `ORDER BY col` is a table option; a bare `ORDER` is not.
            let is_option = TABLE_OPTIONS.contains(&first.as_str())
                && (first != "ORDER" || clause.starts_with("ORDER BY"));
            is_option.then(|| (s, s + clause.len(), first))
        })
        .collect()
}

fn renames_index(sql: &str) -> bool {
    let upper = sql.to_ascii_uppercase();
    upper.contains("RENAME INDEX ") || upper.contains("RENAME KEY ")
}

/// The `RENAME COLUMN` that `parser_text` made of `RENAME INDEX`, as the index rename it is
/// (sqlparser's `RenameConstraint`: MySQL has no constraint rename).
fn index_renames_back(statement: &mut sqlparser::ast::Statement) {
    use sqlparser::ast::{AlterTableOperation as A, Statement};
    if let Statement::AlterTable(a) = statement {
        for op in &mut a.operations {
            if let A::RenameColumn {
                old_column_name,
                new_column_name,
            } = op
            {
                *op = A::RenameConstraint {
                    old_name: old_column_name.clone(),
                    new_name: new_column_name.clone(),
                };
                break;
            }
        }
    }
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
            let mut statement = Box::new(statements.remove(0));
            if renames_index(&text[span.start..span.end]) {
                index_renames_back(&mut statement);
            }
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
            refused: false,
        })),
        Err(_) if flavor == Flavor::Mysql && routine(&sql).is_some() => {
            routine(&sql).map(|r| StatementBody::Sql(SqlTree::MysqlRoutine(r)))
        }
        Err(e) => {
            let (message, offset) = error_position(&e.to_string(), &sql);
            Some(StatementBody::SyntaxError(SyntaxError {
                message,
                offset: span.start + offset,
                refused: false,
            }))
        }
    }
}

/// An identifier or qualified name as MySQL compares it: without its backticks or quotes.
pub fn unquote(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '`' | '"' | '[' | ']'))
        .collect()
}

/// The header of a `CREATE [OR REPLACE] [DEFINER = x] TRIGGER|PROCEDURE|FUNCTION|EVENT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routine {
    /// `TRIGGER`, `PROCEDURE`, `FUNCTION` or `EVENT`.
    pub kind: String,
    pub name: String,
    /// A trigger's table.
    pub on_table: Option<String>,
    pub if_not_exists: bool,
    pub or_replace: bool,
}

/// Read a routine's header from its text; `None` when it is not one.
pub fn routine(sql: &str) -> Option<Routine> {
    let words: Vec<&str> = sql
        .split(|c: char| c.is_whitespace() || c == '(' || c == ';')
        .filter(|w| !w.is_empty())
        .take(40)
        .collect();
    let upper: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
    if upper.first().map(String::as_str) != Some("CREATE") {
        return None;
    }
    let at = upper
        .iter()
        .take(8)
        .position(|w| matches!(w.as_str(), "TRIGGER" | "PROCEDURE" | "FUNCTION" | "EVENT"))?;
    let if_not_exists = upper.get(at + 1).is_some_and(|w| w == "IF");
    let name_at = if if_not_exists { at + 4 } else { at + 1 };
    let name = unquote(words.get(name_at)?);
    let on_table = (upper[at] == "TRIGGER")
        .then(|| {
            let on = upper.iter().skip(name_at).position(|w| w == "ON")? + name_at;
            words.get(on + 1).map(|t| unquote(t))
        })
        .flatten();
    Some(Routine {
        kind: upper[at].clone(),
        name,
        on_table,
        if_not_exists,
        or_replace: upper.get(1).is_some_and(|w| w == "OR"),
    })
}

/// sqlparser ends its messages with `at Line: L, Column: C` (1-based, columns in characters):
/// the message without it, and the byte offset it names.
fn error_position(message: &str, sql: &str) -> (String, usize) {
    let message = message
        .trim_start_matches("sql parser error: ")
        .trim_start_matches("sql tokenizer error: ");
    let Some(at) = message.rfind(" at Line: ") else {
        // Errors at the end of the input carry no position: point at the end.
        let offset = if message.ends_with("found: EOF") {
            sql.trim_end().len()
        } else {
            0
        };
        return (message.to_string(), offset);
    };
    let mut nums = message[at + 10..]
        .split(", Column: ")
        .map(|n| n.trim().parse::<usize>().ok());
    let (Some(Some(line)), Some(Some(column))) = (nums.next(), nums.next()) else {
        return (message.to_string(), 0);
    };
    // sqlparser places errors at the end of the input at line 0.
    if line == 0 {
        return (message[..at].to_string(), sql.trim_end().len());
    }
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
    fn table_options_are_found() {
        let sql = "ALTER TABLE `t` ADD COLUMN c INT DEFAULT 1, ENGINE=InnoDB, COMMENT 'a,b', ALGORITHM=INPLACE";
        let words: Vec<String> = table_options(sql).into_iter().map(|(_, _, w)| w).collect();
        assert_eq!(words, vec!["ENGINE", "COMMENT"]);
        assert_eq!(table_options("ALTER TABLE t FORCE").len(), 1);
        let out = parse(
            "ALTER TABLE t ENGINE=InnoDB;\nALTER TABLE t CONVERT TO CHARACTER SET utf8mb4, ALGORITHM=COPY;",
            Flavor::Mysql,
        );
        assert!(
            out.iter().all(|(_, b)| matches!(b, StatementBody::Sql(_))),
            "{out:?}"
        );
    }

    #[test]
    fn routines_with_bodies_sqlparser_cannot_read() {
        let sql = "CREATE DEFINER=`root`@`%` TRIGGER orders_check BEFORE INSERT ON `orders` FOR EACH ROW BEGIN IF NEW.x < 0 THEN SIGNAL SQLSTATE '45000'; END IF; END";
        let out = parse(sql, Flavor::Mysql);
        let StatementBody::Sql(SqlTree::MysqlRoutine(r)) = &out[0].1 else {
            panic!("{out:?}")
        };
        assert_eq!(
            (r.kind.as_str(), r.name.as_str()),
            ("TRIGGER", "orders_check")
        );
        assert_eq!(r.on_table.as_deref(), Some("orders"));
        // Anything else that fails is a syntax error.
        assert!(matches!(
            parse("CREATE TABEL x (a INT)", Flavor::Mysql)[0].1,
            StatementBody::SyntaxError(_)
        ));
    }

    #[test]
    fn legacy_binary_attribute() {
        let out = parse(
            "ALTER TABLE t MODIFY COLUMN identifier VARCHAR(255) BINARY;\nCREATE TABLE b (x BINARY(16));",
            Flavor::Mysql,
        );
        assert!(
            out.iter().all(|(_, b)| matches!(b, StatementBody::Sql(_))),
            "{out:?}"
        );
    }

    #[test]
    fn version_conditional_comments_follow_the_server() {
        let sql = "/*!80013 ALTER TABLE t ADD COLUMN a INT */;\n/*M!100301 ALTER TABLE t ADD COLUMN b INT */;";
        let count = |dialect, v: &str| {
            let target = Target::new(
                dialect,
                crate::target::Version::parse(v).unwrap_or(dialect.default_version()),
            );
            parse_unit_for(sql, Span::new(0, sql.len()), Flavor::Mysql, Some(target))
                .0
                .len()
        };
        assert_eq!(count(Dialect::Mysql, "8.0.12"), 0);
        assert_eq!(count(Dialect::Mysql, "8.0.13"), 1);
        assert_eq!(count(Dialect::Mariadb, "10.11"), 2);
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
