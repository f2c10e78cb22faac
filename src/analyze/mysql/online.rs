//! InnoDB online DDL: for each `ALTER TABLE` operation, the weakest `ALGORITHM=` and `LOCK=` the
//! server accepts, per engine and version.
//!
//! MariaDB facts are checked against a real MariaDB 10.11 in `tests/mysql_facts.rs` (a server
//! refusing `ALGORITHM=INSTANT` proves the operation needs more). MySQL facts come from the
//! MySQL 8.0 reference manual, "15.12.1 Online DDL Operations"
//! (<https://dev.mysql.com/doc/refman/8.0/en/innodb-online-ddl-operations.html>) and are
//! marked `// MySQL doc:` where they differ from MariaDB.

use serde::Serialize;

use crate::analyze::TypeName;
use crate::analyze::schema::{self, Schema, Table};
use crate::target::{Dialect, Target};

/// `ALGORITHM=`, cheapest first (the order MariaDB documents: each accepts what the ones
/// before it can do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Algorithm {
    /// Metadata only.
    Instant,
    /// In place without rebuilding the clustered index (MariaDB's word; MySQL says INPLACE).
    Nocopy,
    /// In place, may rebuild the table.
    Inplace,
    /// A new copy of the table, row by row.
    Copy,
}

impl Algorithm {
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Instant => "INSTANT",
            Algorithm::Nocopy => "NOCOPY",
            Algorithm::Inplace => "INPLACE",
            Algorithm::Copy => "COPY",
        }
    }
    pub fn parse(word: &str) -> Option<Algorithm> {
        match word.to_ascii_uppercase().as_str() {
            "INSTANT" => Some(Algorithm::Instant),
            "NOCOPY" => Some(Algorithm::Nocopy),
            "INPLACE" => Some(Algorithm::Inplace),
            "COPY" => Some(Algorithm::Copy),
            _ => None,
        }
    }
}

/// `LOCK=`: what concurrent sessions may still do while the ALTER runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum DdlLock {
    /// Reads and writes continue.
    None,
    /// Reads continue, writes wait.
    Shared,
    /// Reads and writes wait.
    Exclusive,
}

impl DdlLock {
    pub fn name(self) -> &'static str {
        match self {
            DdlLock::None => "NONE",
            DdlLock::Shared => "SHARED",
            DdlLock::Exclusive => "EXCLUSIVE",
        }
    }
    pub fn parse(word: &str) -> Option<DdlLock> {
        match word.to_ascii_uppercase().as_str() {
            "NONE" => Some(DdlLock::None),
            "SHARED" => Some(DdlLock::Shared),
            "EXCLUSIVE" => Some(DdlLock::Exclusive),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexKind {
    Plain,
    Unique,
    Primary,
    Fulltext,
    Spatial,
}

/// One operation of an `ALTER TABLE` (or `CREATE INDEX`/`DROP INDEX`), as online DDL sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    AddColumn {
        column: String,
        /// `FIRST` / `AFTER col`.
        positioned: bool,
        auto_increment: bool,
        /// A STORED generated column.
        stored: bool,
        /// An index declared inline (`PRIMARY KEY`, `UNIQUE`).
        index: Option<IndexKind>,
        not_null_without_default: bool,
    },
    DropColumn {
        column: String,
    },
    RenameColumn,
    /// `MODIFY` / `CHANGE` / `ALTER COLUMN ... TYPE`.
    ChangeColumn {
        column: String,
        type_name: TypeName,
        /// Nullability as redefined (`None` when the syntax does not redefine it).
        not_null: Option<bool>,
        positioned: bool,
        renamed: bool,
        /// `CHARACTER SET` / `COLLATE` written: the stored bytes may change.
        charset: bool,
    },
    SetDefault,
    AddIndex(IndexKind),
    DropIndex,
    RenameIndex,
    DropPrimaryKey,
    AddForeignKey {
        columns: Vec<String>,
    },
    DropForeignKey,
    AddCheck,
    DropCheck,
    RenameTable,
    /// `ENGINE=`, `FORCE`, `ROW_FORMAT=`, `OPTIMIZE TABLE`: rebuild in place.
    Rebuild(&'static str),
    ConvertCharset,
    AutoIncrement,
    TableComment,
    Other(&'static str),
}

/// Operations that have a rule of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NeedKind {
    Plain,
    /// A VARCHAR lengthened across 255 bytes (RS124).
    VarcharCrossing,
    /// ADD FOREIGN KEY while `foreign_key_checks` is on (RS123).
    ForeignKeyChecks,
    /// A FULLTEXT or SPATIAL index build (RS122).
    FulltextOrSpatial,
}

/// What one operation needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    pub kind: NeedKind,
    pub algorithm: Algorithm,
    pub lock: DdlLock,
    /// Why, for messages (`MODIFY COLUMN name varchar(300)`).
    pub what: String,
    /// A fact that depends on a column type rollsafe has not seen.
    pub assumed: bool,
}

