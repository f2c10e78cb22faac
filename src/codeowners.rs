//! GitHub's CODEOWNERS file, read as GitHub reads it: the first of `.github/CODEOWNERS`,
//! `CODEOWNERS` and `docs/CODEOWNERS` at the repository root; `#` comments; each line a
//! pattern (gitignore-like) and its owners (`@user`, `@org/team`, or an e-mail address); the
//! last line whose pattern matches a file names its owners (a pattern with no owners leaves
//! the file unowned). A line GitHub would skip as invalid is skipped here too.

use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

/// Where GitHub looks, in its order, relative to the repository root.
pub const LOCATIONS: [&str; 3] = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

#[derive(Debug, Clone)]
pub struct Codeowners {
    /// The file read (for messages), as shown to the user.
    pub path: PathBuf,
    /// The repository root that patterns are relative to.
    root: PathBuf,
    rules: Vec<(GlobSet, Vec<String>)>,
}

impl Codeowners {
    pub fn parse(text: &str, path: PathBuf, root: PathBuf) -> Codeowners {
        let mut rules = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut words = line.split_whitespace();
            let Some(pattern) = words.next() else {
                continue;
            };
            let owners: Vec<String> = words
                .take_while(|w| !w.starts_with('#'))
                .map(String::from)
                .collect();
            if let Some(set) = glob(pattern) {
                rules.push((set, owners));
            }
        }
        Codeowners { path, root, rules }
    }

    /// The owners of `file` (a path as given on the command line, or absolute); `None` when no
    /// line matches or the last matching line names no owner, or the file is outside the root.
    pub fn owners_of(&self, file: &Path) -> Option<&[String]> {
        let abs = if file.is_absolute() {
            file.to_path_buf()
        } else {
            std::env::current_dir().ok()?.join(file)
        };
        let abs = crate::source::canonical(&abs);
        let rel = abs.strip_prefix(&self.root).ok()?;
        let subject = crate::source::display_path(rel);
        self.rules
            .iter()
            .rev()
            .find(|(set, _)| set.is_match(&subject))
            .map(|(_, owners)| owners.as_slice())
            .filter(|owners| !owners.is_empty())
    }
}

/// Whether a name written in `approved-by=` is this owner: GitHub logins and team names are
/// case-insensitive and the `@` is optional in a marker; teams are matched as written.
pub fn same_owner(name: &str, owner: &str) -> bool {
    name.trim_start_matches('@')
        .eq_ignore_ascii_case(owner.trim_start_matches('@'))
}

/// A CODEOWNERS pattern as globs over paths relative to the root. A pattern with a `/` other
/// than at its end is anchored at the root; one without matches at any depth. A pattern names
/// a file or a folder and everything below it, unless its last part has a wildcard (`docs/*`
/// is the files directly in docs/).
fn glob(pattern: &str) -> Option<GlobSet> {
    if pattern.starts_with('!') || pattern.contains("\\#") {
        // Negation and escapes are not CODEOWNERS syntax: GitHub skips such lines.
        return None;
    }
    let dir_only = pattern.ends_with('/');
    let body = pattern.trim_end_matches('/');
    let anchored = body.starts_with('/') || body.contains('/');
    let body = body.trim_start_matches('/');
    if body.is_empty() {
        return None;
    }
    let base = if anchored || body.starts_with("**") {
        body.to_string()
    } else {
        format!("**/{body}")
    };
    let last_has_wildcard = body.rsplit('/').next().is_some_and(|l| l.contains('*'));
    let mut globs = Vec::new();
    if !dir_only {
        globs.push(base.clone());
    }
    if dir_only || !last_has_wildcard || body == "*" || body.ends_with("**") {
        globs.push(format!("{base}/**"));
    }
    let mut set = GlobSetBuilder::new();
    for g in globs {
        set.add(GlobBuilder::new(&g).literal_separator(true).build().ok()?);
    }
    set.build().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owners(text: &str, file: &str) -> Option<Vec<String>> {
        let c = Codeowners::parse(text, "CODEOWNERS".into(), PathBuf::from("/repo"));
        c.owners_of(&Path::new("/repo").join(file))
            .map(<[String]>::to_vec)
    }

    #[test]
    fn last_matching_line_wins() {
        let text = "* @everyone\n/db/migrations/ @dba @org/db-team # the DBAs\n*.md @docs\n";
        assert_eq!(
            owners(text, "db/migrations/001.sql").unwrap(),
            ["@dba", "@org/db-team"]
        );
        assert_eq!(owners(text, "db/migrations/README.md").unwrap(), ["@docs"]);
        assert_eq!(owners(text, "src/main.rs").unwrap(), ["@everyone"]);
    }

    #[test]
    fn patterns_follow_githubs_examples() {
        assert!(owners("docs/* @a\n", "docs/x.md").is_some());
        assert!(owners("docs/* @a\n", "docs/sub/x.md").is_none());
        assert!(owners("apps/ @a\n", "x/apps/y/z.sql").is_some());
        assert!(owners("/build/logs/ @a\n", "build/logs/1.log").is_some());
        assert!(owners("/build/logs/ @a\n", "x/build/logs/1.log").is_none());
        assert!(owners("**/logs @a\n", "deep/logs/x").is_some());
        assert!(owners("db/migrations @a\n", "db/migrations/1.sql").is_some());
        // A later line without owners un-owns the file.
        assert!(owners("* @a\ndb/ \n", "db/1.sql").is_none());
        assert!(owners("!db/ @a\n", "db/1.sql").is_none());
    }

    #[test]
    fn names_match_without_at_and_case() {
        assert!(same_owner("alice", "@Alice"));
        assert!(same_owner("@org/db-team", "@org/DB-team"));
        assert!(!same_owner("org", "@org/db-team"));
    }
}
