//! The schema replay: a sequential pass in migration order (per group, one database history)
//! that completes each statement's facts with what depends on the schema — locks on partitions
//! and referenced tables, rewrites and scans that depend on column types, which relations are
//! new in this change, and widening type changes.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use super::identity;
use super::phase::{self, PhaseContext};
use super::postgres::rewrites::SessionZone;
use super::postgres::{locks, plpgsql};
use super::procedural::{
    Body, Definition, InnerStatement, Opaque, OpaqueReason, Via, dml_table, writes_rows,
};
use super::schema::{self, Routine, Schema, Trigger};
use super::snapshot;
use super::transaction::Scope;
use super::{AnalyzedMigration, Change, StatementFacts, TableCmd};
use crate::discover::{Direction, Layout};
use crate::source::SourceFile;
use crate::target::Dialect;

/// Sequential schema replay in migration order: lock facts that depend on the schema, which
/// relations are new in this change, and widening type changes.
pub fn replay(units: &mut [AnalyzedMigration]) {
    replay_for(units, super::Outputs::ALL);
}

/// [`replay`], computing the rollback plan's inputs only when `outputs` asks for them.
pub fn replay_for(units: &mut [AnalyzedMigration], outputs: super::Outputs) {
    let mut replay = Replay::new(units, outputs);
    for index in 0..units.len() {
        replay.unit(units, index);
    }
}

/// The replay's state between units: it can be fed one unit at a time (in order), so that a
/// unit's facts can be reported and dropped before the next units are even parsed.
pub struct Replay {
    // Each group (migration folder) is its own database history.
    schemas: HashMap<PathBuf, Schema>,
    // With a diff base, everything the files new in this change create is new; without one,
    // each unit is its own change.
    changed: Vec<bool>,
    flyway_undo: HashSet<PathBuf>,
    base: HashMap<PathBuf, identity::BaseObjects>,
    // Columns added to existing tables, per group: (table key, column) → the adding unit.
    added: HashMap<PathBuf, HashMap<(String, String), usize>>,
    // MySQL 8.0.29+: per group, each table's row versions (`mysql::replay::count_row_versions`).
    row_versions: HashMap<PathBuf, HashMap<String, u32>>,
    outputs: super::Outputs,
}

impl Replay {
    /// `units` in application order. Only their migrations are read, and, with a diff base,
    /// the statements of the units that existed at the base (which must then be analysed).
    pub fn new(units: &[AnalyzedMigration], outputs: super::Outputs) -> Replay {
        Replay {
            schemas: HashMap::new(),
            changed: units
                .iter()
                .map(|u| u.migration.change.is_some_and(|c| c.file_added))
                .collect(),
            flyway_undo: flyway_undo_groups(units), // rollback (issue 13)
            base: base_objects(units),
            added: HashMap::new(),
            row_versions: HashMap::new(),
            outputs,
        }
    }

