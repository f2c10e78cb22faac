//! Line-level reading shared by the tools whose files hold several units (goose, dbmate,
//! Liquibase): lines with their byte ranges, and section spans trimmed of directive lines, so
//! every span is a range of the original text and line numbers stay the file's real ones.

use crate::source::Span;

/// One line of text: `start..end` excludes the line terminator; `next` is the next line's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Line {
    pub start: usize,
    pub end: usize,
    pub next: usize,
}

pub(crate) fn lines(text: &str) -> Vec<Line> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    while start < b.len() {
        let (end, next) = match b[start..].iter().position(|&c| c == b'\n') {
            Some(p) => (start + p, start + p + 1),
            None => (b.len(), b.len()),
        };
        let end = if end > start && b[end - 1] == b'\r' {
            end - 1
        } else {
            end
        };
        out.push(Line { start, end, next });
        start = next;
    }
    out
}

/// Lines as Java's `BufferedReader.readLine` reads them (Liquibase): a line ends at `\n`,
/// `\r\n` or a bare `\r`.
pub(crate) fn java_lines(text: &str) -> Vec<Line> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    while start < b.len() {
        let (end, next) = match b[start..].iter().position(|&c| c == b'\n' || c == b'\r') {
            Some(p) if b[start + p] == b'\r' && b.get(start + p + 1) == Some(&b'\n') => {
                (start + p, start + p + 2)
            }
            Some(p) => (start + p, start + p + 1),
            None => (b.len(), b.len()),
        };
        out.push(Line { start, end, next });
        start = next;
    }
    out
}

/// The span of `ls[from..to]` without the leading and trailing lines that are blank or for which
/// `skip` holds. An empty section gives an empty span where it would start.
pub(crate) fn trimmed(
    text: &str,
    ls: &[Line],
    from: usize,
    to: usize,
    skip: impl Fn(&str) -> bool,
) -> Span {
    let to = to.min(ls.len());
    let keep = |i: &usize| {
        let line = &text[ls[*i].start..ls[*i].end];
        !line.trim().is_empty() && !skip(line)
    };
    let first = (from..to).find(keep);
    let last = (from..to).rev().find(keep);
    match (first, last) {
        (Some(a), Some(b)) => Span::new(ls[a].start, ls[b].end),
        _ => {
            let at = if from < ls.len() {
                ls[from].start
            } else {
                text.len()
            };
            Span::new(at, at)
        }
    }
}

pub(crate) fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_handle_crlf_and_no_final_newline() {
        let ls = lines("a\r\nbc\nd");
        assert_eq!(
            ls,
            vec![
                Line {
                    start: 0,
                    end: 1,
                    next: 3
                },
                Line {
                    start: 3,
                    end: 5,
                    next: 6
                },
                Line {
                    start: 6,
                    end: 7,
                    next: 7
                }
            ]
        );
    }
}
