//! Analysis: facts for every statement. `classify` reads the parse tree once; everything else
//! works on [`Change`]s. Per-file facts are computed in parallel; the schema replay that needs
//! migration order runs afterwards as a cheap sequential pass.

pub mod change;
pub mod facts;
pub mod identity;
pub mod inverse;
pub mod mysql;
pub mod phase;
pub mod postgres;
pub mod prepared;
pub mod procedural;
pub mod replay;
pub mod schema;
pub mod snapshot;
pub mod sqlite;
#[cfg(test)]
mod tests;
pub mod transaction;

pub use change::*;
pub use facts::*;
pub use procedural::{Body, Definition, Opaque, OpaqueReason};

use crate::discover::Migration;
use crate::parse::{
    self, Marker, Placeholder, PlaceholderValues, SqlTree, StatementBody, SyntaxError,
};
use crate::source::{LineCol, SourceFile, Span};
use crate::target::{Dialect, Target};
use std::sync::Arc;

/// One migration unit, analysed: every statement's complete facts (schema replay included)
/// and the markers written in it.
pub struct AnalyzedMigration {
    pub migration: Migration,
    /// Empty once the unit is slimmed ([`AnalyzedMigration::slim`]): `slimmed` holds what is
    /// left of them. [`AnalyzedMigration::positions`] reads either.
    pub statements: Vec<StatementFacts>,
    /// Each statement's position and markers, once its facts were dropped.
    pub slimmed: Vec<StatementPosition>,
    pub markers: Vec<Marker>,
    /// Generated inverses (up units) and the down-migration comparison (down units).
    pub rollback: snapshot::UnitRollback,
    /// The tool's placeholders in the unit, and what the parser read instead.
    pub placeholders: Vec<Placeholder>,
}

/// What is computed beyond what the rules read.
#[derive(Debug, Clone, Copy)]
pub struct Outputs {
    /// The rollback plan's inputs (`snapshot::UnitRollback::inverses` and `down`): only
    /// `rollsafe plan` and the Markdown report read them, and they cost a generated inverse
    /// (with its SQL text) per statement.
    pub rollback_plan: bool,
    /// Every statement's facts (JSON, SARIF, Markdown, `rollsafe plan`). Without them a unit
    /// keeps only its statements' positions and markers once its rules ran (see
    /// [`AnalyzedMigration::slim`]), and [`Stream`] can analyse the run a window at a time.
    pub statement_facts: bool,
    /// The source text of every unit until the report is written (the human output's
    /// snippets). Without it, [`AnalyzedMigration::slim`] lets a unit's text go once its rules
    /// ran; positions still turn into lines and columns.
    pub source_text: bool,
}

impl Outputs {
    pub const ALL: Outputs = Outputs {
        rollback_plan: true,
        statement_facts: true,
        source_text: true,
    };
}

/// Parse and analyse every unit (in parallel), then replay the schema in migration order.
/// `units` must be in application order (as discovery returns them).
pub fn analyze(units: Vec<Migration>, placeholders: &PlaceholderValues) -> Vec<AnalyzedMigration> {
    analyze_for(units, placeholders, Outputs::ALL)
}

/// [`analyze`], computing only the `outputs` asked for beyond what the rules read.
pub fn analyze_for(
    units: Vec<Migration>,
    placeholders: &PlaceholderValues,
    outputs: Outputs,
) -> Vec<AnalyzedMigration> {
    let sessions = parse::session_may_change_strings(&units);
    let analyze_unit = |(migration, session_changed): (Migration, bool)| {
        let mut unit = AnalyzedMigration::pending(migration);
        unit.analyze(placeholders, session_changed);
        unit
    };
    let mut analyzed: Vec<AnalyzedMigration> =
        crate::threads::map(units.into_iter().zip(sessions).collect(), analyze_unit);
    for i in 0..analyzed.len() {
        inherit_include_markers(&mut analyzed, i);
    }
    replay::replay_for(&mut analyzed, outputs);
    analyzed
}

