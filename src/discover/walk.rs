//! Walking the paths given on the command line (walkdir + globset), and reading the files found
//! (in parallel, with rayon).
//!
//! - A directory is walked recursively, following symbolic links; a symlink loop becomes an
//!   [`InputProblem`] and the walk goes on. Only regular files whose name ends in `.sql` are
//!   picked up. A directory named like a file (`x.sql`) is skipped silently, as are `.git`, `.hg`
//!   and `.svn`; a directory named on the command line is walked whatever its name.
//! - A file named on the command line is linted whatever its name.
//! - `include` globs restrict what a walk picks up; `exclude` globs drop files, including files
//!   named on the command line (so a pre-commit hook honours them). Globs are relative to the
//!   folder of `rollsafe.toml` (or the working directory); `*` does not cross `/`, `**` does, and a
//!   glob without `/` matches a file name at any depth (`*.down.sql`).
//! - Output order never depends on the file system or on thread scheduling: files are sorted by
//!   the path shown to the user.

use std::ffi::OsStr;
use std::io;
use std::path::{Component, Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use walkdir::WalkDir;

use super::InputProblem;
use crate::config::Config;

/// Directories a walk never enters.
const SKIPPED_DIRS: [&str; 3] = [".git", ".hg", ".svn"];

/// A file chosen for linting, before it is read.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    /// The path used to open the file.
    pub fs_path: PathBuf,
    /// The path shown to the user.
    pub display: PathBuf,
}

/// A file read successfully: its text is valid UTF-8 without NUL bytes.
#[derive(Debug, Clone)]
pub(crate) struct Loaded {
    pub fs_path: PathBuf,
    pub display: PathBuf,
    pub text: String,
}

/// How paths are shown and matched: against the working directory and the config's folder.
#[derive(Debug, Clone)]
pub(crate) struct PathContext {
    cwd: Option<PathBuf>,
    glob_base: Option<PathBuf>,
}

impl PathContext {
    pub fn new(config: &Config) -> Self {
        let cwd = std::env::current_dir().ok().map(|p| normalize(&p));
        PathContext::with_cwd(config, cwd)
    }

    pub fn with_cwd(config: &Config, cwd: Option<PathBuf>) -> Self {
        let glob_base = match config.base_dir() {
            Some(base) if !base.as_os_str().is_empty() => Some(absolute_from(cwd.as_deref(), base)),
            _ => cwd.clone(),
        };
        PathContext { cwd, glob_base }
    }

    /// `path` made absolute (against the working directory) and normalized lexically.
    pub fn absolute(&self, path: &Path) -> PathBuf {
        absolute_from(self.cwd.as_deref(), path)
    }

    /// The path as shown to the user: relative to the working directory when the file is under
    /// it, else as given; always with `/` separators.
    pub fn display(&self, path: &Path) -> PathBuf {
        if let Some(cwd) = &self.cwd {
            let abs = self.absolute(path);
            if let Ok(rel) = abs.strip_prefix(cwd) {
                if rel.as_os_str().is_empty() {
                    return PathBuf::from(".");
                }
                return slashed(rel);
            }
        }
        slashed(path)
    }

    /// The path relative to the glob base, with `/` separators, for glob matching.
    fn glob_subject(&self, path: &Path) -> String {
        let abs = self.absolute(path);
        let rel = match &self.glob_base {
            Some(base) => abs.strip_prefix(base).map(Path::to_path_buf).unwrap_or(abs),
            None => abs,
        };
        slashed(&rel).to_string_lossy().into_owned()
    }
}

fn absolute_from(cwd: Option<&Path>, path: &Path) -> PathBuf {
    match cwd {
        Some(cwd) if !path.is_absolute() => normalize(&cwd.join(path)),
        _ => normalize(path),
    }
}

