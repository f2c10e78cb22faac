//! `rollsafe verify`: run the migrations against a real PostgreSQL and hold the static facts
//! (locks, rewrites, transactionality) and the down migrations against what the server does.
//!
//! Per migration folder (one database history), for each up migration in apply order:
//! 1. apply it the way its tool does, statement by statement, observing each statement
//!    ([`apply`]); compare with the predicted facts ([`compare`]): RS501;
//! 2. apply its down, if it has one, and compare a catalog snapshot ([`catalog`]) with the one
//!    taken before the up: RS502;
//! 3. apply the up again: it must succeed and give the same catalog as the first time: RS503.
//!
//! A sqitch verify script runs right after its deploy.
//!
//! A failing statement is RS504 (RS505 when only rows already in a table made it fail); it
//! stops its folder, since every later migration depends on it.
//!
//! The static pipeline is read through one function, [`static_report`].

pub mod apply;
pub mod catalog;
pub mod cluster;
pub mod compare;
pub mod data;

use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Serialize;

use crate::analyze::StatementFacts;
use crate::check;
use crate::config::{Config, RuleLevel, Severity};
use crate::discover::{self, Direction};
use crate::parse::markers::Date;
use crate::rules::{Code, Diagnostic};
use crate::rules::{Finding, Report, Settings, Suppression, SuppressionKind, UnitReport};
use crate::source::Span;

use apply::{Observed, ServerError, Target, UnitRun};
use catalog::Difference;

/// Which server to run on.
#[derive(Debug, Clone)]
pub enum Server {
    /// Start a throwaway cluster with the server binaries in this folder (or found on the
    /// machine when `None`).
    Throwaway { bindir: Option<PathBuf> },
    /// A scratch database the user provides.
    Url { url: String, allow_nonempty: bool },
}

#[derive(Debug, Clone)]
pub struct VerifyOptions {
    pub server: Server,
    /// Fill every existing table with a few generated rows before each up migration.
    pub fill_data: bool,
    pub today: Date,
}

/// Counts for the summary line and the JSON `verify` object.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub server_version: String,
    /// Up (and repeatable) migrations found.
    pub migrations: usize,
    /// Applied without error.
    pub applied: usize,
    pub failed: usize,
    /// Not run because an earlier migration of their folder failed.
    pub not_run: usize,
    /// Downs applied and compared with the catalog before their up.
    pub downs_checked: usize,
    /// Ups applied a second time after their down.
    pub reapplied: usize,
    /// sqitch verify scripts run after their deploy.
    pub verify_scripts_run: usize,
    /// Tables `--data` filled with generated rows.
    pub tables_filled: usize,
    pub statements_run: usize,
    /// Statements whose observed facts were compared with the predicted ones.
    pub statements_compared: usize,
    pub disagreements: usize,
}

/// What `verify` found: the static report (predicted facts) with verify's findings in place of
/// `check`'s, and what the server did for each statement.
pub struct Outcome {
    pub report: Report,
    /// Per unit of `report.units`, per statement: what the first application observed
    /// (`None`: not run).
    pub observed: Vec<Vec<Option<Observed>>>,
    pub summary: Summary,
    /// Things the user should know that are not findings (skipped meta-commands, ...).
    pub notes: Vec<String>,
}

// The static pipeline (discover → check), read in these two functions only.

/// The migration units under `paths`, in apply order.
pub fn discover_migrations(paths: &[PathBuf], config: &Config) -> discover::MigrationSet {
    discover::discover(paths, config)
}

/// The facts `check` predicts, for the server's major version.
pub fn static_report(
    mut set: discover::MigrationSet,
    config: &Config,
    pg_major: u32,
    today: Date,
) -> Result<Report, String> {
    for unit in &mut set.units {
        unit.target = crate::target::Target::postgres(pg_major);
    }
    let settings = Settings::from_config(config).map_err(|e| e.to_string())?;
    Ok(check::check(
        set,
        config,
        &settings,
        &check::Options { today },
        None,
    ))
}

/// The database the migrations run in, and how to open more sessions on it.
struct Database {
    client: postgres::Client,
    target: Target,
    /// In a throwaway cluster: a session on the `postgres` database, to copy this one (a
    /// checkpoint to go on from when a down or a second up fails).
    admin: Option<postgres::Config>,
    copies: usize,
}

/// A client error with its causes (the top one alone often says only "error connecting").
pub fn describe(e: &postgres::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = cause.source();
    }
    text
}