/// [`analyze_for`] a window of units at a time: each window is parsed and analysed in
/// parallel, then replayed and handed to the caller, who reports its units and shrinks them
/// ([`AnalyzedMigration::slim`]). Memory then grows with the schema model and the largest
/// window, not with every statement of the run. The replay is sequential; it and the caller's
/// report of one window run while the next window is parsed, so it costs no wall time of its
/// own.
pub struct Stream<'a> {
    units: Vec<AnalyzedMigration>,
    sessions: Vec<bool>,
    placeholders: &'a PlaceholderValues,
    replay: replay::Replay,
}

impl<'a> Stream<'a> {
    /// The units back when they cannot be analysed in order without looking further ahead
    /// than their window: with a diff base (the replay first reads every unit that existed
    /// there), or a down that comes before its up.
    pub fn new(
        units: Vec<Migration>,
        placeholders: &'a PlaceholderValues,
        outputs: Outputs,
    ) -> Result<Stream<'a>, Vec<Migration>> {
        let ordered = units.iter().enumerate().all(|(i, u)| {
            u.change.is_none()
                && u.pair.is_none_or(|p| match u.direction {
                    crate::discover::Direction::Down => p.index() < i,
                    _ => p.index() > i,
                })
        });
        if !ordered {
            return Err(units);
        }
        let sessions = parse::session_may_change_strings(&units);
        let units: Vec<AnalyzedMigration> =
            units.into_iter().map(AnalyzedMigration::pending).collect();
        Ok(Stream {
            replay: replay::Replay::new(&units, outputs),
            units,
            sessions,
            placeholders,
        })
    }

    /// The units, not analysed yet: what discovery found.
    pub fn units(&self) -> &[AnalyzedMigration] {
        &self.units
    }

    /// Analyse and replay every unit, a window at a time, handing each replayed window to
    /// `report` (in order) while the next window is parsed. Returns every unit, as `report`
    /// left them.
    pub fn run(
        self,
        mut report: impl FnMut(&mut [AnalyzedMigration]) + Send,
    ) -> Vec<AnalyzedMigration> {
        let Stream {
            mut units,
            sessions,
            placeholders,
            mut replay,
        } = self;
        let Some(mut current) = window_after(&units, 0) else {
            return units;
        };
        analyze_window(
            &mut units[current.clone()],
            &sessions[current.clone()],
            placeholders,
        );
        for i in current.clone() {
            inherit_include_markers(&mut units, i);
        }
        loop {
            let next = window_after(&units, current.end);
            let (done, rest) = units.split_at_mut(current.end);
            let mut replay_and_report = || {
                for i in current.clone() {
                    replay.unit(done, i);
                }
                report(&mut done[current.clone()]);
            };
            let Some(next) = next else {
                replay_and_report();
                break;
            };
            let parse_next = || {
                analyze_window(
                    &mut rest[..next.len()],
                    &sessions[next.clone()],
                    placeholders,
                )
            };
            crate::threads::join(parse_next, replay_and_report);
            for i in next.clone() {
                inherit_include_markers(&mut units, i);
            }
            current = next;
        }
        // The schema model is freed while the caller reports.
        crate::threads::drop_on_pool(replay);
        units
    }
}

/// How many bytes of SQL [`Stream`] parses in parallel before replaying them: enough units to
/// keep every core busy, few enough that their facts stay small next to the schema model.
/// On the generated 5,000-file corpus, 128 KB (about 65 files) peaks 3 MB lower than 256 KB
/// and 9 MB lower than 1 MB, at the same CPU and wall time; 64 KB saves 0.5 MB more but
/// costs wall time.
const STREAM_WINDOW_BYTES: usize = 128 * 1024;

/// The window of units that starts at `start`: about [`STREAM_WINDOW_BYTES`] of SQL, an
/// up's down with it (the replay compares the two), and the files a unit includes (they
/// inherit its markers; they come right after it). `None` past the last unit.
fn window_after(units: &[AnalyzedMigration], start: usize) -> Option<std::ops::Range<usize>> {
    let len = units.len();
    if start >= len {
        return None;
    }
    let included_in_window = |i: usize| {
        units[i]
            .migration
            .included_by
            .is_some_and(|inclusion| inclusion.parent.index() >= start)
    };
    let (mut end, mut needed, mut bytes) = (start, start + 1, 0);
    while end < len && (end < needed || bytes < STREAM_WINDOW_BYTES || included_in_window(end)) {
        let m = &units[end].migration;
        bytes += m.range.len();
        if let Some(pair) = m.pair {
            needed = needed.max(pair.index() + 1).min(len);
        }
        end += 1;
    }
    Some(start..end)
}

