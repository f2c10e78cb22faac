//! `check`, the pipeline in one direction: discover (by the caller) → parse and analyze
//! (parallel per unit, then the schema replay in migration order) → rules (and the suppression
//! step) → a [`Report`] that `report` renders.

use crate::analyze;
use crate::config::Config;
use crate::discover::MigrationSet;
use crate::discover::diff_base::DiffBase;
use crate::parse::markers::Date;
use crate::rules::{self, Report, RunOptions, Settings};

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
    let units = analyze::analyze_for(set.units, &config.placeholders, outputs);
    rules::run(
        units,
        set.problems,
        &RunOptions {
            config,
            settings,
            today: options.today,
            diff_base,
        },
    )
}
