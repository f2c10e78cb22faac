//! Lock facts: which table-level lock each change takes on which relation, and whether it
//! rewrites or scans the table while holding it. Facts follow PostgreSQL's documentation for
//! the configured major version, and are checked against a real server by `tests/pg_facts.rs`.

use super::change::*;
use super::facts::{LockFact, LockLevel, TableWork};
use super::schema::{self, Schema};

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LockAnalysis {
    pub locks: Vec<LockFact>,
    pub rewrites: Vec<TableWork>,
    pub scans: Vec<TableWork>,
}

impl LockAnalysis {
    fn lock(&mut self, relation: &str, mode: LockLevel) {
        if relation.is_empty() {
            return;
        }
        match self.locks.iter_mut().find(|l| l.relation == relation) {
            Some(l) => l.mode = l.mode.max(mode),
            None => self.locks.push(LockFact {
                relation: relation.to_string(),
                mode,
            }),
        }
    }
    fn rewrite(&mut self, relation: &str, reason: impl Into<String>) {
        if !self.rewrites.iter().any(|w| w.relation == relation) {
            self.rewrites.push(TableWork {
                relation: relation.to_string(),
                reason: reason.into(),
            });
        }
    }
    fn scan(&mut self, relation: &str, reason: impl Into<String>) {
        if !self.scans.iter().any(|w| w.relation == relation) {
            self.scans.push(TableWork {
                relation: relation.to_string(),
                reason: reason.into(),
            });
        }
    }
}

/// Lock facts of one statement's changes, given the schema as it stands before it.
pub fn analyze(changes: &[Change], schema: &Schema, pg_version: u32) -> LockAnalysis {
    let mut a = LockAnalysis::default();
    for change in changes {
        change_locks(change, schema, pg_version, &mut a);
    }
    a
}

fn change_locks(change: &Change, schema: &Schema, pg: u32, a: &mut LockAnalysis) {
    use LockLevel::*;
    match change {
        Change::CreateTable {
            columns,
            constraints,
            partition_of,
            ..
        } => {
            // Foreign keys take SHARE ROW EXCLUSIVE on the referenced table.
            for c in columns.iter().flat_map(|c| c.constraints.iter()).chain(constraints) {
                if let Some(r) = &c.references {
                    a.lock(r, ShareRowExclusive);
                }
            }
            if let Some(parent) = partition_of {
                a.lock(parent, AccessExclusive);
            }
        }
        Change::CreateIndex {
            table, concurrently, ..
        } => {
            a.lock(table, if *concurrently { ShareUpdateExclusive } else { Share });
            a.scan(table, "the index build reads every row");
        }
        Change::Create {
            object, on_table, ..
        } => {
            if let Some(t) = on_table {
                let mode = match object {
                    ObjectKind::Trigger => ShareRowExclusive,
                    _ => AccessExclusive,
                };
                a.lock(t, mode);
            }
        }
        Change::Drop {
            object,
            names,
            concurrently,
            on_table,
            ..
        } => match object {
            ObjectKind::Index => {
                for n in names {
                    let mode = if *concurrently { ShareUpdateExclusive } else { AccessExclusive };
                    if let Some(t) = schema.index_table(n) {
                        a.lock(t, mode);
                    }
                    a.lock(n, mode);
                }
            }
            ObjectKind::Table | ObjectKind::View | ObjectKind::MaterializedView | ObjectKind::Sequence | ObjectKind::ForeignTable => {
                for n in names {
                    a.lock(n, AccessExclusive);
                }
            }
            ObjectKind::Trigger | ObjectKind::Policy | ObjectKind::Rule => {
                if let Some(t) = on_table {
                    a.lock(t, AccessExclusive);
                }
            }
            _ => {}
        },
        Change::Rename {
            object, relation, from, ..
        } => match object {
            ObjectKind::Index => {
                // PostgreSQL 12 lowered ALTER INDEX ... RENAME to SHARE UPDATE EXCLUSIVE.
                let mode = if pg >= 12 { ShareUpdateExclusive } else { AccessExclusive };
                a.lock(from, mode);
            }
            ObjectKind::Table | ObjectKind::View | ObjectKind::MaterializedView | ObjectKind::Sequence => {
                a.lock(from, AccessExclusive)
            }
            ObjectKind::Column | ObjectKind::Trigger | ObjectKind::Policy | ObjectKind::Rule => {
                if let Some(r) = relation {
                    a.lock(r, AccessExclusive);
                }
            }
            ObjectKind::Constraint => {
                if let Some(r) = relation {
                    a.lock(r, AccessExclusive);
                }
            }
            _ => {}
        },
        Change::SetSchema { object, name } => {
            if matches!(object, ObjectKind::Table | ObjectKind::View | ObjectKind::MaterializedView | ObjectKind::Sequence) {
                a.lock(name, AccessExclusive);
            }
        }
        Change::AlterTable { table, cmd } => table_cmd_locks(table, cmd, schema, pg, a),
        Change::Truncate { tables } => {
            for t in tables {
                a.lock(t, AccessExclusive);
            }
        }
        Change::Insert { table, .. }
        | Change::Update { table, .. }
        | Change::Delete { table, .. }
        | Change::Merge { table } => a.lock(table, RowExclusive),
        Change::Copy { table: Some(t), from: true } => a.lock(t, RowExclusive),
        Change::Copy { table: Some(t), from: false } => a.lock(t, AccessShare),
        Change::Reindex {
            target,
            table,
            whole_database,
            concurrently,
        } => {
            if *whole_database {
                return;
            }
            let mode = if *concurrently { ShareUpdateExclusive } else { Share };
            if *table {
                a.lock(target, mode);
            } else {
                if let Some(t) = schema.index_table(target) {
                    a.lock(t, mode);
                }
                a.lock(target, if *concurrently { ShareUpdateExclusive } else { AccessExclusive });
            }
        }
        Change::Vacuum {
            tables,
            full,
            analyze_only,
        } => {
            for t in tables {
                if *full && !*analyze_only {
                    a.lock(t, AccessExclusive);
                    a.rewrite(t, "VACUUM FULL writes a new copy of the table");
                } else {
                    a.lock(t, ShareUpdateExclusive);
                }
            }
        }
        Change::Cluster { table: Some(t) } => {
            a.lock(t, AccessExclusive);
            a.rewrite(t, "CLUSTER writes a new copy of the table in index order");
        }
        Change::RefreshMaterializedView { name, concurrently } => {
            a.lock(name, if *concurrently { Exclusive } else { AccessExclusive });
            a.scan(name, "the view's query runs in full");
        }
        Change::LockTable { tables, mode } => {
            for t in tables {
                a.lock(t, *mode);
            }
        }
        _ => {}
    }
}

