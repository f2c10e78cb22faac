//! `rollsafe check`.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use clap::Args;

use super::{EXIT_CLEAN, EXIT_FINDINGS, FailOn, Failure, write_stdout_with};
use crate::check::{self, Options};
use std::sync::Arc;

use crate::codeowners::{self, Codeowners};
use crate::config::{ApproverSource, Config, SUPPORTED_PG_VERSIONS};
use crate::discover::diff_base::{self, DiffBase};
use crate::discover::github::{self, ReviewQuery};
use crate::discover::{self, Layout, UnitChange};
use crate::parse::markers::Date;
use crate::report::{self, Format, RenderOptions};
use crate::rules::rs007_gate_weakened::{self, Weakening};
use crate::rules::{Code, ProblemReport, Settings};
use crate::source::SourceFile;

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
    pub layout: Option<Layout>,
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
    /// Count an `approved-by` name only if that person approved the pull request on its head
    /// commit: asks GitHub's REST API (GET /repos/{owner}/{repo}/pulls/{number}/reviews, every
    /// page) with GITHUB_TOKEN, at GITHUB_API_URL, for GITHUB_REPOSITORY; the pull request and
    /// its head commit come from the options below or from GITHUB_EVENT_PATH.
    #[arg(long)]
    pub approvals_from_github: bool,
    /// The pull request --approvals-from-github asks about (default: from GITHUB_EVENT_PATH).
    #[arg(long, value_name = "NUMBER")]
    pub pull_request: Option<u64>,
    /// The pull request's head commit (default: from GITHUB_EVENT_PATH).
    #[arg(long, value_name = "SHA")]
    pub head_sha: Option<String>,
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
    let reads_stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
    if reads_stdin && args.diff_base.is_some() {
        return Err(Failure(
            "--diff-base cannot be combined with standard input (`-`)".into(),
        ));
    }
    let head_config = load_config(args.config.as_ref())?;
    // With a diff base, the gate's settings are the stricter of the base's config and this
    // change's (RS007): the diff base is read first, from the repository of the first path.
    let (base, base_config, mut config, mut weakenings) = match &args.diff_base {
        Some(reference) => {
            let git_dir = lint_paths(&args, &head_config)
                .ok()
                .and_then(|paths| paths.first().map(|p| folder_of(p)));
            let base = match git_dir.filter(|d| !d.as_os_str().is_empty() && d.is_dir()) {
                Some(dir) => DiffBase::load_in(&dir, reference),
                None => DiffBase::load(reference),
            }
            .map_err(Failure)?;
            match base_config(&base, args.config.as_ref(), &head_config)? {
                Some(base_config) => {
                    let gate = rs007_gate_weakened::compare(&base_config, &head_config)?;
                    (Some(base), Some(base_config), gate.config, gate.weakenings)
                }
                None => (Some(base), None, head_config.clone(), Vec::new()),
            }
        }
        None => (None, None, head_config.clone(), Vec::new()),
    };
    let settings = Settings::from_config(&config)?;
    if config.contract.approvers_from == Some(ApproverSource::Codeowners) {
        config.contract.codeowners = load_codeowners(base.as_ref())?.map(Arc::new);
    }
    if args.approvals_from_github {
        let query = review_query(&args)?;
        let reviewers = github::approving_reviewers(&query)
            .map_err(|e| Failure(format!("--approvals-from-github: {e}")))?;
        config.contract.reviewed_by = Some(Arc::new(reviewers));
    }
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
        config.layout = Some(l);
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
                        at: None,
                    }],
                }
            }
        }
    } else {
        let paths = lint_paths(&args, &config)?;
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
    // Files read by psql includes become units of their own, right after their includer.
    crate::parse::includes::expand(&mut set);
    if let Some(base) = &base {
        diff_base::mark_changes(base, &mut set.units, &config);
    }
    if let Some(base_config) = &base_config {
        let mut linted: Vec<PathBuf> = set.units.iter().map(|u| u.source.path.clone()).collect();
        linted.extend(set.problems.iter().map(|p| p.path.clone()));
        linted.dedup();
        weakenings.extend(rs007_gate_weakened::filter_weakenings(
            base_config,
            &head_config,
            &linted,
        ));
    }
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let format = args.format.unwrap_or(if to_terminal {
        Format::Human
    } else {
        Format::Compact
    });
    let options = Options { today };
    let outputs = crate::analyze::Outputs {
        rollback_plan: std::iter::once(format)
            .chain(args.also.iter().map(|(f, _)| *f))
            .any(Format::reads_rollback_plan),
        statement_facts: std::iter::once(format)
            .chain(args.also.iter().map(|(f, _)| *f))
            .any(Format::reads_statement_facts),
        source_text: std::iter::once(format)
            .chain(args.also.iter().map(|(f, _)| *f))
            .any(Format::reads_source_text),
    };
    if base.is_none() && format == Format::Compact && args.also.is_empty() {
        return check_compact(&args, set, &config, &settings, &options, outputs);
    }
    let mut report = check::check_for(set, &config, &settings, &options, base.as_ref(), outputs);
    if let Some(base) = &base {
        // Every migration was replayed; only the changed ones are reported.
        report.units.retain(|u| {
            u.migration
                .change
                .is_some_and(|c| c.unit != UnitChange::Unchanged)
        });
        // A problem is reported when its file changed, or when its file runs as part of a
        // changed migration (a psql include of a new migration that cannot be followed).
        let reported: std::collections::HashSet<&Path> = report
            .units
            .iter()
            .map(|u| u.migration.source.path.as_path())
            .collect();
        let keep: Vec<bool> = report
            .problems
            .iter()
            .map(|p| {
                diff_base::file_changed(base, &p.problem.path)
                    || reported.contains(p.problem.path.as_path())
            })
            .collect();
        let mut keep = keep.into_iter();
        report.problems.retain(|_| keep.next().unwrap_or(false));
        if let Some(severity) = settings.severity(Code::RS007) {
            report
                .problems
                .extend(gate_findings(&weakenings, &head_config, base, severity));
        }
    }

    let render_options = RenderOptions {
        color: to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        show_suppressed: !args.hide_suppressed,
        // Only SARIF and GitHub annotations print paths relative to the repository root;
        // finding it runs git, which costs more than linting one file (the pre-commit case).
        root: if std::iter::once(format)
            .chain(args.also.iter().map(|(f, _)| *f))
            .any(|f| matches!(f, Format::Sarif | Format::Github))
        {
            base.as_ref()
                .map_or_else(diff_base::repository_root, |b| b.toplevel.clone())
        } else {
            std::path::PathBuf::new()
        },
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
    match &args.output {
        Some(path) => std::fs::File::create(path)
            .and_then(|file| {
                let mut file = std::io::BufWriter::new(file);
                report::write(format, &report, &render_options, &mut file)?;
                std::io::Write::flush(&mut file)
            })
            .map_err(|e| Failure(format!("cannot write {}: {e}", path.display())))?,
        None => write_stdout_with(|out| report::write(format, &report, &render_options, out))?,
    }
    let failing = args
        .fail_on
        .severity()
        .map_or(0, |level| report::Totals::of(&report).at_least(level));
    // The process ends right after this: freeing every statement, finding and file of the
    // report one by one would only delay the exit (about 3% of a large run's time).
    std::mem::forget(report);
    Ok(if failing > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}

/// `check --format compact` (without a diff base or `--also`): the report is written as the
/// run makes it (see `check::check_into`), so a long history's findings are never all held.
fn check_compact(
    args: &CheckArgs,
    set: discover::MigrationSet,
    config: &Config,
    settings: &Settings,
    options: &Options,
    outputs: crate::analyze::Outputs,
) -> Result<u8, Failure> {
    let run = |sink: &mut dyn crate::rules::ReportSink| {
        check::check_into(set, config, settings, options, outputs, sink)
    };
    let (totals, written) = match &args.output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .map_err(|e| Failure(format!("cannot write {}: {e}", path.display())))?;
            let (totals, written) = write_compact(std::io::BufWriter::new(file), args, run);
            let written =
                written.map_err(|e| Failure(format!("cannot write {}: {e}", path.display())));
            (totals, written)
        }
        None => {
            let stdout = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout());
            let (totals, written) = write_compact(stdout, args, run);
            let written = match written {
                // A closed pipe (`rollsafe check | head`) is not a tool failure.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => {
                    other.map_err(|e| Failure(format!("cannot write to standard output: {e}")))
                }
            };
            (totals, written)
        }
    };
    written?;
    let failing = args
        .fail_on
        .severity()
        .map_or(0, |level| totals.at_least(level));
    Ok(if failing > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}