/// Parse and analyse a window's units in parallel (`sessions`: theirs, see
/// [`parse::session_may_change_strings`]).
fn analyze_window(
    units: &mut [AnalyzedMigration],
    sessions: &[bool],
    placeholders: &PlaceholderValues,
) {
    let window: Vec<(&mut AnalyzedMigration, bool)> =
        units.iter_mut().zip(sessions.iter().copied()).collect();
    crate::threads::map(window, |(unit, session_changed)| {
        unit.analyze(placeholders, session_changed)
    });
}

impl AnalyzedMigration {
    /// A unit not analysed yet.
    fn pending(migration: Migration) -> AnalyzedMigration {
        AnalyzedMigration {
            migration,
            statements: Vec::new(),
            slimmed: Vec::new(),
            markers: Vec::new(),
            rollback: snapshot::UnitRollback::default(),
            placeholders: Vec::new(),
        }
    }

    /// Parse the unit and take each statement's facts (without the schema replay).
    fn analyze(&mut self, placeholders: &PlaceholderValues, session_changed: bool) {
        let migration = &self.migration;
        // Each statement's facts are taken as soon as it is parsed, so only a batch of
        // parse trees is alive at a time, even for a 30 MB file.
        let source = &migration.source;
        let parsed = parse::parse_migration_in_session(
            migration,
            placeholders,
            session_changed,
            |span, body, read| {
                statement_facts(source, span, read, &body, Vec::new(), migration.target)
            },
        );
        let mut statements: Vec<StatementFacts> = parsed
            .statements
            .into_iter()
            .map(|s| StatementFacts {
                markers: s.markers,
                ..s.body
            })
            .collect();
        if migration.target.dialect == Dialect::Postgres {
            prepared::resolve(&mut statements, migration.target);
        }
        let scopes = transaction::scopes(migration, &statements);
        for (s, scope) in statements.iter_mut().zip(scopes) {
            s.scope = scope;
            // MySQL and MariaDB commit every DDL implicitly: nothing is atomic.
            if migration.target.dialect.is_mysql_family() {
                s.scope = transaction::Scope::None;
            }
        }
        self.statements = statements;
        self.markers = parsed.markers;
        self.placeholders = parsed.placeholders;
    }

    /// Keep of each statement only what a report of findings reads (its position and
    /// markers), once the unit's rules ran, for runs whose output shows no statement facts
    /// ([`Outputs::statement_facts`]), nor the rollback plan; and the unit's text too when
    /// the report shows none ([`Outputs::source_text`]).
    pub fn slim(&mut self, outputs: Outputs) {
        // Read by the unit's rules (RS404, RS405) and by the rollback plan, which a report
        // without statement facts does not show.
        if !outputs.rollback_plan {
            self.rollback = snapshot::UnitRollback::default();
        }
        if !outputs.source_text {
            self.migration.source = self.migration.source.released();
        }
        // A fresh vector: collecting from `into_iter` would reuse (and keep) the facts' own
        // allocation, ten times the size.
        let mut slimmed = Vec::with_capacity(self.statements.len());
        slimmed.extend(std::mem::take(&mut self.statements).into_iter().map(|s| {
            StatementPosition {
                span: s.span,
                markers: s.markers.into_boxed_slice(),
            }
        }));
        self.slimmed = slimmed;
    }

    /// The unit, leaving in its place a hollow one without text, statements, markers or
    /// names (`hollow_source` stands for its file): for a run that hands each window's units
    /// to its report as soon as they are replayed. Nothing reads a unit after its window:
    /// an up's down and the files a unit includes share its window ([`Stream::run`]).
    pub fn take(&mut self, hollow_source: &Arc<SourceFile>) -> AnalyzedMigration {
        let m = &self.migration;
        let hollow = Migration {
            id: m.id,
            target: m.target,
            group: std::path::PathBuf::new(),
            source: hollow_source.clone(),
            range: m.range,
            layout: m.layout,
            direction: m.direction,
            version: None,
            name: String::new(),
            transaction: crate::discover::Transaction {
                mode: m.transaction.mode,
                reason: std::borrow::Cow::Borrowed(""),
            },
            pair: m.pair,
            change: m.change,
            included_by: m.included_by,
        };
        std::mem::replace(self, AnalyzedMigration::pending(hollow))
    }

