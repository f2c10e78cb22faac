//! The schema replay: a sequential pass in migration order (per group, one database history)
//! that completes each statement's facts with what depends on the schema — locks on partitions
//! and referenced tables, rewrites and scans that depend on column types, which relations are
//! new in this change, and widening type changes.

use std::path::PathBuf;

use super::postgres::{locks, rewrites};
use super::schema::Schema;
use super::{AnalyzedMigration, Change, Phase, StatementFacts, TableCmd};
use crate::discover::Direction;
use crate::target::{Dialect, Target};

/// Sequential schema replay in migration order: lock facts that depend on the schema, which
/// relations are new in this change, and widening type changes.
pub fn replay(units: &mut [AnalyzedMigration]) {
    // Each group (migration folder) is its own database history.
    let mut schemas: std::collections::HashMap<PathBuf, Schema> = std::collections::HashMap::new();
    // With a diff base, everything the files new in this change create is new; without one,
    // each unit is its own change.
    let changed: Vec<bool> = units
        .iter()
        .map(|u| u.migration.change.is_some_and(|c| c.file_added))
        .collect();
    for (index, unit) in units.iter_mut().enumerate() {
        // Down units are checked against the schema their up left, without changing it.
        let applies = matches!(
            unit.migration.direction,
            Direction::Up | Direction::Repeatable
        );
        let schema = schemas.entry(unit.migration.group.clone()).or_default();
        let is_new =
            |u: usize| u == index || (changed[index] && changed.get(u).copied().unwrap_or(false));
        let target = unit.migration.target;
        for facts in &mut unit.statements {
            let analysis = match target.dialect {
                Dialect::Postgres => locks::analyze(&facts.changes, schema, target.version),
            };
            facts.new_relations = locks::new_relations(&analysis.locks, schema, &is_new);
            // Creating a table makes it new for the statements after it.
            facts.locks = analysis.locks;
            facts.rewrites = analysis.rewrites;
            facts.scans = analysis.scans;
            refine_phase(facts, schema, target);
            // Cloning the schema per down unit would make the replay quadratic; a down's own
            // changes are not replayed, which only matters for downs that re-create objects.
            if applies {
                for change in &facts.changes {
                    schema.apply(change, index);
                }
            }
        }
    }
}

/// A type change that only widens the column is expand, not contract.
fn refine_phase(facts: &mut StatementFacts, schema: &Schema, target: Target) {
    // Each change once: widening, or not a widening type change at all.
    let (mut any, mut all) = (false, true);
    for c in &facts.changes {
        let widening = matches!(c, Change::AlterTable { table, cmd: TableCmd::AlterColumnType { column, type_name, .. } }
            if rewrites::is_widening(table, column, type_name, schema));
        any |= widening;
        all &= widening;
    }
    if any {
        super::refresh_derived(facts, target);
        if all {
            facts.phase = Phase::Expand;
            facts.destructive = false;
        }
    }
}
