//! Layout detection, ordering, pairing and per-tool transaction semantics.
//!
//! Each file is placed in a *group* (the folder whose migrations form one sequence):
//! - diesel `DIR/up.sql`, `DIR/down.sql` and Prisma `DIR/migration.sql`: the folder holding the
//!   migration folders;
//! - sqitch `deploy/`, `revert/`, `verify/` scripts: the project folder holding `sqitch.plan`;
//! - everything else: the file's own folder, where the layout is detected from the files' names
//!   and contents (goose/dbmate/Liquibase markers, Flyway names, `{version}_{name}.up.sql`, ...).
//!
//! `layout` in rollsafe.toml forces one layout; a file that does not fit it is linted as plain.
//! A file that does not follow the naming of the tool its folder uses is also linted as plain,
//! after the tool's migrations, with a transaction reason saying the tool will not apply it.
//! See docs/layouts.md for each tool's rules and the documentation they come from.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::names::{self, FlywayName, UpDownName, VersionKey};
use super::order::Draft;
use super::scan;
use super::sections;
use super::walk::{self, Loaded, PathContext};
use super::{Direction, InputProblem, Layout, Migration, MigrationSet, Transaction};
use crate::config::Config;
use crate::source::{SourceFile, Span};

impl Layout {
    /// Whether the tool hands a whole unit to PostgreSQL as one query string (simple-query
    /// protocol). When the tool opens no transaction itself, PostgreSQL still runs such a
    /// multi-statement string as one implicit transaction, so a statement that cannot run in a
    /// transaction block (CREATE INDEX CONCURRENTLY, ...) fails unless it is alone in the unit.
    /// Tools that send statements one at a time (goose, Flyway, Liquibase, sqitch's psql) give
    /// `false`; so does `plain`, whose tool is unknown.
    pub fn sends_unit_as_one_query(self) -> bool {
        matches!(
            self,
            Layout::GolangMigrate | Layout::Sqlx | Layout::Diesel | Layout::Prisma | Layout::Dbmate
        )
    }

    /// When the tool opens no transaction itself but hands the whole unit to PostgreSQL as one query
    /// string, PostgreSQL runs a multi-statement string as one implicit transaction block: how
    /// that tool does it, for messages.
    pub fn one_query_string(self) -> Option<&'static str> {
        if !self.sends_unit_as_one_query() {
            return None;
        }
        Some(match self {
            Layout::GolangMigrate => "golang-migrate sends the whole file as one query string",
            Layout::Dbmate => "dbmate sends the whole migration as one query string",
            Layout::Sqlx => "sqlx sends a `-- no-transaction` migration as one query string",
            Layout::Diesel => {
                "diesel runs a migration without a transaction as one batch (one query string)"
            }
            Layout::Prisma => "Prisma sends the migration script as one query string",
            _ => "the migration tool sends the whole migration as one query string",
        })
    }

    /// How the migration tool lets a migration run without its transaction.
    pub fn transaction_opt_out(self) -> &'static str {
        match self {
            Layout::Sqlx => " (first line `-- no-transaction`)",
            Layout::Diesel => " (`run_in_transaction = false` in its metadata.toml)",
            Layout::Goose => " (`-- +goose NO TRANSACTION` at the top of the file)",
            Layout::Dbmate => " (`-- migrate:up transaction:false`)",
            Layout::Liquibase => " (`runInTransaction:false` on the changeset)",
            Layout::Plain => {
                " (`plain-in-transaction = false` in rollsafe.toml if your runner does not wrap files)"
            }
            _ => "",
        }
    }
}

/// Lint files or directories: walk them, read the SQL files, detect each folder's layout, and
/// return the migration units in application order.
pub fn discover(paths: &[PathBuf], config: &Config) -> MigrationSet {
    let ctx = PathContext::new(config);
    let (candidates, mut problems) = walk::collect(paths, config, &ctx);
    let (loaded, read_problems) = walk::read_all(candidates);
    problems.extend(read_problems);
    let units = assemble(loaded, config, &ctx, &mut problems);
    finish(units, problems)
}

