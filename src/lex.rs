//! PostgreSQL's lexical rules, in one place: identifiers, quoted strings and identifiers,
//! dollar quotes and nested block comments. The parse stage's psql splitter and discovery's
//! statement scanner (which mirrors what a migration tool reads, e.g. Flyway) both build on
//! these, so the two can never disagree about where a string or a comment ends.

pub fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

pub fn is_ident_char(b: u8) -> bool {
    is_ident_start(b) || b.is_ascii_digit() || b == b'$'
}

/// Skip a quoted run starting at `i` (which holds `quote`); a doubled quote is an escaped one,
/// and with `backslash` a backslash escapes the next byte (PostgreSQL `E'...'` strings).
/// Returns the offset after the closing quote, or `end` when it is unterminated.
pub fn skip_quoted(b: &[u8], mut i: usize, end: usize, quote: u8, backslash: bool) -> usize {
    i += 1;
    while i < end {
        if backslash && b[i] == b'\\' {
            i += 2;
            continue;
        }
        if b[i] == quote {
            if i + 1 < end && b[i + 1] == quote {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    end
}

/// At `i` (a `$`), the length of a dollar-quote tag (`$$` or `$tag$`), if one starts here.
pub fn dollar_tag_len(b: &[u8], i: usize, end: usize) -> Option<usize> {
    let mut j = i + 1;
    if j < end && b[j] == b'$' {
        return Some(2);
    }
    if j >= end || !is_ident_start(b[j]) {
        return None;
    }
    while j < end && (is_ident_start(b[j]) || b[j].is_ascii_digit()) {
        j += 1;
    }
    (j < end && b[j] == b'$').then_some(j + 1 - i)
}

/// Skip a block comment starting at `i` (which holds `/*`); PostgreSQL's block comments nest.
/// Returns the offset after the closing `*/`, or `end` when it is unterminated.
pub fn skip_block_comment(b: &[u8], mut i: usize, end: usize) -> usize {
    let mut depth = 0usize;
    while i < end {
        if b[i] == b'/' && i + 1 < end && b[i + 1] == b'*' {
            depth += 1;
            i += 2;
        } else if b[i] == b'*' && i + 1 < end && b[i + 1] == b'/' {
            depth -= 1;
            i += 2;
            if depth == 0 {
                break;
            }
        } else {
            i += 1;
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_tags_and_comments() {
        let s = b"'it''s' E'a\\'b' $f$x$f$ /* a /* b */ c */ tail";
        assert_eq!(skip_quoted(s, 0, s.len(), b'\'', false), 7);
        assert_eq!(skip_quoted(s, 9, s.len(), b'\'', true), 15);
        assert_eq!(dollar_tag_len(s, 16, s.len()), Some(3));
        assert_eq!(dollar_tag_len(b"$1", 0, 2), None);
        let c = s.iter().position(|&b| b == b'/').unwrap_or(0);
        assert_eq!(&s[skip_block_comment(s, c, s.len())..], b" tail");
        assert_eq!(skip_quoted(b"'open", 0, 5, b'\'', false), 5);
    }
}
