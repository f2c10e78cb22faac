//! Placeholders that a migration tool substitutes before the server sees the SQL: Flyway's and
//! Liquibase's `${name}`, Go templates `{{ … }}` (pop/popx migrations), and psql variables
//! `:name`, `:'name'`, `:"name"` (set with `\set` in the file, or by sqitch and `psql -v`).
//!
//! The parser gets a copy of the text where every placeholder is replaced by its value (from
//! `[placeholders]` in rollsafe.toml, or a psql `\set` earlier in the file), or, without one, by
//! a neutral identifier or literal of the right kind. [`Substituted`] maps every offset of the
//! copy back to the file, so spans and line numbers stay the file's own. A placeholder read
//! without its real value is reported (E005): the facts of its statement may depend on it.

use std::collections::{BTreeMap, HashMap};

use crate::lex::{dollar_tag_len, is_ident_char, is_ident_start, skip_block_comment, skip_quoted};
use crate::source::Span;
use crate::target::Layout;

/// How a tool writes a placeholder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlaceholderKind {
    /// `${name}` (Flyway, Liquibase).
    DollarBrace,
    /// `{{ … }}` (Go templates).
    GoTemplate,
    /// `:name`, `:'name'`, `:"name"` (psql).
    PsqlVariable,
}

impl PlaceholderKind {
    pub fn describe(self) -> &'static str {
        match self {
            PlaceholderKind::DollarBrace => "a Flyway/Liquibase placeholder",
            PlaceholderKind::GoTemplate => "a Go template expression",
            PlaceholderKind::PsqlVariable => "a psql variable",
        }
    }
}

/// One placeholder as written, and what the parser read instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    pub span: Span,
    pub kind: PlaceholderKind,
    /// The variable's name (for a Go template, the whole expression).
    pub name: String,
    /// What the parser read in its place (same byte length as the placeholder).
    pub replacement: String,
    /// Whether the replacement is the real value (from the config or a `\set` in the file).
    pub has_value: bool,
}

/// A file's text with its placeholders replaced, and the way back to the file's offsets.
#[derive(Debug, Clone)]
pub struct Substituted {
    pub text: String,
    /// (offset in `text`, offset in the file) where each replacement starts and ends.
    edits: Vec<Edit>,
}

#[derive(Debug, Clone, Copy)]
struct Edit {
    new: Span,
    old: Span,
}

impl Substituted {
    /// The file offset of an offset of the substituted text. An offset inside a replacement
    /// maps into the placeholder it replaced.
    pub fn to_original(&self, at: usize) -> usize {
        let i = self.edits.partition_point(|e| e.new.start <= at);
        match i.checked_sub(1).map(|k| self.edits[k]) {
            None => at,
            Some(e) if at >= e.new.end => at - e.new.end + e.old.end,
            Some(e) => e.old.start + (at - e.new.start).min(e.old.len()),
        }
    }

    /// The offset in the substituted text of a file offset outside every placeholder.
    pub fn to_substituted(&self, at: usize) -> usize {
        let i = self.edits.partition_point(|e| e.old.start <= at);
        match i.checked_sub(1).map(|k| self.edits[k]) {
            None => at,
            Some(e) if at >= e.old.end => at - e.old.end + e.new.end,
            Some(e) => e.new.start,
        }
    }

    pub fn span_to_original(&self, span: Span) -> Span {
        Span::new(self.to_original(span.start), self.to_original(span.end))
    }
}

/// The unit's text with its placeholders replaced (`None` when it has none), and the
/// placeholders found, in file order.
pub fn substitute(
    text: &str,
    range: Span,
    layout: Layout,
    values: &BTreeMap<String, String>,
) -> (Option<Substituted>, Vec<Placeholder>) {
    let dollar_brace = matches!(layout, Layout::Flyway | Layout::Liquibase);
    // Flyway, Liquibase and Go's text/template replace placeholders in the raw text before any
    // SQL is read, so inside strings, comments and dollar-quoted bodies too.
    let mut found = textual_placeholders(text, range, dollar_brace, values);
    // psql interpolates variables in the layouts whose files it runs, outside quotes only.
    if matches!(layout, Layout::Plain | Layout::Sqitch) {
        let masked: std::borrow::Cow<[u8]> = if found.is_empty() {
            std::borrow::Cow::Borrowed(text.as_bytes())
        } else {
            // A template's quotes must not confuse psql's quoting: read them as `_`.
            let mut m = text.as_bytes().to_vec();
            for p in &found {
                m[p.span.start..p.span.end].fill(b'_');
            }
            std::borrow::Cow::Owned(m)
        };
        found.extend(psql_variables(&masked, range, layout, values));
        found.sort_by_key(|p| p.span.start);
    }
    if found.is_empty() {
        return (None, found);
    }
    apply(text, found)
}