fn connect(config: postgres::Config) -> Result<Database, String> {
    let client = config
        .connect(postgres::NoTls)
        .map_err(|e| format!("cannot connect to the database: {}", describe(&e)))?;
    Ok(Database {
        client,
        target: Target { config },
        admin: None,
        copies: 0,
    })
}

impl Database {
    fn name(&self) -> String {
        self.target
            .config
            .get_dbname()
            .unwrap_or_default()
            .to_string()
    }

    fn admin(&self) -> Result<Option<postgres::Client>, String> {
        self.admin
            .as_ref()
            .map(|c| c.connect(postgres::NoTls))
            .transpose()
            .map_err(|e| format!("cannot connect to the throwaway server: {e}"))
    }

    /// Go on in a new, empty database (throwaway cluster only); false when there is none.
    fn start_over(&mut self) -> Result<bool, String> {
        let Some(mut admin) = self.admin()? else {
            return Ok(false);
        };
        self.copies += 1;
        let name = format!("{}_r{}", self.name(), self.copies);
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .map_err(|e| format!("cannot create a database: {e}"))?;
        self.target.config.dbname(&name);
        self.client = self
            .target
            .connect()
            .map_err(|e| format!("cannot connect to the database: {e}"))?;
        Ok(true)
    }
}

fn server_version(client: &mut postgres::Client) -> Result<(u32, String), String> {
    let row = client
        .query_one(
            "SELECT current_setting('server_version_num')::int, current_setting('server_version')",
            &[],
        )
        .map_err(|e| format!("cannot read the server version: {e}"))?;
    let num: i32 = row.get(0);
    Ok((u32::try_from(num).unwrap_or(0) / 10000, row.get(1)))
}

const USER_TABLES_SQL: &str = "SELECT n.nspname || '.' || c.relname FROM pg_class c \
    JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') \
    AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' \
    ORDER BY 1";

/// Verify the migrations under `paths`.
pub fn verify(
    paths: &[PathBuf],
    config: &Config,
    options: &VerifyOptions,
) -> Result<Outcome, String> {
    let set = discover_migrations(paths, config);
    if set.units.is_empty() && set.problems.is_empty() {
        // Nothing to run: no server is started. Not a failure (a new project has no
        // migrations yet), but never silent.
        let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Ok(Outcome {
            report: Report {
                units: Vec::new(),
                problems: Vec::new(),
            },
            observed: Vec::new(),
            summary: Summary {
                server_version: "(no server started)".into(),
                ..Summary::default()
            },
            notes: vec![format!(
                "no migration files found under {}",
                shown.join(", ")
            )],
        });
    }
    match &options.server {
        Server::Throwaway { bindir } => {
            let bindir = cluster::find_bindir(bindir.as_deref())?;
            let cluster = cluster::Cluster::start(bindir)?;
            let mut admin = cluster
                .config("postgres")
                .connect(postgres::NoTls)
                .map_err(|e| format!("cannot connect to the throwaway server: {e}"))?;
            let (major, version) = server_version(&mut admin)?;
            let mut n = 0;
            let result = run_groups(set, config, options, major, version, |_group| {
                n += 1;
                let name = format!("rollsafe_verify_{n}");
                admin
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .map_err(|e| format!("cannot create a database: {e}"))?;
                let mut db = connect(cluster.config(&name))?;
                db.admin = Some(cluster.config("postgres"));
                Ok(db)
            });
            drop(admin);
            drop(cluster);
            result
        }
        Server::Url {
            url,
            allow_nonempty,
        } => {
            let config_pg = postgres::Config::from_str(url)
                .map_err(|e| format!("--database-url is not a PostgreSQL URL: {e}"))?;
            let mut db = connect(config_pg)?;
            let (major, version) = server_version(&mut db.client)?;
            let tables: Vec<String> = db
                .client
                .query(USER_TABLES_SQL, &[])
                .map_err(|e| format!("cannot list the database's tables: {e}"))?
                .iter()
                .map(|r| r.get(0))
                .collect();
            if !tables.is_empty() && !allow_nonempty {
                return Err(format!(
                    "the database at --database-url already holds {} table(s) ({}{}): verify \
                     changes the database it runs on, so give it an empty scratch database, or \
                     pass --allow-nonempty if this one is disposable",
                    tables.len(),
                    tables[..tables.len().min(3)].join(", "),
                    if tables.len() > 3 { ", ..." } else { "" }
                ));
            }
            let mut db = Some(db);
            run_groups(set, config, options, major, version, |group| {
                db.take().ok_or_else(|| {
                    format!(
                        "--database-url holds one database history, but the paths hold several \
                         migration folders; verify {} on its own",
                        group.display()
                    )
                })
            })
        }
    }
}

