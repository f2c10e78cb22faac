//! Splits MySQL/MariaDB and SQLite text into statements with exact byte spans, the way the
//! `mysql` client and `sqlite3` shell do: quoted strings (MySQL: backslash escapes), backtick
//! and (SQLite) bracket identifiers, `#` comments (MySQL), `DELIMITER` lines (MySQL client),
//! executable comments `/*! ... */` (their content is SQL), and `BEGIN ... END` bodies of
//! triggers and routines, whose inner semicolons do not end the statement.

use crate::lex::{is_ident_char, skip_quoted};
use crate::parse::postgres::split::LineComment;
use crate::source::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Mysql,
    Sqlite,
}

#[derive(Debug, Default)]
pub struct Split {
    /// Statements without their delimiter.
    pub chunks: Vec<Span>,
    /// `--` comments (markers live there).
    pub comments: Vec<LineComment>,
    /// The `/*!NNNNN` openers and `*/` closers of executable comments: blanked before parsing.
    pub blanks: Vec<Span>,
    /// Each executable comment whole, with its version (`/*!80013`: 80013) and whether it is
    /// MariaDB's `/*M!`: a server older than the version skips its content.
    pub conditional: Vec<(Span, Option<u32>, bool)>,
}

/// Split `text[range]`; spans are offsets into `text`.
pub fn split(text: &str, range: Span, flavor: Flavor) -> Split {
    let b = text.as_bytes();
    let end = range.end.min(b.len());
    let mysql = flavor == Flavor::Mysql;
    let mut out = Split::default();
    let mut i = range.start;
    let mut delimiter: Vec<u8> = b";".to_vec();
    let mut stmt_start: Option<usize> = None;
    let mut last_end = i;
    let mut at_line_start = true;
    let mut in_exec_comment = false;
    let mut exec_open: (usize, Option<u32>, bool) = (0, None, false);
    // Words seen in the statement (upper-cased, only the first few) and the body depth.
    let mut words: Vec<String> = Vec::new();
    let mut compound = false;
    let mut depth = 0usize;
    let mut pending_end = false;

    while i < end {
        let c = b[i];
        if c == b'\n' {
            at_line_start = true;
            i += 1;
            continue;
        }
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let line_start = at_line_start;
        at_line_start = false;
        // `DELIMITER //` (a mysql client command) on its own line, outside a statement.
        if mysql && line_start && stmt_start.is_none() && starts_word(b, i, end, b"DELIMITER") {
            let line_end = line_end(b, i, end);
            let arg = text[i + 9..line_end].trim();
            if !arg.is_empty() {
                delimiter = arg.as_bytes().to_vec();
            }
            i = line_end;
            continue;
        }
        // Comments.
        if c == b'-' && i + 1 < end && b[i + 1] == b'-' {
            let after = b.get(i + 2).copied();
            // MySQL needs whitespace (or the end) after `--`.
            if !mysql || after.is_none_or(|a| a.is_ascii_whitespace()) || i + 2 >= end {
                let e = line_end(b, i, end);
                out.comments.push(LineComment {
                    span: Span::new(i + 2, e),
                });
                i = e;
                at_line_start = true;
                continue;
            }
        }
        if mysql && c == b'#' {
            i = line_end(b, i, end);
            continue;
        }
        if c == b'/' && i + 1 < end && b[i + 1] == b'*' {
            let exec = mysql
                && (b.get(i + 2) == Some(&b'!')
                    || (b.get(i + 2) == Some(&b'M') && b.get(i + 3) == Some(&b'!')));
            if exec && !in_exec_comment {
                let mut j = i + if b[i + 2] == b'M' { 4 } else { 3 };
                while j < end && b[j].is_ascii_digit() {
                    j += 1;
                }
                out.blanks.push(Span::new(i, j));
                let maria = b[i + 2] == b'M';
                let digits_at = i + if maria { 4 } else { 3 };
                exec_open = (i, text[digits_at..j].parse().ok(), maria);
                in_exec_comment = true;
                stmt_start.get_or_insert(i);
                last_end = j;
                i = j;
                continue;
            }
            let mut j = i + 2;
            while j + 1 < end && !(b[j] == b'*' && b[j + 1] == b'/') {
                j += 1;
            }
            i = (j + 2).min(end);
            continue;
        }
        if in_exec_comment && c == b'*' && b.get(i + 1) == Some(&b'/') {
            out.blanks.push(Span::new(i, i + 2));
            out.conditional
                .push((Span::new(exec_open.0, i + 2), exec_open.1, exec_open.2));
            in_exec_comment = false;
            last_end = i + 2;
            i += 2;
            continue;
        }
        // The delimiter ends the statement, unless inside a trigger or routine body.
        if pending_end && b[i..end].starts_with(&delimiter) {
            pending_end = false;
            depth = depth.saturating_sub(1);
        }
        if b[i..end].starts_with(&delimiter) && (depth == 0 || delimiter != b";") {
            if let Some(s) = stmt_start.take() {
                out.chunks.push(Span::new(s, last_end));
            }
            words.clear();
            compound = false;
            depth = 0;
            pending_end = false;
            i += delimiter.len();
            continue;
        }
        stmt_start.get_or_insert(i);
        match c {
            b'\'' | b'"' => {
                i = skip_quoted(b, i, end, c, mysql);
            }
            b'`' => i = skip_quoted(b, i, end, b'`', false),
            b'[' if !mysql => {
                i = b[i..end]
                    .iter()
                    .position(|&x| x == b']')
                    .map_or(end, |p| i + p + 1);
            }
            _ if is_ident_char(c) => {
                let s = i;
                // A custom delimiter may follow a word directly (`END$$`).
                while i < end
                    && is_ident_char(b[i])
                    && (delimiter == b";" || !b[i..end].starts_with(&delimiter))
                {
                    i += 1;
                }
                let word = text[s..i].to_ascii_uppercase();
                if words.len() < 12 {
                    words.push(word.clone());
                    if words[0] == "CREATE"
                        && matches!(
                            word.as_str(),
                            "TRIGGER" | "PROCEDURE" | "FUNCTION" | "EVENT"
                        )
                    {
                        compound = true;
                    }
                }
                if compound {
                    // `END IF`, `END LOOP`, ... close blocks that were not counted.
                    if pending_end {
                        pending_end = false;
                        if !matches!(word.as_str(), "IF" | "LOOP" | "WHILE" | "REPEAT") {
                            depth = depth.saturating_sub(1);
                        }
                    }
                    match word.as_str() {
                        "BEGIN" => depth += 1,
                        "CASE" if depth > 0 => depth += 1,
                        "END" if depth > 0 => pending_end = true,
                        _ => {}
                    }
                }
            }
            _ => {
                if pending_end {
                    pending_end = false;
                    depth = depth.saturating_sub(1);
                }
                i += 1;
            }
        }
        last_end = i;
    }
    if let Some(s) = stmt_start {
        out.chunks.push(Span::new(s, last_end));
    }
    out
}

