//! Rules: one file per rule, each a small pure function from facts to diagnostics. A rule's
//! user documentation lives in `rules/<CODE>.md` at the top of the repository and is embedded in
//! the binary: it is the single source for `rollsafe explain`, SARIF help and the README table.

pub mod contract;
mod copy_algorithm;
pub mod dialects;
mod outcome;
mod rerun;
mod settings;
mod suppress;

pub use outcome::{
    Finding, ProblemReport, Report, ReportSink, Suppression, SuppressionKind, UnitReport,
};
pub use settings::Settings;

use std::borrow::Cow;

use crate::analyze::{AnalyzedMigration, Positions, StatementFacts};
use crate::config::{Config, Severity};
use crate::discover::diff_base::DiffBase;
use crate::discover::{Direction, InputProblem, Migration};
use crate::parse::markers::Date;
use crate::parse::{Marker, Placeholder};
use crate::source::Span;
use crate::target::Target;

/// What a rule emits: where, what, and the safe alternative.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub code: Code,
    pub span: Span,
    /// The statement (index into the unit's statements) the finding is about, if any.
    pub statement: Option<usize>,
    pub message: String,
    /// Most rules' help is a constant: borrowed, it costs no copy per finding.
    pub help: Option<Cow<'static, str>>,
    /// One severity level above the rule's configured one (e.g. RS115 while the same
    /// transaction holds an ACCESS EXCLUSIVE lock).
    pub escalated: bool,
    /// About the whole unit ([`Diagnostic::about_unit`]): the suppression step places it,
    /// once the unit is analysed.
    pub about_unit: bool,
}

impl Diagnostic {
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            span,
            statement: None,
            message: message.into(),
            help: None,
            escalated: false,
            about_unit: false,
        }
    }
    /// About a whole unit, from a rule that looks across the set: placed at the unit's first
    /// statement (so `rollsafe:allow` markers on it apply), or at its start when it has none.
    /// Set rules may run before a streamed run has parsed the unit; [`unit_report`] places it.
    pub fn about_unit(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            about_unit: true,
            ..Diagnostic::new(code, Span::new(0, 0), message)
        }
    }
    pub fn at_statement(
        code: Code,
        index: usize,
        facts: &StatementFacts,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            statement: Some(index),
            ..Diagnostic::new(code, facts.span, message)
        }
    }
    /// About one change of a statement: placed where that change is written (the inner
    /// statement of a `DO` block, or the statement itself).
    pub fn at_change(
        code: Code,
        index: usize,
        facts: &StatementFacts,
        change: &crate::analyze::Change,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            span: facts.span_of(change),
            ..Diagnostic::at_statement(code, index, facts, message)
        }
    }
    pub fn help(mut self, help: impl Into<Cow<'static, str>>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn escalate(mut self) -> Self {
        self.escalated = true;
        self
    }
}

/// Everything a rule may read about one migration unit.
pub struct Context<'a> {
    pub unit: &'a Migration,
    /// Empty once the unit was slimmed (in the suppression step of a run that streams).
    pub statements: &'a [StatementFacts],
    /// Every statement's position and markers, slimmed or not.
    pub positions: Positions<'a>,
    pub markers: &'a [Marker],
    pub config: &'a Config,
    pub today: Date,
    /// The engine and version this unit runs on.
    pub target: Target,
    /// Which rules are on, at which severity.
    pub settings: &'a Settings,
    /// The tool's placeholders in the unit (E005).
    pub placeholders: &'a [Placeholder],
    /// What the schema replay learned about rolling this unit back (RS404, RS405).
    pub rollback: &'a crate::analyze::snapshot::UnitRollback,
}

impl Context<'_> {
    /// The markers written in this unit's file: not the ones inherited from the file that
    /// includes it, which are checked and reported there.
    pub fn own_markers(&self) -> impl Iterator<Item = &Marker> {
        self.markers.iter().filter(|m| !m.inherited)
    }

    /// Markers that cover statement `index`: its own and the file-scoped ones.
    pub fn markers_for(&self, index: usize) -> impl Iterator<Item = &Marker> {
        let own = self.positions.markers(index);
        self.markers
            .iter()
            .enumerate()
            .filter(move |(i, m)| m.file_scope || own.contains(i))
            .map(|(_, m)| m)
    }
}

