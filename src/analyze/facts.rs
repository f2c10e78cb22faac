//! The statement model: what rollsafe knows about each statement. Rules read these facts and
//! never look at the SQL again.

use serde::Serialize;

/// Where a statement sits in the expand/contract discipline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// SET, BEGIN/COMMIT, GRANT, COMMENT, ...: no schema compatibility impact.
    Neutral,
    /// Additive and backward compatible: CREATE, ADD COLUMN, ADD VALUE, ...
    Expand,
    /// Data changes: INSERT/UPDATE/DELETE, backfills.
    Migrate,
    /// Destructive or backward incompatible: DROP, TRUNCATE, RENAME, narrowing type change, ...
    Contract,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::Neutral => "neutral",
            Phase::Expand => "expand",
            Phase::Migrate => "migrate",
            Phase::Contract => "contract",
        }
    }
}

/// PostgreSQL's eight table-level lock modes, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LockLevel {
    AccessShare,
    RowShare,
    RowExclusive,
    ShareUpdateExclusive,
    Share,
    ShareRowExclusive,
    Exclusive,
    AccessExclusive,
}

impl LockLevel {
    /// The name PostgreSQL uses in its documentation and in `LOCK ... IN <mode> MODE`.
    pub fn name(self) -> &'static str {
        match self {
            LockLevel::AccessShare => "ACCESS SHARE",
            LockLevel::RowShare => "ROW SHARE",
            LockLevel::RowExclusive => "ROW EXCLUSIVE",
            LockLevel::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            LockLevel::Share => "SHARE",
            LockLevel::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            LockLevel::Exclusive => "EXCLUSIVE",
            LockLevel::AccessExclusive => "ACCESS EXCLUSIVE",
        }
    }

    /// The name `pg_locks.mode` shows (e.g. `AccessExclusiveLock`).
    pub fn pg_locks_name(self) -> &'static str {
        match self {
            LockLevel::AccessShare => "AccessShareLock",
            LockLevel::RowShare => "RowShareLock",
            LockLevel::RowExclusive => "RowExclusiveLock",
            LockLevel::ShareUpdateExclusive => "ShareUpdateExclusiveLock",
            LockLevel::Share => "ShareLock",
            LockLevel::ShareRowExclusive => "ShareRowExclusiveLock",
            LockLevel::Exclusive => "ExclusiveLock",
            LockLevel::AccessExclusive => "AccessExclusiveLock",
        }
    }

    pub fn from_pg_locks_name(name: &str) -> Option<LockLevel> {
        LockLevel::ALL
            .into_iter()
            .find(|l| l.pg_locks_name() == name)
    }

    /// Whether ordinary reads (`SELECT`) wait behind this lock.
    pub fn blocks_reads(self) -> bool {
        self == LockLevel::AccessExclusive
    }

    pub const ALL: [LockLevel; 8] = [
        LockLevel::AccessShare,
        LockLevel::RowShare,
        LockLevel::RowExclusive,
        LockLevel::ShareUpdateExclusive,
        LockLevel::Share,
        LockLevel::ShareRowExclusive,
        LockLevel::Exclusive,
        LockLevel::AccessExclusive,
    ];
}

impl Serialize for LockLevel {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockFact {
    pub relation: String,
    pub mode: LockLevel,
}

/// An object `DROP ... CASCADE` drops along with what it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Cascaded {
    /// A view or materialized view that reads a dropped relation.
    View { name: String },
    /// The foreign keys of `table` that reference a dropped table.
    ForeignKeys { table: String },
    /// A column of a dropped type.
    Column { table: String, column: String },
    /// A table that inherits from a dropped table, or a table in a dropped schema.
    Table { name: String },
    /// A sequence, view or other relation in a dropped schema.
    Relation { name: String },
    /// A column's default that calls a dropped function or draws from a dropped sequence.
    Default { table: String, column: String },
    /// A trigger that runs a dropped function.
    Trigger { table: String, name: String },
    /// Check constraints or index expressions of `table` that call a dropped function.
    Expressions { table: String },
}

impl Cascaded {
    /// The relation it belongs to (what the drop locks).
    pub fn relation(&self) -> &str {
        match self {
            Cascaded::View { name } | Cascaded::Table { name } | Cascaded::Relation { name } => {
                name
            }
            Cascaded::ForeignKeys { table }
            | Cascaded::Column { table, .. }
            | Cascaded::Default { table, .. }
            | Cascaded::Trigger { table, .. }
            | Cascaded::Expressions { table } => table,
        }
    }
}

impl std::fmt::Display for Cascaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cascaded::View { name } => write!(f, "view {name}"),
            Cascaded::ForeignKeys { table } => write!(f, "the foreign keys of {table}"),
            Cascaded::Column { table, column } => write!(f, "column {table}.{column}"),
            Cascaded::Table { name } => write!(f, "table {name}"),
            Cascaded::Relation { name } => write!(f, "{name}"),
            Cascaded::Default { table, column } => {
                write!(f, "the default of column {table}.{column}")
            }
            Cascaded::Trigger { table, name } => write!(f, "trigger {name} on {table}"),
            Cascaded::Expressions { table } => {
                write!(f, "the checks or index expressions of {table} that call it")
            }
        }
    }
}

/// How long work under a lock takes: a rewrite copies the whole table, a scan reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableWork {
    pub relation: String,
    pub reason: String,
    /// True when the work is assumed rather than known (e.g. a type change from a type the
    /// schema replay has not seen), so messages can say "may".
    #[serde(skip)]
    pub assumed: bool,
}
