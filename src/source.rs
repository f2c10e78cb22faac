//! Source text and positions: byte spans and 1-based line/column (columns in characters).

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// A half-open byte range into a [`SourceFile`]'s text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
    pub fn len(&self) -> usize {
        self.end - self.start
    }
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// A 1-based line and column; the column counts characters, not bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// A path as every output shows it: `/` separators on every platform.
pub fn display_path(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// One file's text, shared by every migration unit cut from it.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as shown to the user (relative to the working directory when possible).
    pub path: PathBuf,
    /// Empty in a copy made by [`SourceFile::released`].
    pub text: String,
    /// Made on the first [`SourceFile::line_col`]: a run that writes its report as it goes
    /// needs it only for the files with findings, and only until their findings are written.
    /// Shared with the copies [`SourceFile::released`] makes.
    positions: OnceLock<Arc<LineIndex>>,
}

/// What turns a byte offset into a line and column without the text.
#[derive(Debug)]
struct LineIndex {
    /// Where the text it indexes starts in the file (0, or an excerpt's start), that place's
    /// line and column (0-based, in characters): offsets, lines and the first line's columns
    /// below are relative to them.
    base: usize,
    first_line: usize,
    first_column: usize,
    /// The text's length in bytes.
    len: usize,
    line_starts: Vec<usize>,
    /// Every character of more than one byte: its offset, and the bytes beyond the first of
    /// it and of every such character before it. Columns count characters; most SQL has
    /// none of these.
    wide: Vec<(usize, usize)>,
}

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        // Lines end at `\n`, `\r\n` or a bare `\r`, as PostgreSQL's scanner, editors and SARIF
        // count them: a statement after a bare `\r` is on a line of its own.
        let bytes = text.as_bytes();
        let mut line_starts = vec![0];
        line_starts.extend(bytes.iter().enumerate().filter_map(|(i, &b)| {
            (b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'))).then_some(i + 1)
        }));
        // It may stay alive until the report is written.
        line_starts.shrink_to_fit();
        let mut wide = Vec::new();
        if !text.is_ascii() {
            let mut extra = 0;
            for (at, c) in text.char_indices().filter(|(_, c)| !c.is_ascii()) {
                extra += c.len_utf8() - 1;
                wide.push((at, extra));
            }
            wide.shrink_to_fit();
        }
        LineIndex {
            base: 0,
            first_line: 0,
            first_column: 0,
            len: text.len(),
            line_starts,
            wide,
        }
    }

    /// The index of the line that holds `offset` (relative to `base`).
    fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// The bytes beyond the first of the wide characters that start before `offset`.
    fn extra_before(&self, offset: usize) -> usize {
        match self.wide.partition_point(|&(at, _)| at < offset) {
            0 => 0,
            n => self.wide[n - 1].1,
        }
    }

    fn line_col(&self, offset: usize) -> LineCol {
        let mut offset = offset.saturating_sub(self.base).min(self.len);
        // An offset inside a wide character counts as the character's start.
        let n = self.wide.partition_point(|&(at, _)| at < offset);
        if n > 0 {
            let (at, extra) = self.wide[n - 1];
            let before = if n > 1 { self.wide[n - 2].1 } else { 0 };
            if offset <= at + (extra - before) {
                offset = at;
            }
        }
        let line = self.line_of(offset);
        let start = self.line_starts[line];
        let bytes = offset - start;
        let before = if line == 0 { self.first_column } else { 0 };
        LineCol {
            line: self.first_line + line + 1,
            column: before + bytes - (self.extra_before(offset) - self.extra_before(start)) + 1,
        }
    }
}

impl SourceFile {
    pub fn new(path: PathBuf, text: String) -> Arc<Self> {
        Arc::new(SourceFile {
            path,
            positions: OnceLock::new(),
            text,
        })
    }

    fn positions(&self) -> &Arc<LineIndex> {
        self.positions
            .get_or_init(|| Arc::new(LineIndex::new(&self.text)))
    }

    /// A copy without the text that still turns offsets into lines and columns: for a report
    /// that shows no source, once a unit's rules ran, so the run does not hold every file's
    /// text until the report is written.
    pub fn released(&self) -> Arc<Self> {
        Arc::new(SourceFile {
            path: self.path.clone(),
            text: String::new(),
            positions: OnceLock::from(self.positions().clone()),
        })
    }

