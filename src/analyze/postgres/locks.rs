//! Lock facts: which table-level lock each change takes on which relation, and whether it
//! rewrites or scans the table while holding it. Facts follow PostgreSQL's documentation for
//! the configured major version, and are checked against a real server by `tests/pg_facts.rs`.

use super::rewrites::{SessionZone, TypeRewrite, add_column_rewrite, type_change};
use crate::analyze::change::*;
use crate::analyze::facts::{Cascaded, LockFact, LockLevel, TableWork};
use crate::analyze::schema::{self, Schema};

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LockAnalysis {
    pub locks: Vec<LockFact>,
    pub rewrites: Vec<TableWork>,
    pub scans: Vec<TableWork>,
    /// What `DROP ... CASCADE` drops besides the objects it names.
    pub cascade: Vec<Cascaded>,
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
        self.add_rewrite(relation, reason.into(), false);
    }
    /// A rewrite rollsafe cannot rule out but does not know of.
    fn assumed_rewrite(&mut self, relation: &str, reason: impl Into<String>) {
        self.add_rewrite(relation, reason.into(), true);
    }
    fn add_rewrite(&mut self, relation: &str, reason: String, assumed: bool) {
        if !self.rewrites.iter().any(|w| w.relation == relation) {
            self.rewrites.push(TableWork {
                relation: relation.to_string(),
                reason,
                assumed,
            });
        }
    }
    /// `lock` for many relations (a partitioned table's partitions) in one pass over the locks
    /// already recorded, so thousands of partitions stay linear.
    fn lock_all(&mut self, relations: &[String], mode: LockLevel) {
        let mut at: std::collections::HashMap<String, usize> = self
            .locks
            .iter()
            .enumerate()
            .map(|(i, l)| (l.relation.clone(), i))
            .collect();
        for relation in relations.iter().filter(|r| !r.is_empty()) {
            match at.get(relation) {
                Some(&i) => self.locks[i].mode = self.locks[i].mode.max(mode),
                None => {
                    at.insert(relation.clone(), self.locks.len());
                    self.locks.push(LockFact {
                        relation: relation.clone(),
                        mode,
                    });
                }
            }
        }
    }
    /// `add_rewrite` (`rewrite = true`) or `scan` for many relations, in one pass: the first
    /// reason recorded for a relation stays.
    fn work_all(&mut self, rewrite: bool, work: impl Iterator<Item = TableWork>) {
        let list = if rewrite {
            &mut self.rewrites
        } else {
            &mut self.scans
        };
        let mut seen: std::collections::HashSet<String> =
            list.iter().map(|w| w.relation.clone()).collect();
        for w in work {
            if seen.insert(w.relation.clone()) {
                list.push(w);
            }
        }
    }
    fn scan(&mut self, relation: &str, reason: impl Into<String>) {
        if !self.scans.iter().any(|w| w.relation == relation) {
            self.scans.push(TableWork {
                relation: relation.to_string(),
                reason: reason.into(),
                assumed: false,
            });
        }
    }
}

/// Lock facts of one statement's changes, given the schema as it stands before it.
pub fn analyze(changes: &[Change], schema: &Schema, pg_version: u32) -> LockAnalysis {
    analyze_in(changes, schema, pg_version, SessionZone::Unknown)
}

/// [`analyze`] under a session time zone the migration set (`SET timezone`).
pub fn analyze_in(
    changes: &[Change],
    schema: &Schema,
    pg_version: u32,
    zone: SessionZone,
) -> LockAnalysis {
    let mut a = LockAnalysis::default();
    for change in changes {
        change_locks(change, schema, pg_version, zone, &mut a);
        if let Change::Drop {
            object,
            names,
            cascade: true,
            ..
        } = change
        {
            cascade_locks(*object, names, schema, &mut a);
        }
    }
    a
}

