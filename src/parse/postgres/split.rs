//! Splits SQL text into statements with exact byte spans, the way psql and the server read it:
//! comments (a `--` comment ends at `\n` or `\r`, as in PostgreSQL's scanner), quoted strings
//! and identifiers, dollar quoting, `BEGIN ATOMIC ... END` bodies, psql meta-commands (a
//! backslash anywhere outside a string or comment starts one; `\\` ends it and the rest of the
//! line is SQL again; `\;` ends a statement), `COPY ... FROM STDIN` and `\copy ... from stdin`
//! data (read from the next line on, up to a line holding only `\.`), and
//! `standard_conforming_strings` turned off (backslashes in plain strings then escape).
//! Splitting first means a syntax error in one statement never hides the others.
//!
//! The same reading is used in every layout: in the tools that send SQL through a driver, a
//! backslash outside a string is a syntax error and `COPY ... FROM STDIN` fails (Flyway alone
//! sends the inline data), so nothing the psql reading leaves out can run there either.

use crate::lex::{dollar_tag_len, is_ident_char, is_ident_start, skip_block_comment, skip_quoted};
use crate::source::Span;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chunk {
    /// A SQL statement, without its terminating semicolon.
    Sql(Span),
    /// A psql meta-command such as `\set ON_ERROR_STOP on` (no SQL to parse), without the
    /// `\\` that may end it.
    Meta(Span),
    /// Inline data of `COPY ... FROM stdin`, up to and including the `\.` line.
    CopyData(Span),
    /// A statement rollsafe cannot read the way the server will (why): refused, never guessed.
    Unreadable(Span, String),
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

/// How the session reads backslashes in plain `'...'` strings (`standard_conforming_strings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Conforming {
    /// On (PostgreSQL's default and pg_query's only reading): a backslash is an ordinary byte.
    On,
    /// Turned off by a statement of this unit: a backslash escapes the next byte.
    Off,
    /// Changed in a way rollsafe cannot follow (`SET LOCAL`, `set_config(...)`, a value it
    /// does not know): either reading is possible.
    Unknown,
}

/// Where a `COPY` statement stands in deciding whether data follows it: psql reads inline data
/// exactly when the server answers `COPY ... FROM STDIN` (the source right after the top-level
/// `FROM` is the keyword `STDIN`), never for a table, column or file that is called `stdin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Copy {
    No,
    /// `COPY` seen, no top-level `FROM` yet.
    Started,
    /// The top-level `FROM` seen: the next token is the source.
    AfterFrom,
    FromStdin,
}

/// Split `text[range]`; spans are offsets into `text`.
pub fn split(text: &str, range: Span) -> Split {
    split_in_session(text, range, false)
}

