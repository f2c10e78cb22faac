//! psql includes: `\i FILE`, `\include FILE` (relative to the working directory, as psql
//! resolves them), `\ir FILE`, `\include_relative FILE` (relative to the including file).
//!
//! Each included file becomes a migration unit of its own, placed right after the unit that
//! includes it (depth first, so a file's own includes follow it), with the including unit's
//! direction, layout, engine, group and transaction, and a link back to the `\i` line
//! (`Migration::included_by`). Keeping it a unit of its own keeps every span an offset into the
//! file that holds it, so findings are reported at the included file's own path and line;
//! analysis gives it the markers that cover the `\i` line. It lives in `parse` because what
//! counts as a meta-command is the psql splitter's reading of the text.
//!
//! What cannot be followed is an input problem of the including file (E002, an error), never
//! silence: a missing or unreadable file, an include cycle, nesting deeper than psql-sized
//! sanity allows, a file name psql would compute at run time (a variable or a backquoted
//! command).

use std::path::{Path, PathBuf};

use super::postgres::split::{self, Chunk};
use crate::discover::{Inclusion, InputProblem, Migration, MigrationId, MigrationSet};
use crate::source::{SourceFile, Span};

/// Deeper nesting than this is an error: psql itself stops at a similar depth.
pub const MAX_DEPTH: usize = 32;
/// Included units in one run, at most: a file that includes another twice, which includes
/// another twice, ... grows exponentially; past this the run reports an error instead.
pub const MAX_INCLUDED_UNITS: usize = 10_000;

/// How a psql include command resolves its file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    /// `\i`, `\include`: the working directory of the psql process.
    WorkingDirectory,
    /// `\ir`, `\include_relative`: the folder of the file holding the command.
    IncludingFile,
}

/// An include command found in a unit.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Include {
    /// The whole meta-command line.
    span: Span,
    base: Base,
    /// The file name as psql reads it (quotes removed), or why it cannot be known statically.
    file: Result<String, String>,
}

/// Add a unit for every file the units include, right after its includer, and renumber the
/// set (ids, pairs, inclusion links) to the new order.
pub fn expand(set: &mut MigrationSet) {
    let units = std::mem::take(&mut set.units);
    let mut out: Vec<Migration> = Vec::with_capacity(units.len());
    // For each unit of `out`, its old id (included units have none).
    let mut old_ids: Vec<Option<MigrationId>> = Vec::with_capacity(units.len());
    let mut budget = MAX_INCLUDED_UNITS;
    for unit in units {
        let old = unit.id;
        let at = out.len();
        out.push(unit);
        old_ids.push(Some(old));
        // Most units include nothing: no path to resolve.
        if includes(&out[at]).is_empty() {
            continue;
        }
        let mut stack = vec![real_path(&out[at].source.path)];
        expand_unit(
            at,
            &mut out,
            &mut old_ids,
            &mut stack,
            &mut set.problems,
            &mut budget,
        );
    }
    // Old id → new index, for the pairs that discovery linked.
    let mut new_index = vec![0usize; old_ids.iter().flatten().map(|i| i.0 + 1).max().unwrap_or(0)];
    for (new, old) in old_ids.iter().enumerate() {
        if let Some(old) = old {
            new_index[old.0] = new;
        }
    }
    for (i, unit) in out.iter_mut().enumerate() {
        unit.id = MigrationId(i);
        if old_ids[i].is_some() {
            unit.pair = unit.pair.map(|p| MigrationId(new_index[p.0]));
        }
    }
    set.units = out;
}

