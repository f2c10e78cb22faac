//! `check`, the pipeline in one direction: discover (by the caller) → parse and analyze
//! (parallel per unit, then the schema replay in migration order) → rules (and the suppression
//! step) → a [`Report`] that `report` renders.

use crate::analyze;
use crate::config::Config;
use crate::discover::MigrationSet;
use crate::discover::diff_base::DiffBase;
use crate::parse::markers::Date;
use crate::rules::{self, Diagnostic, Report, ReportSink, RunOptions, Settings};
use crate::source::SourceFile;

pub struct Options {
    pub today: Date,
}

/// Lint a discovered migration set. With a diff base, `set`'s units carry their change status
/// (`discover::diff_base::mark_changes`) and the cross-migration rules compare with the base.
pub fn check(
    set: MigrationSet,
    config: &Config,
    settings: &Settings,
    options: &Options,
    diff_base: Option<&DiffBase>,
) -> Report {
    check_for(
        set,
        config,
        settings,
        options,
        diff_base,
        analyze::Outputs::ALL,
    )
}

/// [`check`] for a report that reads only `outputs` beyond the findings (the rollback plan is
/// read by `rollsafe plan` and the Markdown report alone); the rest is not computed.
pub fn check_for(
    set: MigrationSet,
    config: &Config,
    settings: &Settings,
    options: &Options,
    diff_base: Option<&DiffBase>,
    outputs: analyze::Outputs,
) -> Report {
    let run_options = RunOptions {
        config,
        settings,
        today: options.today,
        diff_base,
    };
    let units = if outputs.statement_facts || rules::set_rules_read_facts(diff_base.is_some()) {
        set.units
    } else {
        // The report reads findings, positions and markers only: each window of units is
        // reported and shrunk before the next is parsed.
        match analyze::Stream::new(set.units, &config.placeholders, outputs) {
            Ok(stream) => {
                let mut own: Vec<Vec<Diagnostic>> = Vec::new();
                let units = stream.run(|units| {
                    let window: Vec<&mut analyze::AnalyzedMigration> = units.iter_mut().collect();
                    own.extend(crate::threads::map(window, |unit| {
                        let own = rules::unit_diagnostics(unit, &run_options);
                        unit.slim(outputs);
                        own
                    }));
                });
                return rules::finish(units, own, set.problems, &run_options);
            }
            Err(units) => units,
        }
    };
    let units = analyze::analyze_for(units, &config.placeholders, outputs);
    rules::run(units, set.problems, &run_options)
}

/// [`check_for`] without a diff base, handing the report to `sink` as it is made instead of
/// returning it. When the report reads no statement facts, no rollback plan and no source
/// text, and the units can be analysed a window at a time ([`analyze::Stream`]), each window's
/// units are reported, handed over and dropped before the next is replayed: memory then grows
/// with the schema model, not with the findings. Otherwise the whole report is handed over at
/// the end.
pub fn check_into(
    set: MigrationSet,
    config: &Config,
    settings: &Settings,
    options: &Options,
    outputs: analyze::Outputs,
    sink: &mut dyn ReportSink,
) {
    let run_options = RunOptions {
        config,
        settings,
        today: options.today,
        diff_base: None,
    };
    let streams = !outputs.statement_facts
        && !outputs.rollback_plan
        && !outputs.source_text
        && !rules::set_rules_read_facts(false);
    let set = if streams {
        match analyze::Stream::new(set.units, &config.placeholders, outputs) {
            Ok(stream) => {
                sink.problems(&rules::problem_reports(set.problems, &run_options));
                // What discovery found is all the set rules read here (see
                // `rules::set_rules_read_facts`).
                let mut across = rules::set_diagnostics(stream.units(), &run_options).into_iter();
                let hollow = SourceFile::new(Default::default(), String::new());
                let units = stream.run(|units| {
                    let window: Vec<_> = units
                        .iter_mut()
                        .map(|unit| (unit.take(&hollow), across.next().unwrap_or_default()))
                        .collect();
                    let reports = crate::threads::map(window, |(unit, across)| {
                        let own = rules::unit_diagnostics(&unit, &run_options);
                        rules::unit_report(unit, across, own, &run_options)
                    });
                    sink.units(&reports);
                });
                // Hollow: nothing of them is left to free.
                drop(units);
                return;
            }
            Err(units) => MigrationSet {
                units,
                problems: set.problems,
            },
        }
    } else {
        set
    };
    let report = check_for(set, config, settings, options, None, outputs);
    sink.problems(&report.problems);
    sink.units(&report.units);
    // The process ends right after this: freeing every statement and finding one by one would
    // only delay the exit.
    std::mem::forget(report);
}