/// Grouping used for SARIF tags and the README table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Input,
    Contract,
    Lock,
    Idempotency,
    Transaction,
    Rollback,
    /// Produced by `rollsafe verify` against a real server.
    Verify,
}

impl Family {
    pub fn tag(self) -> &'static str {
        match self {
            Family::Input => "input",
            Family::Contract => "destructive",
            Family::Lock => "lock",
            Family::Idempotency => "idempotency",
            Family::Transaction => "transaction",
            Family::Rollback => "rollback",
            Family::Verify => "verify",
        }
    }
}

/// The migration directions a rule looks at; the registry skips the others, so no rule
/// repeats the guard.
#[derive(Clone, Copy)]
pub struct Directions(&'static [Direction]);

impl Directions {
    pub const ALL: Directions = Directions(&[
        Direction::Up,
        Direction::Down,
        Direction::Repeatable,
        Direction::Verify,
    ]);
    /// Everything that changes the schema: not sqitch verify scripts.
    pub const CHANGING_SCHEMA: Directions =
        Directions(&[Direction::Up, Direction::Down, Direction::Repeatable]);
    /// What moves the schema forward.
    pub const FORWARD: Directions = Directions(&[Direction::Up, Direction::Repeatable]);
    pub const UP: Directions = Directions(&[Direction::Up]);
    pub const REPEATABLE: Directions = Directions(&[Direction::Repeatable]);

    pub fn includes(self, direction: Direction) -> bool {
        self.0.contains(&direction)
    }
}

pub struct Rule {
    pub code: Code,
    /// kebab-case name, e.g. `destructive-without-approval`.
    pub name: &'static str,
    pub family: Family,
    pub severity: Severity,
    /// The Markdown doc (`rules/<CODE>.md`).
    pub doc: &'static str,
    /// Per-migration checks run only on units of these directions.
    pub directions: Directions,
    pub check: Check,
}

impl Rule {
    /// The doc's title line without the leading `# CODE: `.
    pub fn summary(&self) -> &'static str {
        let first = self.doc.lines().next().unwrap_or("");
        let title = first.trim_start_matches('#').trim();
        match title.split_once(": ") {
            Some((_, rest)) => rest,
            None => title,
        }
    }
}

/// How a rule looks at the migrations.
#[derive(Clone, Copy)]
pub enum Check {
    /// Inside one migration unit at a time (in parallel).
    Migration(fn(&Context, &mut Vec<Diagnostic>)),
    /// Across every unit of the set, in application order; one list of findings per unit.
    Set(fn(&SetContext, &mut [Vec<Diagnostic>])),
    /// Reported for an input problem that discovery found (a file it could not read).
    Input,
    /// Reported by `rollsafe verify` from what a real server did.
    Verify,
    /// Reported by the comparison of the config with the diff base's (`rs007_gate_weakened`).
    Config,
}

/// What the rules that look across migrations read: every unit in application order, and the
/// diff base when there is one.
pub struct SetContext<'a> {
    pub units: &'a [AnalyzedMigration],
    pub config: &'a Config,
    pub diff_base: Option<&'a DiffBase>,
}

/// Where a finding about a whole unit points (see [`Diagnostic::about_unit`]).
fn anchor(unit: &AnalyzedMigration) -> (Span, Option<usize>) {
    match unit.positions().span(0) {
        Some(span) => (span, Some(0)),
        None => (
            Span::new(unit.migration.range.start, unit.migration.range.start),
            None,
        ),
    }
}

macro_rules! rules {
    ($($code:ident => $module:ident),* $(,)?) => {
        $(pub mod $module;)*

        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $($code),* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$code),*];
            pub fn rule(self) -> &'static Rule {
                match self { $(Code::$code => &$module::RULE),* }
            }
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$code => stringify!($code)),* }
            }
            /// Whether `rollsafe:allow` may silence it. The gate's own findings are approved with
            /// `contract` (RS001, RS003, RS004) or are the record of a break-glass (RS006): the
            /// marker check (E003) and the suppression step both ask this, so they agree.
            pub fn can_be_allowed(self) -> bool {
                !matches!(
                    self,
                    Code::E001
                        | Code::RS001
                        | Code::RS003
                        | Code::RS004
                        | Code::RS006
                        | Code::RS007
                        | Code::RS401
                        | Code::RS402
                        | Code::RS406
                )
            }
            pub fn parse(s: &str) -> Option<Code> {
                match s.trim().to_ascii_uppercase().as_str() {
                    $(stringify!($code) => Some(Code::$code),)*
                    _ => None,
                }
            }
        }
    };
}

