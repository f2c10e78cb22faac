//! `rollsafe plan`: the rollback runbook (see `crate::plan`).

use std::path::PathBuf;

use clap::Args;

use super::check::load_config;
use super::{EXIT_CLEAN, Failure, write_stdout};
use crate::check::{self, Options};
use crate::config::SUPPORTED_PG_VERSIONS;
use crate::discover::diff_base::{self, DiffBase};
use crate::discover::{self, UnitChange};
use crate::parse::markers::Date;
use crate::plan;
use crate::rules::Settings;
use crate::target::Layout;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanFormat {
    /// A runbook to follow during an incident.
    Markdown,
    /// The documented, versioned JSON document (see the README).
    Json,
    /// Plain text for a terminal.
    Human,
}

#[derive(Args)]
pub struct PlanArgs {
    /// Files or directories (default: `migrations` from rollsafe.toml).
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: PlanFormat,
    /// Config file (default: the nearest rollsafe.toml walking up from the working directory).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// PostgreSQL major version the migrations run on (11-18; overrides the config).
    #[arg(long)]
    pub pg_version: Option<u32>,
    /// Force a layout instead of detecting it.
    #[arg(long, value_enum)]
    pub layout: Option<Layout>,
    /// Treat this date as today (YYYY-MM-DD).
    #[arg(long)]
    pub today: Option<String>,
    /// Plan only the migrations added since this git revision (every migration is still
    /// replayed).
    #[arg(long, value_name = "REF")]
    pub diff_base: Option<String>,
    /// Write the plan to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

pub fn run(args: PlanArgs) -> Result<u8, Failure> {
    let mut config = load_config(args.config.as_ref())?;
    let settings = Settings::from_config(&config)?;
    if let Some(v) = args.pg_version {
        if !SUPPORTED_PG_VERSIONS.contains(&v) {
            return Err(Failure(format!(
                "--pg-version {v} is not supported (supported: 11 to 18)"
            )));
        }
        config.pg_version = v;
    }
    if let Some(l) = args.layout {
        config.layout = Some(l);
    }
    let today = match &args.today {
        Some(s) => Date::parse(s)
            .ok_or_else(|| Failure(format!("--today {s} is not a date (YYYY-MM-DD)")))?,
        None => Date::today(),
    };
    let paths = if args.paths.is_empty() {
        let base = config.base_dir().map(PathBuf::from).unwrap_or_default();
        let dirs: Vec<PathBuf> = config.migrations.iter().map(|d| base.join(d)).collect();
        if dirs.is_empty() {
            return Err(Failure(
                "no paths given and no `migrations` directories in rollsafe.toml (try `rollsafe plan db/migrations`)".into(),
            ));
        }
        dirs
    } else {
        args.paths.clone()
    };
    let mut set = discover::discover(&paths, &config);
    let base = match &args.diff_base {
        Some(reference) => {
            let dir = paths
                .first()
                .map(|p| {
                    if p.is_dir() {
                        p.clone()
                    } else {
                        p.parent().map(PathBuf::from).unwrap_or_default()
                    }
                })
                .filter(|d| !d.as_os_str().is_empty() && d.is_dir());
            let base = match dir {
                Some(dir) => DiffBase::load_in(&dir, reference),
                None => DiffBase::load(reference),
            }
            .map_err(Failure)?;
            diff_base::mark_changes(&base, &mut set.units, &config);
            Some(base)
        }
        None => None,
    };
    let options = Options { today };
    let mut report = check::check(set, &config, &settings, &options, base.as_ref());
    if base.is_some() {
        // Every migration was replayed; only the added ones are planned.
        report.units.retain(|u| {
            u.migration
                .change
                .is_some_and(|c| c.unit == UnitChange::Added)
        });
    }
    let plan = plan::build(&report);
    let rendered = match args.format {
        PlanFormat::Markdown => plan::render_markdown::render(&plan),
        PlanFormat::Json => plan::render_json::render(&plan),
        PlanFormat::Human => plan::render_human::render(&plan),
    };
    match &args.output {
        Some(path) => std::fs::write(path, rendered)
            .map_err(|e| Failure(format!("cannot write {}: {e}", path.display())))?,
        None => write_stdout(&rendered)?,
    }
    Ok(EXIT_CLEAN)
}