/// `{{ … }}` and (Flyway, Liquibase) `${…}` anywhere in the range.
fn textual_placeholders(
    text: &str,
    range: Span,
    dollar_brace: bool,
    values: &BTreeMap<String, String>,
) -> Vec<Placeholder> {
    let b = text.as_bytes();
    let end = range.end.min(b.len());
    let mut i = range.start.min(end);
    let mut found = Vec::new();
    while i + 1 < end {
        match (b[i], b[i + 1]) {
            (b'$', b'{') if dollar_brace => {
                match b[i + 2..end].iter().position(|&x| x == b'}' || x == b'\n') {
                    Some(p) if b[i + 2 + p] == b'}' => {
                        let close = i + 2 + p + 1;
                        let name = text[i + 2..close - 1].trim().to_string();
                        let value = values.get(&name).map(String::as_str);
                        found.push(placeholder(
                            Span::new(i, close),
                            PlaceholderKind::DollarBrace,
                            name,
                            value,
                            Quoting::Bare,
                        ));
                        i = close;
                    }
                    _ => i += 1,
                }
            }
            (b'{', b'{') => match text[i + 2..end].find("}}") {
                Some(p) => {
                    let close = i + 2 + p + 2;
                    let expr = text[i + 2..close - 2].trim().to_string();
                    let value = values.get(&expr).map(String::as_str);
                    found.push(placeholder(
                        Span::new(i, close),
                        PlaceholderKind::GoTemplate,
                        expr,
                        value,
                        Quoting::Bare,
                    ));
                    i = close;
                }
                None => i += 2,
            },
            _ => i += 1,
        }
    }
    found
}

/// psql's `:name`, `:'name'`, `:"name"` outside quotes and comments, with `\set` values.
fn psql_variables(
    b: &[u8],
    range: Span,
    layout: Layout,
    values: &BTreeMap<String, String>,
) -> Vec<Placeholder> {
    let end = range.end.min(b.len());
    let mut i = range.start.min(end);
    let mut found: Vec<Placeholder> = Vec::new();
    // psql variables set so far in this unit by `\set name value`.
    let mut set: HashMap<String, String> = HashMap::new();
    let mut line_start = true;
    while i < end {
        let c = b[i];
        if line_start && c == b'\\' {
            let line_end = b[i..end]
                .iter()
                .position(|&x| x == b'\n')
                .map_or(end, |p| i + p);
            if let Some((name, value)) =
                std::str::from_utf8(&b[i..line_end]).ok().and_then(psql_set)
            {
                set.insert(name, value);
            }
            i = line_end;
            continue;
        }
        line_start = c == b'\n' || (line_start && (c == b' ' || c == b'\t' || c == b'\r'));
        match c {
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < end && b[i] != b'\n' && b[i] != b'\r' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => i = skip_block_comment(b, i, end),
            b'\'' => {
                let escapes = i > range.start && (b[i - 1] == b'e' || b[i - 1] == b'E');
                i = skip_quoted(b, i, end, b'\'', escapes);
            }
            b'"' => i = skip_quoted(b, i, end, b'"', false),
            b'$' if i == range.start || !is_ident_char(b[i - 1]) => {
                match dollar_tag_len(b, i, end) {
                    Some(len) => {
                        let tag = &b[i..i + len];
                        let body = i + len;
                        i = b[body..end]
                            .windows(len)
                            .position(|w| w == tag)
                            .map_or(end, |p| body + p + len);
                    }
                    None => i += 1,
                }
            }
            b':' if b.get(i + 1) != Some(&b':')
                && b.get(i + 1) != Some(&b'=')
                && (i == range.start
                    || !matches!(b[i - 1], b':' | b')' | b']' | b'\\')
                        && !is_ident_char(b[i - 1])) =>
            {
                match psql_variable(b, i, end) {
                    Some((close, quoting, name)) => {
                        let value = set
                            .get(name)
                            .or_else(|| values.get(name))
                            .map(String::as_str);
                        // psql leaves an unset variable as written (the server then rejects
                        // it) except in sqitch, which sets its variables itself.
                        if value.is_some() || layout == Layout::Sqitch {
                            found.push(placeholder(
                                Span::new(i, close),
                                PlaceholderKind::PsqlVariable,
                                name.to_string(),
                                value,
                                quoting,
                            ));
                        }
                        i = close;
                    }
                    None => i += 1,
                }
            }
            _ => i += 1,
        }
    }
    found
}