fn starts_word(b: &[u8], i: usize, end: usize, word: &[u8]) -> bool {
    i + word.len() <= end
        && b[i..i + word.len()].eq_ignore_ascii_case(word)
        && (i + word.len() == end || !is_ident_char(b[i + word.len()]))
}

fn line_end(b: &[u8], i: usize, end: usize) -> usize {
    b[i..end]
        .iter()
        .position(|&x| x == b'\n')
        .map_or(end, |p| i + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(text: &str, flavor: Flavor) -> Vec<&str> {
        split(text, Span::new(0, text.len()), flavor)
            .chunks
            .iter()
            .map(|s| &text[s.start..s.end])
            .collect()
    }

    #[test]
    fn mysql_quoting_and_comments() {
        let sql = "INSERT INTO t VALUES ('a\\';b', `x;y`); # c;\n-- d;\nSELECT \"q;\"; --x;\n";
        assert_eq!(
            parts(sql, Flavor::Mysql),
            vec![
                "INSERT INTO t VALUES ('a\\';b', `x;y`)",
                "SELECT \"q;\"",
                "--x"
            ]
        );
    }

    #[test]
    fn delimiter_blocks_and_bodies() {
        let sql = "DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END$$\nDELIMITER ;\nSELECT 3;\nCREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN IF 1 THEN SET @a = 1; END IF; END;\nSELECT 4;";
        assert_eq!(
            parts(sql, Flavor::Mysql),
            vec![
                "CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END",
                "SELECT 3",
                "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN IF 1 THEN SET @a = 1; END IF; END",
                "SELECT 4"
            ]
        );
    }

    #[test]
    fn executable_comments_are_statements() {
        let sql = "/*!40101 SET NAMES utf8 */;\n/* plain; */ SELECT 1;";
        let s = split(sql, Span::new(0, sql.len()), Flavor::Mysql);
        assert_eq!(s.chunks.len(), 2);
        assert_eq!(s.blanks.len(), 2);
        assert_eq!(&sql[s.chunks[1].start..s.chunks[1].end], "SELECT 1");
    }

    #[test]
    fn sqlite_trigger_and_brackets() {
        let sql = "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET x = CASE WHEN 1 THEN 2 END; END;\nSELECT [a;b] FROM 'x\\';";
        assert_eq!(
            parts(sql, Flavor::Sqlite),
            vec![
                "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET x = CASE WHEN 1 THEN 2 END; END",
                "SELECT [a;b] FROM 'x\\'"
            ]
        );
    }
}
