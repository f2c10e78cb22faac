//! The schema replay: a sequential pass in migration order (per group, one database history)
//! that completes each statement's facts with what depends on the schema — locks on partitions
//! and referenced tables, rewrites and scans that depend on column types, which relations are
//! new in this change, and widening type changes.

use std::path::PathBuf;

use super::schema::Schema;
use super::{AnalyzedMigration, Change, Phase, StatementFacts, TableCmd, locks};
use crate::discover::Direction;

/// Sequential schema replay in migration order: lock facts that depend on the schema, which
/// relations are new in this change, and widening type changes.
pub fn replay(units: &mut [AnalyzedMigration], pg_version: u32) {
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
        for facts in &mut unit.statements {
            let analysis = locks::analyze(&facts.changes, schema, pg_version);
            facts.new_relations = locks::new_relations(&analysis.locks, schema, &is_new);
            // Creating a table makes it new for the statements after it.
            facts.locks = analysis.locks;
            facts.rewrites = analysis.rewrites;
            facts.scans = analysis.scans;
            refine_phase(facts, schema, pg_version);
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
fn refine_phase(facts: &mut StatementFacts, schema: &Schema, pg: u32) {
    let widening = facts.changes.iter().any(|c| {
        matches!(c, Change::AlterTable { table, cmd: TableCmd::AlterColumnType { column, type_name, .. } }
            if locks::is_widening(table, column, type_name, schema))
    });
    if widening {
        super::refresh_derived(facts, pg);
        let only_widening = facts.changes.iter().all(|c| {
            matches!(c, Change::AlterTable { table, cmd: TableCmd::AlterColumnType { column, type_name, .. } }
                if locks::is_widening(table, column, type_name, schema))
        });
        if only_widening {
            facts.phase = Phase::Expand;
            facts.destructive = false;
        }
    }
}