/// One text (standard input) as if it were the file at `path`: the layout is detected from the
/// name, the content, and what lies next to `path` on disk if it exists (diesel's
/// metadata.toml, a sqitch.plan, a Flyway script config file).
pub fn from_text(path: PathBuf, text: String, config: &Config) -> MigrationSet {
    let ctx = PathContext::new(config);
    let display = ctx.display(&path);
    let mut problems = Vec::new();
    if let Some(n) = text.bytes().position(|b| b == 0) {
        problems.push(InputProblem {
            path: display,
            message: format!("contains a NUL byte at byte {n}; is it a binary file?"),
            offset: Some(n),
        });
        return finish(Vec::new(), problems);
    }
    let loaded = vec![Loaded {
        fs_path: path,
        display,
        text,
    }];
    let units = assemble(loaded, config, &ctx, &mut problems);
    finish(units, problems)
}

fn finish(units: Vec<Migration>, mut problems: Vec<InputProblem>) -> MigrationSet {
    problems.sort_by(|a, b| (&a.path, a.offset, &a.message).cmp(&(&b.path, b.offset, &b.message)));
    problems.dedup_by(|a, b| a.path == b.path && a.offset == b.offset && a.message == b.message);
    MigrationSet { units, problems }
}

// ---------------------------------------------------------------------------------------------
// File system look-ups (directory listings and small side files), cached.

struct Fs {
    listings: HashMap<PathBuf, Vec<String>>,
}

impl Fs {
    fn new() -> Self {
        Fs {
            listings: HashMap::new(),
        }
    }

