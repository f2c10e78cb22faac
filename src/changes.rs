//! What changed since a git revision (`check --diff-base REF`), and the rules that look across
//! migrations instead of inside one: RS401 (an applied migration was edited), RS402 (a new
//! migration sorts before one that already existed) and RS403 (two migrations share a version).
//!
//! The comparison is "everything this change would merge": the working tree (committed, staged
//! and unstaged edits, plus untracked files that are not ignored) against the merge base of `REF`
//! and `HEAD` — what `git diff REF...` shows for a pushed branch, and exactly the pull request's
//! changes on the merge commit GitHub checks out.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::config::{Config, RuleLevel};
use crate::discover::{Direction, Layout, Migration};
use crate::lint::UnitReport;
use crate::rules::{Code, Diagnostic};
use crate::source::Span;

/// How a file differs from the diff base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileChange {
    /// Not in the base (committed since, staged, or untracked).
    Added,
    /// In the base, with different content now.
    Modified,
}

/// The files added or modified since a git revision.
#[derive(Debug, Clone)]
pub struct DiffBase {
    /// The revision as given (`origin/main`).
    pub reference: String,
    /// The merge base of `reference` and `HEAD` that files are compared with.
    pub commit: String,
    /// The repository's top-level folder.
    pub toplevel: PathBuf,
    files: HashMap<PathBuf, FileChange>,
}

impl DiffBase {
    /// Ask git (run in the working directory) what changed since `reference`.
    pub fn load(reference: &str) -> Result<DiffBase, String> {
        let cwd = std::env::current_dir()
            .map_err(|e| format!("cannot read the working directory: {e}"))?;
        DiffBase::load_in(&cwd, reference)
    }

    pub fn load_in(dir: &Path, reference: &str) -> Result<DiffBase, String> {
        if reference.is_empty() || reference.starts_with('-') {
            return Err(format!("--diff-base `{reference}` is not a git revision"));
        }
        let toplevel =
            toplevel(dir).map_err(|e| format!("--diff-base needs a git repository: {e}"))?;
        let commit_ref = format!("{reference}^{{commit}}");
        let resolved = git(&toplevel, &["rev-parse", "--verify", "--quiet", "--end-of-options", &commit_ref])
            .map_err(|_| format!("--diff-base: unknown git revision `{reference}` (fetch it first, e.g. `git fetch origin main`)"))?;
        let resolved = resolved.trim().to_string();
        let commit = match git(&toplevel, &["merge-base", &resolved, "HEAD"]) {
            Ok(out) => out.trim().to_string(),
            Err(e) => {
                // No commit yet on HEAD, or unrelated histories.
                return Err(format!(
                    "--diff-base: no common ancestor of `{reference}` and HEAD ({e}); in a shallow clone, \
                     fetch the history (e.g. actions/checkout with fetch-depth: 0)"
                ));
            }
        };
        let mut files = HashMap::new();
        let diff = git(
            &toplevel,
            &["diff", "--name-status", "--no-renames", "-z", &commit, "--"],
        )
        .map_err(|e| format!("--diff-base: git diff failed: {e}"))?;
        let mut fields = diff.split('\0').filter(|s| !s.is_empty());
        while let (Some(status), Some(path)) = (fields.next(), fields.next()) {
            let change = match status.chars().next() {
                Some('A') => FileChange::Added,
                Some('M' | 'T') => FileChange::Modified,
                // Deleted files are not linted; unmerged ones are conflicts git reports itself.
                _ => continue,
            };
            files.insert(canonical(&toplevel.join(path)), change);
        }
        let untracked = git(
            &toplevel,
            &["ls-files", "--others", "--exclude-standard", "-z"],
        )
        .map_err(|e| format!("--diff-base: git ls-files failed: {e}"))?;
        for path in untracked.split('\0').filter(|s| !s.is_empty()) {
            files.insert(canonical(&toplevel.join(path)), FileChange::Added);
        }
        Ok(DiffBase {
            reference: reference.to_string(),
            commit,
            toplevel,
            files,
        })
    }

    /// How the file at `path` (relative to the working directory, or absolute) changed, or
    /// `None` when it is unchanged.
    pub fn status(&self, path: &Path) -> Option<FileChange> {
        self.files.get(&canonical(&absolute(path))).copied()
    }

