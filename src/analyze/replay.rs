//! The schema replay: a sequential pass in migration order (per group, one database history)
//! that completes each statement's facts with what depends on the schema — locks on partitions
//! and referenced tables, rewrites and scans that depend on column types, which relations are
//! new in this change, and widening type changes.

use std::collections::HashSet;
use std::path::PathBuf;

use super::postgres::{locks, rewrites};
use super::schema::Schema;
use super::snapshot;
use super::{AnalyzedMigration, Change, Phase, StatementFacts, TableCmd};
use crate::discover::{Direction, Layout};
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
    let flyway_undo = flyway_undo_groups(units); // rollback (issue 13)
    for index in 0..units.len() {
        let schema = schemas
            .entry(units[index].migration.group.clone())
            .or_default();
        rollback_before_up(units, index, schema, &flyway_undo); // rollback (issue 13)
        let unit = &mut units[index];
        // Down units are checked against the schema their up left, without changing it.
        let applies = matches!(
            unit.migration.direction,
            Direction::Up | Direction::Repeatable
        );
        let is_new =
            |u: usize| u == index || (changed[index] && changed.get(u).copied().unwrap_or(false));
        let target = unit.migration.target;
        let mut session = super::mysql::replay::Session::default();
        if target.dialect == Dialect::Sqlite {
            let columns = |t: &str| {
                let t = schema.table(t)?;
                Some(t.columns.iter().map(|c| c.name.clone()).collect())
            };
            super::sqlite::replay::recognise_rebuilds(&mut unit.statements, &columns);
        }
        for facts in &mut unit.statements {
            let analysis = match target.dialect {
                Dialect::Postgres => locks::analyze(&facts.changes, schema, target.version),
                Dialect::Mysql | Dialect::Mariadb | Dialect::Sqlite => {
                    if target.dialect == Dialect::Sqlite {
                        super::sqlite::replay::statement(facts, schema, &is_new);
                    } else {
                        super::mysql::replay::statement(
                            facts,
                            schema,
                            target,
                            &mut session,
                            &is_new,
                        );
                    }
                    if applies {
                        for change in &facts.changes {
                            schema.apply(change, index);
                        }
                    }
                    continue;
                }
            };
            facts.new_relations = locks::new_relations(&analysis.locks, schema, &is_new);
            // Creating a table makes it new for the statements after it.
            facts.locks = analysis.locks;
            facts.rewrites = analysis.rewrites;
            facts.scans = analysis.scans;
            refine_phase(facts, schema, target);
            // Cloning the schema per down unit would make the replay quadratic; a down's own
            // changes are replayed only against a copy of what its up touches (RS405).
            if applies {
                for change in &facts.changes {
                    schema.apply(change, index);
                }
            }
        }
    }
}

// --- rollback (issue 13) ---------------------------------------------------------------------

/// Flyway folders that use undo files: they expect one per versioned file (RS404).
fn flyway_undo_groups(units: &[AnalyzedMigration]) -> HashSet<PathBuf> {
    units
        .iter()
        .filter(|u| {
            u.migration.layout == Layout::Flyway && u.migration.direction == Direction::Down
        })
        .map(|u| u.migration.group.clone())
        .collect()
}

/// Before an up changes the model: replay it and its down against a copy of the objects they
/// touch (see `analyze::snapshot`), keeping the generated inverses on the up and the
/// comparison on the down.
fn rollback_before_up(
    units: &mut [AnalyzedMigration],
    index: usize,
    schema: &Schema,
    flyway_undo: &HashSet<PathBuf>,
) {
    if !matches!(
        units[index].migration.direction,
        Direction::Up | Direction::Repeatable
    ) {
        return;
    }
    let down = units[index].migration.pair.map(|j| j.index()).filter(|&j| {
        units
            .get(j)
            .is_some_and(|d| d.migration.direction == Direction::Down)
    });
    let (inverses, diffs) = snapshot::rollback_facts(
        schema,
        &units[index].statements,
        index,
        down.map(|j| (&units[j].statements[..], j)),
    );
    let up = &mut units[index];
    up.rollback.inverses = inverses;
    up.rollback.expects_down = up.migration.direction == Direction::Up
        && snapshot::tool_has_downs(
            up.migration.layout,
            flyway_undo.contains(&up.migration.group),
        );
    if let Some(j) = down {
        units[index].rollback.down = Some(snapshot::DownSummary {
            path: units[j].migration.source.path.clone(),
            differences: diffs.as_ref().map_or(0, Vec::len),
            statements: snapshot::down_steps(&units[j].migration.source, &units[j].statements),
        });
        units[j].rollback.down_diffs = diffs;
    }
}

// --- end rollback ----------------------------------------------------------------------------

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