/// The text with every placeholder replaced, and the edits that map offsets back.
fn apply(text: &str, found: Vec<Placeholder>) -> (Option<Substituted>, Vec<Placeholder>) {
    let mut out = String::with_capacity(text.len());
    let mut edits = Vec::with_capacity(found.len());
    let mut at = 0;
    for p in &found {
        out.push_str(&text[at..p.span.start]);
        let start = out.len();
        out.push_str(&p.replacement);
        edits.push(Edit {
            new: Span::new(start, out.len()),
            old: p.span,
        });
        at = p.span.end;
    }
    out.push_str(&text[at..]);
    (Some(Substituted { text: out, edits }), found)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quoting {
    /// Interpolated as written (`${x}`, `{{ x }}`, `:x`).
    Bare,
    /// `:'x'`: a string literal.
    Literal,
    /// `:"x"`: a quoted identifier.
    Identifier,
}

/// `:name`, `:'name'` or `:"name"` at `i`: its end, quoting and name.
fn psql_variable(b: &[u8], i: usize, end: usize) -> Option<(usize, Quoting, &str)> {
    let (quoting, start) = match b.get(i + 1)? {
        b'\'' => (Quoting::Literal, i + 2),
        b'"' => (Quoting::Identifier, i + 2),
        c if is_ident_start(*c) => (Quoting::Bare, i + 1),
        _ => return None,
    };
    let mut j = start;
    while j < end && (is_ident_start(b[j]) || b[j].is_ascii_digit()) {
        j += 1;
    }
    if j == start {
        return None;
    }
    let name = std::str::from_utf8(&b[start..j]).ok()?;
    let close = match quoting {
        Quoting::Bare => j,
        Quoting::Literal if b.get(j) == Some(&b'\'') => j + 1,
        Quoting::Identifier if b.get(j) == Some(&b'"') => j + 1,
        _ => return None,
    };
    Some((close, quoting, name))
}

/// `\set name value` (psql): the name and the value, unquoted.
fn psql_set(line: &str) -> Option<(String, String)> {
    let rest = line.strip_prefix("\\set")?;
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let mut words = rest.split_whitespace();
    let name = words.next()?.to_string();
    let value: Vec<&str> = words.collect();
    let value = value.join(" ");
    let value = value
        .strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .map_or(value.clone(), |v| v.replace("''", "'"));
    Some((name, value))
}

fn placeholder(
    span: Span,
    kind: PlaceholderKind,
    name: String,
    value: Option<&str>,
    quoting: Quoting,
) -> Placeholder {
    let real = value.map(|v| match quoting {
        Quoting::Bare => v.to_string(),
        Quoting::Literal => format!("'{}'", v.replace('\'', "''")),
        Quoting::Identifier => format!("\"{}\"", v.replace('"', "\"\"")),
    });
    let (replacement, has_value) = match real {
        Some(r) => (r, true),
        None => (neutral(&name, span.len(), quoting), false),
    };
    Placeholder {
        span,
        kind,
        name,
        replacement,
        has_value,
    }
}

/// A stand-in of `len` bytes (the placeholder's own length, so columns stay put) that parses
/// where the placeholder stood: an identifier
/// made from the placeholder's name, or a literal / quoted identifier for `:'x'` / `:"x"`.
fn neutral(name: &str, len: usize, quoting: Quoting) -> String {
    let word: String = name
        .rsplit(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .find(|w| !w.is_empty())
        .unwrap_or("p")
        .to_ascii_lowercase();
    let word = if word.starts_with(|c: char| c.is_ascii_digit()) {
        format!("p{word}")
    } else {
        word
    };
    let (open, close) = match quoting {
        Quoting::Bare => ("", ""),
        Quoting::Literal => ("'", "'"),
        Quoting::Identifier => ("\"", "\""),
    };
    let inner = len.saturating_sub(open.len() + close.len());
    let mut body: String = word.chars().take(inner).collect();
    while body.len() < inner {
        body.push('_');
    }
    format!("{open}{body}{close}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(sql: &str, layout: Layout, values: &[(&str, &str)]) -> (String, Vec<Placeholder>) {
        let values: BTreeMap<String, String> = values
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let (text, found) = substitute(sql, Span::new(0, sql.len()), layout, &values);
        match text {
            Some(sub) => {
                // Every offset outside a placeholder maps back to the same byte of the file.
                for p in &found {
                    let after = sub.to_substituted(p.span.end);
                    assert_eq!(sub.to_original(after), p.span.end);
                }
                if let Some(last) = found.last() {
                    let after = sub.to_substituted(last.span.end);
                    assert_eq!(&sub.text[after..], &sql[last.span.end..]);
                }
                (sub.text, found)
            }
            None => (sql.to_string(), found),
        }
    }

    #[test]
    fn flyway_placeholders() {
        let sql =
            "CREATE TABLE ${schema}.t (id int); -- ${not} in a comment\nSELECT '${in_string}';";
        let (text, found) = run(sql, Layout::Flyway, &[]);
        // Flyway replaces placeholders before reading any SQL: in comments and strings too.
        let names: Vec<&str> = found.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["schema", "not", "in_string"]);
        assert!(text.contains("SELECT 'in_string___';"), "{text}");
        assert!(!found[0].has_value);
        assert!(text.starts_with("CREATE TABLE schema___.t"), "{text}");
        let (text, found) = run(sql, Layout::Flyway, &[("schema", "a_long_schema_name")]);
        assert!(found[0].has_value);
        assert!(
            text.starts_with("CREATE TABLE a_long_schema_name.t"),
            "{text}"
        );
        // Other layouts do not substitute `${...}`.
        assert!(run(sql, Layout::GolangMigrate, &[]).1.is_empty());
    }

    #[test]
    fn go_templates_and_psql_variables() {
        let sql = "CREATE TABLE {{ index .Options \"Namespace\" }}.t (id int);";
        let (text, found) = run(sql, Layout::GolangMigrate, &[]);
        assert_eq!(found.len(), 1);
        assert!(text.starts_with("CREATE TABLE namespace"), "{text}");
        // Go's text/template runs over the raw text: quotes and dollar bodies are no barrier.
        let sql = "DO $$ BEGIN ALTER TABLE \"{{ index .Options \"Namespace\" }}\".\"users\" \
                   ADD COLUMN x int; END $$;";
        let (text, found) = run(sql, Layout::GolangMigrate, &[]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(text.contains("ALTER TABLE \"namespace"), "{text}");
        // In a psql layout a template's quotes do not start a psql quote.
        let sql = "SELECT '{{ x }}';\n\\set t users\nDROP TABLE :t;\n";
        let (text, found) = run(sql, Layout::Plain, &[]);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(text.contains("DROP TABLE users;"), "{text}");

        let sql = "\\set tbl sessions\nDROP TABLE :tbl;\nSELECT :'missing', x::int, a[1:n];\n";
        let (text, found) = run(sql, Layout::Plain, &[]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].has_value);
        assert!(text.contains("DROP TABLE sessions;"), "{text}");
        // Unset in plain psql: left as written (psql does the same).
        assert!(text.contains(":'missing'"), "{text}");
        assert!(text.contains("x::int") && text.contains("a[1:n]"), "{text}");

        let sql = "CREATE SCHEMA :\"schema\";\nINSERT INTO t VALUES (:'who');\n";
        let (text, found) = run(sql, Layout::Sqitch, &[("who", "bob's")]);
        assert_eq!(found.len(), 2);
        assert!(text.contains("CREATE SCHEMA \"schema_\";"), "{text}");
        assert!(text.contains("VALUES ('bob''s');"), "{text}");
    }
}
