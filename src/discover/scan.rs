//! A light SQL scanner: the first tokens of each statement, upper-cased, skipping comments,
//! quoted strings and identifiers, and dollar-quoted bodies. Discovery uses it to mirror what a
//! migration tool itself decides from the text (Flyway runs a migration outside a transaction
//! when it sees a statement that cannot run in one). It is not the parser: spans and syntax are
//! the `parse` stage's job.

use crate::lex::{dollar_tag_len, is_ident_char, is_ident_start, skip_block_comment, skip_quoted};

/// The start of a statement and its first tokens: words upper-cased, a quoted string as `'`, a
/// quoted identifier as `"`, punctuation as itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Head {
    pub start: usize,
    pub tokens: Vec<String>,
}

/// The heads of the statements in `text[start..end]`, each with at most `max_tokens` tokens.
pub(crate) fn statement_heads(
    text: &str,
    start: usize,
    end: usize,
    max_tokens: usize,
) -> Vec<Head> {
    let b = text.as_bytes();
    let end = end.min(b.len());
    let mut i = start.min(end);
    let mut heads: Vec<Head> = Vec::new();
    let mut current: Option<Head> = None;

    let push = |current: &mut Option<Head>, at: usize, token: String| {
        let head = current.get_or_insert_with(|| Head {
            start: at,
            tokens: Vec::new(),
        });
        if head.tokens.len() < max_tokens {
            head.tokens.push(token);
        }
    };

    while i < end {
        let c = b[i];
        if c == b'-' && i + 1 < end && b[i + 1] == b'-' {
            // PostgreSQL ends a `--` comment at `\n` or `\r`.
            while i < end && b[i] != b'\n' && b[i] != b'\r' {
                i += 1;
            }
        } else if c == b'/' && i + 1 < end && b[i + 1] == b'*' {
            i = skip_block_comment(b, i, end);
        } else if c == b';' {
            if let Some(head) = current.take() {
                heads.push(head);
            }
            i += 1;
        } else if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'\'' {
            push(&mut current, i, "'".to_string());
            i = skip_quoted(b, i, end, b'\'', false);
        } else if c == b'"' {
            push(&mut current, i, "\"".to_string());
            i = skip_quoted(b, i, end, b'"', false);
        } else if c == b'$' {
            match dollar_tag_len(b, i, end) {
                Some(len) => {
                    let tag = &b[i..i + len];
                    push(&mut current, i, "'".to_string());
                    let body = i + len;
                    let close = b[body..end].windows(len).position(|w| w == tag);
                    i = close.map_or(end, |p| body + p + len);
                }
                None => {
                    push(&mut current, i, "$".to_string());
                    i += 1;
                }
            }
        } else if is_ident_start(c) {
            let word_start = i;
            while i < end && is_ident_char(b[i]) {
                i += 1;
            }
            let word = &text[word_start..i];
            // E'...' strings take backslash escapes; U&'...' and B'...' / X'...' do not.
            if i < end && b[i] == b'\'' && word.eq_ignore_ascii_case("e") {
                push(&mut current, word_start, "'".to_string());
                i = skip_quoted(b, i, end, b'\'', true);
            } else {
                push(&mut current, word_start, word.to_ascii_uppercase());
            }
        } else if c.is_ascii_digit() {
            let num_start = i;
            while i < end && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                i += 1;
            }
            push(&mut current, num_start, text[num_start..i].to_string());
        } else {
            // One punctuation character (a whole UTF-8 character never starts with < 0x80 here).
            push(&mut current, i, (c as char).to_string());
            i += 1;
        }
    }
    if let Some(head) = current.take() {
        heads.push(head);
    }
    heads
}