fn table_cmd_locks(table: &str, cmd: &TableCmd, schema: &Schema, pg: u32, a: &mut LockAnalysis) {
    use LockLevel::*;
    let existing = schema.table(table);
    match cmd {
        TableCmd::AddColumn { column, .. } => {
            a.lock(table, AccessExclusive);
            if let Some(reason) = add_column_rewrite(column, pg) {
                a.rewrite(table, reason);
            }
            for c in &column.constraints {
                constraint_locks(table, c, a);
            }
        }
        TableCmd::AlterColumnType { column, type_name, .. } => {
            a.lock(table, AccessExclusive);
            let old = existing.and_then(|t| t.column(column)).map(|c| &c.type_name);
            match old {
                Some(old) if binary_coercible(old, type_name) => {}
                Some(old) => a.rewrite(table, format!("{column} changes from {old} to {type_name}")),
                None => a.rewrite(
                    table,
                    format!("{column} changes to {type_name} (old type unknown: assumed not binary-compatible)"),
                ),
            }
        }
        TableCmd::SetNotNull { column } => {
            a.lock(table, AccessExclusive);
            let proven = pg >= 12 && existing.is_some_and(|t| t.has_validated_not_null_check(column));
            if !proven {
                a.scan(table, format!("every row is checked for NULL in {column}"));
            }
        }
        TableCmd::AddConstraint(c) => constraint_locks(table, c, a),
        TableCmd::ValidateConstraint { .. } => {
            a.lock(table, ShareUpdateExclusive);
            a.scan(table, "every row is checked against the constraint");
        }
        TableCmd::SetLogged | TableCmd::SetUnlogged => {
            a.lock(table, AccessExclusive);
            a.rewrite(table, "changing persistence writes a new copy of the table");
        }
        TableCmd::SetTablespace => {
            a.lock(table, AccessExclusive);
            a.rewrite(table, "the table is copied to the new tablespace");
        }
        TableCmd::SetAccessMethod => {
            a.lock(table, AccessExclusive);
            a.rewrite(table, "the table is rewritten with the new access method");
        }
        TableCmd::AttachPartition { partition } => {
            a.lock(table, if pg >= 12 { ShareUpdateExclusive } else { AccessExclusive });
            a.lock(partition, AccessExclusive);
            a.scan(partition, "every row is checked against the partition bound");
        }
        TableCmd::DetachPartition {
            partition,
            concurrently,
        } => {
            if *concurrently {
                a.lock(table, ShareUpdateExclusive);
                a.lock(partition, ShareUpdateExclusive);
            } else {
                a.lock(table, AccessExclusive);
                a.lock(partition, AccessExclusive);
            }
        }
        TableCmd::Maintenance(_) => a.lock(table, ShareUpdateExclusive),
        TableCmd::TriggerState => a.lock(table, ShareRowExclusive),
        TableCmd::AddIdentity { .. } => a.lock(table, AccessExclusive),
        TableCmd::DropColumn { .. }
        | TableCmd::DropNotNull { .. }
        | TableCmd::SetDefault { .. }
        | TableCmd::DropDefault { .. }
        | TableCmd::DropConstraint { .. }
        | TableCmd::EnableRowSecurity
        | TableCmd::DisableRowSecurity
        | TableCmd::DropIdentity { .. }
        | TableCmd::DropExpression { .. }
        | TableCmd::NoInherit
        | TableCmd::Other(_) => a.lock(table, AccessExclusive),
    }
}