    /// Every statement's position and markers, whether or not the unit was slimmed.
    pub fn positions(&self) -> Positions<'_> {
        Positions {
            statements: &self.statements,
            slimmed: &self.slimmed,
        }
    }
}

/// Where a statement is and the markers written on it: what a report of findings reads of a
/// statement once its unit's rules ran (32 bytes, a thirteenth of its [`StatementFacts`]),
/// which a run that streams keeps for every statement until the report is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementPosition {
    pub span: Span,
    /// Indexes into the unit's markers (see [`StatementFacts::markers`]).
    pub markers: Box<[usize]>,
}

/// A unit's statement positions: from its facts, or from what [`AnalyzedMigration::slim`]
/// kept of them (one of the two is empty).
#[derive(Debug, Clone, Copy)]
pub struct Positions<'a> {
    pub statements: &'a [StatementFacts],
    pub slimmed: &'a [StatementPosition],
}

impl<'a> Positions<'a> {
    pub fn len(self) -> usize {
        self.statements.len().max(self.slimmed.len())
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    pub fn span(self, index: usize) -> Option<Span> {
        match self.statements.get(index) {
            Some(s) => Some(s.span),
            None => self.slimmed.get(index).map(|s| s.span),
        }
    }

    /// The markers written on statement `index` (indexes into the unit's markers).
    pub fn markers(self, index: usize) -> &'a [usize] {
        match self.statements.get(index) {
            Some(s) => &s.markers,
            None => self.slimmed.get(index).map_or(&[], |s| &s.markers),
        }
    }

    /// The index of the statement written at `span`.
    pub fn at(self, span: Span) -> Option<usize> {
        (0..self.len()).find(|&i| self.span(i) == Some(span))
    }
}

/// A file read by a psql include runs where the `\i` line is: the markers that cover that line
/// (its own and the file-scoped ones, inherited ones included) cover the whole included file.
/// Includers come before what they include, so markers pass down any depth.
fn inherit_include_markers(analyzed: &mut [AnalyzedMigration], i: usize) {
    let Some(inclusion) = analyzed[i].migration.included_by else {
        return;
    };
    let Some(parent) = analyzed
        .get(inclusion.parent.index())
        .filter(|_| inclusion.parent.index() < i)
    else {
        return;
    };
    let positions = parent.positions();
    let own: &[usize] = positions
        .at(inclusion.at)
        .map_or(&[], |i| positions.markers(i));
    let inherited: Vec<Marker> = parent
        .markers
        .iter()
        .enumerate()
        .filter(|(j, m)| m.file_scope || own.contains(j))
        .map(|(_, m)| Marker {
            file_scope: true,
            covers: None,
            inherited: true,
            ..m.clone()
        })
        .collect();
    analyzed[i].markers.extend(inherited);
}

