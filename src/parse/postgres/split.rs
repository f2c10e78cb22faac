//! Splits SQL text into statements with exact byte spans, the way psql does: it understands
//! comments, quoted strings and identifiers, dollar quoting, `BEGIN ATOMIC ... END` bodies,
//! psql meta-commands (`\set`, `\i`, ...) and `COPY ... FROM stdin` data. Splitting first means a
//! syntax error in one statement never hides the others.

use crate::lex::{dollar_tag_len, is_ident_char, is_ident_start, skip_block_comment, skip_quoted};
use crate::source::Span;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chunk {
    /// A SQL statement, without its terminating semicolon.
    Sql(Span),
    /// A psql meta-command line such as `\set ON_ERROR_STOP on` (no SQL to parse).
    Meta(Span),
    /// Inline data of `COPY ... FROM stdin`, up to and including the `\.` line.
    CopyData(Span),
}

/// A `--` comment: its span covers the comment text after the dashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineComment {
    pub span: Span,
}

#[derive(Debug, Default)]
pub struct Split {
    pub chunks: Vec<Chunk>,
    pub comments: Vec<LineComment>,
}

/// Split `text[range]`; spans are offsets into `text`.
pub fn split(text: &str, range: Span) -> Split {
    let bytes = text.as_bytes();
    let end = range.end.min(bytes.len());
    let mut out = Split::default();
    let mut i = range.start;
    // Start of the current statement's first token, if any.
    let mut stmt_start: Option<usize> = None;
    let mut last_token_end = i;
    // Words of the current statement, upper-cased, only as many as the splitter needs.
    let mut first_word = String::new();
    let mut prev_word = String::new();
    let mut words_seen = 0usize;
    let mut is_copy_from_stdin = false;
    let mut copy_from = false;
    // Depth of BEGIN ATOMIC ... END (CASE ... END nests inside).
    let mut atomic_depth = 0usize;
    let mut at_line_start = true;

    macro_rules! finish {
        ($stop:expr) => {
            if let Some(s) = stmt_start.take() {
                out.chunks.push(Chunk::Sql(Span::new(s, last_token_end)));
            }
            let _ = $stop;
            words_seen = 0;
            first_word.clear();
            prev_word.clear();
            atomic_depth = 0;
        };
    }

    while i < end {
        let c = bytes[i];
        // psql meta-command: a backslash that starts a line outside any statement.
        if c == b'\\' && at_line_start && stmt_start.is_none() {
            let line_end = memchr_newline(bytes, i, end);
            out.chunks
                .push(Chunk::Meta(Span::new(i, trim_end(bytes, i, line_end))));
            i = line_end;
            continue;
        }
        if c == b'\n' {
            at_line_start = true;
            i += 1;
            continue;
        }
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        at_line_start = false;
        let token_start = i;
        match c {
            b'-' if bytes.get(i + 1) == Some(&b'-') && i + 1 < end => {
                let line_end = memchr_newline(bytes, i, end);
                out.comments.push(LineComment {
                    span: Span::new(i + 2, trim_end(bytes, i + 2, line_end)),
                });
                i = line_end;
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') && i + 1 < end => {
                i = skip_block_comment(bytes, i, end);
                continue;
            }
            b';' => {
                if atomic_depth > 0 {
                    i += 1;
                    last_token_end = i;
                    continue;
                }
                finish!(());
                i += 1;
                if is_copy_from_stdin {
                    // Data follows on the next line, up to a line holding only `\.`.
                    let data_start = memchr_newline(bytes, i, end).min(end);
                    let mut j = if data_start < end {
                        data_start + 1
                    } else {
                        end
                    };
                    let begin = j;
                    while j < end {
                        let le = memchr_newline(bytes, j, end);
                        let line = &text[j..le];
                        j = if le < end { le + 1 } else { end };
                        if line.trim_end_matches('\r') == "\\." {
                            break;
                        }
                    }
                    if begin < j {
                        out.chunks.push(Chunk::CopyData(Span::new(begin, j)));
                    }
                    i = j;
                    at_line_start = true;
                }
                is_copy_from_stdin = false;
                copy_from = false;
                continue;
            }
            b'\'' => {
                // E'...' strings allow backslash escapes.
                let escapes = token_start > range.start
                    && matches!(bytes[token_start - 1], b'e' | b'E')
                    && (token_start < range.start + 2 || !is_ident_char(bytes[token_start - 2]));
                i = skip_quoted(bytes, i, end, b'\'', escapes);
            }
            b'"' => i = skip_quoted(bytes, i, end, b'"', false),
            b'$' if i == range.start || !is_ident_char(bytes[i - 1]) => {
                match dollar_tag_len(bytes, i, end) {
                    Some(tag_len) => {
                        let tag = &bytes[i..i + tag_len];
                        let mut j = i + tag_len;
                        loop {
                            if j >= end {
                                i = end;
                                break;
                            }
                            if bytes[j] == b'$' && bytes[j..end].starts_with(tag) {
                                i = j + tag_len;
                                break;
                            }
                            j += 1;
                        }
                    }
                    None => i += 1,
                }
            }
            c if is_ident_start(c) => {
                let mut j = i;
                while j < end && is_ident_char(bytes[j]) {
                    j += 1;
                }
                let word = text[i..j].to_ascii_uppercase();
                words_seen += 1;
                if words_seen == 1 {
                    first_word = word.clone();
                }
                if first_word == "COPY" {
                    if word == "FROM" {
                        copy_from = true;
                    } else if copy_from && (word == "STDIN") {
                        is_copy_from_stdin = true;
                    }
                }
                if first_word == "CREATE" || atomic_depth > 0 {
                    if (prev_word == "BEGIN" && word == "ATOMIC")
                        || (atomic_depth > 0 && word == "CASE")
                    {
                        atomic_depth += 1;
                    } else if atomic_depth > 0 && word == "END" {
                        atomic_depth -= 1;
                    }
                }
                prev_word = word;
                i = j;
            }
            _ => {
                i += 1;
                // Multi-byte characters are consumed whole so spans stay on char boundaries.
                while i < end && !text.is_char_boundary(i) {
                    i += 1;
                }
            }
        }
        if stmt_start.is_none() {
            stmt_start = Some(token_start);
        }
        last_token_end = i.min(end);
    }
    if let Some(s) = stmt_start {
        out.chunks.push(Chunk::Sql(Span::new(s, last_token_end)));
    }
    out
}