/// Lexical normalization: drops `.` components and folds `..` into the previous component.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                let last_is_normal =
                    matches!(out.components().next_back(), Some(Component::Normal(_)));
                if last_is_normal {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `path` with `/` separators (only Windows has anything to change).
fn slashed(path: &Path) -> PathBuf {
    if cfg!(windows) {
        PathBuf::from(path.to_string_lossy().replace('\\', "/"))
    } else {
        path.to_path_buf()
    }
}

/// The include/exclude globs of the config.
struct Filter {
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
}

impl Filter {
    fn new(config: &Config, problems: &mut Vec<InputProblem>) -> Self {
        let config_path = config
            .path
            .clone()
            .unwrap_or_else(|| PathBuf::from(crate::config::FILE_NAME));
        let mut build = |globs: &[String]| -> Option<GlobSet> {
            if globs.is_empty() {
                return None;
            }
            let mut set = GlobSetBuilder::new();
            for glob in globs {
                // A glob without a `/` matches a file name at any depth, like in .gitignore.
                let pattern = if glob.contains('/') {
                    glob.trim_start_matches("./").to_string()
                } else {
                    format!("**/{glob}")
                };
                match GlobBuilder::new(&pattern).literal_separator(true).build() {
                    Ok(g) => {
                        set.add(g);
                    }
                    Err(e) => problems.push(InputProblem {
                        path: config_path.clone(),
                        message: format!("bad glob `{glob}`: {e}"),
                        offset: None,
                        at: None,
                    }),
                }
            }
            set.build().ok()
        };
        let include = build(&config.include);
        let exclude = build(&config.exclude);
        Filter { include, exclude }
    }

    fn excluded(&self, subject: &str) -> bool {
        self.exclude
            .as_ref()
            .is_some_and(|set| set.is_match(subject))
    }

    fn included(&self, subject: &str) -> bool {
        self.include
            .as_ref()
            .is_none_or(|set| set.is_match(subject))
    }
}

/// Whether `config`'s include/exclude globs would leave out the file at `path`: the file or one
/// of its folders excluded, or the file not included. Used with `--diff-base` to tell whether a
/// change to the globs takes a migration file out of the gate.
pub fn filters_out(config: &Config, path: &Path) -> bool {
    let ctx = PathContext::new(config);
    let filter = Filter::new(config, &mut Vec::new());
    let abs = ctx.absolute(path);
    if !filter.included(&ctx.glob_subject(&abs)) {
        return true;
    }
    // Only folders below the config's folder: the walk never tests the ones above it.
    abs.ancestors()
        .map(|p| ctx.glob_subject(p))
        .take_while(|s| !s.is_empty() && !Path::new(s).is_absolute())
        .any(|s| filter.excluded(&s))
}

/// A file a walk picks up: any `.sql` file, and golang-migrate's `{version}_{title}.up.{ext}` /
/// `.down.{ext}` whatever the extension (golang-migrate runs them all).
fn is_migration_name(name: &OsStr) -> bool {
    is_sql_name(name)
        || super::tools::parse_up_down_any_extension(&name.to_string_lossy()).is_some()
}

fn is_sql_name(name: &OsStr) -> bool {
    let name = name.to_string_lossy();
    name.len() > 4
        && name.is_char_boundary(name.len() - 4)
        && name[name.len() - 4..].eq_ignore_ascii_case(".sql")
}

fn problem(path: &Path, message: impl Into<String>) -> InputProblem {
    InputProblem {
        path: path.to_path_buf(),
        message: message.into(),
        offset: None,
        at: None,
    }
}

/// The message for an I/O error, without Rust's `(os error N)` suffix noise kept out of the way.
fn io_message(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_string(),
        io::ErrorKind::PermissionDenied => format!("permission denied ({e})"),
        _ => e.to_string(),
    }
}

/// Expand the command-line paths into the files to lint, sorted by display path.
pub(crate) fn collect(
    paths: &[PathBuf],
    config: &Config,
    ctx: &PathContext,
) -> (Vec<Candidate>, Vec<InputProblem>) {
    let mut problems = Vec::new();
    let filter = Filter::new(config, &mut problems);
    let mut found: Vec<Candidate> = Vec::new();

    for path in paths {
        let display = ctx.display(path);
        match std::fs::metadata(path) {
            Err(e) => {
                let message = if e.kind() == io::ErrorKind::NotFound {
                    if std::fs::symlink_metadata(path).is_ok() {
                        "broken symbolic link: its target does not exist".to_string()
                    } else {
                        "no such file or directory".to_string()
                    }
                } else {
                    format!("cannot access: {}", io_message(&e))
                };
                problems.push(problem(&display, message));
            }
            Ok(meta) if meta.is_dir() => walk_dir(path, ctx, &filter, &mut found, &mut problems),
            Ok(meta) if meta.is_file() => {
                if !filter.excluded(&ctx.glob_subject(path)) {
                    found.push(Candidate {
                        fs_path: path.clone(),
                        display,
                    });
                }
            }
            Ok(_) => problems.push(problem(&display, "not a regular file or directory")),
        }
    }

    found.sort_by(|a, b| a.display.cmp(&b.display));
    found.dedup_by(|a, b| a.display == b.display);
    (found, problems)
}

