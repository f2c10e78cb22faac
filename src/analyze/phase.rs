//! Phase (expand / migrate / contract / neutral), destructiveness, idempotency and whether a
//! statement may run inside a transaction block: pure functions of its changes.

use std::collections::HashSet;

use super::change::*;
use super::facts::Phase;
use super::postgres::rewrites::{self, SessionZone};
use super::schema::{self, Schema};

/// The phase of one change, and whether it can destroy data a down migration cannot restore.
pub fn change_phase(change: &Change) -> (Phase, bool) {
    use Change as C;
    match change {
        C::CreateTable { .. }
        | C::CreateIndex { .. }
        | C::Create { .. }
        | C::AddEnumValue { .. } => (Phase::Expand, false),
        // An index only makes the old version faster: dropping it can slow it down (RS008)
        // but breaks nothing it does, unless the index is unique (see `change_phase_in`).
        C::Drop {
            object: ObjectKind::Index,
            ..
        } => (Phase::Neutral, false),
        C::Drop { object, .. } => {
            // Dropping a trigger, policy or rule loses no data (it can be rebuilt), but it
            // still breaks whatever relied on it: contract.
            let data = matches!(
                object,
                ObjectKind::Table
                    | ObjectKind::Column
                    | ObjectKind::MaterializedView
                    | ObjectKind::Sequence
                    | ObjectKind::Type
                    | ObjectKind::Domain
                    | ObjectKind::Schema
                    | ObjectKind::Extension
                    | ObjectKind::ForeignTable
                    | ObjectKind::Database
                    | ObjectKind::Other
            );
            (Phase::Contract, data)
        }
        C::Rename { object, .. } => match object {
            // Renaming an index, constraint, trigger, policy or rule does not change what the
            // application sees.
            ObjectKind::Index
            | ObjectKind::Constraint
            | ObjectKind::Trigger
            | ObjectKind::Policy
            | ObjectKind::Rule => (Phase::Neutral, false),
            _ => (Phase::Contract, false),
        },
        C::RenameEnumValue { .. } => (Phase::Contract, false),
        C::SetSchema { .. } => (Phase::Contract, false),
        C::AlterTable { cmd, .. } => table_cmd_phase(cmd),
        C::Truncate { .. } => (Phase::Contract, true),
        C::Insert { .. } | C::Update { .. } | C::Merge { .. } => (Phase::Migrate, false),
        C::Delete { has_where, .. } => {
            if *has_where {
                (Phase::Migrate, false)
            } else {
                (Phase::Contract, true)
            }
        }
        C::Copy { from, .. } => (
            if *from {
                Phase::Migrate
            } else {
                Phase::Neutral
            },
            false,
        ),
        // Takes away something the running version uses (see `Restriction::describe`).
        C::Restrict { restriction, .. } => (Phase::Contract, restriction.loses_data()),
        // Nothing runs until `EXECUTE`, which carries the prepared statement's changes.
        C::Prepare { .. } | C::Execute { .. } | C::Deallocate { .. } => (Phase::Neutral, false),
        C::Grant { revoke, .. } => (
            if *revoke {
                Phase::Contract
            } else {
                Phase::Neutral
            },
            false,
        ),
        // Opaque code may do anything; "migrate" is the honest middle ground, and a separate
        // diagnostic says that rollsafe cannot see inside it.
        C::Opaque => (Phase::Migrate, false),
        C::Reindex { .. }
        | C::Vacuum { .. }
        | C::Cluster { .. }
        | C::RefreshMaterializedView { .. }
        | C::Transaction(_)
        | C::Set { .. }
        | C::Reset { .. }
        | C::LockTable { .. }
        | C::Comment { .. }
        | C::AlterSequence { .. }
        | C::AlterSystem
        | C::Read { .. }
        | C::Other => (Phase::Neutral, false),
    }
}

