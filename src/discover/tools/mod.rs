//! One file per migration tool, each behind the [`Tool`] trait: how the tool names its files
//! and splits them into units (sections, changesets), the version key that orders them, the key
//! that pairs an up with its down, and how the tool runs a unit (in a transaction or not, one
//! query string or one statement at a time). Supporting a new tool is adding a file here and a
//! [`Layout`] variant. Which tool a folder uses is decided in `layout.rs`.
//!
//! See docs/layouts.md for each tool's rules and the documentation they come from.

mod dbmate;
mod diesel;
mod flyway;
mod golang_migrate;
mod goose;
mod liquibase;
pub(crate) mod plain;
mod prisma;
mod sqitch;
mod sqlx;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::order::Draft;
use super::walk::{self, PathContext};
use super::{Direction, InputProblem, Layout, Transaction, TransactionMode};
use crate::config::Config;
use crate::source::{SourceFile, Span};

pub(crate) use dbmate::has_dbmate_up;
pub(crate) use diesel::parse_diesel_dir;
pub(crate) use flyway::parse_flyway;
pub(crate) use golang_migrate::{parse_up_down, parse_up_down_any_extension, popx_name};
pub(crate) use goose::has_goose_up;
pub(crate) use liquibase::is_liquibase;
pub(crate) use prisma::parse_prisma_dir;
pub(crate) use sqlx::parse_numbered;

/// What rollsafe knows about one migration tool.
pub(crate) trait Tool: Sync {
    /// The units of one file of this tool, in file order: its sections, each with the version
    /// key that orders it, the key that pairs an up with its down, and how the tool runs it.
    /// `None` when the file does not follow the tool's conventions after all (it is then
    /// linted as a plain file).
    fn units(&self, file: &ToolFile, env: &mut Env) -> Option<Vec<Draft>>;

    /// How the tool hands a unit to PostgreSQL when it opens no transaction itself: `Some` (the
    /// words for messages) when it sends the whole unit as one query string (simple-query
    /// protocol), which PostgreSQL runs as one implicit transaction when it holds several
    /// statements, so a statement that cannot run in a transaction block (CREATE INDEX
    /// CONCURRENTLY, ...) fails unless it is alone in the unit. `None` for tools that send
    /// statements one at a time (goose, Flyway, Liquibase, sqitch's psql), and for `plain`,
    /// whose tool is unknown.
    fn one_query_string(&self) -> Option<&'static str> {
        None
    }

    /// How a migration turns the tool's transaction off, for help texts (with a leading space),
    /// or "".
    fn transaction_opt_out(&self) -> &'static str {
        ""
    }
}

/// The tool of a layout.
pub(crate) fn of(layout: Layout) -> &'static dyn Tool {
    match layout {
        Layout::GolangMigrate => &golang_migrate::GolangMigrate,
        Layout::Sqlx => &sqlx::Sqlx,
        Layout::Diesel => &diesel::Diesel,
        Layout::Flyway => &flyway::Flyway,
        Layout::Prisma => &prisma::Prisma,
        Layout::Goose => &goose::Goose,
        Layout::Dbmate => &dbmate::Dbmate,
        Layout::Sqitch => &sqitch::Sqitch,
        Layout::Liquibase => &liquibase::Liquibase,
        Layout::Plain => &plain::Plain,
    }
}

impl Layout {
    /// Whether the tool hands a whole unit to PostgreSQL as one query string (see
    /// [`Tool::one_query_string`]).
    pub fn sends_unit_as_one_query(self) -> bool {
        of(self).one_query_string().is_some()
    }

    /// How the tool sends a whole unit as one query string, for messages.
    pub fn one_query_string(self) -> Option<&'static str> {
        of(self).one_query_string()
    }

    /// How a migration of this tool runs without its transaction, for help texts.
    pub fn transaction_opt_out(self) -> &'static str {
        of(self).transaction_opt_out()
    }
}

/// Where a file sits in a tool's conventions, as far as its path says.
#[derive(Debug, Clone)]
pub(crate) enum Place {
    Flat,
    Diesel {
        dir_name: String,
        version: String,
        up: bool,
    },
    Prisma {
        dir_name: String,
        version: String,
    },
    Sqitch {
        direction: Direction,
        script: String,
        /// The project folder holding `sqitch.plan`.
        project: PathBuf,
    },
}

