//! What changed since a git revision (`check --diff-base REF`): which files were added or
//! modified, and for every discovered migration unit whether it is new, edited or unchanged.
//! Rules read the result from each [`Migration`]'s `change`; nothing here judges anything.
//!
//! The comparison is "everything this change would merge": the working tree (committed, staged
//! and unstaged edits, plus untracked files that are not ignored) against the merge base of `REF`
//! and `HEAD` — what `git diff REF...` shows for a pushed branch, and exactly the pull request's
//! changes on the merge commit GitHub checks out.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{ChangeStatus, Migration, UnitChange};
use crate::config::Config;
use crate::source::canonical;

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

/// Record on every unit how it differs from the base (`Migration::change`). A unit of a
/// modified file is compared with the unit of the same direction, version and name found in the
/// file's base text, so appending a changeset to a Liquibase changelog adds a unit without
/// modifying the others.
pub fn mark_changes(base: &DiffBase, units: &mut [Migration], config: &Config) {
    let mut base_units: HashMap<PathBuf, Vec<Migration>> = HashMap::new();
    for unit in units.iter_mut() {
        let path = unit.source.path.clone();
        let file = base.status(&path);
        let status = match file {
            None => UnitChange::Unchanged,
            Some(FileChange::Added) => UnitChange::Added,
            Some(FileChange::Modified) => {
                let old_units = base_units.entry(path.clone()).or_insert_with(|| {
                    base.base_text(&path)
                        .map(|text| super::from_text(path.clone(), text, config).units)
                        .unwrap_or_default()
                });
                compare(unit, old_units)
            }
        };
        unit.change = Some(ChangeStatus {
            unit: status,
            file_added: file == Some(FileChange::Added),
            file_changed: file.is_some(),
        });
    }
    // A file read by a psql include runs as part of the unit that includes it: when that unit
    // is new or edited, so is what it runs, whether or not the included file changed.
    // Includers come first, so this passes down any depth.
    for i in 0..units.len() {
        let Some(inclusion) = units[i].included_by else {
            continue;
        };
        let parent = units
            .get(inclusion.parent.index())
            .and_then(|p| p.change)
            .filter(|_| inclusion.parent.index() < i);
        if let (Some(parent), Some(own)) = (parent, units[i].change.as_mut())
            && parent.unit != UnitChange::Unchanged
        {
            own.unit = match own.unit {
                UnitChange::Unchanged => UnitChange::Added,
                other => other,
            };
            own.file_added |= parent.file_added;
            own.file_changed = true;
        }
    }
}

/// Whether a file's findings are reported with a diff base (it was added or modified).
pub fn file_changed(base: &DiffBase, path: &Path) -> bool {
    base.status(path).is_some()
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
