//! `rollsafe plan`: the rollback runbook. Per migration, in apply order: its phase and rollout
//! step, the locks its statements take, how to roll it back (one strategy, with the SQL in
//! order) and validation queries that prove the rollback worked, and the pre-deploy checklist
//! items it still lacks. Everything comes from the lint [`Report`]; nothing is re-analysed.

pub mod render_human;
pub mod render_json;
pub mod render_markdown;

use serde::Serialize;

use crate::analyze::inverse::{Inverse, Step};
use crate::analyze::{LockFact, Phase, StatementFacts, TableWork};
use crate::discover::Direction;
use crate::parse::markers::Date;
use crate::parse::{Marker, MarkerKind};
use crate::rules::{Report, UnitReport};

/// The JSON schema version of `plan --format json`.
pub const JSON_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// The down exists and RS405 found it exact.
    DownMigration,
    /// No usable down, but rollsafe wrote an inverse for every step.
    GeneratedInverse,
    /// A step cannot be undone by SQL (it lost data, or rollsafe cannot write its inverse).
    RestoreFromBackup,
    /// Nothing to undo.
    NoneNeeded,
}

impl Strategy {
    pub fn name(self) -> &'static str {
        match self {
            Strategy::DownMigration => "down-migration",
            Strategy::GeneratedInverse => "generated-inverse",
            Strategy::RestoreFromBackup => "restore-from-backup",
            Strategy::NoneNeeded => "none-needed",
        }
    }
}

/// Where a migration sits in the rollout: expand → deploy (flag off) → enable → observe →
/// contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "step")]
pub enum Rollout {
    /// Before the deploy: additive only.
    Expand,
    /// Data changes, after the expand step and with the new code deployed (flag off).
    Migrate,
    /// After the compatibility window (`after=`, when the marker gives one).
    Contract { after: Option<String> },
    /// No schema effect: any time.
    Neutral,
}