fn table_cmd_phase(cmd: &TableCmd) -> (Phase, bool) {
    use TableCmd as T;
    match cmd {
        T::AddColumn { .. } | T::ValidateConstraint { .. } | T::DropNotNull { .. } => {
            (Phase::Expand, false)
        }
        T::AddConstraint(c) => (constraint_phase(c), false),
        T::AttachPartition { .. } | T::AddIdentity { .. } | T::SetDefault { .. } => {
            (Phase::Expand, false)
        }
        T::DropColumn { .. } => (Phase::Contract, true),
        // Refined by the schema replay: a widening change (varchar(100) → varchar(200), → text)
        // is expand. Anything else can fail on or truncate existing data.
        T::AlterColumnType { .. } => (Phase::Contract, true),
        // The old application may still write NULL or rely on the default.
        T::SetNotNull { .. } | T::DropDefault { .. } => (Phase::Contract, false),
        // Without a policy for its role, the old version reads no rows and writes none.
        T::EnableRowSecurity => (Phase::Contract, false),
        T::DropConstraint { .. } | T::DropIdentity { .. } | T::NoInherit => {
            (Phase::Contract, false)
        }
        T::DetachPartition { .. } => (Phase::Contract, false),
        // The old owner, maybe the application's role, loses its rights on the table; a
        // trigger or rule that stops firing no longer does on each write what the old
        // version relies on (as if it were dropped).
        T::OwnerTo | T::TriggerState { stops: true, .. } | T::RestartIdentity { .. } => {
            (Phase::Contract, false)
        }
        T::SetLogged
        | T::SetUnlogged
        | T::SetTablespace
        | T::SetAccessMethod
        | T::DisableRowSecurity
        | T::DropExpression { .. }
        | T::ColumnSetting { .. }
        | T::Maintenance(_)
        | T::TriggerState { stops: false, .. }
        | T::Other(_) => (Phase::Neutral, false),
    }
}

/// A constraint added to a table the old version writes: a tightening that can make its
/// writes fail (contract), except a foreign key, which only states a relationship the old
/// version already keeps, and a PRIMARY KEY / UNIQUE built on an index that already enforces
/// it (see `docs/phases.md`).
fn constraint_phase(c: &ConstraintSpec) -> Phase {
    if c.always_false {
        return Phase::Contract;
    }
    match c.kind {
        ConstraintKind::ForeignKey => Phase::Expand,
        ConstraintKind::PrimaryKey | ConstraintKind::Unique if c.using_index.is_some() => {
            Phase::Expand
        }
        ConstraintKind::Check
        | ConstraintKind::NotNull
        | ConstraintKind::PrimaryKey
        | ConstraintKind::Unique
        | ConstraintKind::Exclusion => Phase::Contract,
    }
}

/// What the schema replay knows when it decides a change's phase.
pub struct PhaseContext<'a> {
    pub schema: &'a Schema,
    pub pg: u32,
    pub zone: SessionZone,
    /// Constraints (table key, name) dropped and added again in the same migration.
    pub replaced: &'a HashSet<(String, String)>,
    /// Views (key) dropped and created again later in the same migration.
    pub replaced_views: &'a HashSet<String>,
    /// Whether a table was created in this change.
    pub new_table: &'a dyn Fn(&str) -> bool,
    /// Whether a column of an existing table was added in this change.
    pub new_column: &'a dyn Fn(&str, &str) -> bool,
    /// Whether a routine, type, schema, role, policy, ... was created in this change.
    pub new_object: &'a dyn Fn(ObjectKind, &str) -> bool,
    /// Tables whose triggers this statement disables and a later statement of the same
    /// transaction enables again (see [`restored_triggers`]).
    pub triggers_restored: &'a [String],
}