/// One file handed to a tool.
pub(crate) struct ToolFile {
    pub(crate) source: Arc<SourceFile>,
    pub(crate) fs_path: PathBuf,
    pub(crate) file_name: String,
    pub(crate) place: Place,
}

impl ToolFile {
    /// The file name without `.sql`.
    pub(crate) fn stem(&self) -> String {
        super::names::strip_suffix_ci(&self.file_name, ".sql")
            .unwrap_or(&self.file_name)
            .to_string()
    }
}

/// What tools read besides the file: the config, side files next to it (cached), and where
/// to report problems with those. Per folder: which tool the folder uses for files that follow
/// none, and why a folder of `{version}_{name}` files is sqlx.
pub(crate) struct Env<'a> {
    pub(crate) config: &'a Config,
    pub(crate) ctx: &'a PathContext,
    pub(crate) fs: &'a mut Fs,
    pub(crate) problems: &'a mut Vec<InputProblem>,
    /// The folder's tool (see `layout.rs`), named in a stray file's transaction reason.
    pub(crate) dominant: Option<Layout>,
    /// Why the folder is taken for sqlx (empty when the layout is forced or it is not sqlx).
    pub(crate) sqlx_hint: String,
    /// sqitch plans by project folder: script name → (plan position, change name).
    pub(crate) sqitch_plans: &'a mut HashMap<PathBuf, HashMap<String, usize>>,
}

impl Env<'_> {
    /// Read a small side file; a failure becomes an input problem.
    pub(crate) fn read_side_file(&mut self, fs_path: &Path) -> Option<String> {
        read_side_file(fs_path, self.ctx, self.problems)
    }
}

pub(crate) struct Fs {
    listings: HashMap<PathBuf, Vec<String>>,
}

impl Fs {
    pub(crate) fn new() -> Self {
        Fs {
            listings: HashMap::new(),
        }
    }

    fn names(&mut self, dir: &Path) -> &[String] {
        self.listings.entry(dir.to_path_buf()).or_insert_with(|| {
            let mut names: Vec<String> = std::fs::read_dir(dir)
                .map(|rd| {
                    rd.filter_map(|e| e.ok())
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
            names.sort();
            names
        })
    }

    /// Whether `dir` holds an entry named exactly `name`. A missing entry is answered by one
    /// `lstat`, without listing the folder (a migrations folder can hold thousands of files,
    /// and listing it would make linting one of them cost as much as its siblings); an entry
    /// found is confirmed against the listing, where names compare exactly even on a
    /// case-insensitive file system.
    pub(crate) fn has(&mut self, dir: &Path, name: &str) -> bool {
        if let Err(e) = std::fs::symlink_metadata(dir.join(name))
            && e.kind() == std::io::ErrorKind::NotFound
        {
            return false;
        }
        self.names(dir)
            .binary_search_by(|n| n.as_str().cmp(name))
            .is_ok()
    }
}

/// `dir`, or `.` for the empty parent of a bare file name.
pub(crate) fn dir_or_dot(dir: Option<&Path>) -> PathBuf {
    match dir {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

pub(crate) fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Read a small side file; a failure becomes an input problem.
fn read_side_file(
    fs_path: &Path,
    ctx: &PathContext,
    problems: &mut Vec<InputProblem>,
) -> Option<String> {
    match std::fs::read(fs_path) {
        Ok(bytes) => match walk::decode(bytes) {
            Ok(text) => Some(text),
            Err((message, offset)) => {
                problems.push(InputProblem {
                    path: ctx.display(fs_path),
                    message,
                    offset: Some(offset),
                    at: None,
                });
                None
            }
        },
        Err(e) => {
            problems.push(InputProblem {
                path: ctx.display(fs_path),
                message: format!("cannot read: {e}"),
                offset: None,
                at: None,
            });
            None
        }
    }
}

pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

// ---------------------------------------------------------------------------------------------
// Placement of each file.

pub(crate) fn whole(source: &SourceFile) -> Span {
    Span::new(0, source.text.len())
}

pub(crate) fn tx(
    mode: TransactionMode,
    reason: impl Into<std::borrow::Cow<'static, str>>,
) -> Transaction {
    Transaction {
        mode,
        reason: reason.into(),
    }
}