/// The online-DDL facts of one statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnlineDdl {
    pub table: String,
    pub ops: Vec<Op>,
    /// The weakest algorithm and lock the server accepts for the whole statement.
    pub algorithm: Algorithm,
    pub lock: DdlLock,
    /// The operation that decided the algorithm.
    pub because: String,
    pub assumed: bool,
    /// Each operation's need, in order (rules look for COPY causes).
    pub needs: Vec<Need>,
    /// `ALGORITHM=` / `LOCK=` written in the statement.
    pub requested_algorithm: Option<Algorithm>,
    pub requested_lock: Option<DdlLock>,
    /// Why the server refuses the written clause, if it does.
    pub refused: Option<String>,
    /// A `DROP INDEX ... ON t` statement (not `ALTER TABLE ... DROP INDEX`).
    pub drop_index_statement: bool,
    /// MySQL 8.0.29+: the table's row versions once this statement's INSTANT column change
    /// is made, counted by the replay since the table was created or last rebuilt (RS125).
    pub row_versions: Option<u32>,
}

impl OnlineDdl {
    pub fn new(table: String, mut ops: Vec<Op>, text: &str) -> OnlineDdl {
        let (requested_algorithm, requested_lock) = explicit_clauses(text);
        // Table options are read from the text (the parser does not know them).
        for (_, _, word) in crate::parse::mysql::table_options(text) {
            ops.push(match word.as_str() {
                "CONVERT" => Op::ConvertCharset,
                "COMMENT" => Op::TableComment,
                "ENGINE" | "FORCE" | "ROW_FORMAT" | "KEY_BLOCK_SIZE" => {
                    Op::Rebuild("ENGINE/FORCE/ROW_FORMAT")
                }
                "DEFAULT" | "CHARACTER" | "CHARSET" | "COLLATE" => Op::TableComment,
                _ => Op::Other("table option"),
            });
        }
        OnlineDdl {
            table,
            ops,
            algorithm: Algorithm::Instant,
            lock: DdlLock::None,
            because: String::new(),
            assumed: false,
            needs: Vec::new(),
            requested_algorithm,
            requested_lock,
            refused: None,
            drop_index_statement: text.trim_start().to_ascii_uppercase().starts_with("DROP"),
            row_versions: None,
        }
    }
}

/// `ALGORITHM [=] x` and `LOCK [=] x` as written (`DEFAULT` is no request).
pub fn explicit_clauses(text: &str) -> (Option<Algorithm>, Option<DdlLock>) {
    let words: Vec<String> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_uppercase)
        .collect();
    let mut algorithm = None;
    let mut lock = None;
    for (i, w) in words.iter().enumerate() {
        let next = words.get(i + 1).map(String::as_str).unwrap_or("");
        match w.as_str() {
            "ALGORITHM" => algorithm = Algorithm::parse(next).or(algorithm),
            // `LOCK` of `LOCK TABLES` has no such word after it.
            "LOCK" => lock = DdlLock::parse(next).or(lock),
            _ => {}
        }
    }
    (algorithm, lock)
}

/// Bytes per character assumed for string columns: utf8mb4, the default of MySQL 8 (MariaDB
/// 10.11's server default is latin1, but utf8mb4 is what schemas declare today).
const BYTES_PER_CHAR: i64 = 4;

fn length_bytes(t: &TypeName) -> Option<i64> {
    matches!(t.name.as_str(), "varchar" | "varbinary")
        .then(|| t.modifiers.first().copied())
        .flatten()
        .map(|n| {
            if t.name == "varbinary" {
                n
            } else {
                n * BYTES_PER_CHAR
            }
        })
}

fn enum_values(t: &TypeName) -> Option<Vec<String>> {
    let inner = t
        .name
        .strip_prefix("enum(")
        .or_else(|| t.name.strip_prefix("set("))?
        .strip_suffix(')')?;
    Some(inner.split(',').map(|v| v.trim().to_string()).collect())
}