fn change_locks(
    change: &Change,
    schema: &Schema,
    pg: u32,
    zone: SessionZone,
    a: &mut LockAnalysis,
) {
    use LockLevel::*;
    match change {
        Change::CreateTable {
            columns,
            constraints,
            partition_of,
            inherits,
            ..
        } => {
            // INHERITS locks each parent against schema changes while the child is attached.
            for p in inherits {
                a.lock(p, ShareUpdateExclusive);
            }
            // Foreign keys take SHARE ROW EXCLUSIVE on the referenced table.
            for c in columns
                .iter()
                .flat_map(|c| c.constraints.iter())
                .chain(constraints)
            {
                if let Some(r) = &c.references {
                    a.lock(r, ShareRowExclusive);
                }
            }
            if let Some(parent) = partition_of {
                a.lock(parent, AccessExclusive);
            }
        }
        Change::CreateIndex {
            table,
            concurrently,
            only,
            ..
        } => {
            let mode = if *concurrently {
                ShareUpdateExclusive
            } else {
                Share
            };
            a.lock(table, mode);
            if *only && schema.parent_of_partitions(table) {
                // An invalid index on the partitioned table alone: nothing is read.
                return;
            }
            a.scan(table, "the index build reads every row");
            // An index on a partitioned table is built on every partition.
            let partitions = schema.partitions(table);
            a.lock_all(&partitions, mode);
            a.work_all(
                false,
                partitions.into_iter().map(|p| TableWork {
                    relation: p,
                    reason: "the index build reads every row of the partition".into(),
                    assumed: false,
                }),
            );
        }
        Change::Create {
            object,
            name,
            on_table,
            or_replace,
            ..
        } => {
            if let Some(t) = on_table {
                let mode = match object {
                    ObjectKind::Trigger => ShareRowExclusive,
                    _ => AccessExclusive,
                };
                a.lock(t, mode);
            }
            // CREATE OR REPLACE VIEW replaces the view's rule under ACCESS EXCLUSIVE.
            if *object == ObjectKind::View && *or_replace {
                a.lock(name, AccessExclusive);
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
                    let mode = if *concurrently {
                        ShareUpdateExclusive
                    } else {
                        AccessExclusive
                    };
                    if let Some(t) = schema.index_table(n) {
                        a.lock(t, mode);
                    }
                    a.lock(n, mode);
                }
            }
            ObjectKind::Table => {
                for n in names {
                    a.lock(n, AccessExclusive);
                    // A partition is detached from its parent; a partitioned table's partitions
                    // are dropped with it.
                    if let Some(parent) = schema.parent(n) {
                        a.lock(parent, AccessExclusive);
                    }
                    let partitions = schema.partitions(n);
                    for t in
                        std::iter::once(n.as_str()).chain(partitions.iter().map(String::as_str))
                    {
                        a.lock(t, AccessExclusive);
                        // Dropping a foreign key drops its triggers on the referenced table,
                        // and (CASCADE) the foreign keys of tables referencing this one.
                        for r in referenced_tables(schema, t, |_| true) {
                            a.lock(&r, AccessExclusive);
                        }
                        for r in schema.referencing(t) {
                            if !names.iter().any(|n| schema::key(n) == r) {
                                a.lock(&r, AccessExclusive);
                            }
                        }
                    }
                }
            }
            ObjectKind::View
            | ObjectKind::MaterializedView
            | ObjectKind::Sequence
            | ObjectKind::ForeignTable => {
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
            object,
            relation,
            from,
            ..
        } => match object {
            ObjectKind::Index => {
                // PostgreSQL 12 lowered ALTER INDEX ... RENAME to SHARE UPDATE EXCLUSIVE.
                let mode = if pg >= 12 {
                    ShareUpdateExclusive
                } else {
                    AccessExclusive
                };
                a.lock(from, mode);
            }
            ObjectKind::Table
            | ObjectKind::View
            | ObjectKind::MaterializedView
            | ObjectKind::Sequence => a.lock(from, AccessExclusive),
            ObjectKind::Column => {
                if let Some(r) = relation {
                    a.lock(r, AccessExclusive);
                    // The column is renamed in every partition too.
                    for p in schema.partitions(r) {
                        a.lock(&p, AccessExclusive);
                    }
                }
            }
            ObjectKind::Trigger | ObjectKind::Policy | ObjectKind::Rule => {
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
        Change::SetSchema { object, name, .. } => {
            if matches!(
                object,
                ObjectKind::Table
                    | ObjectKind::View
                    | ObjectKind::MaterializedView
                    | ObjectKind::Sequence
            ) {
                a.lock(name, AccessExclusive);
            }
        }
        Change::AlterTable { table, cmd } => table_cmd_locks(table, cmd, schema, pg, zone, a),
        Change::Truncate { tables } => {
            // TRUNCATE of a table other tables reference only succeeds with CASCADE (or with
            // them in the list): they are truncated too, as are partitions.
            let mut todo: Vec<String> = tables.iter().rev().cloned().collect();
            let mut done: Vec<String> = Vec::new();
            while let Some(t) = todo.pop() {
                let k = schema::key(&t).to_string();
                if done.contains(&k) {
                    continue;
                }
                a.lock(&t, AccessExclusive);
                todo.extend(schema.referencing(&k));
                todo.extend(schema.partitions(&k));
                done.push(k);
            }
        }
        Change::Insert { table, .. } => {
            a.lock(table, RowExclusive);
            // Each new row's foreign keys are checked with SELECT ... FOR KEY SHARE (rows whose
            // reference is NULL are not).
            for r in referenced_tables(schema, table, |_| true) {
                a.lock(&r, RowShare);
            }
        }
        Change::Update { table, .. } | Change::Delete { table, .. } | Change::Merge { table } => {
            a.lock(table, RowExclusive)
        }
        Change::Copy {
            table: Some(t),
            from: true,
        } => a.lock(t, RowExclusive),
        Change::Copy {
            table: Some(t),
            from: false,
        } => a.lock(t, AccessShare),
        Change::Reindex {
            target,
            table,
            whole_database,
            concurrently,
        } => {
            if *whole_database {
                return;
            }
            let mode = if *concurrently {
                ShareUpdateExclusive
            } else {
                Share
            };
            if *table {
                a.lock(target, mode);
            } else {
                if let Some(t) = schema.index_table(target) {
                    a.lock(t, mode);
                }
                a.lock(
                    target,
                    if *concurrently {
                        ShareUpdateExclusive
                    } else {
                        AccessExclusive
                    },
                );
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
            a.lock(
                name,
                if *concurrently {
                    Exclusive
                } else {
                    AccessExclusive
                },
            );
            a.scan(name, "the view's query runs in full");
            if !*concurrently {
                a.rewrite(
                    name,
                    "REFRESH writes the query's result into a new copy of the materialized view",
                );
            }
        }
        Change::Comment { relation: Some(r) } => a.lock(r, ShareUpdateExclusive),
        // Blocks nextval() on the sequence until the transaction ends.
        Change::AlterSequence { name } => a.lock(name, ShareRowExclusive),
        Change::LockTable { tables, mode } => {
            for t in tables {
                a.lock(t, *mode);
            }
        }
        Change::Read { relations } => {
            for r in relations {
                a.lock(r, AccessShare);
            }
        }
        _ => {}
    }
}

/// ALTER TABLE on a partitioned table: most subcommands recurse to every partition, with the
/// same lock (index-building constraints take SHARE on the partitions), and rewrite or scan
/// the partitions where they would rewrite or scan a plain table.
fn table_cmd_locks(
    table: &str,
    cmd: &TableCmd,
    schema: &Schema,
    pg: u32,
    zone: SessionZone,
    a: &mut LockAnalysis,
) {
    let mut own = LockAnalysis::default();
    table_cmd_locks_one(table, cmd, schema, pg, zone, &mut own);
    let partitions = if recurses_to_partitions(cmd) {
        schema.partitions(table)
    } else {
        Vec::new()
    };
    let key = schema::key(table);
    let mode = own
        .locks
        .iter()
        .find(|l| schema::key(&l.relation) == key)
        .map(|l| l.mode);
    merge(a, own.clone());
    let Some(mode) = mode else { return };
    let mode = match cmd {
        TableCmd::AddConstraint(ConstraintSpec {
            kind: ConstraintKind::Unique | ConstraintKind::Exclusion,
            ..
        }) => LockLevel::Share,
        _ => mode,
    };
    a.lock_all(&partitions, mode);
    // Per partition, the first rewrite (and scan) of the table, as `add_rewrite` keeps it.
    for (rewrite, list) in [(true, &own.rewrites), (false, &own.scans)] {
        if let Some(w) = list.iter().find(|w| schema::key(&w.relation) == key) {
            a.work_all(
                rewrite,
                partitions.iter().map(|p| TableWork {
                    relation: p.clone(),
                    reason: format!("{} (in partition {p})", w.reason),
                    assumed: rewrite && w.assumed,
                }),
            );
        }
    }
}

fn merge(a: &mut LockAnalysis, b: LockAnalysis) {
    for l in b.locks {
        a.lock(&l.relation, l.mode);
    }
    for w in b.rewrites {
        a.add_rewrite(&w.relation, w.reason, w.assumed);
    }
    for w in b.scans {
        a.scan(&w.relation, w.reason);
    }
}

/// Whether PostgreSQL applies the subcommand to a partitioned table's partitions too.
fn recurses_to_partitions(cmd: &TableCmd) -> bool {
    match cmd {
        TableCmd::AddColumn { .. }
        | TableCmd::DropColumn { .. }
        | TableCmd::AlterColumnType { .. }
        | TableCmd::SetNotNull { .. }
        | TableCmd::DropNotNull { .. }
        | TableCmd::SetDefault { .. }
        | TableCmd::DropDefault { .. }
        | TableCmd::AddConstraint(_)
        | TableCmd::ValidateConstraint { .. }
        | TableCmd::DropConstraint { .. }
        | TableCmd::DropExpression { .. } => true,
        // Per-column planner options (n_distinct, ...) stay on the named table.
        TableCmd::ColumnSetting { setting, .. } => *setting != ColumnSetting::Options,
        _ => false,
    }
}

/// Tables referenced by the foreign keys of `table` whose columns `involves` accepts.
fn referenced_tables(
    schema: &Schema,
    table: &str,
    involves: impl Fn(&[String]) -> bool,
) -> Vec<String> {
    let key = schema::key(table);
    schema
        .table(table)
        .map(|t| {
            t.constraints
                .iter()
                .filter(|c| c.kind == ConstraintKind::ForeignKey && involves(&c.columns))
                .filter_map(|c| c.references.as_deref())
                .filter(|r| *r != key)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn table_cmd_locks_one(
    table: &str,
    cmd: &TableCmd,
    schema: &Schema,
    pg: u32,
    zone: SessionZone,
    a: &mut LockAnalysis,
) {
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
        TableCmd::AlterColumnType {
            column,
            type_name,
            using,
        } => {
            a.lock(table, AccessExclusive);
            // Foreign keys on the column, or referencing it, are dropped and added again.
            for r in referenced_tables(schema, table, |cols| cols.contains(column)) {
                a.lock(&r, AccessExclusive);
            }
            if schema.primary_key(table).contains(column) {
                for r in schema.referencing(table) {
                    a.lock(&r, AccessExclusive);
                }
            }
            let old = existing
                .and_then(|t| t.column(column))
                .map(|c| c.type_name());
            match old.map(|old| (old, type_change(old, type_name, *using, pg, zone).rewrite)) {
                Some((_, TypeRewrite::No)) => {}
                Some((old, TypeRewrite::Yes)) => {
                    let how = if *using { " with a USING expression" } else { "" };
                    a.rewrite(table, format!("{column} changes from {old} to {type_name}{how}"))
                }
                Some((old, TypeRewrite::UnlessUtc)) => a.assumed_rewrite(
                    table,
                    format!(
                        "{column} changes from {old} to {type_name}, which rewrites unless the session time \
                         zone is UTC, and the migration does not SET timezone = 'UTC'"
                    ),
                ),
                None => a.assumed_rewrite(
                    table,
                    format!("{column} changes to {type_name} (old type unknown: assumed not binary-compatible)"),
                ),
            }
        }
        TableCmd::SetNotNull { column } => {
            a.lock(table, AccessExclusive);
            let proven =
                pg >= 12 && existing.is_some_and(|t| t.has_validated_not_null_check(column));
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
            a.lock(
                table,
                if pg >= 12 {
                    ShareUpdateExclusive
                } else {
                    AccessExclusive
                },
            );
            a.lock(partition, AccessExclusive);
            a.scan(
                partition,
                "every row is checked against the partition bound",
            );
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
        TableCmd::ColumnSetting { setting, .. } => match setting {
            // Planner settings: like the other maintenance commands.
            ColumnSetting::Statistics | ColumnSetting::Options => {
                a.lock(table, ShareUpdateExclusive)
            }
            ColumnSetting::Storage | ColumnSetting::Compression | ColumnSetting::Expression => {
                a.lock(table, AccessExclusive)
            }
        },
        TableCmd::TriggerState { .. } => a.lock(table, ShareRowExclusive),
        TableCmd::AddIdentity { .. } => a.lock(table, AccessExclusive),
        TableCmd::DropColumn { column, .. } => {
            a.lock(table, AccessExclusive);
            // Foreign keys on the column go with it, and with them their triggers on the
            // referenced table.
            for r in referenced_tables(schema, table, |cols| cols.contains(column)) {
                a.lock(&r, AccessExclusive);
            }
        }
        TableCmd::DropConstraint { name, .. } => {
            a.lock(table, AccessExclusive);
            if let Some(c) = schema.constraint(table, name)
                && c.kind == ConstraintKind::ForeignKey
                && let Some(r) = &c.references
            {
                a.lock(r, AccessExclusive);
            }
        }
        TableCmd::DropNotNull { .. }
        | TableCmd::SetDefault { .. }
        | TableCmd::DropDefault { .. }
        | TableCmd::EnableRowSecurity
        | TableCmd::DisableRowSecurity
        | TableCmd::DropIdentity { .. }
        | TableCmd::DropExpression { .. }
        | TableCmd::NoInherit
        | TableCmd::OwnerTo
        | TableCmd::RestartIdentity { .. }
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

/// What `DROP ... CASCADE` reaches through the schema the replay knows (see
/// [`Schema::cascade`]): each is dropped or changed under ACCESS EXCLUSIVE on its relation.
fn cascade_locks(object: ObjectKind, names: &[String], schema: &Schema, a: &mut LockAnalysis) {
    for c in schema.cascade(object, names) {
        a.lock(c.relation(), LockLevel::AccessExclusive);
        if !a.cascade.contains(&c) {
            a.cascade.push(c);
        }
    }
}

/// Relations in `locks` that were created by one of the units `is_new` accepts.
pub fn new_relations(
    locks: &[LockFact],
    schema: &Schema,
    is_new: &dyn Fn(usize) -> bool,
) -> Vec<String> {
    let mut new: Vec<String> = locks
        .iter()
        .filter(|l| schema.created_by(&l.relation).is_some_and(is_new))
        .map(|l| l.relation.clone())
        .collect();
    // Sorted, so `StatementFacts::is_new` is a binary search: rules ask it for every lock of a
    // statement, thousands on a partitioned table.
    new.sort();
    new.dedup();
    new
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::postgres::classify::classify;
    use crate::analyze::postgres::transactional::non_transactional_reason;
    use LockLevel::*;

    fn changes(sql: &str) -> Vec<Change> {
        let parsed =
            pg_query::parse(sql, pg_query::ParserOptions::DEFAULT).expect("test SQL parses");
        parsed
            .protobuf
            .stmts
            .into_iter()
            .filter_map(|s| s.stmt.and_then(|n| n.node))
            .flat_map(|node| classify(&node).changes)
            .collect()
    }

    fn schema(seed: &str) -> Schema {
        let mut schema = Schema::default();
        for c in changes(seed) {
            schema.apply(&c, 0);
        }
        schema
    }

    /// Lock facts of `sql` after `seed`, on `pg`.
    fn facts(seed: &str, sql: &str, pg: u32) -> LockAnalysis {
        analyze(&changes(sql), &schema(seed), pg)
    }

    fn lock_on(a: &LockAnalysis, relation: &str) -> Option<LockLevel> {
        a.locks
            .iter()
            .find(|l| l.relation == relation)
            .map(|l| l.mode)
    }

    fn rewrites(a: &LockAnalysis, relation: &str) -> bool {
        a.rewrites.iter().any(|w| w.relation == relation)
    }

    fn scans(a: &LockAnalysis, relation: &str) -> bool {
        a.scans.iter().any(|w| w.relation == relation)
    }

    fn transactional(sql: &str, pg: u32) -> bool {
        changes(sql)
            .iter()
            .all(|c| non_transactional_reason(c, pg).is_none())
    }

    const USERS: &str = "CREATE TABLE users (id bigint PRIMARY KEY, email varchar(50), age int);
        CREATE INDEX users_age_idx ON users (age);";

    #[test]
    fn add_column_with_a_constant_default_rewrites_only_before_11() {
        let sql = "ALTER TABLE users ADD COLUMN flag boolean NOT NULL DEFAULT false";
        assert!(rewrites(&facts(USERS, sql, 10), "users"));
        for pg in 11..=18 {
            let a = facts(USERS, sql, pg);
            assert!(!rewrites(&a, "users"), "PostgreSQL {pg}");
            assert_eq!(lock_on(&a, "users"), Some(AccessExclusive));
        }
        // A stable function is evaluated once, too.
        assert!(!rewrites(
            &facts(
                USERS,
                "ALTER TABLE users ADD COLUMN at timestamptz DEFAULT now()",
                11
            ),
            "users"
        ));
    }

    #[test]
    fn volatile_defaults_and_stored_columns_rewrite_on_every_version() {
        for sql in [
            "ALTER TABLE users ADD COLUMN r float8 DEFAULT random()",
            "ALTER TABLE users ADD COLUMN u uuid DEFAULT gen_random_uuid()",
            "ALTER TABLE users ADD COLUMN n serial",
            "ALTER TABLE users ADD COLUMN i bigint GENERATED ALWAYS AS IDENTITY",
            "ALTER TABLE users ADD COLUMN a2 int GENERATED ALWAYS AS (age * 2) STORED",
        ] {
            for pg in 11..=18 {
                assert!(
                    rewrites(&facts(USERS, sql, pg), "users"),
                    "{sql} on PostgreSQL {pg}"
                );
            }
        }
        // PostgreSQL 18's virtual generated columns are computed on read.
        let a = facts(
            USERS,
            "ALTER TABLE users ADD COLUMN a2 int GENERATED ALWAYS AS (age * 2) VIRTUAL",
            18,
        );
        assert!(!rewrites(&a, "users"));
    }

    #[test]
    fn renaming_an_index_takes_share_update_exclusive_from_12() {
        let sql = "ALTER INDEX users_age_idx RENAME TO users_age_ix";
        assert_eq!(
            lock_on(&facts(USERS, sql, 11), "users_age_idx"),
            Some(AccessExclusive)
        );
        for pg in 12..=18 {
            assert_eq!(
                lock_on(&facts(USERS, sql, pg), "users_age_idx"),
                Some(ShareUpdateExclusive),
                "PostgreSQL {pg}"
            );
        }
    }

    #[test]
    fn set_not_null_skips_its_scan_with_a_validated_check_from_12() {
        let seed = format!(
            "{USERS} ALTER TABLE users ADD CONSTRAINT users_age_nn CHECK (age IS NOT NULL);"
        );
        let sql = "ALTER TABLE users ALTER COLUMN age SET NOT NULL";
        assert!(scans(&facts(&seed, sql, 11), "users"));
        for pg in 12..=18 {
            let a = facts(&seed, sql, pg);
            assert!(!scans(&a, "users"), "PostgreSQL {pg}");
            assert_eq!(lock_on(&a, "users"), Some(AccessExclusive));
        }
        // Without the check, or with one that is NOT VALID yet, every row is read.
        assert!(scans(&facts(USERS, sql, 15), "users"));
        let not_valid = format!(
            "{USERS} ALTER TABLE users ADD CONSTRAINT users_age_nn CHECK (age IS NOT NULL) NOT VALID;"
        );
        assert!(scans(&facts(&not_valid, sql, 15), "users"));
        let validated = format!("{not_valid} ALTER TABLE users VALIDATE CONSTRAINT users_age_nn;");
        assert!(!scans(&facts(&validated, sql, 15), "users"));
    }

    const EVENTS: &str = "CREATE TABLE events (id bigint, at date NOT NULL) PARTITION BY RANGE (at);
        CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        CREATE TABLE events_2025 (id bigint, at date NOT NULL);";

    #[test]
    fn attach_partition_locks_the_parent_share_update_exclusive_from_12() {
        let sql = "ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')";
        let a = facts(EVENTS, sql, 11);
        assert_eq!(lock_on(&a, "events"), Some(AccessExclusive));
        assert_eq!(lock_on(&a, "events_2025"), Some(AccessExclusive));
        for pg in 12..=18 {
            let a = facts(EVENTS, sql, pg);
            assert_eq!(
                lock_on(&a, "events"),
                Some(ShareUpdateExclusive),
                "PostgreSQL {pg}"
            );
            assert_eq!(lock_on(&a, "events_2025"), Some(AccessExclusive));
            assert!(scans(&a, "events_2025"));
        }
    }

    #[test]
    fn detach_partition_concurrently_from_14_takes_share_update_exclusive_outside_a_transaction() {
        let plain = "ALTER TABLE events DETACH PARTITION events_2024";
        let concurrently = "ALTER TABLE events DETACH PARTITION events_2024 CONCURRENTLY";
        for pg in 11..=18 {
            let a = facts(EVENTS, plain, pg);
            assert_eq!(lock_on(&a, "events"), Some(AccessExclusive));
            assert_eq!(lock_on(&a, "events_2024"), Some(AccessExclusive));
            assert!(transactional(plain, pg));
        }
        for pg in 14..=18 {
            let a = facts(EVENTS, concurrently, pg);
            assert_eq!(
                lock_on(&a, "events"),
                Some(ShareUpdateExclusive),
                "PostgreSQL {pg}"
            );
            assert_eq!(lock_on(&a, "events_2024"), Some(ShareUpdateExclusive));
            assert!(!transactional(concurrently, pg));
        }
    }

    #[test]
    fn add_enum_value_runs_in_a_transaction_from_12() {
        let sql = "ALTER TYPE mood ADD VALUE 'angry'";
        assert!(!transactional(sql, 11));
        for pg in 12..=18 {
            assert!(transactional(sql, pg), "PostgreSQL {pg}");
        }
    }

    #[test]
    fn concurrent_index_commands_take_share_update_exclusive_outside_a_transaction() {
        for pg in 12..=18 {
            for (sql, index_lock) in [
                (
                    "CREATE INDEX CONCURRENTLY users_email_idx ON users (email)",
                    None,
                ),
                (
                    "DROP INDEX CONCURRENTLY users_age_idx",
                    Some(ShareUpdateExclusive),
                ),
                (
                    "REINDEX INDEX CONCURRENTLY users_age_idx",
                    Some(ShareUpdateExclusive),
                ),
            ] {
                let a = facts(USERS, sql, pg);
                assert_eq!(lock_on(&a, "users"), Some(ShareUpdateExclusive), "{sql}");
                assert_eq!(lock_on(&a, "users_age_idx"), index_lock, "{sql}");
                assert!(!transactional(sql, pg), "{sql}");
            }
        }
        let a = facts(USERS, "CREATE INDEX users_email_idx ON users (email)", 15);
        assert_eq!(lock_on(&a, "users"), Some(Share));
        let a = facts(USERS, "DROP INDEX users_age_idx", 15);
        assert_eq!(lock_on(&a, "users"), Some(AccessExclusive));
        assert_eq!(lock_on(&a, "users_age_idx"), Some(AccessExclusive));
    }

    #[test]
    fn partitioned_tables_lock_and_rewrite_their_partitions() {
        let a = facts(
            EVENTS,
            "ALTER TABLE events ADD COLUMN r int DEFAULT random()::int",
            15,
        );
        assert_eq!(lock_on(&a, "events_2024"), Some(AccessExclusive));
        assert!(rewrites(&a, "events") && rewrites(&a, "events_2024"));
        // A detached-to-be table that is not a partition is left alone.
        assert_eq!(lock_on(&a, "events_2025"), None);
        let a = facts(EVENTS, "CREATE INDEX events_at_idx ON events (at)", 15);
        assert_eq!(lock_on(&a, "events_2024"), Some(Share));
        let a = facts(
            EVENTS,
            "ALTER TABLE events ADD CONSTRAINT events_key UNIQUE (id, at)",
            15,
        );
        assert_eq!(lock_on(&a, "events"), Some(AccessExclusive));
        assert_eq!(lock_on(&a, "events_2024"), Some(Share));
        let a = facts(EVENTS, "DROP TABLE events_2024", 15);
        assert_eq!(lock_on(&a, "events"), Some(AccessExclusive));
        let a = facts(EVENTS, "DROP TABLE events", 15);
        assert_eq!(lock_on(&a, "events_2024"), Some(AccessExclusive));
        let a = facts(
            EVENTS,
            "ALTER TABLE events ALTER COLUMN id SET (n_distinct = 5)",
            15,
        );
        assert_eq!(lock_on(&a, "events"), Some(ShareUpdateExclusive));
        assert_eq!(lock_on(&a, "events_2024"), None);
        // Once attached, the new partition is locked with the others.
        let attached = format!(
            "{EVENTS} ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');"
        );
        let a = facts(
            &attached,
            "ALTER TABLE events ALTER COLUMN id SET NOT NULL",
            15,
        );
        assert_eq!(lock_on(&a, "events_2025"), Some(AccessExclusive));
    }

    const ORDERS: &str = "CREATE TABLE users (id bigint PRIMARY KEY, email text);
        CREATE TABLE orders (id bigint, user_id bigint REFERENCES users (id), note text);";

    #[test]
    fn dropping_a_foreign_key_locks_the_referenced_table() {
        for sql in [
            "ALTER TABLE orders DROP CONSTRAINT orders_user_id_fkey",
            "ALTER TABLE orders DROP COLUMN user_id",
            "ALTER TABLE orders ALTER COLUMN user_id TYPE int",
            "DROP TABLE orders",
        ] {
            let a = facts(ORDERS, sql, 15);
            assert_eq!(lock_on(&a, "orders"), Some(AccessExclusive), "{sql}");
            assert_eq!(lock_on(&a, "users"), Some(AccessExclusive), "{sql}");
        }
        for sql in [
            "ALTER TABLE orders DROP COLUMN note",
            "ALTER TABLE orders ALTER COLUMN note TYPE varchar(10)",
        ] {
            assert_eq!(lock_on(&facts(ORDERS, sql, 15), "users"), None, "{sql}");
        }
        // Changing the referenced key re-creates the foreign keys that point at it; TRUNCATE
        // of a referenced table needs CASCADE, which truncates the referencing tables.
        for sql in [
            "ALTER TABLE users ALTER COLUMN id TYPE int",
            "TRUNCATE users CASCADE",
        ] {
            assert_eq!(
                lock_on(&facts(ORDERS, sql, 15), "orders"),
                Some(AccessExclusive),
                "{sql}"
            );
        }
        assert_eq!(
            lock_on(
                &facts(
                    ORDERS,
                    "ALTER TABLE users ALTER COLUMN email TYPE varchar(10)",
                    15
                ),
                "orders"
            ),
            None
        );
    }

    #[test]
    fn refresh_rewrites_unless_concurrent_and_replacing_a_view_locks_it() {
        let a = facts("", "REFRESH MATERIALIZED VIEW totals", 15);
        assert_eq!(lock_on(&a, "totals"), Some(AccessExclusive));
        assert!(rewrites(&a, "totals"));
        let a = facts("", "REFRESH MATERIALIZED VIEW CONCURRENTLY totals", 15);
        assert_eq!(lock_on(&a, "totals"), Some(Exclusive));
        assert!(!rewrites(&a, "totals"));
        let a = facts("", "CREATE OR REPLACE VIEW adults AS SELECT 1", 15);
        assert_eq!(lock_on(&a, "adults"), Some(AccessExclusive));
        assert!(
            facts("", "CREATE VIEW adults AS SELECT 1", 15)
                .locks
                .is_empty()
        );
    }

    #[test]
    fn unnamed_constraints_get_postgresql_names() {
        let s = schema(
            "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users, code text UNIQUE,
                 qty int CHECK (qty > 0), UNIQUE (id, code));",
        );
        for name in [
            "orders_pkey",
            "orders_user_id_fkey",
            "orders_code_key",
            "orders_qty_check",
            "orders_id_code_key",
        ] {
            assert!(s.constraint("orders", name).is_some(), "{name}");
        }
        let long = "a".repeat(60);
        let s = schema(&format!(
            "CREATE TABLE {long} (b_column bigint REFERENCES users);"
        ));
        let name = s
            .table(&long)
            .and_then(|t| t.constraints[0].name.clone())
            .unwrap_or_default();
        assert_eq!(name.len(), 63);
        assert!(name.ends_with("_b_column_fkey"), "{name}");
    }
}