    /// Replay unit `index` (every unit before it has been replayed; its down, if it is an up
    /// with one, has been analysed).
    pub fn unit(&mut self, units: &mut [AnalyzedMigration], index: usize) {
        let Replay {
            schemas,
            changed,
            flyway_undo,
            base,
            added,
            row_versions,
            outputs,
        } = self;
        let outputs = *outputs;
        let schema = schemas
            .entry(units[index].migration.group.clone())
            .or_default();
        rollback_before_up(units, index, schema, flyway_undo, outputs); // rollback (issue 13)
        let unit = &mut units[index];
        // Down units are checked against the schema their up left, without changing it.
        let applies = matches!(
            unit.migration.direction,
            Direction::Up | Direction::Repeatable
        );
        let is_new =
            |u: usize| u == index || (changed[index] && changed.get(u).copied().unwrap_or(false));
        let target = unit.migration.target;
        let source = unit.migration.source.clone();
        let added = added.entry(unit.migration.group.clone()).or_default();
        let mut row_versions = (target.dialect == Dialect::Mysql).then(|| {
            row_versions
                .entry(unit.migration.group.clone())
                .or_default()
        });
        let units_group = unit.migration.group.clone();
        let replaced =
            phase::replaced_constraints(unit.statements.iter().flat_map(|s| &s.changes), schema);
        let replaced_views = phase::replaced_views(unit.statements.iter().flat_map(|s| &s.changes));
        let mut zone = ZoneSetting::default();
        let mut search_path = identity::SearchPath::default();
        let mut session = super::mysql::replay::Session::default();
        if target.dialect == Dialect::Sqlite {
            let columns = |t: &str| {
                let t = schema.table(t)?;
                Some(t.columns.iter().map(|c| c.name.to_string()).collect())
            };
            super::sqlite::replay::recognise_rebuilds(&mut unit.statements, &columns);
        }
        let restored = phase::restored_triggers(&unit.statements);
        for (position, facts) in unit.statements.iter_mut().enumerate() {
            if resolve_calls(facts, schema) {
                super::refresh_derived(facts, target);
            }
            let session_zone = zone.at(facts.scope);
            let analysis = match target.dialect {
                Dialect::Postgres => {
                    search_path.resolve(facts, schema);
                    locks::analyze_in(&facts.changes, schema, target.version, session_zone)
                }
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
                        if let Some(versions) = row_versions.as_deref_mut() {
                            super::mysql::replay::count_row_versions(facts, versions, target);
                        }
                        for change in &facts.changes {
                            schema.apply(change, index);
                        }
                    }
                    continue;
                }
            };
            facts.new_relations = locks::new_relations(&analysis.locks, schema, &is_new);
            // Types, schemas and functions are no relations, but dropping one created in this
            // change acts on something new too.
            let before = facts.new_relations.len();
            for c in &facts.changes {
                if let Change::Drop {
                    object,
                    names,
                    on_table,
                    ..
                } = c
                    && !schema::is_relation(*object)
                {
                    for n in names {
                        let name = n.split('(').next().unwrap_or(n);
                        let k = schema::object_key(*object, name, on_table.as_deref());
                        if schema
                            .objects
                            .get(&(*object, k))
                            .copied()
                            .flatten()
                            .is_some_and(is_new)
                        {
                            facts.new_relations.push(n.clone());
                        }
                    }
                }
            }
            if facts.new_relations.len() > before {
                facts.new_relations.sort();
                facts.new_relations.dedup();
            }
            // Procedural code can create a relation and then lock it within one statement.
            for l in &analysis.locks {
                if created_inside(facts, &l.relation) && !facts.is_new(&l.relation) {
                    facts.new_relations.push(l.relation.clone());
                }
            }
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
            let new_object = |kind: super::ObjectKind, name: &str| {
                schema
                    .objects
                    .get(&(kind, schema::object_key(kind, name, None)))
                    .copied()
                    .flatten()
                    .is_some_and(is_new)
            };
            let ctx = PhaseContext {
                schema,
                pg: target.version,
                zone: session_zone,
                replaced: &replaced,
                replaced_views: &replaced_views,
                new_table: &new_table,
                new_column: &new_column,
                new_object: &new_object,
                triggers_restored: restored.get(position).map_or(&[], Vec::as_slice),
            };
            refine_phase(facts, &ctx);
            facts.shrink();
            zone.update(facts);
            search_path.update(facts);
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
                    if changed[index]
                        && base
                            .get(&units_group)
                            .is_some_and(|b| b.has(change).is_some())
                    {
                        schema.disown(change, index);
                    }
                }
                define(facts, schema, &source);
            }
        }
    }
}