/// Split `text[range]` for a session in which an earlier migration may have changed
/// `standard_conforming_strings` (`session_changed`): a backslash in a plain string is then
/// refused from the start, since the server may read it as an escape.
pub fn split_in_session(text: &str, range: Span, session_changed: bool) -> Split {
    let bytes = text.as_bytes();
    let end = range.end.min(bytes.len());
    let mut out = Split::default();
    let mut i = range.start;
    // Start of the current statement's first token, if any.
    let mut stmt_start: Option<usize> = None;
    let mut last_token_end = i;
    // Whether the statement's first word is CREATE, and the last word read (as written: words
    // are compared ignoring ASCII case, without an upper-case copy of each).
    let mut first_is_create = false;
    let mut prev_word: &str = "";
    let mut words_seen = 0usize;
    let mut copy = Copy::No;
    let mut paren_depth = 0usize;
    // Depth of BEGIN ATOMIC ... END (CASE ... END nests inside).
    let mut atomic_depth = 0usize;
    // How strings are read now (`conforming`), and what the session holds after the statements
    // sent so far (`session`): statements joined by `\;` go to the server as one query string,
    // which it parses as a whole before running any of it.
    let mut conforming = if session_changed {
        Conforming::Unknown
    } else {
        Conforming::On
    };
    let mut session = conforming;
    // A plain string holding a backslash in this statement while `conforming` is not `On`.
    let mut misread: Option<usize> = None;
    // COPY ... FROM STDIN statements (and `\copy ... from stdin`) sent on the current line:
    // psql reads their data from the next line on, one block each, after the line is done.
    let mut pending_copies = 0usize;

    macro_rules! finish {
        () => {
            if let Some(s) = stmt_start.take() {
                let span = Span::new(s, last_token_end);
                let statement = &text[span.start..span.end];
                match misread.take() {
                    Some(at) => out.chunks.push(Chunk::Unreadable(
                        span,
                        misread_message(conforming, text, at),
                    )),
                    None => out.chunks.push(Chunk::Sql(span)),
                }
                session = next_conforming(session, statement);
            }
            if copy == Copy::FromStdin {
                pending_copies += 1;
            }
            copy = Copy::No;
            words_seen = 0;
            paren_depth = 0;
            first_is_create = false;
            prev_word = "";
            atomic_depth = 0;
        };
    }

    while i < end {
        let c = bytes[i];
        if c == b'\n' && pending_copies > 0 {
            i = copy_data(text, i + 1, end, pending_copies, &mut out.chunks);
            pending_copies = 0;
            continue;
        }
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let token_start = i;
        match c {
            b'-' if i + 1 < end && bytes[i + 1] == b'-' => {
                let line_end = comment_end(bytes, i, end);
                out.comments.push(LineComment {
                    span: Span::new(i + 2, trim_end(bytes, i + 2, line_end)),
                });
                i = line_end;
                continue;
            }
            b'/' if i + 1 < end && bytes[i + 1] == b'*' => {
                i = skip_block_comment(bytes, i, end);
                continue;
            }
            b';' => {
                if atomic_depth > 0 {
                    i += 1;
                    last_token_end = i;
                    continue;
                }
                finish!();
                conforming = session;
                i += 1;
                continue;
            }
            // `\;` sends nothing but is a `;` for the server: the statement ends here, and the
            // query string goes on.
            b'\\' if i + 1 < end && bytes[i + 1] == b';' => {
                finish!();
                i += 2;
                continue;
            }
            // `\:` is a literal colon (no variable interpolation): part of the statement.
            b'\\' if i + 1 < end && bytes[i + 1] == b':' => i += 2,
            b'\\' => {
                let meta = meta_command(text, i, end);
                // A command that sends the query buffer ends the statement; any other runs
                // on its own while psql keeps the buffer, which rollsafe cannot join across
                // the command: the parts are read (and parsed) apart.
                finish!();
                conforming = session;
                if meta.copy_from_stdin {
                    pending_copies += 1;
                }
                out.chunks.push(Chunk::Meta(Span::new(i, meta.end)));
                i = meta.resume;
                continue;
            }
            b'\'' => {
                // E'...' strings allow backslash escapes; plain ones too when the session
                // turned standard_conforming_strings off.
                let e_string = token_start > range.start
                    && matches!(bytes[token_start - 1], b'e' | b'E')
                    && (token_start < range.start + 2 || !is_ident_char(bytes[token_start - 2]));
                let escapes = e_string || conforming == Conforming::Off;
                i = skip_quoted(bytes, i, end, b'\'', escapes);
                if !e_string
                    && conforming != Conforming::On
                    && misread.is_none()
                    && bytes[token_start..i].contains(&b'\\')
                {
                    misread = Some(token_start);
                }
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
            b'(' => {
                paren_depth += 1;
                i += 1;
            }
            b')' => {
                paren_depth = paren_depth.saturating_sub(1);
                i += 1;
            }
            c if is_ident_start(c) => {
                let mut j = i;
                while j < end && is_ident_char(bytes[j]) {
                    j += 1;
                }
                let word = &text[i..j];
                let is = |keyword: &str| word.eq_ignore_ascii_case(keyword);
                words_seen += 1;
                if words_seen == 1 {
                    first_is_create = is("CREATE");
                    if is("COPY") {
                        copy = Copy::Started;
                    }
                }
                if paren_depth == 0 {
                    copy = match copy {
                        Copy::Started if is("FROM") => Copy::AfterFrom,
                        Copy::AfterFrom if is("STDIN") => Copy::FromStdin,
                        Copy::AfterFrom => Copy::No,
                        other => other,
                    };
                }
                if first_is_create || atomic_depth > 0 {
                    if (prev_word.eq_ignore_ascii_case("BEGIN") && is("ATOMIC"))
                        || (atomic_depth > 0 && is("CASE"))
                    {
                        atomic_depth += 1;
                    } else if atomic_depth > 0 && is("END") {
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
        // Any token but the `FROM` itself settles the COPY source (a string: a file).
        if copy == Copy::AfterFrom
            && !(c.is_ascii_alphabetic() && prev_word.eq_ignore_ascii_case("FROM"))
        {
            copy = Copy::No;
        }
        if stmt_start.is_none() {
            stmt_start = Some(token_start);
        }
        last_token_end = i.min(end);
    }
    if let Some(s) = stmt_start {
        let span = Span::new(s, last_token_end);
        out.chunks.push(match misread {
            Some(at) => Chunk::Unreadable(span, misread_message(conforming, text, at)),
            None => Chunk::Sql(span),
        });
    }
    out
}

/// Read the COPY data blocks that start at `from` (one per pending COPY), each up to and
/// including its `\.` line or the end of the text. Returns where SQL resumes.
fn copy_data(text: &str, from: usize, end: usize, blocks: usize, chunks: &mut Vec<Chunk>) -> usize {
    let bytes = text.as_bytes();
    let mut j = from;
    for _ in 0..blocks {
        let begin = j;
        while j < end {
            let le = line_end(bytes, j, end);
            let line = &text[j..le];
            j = if le < end { le + 1 } else { end };
            // psql ends the data only at a line that is exactly `\.`; Flyway (which sends the
            // data itself) at any line that trims to `\.` and runs what follows as SQL. Ending
            // at either reads at least everything either runs.
            if line.trim() == "\\." {
                break;
            }
        }
        if begin < j {
            chunks.push(Chunk::CopyData(Span::new(begin, j)));
        }
    }
    j
}

/// A psql meta-command at `i` (a backslash): where its text ends, where SQL resumes (after a
/// `\\` separator, or at the end of the line), and whether it reads COPY data from the script.
struct Meta {
    end: usize,
    resume: usize,
    copy_from_stdin: bool,
}

fn meta_command(text: &str, i: usize, end: usize) -> Meta {
    let bytes = text.as_bytes();
    let mut j = i + 1;
    while j < end && !bytes[j].is_ascii_whitespace() && bytes[j] != b'\\' {
        j += 1;
    }
    let name = &text[i + 1..j];
    // psql hands these the rest of the line as one argument, `\\` included.
    let whole_line = matches!(
        name,
        "!" | "copy" | "ef" | "ev" | "sf" | "sf+" | "sv" | "sv+" | "h" | "help"
    );
    // These take `|command` as the rest of the line.
    let pipe = matches!(name, "g" | "gx" | "o" | "out" | "w" | "write");
    let line_end = line_end(bytes, j, end);
    let mut k = j;
    let mut resume = line_end;
    let mut stop = line_end;
    while k < line_end {
        match bytes[k] {
            _ if whole_line => k = line_end,
            b'|' if pipe => k = line_end,
            b'\'' => {
                // psql's quoted argument: `''` and backslash escapes, within the line.
                k = skip_quoted(bytes, k, line_end, b'\'', true);
            }
            b'"' => k = skip_quoted(bytes, k, line_end, b'"', false),
            b'`' => k = skip_quoted(bytes, k, line_end, b'`', false),
            b'\\' if k + 1 < line_end && bytes[k + 1] == b'\\' => {
                stop = k;
                resume = k + 2;
                break;
            }
            _ => k += 1,
        }
    }
    let copy_from_stdin = name == "copy" && copy_source_is_stdin(&text[j..line_end]);
    Meta {
        end: trim_end(bytes, i, stop),
        resume,
        copy_from_stdin,
    }
}

/// `\copy TABLE [(cols)] from stdin ...`: psql reads the data from the script itself (`pstdin`
/// is psql's own standard input, not the script).
fn copy_source_is_stdin(args: &str) -> bool {
    let mut depth = 0usize;
    let mut words = Vec::new();
    let mut word = String::new();
    for ch in args.chars() {
        match ch {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            c if depth == 0 && !c.is_whitespace() => {
                word.push(c);
                continue;
            }
            _ => {}
        }
        if !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
        .iter()
        .position(|w| w.eq_ignore_ascii_case("from"))
        .and_then(|p| words.get(p + 1))
        .is_some_and(|w| w.eq_ignore_ascii_case("stdin"))
}

/// What `standard_conforming_strings` is after `statement` ran, given what it was before.
fn next_conforming(before: Conforming, statement: &str) -> Conforming {
    const NAME: &str = "standard_conforming_strings";
    // Checked on every statement: no allocation unless the name is there, and a full compare
    // only where an `s` starts.
    let b = statement.as_bytes();
    let found = b.len() >= NAME.len()
        && (0..=b.len() - NAME.len()).any(|i| {
            b[i] | 0x20 == b's' && b[i..i + NAME.len()].eq_ignore_ascii_case(NAME.as_bytes())
        });
    if !found {
        return before;
    }
    let words: Vec<String> = statement
        .split(|c: char| c.is_whitespace() || c == '=' || c == ';')
        .filter(|w| !w.is_empty())
        .map(|w| w.trim_matches('\'').to_ascii_lowercase())
        .collect();
    let at = |n: usize| words.get(n).map(String::as_str).unwrap_or("");
    match at(0) {
        "reset" if matches!(at(1), "all" | NAME) && words.len() == 2 => Conforming::On,
        "set" => {
            let (local, name_at) = match at(1) {
                "local" => (true, 2),
                "session" => (false, 2),
                _ => (false, 1),
            };
            if at(name_at) != NAME {
                return Conforming::Unknown;
            }
            let value_at = if at(name_at + 1) == "to" {
                name_at + 2
            } else {
                name_at + 1
            };
            if words.len() != value_at + 1 {
                return Conforming::Unknown;
            }
            let value = match at(value_at) {
                "default" => Some(true),
                v => parse_bool(v),
            };
            match (value, local) {
                (Some(true), false) => Conforming::On,
                (Some(false), false) => Conforming::Off,
                // SET LOCAL lasts to the end of a transaction block rollsafe does not track
                // here (and does nothing outside one).
                (Some(v), true) if v == (before == Conforming::On) => before,
                _ => Conforming::Unknown,
            }
        }
        // A SET inside a function, set_config(), ALTER ... SET, ...: not followed.
        _ => Conforming::Unknown,
    }
}

/// PostgreSQL's boolean spellings (`parse_bool`): unique prefixes of true/false/yes/no, on/off
/// (at least two letters), 1/0.
fn parse_bool(v: &str) -> Option<bool> {
    let prefix_of = |word: &str, min: usize| v.len() >= min && word.starts_with(v);
    if prefix_of("true", 1) || prefix_of("yes", 1) || prefix_of("on", 2) || v == "1" {
        Some(true)
    } else if prefix_of("false", 1) || prefix_of("no", 1) || prefix_of("off", 2) || v == "0" {
        Some(false)
    } else {
        None
    }
}

fn misread_message(conforming: Conforming, text: &str, at: usize) -> String {
    let before = &text.as_bytes()[..at];
    let line = (0..at)
        .filter(|&i| {
            before[i] == b'\n' || (before[i] == b'\r' && before.get(i + 1) != Some(&b'\n'))
        })
        .count()
        + 1;
    let state = match conforming {
        Conforming::Off => {
            "standard_conforming_strings was turned off earlier in this file, so the server reads"
        }
        _ => {
            "standard_conforming_strings was changed earlier (in this file, or in an earlier migration run in the same session) in a way rollsafe cannot follow, so the server may read"
        }
    };
    format!(
        "{state} the backslash in the string on line {line} as an escape, which changes where the string (and the statement) ends; \
         write the string as E'...' (or turn standard_conforming_strings back on first)"
    )
}

/// The end of a `--` comment: PostgreSQL's scanner (and psql's) ends it at `\n` or `\r`.
fn comment_end(bytes: &[u8], from: usize, end: usize) -> usize {
    bytes[from..end]
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .map_or(end, |p| from + p)
}

/// The end of the line psql reads (it reads input lines up to `\n`).
fn line_end(bytes: &[u8], from: usize, end: usize) -> usize {
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

    fn kinds(text: &str) -> Vec<String> {
        split(text, Span::new(0, text.len()))
            .chunks
            .iter()
            .map(|c| match c {
                Chunk::Sql(sp) => format!("sql:{}", &text[sp.start..sp.end]),
                Chunk::Meta(sp) => format!("meta:{}", &text[sp.start..sp.end]),
                Chunk::CopyData(sp) => format!("data:{}", &text[sp.start..sp.end]),
                Chunk::Unreadable(sp, _) => format!("refused:{}", &text[sp.start..sp.end]),
            })
            .collect()
    }

    #[test]
    fn psql_meta_commands_and_copy_data_are_not_sql() {
        let text =
            "\\set ON_ERROR_STOP on\nCOPY t FROM stdin;\n1\t2\n\\.\nSELECT 1;\n  \\ir other.sql\n";
        assert_eq!(
            kinds(text),
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
    fn a_dash_comment_ends_at_a_bare_carriage_return() {
        assert_eq!(
            kinds("-- note\rDROP TABLE users;\r-- x\r\nSELECT 1;"),
            vec!["sql:DROP TABLE users", "sql:SELECT 1"]
        );
    }

    #[test]
    fn meta_commands_anywhere_and_their_separators() {
        assert_eq!(
            kinds(
                "\\set x 1 \\\\ DROP TABLE users;\nSELECT 1 \\g\nSELECT 'DROP TABLE a' \\gexec\nSELECT 1 \\; DROP TABLE b;\n\\echo 'a \\\\ b' \\\\ SELECT 2;"
            ),
            vec![
                "meta:\\set x 1",
                "sql:DROP TABLE users",
                "sql:SELECT 1",
                "meta:\\g",
                "sql:SELECT 'DROP TABLE a'",
                "meta:\\gexec",
                "sql:SELECT 1",
                "sql:DROP TABLE b",
                "meta:\\echo 'a \\\\ b'",
                "sql:SELECT 2",
            ]
        );
        // Whole-line commands keep `\\` as part of their argument.
        assert_eq!(
            kinds("\\! echo \\\\ DROP TABLE x;\n"),
            vec!["meta:\\! echo \\\\ DROP TABLE x;"]
        );
    }

    #[test]
    fn copy_data_follows_only_copy_from_stdin() {
        // Not data: a table, a column or a file called stdin, STDIN inside a query or a WHERE.
        for text in [
            "COPY stdin FROM '/tmp/x';\nDROP TABLE users;\n\\.\n",
            "COPY t (stdin) FROM '/x/stdin';\nDROP TABLE users;\n\\.\n",
            "COPY t FROM '/x' WHERE stdin > 0;\nDROP TABLE users;\n\\.\n",
            "COPY (SELECT * FROM stdin) TO '/tmp/x';\nDROP TABLE users;\n\\.\n",
            "\\copy t from pstdin\nDROP TABLE users;\n\\.\n",
        ] {
            assert!(
                kinds(text).contains(&"sql:DROP TABLE users".to_string()),
                "{text:?}: {:?}",
                kinds(text)
            );
        }
        // Data: from the next line on, after the rest of the COPY's own line.
        assert_eq!(
            kinds(
                "COPY t (a) FROM STDIN WITH (FORMAT csv); DROP TABLE users;\nx;y\n\\.\nSELECT 1;"
            ),
            vec![
                "sql:COPY t (a) FROM STDIN WITH (FORMAT csv)",
                "sql:DROP TABLE users",
                "data:x;y\n\\.\n",
                "sql:SELECT 1"
            ]
        );
        assert_eq!(
            kinds("\\copy t from stdin\n1\n\\.\nSELECT 1;"),
            vec!["meta:\\copy t from stdin", "data:1\n\\.\n", "sql:SELECT 1"]
        );
        // A line that trims to `\.` ends the data for Flyway (psql keeps reading data): what
        // follows is read as SQL, so a statement Flyway runs there is seen.
        assert_eq!(
            kinds("COPY t FROM stdin;\n \\. \nDROP TABLE users;\n"),
            vec![
                "sql:COPY t FROM stdin",
                "data: \\. \n",
                "sql:DROP TABLE users"
            ]
        );
    }

    #[test]
    fn standard_conforming_strings_off_makes_backslashes_escapes() {
        let hidden = "SELECT 'x\\', '; DROP TABLE users; -- ';";
        // On (the default): one harmless SELECT.
        assert_eq!(
            kinds(hidden),
            vec!["sql:SELECT 'x\\', '; DROP TABLE users; -- '"]
        );
        // Off: the server ends the string at the second quote and runs the DROP.
        let off = format!("SET standard_conforming_strings = off;\n{hidden}");
        assert_eq!(
            kinds(&off),
            vec![
                "sql:SET standard_conforming_strings = off",
                "refused:SELECT 'x\\', '",
                "sql:DROP TABLE users"
            ]
        );
        // Back on: read as before; strings without a backslash are never refused.
        let back = format!(
            "SET standard_conforming_strings TO off;\nSELECT 'a';\nRESET standard_conforming_strings;\n{hidden}"
        );
        assert_eq!(kinds(&back).len(), 4, "{:?}", kinds(&back));
        // A change rollsafe cannot follow: any backslash in a plain string is refused.
        let local = format!("SET LOCAL standard_conforming_strings = off;\n{hidden}");
        assert_eq!(
            kinds(&local)[1],
            "refused:SELECT 'x\\', '; DROP TABLE users; -- '"
        );
        // set_config(): not followed, but E'' strings and strings without a backslash are fine.
        let local = "SELECT set_config('standard_conforming_strings', 'off', false);\nSELECT E'a\\'b', 'c';";
        assert_eq!(kinds(local)[1], "sql:SELECT E'a\\'b', 'c'");
    }

    #[test]
    fn booleans_as_postgresql_reads_them() {
        for (v, b) in [
            ("of", Some(false)),
            ("o", None),
            ("f", Some(false)),
            ("0", Some(false)),
            ("yes", Some(true)),
            ("on", Some(true)),
            ("tru", Some(true)),
            ("maybe", None),
        ] {
            assert_eq!(parse_bool(v), b, "{v}");
        }
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