/// Everything rollsafe knows about one statement.
#[derive(Debug, Clone)]
pub struct StatementFacts {
    pub span: Span,
    pub start: LineCol,
    pub end: LineCol,
    /// `CREATE INDEX`, `ALTER TABLE`, `psql \set`, ...
    pub kind: String,
    /// False when rollsafe does not know this kind of statement.
    pub known: bool,
    /// Boxed, like the other parts most statements lack: facts stay small (one per statement,
    /// all alive until the report is written).
    pub syntax_error: Option<Box<SyntaxError>>,
    pub phase: Phase,
    /// Can destroy data that a down migration cannot bring back.
    pub destructive: bool,
    pub changes: Vec<Change>,
    /// The phase and destructiveness of each change (same order as `changes`), so a finding
    /// about a multi-action statement names the action that decides it.
    pub change_phases: Vec<(Phase, bool)>,
    /// Where each action of a multi-action `ALTER TABLE` is written: `action_spans[i]` is the
    /// span of `changes[i]` (empty when the statement is one action, or the actions could not
    /// be told apart).
    pub action_spans: Vec<Span>,
    /// Strongest lock per relation, in the order first taken.
    pub locks: Vec<LockFact>,
    /// Relations rewritten (every row copied) while locked.
    pub rewrites: Vec<TableWork>,
    /// Relations fully scanned while locked.
    pub scans: Vec<TableWork>,
    pub idempotent: bool,
    /// False when PostgreSQL refuses to run it inside a transaction block.
    pub transactional: bool,
    pub non_transactional_reason: Option<&'static str>,
    /// Relations this statement touches that were created earlier in the same change (so
    /// nobody else can be blocked by their locks). Sorted (see `locks::new_relations`).
    pub new_relations: Vec<String>,
    /// Relations this statement locks that are partitioned tables (with partitions the replay
    /// knows), where some statements (`CREATE INDEX CONCURRENTLY`) are refused.
    pub partitioned: Vec<String>,
    /// (table, column) pairs of `SET NOT NULL` whose column a validated `CHECK (col IS NOT
    /// NULL)` already proves non-null.
    pub not_null_proven: Vec<(String, String)>,
    /// What `DROP ... CASCADE` drops besides the objects it names (dependent views, foreign
    /// keys, columns of a dropped type), as far as the schema replay knows them.
    pub cascade: Vec<Cascaded>,
    /// Indices into the migration's markers that cover this statement.
    pub markers: Vec<usize>,
    /// The transaction it runs in (set once the whole unit is parsed).
    pub scope: transaction::Scope,
    /// What procedural code it runs (a `DO` block's statements, and in the replay the bodies
    /// of the functions it calls and the triggers it fires): their changes are in `changes`.
    /// Boxed and absent for the common statement without any, so facts stay small (see
    /// [`StatementFacts::body`]).
    pub procedural: Option<Box<Body>>,
    /// The function, procedure, trigger or table code it defines for later statements.
    pub definition: Option<Box<Definition>>,
    /// MySQL/MariaDB: the online-DDL algorithm and lock of an ALTER (completed in the replay).
    pub online: Option<Box<mysql::OnlineDdl>>,
    /// SQLite: what SQLite refuses, and the table rebuild a statement belongs to.
    pub sqlite: Option<Box<sqlite::SqliteFacts>>,
}

/// The body of a statement that runs no procedural code.
static NO_BODY: Body = Body {
    statements: Vec::new(),
    calls: Vec::new(),
    opaque: Vec::new(),
    definitions: Vec::new(),
};

impl StatementFacts {
    /// The facts of a statement that does nothing rollsafe knows of yet.
    fn blank(span: Span, start: LineCol, end: LineCol, markers: Vec<usize>) -> StatementFacts {
        StatementFacts {
            span,
            start,
            end,
            kind: String::new(),
            known: true,
            syntax_error: None,
            phase: Phase::Neutral,
            destructive: false,
            changes: Vec::new(),
            change_phases: Vec::new(),
            action_spans: Vec::new(),
            locks: Vec::new(),
            rewrites: Vec::new(),
            scans: Vec::new(),
            idempotent: true,
            transactional: true,
            non_transactional_reason: None,
            new_relations: Vec::new(),
            partitioned: Vec::new(),
            not_null_proven: Vec::new(),
            cascade: Vec::new(),
            markers,
            scope: transaction::Scope::None,
            procedural: None,
            definition: None,
            online: None,
            sqlite: None,
        }
    }

    /// Give back the spare capacity of what was built by pushing: every statement's facts stay
    /// alive until the report is written, and a `Vec` grown by `push` holds room for four
    /// changes (800 bytes) where most statements make one.
    pub fn shrink(&mut self) {
        for change in &mut self.changes {
            change.shrink();
        }
        self.changes.shrink_to_fit();
        self.change_phases.shrink_to_fit();
        self.action_spans.shrink_to_fit();
        self.locks.shrink_to_fit();
        self.rewrites.shrink_to_fit();
        self.scans.shrink_to_fit();
        self.new_relations.shrink_to_fit();
        self.partitioned.shrink_to_fit();
        self.not_null_proven.shrink_to_fit();
        self.cascade.shrink_to_fit();
    }