impl Rollout {
    pub fn describe(&self) -> String {
        match self {
            Rollout::Expand => "expand: before the deploy (backward compatible)".into(),
            Rollout::Migrate => {
                "migrate: after the expand step, with the new code deployed behind its flag".into()
            }
            Rollout::Contract { after: Some(d) } => {
                format!("contract: after the compatibility window, not before {d}")
            }
            Rollout::Contract { after: None } => {
                "contract: after the compatibility window (no after= date given)".into()
            }
            Rollout::Neutral => "neutral: no schema effect".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StatementPlan {
    pub line: usize,
    pub kind: String,
    pub phase: Phase,
    pub locks: Vec<LockFact>,
    pub rewrites: Vec<TableWork>,
    pub scans: Vec<TableWork>,
    /// False: must run outside a transaction block.
    pub transactional: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlanStep {
    pub sql: String,
    pub transactional: bool,
}

/// A step that only a restore or a backfill can undo.
#[derive(Debug, Clone, Serialize)]
pub struct Irreversible {
    pub line: usize,
    pub why: String,
    pub loses_data: bool,
    /// The marker's `recovery=`, when it gives one.
    pub recovery: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rollback {
    pub strategy: Strategy,
    /// In the order to run them.
    pub statements: Vec<PlanStep>,
    /// The down migration this strategy runs, when it is `down-migration`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub down: Option<String>,
    pub irreversible: Vec<Irreversible>,
    /// What the rollback leaves in place (rows written, enum values).
    pub kept: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BreakGlassStep {
    pub line: usize,
    pub incident: Option<String>,
    pub follow_up: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MigrationPlan {
    pub path: String,
    pub version: Option<String>,
    pub name: String,
    pub layout: &'static str,
    pub phase: Phase,
    pub rollout: Rollout,
    pub in_transaction: bool,
    pub statements: Vec<StatementPlan>,
    pub rollback: Rollback,
    /// Single-row, single-boolean `SELECT`s: all true once the rollback is done.
    pub validation: Vec<String>,
    /// Pre-deploy checklist items this migration still lacks.
    pub checklist: Vec<String>,
    pub break_glass: Vec<BreakGlassStep>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub version: u32,
    pub migrations: Vec<MigrationPlan>,
}

/// The plan for every up (and repeatable) migration of a report, in apply order.
pub fn build(report: &Report) -> Plan {
    Plan {
        version: JSON_VERSION,
        migrations: report
            .units
            .iter()
            .filter(|u| matches!(u.migration.direction, Direction::Up | Direction::Repeatable))
            .map(migration)
            .collect(),
    }
}

fn markers_for<'a>(
    unit: &'a UnitReport,
    s: &'a StatementFacts,
) -> impl Iterator<Item = &'a Marker> {
    unit.markers
        .iter()
        .enumerate()
        .filter(move |(i, m)| m.file_scope || s.markers.contains(i))
        .map(|(_, m)| m)
}

/// The plan of one up migration.
pub fn migration(unit: &UnitReport) -> MigrationPlan {
    let m = &unit.migration;
    let phase = unit
        .statements
        .iter()
        .map(|s| s.phase)
        .max()
        .unwrap_or(Phase::Neutral);
    let after: Option<Date> = unit
        .statements
        .iter()
        .filter(|s| s.phase == Phase::Contract)
        .flat_map(|s| markers_for(unit, s))
        .filter_map(Marker::after)
        .max();
    let rollout = match phase {
        Phase::Expand => Rollout::Expand,
        Phase::Migrate => Rollout::Migrate,
        Phase::Contract => Rollout::Contract {
            after: after.map(|d| d.to_string()),
        },
        Phase::Neutral => Rollout::Neutral,
    };
    let statements = unit
        .statements
        .iter()
        .filter(|s| !s.is_psql_meta() && s.syntax_error.is_none())
        .map(|s| StatementPlan {
            line: s.start.line,
            kind: s.kind.clone(),
            phase: s.phase,
            locks: s.locks.clone(),
            rewrites: s.rewrites.clone(),
            scans: s.scans.clone(),
            transactional: s.transactional,
        })
        .collect();
    let (rollback, validation) = rollback(unit);
    MigrationPlan {
        path: m.source.display_path(),
        version: m.version.clone(),
        name: m.name.clone(),
        layout: m.layout.name(),
        phase,
        rollout,
        in_transaction: m.transaction.wrapped(),
        statements,
        rollback,
        validation,
        checklist: checklist(unit),
        break_glass: break_glass(unit),
    }
}

fn rollback(unit: &UnitReport) -> (Rollback, Vec<String>) {
    let inverses = &unit.rollback.inverses;
    let mut seen = std::collections::HashSet::new();
    let validation: Vec<String> = inverses
        .iter()
        .rev()
        .flat_map(|i| &i.validation)
        .filter(|v| seen.insert(v.as_str()))
        .cloned()
        .collect();
    let mut irreversible = Vec::new();
    let mut kept = Vec::new();
    let mut generated: Vec<PlanStep> = Vec::new();
    for (s, inv) in unit.statements.iter().zip(inverses).rev() {
        match &inv.inverse {
            Inverse::Nothing => {}
            Inverse::Steps(steps) => generated.extend(steps.iter().map(plan_step)),
            Inverse::Kept(what) => kept.push(format!("line {}: {what}", s.start.line)),
            Inverse::Irreversible { why, loses_data } => irreversible.push(Irreversible {
                line: s.start.line,
                why: why.clone(),
                loses_data: *loses_data,
                recovery: markers_for(unit, s)
                    .filter(|m| {
                        matches!(m.kind, Some(MarkerKind::Contract | MarkerKind::BreakGlass))
                    })
                    .find_map(|m| m.recovery().map(|r| r.to_string())),
            }),
        }
    }
    irreversible.reverse();
    kept.reverse();
    let exact_down = unit.rollback.down.as_ref().filter(|d| d.differences == 0);
    let (strategy, statements, down) = if let Some(d) = exact_down {
        (
            Strategy::DownMigration,
            d.statements.iter().map(plan_step).collect(),
            Some(crate::source::display_path(&d.path)),
        )
    } else if !irreversible.is_empty() {
        (Strategy::RestoreFromBackup, Vec::new(), None)
    } else if generated.is_empty() {
        (Strategy::NoneNeeded, Vec::new(), None)
    } else {
        (Strategy::GeneratedInverse, generated, None)
    };
    (
        Rollback {
            strategy,
            statements,
            down,
            irreversible,
            kept,
        },
        validation,
    )
}

fn plan_step(s: &Step) -> PlanStep {
    PlanStep {
        sql: s.sql.clone(),
        transactional: s.transactional,
    }
}

fn checklist(unit: &UnitReport) -> Vec<String> {
    let mut out = Vec::new();
    for s in &unit.statements {
        let line = s.start.line;
        let markers: Vec<&Marker> = markers_for(unit, s).collect();
        let approving = || {
            markers
                .iter()
                .filter(|m| matches!(m.kind, Some(MarkerKind::Contract | MarkerKind::BreakGlass)))
        };
        if s.phase == Phase::Contract && !s.acts_only_on_new() {
            if approving().next().is_none() {
                out.push(format!("line {line}: {} has no contract marker", s.kind));
            } else if !approving().any(|m| m.after().is_some()) {
                out.push(format!(
                    "line {line}: contract step {} has no after= compatibility window",
                    s.kind
                ));
            }
        }
        if s.destructive && !s.acts_only_on_new() && !approving().any(|m| m.recovery().is_some()) {
            out.push(format!(
                "line {line}: {} loses data and names no recovery= path",
                s.kind
            ));
        }
        if !s.transactional && unit.migration.transaction.wrapped() {
            out.push(format!(
                "line {line}: {} cannot run inside a transaction, but {}",
                s.kind, unit.migration.transaction.reason
            ));
        }
    }
    if let Some(d) = &unit.rollback.down
        && d.differences > 0
    {
        out.push(format!(
            "the down migration {} does not undo this migration ({} difference{}, RS405)",
            crate::source::display_path(&d.path),
            d.differences,
            if d.differences == 1 { "" } else { "s" }
        ));
    }
    if unit.rollback.down.is_none()
        && unit.rollback.expects_down
        && unit
            .statements
            .iter()
            .any(|s| matches!(s.phase, Phase::Expand | Phase::Contract))
    {
        out.push("no down migration (RS404)".to_string());
    }
    out
}

fn break_glass(unit: &UnitReport) -> Vec<BreakGlassStep> {
    unit.markers
        .iter()
        .filter(|m| m.kind == Some(MarkerKind::BreakGlass))
        .map(|m| BreakGlassStep {
            line: unit.migration.source.line_col(m.span.start).line,
            incident: m.get("incident").map(str::to_string),
            follow_up: m.get("follow-up").map(str::to_string),
        })
        .collect()
}
