//! `rollsafe check`.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;

use clap::Args;

use super::{EXIT_CLEAN, EXIT_FINDINGS, FailOn, Failure, write_stdout};
use crate::check::{self, Options};
use crate::config::{Config, SUPPORTED_PG_VERSIONS};
use crate::discover::diff_base::{self, DiffBase};
use crate::discover::{self, Layout, UnitChange};
use crate::parse::markers::Date;
use crate::report::{self, Format, RenderOptions};
use crate::rules::Settings;

#[derive(Args)]
pub struct CheckArgs {
    /// Files or directories to lint (default: `migrations` from rollsafe.toml). `-` reads
    /// standard input (with --stdin-filename).
    pub paths: Vec<PathBuf>,
    /// Output format (default: human on a terminal, compact otherwise).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Fail (exit 1) on findings at or above this level.
    #[arg(long, value_enum, default_value = "error")]
    pub fail_on: FailOn,
    /// Config file (default: the nearest rollsafe.toml walking up from the working directory).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// PostgreSQL major version the migrations run on (11-18; overrides the config).
    #[arg(long)]
    pub pg_version: Option<u32>,
    /// The engine the migrations run on (overrides the config; default postgres).
    #[arg(long, value_enum)]
    pub dialect: Option<crate::target::Dialect>,
    /// The engine's version, e.g. 8.0.29, 10.11, 3.40 or 16 (overrides the config).
    #[arg(long = "version", value_name = "VERSION")]
    pub engine_version: Option<String>,
    /// Force a layout instead of detecting it.
    #[arg(long, value_enum)]
    pub layout: Option<LayoutArg>,
    /// Only lint files matching this glob (repeatable; adds to the config's).
    #[arg(long)]
    pub include: Vec<String>,
    /// Skip files matching this glob (repeatable; adds to the config's).
    #[arg(long)]
    pub exclude: Vec<String>,
    /// Treat this date as today (YYYY-MM-DD) for `after=` compatibility windows.
    #[arg(long)]
    pub today: Option<String>,
    /// Lint standard input as if it were this file (use `-` as the path).
    #[arg(long)]
    pub stdin_filename: Option<PathBuf>,
    /// Write the output to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Hide approved and allowed findings in human, compact and github output.
    #[arg(long)]
    pub hide_suppressed: bool,
    /// Also write the report in another format to a file, from the same run (repeatable):
    /// `--also sarif=rollsafe.sarif --also markdown=summary.md`.
    #[arg(long, value_name = "FORMAT=FILE", value_parser = parse_also)]
    pub also: Vec<(Format, PathBuf)>,
    /// Lint only migrations added or changed since this git revision (compared with the merge
    /// base of REF and HEAD, including uncommitted and untracked files). Every migration is still
    /// read for the schema replay; edits to migrations that existed there are RS401, new
    /// migrations that sort before existing ones RS402.
    #[arg(long, value_name = "REF")]
    pub diff_base: Option<String>,
    /// Base URL of the rule docs linked from SARIF (`helpUri`) and Markdown: a rule's doc is
    /// URL/CODE.md.
    #[arg(long, value_name = "URL", default_value = report::DEFAULT_RULES_URL)]
    pub rules_url: String,
    /// SARIF run category (`automationDetails.id`), to tell apart several rollsafe runs uploaded
    /// for one commit.
    #[arg(long, value_name = "NAME")]
    pub sarif_category: Option<String>,
}