    /// What procedural code the statement runs (empty for most statements).
    pub fn body(&self) -> &Body {
        self.procedural.as_deref().unwrap_or(&NO_BODY)
    }

    /// What the statement defines for later statements, if anything.
    pub fn definition(&self) -> Option<&Definition> {
        self.definition.as_deref()
    }

    pub fn is_psql_meta(&self) -> bool {
        self.kind.starts_with("psql ")
    }

    /// Where `change` is written: the inner statement of a `DO` block or a function body that
    /// makes it, or the statement itself.
    pub fn span_of(&self, change: &Change) -> Span {
        if let Some(inner) = self.inner_of(change) {
            return inner.span;
        }
        self.changes
            .iter()
            .position(|c| c == change)
            .and_then(|i| self.action_spans.get(i))
            .copied()
            .unwrap_or(self.span)
    }

    /// The kind of statement that makes `change`: the inner statement's, or the statement's.
    pub fn kind_of(&self, change: &Change) -> &str {
        self.inner_of(change).map_or(&self.kind, |s| &s.kind)
    }

    /// The statement inside procedural code that makes `change`, if it is not the statement
    /// itself.
    pub fn inner_of(&self, change: &Change) -> Option<&procedural::InnerStatement> {
        self.body()
            .statements
            .iter()
            .find(|s| s.changes.contains(change))
    }

    /// Whether `relation` was created earlier in this change.
    pub fn is_new(&self, relation: &str) -> bool {
        self.new_relations
            .binary_search_by(|r| r.as_str().cmp(relation))
            .is_ok()
    }

    /// Whether every relation the statement acts on (the table it alters, drops, renames or
    /// truncates, not the tables it locks on the side, such as a foreign key's target) was
    /// created earlier in this change. False when it acts on no relation.
    pub fn acts_only_on_new(&self) -> bool {
        let mut subjects = self.changes.iter().flat_map(|c| -> Vec<&str> {
            match c {
                Change::Drop { names, .. } => names.iter().map(String::as_str).collect(),
                Change::Rename {
                    object:
                        ObjectKind::Table
                        | ObjectKind::View
                        | ObjectKind::MaterializedView
                        | ObjectKind::Sequence
                        | ObjectKind::Index
                        | ObjectKind::ForeignTable,
                    from,
                    ..
                }
                | Change::SetSchema {
                    object:
                        ObjectKind::Table
                        | ObjectKind::View
                        | ObjectKind::MaterializedView
                        | ObjectKind::Sequence
                        | ObjectKind::ForeignTable,
                    name: from,
                    ..
                } => vec![from.as_str()],
                Change::Rename {
                    relation: Some(r), ..
                } => vec![r.as_str()],
                Change::AlterTable { table, .. }
                | Change::Delete { table, .. }
                | Change::Insert { table, .. }
                | Change::Update { table, .. } => vec![table.as_str()],
                Change::Truncate { tables } => tables.iter().map(String::as_str).collect(),
                Change::CreateIndex { table, .. } => vec![table.as_str()],
                // Creating acts on nothing that exists (inside a DO block, next to the
                // statements that use what it creates).
                Change::CreateTable { .. } | Change::Create { on_table: None, .. } => Vec::new(),
                // What a statement reads is not what it acts on; a SELECT or SHOW itself acts on
                // nothing (what a function it calls does is in the changes after it).
                Change::Read { .. } | Change::Other => Vec::new(),
                _ => vec![""],
            }
        });
        // Procedural code can create a relation and act on it within one statement.
        let created_here: Vec<&str> = self
            .body()
            .statements
            .iter()
            .flat_map(|s| &s.changes)
            .filter_map(|c| match c {
                Change::CreateTable { table, .. } => Some(table.as_str()),
                Change::Create { name, .. } => Some(name.as_str()),
                Change::CreateIndex {
                    index: Some(index), ..
                } => Some(index.as_str()),
                _ => None,
            })
            .collect();
        let mut any = false;
        let all_new = subjects.all(|r| {
            any = true;
            !r.is_empty() && (self.is_new(r) || created_here.contains(&r))
        });
        // What CASCADE reaches counts too: dropping a new sequence takes the default away from
        // an existing column.
        any && all_new && self.cascade.iter().all(|c| self.is_new(c.relation()))
    }

