//! `check`, the pipeline in one direction: discover (by the caller) → parse and analyze
//! (parallel per unit, then the schema replay in migration order) → rules (and the suppression
//! step) → a [`Report`] that `report` renders.

use crate::analyze;
use crate::config::Config;
use crate::discover::MigrationSet;
use crate::discover::diff_base::DiffBase;
use crate::parse::markers::Date;
use crate::rules::{self, Diagnostic, Report, RunOptions, Settings};

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
    let units = if outputs.statement_facts
        || rules::set_rules_read_facts(&set.units, diff_base.is_some())
    {
        set.units
    } else {
        // The report reads findings, positions and markers only: each window of units is
        // reported and shrunk before the next is parsed.
        match analyze::Stream::new(set.units, &config.placeholders, outputs) {
            Ok(stream) => {
                let mut own: Vec<Vec<Diagnostic>> = Vec::new();
                let units = stream.run(|units| {
                    own.extend(crate::threads::map_ref(units, |unit| {
                        rules::unit_diagnostics(unit, &run_options)
                    }));
                    units.iter_mut().for_each(|unit| unit.slim(outputs));
                });
                return rules::finish(units, own, set.problems, &run_options);
            }
            Err(units) => units,
        }
    };
    let units = analyze::analyze_for(units, &config.placeholders, outputs);
    rules::run(units, set.problems, &run_options)
}