fn run_groups(
    set: discover::MigrationSet,
    config: &Config,
    options: &VerifyOptions,
    major: u32,
    version: String,
    mut database_for: impl FnMut(&Path) -> Result<Database, String>,
) -> Result<Outcome, String> {
    if !crate::config::SUPPORTED_PG_VERSIONS.contains(&major) {
        return Err(format!(
            "the server is PostgreSQL {version}; rollsafe supports 11 to 18"
        ));
    }
    let mut report = static_report(set, config, major, options.today)?;
    for unit in &mut report.units {
        unit.findings.clear();
    }
    let mut run = Run {
        config,
        options,
        observed: report
            .units
            .iter()
            .map(|u| vec![None; u.statements.len()])
            .collect(),
        findings: vec![Vec::new(); report.units.len()],
        summary: Summary {
            server_version: version,
            ..Summary::default()
        },
        notes: Vec::new(),
    };
    // Folders in the order their first unit appears.
    let mut groups: Vec<PathBuf> = Vec::new();
    for unit in &report.units {
        if !groups.contains(&unit.migration.group) {
            groups.push(unit.migration.group.clone());
        }
    }
    for group in &groups {
        let members: Vec<usize> = (0..report.units.len())
            .filter(|&i| &report.units[i].migration.group == group)
            .collect();
        let mut db = database_for(group)?;
        run.group(&mut db, &report.units, &members)?;
    }
    for (unit, findings) in report.units.iter_mut().zip(run.findings) {
        unit.findings = findings;
        unit.findings
            .sort_by_key(|f| (f.diagnostic.span.start, f.diagnostic.code));
    }
    Ok(Outcome {
        report,
        observed: run.observed,
        summary: run.summary,
        notes: run.notes,
    })
}

struct Run<'a> {
    config: &'a Config,
    options: &'a VerifyOptions,
    observed: Vec<Vec<Option<Observed>>>,
    findings: Vec<Vec<Finding>>,
    summary: Summary,
    notes: Vec<String>,
}

fn pg(e: postgres::Error) -> String {
    format!("lost the database connection: {e}")
}