    /// A copy without the text that turns the offsets inside `span` (and no others) into
    /// lines and columns: what a function's body needs once its file is let go, indexing the
    /// function's lines rather than the whole file's.
    pub fn excerpt(&self, span: Span) -> Arc<Self> {
        // From the span's own start, not its line's: a file of one long line holding many
        // functions would otherwise cost the line's length per function.
        let start = self.line_col(span.start);
        // With the `\n` after it: a `\r` that ends the span is not a line break of its own.
        let end = match self.text.as_bytes().get(span.end) {
            Some(b'\n') => span.end + 1,
            _ => span.end,
        };
        let piece = self.text.get(span.start..end).unwrap_or("");
        Arc::new(SourceFile {
            path: self.path.clone(),
            text: String::new(),
            positions: OnceLock::from(Arc::new(LineIndex {
                base: span.start,
                first_line: start.line - 1,
                first_column: start.column - 1,
                ..LineIndex::new(piece)
            })),
        })
    }

    /// Line and column of a byte offset. Offsets inside a multi-byte character are clamped
    /// to the character's start.
    pub fn line_col(&self, offset: usize) -> LineCol {
        self.positions().line_col(offset)
    }

    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or("")
    }

    pub fn display_path(&self) -> String {
        display_path(&self.path)
    }
}

/// The real path when the file exists, else the path with `.` and `..` folded: how files are
/// compared with git's paths and made relative to the repository root.
pub fn canonical(path: &Path) -> PathBuf {
    if let Ok(real) = std::fs::canonicalize(path) {
        return real;
    }
    // A missing file: canonicalize its folder, keep its name.
    if let (Some(parent), Some(name)) = (path.parent(), path.file_name())
        && let Ok(real) = std::fs::canonicalize(parent)
    {
        return real.join(name);
    }
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_not_bytes() {
        let f = SourceFile::new("a.sql".into(), "-- é\nSELECT 'ü', 1;\n".into());
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        let pos = f.text.find(", 1").unwrap();
        assert_eq!(
            f.line_col(pos),
            LineCol {
                line: 2,
                column: 11
            }
        );
        assert_eq!(f.line_col(f.text.len()), LineCol { line: 3, column: 1 });
    }

    #[test]
    fn positions_without_the_text_are_the_positions_with_it() {
        let text = "-- é ü\r\nSELECT '日本', 1;\rx\n𝄞a\n";
        let f = SourceFile::new("a.sql".into(), text.into());
        let released = f.released();
        assert!(released.text.is_empty());
        for offset in 0..=text.len() + 2 {
            // What counting the characters of the text gives.
            let clamped = (0..=offset.min(text.len()))
                .rev()
                .find(|&i| text.is_char_boundary(i))
                .unwrap();
            let ends_line = |&(i, c): &(usize, char)| {
                c == '\n' || (c == '\r' && text.as_bytes().get(i + 1) != Some(&b'\n'))
            };
            let breaks = || text[..clamped].char_indices().filter(ends_line);
            let line_start = breaks().next_back().map_or(0, |(i, _)| i + 1);
            let expected = LineCol {
                line: breaks().count() + 1,
                column: text[line_start..clamped].chars().count() + 1,
            };
            assert_eq!(f.line_col(offset), expected, "offset {offset}");
            assert_eq!(released.line_col(offset), expected, "offset {offset}");
        }
    }

    #[test]
    fn an_excerpt_has_the_files_positions_inside_its_span() {
        let text = "-- é ü\r\nSELECT '日本', 1;\rx\n𝄞a\nCREATE FUNCTION f() ... 'ä'\r\n$$;\nb\n";
        let f = SourceFile::new("a.sql".into(), text.into());
        let boundaries = || (0..=text.len()).filter(|&i| text.is_char_boundary(i));
        for start in boundaries() {
            for end in boundaries().filter(|&e| e >= start) {
                let excerpt = f.excerpt(Span::new(start, end));
                assert!(excerpt.text.is_empty());
                for offset in start..=end {
                    assert_eq!(
                        excerpt.line_col(offset),
                        f.line_col(offset),
                        "offset {offset} in {start}..{end}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_bare_carriage_return_ends_a_line_and_crlf_is_one_break() {
        let f = SourceFile::new("a.sql".into(), "-- a\rDROP x;\r\nSELECT 1;".into());
        let at = |s: &str| f.line_col(f.text.find(s).unwrap());
        assert_eq!(at("DROP"), LineCol { line: 2, column: 1 });
        assert_eq!(at("SELECT"), LineCol { line: 3, column: 1 });
        assert_eq!(at("\r\n"), LineCol { line: 2, column: 8 });
    }
}