fn walk_dir(
    root: &Path,
    ctx: &PathContext,
    filter: &Filter,
    found: &mut Vec<Candidate>,
    problems: &mut Vec<InputProblem>,
) {
    let walker = WalkDir::new(root)
        .follow_links(true)
        .into_iter()
        .filter_entry(|entry| {
            if entry.depth() == 0 || !entry.file_type().is_dir() {
                return true;
            }
            let name = entry.file_name().to_string_lossy();
            if SKIPPED_DIRS.contains(&name.as_ref()) || is_sql_name(entry.file_name()) {
                return false;
            }
            // A directory matched by an exclude glob is not entered at all.
            !filter.excluded(&ctx.glob_subject(entry.path()))
        });
    for entry in walker {
        match entry {
            Err(err) => {
                let path = err
                    .path()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| root.to_path_buf());
                let display = ctx.display(&path);
                if let Some(ancestor) = err.loop_ancestor() {
                    problems.push(problem(
                        &display,
                        format!(
                            "symbolic link loop: it leads back to {}; not followed",
                            ctx.display(ancestor).display()
                        ),
                    ));
                    continue;
                }
                let not_found = err
                    .io_error()
                    .is_some_and(|e| e.kind() == io::ErrorKind::NotFound);
                if not_found {
                    // A dangling symlink: only worth a word if it looks like a migration.
                    if path.file_name().is_some_and(is_migration_name) {
                        problems.push(problem(
                            &display,
                            "broken symbolic link: its target does not exist",
                        ));
                    }
                    continue;
                }
                let message = match err.io_error() {
                    Some(e) => format!("cannot read: {}", io_message(e)),
                    None => err.to_string(),
                };
                problems.push(problem(&display, message));
            }
            Ok(entry) => {
                if !entry.file_type().is_file() || !is_migration_name(entry.file_name()) {
                    continue;
                }
                let subject = ctx.glob_subject(entry.path());
                if filter.excluded(&subject) || !filter.included(&subject) {
                    continue;
                }
                found.push(Candidate {
                    fs_path: entry.path().to_path_buf(),
                    display: ctx.display(entry.path()),
                });
            }
        }
    }
}

/// Decode a file's bytes: UTF-8 without NUL bytes. The error carries the message and the byte
/// offset of the first offending byte.
pub(crate) fn decode(bytes: Vec<u8>) -> Result<String, (String, usize)> {
    let nul = bytes.iter().position(|&b| b == 0);
    let nul_error = |n: usize| {
        (
            format!("contains a NUL byte at byte {n}; is it a binary file?"),
            n,
        )
    };
    match String::from_utf8(bytes) {
        Ok(text) => match nul {
            Some(n) => Err(nul_error(n)),
            None => Ok(text),
        },
        Err(e) => {
            let bad = e.utf8_error().valid_up_to();
            match nul {
                Some(n) if n < bad => Err(nul_error(n)),
                _ => Err((format!("not valid UTF-8 at byte {bad}"), bad)),
            }
        }
    }
}

fn read_one(candidate: &Candidate) -> Result<String, InputProblem> {
    use std::io::Read;
    let problem = |e: std::io::Error| InputProblem {
        path: candidate.display.clone(),
        message: format!("cannot read: {}", io_message(&e)),
        offset: None,
        at: None,
    };
    let mut file = std::fs::File::open(&candidate.fs_path).map_err(problem)?;
    let size = file.metadata().map_or(0, |m| m.len() as usize);
    let mut bytes = Vec::with_capacity(size);
    file.read_to_end(&mut bytes).map_err(problem)?;
    decode(bytes).map_err(|(message, offset)| InputProblem {
        path: candidate.display.clone(),
        message,
        offset: Some(offset),
        at: None,
    })
}

