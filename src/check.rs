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
    let units = analyze::analyze(set.units, &config.placeholders);
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