/// What `run` hands over, written to `out` in the compact format; the findings counted.
fn write_compact<W: std::io::Write + Send>(
    out: W,
    args: &CheckArgs,
    run: impl FnOnce(&mut dyn crate::rules::ReportSink),
) -> (report::Totals, std::io::Result<()>) {
    let mut writer = report::compact::Writer::new(out, !args.hide_suppressed);
    run(&mut writer);
    let (totals, written) = writer.finish();
    (totals, written.map(drop))
}

/// The paths `check` lints: the ones given, else the config's `migrations` directories.
fn lint_paths(args: &CheckArgs, config: &Config) -> Result<Vec<PathBuf>, Failure> {
    if !args.paths.is_empty() {
        return Ok(args.paths.clone());
    }
    let base = config.base_dir().map(PathBuf::from).unwrap_or_default();
    let dirs: Vec<PathBuf> = config.migrations.iter().map(|d| base.join(d)).collect();
    if dirs.is_empty() {
        return Err(Failure(
            "no paths given and no `migrations` directories in rollsafe.toml (try `rollsafe check db/migrations`)".into(),
        ));
    }
    Ok(dirs)
}

fn folder_of(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.to_path_buf()
    } else {
        path.parent().map(PathBuf::from).unwrap_or_default()
    }
}