/// With a diff base: per group, what the migrations that existed at the base leave in the
/// database (see [`identity::BaseObjects`]).
fn base_objects(units: &[AnalyzedMigration]) -> HashMap<PathBuf, identity::BaseObjects> {
    let mut out: HashMap<PathBuf, identity::BaseObjects> = HashMap::new();
    for u in units {
        let existed = u.migration.change.is_some_and(|c| !c.file_added);
        if !existed || !matches!(u.migration.direction, Direction::Up | Direction::Repeatable) {
            continue;
        }
        let objects = out.entry(u.migration.group.clone()).or_default();
        let mut path = identity::SearchPath::default();
        for facts in &u.statements {
            objects.follow(facts, &mut path);
        }
    }
    out
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
    outputs: super::Outputs,
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
        outputs.rollback_plan,
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
            statements: if outputs.rollback_plan {
                snapshot::down_steps(&units[j].migration.source, &units[j].statements)
            } else {
                Vec::new()
            },
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
    facts.change_phases = phase::statement_phases(&facts.changes, ctx);
    for &(p, d) in &facts.change_phases {
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

/// How many function bodies one statement is followed into (calls and triggers, nested):
/// recursion and deep chains end here as opaque instead of looping.
const MAX_EXPANSIONS: usize = 64;

/// Follow the calls a statement makes (and the triggers its data changes fire) into the bodies
/// of the routines created so far, adding what they run to the statement. A call of a
/// function that is neither defined nor known is opaque. Returns whether anything was added.
fn resolve_calls(facts: &mut StatementFacts, schema: &Schema) -> bool {
    struct Pending {
        name: String,
        span: crate::source::Span,
        via: Option<Via>,
        /// Constant arguments of the call, bound to the routine's parameters.
        args: Option<Vec<String>>,
    }
    let mut queue: std::collections::VecDeque<Pending> = facts
        .body()
        .calls
        .iter()
        .map(|c| Pending {
            name: c.name.clone(),
            span: c.span,
            via: None,
            args: c.args.clone(),
        })
        .collect();
    // Code that runs when rows are written: triggers, and the functions a table's defaults,
    // checks and index expressions call (followed only when the migrations define them).
    let has_triggers = !schema.triggers.is_empty() || !schema.write_calls.is_empty();
    if queue.is_empty() && !has_triggers {
        return false;
    }
    let mut added = Body::default();
    let mut next_change = 0;
    let mut expansions = 0;
    loop {
        // Triggers fired by the data changes not looked at yet (the statement's own and those
        // of the bodies just added).
        while has_triggers && next_change < facts.changes.len() + added_changes(&added) {
            let change = nth_change(facts, &added, next_change);
            next_change += 1;
            let Some(change) = change else { continue };
            for table in dml_table(&change) {
                let fired: Vec<&Trigger> = schema
                    .triggers
                    .get(super::schema::key(table))
                    .map(|list| list.iter().filter(|t| t.events.fired_by(&change)).collect())
                    .unwrap_or_default();
                let stored: Vec<&str> = if writes_rows(&change) {
                    schema
                        .write_calls
                        .get(super::schema::key(table))
                        .map(|fs| {
                            fs.iter()
                                .map(|f| &**f)
                                .filter(|f| schema.routines.contains_key(*f))
                                .collect()
                        })
                        .unwrap_or_default()
                } else {
                    Vec::new()
                };
                let functions = fired.iter().map(|t| t.function.as_str()).chain(stored);
                for function in functions {
                    let (span, via) = origin_of(facts, &added, &change);
                    queue.push_back(Pending {
                        name: function.to_string(),
                        span,
                        via,
                        args: None,
                    });
                }
            }
        }
        let Some(call) = queue.pop_front() else { break };
        let Some(routine) = schema.routines.get(&call.name) else {
            if !plpgsql::is_known_function(&call.name) {
                added.opaque.push(Opaque {
                    span: call.span,
                    reason: OpaqueReason::UnknownFunction(call.name.clone()),
                    via: call.via.clone(),
                });
            }
            continue;
        };
        expansions += 1;
        if expansions > MAX_EXPANSIONS {
            added.opaque.push(Opaque {
                span: call.span,
                reason: OpaqueReason::TooDeep(call.name.clone()),
                via: call.via.clone(),
            });
            break;
        }
        // Findings point at the call (where the marker that approves them goes) and name the
        // place in the body; code reached through nested calls keeps the first routine's call.
        let at = |span: crate::source::Span| {
            call.via.clone().unwrap_or_else(|| {
                let lc = routine.source.line_col(span.start);
                Via {
                    routine: routine.name.clone(),
                    at: format!(
                        "{}:{}:{}",
                        routine.source.display_path(),
                        lc.line,
                        lc.column
                    ),
                }
            })
        };
        for s in &routine.body.statements {
            added.statements.push(InnerStatement {
                span: call.span,
                via: Some(at(s.span)),
                ..s.clone()
            });
        }
        for o in &routine.body.opaque {
            // `EXECUTE format('... %I ...', param)` with the call's constant arguments is the
            // SQL they make: read it like any other statement of the body.
            let bound = match (&o.reason, &call.args) {
                (OpaqueReason::DynamicSql(expr), Some(args)) if !expr.is_empty() => {
                    plpgsql::bound_execute(expr, &routine.params, args, o.span)
                }
                _ => None,
            };
            if let Some(body) = bound {
                for s in body.statements {
                    let via = Some(at(s.span));
                    added.statements.push(InnerStatement {
                        span: call.span,
                        via,
                        ..s
                    });
                }
                for inner in body.opaque {
                    added.opaque.push(Opaque {
                        span: call.span,
                        via: Some(at(inner.span)),
                        ..inner
                    });
                }
                added.definitions.extend(body.definitions);
                for c in body.calls {
                    queue.push_back(Pending {
                        name: c.name,
                        span: call.span,
                        via: Some(at(c.span)),
                        args: None,
                    });
                }
                continue;
            }
            added.opaque.push(Opaque {
                span: call.span,
                reason: o.reason.clone(),
                via: Some(at(o.span)),
            });
        }
        // What the routine creates when it runs exists after the call.
        added
            .definitions
            .extend(routine.body.definitions.iter().cloned());
        for c in &routine.body.calls {
            queue.push_back(Pending {
                name: c.name.clone(),
                span: call.span,
                via: Some(at(c.span)),
                args: None,
            });
        }
    }
    if added.statements.is_empty() && added.opaque.is_empty() && added.definitions.is_empty() {
        return false;
    }
    super::absorb(facts, added);
    true
}

fn added_changes(added: &Body) -> usize {
    added.statements.iter().map(|s| s.changes.len()).sum()
}

/// The `n`th change of the statement followed by those of the bodies added so far.
fn nth_change(facts: &StatementFacts, added: &Body, n: usize) -> Option<Change> {
    if let Some(c) = facts.changes.get(n) {
        return Some(c.clone());
    }
    added
        .statements
        .iter()
        .flat_map(|s| &s.changes)
        .nth(n - facts.changes.len())
        .cloned()
}

/// Where a change is written and the routine it came through, for the triggers it fires.
fn origin_of(
    facts: &StatementFacts,
    added: &Body,
    change: &Change,
) -> (crate::source::Span, Option<Via>) {
    match added.statements.iter().find(|s| s.changes.contains(change)) {
        Some(s) => (s.span, s.via.clone()),
        None => (facts.span_of(change), None),
    }
}

/// Record the routine or trigger a statement defines, for the statements after it. A
/// routine keeps the positions of the statement in `source`, without its text.
fn define(facts: &StatementFacts, schema: &mut Schema, source: &Arc<SourceFile>) {
    let mut excerpt = None;
    for d in facts
        .definition()
        .into_iter()
        .chain(&facts.body().definitions)
    {
        define_one(d, schema, || {
            excerpt
                .get_or_insert_with(|| source.excerpt(facts.span))
                .clone()
        });
    }
}

/// `source`: the file's positions for the statement's span (its body's spans lie in it).
fn define_one(
    definition: &Definition,
    schema: &mut Schema,
    mut source: impl FnMut() -> Arc<SourceFile>,
) {
    match definition {
        Definition::Routine { name, params, body } => {
            schema.routines.insert(
                name.clone(),
                Box::new(Routine {
                    name: name.clone(),
                    params: params.clone(),
                    body: body.clone(),
                    source: source(),
                }),
            );
        }
        Definition::TableCode { table, functions } => schema.note_write_calls(table, functions),
        Definition::Trigger {
            name,
            table,
            function,
            events,
        } => {
            let list = schema
                .triggers
                .entry(super::schema::key(table).to_string())
                .or_default();
            // CREATE OR REPLACE TRIGGER replaces the one of the same name.
            list.retain(|t| &t.name != name);
            schema::push_compact(
                list,
                Trigger {
                    name: name.clone(),
                    function: function.clone(),
                    events: *events,
                },
            );
        }
    }
}

/// Whether a statement inside the procedural code of `facts` creates `relation`.
fn created_inside(facts: &StatementFacts, relation: &str) -> bool {
    let k = super::schema::key(relation);
    facts
        .body()
        .statements
        .iter()
        .flat_map(|s| &s.changes)
        .any(|c| match c {
            Change::CreateTable { table, .. } => super::schema::key(table) == k,
            Change::CreateIndex {
                index: Some(index), ..
            } => super::schema::key(index) == k,
            Change::Create { name, .. } => super::schema::key(name) == k,
            _ => false,
        })
}