impl Run<'_> {
    fn group(
        &mut self,
        db: &mut Database,
        units: &[UnitReport],
        members: &[usize],
    ) -> Result<(), String> {
        let mut stopped_by: Option<String> = None;
        // Ups applied so far, to build the database again after a failed down.
        let mut applied: Vec<usize> = Vec::new();
        let mut not_run: Vec<String> = Vec::new();
        for &index in members {
            let unit = &units[index];
            if !matches!(
                unit.migration.direction,
                Direction::Up | Direction::Repeatable
            ) {
                continue;
            }
            self.summary.migrations += 1;
            if stopped_by.is_some() {
                self.summary.not_run += 1;
                not_run.push(unit.migration.source.display_path());
                continue;
            }
            if self.options.fill_data {
                self.summary.tables_filled += data::fill(&mut db.client).map_err(pg)?;
            }
            let before = catalog::snapshot(&mut db.client).map_err(pg)?;
            let first = self.apply(db, unit, true)?;
            self.record_first(index, unit, &first);
            if !first.succeeded() {
                self.summary.failed += 1;
                stopped_by = Some(unit.migration.source.display_path());
                continue;
            }
            self.summary.applied += 1;
            applied.push(index);
            // sqitch's verify script for this change: it must pass on what the deploy built.
            let verify_script = members.iter().copied().find(|&i| {
                units[i].migration.direction == Direction::Verify
                    && units[i].migration.name == unit.migration.name
            });
            if let Some(script_index) = verify_script {
                let script = &units[script_index];
                let run = self.apply(db, script, false)?;
                self.summary.verify_scripts_run += 1;
                if let Some((at, error)) = failure(&run) {
                    let message = format!(
                        "the verify script fails after the deploy: {} (SQLSTATE {})",
                        error.message, error.code
                    );
                    self.push(script_index, script, Some(at), Code::RS504, message, None);
                }
            }
            let Some(down_index) = unit.migration.pair.map(|d| d.index()).filter(|&d| {
                units
                    .get(d)
                    .is_some_and(|u| u.migration.direction == Direction::Down)
            }) else {
                continue;
            };
            let down = &units[down_index];
            let after_up = catalog::snapshot(&mut db.client).map_err(pg)?;
            // A failed down or second up leaves the database in a state no history of the
            // tool knows: go on in a new database where the ups so far are applied again, or
            // (in a database the user gave) stop the folder.
            let go_on = |db: &mut Database, run: &mut Self, failed: &UnitReport| {
                let path = failed.migration.source.display_path();
                if !db.start_over()? {
                    return Ok::<_, String>(Some(path));
                }
                for &u in &applied {
                    let again = run.apply(db, &units[u], false)?;
                    if !again.succeeded() {
                        return Ok(Some(path));
                    }
                }
                run.notes.push(format!(
                    "{path}: its down or its second application failed; the next migrations run on a new database where the ups so far were applied again"
                ));
                Ok(None)
            };
            // The down's facts are predicted on the schema its up left: observe it too.
            let down_run = self.apply(db, down, true)?;
            self.record_first(down_index, down, &down_run);
            if !down_run.succeeded() {
                stopped_by = go_on(db, self, down)?;
                continue;
            }
            self.summary.downs_checked += 1;
            let after_down = catalog::snapshot(&mut db.client).map_err(pg)?;
            for d in catalog::diff(&before, &after_down) {
                let message = down_message(&d);
                self.push(down_index, down, None, Code::RS502, message, None);
            }
            let second = self.apply(db, unit, false)?;
            if let Some((at, error)) = failure(&second) {
                let message = format!(
                    "the up fails when applied again after its down: {} ({})",
                    error.message, error.code
                );
                let help = "the down leaves something behind that the up creates (or removes \
                            something the up needs): make the down undo exactly what the up did";
                self.push(index, unit, Some(at), Code::RS503, message, Some(help));
                stopped_by = go_on(db, self, unit)?;
                continue;
            }
            self.summary.reapplied += 1;
            let again = catalog::snapshot(&mut db.client).map_err(pg)?;
            for d in catalog::diff(&after_up, &again) {
                let message = reapply_message(&d);
                self.push(index, unit, None, Code::RS503, message, None);
            }
        }
        if let (Some(by), Some(first)) = (&stopped_by, not_run.first()) {
            self.notes.push(match not_run.len() {
                1 => format!("{first}: not run: {by} failed before it"),
                n => format!(
                    "{n} migrations not run ({first} to {}): {by} failed before them",
                    not_run.last().unwrap_or(first)
                ),
            });
        }
        Ok(())
    }

    fn apply(
        &mut self,
        db: &mut Database,
        unit: &UnitReport,
        observe: bool,
    ) -> Result<UnitRun, String> {
        // Each migration starts from a clean session, as with a tool's fresh connection.
        db.client.batch_execute("RESET ALL").map_err(pg)?;
        apply::apply_unit(
            &mut db.client,
            &db.target,
            &unit.migration.source,
            &unit.statements,
            runs_in_one_transaction(unit),
            observe,
        )
        .map_err(|e| {
            format!(
                "{}: lost the database connection: {e}",
                unit.migration.source.display_path()
            )
        })
    }

    fn record_first(&mut self, index: usize, unit: &UnitReport, run: &UnitRun) {
        for (i, observed) in run.statements.iter().enumerate() {
            let facts = &unit.statements[i];
            if let Some(skip) = observed.skipped {
                let why = match skip {
                    apply::SkipReason::PsqlMetaCommand => {
                        "a psql client setting, not sent to the server"
                    }
                    apply::SkipReason::PsqlInclude => {
                        "psql includes are not followed: the included statements were not run"
                    }
                };
                self.notes.push(format!(
                    "{}:{}: {} skipped: {why}",
                    unit.migration.source.display_path(),
                    facts.start.line,
                    facts.kind
                ));
            } else {
                self.summary.statements_run += 1;
            }
            if observed.error.is_none() && observed.skipped.is_none() {
                self.summary.statements_compared += 1;
                let disagreements = compare::compare(facts, observed);
                if !disagreements.is_empty() {
                    self.summary.disagreements += disagreements.len();
                    let described: Vec<String> =
                        disagreements.iter().map(|d| d.describe()).collect();
                    let message = format!(
                        "the server did not do what rollsafe predicted: {}",
                        described.join("; ")
                    );
                    let help = "a bug in rollsafe's facts, or a server setting that changes what \
                                this statement does; please report it with the statement and \
                                the server version";
                    self.push(index, unit, Some(i), Code::RS501, message, Some(help));
                }
            }
            if let Some(slot) = self.observed[index].get_mut(i) {
                *slot = Some(observed.clone());
            }
        }
        if let Some((at, error)) = failure(run) {
            let by_data = error.is_caused_by_data()
                && unit.statements.get(at).is_some_and(checks_existing_rows);
            let code = if by_data { Code::RS505 } else { Code::RS504 };
            self.server_error(index, unit, at, error, code, "this statement");
        }
    }

    fn server_error(
        &mut self,
        index: usize,
        unit: &UnitReport,
        at: usize,
        error: ServerError,
        code: Code,
        what: &str,
    ) {
        let message = match code {
            Code::RS505 => format!(
                "fails on a table that holds rows: {} (SQLSTATE {})",
                error.message, error.code
            ),
            _ => format!(
                "{what} failed on the server: {} (SQLSTATE {}); the migration stops here{}",
                error.message,
                error.code,
                if runs_in_one_transaction(unit) {
                    " and its transaction is rolled back"
                } else {
                    ", and the statements before it stay applied (it does not run in a transaction)"
                }
            ),
        };
        self.push(index, unit, Some(at), code, message, None);
    }

    fn push(
        &mut self,
        index: usize,
        unit: &UnitReport,
        statement: Option<usize>,
        code: Code,
        message: String,
        help: Option<&str>,
    ) {
        let Some(severity) = severity_for(code, self.config) else {
            return;
        };
        let span = statement
            .and_then(|i| unit.statements.get(i))
            .or(unit.statements.first())
            .map_or(
                Span::new(unit.migration.range.start, unit.migration.range.start),
                |s| s.span,
            );
        let mut diagnostic = Diagnostic::new(code, span, message);
        diagnostic.statement = statement.filter(|&i| i < unit.statements.len());
        diagnostic.help = help.map(|h| h.to_string().into());
        let source = &unit.migration.source;
        let suppression = allowed(unit, diagnostic.statement, code);
        self.findings[index].push(Finding {
            start: source.line_col(span.start),
            end: source.line_col(span.end),
            diagnostic,
            severity,
            suppression,
        });
    }
}