/// The statement Flyway's PostgreSQL parser marks as unable to run in a transaction, if `head`
/// is one (mirrors `PostgreSQLParser.detectCanExecuteInTransaction`). `ALTER TYPE ... ADD VALUE`
/// counts only before PostgreSQL 12.
pub(crate) fn flyway_non_transactional(head: &Head, pg_version: u32) -> Option<String> {
    let t = &head.tokens;
    let at = |i: usize| t.get(i).map(String::as_str).unwrap_or("");
    let shown = |n: usize| t.iter().take(n).cloned().collect::<Vec<_>>().join(" ");
    match at(0) {
        "CREATE" | "DROP" => {
            if matches!(at(1), "DATABASE" | "TABLESPACE" | "SUBSCRIPTION") {
                return Some(shown(2));
            }
            if at(1) == "INDEX" && at(2) == "CONCURRENTLY" {
                return Some(shown(3));
            }
            if at(1) == "UNIQUE" && at(2) == "INDEX" && at(3) == "CONCURRENTLY" {
                return Some(shown(4));
            }
            None
        }
        "ALTER" if at(1) == "SYSTEM" => Some(shown(2)),
        "ALTER" if at(1) == "TYPE" && pg_version < 12 => {
            let adds_value = t.windows(2).any(|w| w[0] == "ADD" && w[1] == "VALUE");
            adds_value.then(|| "ALTER TYPE ... ADD VALUE".to_string())
        }
        "REINDEX" => {
            let target = if at(1) == "VERBOSE" { at(2) } else { at(1) };
            matches!(target, "SCHEMA" | "DATABASE" | "SYSTEM")
                .then(|| shown(if at(1) == "VERBOSE" { 3 } else { 2 }))
        }
        "VACUUM" => Some(shown(1)),
        "DISCARD" if at(1) == "ALL" => Some(shown(2)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heads(sql: &str) -> Vec<String> {
        statement_heads(sql, 0, sql.len(), 4)
            .into_iter()
            .map(|h| h.tokens.join(" "))
            .collect()
    }

    #[test]
    fn skips_comments_strings_and_dollar_bodies() {
        let sql = "-- create index concurrently x;\nCREATE /* a; /* nested; */ b */ INDEX\n  \
                   CONCURRENTLY i ON t (c);\nINSERT INTO t VALUES ('a;b', E'c\\';d', $$x;y$$, $f$ ; $f$);\n\
                   SELECT \"we;ird\" FROM t";
        assert_eq!(
            heads(sql),
            vec![
                "CREATE INDEX CONCURRENTLY I",
                "INSERT INTO T VALUES",
                "SELECT \" FROM T"
            ]
        );
    }

    #[test]
    fn head_start_is_the_first_token() {
        let sql = "  -- c\n  VACUUM t;";
        let h = statement_heads(sql, 0, sql.len(), 3);
        assert_eq!(h.len(), 1);
        assert_eq!(&sql[h[0].start..h[0].start + 6], "VACUUM");
    }

    #[test]
    fn flyway_rules() {
        let check = |sql: &str, pg: u32| {
            let h = statement_heads(sql, 0, sql.len(), 12);
            flyway_non_transactional(&h[0], pg)
        };
        assert_eq!(
            check("create index concurrently i on t(c)", 16).as_deref(),
            Some("CREATE INDEX CONCURRENTLY")
        );
        assert!(check("CREATE UNIQUE INDEX CONCURRENTLY i ON t(c)", 16).is_some());
        assert!(check("DROP INDEX CONCURRENTLY i", 16).is_some());
        assert!(check("CREATE INDEX i ON t(c)", 16).is_none());
        // Flyway's list is narrower than PostgreSQL's: REINDEX ... CONCURRENTLY is not on it.
        assert!(check("REINDEX INDEX CONCURRENTLY i", 16).is_none());
        assert!(check("REINDEX DATABASE app", 16).is_some());
        assert!(check("VACUUM ANALYZE t", 16).is_some());
        assert!(check("ALTER TYPE mood ADD VALUE 'meh'", 11).is_some());
        assert!(check("ALTER TYPE mood ADD VALUE 'meh'", 12).is_none());
        assert!(check("ALTER SYSTEM SET work_mem = '64MB'", 16).is_some());
    }
}