rules! {
    E001 => e001_syntax_error,
    E002 => e002_unreadable_file,
    E003 => e003_invalid_marker,
    E004 => e004_unclassified_statement,
    E005 => e005_placeholder_without_value,
    RS001 => rs001_unapproved_contract_change,
    RS002 => rs002_mixed_expand_contract,
    RS003 => rs003_compatibility_window_open,
    RS004 => rs004_incomplete_approval,
    RS005 => rs005_marker_covers_nothing,
    RS006 => rs006_break_glass,
    RS007 => rs007_gate_weakened,
    RS008 => rs008_index_drop,
    RS101 => rs101_create_index_without_concurrently,
    RS102 => rs102_drop_index_without_concurrently,
    RS103 => rs103_reindex_without_concurrently,
    RS104 => rs104_foreign_key_without_not_valid,
    RS105 => rs105_check_without_not_valid,
    RS106 => rs106_unique_constraint_builds_index,
    RS107 => rs107_set_not_null_scan,
    RS108 => rs108_column_type_rewrite,
    RS109 => rs109_add_column_rewrite,
    RS110 => rs110_full_table_rewrite,
    RS111 => rs111_refresh_without_concurrently,
    RS112 => rs112_missing_lock_timeout,
    RS113 => rs113_work_under_access_exclusive,
    RS114 => rs114_add_not_null_column_without_default,
    RS115 => rs115_unbatched_backfill,
    RS120 => rs120_missing_lock_wait_timeout,
    RS121 => rs121_algorithm_or_lock_refused,
    RS122 => rs122_fulltext_or_spatial_index_blocks_writes,
    RS123 => rs123_foreign_key_with_checks_on,
    RS124 => rs124_varchar_crosses_255_bytes,
    RS125 => rs125_instant_row_version_limit,
    RS130 => rs130_sqlite_refuses_alter,
    RS131 => rs131_rebuild_with_foreign_keys_on,
    RS201 => rs201_create_without_if_not_exists,
    RS202 => rs202_drop_without_if_exists,
    RS203 => rs203_add_column_without_if_not_exists,
    RS204 => rs204_insert_without_on_conflict,
    RS205 => rs205_repeatable_not_rerunnable,
    RS301 => rs301_non_transactional_in_transaction,
    RS302 => rs302_non_transactional_mixed,
    RS303 => rs303_unbalanced_transaction_control,
    RS401 => rs401_edited_applied_migration,
    RS402 => rs402_out_of_order_migration,
    RS403 => rs403_duplicate_version,
    RS404 => rs404_missing_down,
    RS405 => rs405_down_does_not_undo_up,
    RS406 => rs406_irreversible_without_recovery,
    RS501 => rs501_observed_facts_differ,
    RS502 => rs502_down_does_not_restore,
    RS503 => rs503_up_not_reapplicable,
    RS504 => rs504_statement_failed,
    RS505 => rs505_fails_on_existing_rows,
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the rules need besides the analysed migrations.
pub struct RunOptions<'a> {
    pub config: &'a Config,
    pub settings: &'a Settings,
    pub today: Date,
    pub diff_base: Option<&'a DiffBase>,
}

/// Run every enabled rule (per unit in parallel, then across the set), then turn diagnostics
/// into findings: severity from the settings, positions, and the suppression a marker grants.
pub fn run(
    units: Vec<AnalyzedMigration>,
    problems: Vec<InputProblem>,
    options: &RunOptions,
) -> Report {
    let own = crate::threads::map_ref(&units, |unit| unit_diagnostics(unit, options));
    finish(units, own, problems, options)
}

fn enabled(settings: &Settings) -> impl Iterator<Item = &'static Rule> + '_ {
    Code::ALL
        .iter()
        .filter(|c| settings.enabled(**c))
        .map(|c| c.rule())
}

fn context<'a>(unit: &'a AnalyzedMigration, options: &'a RunOptions) -> Context<'a> {
    Context {
        unit: &unit.migration,
        statements: &unit.statements,
        positions: unit.positions(),
        markers: &unit.markers,
        config: options.config,
        today: options.today,
        target: unit.migration.target,
        settings: options.settings,
        placeholders: &unit.placeholders,
        rollback: &unit.rollback,
    }
}