/// Whether the unit's statements run in one transaction: the tool's own (Flyway drops it for a
/// migration with a statement that cannot run in one), or the implicit one PostgreSQL makes of
/// a multi-statement query string, for tools that send the unit as one string without opening
/// a transaction. A unit with its own BEGIN/COMMIT runs as written.
fn runs_in_one_transaction(unit: &UnitReport) -> bool {
    let m = &unit.migration;
    let sql: Vec<&StatementFacts> = unit
        .statements
        .iter()
        .filter(|s| !s.is_psql_meta())
        .collect();
    let has_tx_control = sql.iter().any(|s| {
        s.changes
            .iter()
            .any(|c| matches!(c, crate::analyze::Change::Transaction(_)))
    });
    if m.transaction.wrapped() {
        let flyway_drops_it =
            m.layout == crate::discover::Layout::Flyway && sql.iter().any(|s| !s.transactional);
        return !flyway_drops_it;
    }
    m.transaction.mode == crate::discover::TransactionMode::OneQueryString
        && sql.len() > 1
        && !has_tx_control
}

/// The suppression a valid `rollsafe:allow CODE reason=...` marker grants a finding (on its
/// statement, or file-wide), as `check` honours them; break-glass lets verify's findings
/// through too.
fn allowed(unit: &UnitReport, statement: Option<usize>, code: Code) -> Option<Suppression> {
    use crate::parse::MarkerKind;
    let own: &[usize] = statement
        .and_then(|i| unit.statements.get(i))
        .map_or(&[], |s| s.markers.as_slice());
    let markers = unit
        .markers
        .iter()
        .enumerate()
        .filter(|(i, m)| (m.file_scope || own.contains(i)) && m.problems.is_empty())
        .map(|(_, m)| m);
    for m in markers {
        let kind = match m.kind {
            Some(MarkerKind::BreakGlass) => SuppressionKind::BreakGlass,
            Some(MarkerKind::Allow)
                if m.get("reason").is_some()
                    && m.codes
                        .iter()
                        .any(|(c, _)| Code::parse(c.trim_end_matches(',')) == Some(code)) =>
            {
                SuppressionKind::Allow
            }
            _ => continue,
        };
        return Some(Suppression {
            kind,
            justification: m.justification(),
        });
    }
    None
}

