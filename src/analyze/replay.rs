//! The schema replay: a sequential pass in migration order (per group, one database history)
//! that completes each statement's facts with what depends on the schema — locks on partitions
//! and referenced tables, rewrites and scans that depend on column types, which relations are
//! new in this change, and widening type changes.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use super::phase::{self, PhaseContext};
use super::postgres::locks;
use super::postgres::rewrites::SessionZone;
use super::schema::{self, Schema};
use super::snapshot;
use super::transaction::Scope;
use super::{AnalyzedMigration, Change, StatementFacts, TableCmd};
use crate::discover::{Direction, Layout};
use crate::target::Dialect;

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
    // Columns added to existing tables, per group: (table key, column) → the adding unit.
    let mut added: HashMap<PathBuf, HashMap<(String, String), usize>> = HashMap::new();
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
        let added = added.entry(unit.migration.group.clone()).or_default();
        let replaced =
            phase::replaced_constraints(unit.statements.iter().flat_map(|s| &s.changes), schema);
        let mut zone = ZoneSetting::default();
        for facts in &mut unit.statements {
            let session_zone = zone.at(facts.scope);
            let analysis = match target.dialect {
                Dialect::Postgres => {
                    locks::analyze_in(&facts.changes, schema, target.version, session_zone)
                }
            };
            facts.new_relations = locks::new_relations(&analysis.locks, schema, &is_new);
            facts.partitioned = analysis
                .locks
                .iter()
                .filter(|l| schema.parent_of_partitions(&l.relation))
                .map(|l| l.relation.clone())
                .collect();
            facts.not_null_proven = facts
                .changes
                .iter()
                .filter_map(|c| match c {
                    Change::AlterTable {
                        table,
                        cmd: TableCmd::SetNotNull { column },
                    } if schema
                        .table(table)
                        .is_some_and(|t| t.has_validated_not_null_check(column)) =>
                    {
                        Some((table.clone(), column.clone()))
                    }
                    _ => None,
                })
                .collect();
            // Creating a table makes it new for the statements after it.
            facts.locks = analysis.locks;
            facts.rewrites = analysis.rewrites;
            facts.scans = analysis.scans;
            facts.cascade = analysis.cascade;
            let new_table = |t: &str| schema.created_by(t).is_some_and(is_new);
            let new_column = |t: &str, c: &str| {
                added
                    .get(&(schema::key(t).to_string(), c.to_string()))
                    .is_some_and(|u| is_new(*u))
            };
            let ctx = PhaseContext {
                schema,
                pg: target.version,
                zone: session_zone,
                replaced: &replaced,
                new_table: &new_table,
                new_column: &new_column,
            };
            refine_phase(facts, &ctx);
            zone.update(facts);
            if applies {
                schema.note_view_reads(&facts.changes);
                for change in &facts.changes {
                    if let Change::AlterTable {
                        table,
                        cmd: TableCmd::AddColumn { column, .. },
                    } = change
                    {
                        added.insert((schema::key(table).to_string(), column.name.clone()), index);
                    }
                }
            }
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

/// The phase of each change with what the schema knows (lossless type changes, unique
/// indexes, replaced and relaxed constraints, tightenings of what is new in this change).
fn refine_phase(facts: &mut StatementFacts, ctx: &PhaseContext) {
    if facts.changes.is_empty() {
        return;
    }
    let mut phase = super::Phase::Neutral;
    let mut destructive = false;
    facts.change_phases.clear();
    for c in &facts.changes {
        let (p, d) = phase::change_phase_in(c, ctx);
        facts.change_phases.push((p, d));
        phase = phase.max(p);
        destructive |= d;
    }
    facts.phase = phase;
    facts.destructive = destructive;
}

/// The session time zone as the migration sets it: `SET timezone` for the session, `SET LOCAL`
/// for the transaction it runs in.
#[derive(Default)]
struct ZoneSetting {
    session: SessionZone,
    local: Option<(Scope, SessionZone)>,
}

impl ZoneSetting {
    fn at(&self, scope: Scope) -> SessionZone {
        match self.local {
            Some((s, zone)) if s == scope => zone,
            _ => self.session,
        }
    }

    fn update(&mut self, facts: &StatementFacts) {
        for change in &facts.changes {
            match change {
                Change::Set { name, value, local } if name == "timezone" => {
                    let zone = SessionZone::from_setting(value);
                    if *local {
                        if facts.scope.in_transaction() {
                            self.local = Some((facts.scope, zone));
                        }
                    } else {
                        self.session = zone;
                        self.local = None;
                    }
                }
                Change::Reset { name }
                    if name == "timezone" || name == "all" || name.is_empty() =>
                {
                    *self = ZoneSetting::default();
                }
                _ => {}
            }
        }
    }
}