/// Expand the includes of `out[at]` (already at its final index), depth first.
fn expand_unit(
    at: usize,
    out: &mut Vec<Migration>,
    old_ids: &mut Vec<Option<MigrationId>>,
    stack: &mut Vec<PathBuf>,
    problems: &mut Vec<InputProblem>,
    budget: &mut usize,
) {
    let parent = out[at].clone();
    let depth = parent.included_by.map_or(0, |i| i.depth) + 1;
    for include in includes(&parent) {
        let command = parent.source.slice(include.span).to_string();
        let mut problem = |message: String| {
            problems.push(InputProblem {
                path: parent.source.path.clone(),
                message: format!("`{command}`: {message}"),
                offset: Some(include.span.start),
                at: Some(parent.source.line_col(include.span.start)),
            })
        };
        let name = match &include.file {
            Ok(name) => name.clone(),
            Err(why) => {
                problem(why.clone());
                continue;
            }
        };
        let path = resolve(&name, include.base, &parent.source.path);
        let shown = shown_path(&path);
        if depth > MAX_DEPTH {
            problem(format!(
                "includes nest deeper than {MAX_DEPTH} files; {} is not read",
                crate::source::display_path(&shown)
            ));
            continue;
        }
        let real = real_path(&path);
        if let Some(first) = stack.iter().position(|p| *p == real) {
            let mut cycle: Vec<String> = stack[first..]
                .iter()
                .map(|p| crate::source::display_path(&shown_path(p)))
                .collect();
            cycle.push(crate::source::display_path(&shown));
            problem(format!("include cycle: {}", cycle.join(" includes ")));
            continue;
        }
        if *budget == 0 {
            problem(format!(
                "more than {MAX_INCLUDED_UNITS} included files in one run; {} is not read",
                crate::source::display_path(&shown)
            ));
            continue;
        }
        let text = match std::fs::read(&path) {
            Ok(bytes) => match crate::discover::walk::decode(bytes) {
                Ok(text) => text,
                Err((message, _)) => {
                    problem(format!(
                        "the included file {} {message}",
                        crate::source::display_path(&shown)
                    ));
                    continue;
                }
            },
            Err(e) => {
                problem(format!(
                    "cannot read the included file {}: {}",
                    crate::source::display_path(&shown),
                    match e.kind() {
                        std::io::ErrorKind::NotFound => "no such file".to_string(),
                        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
                        _ => e.to_string(),
                    }
                ));
                continue;
            }
        };
        *budget -= 1;
        let len = text.len();
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let unit = Migration {
            id: parent.id,
            source: SourceFile::new(shown, text),
            range: Span::new(0, len),
            version: None,
            name,
            pair: None,
            change: None,
            included_by: Some(Inclusion {
                parent: MigrationId(at),
                at: include.span,
                depth,
            }),
            ..parent.clone()
        };
        let child = out.len();
        out.push(unit);
        old_ids.push(None);
        stack.push(real);
        expand_unit(child, out, old_ids, stack, problems, budget);
        stack.pop();
    }
}

/// The include commands of a unit, as the psql splitter finds its meta-commands.
fn includes(unit: &Migration) -> Vec<Include> {
    let text = &unit.source.text;
    // Most migrations hold no backslash at all: skip the split.
    if !text[unit.range.start..unit.range.end].contains('\\') {
        return Vec::new();
    }
    split::split(text, unit.range)
        .chunks
        .iter()
        .filter_map(|c| match c {
            Chunk::Meta(span) => parse_include(&text[span.start..span.end], *span),
            _ => None,
        })
        .collect()
}

/// Read `\i FILE` and its spellings; `None` for any other meta-command (`\if` is not `\i`).
fn parse_include(line: &str, span: Span) -> Option<Include> {
    let rest = line.strip_prefix('\\')?;
    let end = rest
        .find(|c: char| c.is_whitespace() || c == '\\')
        .unwrap_or(rest.len());
    let base = match &rest[..end] {
        "i" | "include" => Base::WorkingDirectory,
        "ir" | "include_relative" => Base::IncludingFile,
        _ => return None,
    };
    Some(Include {
        span,
        base,
        file: argument(rest[end..].trim_start()),
    })
}