    fn names(&mut self, dir: &Path) -> &[String] {
        self.listings.entry(dir.to_path_buf()).or_insert_with(|| {
            let mut names: Vec<String> = std::fs::read_dir(dir)
                .map(|rd| {
                    rd.filter_map(|e| e.ok())
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
            names.sort();
            names
        })
    }

    fn has(&mut self, dir: &Path, name: &str) -> bool {
        self.names(dir)
            .binary_search_by(|n| n.as_str().cmp(name))
            .is_ok()
    }
}

/// `dir`, or `.` for the empty parent of a bare file name.
fn dir_or_dot(dir: Option<&Path>) -> PathBuf {
    match dir {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Read a small side file; a failure becomes an input problem.
fn read_side_file(
    fs_path: &Path,
    ctx: &PathContext,
    problems: &mut Vec<InputProblem>,
) -> Option<String> {
    match std::fs::read(fs_path) {
        Ok(bytes) => match walk::decode(bytes) {
            Ok(text) => Some(text),
            Err((message, offset)) => {
                problems.push(InputProblem {
                    path: ctx.display(fs_path),
                    message,
                    offset: Some(offset),
                });
                None
            }
        },
        Err(e) => {
            problems.push(InputProblem {
                path: ctx.display(fs_path),
                message: format!("cannot read: {e}"),
                offset: None,
            });
            None
        }
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

// ---------------------------------------------------------------------------------------------
// Placement of each file.

#[derive(Debug, Clone)]
enum Place {
    Flat,
    Diesel {
        dir_name: String,
        version: String,
        up: bool,
    },
    Prisma {
        dir_name: String,
        version: String,
    },
    Sqitch {
        direction: Direction,
        script: String,
    },
}

struct Item {
    source: Arc<SourceFile>,
    fs_path: PathBuf,
    file_name: String,
    place: Place,
}

fn allowed(forced: Option<Layout>, layout: Layout) -> bool {
    forced.is_none_or(|f| f == layout)
}

/// Where a file belongs: its place and its group folder (file-system path).
fn place(fs_path: &Path, forced: Option<Layout>, fs: &mut Fs) -> (Place, PathBuf) {
    let name = file_name(fs_path);
    let parent = dir_or_dot(fs_path.parent());

    if allowed(forced, Layout::Sqitch) {
        for ancestor in fs_path.ancestors().skip(1).take(8) {
            let kind = match ancestor.file_name().and_then(|n| n.to_str()) {
                Some("deploy") => Direction::Up,
                Some("revert") => Direction::Down,
                Some("verify") => Direction::Verify,
                _ => continue,
            };
            let project = dir_or_dot(ancestor.parent());
            if !fs.has(&project, "sqitch.plan") {
                continue;
            }
            let Ok(rel) = fs_path.strip_prefix(ancestor) else {
                continue;
            };
            let rel = crate::source::display_path(rel);
            let script = names::strip_suffix_ci(&rel, ".sql")
                .unwrap_or(&rel)
                .to_string();
            return (
                Place::Sqitch {
                    direction: kind,
                    script,
                },
                project,
            );
        }
    }

    let parent_name = file_name(&parent);
    let grandparent = dir_or_dot(parent.parent());
    if allowed(forced, Layout::Diesel)
        && (name == "up.sql" || name == "down.sql")
        && let Some(version) = names::parse_diesel_dir(&parent_name)
    {
        let place = Place::Diesel {
            dir_name: parent_name,
            version,
            up: name == "up.sql",
        };
        return (place, grandparent);
    }
    if allowed(forced, Layout::Prisma)
        && name == "migration.sql"
        && let Some(version) = names::parse_prisma_dir(&parent_name)
    {
        return (
            Place::Prisma {
                dir_name: parent_name,
                version,
            },
            grandparent,
        );
    }
    (Place::Flat, parent)
}

fn whole(source: &SourceFile) -> Span {
    Span::new(0, source.text.len())
}

fn tx(wrapped: bool, reason: impl Into<String>) -> Transaction {
    Transaction {
        wrapped,
        reason: reason.into(),
    }
}

fn plain_transaction(config: &Config) -> Transaction {
    if config.plain_in_transaction {
        tx(
            true,
            "rollsafe does not know which tool applies this file; `plain-in-transaction = true` in rollsafe.toml says it runs in a transaction",
        )
    } else {
        tx(
            false,
            "rollsafe does not know which tool applies this file; it is assumed to run outside a transaction (set `plain-in-transaction = true` in rollsafe.toml if your tool wraps it)",
        )
    }
}

fn plain_draft(item: &Item, config: &Config, tool: Option<Layout>) -> Draft {
    let stem = names::strip_suffix_ci(&item.file_name, ".sql")
        .unwrap_or(&item.file_name)
        .to_string();
    let mut transaction = plain_transaction(config);
    let rank = match tool {
        Some(tool) => {
            transaction.reason = format!(
                "{tool} will not apply this file: it does not follow {tool}'s file naming or markers, so it is linted as a plain file ({})",
                transaction.reason,
                tool = tool.name(),
            );
            2
        }
        None => 0,
    };
    Draft {
        source: item.source.clone(),
        range: whole(&item.source),
        layout: Layout::Plain,
        direction: Direction::Up,
        version: None,
        name: stem,
        transaction,
        rank,
        key: VersionKey::Lex(item.file_name.clone()),
        pair_key: None,
    }
}

// ---------------------------------------------------------------------------------------------
// Per-tool transaction facts (see docs/layouts.md for the sources).

fn golang_migrate_transaction() -> Transaction {
    tx(
        false,
        "golang-migrate's postgres driver opens no transaction: it sends the whole file as one query, so PostgreSQL runs a file with several statements as one implicit transaction (a statement like CREATE INDEX CONCURRENTLY must be alone in its file); write BEGIN/COMMIT in the file for an explicit transaction",
    )
}

fn sqlx_transaction(text: &str, hint: &str) -> Transaction {
    let mut t = if text.starts_with("-- no-transaction") {
        tx(
            false,
            "the file starts with `-- no-transaction`, so sqlx runs it outside a transaction; sqlx still sends it as one query, which PostgreSQL runs as one implicit transaction when it has several statements",
        )
    } else {
        tx(
            true,
            "sqlx runs each migration in a transaction unless the file starts with `-- no-transaction`",
        )
    };
    if !hint.is_empty() {
        t.reason = format!("{} ({hint})", t.reason);
    }
    t
}

fn diesel_transaction(run_in_transaction: bool) -> Transaction {
    if run_in_transaction {
        tx(
            true,
            "diesel runs each migration in a transaction unless its metadata.toml sets `run_in_transaction = false`",
        )
    } else {
        tx(
            false,
            "metadata.toml sets `run_in_transaction = false`, so diesel runs this migration outside a transaction; diesel still sends it as one batch, which PostgreSQL runs as one implicit transaction when it has several statements",
        )
    }
}

fn prisma_transaction() -> Transaction {
    tx(
        false,
        "Prisma Migrate opens no transaction around migration.sql: it sends the script as one query, so PostgreSQL runs a script with several statements as one implicit transaction; write BEGIN/COMMIT in the script for an explicit transaction",
    )
}

fn goose_transaction(no_transaction: bool) -> Transaction {
    if no_transaction {
        tx(
            false,
            "the file has `-- +goose NO TRANSACTION`, so goose runs both its sections outside a transaction, one statement at a time",
        )
    } else {
        tx(
            true,
            "goose runs each migration in a transaction unless the file has `-- +goose NO TRANSACTION`",
        )
    }
}

fn dbmate_transaction(transaction: bool, marker: &str) -> Transaction {
    if transaction {
        tx(
            true,
            format!(
                "dbmate runs each section in a transaction unless its `-- {marker}` line has `transaction:false`"
            ),
        )
    } else {
        tx(
            false,
            format!(
                "the `-- {marker}` line has `transaction:false`, so dbmate runs this section outside a transaction; dbmate still sends it as one query, which PostgreSQL runs as one implicit transaction when it has several statements"
            ),
        )
    }
}

fn sqitch_transaction() -> Transaction {
    tx(
        false,
        "sqitch opens no transaction: it runs each script with psql, one statement at a time; write BEGIN/COMMIT in the script (sqitch's own templates do) to make it atomic",
    )
}

fn liquibase_transaction(run_in_transaction: bool) -> Transaction {
    if run_in_transaction {
        tx(
            true,
            "Liquibase runs each changeset in a transaction unless its `--changeset` line sets `runInTransaction:false`",
        )
    } else {
        tx(
            false,
            "the `--changeset` line sets `runInTransaction:false`, so Liquibase runs this changeset outside a transaction, one statement at a time",
        )
    }
}

/// `executeInTransaction` from a Flyway script configuration file (`V1__x.sql.conf`).
fn flyway_conf(
    item: &Item,
    fs: &mut Fs,
    ctx: &PathContext,
    problems: &mut Vec<InputProblem>,
) -> Option<(String, bool)> {
    let conf_name = format!("{}.conf", item.file_name);
    let dir = dir_or_dot(item.fs_path.parent());
    if !fs.has(&dir, &conf_name) {
        return None;
    }
    let conf_path = dir.join(&conf_name);
    let text = read_side_file(&conf_path, ctx, problems)?;
    let value = text.lines().find_map(|line| {
        let line = line.trim();
        if line.starts_with('#') {
            return None;
        }
        let (key, value) = line.split_once('=')?;
        (key.trim() == "executeInTransaction").then(|| value.trim().to_ascii_lowercase())
    })?;
    Some((conf_name, value != "false"))
}

fn flyway_transaction(item: &Item, conf: Option<(String, bool)>, pg_version: u32) -> Transaction {
    if let Some((conf_name, execute_in_transaction)) = conf {
        return if execute_in_transaction {
            tx(
                true,
                format!(
                    "`{conf_name}` sets `executeInTransaction=true`, so Flyway runs this migration in a transaction"
                ),
            )
        } else {
            tx(
                false,
                format!(
                    "`{conf_name}` sets `executeInTransaction=false`, so Flyway runs this migration outside a transaction, one statement at a time"
                ),
            )
        };
    }
    let text = &item.source.text;
    let heads = scan::statement_heads(text, 0, text.len(), 16);
    let statements = heads.len();
    for head in &heads {
        if let Some(what) = scan::flyway_non_transactional(head, pg_version) {
            let line = line_of(text, head.start);
            let mixed = if statements > 1 {
                "; since the migration has other statements too, Flyway refuses to run it unless `mixed = true` is configured"
            } else {
                ""
            };
            return tx(
                false,
                format!(
                    "Flyway sees `{what}` (line {line}), a statement that cannot run in a transaction, so it runs this whole migration outside one, one statement at a time{mixed}"
                ),
            );
        }
    }
    tx(
        true,
        "Flyway runs each PostgreSQL migration in a transaction, unless a script config file (`<file>.conf`) sets `executeInTransaction=false` or the script has a statement that cannot run in one (CREATE INDEX CONCURRENTLY, VACUUM, ...)",
    )
}

// ---------------------------------------------------------------------------------------------
// Flat folders: the layout is read from the files' names and contents.

#[derive(Debug, Clone)]
enum Signal {
    Liquibase,
    Goose,
    Dbmate,
    Flyway(FlywayName),
    UpDown(UpDownName),
    Numbered(String, String),
    Other,
}

fn has_goose_up(text: &str) -> bool {
    text.lines()
        .any(|l| sections::goose_annotation(l).as_deref() == Some("up"))
}

fn has_dbmate_up(text: &str) -> bool {
    text.lines().any(sections::is_dbmate_up_marker)
}

/// What a file looks like, restricted to the forced layout when there is one.
fn signal(item: &Item, forced: Option<Layout>) -> Signal {
    let text = &item.source.text;
    let name = &item.file_name;
    let want = |l: Layout| allowed(forced, l);
    if want(Layout::Liquibase) && sections::is_liquibase(text) {
        return Signal::Liquibase;
    }
    if want(Layout::Goose) && has_goose_up(text) {
        return Signal::Goose;
    }
    if want(Layout::Dbmate) && has_dbmate_up(text) {
        return Signal::Dbmate;
    }
    if want(Layout::Flyway)
        && let Some(f) = names::parse_flyway(name)
    {
        return Signal::Flyway(f);
    }
    if (want(Layout::GolangMigrate) || want(Layout::Sqlx))
        && let Some(n) = names::parse_up_down(name)
    {
        return Signal::UpDown(n);
    }
    if want(Layout::Sqlx)
        && let Some((version, stem)) = names::parse_numbered(name)
    {
        return Signal::Numbered(version, stem);
    }
    Signal::Other
}

/// Why a folder of `{version}_{name}` files is taken for sqlx rather than golang-migrate or
/// plain files; empty when it is not.
fn sqlx_hint(items: &[(&Item, Signal)], group: &Path, ctx: &PathContext, fs: &mut Fs) -> String {
    let no_tx_file = items.iter().any(|(item, sig)| {
        matches!(sig, Signal::UpDown(_) | Signal::Numbered(..))
            && item.source.text.starts_with("-- no-transaction")
    });
    if no_tx_file {
        return "layout detected as sqlx: a migration starts with `-- no-transaction`".to_string();
    }
    let abs = ctx.absolute(group);
    let dirs: Vec<PathBuf> = std::iter::once(group.to_path_buf())
        .chain(abs.parent().map(Path::to_path_buf))
        .collect();
    let mut rust = false;
    let mut go = false;
    for dir in &dirs {
        rust |= fs.has(dir, "Cargo.toml") || fs.has(dir, "sqlx.toml");
        go |= fs.has(dir, "go.mod");
    }
    if rust && !go {
        "layout detected as sqlx from the Cargo.toml next to the migrations folder; set `layout` in rollsafe.toml to override".to_string()
    } else {
        String::new()
    }
}

struct FlatEnv<'a> {
    config: &'a Config,
    ctx: &'a PathContext,
}

fn flat_drafts(
    items: &[&Item],
    group: &Path,
    env: &FlatEnv,
    fs: &mut Fs,
    problems: &mut Vec<InputProblem>,
) -> Vec<Draft> {
    let forced = env.config.layout;
    let signals: Vec<(&Item, Signal)> = items
        .iter()
        .map(|item| (*item, signal(item, forced)))
        .collect();
    let hint = if matches!(forced, Some(Layout::GolangMigrate)) {
        String::new()
    } else if matches!(forced, Some(Layout::Sqlx)) {
        "layout set to sqlx in rollsafe.toml".to_string()
    } else {
        sqlx_hint(&signals, group, env.ctx, fs)
    };
    let sqlx = !hint.is_empty();
    let tool_of = |sig: &Signal| -> Option<Layout> {
        match sig {
            Signal::Liquibase => Some(Layout::Liquibase),
            Signal::Goose => Some(Layout::Goose),
            Signal::Dbmate => Some(Layout::Dbmate),
            Signal::Flyway(_) => Some(Layout::Flyway),
            Signal::UpDown(_) if sqlx => Some(Layout::Sqlx),
            Signal::UpDown(_) => Some(Layout::GolangMigrate),
            Signal::Numbered(..) if sqlx => Some(Layout::Sqlx),
            Signal::Numbered(..) | Signal::Other => None,
        }
    };
    // The folder's tool, for files that follow none: the forced layout, or the most common one
    // when at least half of the folder's files follow it.
    let dominant = forced.filter(|l| *l != Layout::Plain).or_else(|| {
        let mut counts: BTreeMap<Layout, usize> = BTreeMap::new();
        for (_, sig) in &signals {
            if let Some(l) = tool_of(sig) {
                *counts.entry(l).or_default() += 1;
            }
        }
        counts
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
            .filter(|(_, count)| count * 2 >= signals.len())
            .map(|(l, _)| l)
    });

    let mut out = Vec::new();
    for (item, sig) in &signals {
        let source = &item.source;
        let text = &source.text;
        let stem = names::strip_suffix_ci(&item.file_name, ".sql")
            .unwrap_or(&item.file_name)
            .to_string();
        match (tool_of(sig), sig) {
            (Some(layout @ (Layout::GolangMigrate | Layout::Sqlx)), Signal::UpDown(n)) => {
                let key = VersionKey::numeric([n.version.as_str()])
                    .unwrap_or(VersionKey::Lex(n.version.clone()));
                let transaction = if layout == Layout::Sqlx {
                    sqlx_transaction(text, if forced.is_some() { "" } else { &hint })
                } else {
                    golang_migrate_transaction()
                };
                out.push(Draft {
                    source: source.clone(),
                    range: whole(source),
                    layout,
                    direction: if n.up { Direction::Up } else { Direction::Down },
                    version: Some(n.version.clone()),
                    name: n.stem.clone(),
                    transaction,
                    rank: 0,
                    pair_key: Some(format!("v:{}", key.canonical())),
                    key,
                });
            }
            (Some(Layout::Sqlx), Signal::Numbered(version, stem)) => {
                let key = VersionKey::numeric([version.as_str()])
                    .unwrap_or(VersionKey::Lex(version.clone()));
                out.push(Draft {
                    source: source.clone(),
                    range: whole(source),
                    layout: Layout::Sqlx,
                    direction: Direction::Up,
                    version: Some(version.clone()),
                    name: stem.clone(),
                    transaction: sqlx_transaction(text, if forced.is_some() { "" } else { &hint }),
                    rank: 0,
                    pair_key: Some(format!("v:{}", key.canonical())),
                    key,
                });
            }
            (Some(Layout::Flyway), Signal::Flyway(f)) => {
                let conf = flyway_conf(item, fs, env.ctx, problems);
                let transaction = flyway_transaction(item, conf, env.config.pg_version);
                let draft = match f {
                    FlywayName::Versioned {
                        version,
                        key,
                        undo,
                        stem,
                    } => Draft {
                        source: source.clone(),
                        range: whole(source),
                        layout: Layout::Flyway,
                        direction: if *undo {
                            Direction::Down
                        } else {
                            Direction::Up
                        },
                        version: Some(version.clone()),
                        name: stem.clone(),
                        transaction,
                        rank: 0,
                        pair_key: Some(format!("v:{}", key.canonical())),
                        key: key.clone(),
                    },
                    FlywayName::Repeatable { description, stem } => Draft {
                        source: source.clone(),
                        range: whole(source),
                        layout: Layout::Flyway,
                        direction: Direction::Repeatable,
                        version: None,
                        name: stem.clone(),
                        transaction,
                        // Flyway applies repeatable migrations after the versioned ones, in the
                        // order of their descriptions.
                        rank: 1,
                        key: VersionKey::Lex(description.clone()),
                        pair_key: None,
                    },
                };
                out.push(draft);
            }
            (Some(Layout::Goose), Signal::Goose) => {
                let Some(g) = sections::goose(text) else {
                    out.push(plain_draft(item, env.config, dominant));
                    continue;
                };
                let version = names::parse_numbered(&item.file_name).map(|(v, _)| v);
                let key = version
                    .as_deref()
                    .and_then(|v| VersionKey::numeric([v]))
                    .unwrap_or_else(|| VersionKey::Lex(item.file_name.clone()));
                let pair_key = Some(format!("file:{}", source.display_path()));
                let mut push = |range: Span, direction: Direction| {
                    out.push(Draft {
                        source: source.clone(),
                        range,
                        layout: Layout::Goose,
                        direction,
                        version: version.clone(),
                        name: stem.clone(),
                        transaction: goose_transaction(g.no_transaction),
                        rank: 0,
                        key: key.clone(),
                        pair_key: pair_key.clone(),
                    })
                };
                push(g.up, Direction::Up);
                if let Some(down) = g.down {
                    push(down, Direction::Down);
                }
            }
            (Some(Layout::Dbmate), Signal::Dbmate) => {
                let Some(d) = sections::dbmate(text) else {
                    out.push(plain_draft(item, env.config, dominant));
                    continue;
                };
                let version = names::leading_digits(&item.file_name).map(str::to_string);
                let key = VersionKey::Lex(item.file_name.clone());
                let pair_key = Some(format!("file:{}", source.display_path()));
                let mut push = |range: Span, direction: Direction, transaction: Transaction| {
                    out.push(Draft {
                        source: source.clone(),
                        range,
                        layout: Layout::Dbmate,
                        direction,
                        version: version.clone(),
                        name: stem.clone(),
                        transaction,
                        rank: 0,
                        key: key.clone(),
                        pair_key: pair_key.clone(),
                    })
                };
                push(
                    d.up.span,
                    Direction::Up,
                    dbmate_transaction(d.up.transaction, "migrate:up"),
                );
                if let Some(down) = d.down {
                    push(
                        down.span,
                        Direction::Down,
                        dbmate_transaction(down.transaction, "migrate:down"),
                    );
                }
            }
            (Some(Layout::Liquibase), Signal::Liquibase) => {
                let display = source.display_path();
                for (index, set) in sections::liquibase(text).into_iter().enumerate() {
                    let key = VersionKey::Seq(display.clone(), index);
                    let pair_key = Some(format!("changeset:{display}#{index}"));
                    let version = Some(format!("{}:{}", set.author, set.id));
                    let transaction = liquibase_transaction(set.run_in_transaction);
                    let mut push = |range: Span, direction: Direction| {
                        out.push(Draft {
                            source: source.clone(),
                            range,
                            layout: Layout::Liquibase,
                            direction,
                            version: version.clone(),
                            name: set.id.clone(),
                            transaction: transaction.clone(),
                            rank: 0,
                            key: key.clone(),
                            pair_key: pair_key.clone(),
                        })
                    };
                    if let Some(up) = set.up {
                        push(up, Direction::Up);
                    }
                    for rollback in &set.rollbacks {
                        push(*rollback, Direction::Down);
                    }
                }
            }
            _ => out.push(plain_draft(item, env.config, dominant)),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Assembly.

struct Group {
    fs_path: PathBuf,
    items: Vec<Item>,
}

pub(crate) fn assemble(
    loaded: Vec<Loaded>,
    config: &Config,
    ctx: &PathContext,
    problems: &mut Vec<InputProblem>,
) -> Vec<Migration> {
    let forced = config.layout;
    let mut fs = Fs::new();
    let mut groups: BTreeMap<PathBuf, Group> = BTreeMap::new();
    for file in loaded {
        let (place, group_fs) = place(&file.fs_path, forced, &mut fs);
        let key = ctx.absolute(&group_fs);
        let item = Item {
            file_name: file_name(&file.fs_path),
            source: SourceFile::new(file.display, file.text),
            fs_path: file.fs_path,
            place,
        };
        groups
            .entry(key)
            .or_insert_with(|| Group {
                fs_path: group_fs,
                items: Vec::new(),
            })
            .items
            .push(item);
    }

    let env = FlatEnv { config, ctx };
    // (group display, draft)
    let mut drafts: Vec<(String, Draft)> = Vec::new();
    for group in groups.values() {
        let group_display = ctx.display(&group.fs_path).to_string_lossy().into_owned();
        let mut out: Vec<Draft> = Vec::new();
        let mut flat: Vec<&Item> = Vec::new();
        let mut sqitch: Vec<&Item> = Vec::new();
        for item in &group.items {
            match &item.place {
                Place::Flat => flat.push(item),
                Place::Sqitch { .. } => sqitch.push(item),
                Place::Diesel {
                    dir_name,
                    version,
                    up,
                } => {
                    let run_in_transaction =
                        diesel_run_in_transaction(item, &mut fs, ctx, problems);
                    out.push(Draft {
                        source: item.source.clone(),
                        range: whole(&item.source),
                        layout: Layout::Diesel,
                        direction: if *up { Direction::Up } else { Direction::Down },
                        version: Some(version.clone()),
                        name: dir_name.clone(),
                        transaction: diesel_transaction(run_in_transaction),
                        rank: 0,
                        key: VersionKey::Lex(version.replace('-', "")),
                        pair_key: Some(format!("dir:{dir_name}")),
                    });
                }
                Place::Prisma { dir_name, version } => out.push(Draft {
                    source: item.source.clone(),
                    range: whole(&item.source),
                    layout: Layout::Prisma,
                    direction: Direction::Up,
                    version: Some(version.clone()),
                    name: dir_name.clone(),
                    transaction: prisma_transaction(),
                    rank: 0,
                    key: VersionKey::Lex(dir_name.clone()),
                    pair_key: None,
                }),
            }
        }
        if !sqitch.is_empty() {
            out.extend(sqitch_drafts(
                &sqitch,
                &group.fs_path,
                config,
                ctx,
                problems,
            ));
        }
        if !flat.is_empty() {
            out.extend(flat_drafts(&flat, &group.fs_path, &env, &mut fs, problems));
        }
        drafts.extend(out.into_iter().map(|d| (group_display.clone(), d)));
    }

    super::order::order_and_pair(drafts, config.target())
}

fn diesel_run_in_transaction(
    item: &Item,
    fs: &mut Fs,
    ctx: &PathContext,
    problems: &mut Vec<InputProblem>,
) -> bool {
    let dir = dir_or_dot(item.fs_path.parent());
    if !fs.has(&dir, "metadata.toml") {
        return true;
    }
    let path = dir.join("metadata.toml");
    let Some(text) = read_side_file(&path, ctx, problems) else {
        return true;
    };
    match toml::from_str::<toml::Table>(&text) {
        Ok(table) => table
            .get("run_in_transaction")
            .and_then(toml::Value::as_bool)
            .unwrap_or(true),
        Err(e) => {
            problems.push(InputProblem {
                path: ctx.display(&path),
                message: format!("invalid metadata.toml: {}", e.to_string().trim_end()),
                offset: None,
            });
            true
        }
    }
}

fn sqitch_drafts(
    items: &[&Item],
    project: &Path,
    config: &Config,
    ctx: &PathContext,
    problems: &mut Vec<InputProblem>,
) -> Vec<Draft> {
    let plan = read_side_file(&project.join("sqitch.plan"), ctx, problems)
        .map(|t| sections::sqitch_plan(&t))
        .unwrap_or_default();
    let mut by_script: HashMap<&str, (usize, &str)> = HashMap::new();
    for (index, change) in plan.iter().enumerate() {
        for script in &change.scripts {
            by_script
                .entry(script.as_str())
                .or_insert((index, change.name.as_str()));
        }
    }
    let mut out = Vec::new();
    for item in items {
        let Place::Sqitch { direction, script } = &item.place else {
            continue;
        };
        match by_script.get(script.as_str()) {
            Some(&(index, _change)) => out.push(Draft {
                source: item.source.clone(),
                range: whole(&item.source),
                layout: Layout::Sqitch,
                direction: *direction,
                version: Some(script.clone()),
                name: script.clone(),
                transaction: sqitch_transaction(),
                rank: 0,
                key: VersionKey::Seq(String::new(), index),
                pair_key: Some(format!("change:{script}")),
            }),
            None => {
                let mut draft = plain_draft(item, config, None);
                draft.rank = 2;
                draft.name = script.clone();
                draft.transaction.reason = format!(
                    "sqitch will not run this script: `{script}` is not a change in sqitch.plan, so it is linted as a plain file ({})",
                    draft.transaction.reason
                );
                out.push(draft);
            }
        }
    }
    out
}