/// What a type change does to the stored data, given the column's current type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeChange {
    Same,
    /// VARCHAR longer, staying on the same side of 255 bytes (1- or 2-byte length prefix).
    VarcharWithin,
    /// VARCHAR longer, crossing 255 bytes: the length prefix grows, every row is rewritten.
    VarcharCrossing,
    /// Values appended at the end of an ENUM/SET.
    EnumAppend,
    /// Values removed or reordered: stored numbers change meaning.
    EnumReorder,
    Other,
}

pub fn type_change(old: &TypeName, new: &TypeName) -> TypeChange {
    if old == new {
        return TypeChange::Same;
    }
    if let (Some(a), Some(b)) = (length_bytes(old), length_bytes(new))
        && old.name == new.name
        && b >= a
    {
        return if (a <= 255) == (b <= 255) {
            TypeChange::VarcharWithin
        } else {
            TypeChange::VarcharCrossing
        };
    }
    if let (Some(a), Some(b)) = (enum_values(old), enum_values(new)) {
        return if b.len() >= a.len() && b[..a.len()] == a[..] {
            TypeChange::EnumAppend
        } else {
            TypeChange::EnumReorder
        };
    }
    TypeChange::Other
}

/// Whether a type change keeps every value (for phases: widening is expand).
pub fn is_widening(change: TypeChange) -> bool {
    matches!(
        change,
        TypeChange::Same
            | TypeChange::VarcharWithin
            | TypeChange::VarcharCrossing
            | TypeChange::EnumAppend
    )
}