fn parse_also(s: &str) -> Result<(Format, PathBuf), String> {
    let (format, path) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}` is not FORMAT=FILE (e.g. sarif=rollsafe.sarif)"))?;
    let format = Format::parse(format.trim()).ok_or_else(|| {
        format!(
            "unknown format `{format}` (expected human, compact, json, sarif, github or markdown)"
        )
    })?;
    if path.is_empty() {
        return Err(format!("`{s}` names no file"));
    }
    Ok((format, PathBuf::from(path)))
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum LayoutArg {
    GolangMigrate,
    Sqlx,
    Diesel,
    Flyway,
    Prisma,
    Goose,
    Dbmate,
    Sqitch,
    Liquibase,
    Plain,
}

impl From<LayoutArg> for Layout {
    fn from(l: LayoutArg) -> Layout {
        match l {
            LayoutArg::GolangMigrate => Layout::GolangMigrate,
            LayoutArg::Sqlx => Layout::Sqlx,
            LayoutArg::Diesel => Layout::Diesel,
            LayoutArg::Flyway => Layout::Flyway,
            LayoutArg::Prisma => Layout::Prisma,
            LayoutArg::Goose => Layout::Goose,
            LayoutArg::Dbmate => Layout::Dbmate,
            LayoutArg::Sqitch => Layout::Sqitch,
            LayoutArg::Liquibase => Layout::Liquibase,
            LayoutArg::Plain => Layout::Plain,
        }
    }
}

pub fn load_config(explicit: Option<&PathBuf>) -> Result<Config, Failure> {
    let path = match explicit {
        Some(p) => Some(p.clone()),
        None => {
            let cwd = std::env::current_dir()
                .map_err(|e| Failure(format!("cannot read the working directory: {e}")))?;
            Config::find(&cwd)
        }
    };
    match path {
        Some(p) => Ok(Config::load(&p)?),
        None => Ok(Config::default()),
    }
}

pub fn run(args: CheckArgs) -> Result<u8, Failure> {
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
    if let Some(d) = args.dialect {
        if config.dialect != Some(d) {
            // A configured version belongs to the configured dialect.
            config.release = None;
            config.version = None;
        }
        config.dialect = Some(d);
        // Asked for on the command line: it holds for every folder.
        config.directories.clear();
    }
    if let Some(v) = &args.engine_version {
        config
            .set_version(v)
            .map_err(|e| Failure(format!("--{e}")))?;
    }
    if let Some(l) = args.layout {
        config.layout = Some(l.into());
    }
    for glob in args.include.iter().chain(&args.exclude) {
        globset::Glob::new(glob).map_err(|e| Failure(format!("bad glob `{glob}`: {e}")))?;
    }
    config.include.extend(args.include.iter().cloned());
    config.exclude.extend(args.exclude.iter().cloned());
    let today = match &args.today {
        Some(s) => Date::parse(s)
            .ok_or_else(|| Failure(format!("--today {s} is not a date (YYYY-MM-DD)")))?,
        None => Date::today(),
    };

    let reads_stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
    if reads_stdin && args.diff_base.is_some() {
        return Err(Failure(
            "--diff-base cannot be combined with standard input (`-`)".into(),
        ));
    }
    // The repository --diff-base asks git about: the one holding the first path.
    let mut git_dir = None;
    let mut set = if reads_stdin {
        if args.paths.len() > 1 {
            return Err(Failure(
                "`-` (standard input) cannot be combined with other paths".into(),
            ));
        }
        let name = args.stdin_filename.clone().ok_or_else(|| {
            Failure("reading standard input (`-`) needs --stdin-filename PATH".into())
        })?;
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| Failure(format!("cannot read standard input: {e}")))?;
        match String::from_utf8(bytes) {
            Ok(text) => discover::from_text(name, text, &config),
            Err(e) => {
                let offset = e.utf8_error().valid_up_to();
                discover::MigrationSet {
                    units: Vec::new(),
                    problems: vec![discover::InputProblem {
                        path: name,
                        message: format!("not valid UTF-8 at byte {offset}"),
                        offset: Some(offset),
                    }],
                }
            }
        }
    } else {
        let paths = if args.paths.is_empty() {
            let base = config.base_dir().map(PathBuf::from).unwrap_or_default();
            let dirs: Vec<PathBuf> = config.migrations.iter().map(|d| base.join(d)).collect();
            if dirs.is_empty() {
                return Err(Failure(
                    "no paths given and no `migrations` directories in rollsafe.toml (try `rollsafe check db/migrations`)".into(),
                ));
            }
            dirs
        } else {
            args.paths.clone()
        };
        git_dir = paths.first().map(|p| {
            if p.is_dir() {
                p.clone()
            } else {
                p.parent().map(PathBuf::from).unwrap_or_default()
            }
        });
        let set = discover::discover(&paths, &config);
        if set.units.is_empty() && set.problems.is_empty() {
            // Not a failure (a new project has no migrations yet), but never silent.
            let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            eprintln!(
                "rollsafe: warning: no migration files found under {}",
                shown.join(", ")
            );
        }
        set
    };

    // `[[directories]]` and popx names say which engine a file is for.
    for unit in &mut set.units {
        unit.target = config.target_for(&unit.source.path);
    }

    let base = match &args.diff_base {
        Some(reference) => {
            let base = match git_dir.filter(|d| !d.as_os_str().is_empty() && d.is_dir()) {
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
    if let Some(base) = &base {
        // Every migration was replayed; only the changed ones are reported.
        report.units.retain(|u| {
            u.migration
                .change
                .is_some_and(|c| c.unit != UnitChange::Unchanged)
        });
        report
            .problems
            .retain(|p| diff_base::file_changed(base, &p.problem.path));
    }

    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let format = args.format.unwrap_or(if to_terminal {
        Format::Human
    } else {
        Format::Compact
    });
    let render_options = RenderOptions {
        color: to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        show_suppressed: !args.hide_suppressed,
        root: base
            .as_ref()
            .map_or_else(diff_base::repository_root, |b| b.toplevel.clone()),
        rules_url: args.rules_url.clone(),
        sarif_category: args.sarif_category.clone(),
    };
    for (format, path) in &args.also {
        let rendered = report::render(
            *format,
            &report,
            &RenderOptions {
                color: false,
                ..render_options.clone()
            },
        );
        std::fs::write(path, rendered)
            .map_err(|e| Failure(format!("cannot write {}: {e}", path.display())))?;
    }
    let rendered = report::render(format, &report, &render_options);
    match &args.output {
        Some(path) => std::fs::write(path, rendered)
            .map_err(|e| Failure(format!("cannot write {}: {e}", path.display())))?,
        None => write_stdout(&rendered)?,
    }
    let failing = args
        .fail_on
        .severity()
        .map_or(0, |level| report::Totals::of(&report).at_least(level));
    Ok(if failing > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}
