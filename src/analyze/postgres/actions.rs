//! Where each action of a multi-action `ALTER TABLE` is written. libpg_query gives an
//! `AlterTableCmd` no position, so the statement's own tokens are read: the actions are the
//! pieces separated by commas outside parentheses and brackets after the relation's name
//! (`ALTER TABLE [IF EXISTS] [ONLY] name [*]`), as PostgreSQL's grammar lists them. When the
//! pieces and the parsed actions do not line up one to one, no position is claimed (findings
//! keep the statement's).

use crate::lex::{dollar_tag_len, is_ident_char, is_ident_start, skip_block_comment, skip_quoted};
use crate::source::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Word,
    Comma,
    Open,
    Close,
    Semicolon,
    Other,
}

/// Tokens of `text` (kind, start, end), comments and white space left out.
fn tokens(text: &str) -> Vec<(Tok, usize, usize)> {
    let b = text.as_bytes();
    let end = b.len();
    let mut out = Vec::new();
    let mut i = 0;
    while i < end {
        let c = b[i];
        let start = i;
        let kind = match c {
            _ if c.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < end && b[i] != b'\n' && b[i] != b'\r' {
                    i += 1;
                }
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = skip_block_comment(b, i, end);
                continue;
            }
            b'\'' => {
                i = skip_quoted(b, i, end, b'\'', false);
                Tok::Other
            }
            b'"' => {
                i = skip_quoted(b, i, end, b'"', false);
                Tok::Word
            }
            b'$' => match dollar_tag_len(b, i, end) {
                Some(len) => {
                    let tag = &b[i..i + len];
                    i += len;
                    while i < end && !b[i..].starts_with(tag) {
                        i += 1;
                    }
                    i = (i + len).min(end);
                    Tok::Other
                }
                None => {
                    i += 1;
                    Tok::Other
                }
            },
            _ if is_ident_start(c) => {
                // E'...' strings take backslash escapes.
                if (c == b'e' || c == b'E') && b.get(i + 1) == Some(&b'\'') {
                    i = skip_quoted(b, i + 1, end, b'\'', true);
                    Tok::Other
                } else {
                    while i < end && is_ident_char(b[i]) {
                        i += 1;
                    }
                    Tok::Word
                }
            }
            b',' => {
                i += 1;
                Tok::Comma
            }
            b'(' | b'[' => {
                i += 1;
                Tok::Open
            }
            b')' | b']' => {
                i += 1;
                Tok::Close
            }
            b';' => {
                i += 1;
                Tok::Semicolon
            }
            _ => {
                i += 1;
                Tok::Other
            }
        };
        out.push((kind, start, i));
    }
    out
}

/// The span of each action of a multi-action `ALTER TABLE` (see `StatementFacts::action_spans`).
pub fn of(node: &pg_query::NodeEnum, text: &str, offset: usize) -> Vec<Span> {
    match node {
        pg_query::NodeEnum::AlterTableStmt(s) if s.cmds.len() > 1 => {
            action_spans(text, offset, s.cmds.len()).unwrap_or_default()
        }
        _ => Vec::new(),
    }
}

/// The span (in the file: `offset` is where `text` starts) of each of the `count` actions of
/// the `ALTER ...` statement `text`; `None` when they cannot be told apart.
pub fn action_spans(text: &str, offset: usize, count: usize) -> Option<Vec<Span>> {
    let toks = tokens(text);
    let word = |i: usize, w: &str| {
        toks.get(i)
            .is_some_and(|&(k, s, e)| k == Tok::Word && text[s..e].eq_ignore_ascii_case(w))
    };
    // ALTER [MATERIALIZED | FOREIGN] TABLE|INDEX|VIEW|SEQUENCE|TYPE [IF EXISTS] [ONLY] name [*]
    let mut i = 0;
    if !word(i, "alter") {
        return None;
    }
    i += 1;
    if word(i, "materialized") || word(i, "foreign") {
        i += 1;
    }
    i += 1;
    if word(i, "if") && word(i + 1, "exists") {
        i += 2;
    }
    if word(i, "only") {
        i += 1;
    }
    // The name: words joined by dots.
    if toks.get(i).is_none_or(|t| t.0 != Tok::Word) {
        return None;
    }
    i += 1;
    while toks
        .get(i)
        .is_some_and(|&(k, s, e)| k == Tok::Other && &text[s..e] == ".")
        && toks.get(i + 1).is_some_and(|t| t.0 == Tok::Word)
    {
        i += 2;
    }
    if toks
        .get(i)
        .is_some_and(|&(k, s, e)| k == Tok::Other && &text[s..e] == "*")
    {
        i += 1;
    }
    let mut spans = Vec::new();
    let mut depth = 0usize;
    let mut piece: Option<(usize, usize)> = None;
    for &(kind, s, e) in &toks[i..] {
        match kind {
            Tok::Comma if depth == 0 => {
                spans.push(piece.take()?);
                continue;
            }
            Tok::Semicolon if depth == 0 => break,
            Tok::Open => depth += 1,
            Tok::Close => depth = depth.saturating_sub(1),
            _ => {}
        }
        piece = Some(piece.map_or((s, e), |(start, _)| (start, e)));
    }
    spans.push(piece?);
    (spans.len() == count).then(|| {
        spans
            .into_iter()
            .map(|(s, e)| Span::new(offset + s, offset + e))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(text: &str, count: usize) -> Option<Vec<&str>> {
        let spans = action_spans(text, 0, count)?;
        Some(spans.iter().map(|s| &text[s.start..s.end]).collect())
    }

    #[test]
    fn splits_actions_outside_parentheses_strings_and_comments() {
        let sql = "ALTER TABLE IF EXISTS ONLY \"my schema\".t\n  ADD COLUMN a numeric(10,2) DEFAULT ',' , -- x, y\n  ALTER COLUMN b TYPE int[] USING ARRAY[1,2],\n  ADD CONSTRAINT c CHECK (a IN (1, 2)) /* , */;";
        assert_eq!(
            pieces(sql, 3).unwrap(),
            vec![
                "ADD COLUMN a numeric(10,2) DEFAULT ','",
                "ALTER COLUMN b TYPE int[] USING ARRAY[1,2]",
                "ADD CONSTRAINT c CHECK (a IN (1, 2))",
            ]
        );
        assert_eq!(
            pieces("ALTER TABLE t DROP COLUMN x, SET NOT NULL", 1),
            None,
            "a count that does not match claims nothing"
        );
        assert_eq!(
            pieces("ALTER TABLE t* ALTER c SET DEFAULT E'\\',', DROP x", 2).unwrap(),
            vec!["ALTER c SET DEFAULT E'\\','", "DROP x"]
        );
    }
}