fn constraint_locks(table: &str, c: &ConstraintSpec, a: &mut LockAnalysis) {
    use LockLevel::*;
    match c.kind {
        ConstraintKind::ForeignKey => {
            a.lock(table, ShareRowExclusive);
            if let Some(r) = &c.references {
                a.lock(r, ShareRowExclusive);
            }
            if !c.not_valid {
                a.scan(table, "every row is checked against the referenced table");
            }
        }
        ConstraintKind::Check | ConstraintKind::NotNull => {
            a.lock(table, AccessExclusive);
            if !c.not_valid {
                a.scan(table, "every row is checked against the constraint");
            }
        }
        ConstraintKind::PrimaryKey | ConstraintKind::Unique | ConstraintKind::Exclusion => {
            a.lock(table, AccessExclusive);
            if c.using_index.is_none() {
                a.scan(table, "a unique index is built while the table is locked");
            }
        }
    }
}

/// Why `ADD COLUMN` rewrites the table, if it does.
pub fn add_column_rewrite(column: &ColumnSpec, pg: u32) -> Option<String> {
    match column.generated {
        Generated::Stored => return Some(format!("stored generated column {} is computed for every row", column.name)),
        Generated::Identity => return Some(format!("identity column {} is filled for every row", column.name)),
        Generated::Virtual | Generated::No => {}
    }
    let default = column.default.as_ref().filter(|d| !d.is_null)?;
    if pg < 11 {
        return Some(format!("before PostgreSQL 11 a default on {} is written into every row", column.name));
    }
    match default.volatility {
        Volatility::NonVolatile => None,
        Volatility::Volatile => Some(format!(
            "the volatile default {}() on {} is evaluated for every row",
            default.function.as_deref().unwrap_or("?"),
            column.name
        )),
        Volatility::Unknown => Some(format!(
            "the default on {} calls {}, which rollsafe cannot prove non-volatile",
            column.name,
            default.function.as_deref().unwrap_or("an unknown function")
        )),
    }
}

/// Whether changing a column from `old` to `new` needs no rewrite (PostgreSQL skips the rewrite
/// for binary-coercible changes that cannot fail: widening lengths, `varchar` → `text`, ...).
pub fn binary_coercible(old: &TypeName, new: &TypeName) -> bool {
    if old.array != new.array {
        return false;
    }
    let widens = |old_mods: &[i64], new_mods: &[i64]| match (old_mods.first(), new_mods.first()) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(o), Some(n)) => n >= o,
    };
    match (old.name.as_str(), new.name.as_str()) {
        (a, b) if a == b && old.modifiers == new.modifiers => true,
        ("varchar", "varchar") | ("bit varying", "bit varying") | ("varbit", "varbit") => {
            widens(&old.modifiers, &new.modifiers)
        }
        ("varchar", "text") | ("text", "varchar") if new.modifiers.is_empty() => true,
        ("bpchar", "text") | ("bpchar", "varchar") if new.modifiers.is_empty() => false,
        ("numeric", "numeric") => match (old.modifiers.as_slice(), new.modifiers.as_slice()) {
            (_, []) => true,
            ([op, os], [np, ns]) => ns == os && np >= op,
            ([op], [np]) => np >= op,
            _ => false,
        },
        ("cidr", "inet") => true,
        _ => false,
    }
}

/// Relations in `locks` that were created by one of the units `is_new` accepts.
pub fn new_relations(locks: &[LockFact], schema: &Schema, is_new: &dyn Fn(usize) -> bool) -> Vec<String> {
    locks
        .iter()
        .filter(|l| schema.created_by(&l.relation).is_some_and(is_new))
        .map(|l| l.relation.clone())
        .collect()
}

/// Widening type changes are expand, not contract.
pub fn is_widening(table: &str, column: &str, new: &TypeName, schema: &Schema) -> bool {
    schema
        .table(schema::key(table))
        .and_then(|t| t.column(column))
        .is_some_and(|c| binary_coercible(&c.type_name, new))
}