    /// The file's text in the base commit.
    pub fn base_text(&self, path: &Path) -> Option<String> {
        let abs = canonical(&absolute(path));
        let rel = abs.strip_prefix(&self.toplevel).ok()?;
        let rel = crate::source::display_path(rel);
        git(&self.toplevel, &["show", &format!("{}:{rel}", self.commit)]).ok()
    }

    /// The short form of the base commit, for messages.
    pub fn short_commit(&self) -> &str {
        self.commit.get(..10).unwrap_or(&self.commit)
    }
}

/// How one migration unit differs from the diff base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitChange {
    Unchanged,
    /// Its file is new, or its section (changeset, ...) is new in an existing file.
    Added,
    /// It existed in the base with other text. `first_difference` is the byte offset (into the
    /// file) of the first change.
    Modified {
        first_difference: usize,
    },
}

/// A diff base and what it means for each discovered unit (same order as the migration set).
#[derive(Debug)]
pub struct Changes {
    pub base: DiffBase,
    pub units: Vec<UnitChange>,
}

impl Changes {
    /// Classify units against the base. A unit of a modified file is compared with the unit of
    /// the same direction, version and name found in the file's base text, so appending a
    /// changeset to a Liquibase changelog adds a unit without modifying the others.
    pub fn new(base: DiffBase, units: &[Migration], config: &Config) -> Changes {
        let mut base_units: HashMap<PathBuf, Vec<Migration>> = HashMap::new();
        let statuses = units
            .iter()
            .map(|unit| {
                let path = &unit.source.path;
                match base.status(path) {
                    None => UnitChange::Unchanged,
                    Some(FileChange::Added) => UnitChange::Added,
                    Some(FileChange::Modified) => {
                        let old_units = base_units.entry(path.clone()).or_insert_with(|| {
                            base.base_text(path)
                                .map(|text| {
                                    crate::discover::from_text(path.clone(), text, config).units
                                })
                                .unwrap_or_default()
                        });
                        compare(unit, old_units)
                    }
                }
            })
            .collect();
        Changes {
            base,
            units: statuses,
        }
    }

    pub fn status(&self, index: usize) -> UnitChange {
        self.units
            .get(index)
            .copied()
            .unwrap_or(UnitChange::Unchanged)
    }

    /// Shown paths of the files that are new in this change (`lint::Options::changed_files`).
    pub fn added_files(&self, units: &[Migration]) -> HashSet<PathBuf> {
        units
            .iter()
            .filter(|u| self.base.status(&u.source.path) == Some(FileChange::Added))
            .map(|u| u.source.path.clone())
            .collect()
    }

    /// Whether a file's findings are reported (it was added or modified).
    pub fn file_changed(&self, path: &Path) -> bool {
        self.base.status(path).is_some()
    }
}

fn compare(unit: &Migration, old_units: &[Migration]) -> UnitChange {
    let same = old_units.iter().find(|o| {
        o.direction == unit.direction && o.version == unit.version && o.name == unit.name
    });
    let Some(old) = same else {
        return UnitChange::Added;
    };
    let new_text = unit.source.slice(unit.range);
    let old_text = old.source.slice(old.range);
    if new_text == old_text {
        return UnitChange::Unchanged;
    }
    let mut prefix = new_text
        .bytes()
        .zip(old_text.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    while !new_text.is_char_boundary(prefix) {
        prefix -= 1;
    }
    UnitChange::Modified {
        first_difference: unit.range.start + prefix,
    }
}

/// The repository's top-level folder, if `dir` is inside a git work tree.
pub fn toplevel(dir: &Path) -> Result<PathBuf, String> {
    let out = git(dir, &["rev-parse", "--show-toplevel"])?;
    let top = PathBuf::from(out.trim_end_matches(['\n', '\r']));
    if top.as_os_str().is_empty() {
        return Err(format!("{} is not inside a git work tree", dir.display()));
    }
    Ok(canonical(&top))
}

/// The root that SARIF and GitHub annotation paths are relative to: the git top-level folder
/// of the working directory, or the working directory itself outside git.
pub fn repository_root() -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    toplevel(&cwd).unwrap_or_else(|_| canonical(&cwd))
}

fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let message = stderr
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim();
        Err(if message.is_empty() {
            format!(
                "git {} exited with {}",
                args.first().copied().unwrap_or(""),
                output.status
            )
        } else {
            message.to_string()
        })
    }
}

fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        return path.to_path_buf();
    }
    match std::env::current_dir() {
        Ok(cwd) => cwd.join(path),
        Err(_) => path.to_path_buf(),
    }
}

/// The real path when the file exists, else the path with `.` and `..` folded.
pub(crate) fn canonical(path: &Path) -> PathBuf {
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

// ---------------------------------------------------------------------------------------------
// Rules across migrations.

/// What the cross-migration rules read: every unit in application order, and the diff base.
pub struct SetContext<'a> {
    pub units: &'a [UnitReport],
    pub config: &'a Config,
    pub changes: Option<&'a Changes>,
}

impl SetContext<'_> {
    pub fn enabled(&self, code: Code) -> bool {
        self.config.rules.get(code.as_str()) != Some(&RuleLevel::Off)
    }
}

/// Diagnostics of the cross-migration rules, one list per unit (same order as `units`).
pub fn check_set(
    units: &[UnitReport],
    config: &Config,
    changes: Option<&Changes>,
) -> Vec<Vec<Diagnostic>> {
    let ctx = SetContext {
        units,
        config,
        changes,
    };
    let mut out = vec![Vec::new(); units.len()];
    if ctx.enabled(Code::RS401) {
        crate::rules::rs401_edited_applied_migration::check_set(&ctx, &mut out);
    }
    if ctx.enabled(Code::RS402) {
        crate::rules::rs402_out_of_order_migration::check_set(&ctx, &mut out);
    }
    if ctx.enabled(Code::RS403) {
        crate::rules::rs403_duplicate_version::check_set(&ctx, &mut out);
    }
    out
}

/// The sequence a migration belongs to (discovery's group: one database history), with the
/// layout. `None` for tools whose order is not in file names (sqitch's plan).
pub fn migration_group(m: &Migration) -> Option<(Layout, PathBuf)> {
    match m.layout {
        Layout::Sqitch => None,
        _ => Some((m.layout, m.group.clone())),
    }
}

/// Where versions must be unique and ordered: the sequence, or for Liquibase the changelog file
/// (a changeset is identified by id, author and file, and Liquibase runs every changeset not yet
/// run, so only an insertion before existing changesets of the same file changes the order).
pub fn version_scope(m: &Migration) -> Option<(Layout, PathBuf)> {
    match m.layout {
        Layout::Liquibase => Some((m.layout, m.source.path.clone())),
        _ => migration_group(m),
    }
}

/// A version as the tool compares it: numeric parts without leading zeros (`001` = `1`, Flyway's
/// `1_1` = `1.1` = `1.1.0`), anything else as written.
pub fn version_key(version: &str) -> String {
    let numeric = !version.is_empty()
        && version
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'_')
        && version.bytes().next().is_some_and(|b| b.is_ascii_digit());
    if !numeric {
        return version.to_string();
    }
    let mut parts: Vec<&str> = version
        .split(['.', '_'])
        .map(|p| {
            let t = p.trim_start_matches('0');
            if t.is_empty() { "0" } else { t }
        })
        .collect();
    while parts.len() > 1 && parts.last() == Some(&"0") {
        parts.pop();
    }
    parts.join(".")
}

/// Where a finding about a whole unit points: its first statement (so `rollsafe:allow` markers
/// on it apply), or the start of the unit.
pub fn unit_anchor(unit: &UnitReport) -> (Span, Option<usize>) {
    match unit.statements.first() {
        Some(s) => (s.span, Some(0)),
        None => (
            Span::new(unit.migration.range.start, unit.migration.range.start),
            None,
        ),
    }
}

/// Units that move the schema forward and carry a version: the ones ordering rules look at.
pub fn is_versioned_up(m: &Migration) -> bool {
    m.direction == Direction::Up && m.version.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_like_the_tools() {
        assert_eq!(version_key("001"), "1");
        assert_eq!(version_key("1"), "1");
        assert_eq!(version_key("1_1"), "1.1");
        assert_eq!(version_key("1.1.0"), "1.1");
        assert_eq!(version_key("1.0"), "1");
        assert_eq!(version_key("000"), "0");
        assert_eq!(version_key("2024-01-31-101500"), "2024-01-31-101500");
        assert_eq!(version_key("alice:1"), "alice:1");
    }
}