/// The config the diff base linted with: the file at the `--config` path in the base revision,
/// else the nearest `rollsafe.toml` walking up from the working directory in the base revision.
/// `None` when the change's config lies outside the repository (no change can edit it); the
/// defaults when the base had no config (then adding one cannot weaken anything below them).
fn base_config(
    base: &DiffBase,
    explicit: Option<&PathBuf>,
    head: &Config,
) -> Result<Option<Config>, Failure> {
    if let Some(path) = &head.path
        && !crate::source::canonical(&absolute(path)).starts_with(&base.toplevel)
    {
        return Ok(None);
    }
    let candidates: Vec<PathBuf> = match explicit {
        Some(p) => vec![absolute(p)],
        None => {
            let cwd = std::env::current_dir()
                .map_err(|e| Failure(format!("cannot read the working directory: {e}")))?;
            cwd.ancestors()
                .map(|d| d.join(crate::config::FILE_NAME))
                .filter(|p| crate::source::canonical(p).starts_with(&base.toplevel))
                .collect()
        }
    };
    for candidate in candidates {
        if let Some(text) = base.base_text(&candidate) {
            // Paths in it resolve against the same folder as the change's file would.
            let shown = head.path.clone().unwrap_or(candidate);
            return Config::parse(&text, &shown).map(Some).map_err(|e| {
                Failure(format!(
                    "the config at the diff base ({}) is invalid: {e}",
                    base.short_commit()
                ))
            });
        }
    }
    Ok(Some(Config::default()))
}

fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        return path.to_path_buf();
    }
    std::env::current_dir()
        .map(|cwd| cwd.join(path))
        .unwrap_or_else(|_| path.to_path_buf())
}

/// RS007 findings, at the line of each weakened key in the change's config file.
fn gate_findings(
    weakenings: &[Weakening],
    head: &Config,
    base: &DiffBase,
    severity: crate::config::Severity,
) -> Vec<ProblemReport> {
    let path = head
        .path
        .clone()
        .unwrap_or_else(|| PathBuf::from(crate::config::FILE_NAME));
    // Shown like migration paths: relative to the working directory when under it.
    let path = std::env::current_dir()
        .ok()
        .and_then(|cwd| absolute(&path).strip_prefix(&cwd).ok().map(PathBuf::from))
        .unwrap_or(path);
    let source = SourceFile::new(path.clone(), head.text.clone());
    weakenings
        .iter()
        .map(|w| ProblemReport {
            code: Code::RS007,
            start: source.line_col(w.offset),
            finding_message: w.message(base.short_commit()),
            severity,
            problem: discover::InputProblem {
                path: path.clone(),
                message: w.message(base.short_commit()),
                offset: Some(w.offset),
                at: Some(source.line_col(w.offset)),
            },
        })
        .collect()
}

/// The CODEOWNERS file GitHub would use: with a diff base, the base revision's (GitHub takes
/// code owners from the base branch, so a change cannot make its author an owner); else the one
/// in the working tree. `None` when there is none.
fn load_codeowners(base: Option<&DiffBase>) -> Result<Option<Codeowners>, Failure> {
    let root = match base {
        Some(base) => base.toplevel.clone(),
        None => diff_base::repository_root(),
    };
    for location in codeowners::LOCATIONS {
        let path = root.join(location);
        let text = match base {
            Some(base) => base.base_text(&path),
            None => match std::fs::read_to_string(&path) {
                Ok(text) => Some(text),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(Failure(format!("cannot read {}: {e}", path.display()))),
            },
        };
        if let Some(text) = text {
            return Ok(Some(Codeowners::parse(
                &text,
                PathBuf::from(location),
                root,
            )));
        }
    }
    Ok(None)
}

/// What --approvals-from-github asks, from the options and the job's environment.
fn review_query(args: &CheckArgs) -> Result<ReviewQuery, Failure> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let event: serde_json::Value = match var("GITHUB_EVENT_PATH") {
        Some(path) if args.pull_request.is_none() || args.head_sha.is_none() => {
            let text = std::fs::read_to_string(&path).map_err(|e| {
                Failure(format!(
                    "--approvals-from-github: cannot read GITHUB_EVENT_PATH {path}: {e}"
                ))
            })?;
            serde_json::from_str(&text).map_err(|e| {
                Failure(format!(
                    "--approvals-from-github: GITHUB_EVENT_PATH {path} is not JSON: {e}"
                ))
            })?
        }
        _ => serde_json::Value::Null,
    };
    let missing = |what: &str| {
        Failure(format!(
            "--approvals-from-github needs {what} (run it on a pull_request event, or pass it)"
        ))
    };
    let pull_number = args
        .pull_request
        .or_else(|| event["pull_request"]["number"].as_u64())
        .ok_or_else(|| missing("the pull request number (--pull-request)"))?;
    let head_sha = args
        .head_sha
        .clone()
        .or_else(|| {
            event["pull_request"]["head"]["sha"]
                .as_str()
                .map(String::from)
        })
        .ok_or_else(|| missing("the head commit (--head-sha)"))?;
    Ok(ReviewQuery {
        api_url: var("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".into()),
        repository: var("GITHUB_REPOSITORY").ok_or_else(|| missing("GITHUB_REPOSITORY"))?,
        pull_number,
        head_sha,
        token: var("GITHUB_TOKEN").ok_or_else(|| missing("GITHUB_TOKEN"))?,
    })
}