/// For each statement, the tables whose triggers (or rules) it stops and a later statement of
/// the same transaction turns back on (`DISABLE TRIGGER USER; <bulk update>; ENABLE TRIGGER
/// USER`): the lock `DISABLE` takes keeps the application's writes out until the commit, so it
/// never writes while they are off. Outside a transaction it can: no pairing. One backward pass.
pub fn restored_triggers(statements: &[super::StatementFacts]) -> Vec<Vec<String>> {
    let mut out = vec![Vec::new(); statements.len()];
    // (scope, table key) enabled by a later statement.
    let mut enabled_later: HashSet<(super::transaction::Scope, String)> = HashSet::new();
    for (i, s) in statements.iter().enumerate().rev() {
        if !s.scope.in_transaction() {
            continue;
        }
        for c in &s.changes {
            let Change::AlterTable {
                table,
                cmd: TableCmd::TriggerState { stops, .. },
            } = c
            else {
                continue;
            };
            let k = (s.scope, schema::key(table).to_string());
            if *stops {
                if enabled_later.contains(&k) {
                    out[i].push(k.1);
                }
            } else {
                enabled_later.insert(k);
            }
        }
    }
    out
}

/// The phase of each of a statement's changes (see [`change_phase_in`]); a column added by
/// the statement itself is new for its other actions (`ADD COLUMN c ..., ADD CHECK (c > 0)`:
/// PostgreSQL adds columns before constraints, whatever the order written).
pub fn statement_phases(changes: &[Change], ctx: &PhaseContext) -> Vec<(Phase, bool)> {
    let added: Vec<(&str, &str)> = changes
        .iter()
        .filter_map(|c| match c {
            Change::AlterTable {
                table,
                cmd: TableCmd::AddColumn { column, .. },
            } => Some((schema::key(table), column.name.as_str())),
            _ => None,
        })
        .collect();
    if added.is_empty() {
        return changes.iter().map(|c| change_phase_in(c, ctx)).collect();
    }
    let new_column =
        |t: &str, c: &str| added.contains(&(schema::key(t), c)) || (ctx.new_column)(t, c);
    let local = PhaseContext {
        new_column: &new_column,
        ..*ctx
    };
    changes.iter().map(|c| change_phase_in(c, &local)).collect()
}