/// What one operation needs on `target`, with the table as the replay knows it.
pub fn need(op: &Op, table: Option<&Table>, target: Target, fk_checks: bool) -> Need {
    use Algorithm::*;
    let maria = target.dialect == Dialect::Mariadb;
    let mysql = !maria;
    let n = |algorithm, lock, what: &str| Need {
        kind: NeedKind::Plain,
        algorithm,
        lock,
        what: what.to_string(),
        assumed: false,
    };
    // MariaDB says NOCOPY for "in place, no rebuild"; MySQL only knows INPLACE.
    let nocopy = if maria { Nocopy } else { Inplace };
    match op {
        Op::AddColumn {
            column,
            positioned,
            auto_increment,
            stored,
            index,
            ..
        } => {
            let what = format!("ADD COLUMN {column}");
            if *auto_increment {
                // Every row gets a new value: MySQL doc: "Adding an auto-increment column ...
                // Permits Concurrent DML: No".
                return n(Inplace, DdlLock::Shared, &format!("{what} AUTO_INCREMENT"));
            }
            if *stored {
                return n(Copy, DdlLock::Shared, &format!("{what} (STORED generated)"));
            }
            if index.is_some() {
                // A new column and an index on it: the table is rebuilt (MariaDB 10.11 refuses
                // NOCOPY); MySQL doc: adding a column is a rebuild unless instant.
                return n(Inplace, DdlLock::None, &what);
            }
            let instant = if maria {
                target.at_least(10, 4, 0) || (target.at_least(10, 3, 2) && !positioned)
            } else if *positioned {
                // MySQL doc: INSTANT ADD COLUMN at any position since 8.0.29.
                target.at_least(8, 0, 29)
            } else {
                // MySQL doc: INSTANT ADD COLUMN (last position) since 8.0.12.
                target.at_least(8, 0, 12)
            };
            n(
                if instant { Instant } else { Inplace },
                DdlLock::None,
                &what,
            )
        }
        Op::DropColumn { column } => {
            let what = format!("DROP COLUMN {column}");
            let in_primary_key = table.is_some_and(|t| {
                t.constraints.iter().any(|c| {
                    c.kind == crate::analyze::ConstraintKind::PrimaryKey
                        && c.columns.contains(column)
                })
            });
            if in_primary_key {
                return n(
                    Copy,
                    DdlLock::Shared,
                    &format!("{what} (part of the PRIMARY KEY)"),
                );
            }
            // MySQL doc: INSTANT DROP COLUMN since 8.0.29; MariaDB since 10.4.
            let instant = if maria {
                target.at_least(10, 4, 0)
            } else {
                target.at_least(8, 0, 29)
            };
            n(
                if instant { Instant } else { Inplace },
                DdlLock::None,
                &what,
            )
        }
        Op::RenameColumn => {
            // MySQL doc: RENAME COLUMN is INSTANT since 8.0.28 (in place before).
            let instant = maria || target.at_least(8, 0, 28);
            n(
                if instant { Instant } else { Inplace },
                DdlLock::None,
                "RENAME COLUMN",
            )
        }
        Op::ChangeColumn {
            column,
            type_name,
            not_null,
            positioned,
            renamed,
            charset,
        } => {
            let what = format!("MODIFY COLUMN {column} {type_name}");
            if *charset {
                // MariaDB 10.11 refuses INPLACE for a character set change (a rewrite).
                return n(Copy, DdlLock::Shared, &format!("{what} CHARACTER SET"));
            }
            let Some(old) = table.and_then(|t| t.column(column)) else {
                // The current type is unknown: assume the worst, and say so.
                return Need {
                    assumed: true,
                    ..n(Copy, DdlLock::Shared, &what)
                };
            };
            let mut need = match type_change(old.type_name(), type_name) {
                TypeChange::Same => n(Instant, DdlLock::None, &what),
                TypeChange::EnumAppend => n(Instant, DdlLock::None, &what),
                // MySQL doc: "Extending VARCHAR column size ... in place, no rebuild" (not
                // instant); MariaDB 10.4+ does it instantly.
                // MariaDB 10.4+ lengthens any VARCHAR instantly, across 255 bytes too (checked
                // on 10.11); MySQL doc: crossing 255 bytes needs COPY.
                TypeChange::VarcharWithin | TypeChange::VarcharCrossing
                    if maria && target.at_least(10, 4, 0) =>
                {
                    n(Instant, DdlLock::None, &what)
                }
                TypeChange::VarcharWithin => n(nocopy, DdlLock::None, &what),
                TypeChange::VarcharCrossing => Need {
                    kind: NeedKind::VarcharCrossing,
                    ..n(Copy, DdlLock::Shared, &what)
                },
                TypeChange::EnumReorder | TypeChange::Other => n(Copy, DdlLock::Shared, &what),
            };
            let mut at_least = |a: Algorithm, l: DdlLock| {
                need.algorithm = need.algorithm.max(a);
                need.lock = need.lock.max(l);
            };
            match (old.not_null(), *not_null) {
                // NULL to NOT NULL: every row is checked while the table is rebuilt.
                (false, Some(true)) => at_least(Inplace, DdlLock::None),
                // NOT NULL to NULL: in place, rebuilds (MariaDB 10.11 refuses INSTANT and NOCOPY).
                (true, Some(false)) => at_least(Inplace, DdlLock::None),
                _ => {}
            }
            if *positioned && (mysql || !target.at_least(10, 4, 0)) {
                // MySQL doc: "Reordering columns ... Rebuilds Table: Yes".
                at_least(Inplace, DdlLock::None);
            }
            if *renamed && mysql && !target.at_least(8, 0, 28) {
                at_least(Inplace, DdlLock::None);
            }
            need
        }
        Op::SetDefault => n(Instant, DdlLock::None, "SET/DROP DEFAULT"),
        Op::AddIndex(kind) => match kind {
            IndexKind::Plain | IndexKind::Unique => n(nocopy, DdlLock::None, "ADD INDEX"),
            IndexKind::Primary => n(Inplace, DdlLock::None, "ADD PRIMARY KEY"),
            // Writes wait while a FULLTEXT or SPATIAL index is built (LOCK=SHARED at least).
            IndexKind::Fulltext => Need {
                kind: NeedKind::FulltextOrSpatial,
                ..n(Inplace, DdlLock::Shared, "ADD FULLTEXT INDEX")
            },
            IndexKind::Spatial => Need {
                kind: NeedKind::FulltextOrSpatial,
                ..n(nocopy, DdlLock::Shared, "ADD SPATIAL INDEX")
            },
        },
        Op::DropIndex => n(nocopy, DdlLock::None, "DROP INDEX"),
        Op::RenameIndex => n(Instant, DdlLock::None, "RENAME INDEX"),
        Op::DropPrimaryKey => n(Copy, DdlLock::Shared, "DROP PRIMARY KEY"),
        Op::AddForeignKey { .. } if fk_checks => Need {
            kind: NeedKind::ForeignKeyChecks,
            ..n(
                Copy,
                DdlLock::Shared,
                "ADD FOREIGN KEY with foreign_key_checks=1",
            )
        },
        // With the checks off the key needs an index on its columns: MariaDB 10.11 adds the key
        // instantly when one exists (`complete`), NOCOPY when it must build one.
        Op::AddForeignKey { .. } => n(nocopy, DdlLock::None, "ADD FOREIGN KEY"),
        // MariaDB 10.11 drops a foreign key instantly; MySQL doc: in place.
        Op::DropForeignKey => n(
            if maria { Instant } else { Inplace },
            DdlLock::None,
            "DROP FOREIGN KEY",
        ),
        Op::AddCheck => n(Copy, DdlLock::Shared, "ADD CHECK"),
        Op::DropCheck => n(Instant, DdlLock::None, "DROP CONSTRAINT"),
        // A rename swaps the table under an exclusive lock (MariaDB 10.11 refuses LOCK=NONE
        // and LOCK=SHARED).
        Op::RenameTable => n(Instant, DdlLock::Exclusive, "RENAME TO"),
        Op::Rebuild(what) => n(Inplace, DdlLock::None, what),
        Op::ConvertCharset => n(Copy, DdlLock::Shared, "CONVERT TO CHARACTER SET"),
        // MariaDB 10.11: instant; MySQL doc: "Setting ... auto-increment value: in place".
        Op::AutoIncrement => n(
            if maria { Instant } else { Inplace },
            DdlLock::None,
            "AUTO_INCREMENT=",
        ),
        Op::TableComment => n(Instant, DdlLock::None, "COMMENT="),
        Op::Other(what) => Need {
            assumed: true,
            ..n(Copy, DdlLock::Shared, what)
        },
    }
}