/// psql's reading of one file-name argument: `'quoted'` (with `''` and backslash escapes) or a
/// bare word up to white space.
fn argument(s: &str) -> Result<String, String> {
    let mut chars = s.chars().peekable();
    let mut out = String::new();
    match chars.peek() {
        None => return Err("psql needs a file name here".into()),
        Some('\'') => {
            chars.next();
            loop {
                match chars.next() {
                    None => return Err("the quoted file name is not closed".into()),
                    Some('\'') if chars.peek() == Some(&'\'') => {
                        chars.next();
                        out.push('\'');
                    }
                    Some('\'') => break,
                    Some('\\') => match chars.next() {
                        Some('n') => out.push('\n'),
                        Some('t') => out.push('\t'),
                        Some(c) => out.push(c),
                        None => return Err("the quoted file name is not closed".into()),
                    },
                    Some(c) => out.push(c),
                }
            }
        }
        Some('`') => {
            return Err(
                "the file name is the output of a shell command, which rollsafe does not run; \
                 name the file"
                    .into(),
            );
        }
        Some(_) => {
            for c in chars.by_ref() {
                if c.is_whitespace() {
                    break;
                }
                out.push(c);
            }
        }
    }
    // psql interpolates `:name`, `:'name'`, `:"name"` and `:{?name}` in a bare argument (not in
    // a quoted one).
    let interpolates = !s.starts_with('\'')
        && out.as_bytes().windows(2).any(|w| {
            w[0] == b':'
                && (w[1].is_ascii_alphabetic() || matches!(w[1], b'_' | b'\'' | b'"' | b'{'))
        });
    if interpolates {
        return Err(
            "the file name uses a psql variable, which is only known when psql runs; name the file"
                .into(),
        );
    }
    if out.is_empty() {
        return Err("psql needs a file name here".into());
    }
    Ok(out)
}

/// The file psql opens: `~/` is the home folder; a relative name is resolved against the
/// working directory (`\i`) or the including file's folder (`\ir`).
fn resolve(name: &str, base: Base, including: &Path) -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let path = match (name.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(name),
    };
    if path.is_absolute() {
        return path;
    }
    match base {
        Base::WorkingDirectory => path,
        Base::IncludingFile => match including.parent() {
            Some(dir) => dir.join(path),
            None => path,
        },
    }
}

/// What identifies a file for cycle detection: its canonical path.
fn real_path(path: &Path) -> PathBuf {
    crate::source::canonical(path)
}

/// The path as every output shows it: relative to the working directory when under it.
fn shown_path(path: &Path) -> PathBuf {
    let Ok(cwd) = std::env::current_dir() else {
        return path.to_path_buf();
    };
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    let normal = crate::discover::walk::normalize(&abs);
    match normal.strip_prefix(crate::discover::walk::normalize(&cwd)) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.to_path_buf(),
        _ => normal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_spellings_of_include() {
        let s = Span::new(0, 1);
        let i = parse_include("\\i drop.sql", s).unwrap();
        assert_eq!(
            (i.base, i.file),
            (Base::WorkingDirectory, Ok("drop.sql".into()))
        );
        let i = parse_include("\\include_relative 'a b''s.sql'", s).unwrap();
        assert_eq!(
            (i.base, i.file),
            (Base::IncludingFile, Ok("a b's.sql".into()))
        );
        let i = parse_include("\\ir  sub/x.sql  ", s).unwrap();
        assert_eq!(i.file, Ok("sub/x.sql".into()));
        assert!(parse_include("\\if :flag", s).is_none());
        assert!(parse_include("\\set x 1", s).is_none());
        assert!(parse_include("\\i", s).unwrap().file.is_err());
        assert!(parse_include("\\i :dir/x.sql", s).unwrap().file.is_err());
        assert!(
            parse_include("\\i migrations/:name.sql", s)
                .unwrap()
                .file
                .is_err()
        );
        let i = parse_include("\\i 'a:b.sql'", s).unwrap();
        assert_eq!(i.file, Ok("a:b.sql".into()));
        assert!(parse_include("\\i `echo x.sql`", s).unwrap().file.is_err());
        assert!(parse_include("\\i 'open", s).unwrap().file.is_err());
    }

    #[test]
    fn relative_includes_resolve_against_the_including_file() {
        let f = Path::new("db/migrations/001.sql");
        assert_eq!(
            resolve("x.sql", Base::IncludingFile, f),
            Path::new("db/migrations/x.sql")
        );
        assert_eq!(
            resolve("x.sql", Base::WorkingDirectory, f),
            Path::new("x.sql")
        );
        assert_eq!(
            resolve("/abs/x.sql", Base::IncludingFile, f),
            Path::new("/abs/x.sql")
        );
    }
}