    /// Columns this statement adds to tables that existed before the change, with the table.
    pub fn columns_added_to_existing(&self) -> impl Iterator<Item = (&str, &ColumnSpec, &Change)> {
        self.changes.iter().filter_map(move |change| match change {
            Change::AlterTable {
                table,
                cmd: TableCmd::AddColumn { column, .. },
            } if !self.is_new(table) => Some((table.as_str(), &**column, change)),
            _ => None,
        })
    }

    /// Constraints this statement adds to tables that existed before the change: `ADD
    /// CONSTRAINT`, and the inline constraints of `ADD COLUMN` (with the column's name).
    pub fn constraints_added_to_existing(&self) -> impl Iterator<Item = AddedConstraint<'_>> {
        self.changes.iter().flat_map(move |change| {
            let (table, constraints, column): (&str, &[ConstraintSpec], Option<&str>) = match change
            {
                Change::AlterTable {
                    table,
                    cmd: TableCmd::AddConstraint(c),
                } if !self.is_new(table) => (table, std::slice::from_ref(c), None),
                Change::AlterTable {
                    table,
                    cmd: TableCmd::AddColumn { column, .. },
                } if !self.is_new(table) => {
                    (table, &column.constraints, Some(column.name.as_str()))
                }
                _ => ("", &[], None),
            };
            constraints.iter().map(move |constraint| AddedConstraint {
                table,
                constraint,
                column,
                change,
            })
        })
    }

    /// A data change that writes a whole existing table in one statement (RS115; RS113 leaves
    /// it to that rule).
    pub fn unbatched_backfill(&self) -> Option<Backfill<'_>> {
        self.changes.iter().find_map(|c| match c {
            Change::Update {
                table,
                has_where: false,
                ..
            } if !self.is_new(table) => Some(Backfill::Update(table)),
            Change::Insert {
                table,
                from_query: true,
                ..
            } if !self.is_new(table) => Some(Backfill::InsertSelect(table)),
            _ => None,
        })
    }

    /// The strongest lock this statement takes on a relation that existed before the change.
    pub fn strongest_lock_on_existing(&self) -> Option<&LockFact> {
        // The first of equally strong locks: the statement's own table comes before the
        // relations it locks as a side effect (partitions, referenced tables).
        self.locks
            .iter()
            .filter(|l| !self.is_new(&l.relation))
            .rev()
            .max_by_key(|l| l.mode)
    }
}

/// A full-table data change (see [`StatementFacts::unbatched_backfill`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backfill<'a> {
    /// `UPDATE` without a `WHERE` (or with `WHERE true`) of the table.
    Update(&'a str),
    /// `INSERT INTO table SELECT ...`.
    InsertSelect(&'a str),
}

/// A constraint added to an existing table (see [`StatementFacts::constraints_added_to_existing`]).
pub struct AddedConstraint<'a> {
    pub table: &'a str,
    pub constraint: &'a ConstraintSpec,
    /// The column whose `ADD COLUMN` carries it inline, if any.
    pub column: Option<&'a str>,
    /// The change that adds it (for its position inside procedural code).
    pub change: &'a Change,
}