/// Fill the statement's facts from its operations: the strongest need wins; then check the
/// written `ALGORITHM=` / `LOCK=` against it.
pub fn complete(online: &mut OnlineDdl, schema: &Schema, target: Target, fk_checks: bool) {
    let table = schema.table(&online.table);
    let indexed_columns: Vec<String> = schema
        .index_defs
        .iter()
        .filter(|(name, _)| schema.index_table(name) == Some(schema::key(&online.table)))
        .flat_map(|(_, d)| d.columns.clone())
        .chain(table.into_iter().flat_map(|t| {
            t.constraints
                .iter()
                .filter(|c| c.kind == crate::analyze::ConstraintKind::Unique)
                .flat_map(|c| c.columns.clone())
        }))
        .collect();
    let maria = target.dialect == Dialect::Mariadb;
    online.needs = online
        .ops
        .iter()
        .map(|op| {
            let mut need = need(op, table, target, fk_checks);
            if let Op::DropColumn { column } = op
                && maria
                && need.algorithm == Algorithm::Instant
                && indexed_columns.contains(column)
            {
                // The column's index goes with it: MariaDB 10.11 refuses INSTANT.
                need.algorithm = Algorithm::Nocopy;
            }
            need
        })
        .collect();
    // A foreign key whose columns already lead an index (or another foreign key, which has one).
    if maria {
        let t = table;
        for (op, need) in online.ops.iter().zip(&mut online.needs) {
            if let Op::AddForeignKey { columns } = op
                && need.algorithm == Algorithm::Nocopy
                && !columns.is_empty()
            {
                let leads = |cols: &[String]| {
                    cols.len() >= columns.len() && cols[..columns.len()] == columns[..]
                };
                let has_index = schema.index_defs.iter().any(|(name, d)| {
                    schema.index_table(name) == Some(schema::key(&online.table))
                        && leads(&d.columns)
                }) || t
                    .is_some_and(|t| t.constraints.iter().any(|c| leads(&c.columns)));
                if has_index {
                    need.algorithm = Algorithm::Instant;
                }
            }
        }
    }
    // Replacing the primary key in one statement is a rebuild in place, not a copy.
    if online.ops.contains(&Op::DropPrimaryKey)
        && online.ops.contains(&Op::AddIndex(IndexKind::Primary))
    {
        for (op, need) in online.ops.iter().zip(&mut online.needs) {
            if *op == Op::DropPrimaryKey {
                need.algorithm = Algorithm::Inplace;
                need.lock = DdlLock::None;
            }
        }
    }
    // MariaDB: an instant column change combined with an index build rebuilds the table.
    let instant_column_op = online.ops.iter().zip(&online.needs).any(|(op, need)| {
        matches!(op, Op::AddColumn { .. } | Op::DropColumn { .. })
            && need.algorithm == Algorithm::Instant
    });
    if maria
        && instant_column_op
        && online
            .needs
            .iter()
            .any(|n| n.algorithm == Algorithm::Nocopy)
    {
        for need in &mut online.needs {
            if need.algorithm == Algorithm::Nocopy {
                need.algorithm = Algorithm::Inplace;
            }
        }
    }
    online.algorithm = Algorithm::Instant;
    online.lock = DdlLock::None;
    online.assumed = false;
    for need in &online.needs {
        if need.algorithm > online.algorithm || online.because.is_empty() {
            online.because = need.what.clone();
        }
        online.algorithm = online.algorithm.max(need.algorithm);
        online.lock = online.lock.max(need.lock);
        online.assumed |= need.assumed;
    }
    online.refused = refusal(online, target);
}