/// The diagnostics of the enabled per-migration rules for one unit: everything [`finish`]
/// needs from the unit's statement facts besides their positions and markers.
pub fn unit_diagnostics(unit: &AnalyzedMigration, options: &RunOptions) -> Vec<Diagnostic> {
    let ctx = context(unit, options);
    let mut diagnostics = Vec::new();
    for rule in enabled(options.settings) {
        if let Check::Migration(check) = rule.check
            && rule.directions.includes(unit.migration.direction)
            && dialects::applies(rule.code, unit.migration.target.dialect)
        {
            check(&ctx, &mut diagnostics);
        }
    }
    // Kept until the run's report is written.
    diagnostics.shrink_to_fit();
    diagnostics
}

/// Whether the rules that look across the set read statement facts beyond their positions
/// and markers: only RS401, with a diff base. Every other set rule reads what discovery
/// found, so a unit can be shrunk ([`AnalyzedMigration::slim`]) or reported and dropped as soon
/// as [`unit_diagnostics`] ran. A set rule that reads more must say so here.
pub fn set_rules_read_facts(diff_base: bool) -> bool {
    diff_base
}

/// Run the rules across the set, add each unit's own diagnostics (`own`, from
/// [`unit_diagnostics`], in unit order), and turn them into findings.
pub fn finish(
    units: Vec<AnalyzedMigration>,
    own: Vec<Vec<Diagnostic>>,
    problems: Vec<InputProblem>,
    options: &RunOptions,
) -> Report {
    let across = set_diagnostics(&units, options);
    let units: Vec<UnitReport> = crate::threads::map(
        units.into_iter().zip(across).zip(own).collect(),
        |((unit, across), own)| unit_report(unit, across, own, options),
    );
    Report {
        units,
        problems: problem_reports(problems, options),
    }
}

/// The diagnostics of the enabled rules that look across the set, per unit (in unit order).
/// A streamed run asks before it analyses anything, when [`set_rules_read_facts`] says no
/// rule reads more than discovery found: findings about a whole unit are placed later
/// ([`Diagnostic::about_unit`]).
pub fn set_diagnostics(units: &[AnalyzedMigration], options: &RunOptions) -> Vec<Vec<Diagnostic>> {
    let mut across = vec![Vec::new(); units.len()];
    let set_ctx = SetContext {
        units,
        config: options.config,
        diff_base: options.diff_base,
    };
    for rule in enabled(options.settings) {
        if let Check::Set(check) = rule.check {
            check(&set_ctx, &mut across);
        }
    }
    across
}

/// One analysed unit's report: the set rules' diagnostics about it (`across`, from
/// [`set_diagnostics`]) and its own (`own`, from [`unit_diagnostics`]) as findings, with their
/// severity, position and suppression, in source order.
pub fn unit_report(
    unit: AnalyzedMigration,
    mut across: Vec<Diagnostic>,
    own: Vec<Diagnostic>,
    options: &RunOptions,
) -> UnitReport {
    for d in across.iter_mut().filter(|d| d.about_unit) {
        (d.span, d.statement) = anchor(&unit);
    }
    across.extend(own);
    let ctx = context(&unit, options);
    let mut findings: Vec<Finding> = across
        .into_iter()
        .filter_map(|d| suppress::finding(d, &ctx, options.settings))
        .collect();
    findings.sort_by_key(|f| (f.diagnostic.span.start, f.diagnostic.code));
    UnitReport {
        migration: unit.migration,
        statements: unit.statements,
        slimmed: unit.slimmed,
        markers: unit.markers,
        findings,
        rollback: unit.rollback,
    }
}

/// The findings about files discovery could not make units of (E002).
pub fn problem_reports(problems: Vec<InputProblem>, options: &RunOptions) -> Vec<ProblemReport> {
    problems
        .into_iter()
        .filter_map(|problem| {
            let severity = options.settings.severity(Code::E002)?;
            Some(ProblemReport {
                code: Code::E002,
                start: problem
                    .at
                    .unwrap_or(crate::source::LineCol { line: 1, column: 1 }),
                finding_message: format!("cannot lint this file: {}", problem.message),
                problem,
                severity,
            })
        })
        .collect()
}