/// The statement that failed and its error; a failed closing COMMIT counts as the last
/// statement's.
fn failure(run: &UnitRun) -> Option<(usize, ServerError)> {
    if let Some(at) = run.failed_at {
        let error = run.statements.get(at).and_then(|s| s.error.clone())?;
        return Some((at, error));
    }
    run.commit_error
        .clone()
        .map(|e| (run.statements.len().saturating_sub(1), e))
}

/// A schema change that checks or converts the rows already in a table (ALTER TABLE, CREATE
/// INDEX): its constraint and conversion errors come from those rows. Other statements' data
/// errors (an INSERT's, a SELECT's) are their own.
fn checks_existing_rows(facts: &StatementFacts) -> bool {
    facts.changes.iter().any(|c| {
        matches!(
            c,
            crate::analyze::Change::AlterTable { .. } | crate::analyze::Change::CreateIndex { .. }
        )
    })
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

fn quoted(definition: &str) -> String {
    catalog::short(definition).map_or_else(String::new, |d| format!(" ({d})"))
}

fn down_message(d: &Difference) -> String {
    match d {
        Difference::Missing { object, definition } => format!(
            "the down does not restore {object}{}, which existed before the up",
            quoted(definition)
        ),
        Difference::Extra { object, definition } => format!(
            "the down leaves {object}{} behind: it did not exist before the up",
            quoted(definition)
        ),
        Difference::Changed {
            object,
            expected,
            actual,
        } => match (catalog::short(expected), catalog::short(actual)) {
            (Some(e), Some(a)) => {
                format!("the down leaves {object} as `{a}`; before the up it was `{e}`")
            }
            _ => format!("the down leaves {object} with a definition other than before the up"),
        },
    }
}

fn reapply_message(d: &Difference) -> String {
    match d {
        Difference::Missing { object, .. } => {
            format!("applied again after its down, the up no longer creates {object}")
        }
        Difference::Extra { object, .. } => format!(
            "applied again after its down, the up leaves {object}, which the first application did not"
        ),
        Difference::Changed {
            object,
            expected,
            actual,
        } => match (catalog::short(expected), catalog::short(actual)) {
            (Some(e), Some(a)) => format!(
                "applied again after its down, the up leaves {object} as `{a}`; the first time it was `{e}`"
            ),
            _ => format!(
                "applied again after its down, the up leaves {object} with another definition than the first time"
            ),
        },
    }
}

/// The JSON output: `check`'s, with `observed` next to the predicted facts of each statement
/// and a `verify` summary.
pub fn render_json(outcome: &Outcome) -> String {
    let built = crate::report::json::build(&outcome.report);
    let mut value = match serde_json::to_value(&built) {
        Ok(v) => v,
        Err(e) => return format!("{{\"error\": \"{e}\"}}\n"),
    };
    let offset = outcome.report.problems.len();
    if let Some(files) = value.get_mut("files").and_then(|f| f.as_array_mut()) {
        for (u, observed) in outcome.observed.iter().enumerate() {
            let Some(statements) = files
                .get_mut(offset + u)
                .and_then(|f| f.get_mut("statements"))
                .and_then(|s| s.as_array_mut())
            else {
                continue;
            };
            for (statement, seen) in statements.iter_mut().zip(observed) {
                if let Some(obj) = statement.as_object_mut() {
                    let seen = seen
                        .as_ref()
                        .and_then(|o| serde_json::to_value(o).ok())
                        .unwrap_or(serde_json::Value::Null);
                    obj.insert("observed".into(), seen);
                }
            }
        }
    }
    if let Some(obj) = value.as_object_mut() {
        obj.insert(
            "verify".into(),
            serde_json::to_value(&outcome.summary).unwrap_or_default(),
        );
    }
    let mut s = serde_json::to_string_pretty(&value).unwrap_or_default();
    s.push('\n');
    s
}

impl Summary {
    /// One line for the end of the run.
    pub fn line(&self) -> String {
        format!(
            "verified against PostgreSQL {}: {} of {} migrations applied ({} failed, {} not run), \
             {} downs checked, {} re-applied; {} statements run, {} compared with the predicted \
             facts, {} disagreements",
            self.server_version,
            self.applied,
            self.migrations,
            self.failed,
            self.not_run,
            self.downs_checked,
            self.reapplied,
            self.statements_run,
            self.statements_compared,
            self.disagreements
        )
    }
}