/// Read the candidates in parallel; order follows the candidates' order. The same file reached
/// twice (a symlink to another migration, a symlinked folder) is read under each of its paths:
/// the tool runs it in every role it plays there (as migration 0005 and as 0009), so it is
/// checked in each.
pub(crate) fn read_all(candidates: Vec<Candidate>) -> (Vec<Loaded>, Vec<InputProblem>) {
    let read = |candidate: Candidate| {
        let read = read_one(&candidate);
        (candidate, read)
    };
    let results: Vec<(Candidate, Result<String, InputProblem>)> =
        crate::threads::map(candidates, read);
    let mut loaded = Vec::new();
    let mut problems = Vec::new();
    for (candidate, read) in results {
        match read {
            Ok(text) => loaded.push(Loaded {
                fs_path: candidate.fs_path,
                display: candidate.display,
                text,
            }),
            Err(p) => problems.push(p),
        }
    }
    (loaded, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_reports_first_invalid_utf8_byte() {
        let mut bytes = b"SELECT 1;\n-- caf".to_vec();
        bytes.push(0xE9); // latin-1 é
        bytes.extend_from_slice(b"\n");
        let (msg, offset) = decode(bytes).unwrap_err();
        assert_eq!(offset, 16);
        assert_eq!(msg, "not valid UTF-8 at byte 16");
    }

    #[test]
    fn decode_reports_nul_byte() {
        let (msg, offset) = decode(b"SELECT\0 1;".to_vec()).unwrap_err();
        assert_eq!(offset, 6);
        assert_eq!(msg, "contains a NUL byte at byte 6; is it a binary file?");
        // The earliest problem wins.
        let (msg, offset) = decode(vec![b'a', 0xFF, 0]).unwrap_err();
        assert_eq!((msg.as_str(), offset), ("not valid UTF-8 at byte 1", 1));
        let (_, offset) = decode(vec![b'a', 0, 0xFF]).unwrap_err();
        assert_eq!(offset, 1);
        assert_eq!(decode("é ok".as_bytes().to_vec()).unwrap(), "é ok");
    }

    #[test]
    fn normalize_folds_dots() {
        assert_eq!(normalize(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
        assert_eq!(normalize(Path::new("../x/./y")), PathBuf::from("../x/y"));
    }

    #[test]
    fn display_is_relative_to_cwd_when_under_it() {
        let config = Config::default();
        let ctx = PathContext::with_cwd(&config, Some(PathBuf::from("/repo")));
        assert_eq!(
            ctx.display(Path::new("./db/1.sql")),
            PathBuf::from("db/1.sql")
        );
        assert_eq!(
            ctx.display(Path::new("/repo/db/1.sql")),
            PathBuf::from("db/1.sql")
        );
        assert_eq!(
            ctx.display(Path::new("/elsewhere/1.sql")),
            PathBuf::from("/elsewhere/1.sql")
        );
        assert_eq!(
            ctx.display(Path::new("../up/1.sql")),
            PathBuf::from("../up/1.sql")
        );
    }

    #[test]
    fn globs_are_relative_to_the_config_folder() {
        let config = Config {
            path: Some(PathBuf::from("/repo/rollsafe.toml")),
            exclude: vec!["*.down.sql".into(), "db/legacy/**".into()],
            include: vec!["db/**/*.sql".into()],
            ..Config::default()
        };
        let mut problems = Vec::new();
        let filter = Filter::new(&config, &mut problems);
        assert!(problems.is_empty());
        let ctx = PathContext::with_cwd(&config, Some(PathBuf::from("/repo/sub")));
        let subject = |p: &str| ctx.glob_subject(Path::new(p));
        assert_eq!(subject("../db/1.sql"), "db/1.sql");
        assert!(filter.excluded(&subject("/repo/db/x/1_a.down.sql")));
        assert!(filter.excluded(&subject("/repo/db/legacy/old.sql")));
        assert!(!filter.excluded(&subject("/repo/db/1_a.up.sql")));
        assert!(filter.included(&subject("/repo/db/a/b/1.sql")));
        assert!(!filter.included(&subject("/repo/other/1.sql")));
    }
}