/// The phase of one change given the schema before it: lossless type changes, index drops,
/// constraint replacements, relaxations, and tightenings of what is new in this change.
pub fn change_phase_in(change: &Change, ctx: &PhaseContext) -> (Phase, bool) {
    let base = change_phase(change);
    match change {
        // `DROP VIEW v; CREATE VIEW v AS ...`: the old version still finds the view (the usual
        // way to change a view's columns, which CREATE OR REPLACE refuses).
        Change::Drop {
            object: ObjectKind::View | ObjectKind::MaterializedView,
            names,
            cascade: false,
            ..
        } if !names.is_empty()
            && names
                .iter()
                .all(|n| ctx.replaced_views.contains(schema::key(n))) =>
        {
            (Phase::Expand, false)
        }
        Change::Drop {
            object: ObjectKind::Index,
            names,
            ..
        } => {
            // The old version's `ON CONFLICT` and its expectations of uniqueness rely on a
            // unique index.
            if names.iter().any(|n| index_is_unique(ctx.schema, n)) {
                (Phase::Contract, false)
            } else {
                base
            }
        }
        // A whole-table UPDATE overwrites what the old version stored, unless it only fills
        // columns added in this change (a backfill).
        // A `WHERE` true wherever columns are not NULL, on NOT NULL columns: every row.
        Change::Delete {
            table,
            has_where: true,
            every_row_unless_null: cols,
        } if every_row_of(ctx.schema, table, cols) => (Phase::Contract, true),
        Change::Update {
            table,
            has_where,
            columns,
            every_row_unless_null: cols,
        } if !has_where || every_row_of(ctx.schema, table, cols) => {
            let fills_new = (ctx.new_table)(table)
                || (!columns.is_empty() && columns.iter().all(|c| (ctx.new_column)(table, c)));
            if fills_new {
                base
            } else {
                (Phase::Contract, true)
            }
        }
        Change::Grant {
            revoke: true,
            object,
            names,
        } if !names.is_empty()
            && names
                .iter()
                .all(|n| (ctx.new_table)(n) || (ctx.new_object)(*object, n)) =>
        {
            (Phase::Neutral, false)
        }
        // Nothing the old version uses depends on what this change created.
        Change::Restrict { object, name, .. }
            if (ctx.new_table)(name) || (ctx.new_object)(*object, name) =>
        {
            (Phase::Neutral, false)
        }
        Change::AlterTable { table, cmd } => {
            let tkey = schema::key(table);
            let new_column = |c: &str| (ctx.new_table)(table) || (ctx.new_column)(table, c);
            match cmd {
                TableCmd::AlterColumnType {
                    column,
                    type_name,
                    using,
                } if rewrites::is_lossless(
                    table, column, type_name, *using, ctx.schema, ctx.pg, ctx.zone,
                ) =>
                {
                    (Phase::Expand, false)
                }
                TableCmd::SetNotNull { column } if new_column(column) => (Phase::Expand, false),
                TableCmd::TriggerState { stops: true, .. }
                    if ctx.triggers_restored.iter().any(|t| t == tkey) =>
                {
                    (Phase::Neutral, false)
                }
                TableCmd::AddConstraint(c) if c.always_false => {
                    if (ctx.new_table)(table) {
                        (Phase::Expand, false)
                    } else {
                        base
                    }
                }
                TableCmd::AddConstraint(c) if base.0 == Phase::Contract => {
                    let name = c
                        .name
                        .clone()
                        .or_else(|| schema::default_constraint_name(table, c));
                    let replacement =
                        name.is_some_and(|n| ctx.replaced.contains(&(tkey.to_string(), n)));
                    let on_new = !c.columns.is_empty() && c.columns.iter().all(|c| new_column(c));
                    if replacement || on_new || (ctx.new_table)(table) {
                        (Phase::Expand, false)
                    } else {
                        base
                    }
                }
                TableCmd::DropConstraint { name, .. } => {
                    let relaxes = ctx.schema.constraint(table, name).is_some_and(|c| {
                        matches!(
                            c.kind,
                            ConstraintKind::Check
                                | ConstraintKind::ForeignKey
                                | ConstraintKind::NotNull
                        )
                    });
                    if relaxes || ctx.replaced.contains(&(tkey.to_string(), name.clone())) {
                        (Phase::Expand, false)
                    } else {
                        base
                    }
                }
                _ => base,
            }
        }
        _ => base,
    }
}

/// Whether `columns` (non-empty) are all `NOT NULL` columns of `table` in the replay.
fn every_row_of(schema: &Schema, table: &str, columns: &[String]) -> bool {
    !columns.is_empty()
        && schema.table(table).is_some_and(|t| {
            columns
                .iter()
                .all(|c| t.column(c).is_some_and(|c| c.not_null()))
        })
}

/// Whether the replay knows `index` to be unique (a UNIQUE index, or the index of a PRIMARY
/// KEY or UNIQUE constraint).
pub fn index_is_unique(schema: &Schema, index: &str) -> bool {
    let k = schema::key(index);
    if schema.index_defs.get(k).is_some_and(|d| d.unique) {
        return true;
    }
    schema.index_table(index).is_some_and(|t| {
        schema.table(t).is_some_and(|t| {
            t.constraints.iter().any(|c| {
                matches!(c.kind, ConstraintKind::PrimaryKey | ConstraintKind::Unique)
                    && c.name.as_deref() == Some(k)
            })
        })
    })
}

/// Constraints that one migration drops and adds again (same table and name, or the same kind
/// on the same columns): a replacement, not a relaxation followed by a tightening.
/// Views dropped (without CASCADE) and created again under the same name later in the same
/// migration: a replacement of the definition, not a removal.
pub fn replaced_views<'a>(changes: impl Iterator<Item = &'a Change>) -> HashSet<String> {
    let mut dropped: HashSet<String> = HashSet::new();
    let mut out = HashSet::new();
    for c in changes {
        match c {
            Change::Drop {
                object: ObjectKind::View | ObjectKind::MaterializedView,
                names,
                cascade: false,
                ..
            } => dropped.extend(names.iter().map(|n| schema::key(n).to_string())),
            Change::Create {
                object: ObjectKind::View | ObjectKind::MaterializedView,
                name,
                ..
            } if dropped.contains(schema::key(name)) => {
                out.insert(schema::key(name).to_string());
            }
            _ => {}
        }
    }
    out
}