fn memchr_newline(bytes: &[u8], from: usize, end: usize) -> usize {
    bytes[from..end]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(end, |p| from + p)
}

fn trim_end(bytes: &[u8], start: usize, mut end: usize) -> usize {
    while end > start && bytes[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sql(text: &str) -> Vec<&str> {
        split(text, Span::new(0, text.len()))
            .chunks
            .iter()
            .filter_map(|c| match c {
                Chunk::Sql(s) => Some(&text[s.start..s.end]),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn splits_on_semicolons_outside_quotes_and_comments() {
        let text = "SELECT ';'; -- a;b\nSELECT \"x;\" /* ; /* ; */ */ FROM t;\nSELECT E'\\';'";
        assert_eq!(
            sql(text),
            vec![
                "SELECT ';'",
                "SELECT \"x;\" /* ; /* ; */ */ FROM t",
                "SELECT E'\\';'"
            ]
        );
    }

    #[test]
    fn dollar_quotes_and_begin_atomic_keep_bodies_whole() {
        let text = "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;\n\
                    CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; SELECT 2; END;\n\
                    SELECT $1, a$b";
        let parts = sql(text);
        assert_eq!(parts.len(), 3, "{parts:?}");
        assert!(parts[1].ends_with("SELECT 2; END"));
        assert_eq!(parts[2], "SELECT $1, a$b");
    }

    #[test]
    fn psql_meta_commands_and_copy_data_are_not_sql() {
        let text =
            "\\set ON_ERROR_STOP on\nCOPY t FROM stdin;\n1\t2\n\\.\nSELECT 1;\n  \\ir other.sql\n";
        let s = split(text, Span::new(0, text.len()));
        let kinds: Vec<String> = s
            .chunks
            .iter()
            .map(|c| match c {
                Chunk::Sql(sp) => format!("sql:{}", &text[sp.start..sp.end]),
                Chunk::Meta(sp) => format!("meta:{}", &text[sp.start..sp.end]),
                Chunk::CopyData(sp) => format!("data:{}", &text[sp.start..sp.end]),
            })
            .collect();
        assert_eq!(
            kinds,
            vec![
                "meta:\\set ON_ERROR_STOP on",
                "sql:COPY t FROM stdin",
                "data:1\t2\n\\.\n",
                "sql:SELECT 1",
                "meta:\\ir other.sql"
            ]
        );
    }

    #[test]
    fn unterminated_string_runs_to_the_end_without_panicking() {
        assert_eq!(
            sql("SELECT 1; SELECT 'abc"),
            vec!["SELECT 1", "SELECT 'abc"]
        );
        assert_eq!(sql("SELECT $$abc"), vec!["SELECT $$abc"]);
        assert_eq!(sql("/* open"), Vec::<&str>::new());
    }

    #[test]
    fn respects_the_range_and_records_comments() {
        let text = "-- rollsafe:contract x\nDROP TABLE a;\n-- +goose Down\nDROP TABLE b;";
        let down = text.find("-- +goose Down").unwrap();
        let s = split(text, Span::new(0, down));
        assert_eq!(s.chunks, vec![Chunk::Sql(Span::new(23, 35))]);
        assert_eq!(
            &text[s.comments[0].span.start..s.comments[0].span.end],
            " rollsafe:contract x"
        );
    }
}