fn refusal(online: &OnlineDdl, target: Target) -> Option<String> {
    let maria = target.dialect == Dialect::Mariadb;
    if maria
        && online.drop_index_statement
        && (online.requested_algorithm.is_some() || online.requested_lock.is_some())
    {
        // Checked on 10.11: a syntax error there.
        return Some(
            "MariaDB's DROP INDEX takes no ALGORITHM= or LOCK= (write ALTER TABLE ... DROP INDEX)"
                .into(),
        );
    }
    if let Some(a) = online.requested_algorithm {
        if a == Algorithm::Nocopy && !maria {
            return Some("MySQL has no ALGORITHM=NOCOPY".into());
        }
        if a < online.algorithm && a != Algorithm::Copy {
            return Some(format!(
                "{} needs ALGORITHM={}: the server refuses ALGORITHM={}",
                online.because,
                online.algorithm.name(),
                a.name()
            ));
        }
    }
    // A copy blocks writes (online COPY came with MariaDB 11.2).
    let copying =
        online.requested_algorithm == Some(Algorithm::Copy) || online.algorithm == Algorithm::Copy;
    let needed = if copying && !(maria && target.at_least(11, 2, 0)) {
        online.lock.max(DdlLock::Shared)
    } else {
        online.lock
    };
    match online.requested_lock {
        Some(l) if l < needed => Some(format!(
            "{} needs LOCK={}: the server refuses LOCK={}",
            online.because,
            needed.name(),
            l.name()
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str, modifiers: &[i64]) -> TypeName {
        TypeName {
            name: name.into(),
            modifiers: modifiers.to_vec(),
            array: false,
        }
    }

    #[test]
    fn type_changes() {
        assert_eq!(
            type_change(&t("varchar", &[10]), &t("varchar", &[20])),
            TypeChange::VarcharWithin
        );
        assert_eq!(
            type_change(&t("varchar", &[60]), &t("varchar", &[100])),
            TypeChange::VarcharCrossing
        );
        assert_eq!(
            type_change(&t("enum('a','b')", &[]), &t("enum('a','b','c')", &[])),
            TypeChange::EnumAppend
        );
        assert_eq!(
            type_change(&t("enum('a','b')", &[]), &t("enum('b','a')", &[])),
            TypeChange::EnumReorder
        );
        assert_eq!(
            type_change(&t("int", &[]), &t("bigint", &[])),
            TypeChange::Other
        );
    }

    #[test]
    fn explicit() {
        assert_eq!(
            explicit_clauses("ALTER TABLE t ADD c INT, ALGORITHM = instant, LOCK=NONE"),
            (Some(Algorithm::Instant), Some(DdlLock::None))
        );
        assert_eq!(
            explicit_clauses("ALTER TABLE t ALGORITHM=DEFAULT"),
            (None, None)
        );
    }

    #[test]
    fn versions_decide_add_column() {
        let op = Op::AddColumn {
            column: "c".into(),
            positioned: true,
            auto_increment: false,
            stored: false,
            index: None,
            not_null_without_default: false,
        };
        let mysql = |v| {
            Target::new(
                Dialect::Mysql,
                crate::target::Version::parse(v).unwrap_or(Dialect::Mysql.default_version()),
            )
        };
        assert_eq!(
            need(&op, None, mysql("8.0.28"), true).algorithm,
            Algorithm::Inplace
        );
        assert_eq!(
            need(&op, None, mysql("8.0.29"), true).algorithm,
            Algorithm::Instant
        );
    }
}