pub fn replaced_constraints<'a>(
    changes: impl Iterator<Item = &'a Change> + Clone,
    schema: &Schema,
) -> HashSet<(String, String)> {
    // (table key, name, kind and columns if the replay knows the constraint)
    type Dropped = (String, String, Option<(ConstraintKind, Vec<String>)>);
    let mut dropped: Vec<Dropped> = Vec::new();
    for c in changes.clone() {
        if let Change::AlterTable {
            table,
            cmd: TableCmd::DropConstraint { name, .. },
        } = c
        {
            let known = schema
                .constraint(table, name)
                .map(|k| (k.kind, k.columns.to_vec()));
            dropped.push((schema::key(table).to_string(), name.clone(), known));
        }
    }
    let mut out = HashSet::new();
    if dropped.is_empty() {
        return out;
    }
    for c in changes {
        let Change::AlterTable {
            table,
            cmd: TableCmd::AddConstraint(spec),
        } = c
        else {
            continue;
        };
        let tkey = schema::key(table);
        let Some(name) = spec
            .name
            .clone()
            .or_else(|| schema::default_constraint_name(table, spec))
        else {
            continue;
        };
        for (t, dropped_name, known) in &dropped {
            let same_shape = known
                .as_ref()
                .is_some_and(|(kind, cols)| *kind == spec.kind && *cols == spec.columns);
            if t == tkey && (*dropped_name == name || same_shape) {
                out.insert((t.clone(), dropped_name.clone()));
                out.insert((t.clone(), name.clone()));
            }
        }
    }
    out
}

/// Whether re-running the change after it already succeeded would succeed again.
pub fn change_idempotent(change: &Change) -> bool {
    use Change as C;
    match change {
        C::CreateTable { if_not_exists, .. } | C::CreateIndex { if_not_exists, .. } => {
            *if_not_exists
        }
        C::Create {
            if_not_exists,
            or_replace,
            ..
        } => *if_not_exists || *or_replace,
        C::Drop { if_exists, .. } => *if_exists,
        C::Rename { .. } | C::RenameEnumValue { .. } | C::SetSchema { .. } => false,
        C::AddEnumValue { if_not_exists, .. } => *if_not_exists,
        C::AlterTable { cmd, .. } => match cmd {
            TableCmd::AddColumn { if_not_exists, .. } => *if_not_exists,
            TableCmd::DropColumn { if_exists, .. } | TableCmd::DropConstraint { if_exists, .. } => {
                *if_exists
            }
            TableCmd::AddConstraint(_)
            | TableCmd::AttachPartition { .. }
            | TableCmd::DetachPartition { .. } => false,
            TableCmd::AddIdentity { .. } | TableCmd::DropIdentity { .. } => false,
            _ => true,
        },
        C::Insert { on_conflict, .. } => *on_conflict,
        // COPY FROM appends the same rows again.
        C::Copy { from, .. } => !from,
        C::Opaque => false,
        C::Restrict { .. } | C::Prepare { .. } | C::Deallocate { .. } => true,
        C::Execute { .. } => false,
        C::Truncate { .. }
        | C::Update { .. }
        | C::Delete { .. }
        | C::Merge { .. }
        | C::Reindex { .. }
        | C::Vacuum { .. }
        | C::Cluster { .. }
        | C::RefreshMaterializedView { .. }
        | C::Transaction(_)
        | C::Set { .. }
        | C::Reset { .. }
        | C::LockTable { .. }
        | C::Grant { .. }
        | C::Comment { .. }
        | C::AlterSequence { .. }
        | C::AlterSystem
        | C::Read { .. }
        | C::Other => true,
    }
}