/// Facts for one statement, without the schema (that comes in the replay).
/// `read` is the statement's text as the parser read it: the file's, with the tool's
/// placeholders substituted.
pub fn statement_facts(
    source: &SourceFile,
    span: Span,
    read: &str,
    body: &StatementBody,
    markers: Vec<usize>,
    target: Target,
) -> StatementFacts {
    let mut facts = StatementFacts::blank(
        span,
        source.line_col(span.start),
        source.line_col(span.end),
        markers,
    );
    match body {
        StatementBody::SyntaxError(e) => {
            facts.kind = "syntax error".into();
            facts.known = false;
            facts.syntax_error = Some(Box::new(e.clone()));
        }
        StatementBody::PsqlMeta(text) => {
            let command = text.split_whitespace().next().unwrap_or("\\");
            facts.kind = format!("psql {command}");
            // `\gexec` runs every cell of the query's result as SQL: nothing rollsafe can see.
            if command == "\\gexec" {
                facts.changes.push(Change::Opaque);
                refresh_derived(&mut facts, target);
            }
        }
        StatementBody::Sql(SqlTree::Postgres(node)) => {
            let c = postgres::classify::classify(node);
            facts.kind = c.kind;
            facts.known = c.known;
            facts.changes = c.changes;
            facts.action_spans = postgres::actions::of(node, source.slice(span), span.start);
            let procedural = postgres::plpgsql::read(node, source, span, read);
            facts.definition = procedural.definition.map(Box::new);
            absorb(&mut facts, procedural.body);
            refresh_derived(&mut facts, target);
        }
        StatementBody::Sql(SqlTree::Mysql(statement)) => {
            let c = mysql::classify::classify(statement);
            facts.kind = c.kind;
            facts.known = c.known;
            facts.changes = c.changes;
            let text = source.text.get(span.start..span.end).unwrap_or("");
            facts.online = c
                .online
                .map(|(table, ops)| Box::new(mysql::OnlineDdl::new(table, ops, text)));
            refresh_derived(&mut facts, target);
        }
        StatementBody::Sql(SqlTree::MysqlRoutine(r)) => {
            facts.kind = format!("CREATE {}", r.kind);
            facts.changes = vec![Change::Create {
                object: match r.kind.as_str() {
                    "TRIGGER" => ObjectKind::Trigger,
                    "PROCEDURE" => ObjectKind::Procedure,
                    "FUNCTION" => ObjectKind::Function,
                    _ => ObjectKind::Other,
                },
                name: r.name.clone(),
                on_table: r.on_table.clone(),
                if_not_exists: r.if_not_exists,
                or_replace: r.or_replace,
            }];
            refresh_derived(&mut facts, target);
        }
        StatementBody::Sql(SqlTree::Sqlite(statement)) => {
            let (c, sq) = sqlite::classify(statement, target);
            facts.kind = c.kind;
            facts.known = c.known;
            facts.changes = c.changes;
            facts.sqlite = Some(Box::new(sq));
            refresh_derived(&mut facts, target);
        }
    }
    facts.shrink();
    facts
}

/// Add what procedural code runs to a statement: its inner statements' changes join the
/// statement's own, and code that stays opaque is marked with [`Change::Opaque`] (once).
pub fn absorb(facts: &mut StatementFacts, body: Body) {
    for s in &body.statements {
        facts.changes.extend(s.changes.iter().cloned());
    }
    if !body.opaque.is_empty() && !facts.changes.contains(&Change::Opaque) {
        facts.changes.push(Change::Opaque);
    }
    if body.is_empty() {
        return;
    }
    let mine = facts.procedural.get_or_insert_with(Default::default);
    mine.statements.extend(body.statements);
    mine.calls.extend(body.calls);
    mine.opaque.extend(body.opaque);
    mine.definitions.extend(body.definitions);
}

/// Recompute phase, destructiveness, idempotency and transactionality from `changes`.
pub fn refresh_derived(facts: &mut StatementFacts, target: Target) {
    facts.phase = Phase::Neutral;
    facts.destructive = false;
    facts.idempotent = true;
    facts.transactional = true;
    facts.non_transactional_reason = None;
    facts.change_phases.clear();
    for change in &facts.changes {
        let (p, d) = phase::change_phase(change);
        facts.change_phases.push((p, d));
        facts.phase = facts.phase.max(p);
        facts.destructive |= d;
        // A guarded statement in procedural code succeeds when re-run, whatever its form.
        facts.idempotent &=
            phase::change_idempotent(change) || facts.inner_of(change).is_some_and(|s| s.guarded);
        if let Some(reason) = match target.dialect {
            Dialect::Postgres => {
                postgres::transactional::non_transactional_reason(change, target.version)
            }
            // MySQL's DDL commits implicitly instead (see `analyze`); SQLite's DDL is
            // transactional.
            Dialect::Mysql | Dialect::Mariadb | Dialect::Sqlite => None,
        } {
            facts.transactional = false;
            facts.non_transactional_reason = Some(reason);
        }
    }
}
