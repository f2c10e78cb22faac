//! The pipeline, in one direction: discover → parse → analyze (parallel per unit) → schema replay
//! (sequential, in migration order) → rules → suppressions. Output formatting is `report`'s job.

use std::collections::HashSet;
use std::path::PathBuf;

use rayon::prelude::*;

use crate::analyze::snapshot::{self, UnitRollback};
use crate::analyze::{self, Change, Phase, StatementFacts, TableCmd, locks, schema::Schema};
use crate::config::{Config, RuleLevel, Severity};
use crate::discover::{Direction, InputProblem, Migration, MigrationSet};
use crate::parse::markers::Date;
use crate::parse::{self, Marker, MarkerKind};
use crate::rules::contract::{self, Approval};
use crate::rules::{self, Code, Context, Diagnostic};
use crate::source::LineCol;

pub struct Options {
    pub today: Date,
    pub pg_version: u32,
    /// Units (by file path) that are new in this change; `None` means each unit is its own
    /// change (objects created in the same unit are new).
    pub changed_files: Option<HashSet<PathBuf>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuppressionKind {
    Contract,
    Allow,
    BreakGlass,
}

#[derive(Debug, Clone)]
pub struct Suppression {
    pub kind: SuppressionKind,
    pub justification: String,
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub diagnostic: Diagnostic,
    pub severity: Severity,
    pub start: LineCol,
    pub end: LineCol,
    pub suppression: Option<Suppression>,
}

impl Finding {
    pub fn code(&self) -> Code {
        self.diagnostic.code
    }
    pub fn is_suppressed(&self) -> bool {
        self.suppression.is_some()
    }
}

pub struct UnitReport {
    pub migration: Migration,
    pub statements: Vec<StatementFacts>,
    pub markers: Vec<Marker>,
    pub findings: Vec<Finding>,
    /// Generated inverses (up units) and the down-migration comparison (down units).
    pub rollback: UnitRollback,
}

pub struct ProblemReport {
    pub problem: InputProblem,
    pub finding_message: String,
    pub severity: Severity,
}

pub struct Report {
    pub units: Vec<UnitReport>,
    pub problems: Vec<ProblemReport>,
}

pub fn lint(set: MigrationSet, config: &Config, options: &Options) -> Report {
    lint_with_changes(set, config, options, None)
}

/// [`lint`], with what changed since a git revision (`check --diff-base`) for the rules that look
/// across migrations (RS401, RS402). `changes.units` is in the order of `set.units`.
pub fn lint_with_changes(
    set: MigrationSet,
    config: &Config,
    options: &Options,
    changes: Option<&crate::changes::Changes>,
) -> Report {
    let pg = options.pg_version;
    // Parse and per-statement facts: independent per unit, in parallel.
    let mut units: Vec<UnitReport> = set
        .units
        .into_par_iter()
        .map(|migration| {
            // Each statement's facts are taken as soon as it is parsed, so only a batch of
            // parse trees is alive at a time, even for a 30 MB file.
            let source = &migration.source;
            let parsed = parse::parse_migration_with(&migration, |span, body| {
                analyze::statement_facts(source, span, &body, Vec::new(), pg)
            });
            let statements = parsed
                .statements
                .into_iter()
                .map(|s| StatementFacts {
                    markers: s.markers,
                    ..s.body
                })
                .collect();
            UnitReport {
                migration,
                statements,
                markers: parsed.markers,
                findings: Vec::new(),
                rollback: UnitRollback::default(),
            }
        })
        .collect();

    replay(&mut units, options);
    let across = crate::changes::check_set(&units, config, changes);

    units.par_iter_mut().zip(across).for_each(|(unit, across)| {
        let ctx = Context {
            unit: &unit.migration,
            statements: &unit.statements,
            markers: &unit.markers,
            config,
            today: options.today,
            pg_version: pg,
            rollback: &unit.rollback,
        };
        let mut diagnostics = rules::check(&ctx);
        diagnostics.extend(across);
        let mut findings: Vec<Finding> = diagnostics
            .into_iter()
            .filter_map(|d| finding(d, &ctx))
            .collect();
        findings.sort_by_key(|f| (f.diagnostic.span.start, f.diagnostic.code));
        unit.findings = findings;
    });

    let problems = set
        .problems
        .into_iter()
        .filter_map(|problem| {
            let severity = severity_for(Code::E002, config)?;
            Some(ProblemReport {
                finding_message: format!("cannot lint this file: {}", problem.message),
                problem,
                severity,
            })
        })
        .collect();
    Report { units, problems }
}

/// Sequential schema replay in migration order: lock facts that depend on the schema, which
/// relations are new in this change, and widening type changes.
fn replay(units: &mut [UnitReport], options: &Options) {
    // Each group (migration folder) is its own database history.
    let mut schemas: std::collections::HashMap<PathBuf, Schema> = std::collections::HashMap::new();
    let changed: Vec<bool> = units
        .iter()
        .map(|u| {
            options
                .changed_files
                .as_ref()
                .is_some_and(|set| set.contains(&u.migration.source.path))
        })
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
        for facts in &mut unit.statements {
            let analysis = locks::analyze(&facts.changes, schema, options.pg_version);
            facts.new_relations = locks::new_relations(&analysis.locks, schema, &is_new);
            // Creating a table makes it new for the statements after it.
            facts.locks = analysis.locks;
            facts.rewrites = analysis.rewrites;
            facts.scans = analysis.scans;
            refine_phase(facts, schema, options.pg_version);
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
fn flyway_undo_groups(units: &[UnitReport]) -> std::collections::HashSet<PathBuf> {
    units
        .iter()
        .filter(|u| {
            u.migration.layout == crate::discover::Layout::Flyway
                && u.migration.direction == Direction::Down
        })
        .map(|u| u.migration.group.clone())
        .collect()
}

/// Before an up changes the model: replay it and its down against a copy of the objects they
/// touch (see `analyze::snapshot`), keeping the generated inverses on the up and the
/// comparison on the down.
fn rollback_before_up(
    units: &mut [UnitReport],
    index: usize,
    schema: &Schema,
    flyway_undo: &std::collections::HashSet<PathBuf>,
) {
    if !matches!(
        units[index].migration.direction,
        Direction::Up | Direction::Repeatable
    ) {
        return;
    }
    let down = units[index].migration.pair.filter(|&j| {
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
fn refine_phase(facts: &mut StatementFacts, schema: &Schema, pg: u32) {
    let widening = facts.changes.iter().any(|c| {
        matches!(c, Change::AlterTable { table, cmd: TableCmd::AlterColumnType { column, type_name, .. } }
            if locks::is_widening(table, column, type_name, schema))
    });
    if widening {
        analyze::refresh_derived(facts, pg);
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

fn severity_for(code: Code, config: &Config) -> Option<Severity> {
    match config.rules.get(code.as_str()) {
        Some(RuleLevel::Off) => None,
        Some(RuleLevel::Info) => Some(Severity::Info),
        Some(RuleLevel::Warning) => Some(Severity::Warning),
        Some(RuleLevel::Error) => Some(Severity::Error),
        None => Some(code.rule().severity),
    }
}

/// Attach severity, position and the suppression a marker grants, if any.
fn finding(d: Diagnostic, ctx: &Context) -> Option<Finding> {
    let severity = severity_for(d.code, ctx.config)?;
    let source = &ctx.unit.source;
    let suppression = d.statement.and_then(|i| suppression(&d, i, ctx));
    Some(Finding {
        start: source.line_col(d.span.start),
        end: source.line_col(d.span.end),
        diagnostic: d,
        severity,
        suppression,
    })
}

fn suppression(d: &Diagnostic, index: usize, ctx: &Context) -> Option<Suppression> {
    // Break-glass lets everything through but is itself always reported (RS006).
    let markers: Vec<&Marker> = ctx
        .markers_for(index)
        .filter(|m| m.problems.is_empty())
        .collect();
    if d.code != Code::RS006
        && let Some(m) = markers.iter().find(|m| {
            // An incomplete break-glass (RS004) lets nothing through.
            m.kind == Some(MarkerKind::BreakGlass)
                && contract::break_glass_problems(m, &ctx.config.contract).is_empty()
        })
    {
        return Some(Suppression {
            kind: SuppressionKind::BreakGlass,
            justification: m.justification(),
        });
    }
    if d.code == Code::RS001
        && let Some(m) = markers.iter().find(|m| {
            contract::is_contract(m)
                && contract::approval(m, &ctx.config.contract, ctx.today) == Approval::Approved
        })
    {
        return Some(Suppression {
            kind: SuppressionKind::Contract,
            justification: m.justification(),
        });
    }
    if matches!(
        d.code,
        Code::RS001 | Code::RS003 | Code::RS004 | Code::RS006 | Code::RS406
    ) {
        return None;
    }
    markers
        .iter()
        .find(|m| {
            m.kind == Some(MarkerKind::Allow)
                && m.get("reason").is_some()
                && m.codes
                    .iter()
                    .any(|(c, _)| Code::parse(c.trim_end_matches(',')) == Some(d.code))
        })
        .map(|m| Suppression {
            kind: SuppressionKind::Allow,
            justification: m.justification(),
        })
}
