//! Discovery: from the paths on the command line to an ordered set of migration units.
//!
//! A *unit* is what a migration tool applies in one go: a whole file for most layouts, or one
//! section (up or down) of a two-section file (goose, dbmate, Liquibase changesets). Units keep
//! byte ranges into their file, so every line number reported later is the file's real one.

pub mod diff_base;
pub mod github;
pub mod layout;
mod lines;
mod names;
pub mod order;
mod scan;
mod tools;
pub mod walk;

#[cfg(test)]
mod tests;

pub use crate::target::Layout;
pub use layout::{discover, from_text};

use std::path::PathBuf;
use std::sync::Arc;

use crate::source::{SourceFile, Span};
use crate::target::Target;

/// Which way a unit moves the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// Forward migration (also Flyway `V`, sqitch `deploy`, plain files).
    Up,
    /// Reverting migration (also Flyway `U` undo, sqitch `revert`, Liquibase `--rollback`).
    Down,
    /// Re-applied whenever it changes (Flyway `R__`).
    Repeatable,
    /// Checks only, never changes the schema (sqitch `verify`).
    Verify,
}

impl Direction {
    pub fn name(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Down => "down",
            Direction::Repeatable => "repeatable",
            Direction::Verify => "verify",
        }
    }
}

/// How the migration tool hands a unit to the server, decided once, by the tool's file in
/// `tools/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TransactionMode {
    /// Inside a transaction the tool opens around the whole unit.
    Wrapped,
    /// No transaction of the tool's, but the whole unit as one query string, which PostgreSQL
    /// runs as one implicit transaction block when it holds several statements.
    OneQueryString,
    /// No transaction: one statement at a time, each committed on its own.
    PerStatement,
}

/// How the migration tool runs the unit, and why we believe so (shown in diagnostics, so a
/// user can check or override it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Transaction {
    pub mode: TransactionMode,
    /// Most are a tool's constant sentence: borrowed, not copied into every unit.
    pub reason: std::borrow::Cow<'static, str>,
}

impl Transaction {
    /// Whether the tool wraps the unit in a transaction of its own.
    pub fn wrapped(&self) -> bool {
        self.mode == TransactionMode::Wrapped
    }
}

/// A unit's place in the application order of the whole set: stable for the run, so up/down
/// pairs stay valid links whatever a later stage filters out of its own lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MigrationId(pub usize);

impl MigrationId {
    pub fn index(self) -> usize {
        self.0
    }
}

/// How one migration unit differs from the `--diff-base` revision.
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

/// A unit's change status against the diff base (see [`diff_base::mark_changes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeStatus {
    pub unit: UnitChange,
    /// The whole file is new: what it creates is new in this change.
    pub file_added: bool,
    /// The file was added or modified: its findings are reported.
    pub file_changed: bool,
}

#[derive(Debug, Clone)]
pub struct Migration {
    pub id: MigrationId,
    /// The database engine and version the unit runs on.
    pub target: Target,
    /// The folder whose migrations form one sequence (one database history). The schema
    /// replay runs per group.
    pub group: PathBuf,
    pub source: Arc<SourceFile>,
    /// The bytes of `source` that belong to this unit.
    pub range: Span,
    pub layout: Layout,
    pub direction: Direction,
    /// The tool's version key (as written), used for ordering and duplicate checks.
    pub version: Option<String>,
    /// Human name: file stem, diesel directory, changeset id, ...
    pub name: String,
    pub transaction: Transaction,
    /// The paired down/up unit, if any.
    pub pair: Option<MigrationId>,
    /// How the unit differs from the diff base; `None` without `--diff-base`.
    pub change: Option<ChangeStatus>,
    /// Set when the unit is a file that a psql include (`\i`, `\ir`) of another unit reads.
    pub included_by: Option<Inclusion>,
}

/// Where a unit made of an included file was included: the including unit and the span of the
/// `\i` line in its file. The included unit runs where that line is, in the including unit's
/// transaction, under the markers that cover that line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inclusion {
    pub parent: MigrationId,
    pub at: Span,
    /// 1 for a file included by a migration, 2 for a file that one includes, ...
    pub depth: usize,
}

/// A file that could not become a migration unit (unreadable, not UTF-8, a NUL byte, a
/// directory named like a file, ...). It is reported as `E002` and the run goes on.
#[derive(Debug, Clone)]
pub struct InputProblem {
    pub path: PathBuf,
    pub message: String,
    /// Byte offset of the problem within the file, when it has one (invalid UTF-8, NUL).
    pub offset: Option<usize>,
    /// Where the finding is shown, when it is about one line of the file (a psql include that
    /// cannot be followed); else the start of the file.
    pub at: Option<crate::source::LineCol>,
}

#[derive(Debug, Default)]
pub struct MigrationSet {
    /// Units in application order: per directory, in the tool's own version order.
    pub units: Vec<Migration>,
    pub problems: Vec<InputProblem>,
}
