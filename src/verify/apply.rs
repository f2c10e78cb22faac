//! Applying a migration unit the way its tool does, statement by statement, and recording what
//! the server did for each statement: the relation locks its backend took, which tables got a
//! new data file (rewritten), how long it took, and whether it failed.
//!
//! Inside a transaction the locks are read from `pg_locks` of the statement's own backend
//! before the transaction ends; a lock mode already held before the statement cannot be told
//! apart from one the statement takes again, so only newly appearing modes count. A statement
//! outside any transaction block (the unit is not wrapped) is run in its own `BEGIN ... COMMIT`
//! so its locks can be read the same way, which is what autocommit does with one statement.
//! Statements that refuse a transaction block run in autocommit while a second session holds a
//! lock that conflicts with the one they are predicted to take on the first relation they are
//! predicted to lock: they then wait for it in the open and a third session reads their locks
//! (granted and requested) before the second session lets them go.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use postgres::Client;
use postgres::types::Oid;
use serde::Serialize;

use crate::analyze::{Change, LockLevel, StatementFacts, TxControl};
use crate::source::SourceFile;

/// One relation of the database, before a statement.
#[derive(Debug, Clone)]
pub struct Relation {
    /// `name`, or `schema.name` outside `public` (the way rollsafe names relations).
    pub name: String,
    /// `pg_class.relkind`: r, p, v, m, S, f, i, ...
    pub kind: char,
    pub filenode: Oid,
    /// The table this one is a partition or inheritance child of (0: none).
    pub parent: Oid,
    /// For a sequence: the table that owns it (serial or identity column; 0: none).
    pub owner: Oid,
}

impl Relation {
    /// Tables, views, materialized views, foreign tables and sequences: what a lock fact is
    /// about (indexes and TOAST tables are locked along with their table).
    pub fn is_table_like(&self) -> bool {
        matches!(self.kind, 'r' | 'p' | 'v' | 'm' | 'f' | 'S')
    }
}

pub type Relations = BTreeMap<Oid, Relation>;

const RELATIONS_SQL: &str = "SELECT c.oid, CASE WHEN n.nspname = 'public' THEN '' ELSE n.nspname || '.' END || c.relname, \
    c.relkind::text, c.relfilenode, \
    coalesce((SELECT i.inhparent FROM pg_inherits i WHERE i.inhrelid = c.oid LIMIT 1), 0::oid), \
    coalesce((SELECT d.refobjid FROM pg_depend d WHERE c.relkind = 'S' AND d.classid = 'pg_class'::regclass \
        AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') LIMIT 1), 0::oid) \
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') \
    AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'";

pub fn relations(client: &mut Client) -> Result<Relations, postgres::Error> {
    let mut out = BTreeMap::new();
    for row in client.query(RELATIONS_SQL, &[])? {
        let kind: String = row.get(2);
        out.insert(
            row.get::<_, Oid>(0),
            Relation {
                name: row.get(1),
                kind: kind.chars().next().unwrap_or('?'),
                filenode: row.get(3),
                parent: row.get(4),
                owner: row.get(5),
            },
        );
    }
    Ok(out)
}

const OWN_LOCKS_SQL: &str = "SELECT l.relation, l.mode FROM pg_locks l \
    WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.relation IS NOT NULL \
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())";

/// (relation oid, mode) pairs held by this backend.
fn own_locks(client: &mut Client) -> Result<BTreeSet<(Oid, LockLevel)>, postgres::Error> {
    Ok(client
        .query(OWN_LOCKS_SQL, &[])?
        .iter()
        .filter_map(|row| {
            let mode: String = row.get(1);
            LockLevel::from_pg_locks_name(&mode).map(|m| (row.get::<_, Oid>(0), m))
        })
        .collect())
}

/// How completely the locks of a statement were seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LockObservation {
    /// Every lock the statement took (read before its transaction ended).
    Complete,
    /// The locks it held or waited for while a second session held it up: the locks it takes
    /// after that point are not seen.
    WhileWaiting,
    /// Not seen (it finished before it could be observed, or nothing could hold it up).
    NotObserved,
}

/// Why a statement was not sent to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    /// A psql meta-command: a client setting that has no meaning over a plain connection.
    PsqlMetaCommand,
    /// A psql include (`\i`, `\ir`, `\include`): the included file is not run.
    PsqlInclude,
}

/// A server error.
#[derive(Debug, Clone, Serialize)]
pub struct ServerError {
    /// SQLSTATE, e.g. `23502`.
    pub code: String,
    pub message: String,
    /// 1-based character position in the statement, when the server gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
}

impl ServerError {
    pub fn from_pg(e: &postgres::Error) -> ServerError {
        match e.as_db_error() {
            Some(db) => ServerError {
                code: db.code().code().to_string(),
                message: db.message().to_string(),
                position: match db.position() {
                    Some(postgres::error::ErrorPosition::Original(p)) => Some(*p),
                    _ => None,
                },
            },
            None => ServerError {
                code: String::new(),
                message: e.to_string(),
                position: None,
            },
        }
    }

    /// The server refused to run the statement inside a transaction block.
    pub fn is_transaction_block_refusal(&self) -> bool {
        self.code == "25001"
    }

    /// Errors a DDL statement can only get from rows already in a table: a NOT NULL, CHECK,
    /// UNIQUE, foreign key or exclusion constraint they break, or values a type change or
    /// cast cannot convert.
    pub fn is_caused_by_data(&self) -> bool {
        matches!(
            self.code.as_str(),
            "23502" | "23514" | "23505" | "23503" | "23P01"
        ) || self.code.starts_with("22")
    }
}

/// A relation that existed before a statement, as the comparison needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Existing {
    pub table_like: bool,
    /// For a sequence owned by a serial or identity column: the owning table's name.
    pub owned_by: Option<String>,
}

/// What the server did with one statement.
#[derive(Debug, Clone, Serialize)]
pub struct Observed {
    /// Strongest lock newly taken on each relation that existed before the statement.
    pub locks: BTreeMap<String, LockLevel>,
    pub lock_observation: LockObservation,
    /// Tables and materialized views that got a new data file (partitioned parents count when
    /// one of their partitions did). A TRUNCATE rewrites nothing.
    pub rewrites: BTreeSet<String>,
    /// The server refused it inside a transaction block (and it was run outside one).
    pub refused_transaction_block: bool,
    pub duration_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ServerError>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<SkipReason>,
    /// Relations that existed before the statement (for the comparison).
    #[serde(skip)]
    pub existing: BTreeMap<String, Existing>,
    /// Lock modes the transaction held on relations before the statement (a statement taking
    /// one of them again shows nothing new).
    #[serde(skip)]
    pub held_before: BTreeSet<(String, LockLevel)>,
}

impl Observed {
    pub(crate) fn new() -> Observed {
        Observed {
            locks: BTreeMap::new(),
            lock_observation: LockObservation::NotObserved,
            rewrites: BTreeSet::new(),
            refused_transaction_block: false,
            duration_ms: 0.0,
            error: None,
            skipped: None,
            existing: BTreeMap::new(),
            held_before: BTreeSet::new(),
        }
    }
}

/// The result of applying one unit.
#[derive(Debug, Clone, Default)]
pub struct UnitRun {
    /// One entry per statement that was reached, in order.
    pub statements: Vec<Observed>,
    /// Index of the statement that failed, if one did (the unit stopped there).
    pub failed_at: Option<usize>,
    /// The error of the tool's closing `COMMIT`, if that failed (deferred constraints).
    pub commit_error: Option<ServerError>,
}

impl UnitRun {
    pub fn succeeded(&self) -> bool {
        self.failed_at.is_none() && self.commit_error.is_none()
    }
}

/// Where the connection settings for the extra sessions come from.
pub struct Target {
    pub config: postgres::Config,
}

impl Target {
    pub fn connect(&self) -> Result<Client, postgres::Error> {
        self.config.connect(postgres::NoTls)
    }
}

/// How a statement is sent: COPY with inline data or to the client needs the copy protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Send {
    Query,
    /// `COPY ... FROM STDIN` with the data lines that follow it in the file (without `\.`).
    CopyIn(String),
    /// `COPY ... TO STDOUT`: the rows are read and dropped.
    CopyOut,
}

fn send_mode(source: &SourceFile, facts: &StatementFacts, sql: &str) -> Send {
    let Some(from) = facts.changes.iter().find_map(|c| match c {
        Change::Copy { from, .. } => Some(*from),
        _ => None,
    }) else {
        return Send::Query;
    };
    let upper = sql.to_ascii_uppercase();
    let words: Vec<&str> = upper
        .split(|c: char| c.is_whitespace() || c == ';' || c == '(' || c == ')')
        .collect();
    if !from {
        return if words.contains(&"STDOUT") {
            Send::CopyOut
        } else {
            Send::Query
        };
    }
    if !words.contains(&"STDIN") {
        return Send::Query;
    }
    // The data starts on the line after the statement and ends at a line `\.` (or the file).
    let rest = source.text.get(facts.span.end..).unwrap_or("");
    let rest = rest.split_once('\n').map_or("", |(_, after)| after);
    let mut data = String::new();
    for line in rest.lines() {
        if line.trim_end_matches('\r') == "\\." {
            break;
        }
        data.push_str(line);
        data.push('\n');
    }
    Send::CopyIn(data)
}

fn execute(client: &mut Client, sql: &str, send: &Send) -> Result<(), ServerError> {
    let pg = |e: postgres::Error| ServerError::from_pg(&e);
    match send {
        Send::Query => client.batch_execute(sql).map_err(pg),
        Send::CopyIn(data) => {
            use std::io::Write;
            let mut writer = client.copy_in(sql).map_err(pg)?;
            // A write error shows up as the server's error in `finish`.
            let _ = writer.write_all(data.as_bytes());
            writer.finish().map(|_| ()).map_err(pg)
        }
        Send::CopyOut => {
            use std::io::Read;
            let mut reader = client.copy_out(sql).map_err(pg)?;
            let mut sink = Vec::new();
            reader
                .read_to_end(&mut sink)
                .map(|_| ())
                .map_err(|e| ServerError {
                    code: String::new(),
                    message: format!("reading the COPY output failed: {e}"),
                    position: None,
                })
        }
    }
}

fn tx_control(facts: &StatementFacts) -> Option<TxControl> {
    facts.changes.iter().find_map(|c| match c {
        Change::Transaction(t) => Some(*t),
        _ => None,
    })
}

fn elapsed_ms(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1000.0
}

/// Apply `statements` of a unit in order. `wrapped`: the tool runs the unit in one transaction.
/// `observe`: record locks and rewrites (a second application only needs success or failure).
pub fn apply_unit(
    client: &mut Client,
    target: &Target,
    source: &SourceFile,
    statements: &[StatementFacts],
    wrapped: bool,
    observe: bool,
) -> Result<UnitRun, postgres::Error> {
    let mut run = UnitRun::default();
    let mut in_transaction = false;
    if wrapped {
        client.batch_execute("BEGIN")?;
        in_transaction = true;
    }
    for (index, facts) in statements.iter().enumerate() {
        let mut observed = Observed::new();
        if facts.is_psql_meta() {
            let include = matches!(
                facts.kind.as_str(),
                "psql \\i" | "psql \\ir" | "psql \\include" | "psql \\include_relative"
            );
            observed.skipped = Some(if include {
                SkipReason::PsqlInclude
            } else {
                SkipReason::PsqlMetaCommand
            });
            run.statements.push(observed);
            continue;
        }
        let sql = source.slice(facts.span);
        if let Some(control) = tx_control(facts) {
            // The file's own transaction control runs as written, as the tool would send it.
            let start = Instant::now();
            let result = client.batch_execute(sql);
            observed.duration_ms = elapsed_ms(start);
            if let Err(e) = result {
                observed.error = Some(ServerError::from_pg(&e));
                run.statements.push(observed);
                run.failed_at = Some(index);
                // Whatever transaction is open ends with the run, as the tool's session would.
                client.batch_execute("ROLLBACK")?;
                return Ok(run);
            }
            match control {
                TxControl::Begin => in_transaction = true,
                TxControl::Commit | TxControl::Rollback | TxControl::PrepareTransaction => {
                    in_transaction = false
                }
                _ => {}
            }
            run.statements.push(observed);
            continue;
        }
        let before = if observe {
            relations(client)?
        } else {
            Relations::new()
        };
        observed.existing = before
            .values()
            .map(|r| {
                let existing = Existing {
                    table_like: r.is_table_like(),
                    owned_by: before.get(&r.owner).map(|t| t.name.clone()),
                };
                (r.name.clone(), existing)
            })
            .collect();
        let send = send_mode(source, facts, sql);
        let outcome = if in_transaction {
            run_in_transaction(client, sql, &send, &before, observe, &mut observed)?
        } else if facts.transactional {
            let outcome = run_own_transaction(client, sql, &send, &before, observe, &mut observed)?;
            match outcome {
                Err(e) if e.is_transaction_block_refusal() => {
                    // Predicted transactional, but the server disagrees: run it the way the
                    // tool would (autocommit), and let the comparison report it.
                    observed.refused_transaction_block = true;
                    run_outside(client, target, sql, facts, &before, &mut observed)?
                }
                other => other,
            }
        } else {
            run_outside(client, target, sql, facts, &before, &mut observed)?
        };
        if let Err(e) = outcome {
            observed.error = Some(e);
            run.statements.push(observed);
            run.failed_at = Some(index);
            if in_transaction {
                // The transaction is aborted; the tool rolls it back.
                client.batch_execute("ROLLBACK")?;
            }
            return Ok(run);
        }
        if observe {
            let after = relations(client)?;
            observed.rewrites = rewrites(&before, &after, facts);
        }
        run.statements.push(observed);
    }
    if in_transaction && let Err(e) = client.batch_execute("COMMIT") {
        run.commit_error = Some(ServerError::from_pg(&e));
        let _ = client.batch_execute("ROLLBACK");
    }
    Ok(run)
}

/// Run a statement inside the open transaction. The outer `Result` is a connection problem,
/// the inner one the statement's own error.
fn run_in_transaction(
    client: &mut Client,
    sql: &str,
    send: &Send,
    before: &Relations,
    observe: bool,
    observed: &mut Observed,
) -> Result<Result<(), ServerError>, postgres::Error> {
    let held = if observe {
        own_locks(client)?
    } else {
        BTreeSet::new()
    };
    let start = Instant::now();
    let result = execute(client, sql, send);
    observed.duration_ms = elapsed_ms(start);
    if let Err(e) = result {
        return Ok(Err(e));
    }
    if observe {
        for (oid, mode) in own_locks(client)?.difference(&held) {
            add_lock(&mut observed.locks, before, *oid, *mode);
        }
        // A mode held since an earlier statement of the transaction is not listed again.
        observed.held_before = held
            .iter()
            .filter_map(|(oid, mode)| before.get(oid).map(|r| (r.name.clone(), *mode)))
            .collect();
        observed.lock_observation = LockObservation::Complete;
    }
    Ok(Ok(()))
}

fn run_own_transaction(
    client: &mut Client,
    sql: &str,
    send: &Send,
    before: &Relations,
    observe: bool,
    observed: &mut Observed,
) -> Result<Result<(), ServerError>, postgres::Error> {
    client.batch_execute("BEGIN")?;
    let outcome = run_in_transaction(client, sql, send, before, observe, observed)?;
    match &outcome {
        Ok(()) => {
            if let Err(e) = client.batch_execute("COMMIT") {
                return Ok(Err(ServerError::from_pg(&e)));
            }
        }
        Err(_) => client.batch_execute("ROLLBACK")?,
    }
    Ok(outcome)
}

fn add_lock(
    locks: &mut BTreeMap<String, LockLevel>,
    before: &Relations,
    oid: Oid,
    mode: LockLevel,
) {
    // Relations the statement created itself lock nobody out.
    if let Some(rel) = before.get(&oid) {
        let entry = locks.entry(rel.name.clone()).or_insert(mode);
        *entry = (*entry).max(mode);
    }
}

/// Tables whose data file changed. TRUNCATE swaps in new, empty files for the tables it
/// names, their partitions and (CASCADE) the tables referencing them: that is not a rewrite.
fn rewrites(before: &Relations, after: &Relations, facts: &StatementFacts) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if facts
        .changes
        .iter()
        .any(|c| matches!(c, Change::Truncate { .. }))
    {
        return out;
    }
    for (oid, now) in after {
        let Some(rel) = before.get(oid) else {
            continue;
        };
        if matches!(rel.kind, 'r' | 'm') && rel.filenode != now.filenode {
            out.insert(rel.name.clone());
            let mut parent = before.get(&rel.parent);
            while let Some(p) = parent.filter(|p| p.kind == 'p') {
                out.insert(p.name.clone());
                parent = before.get(&p.parent);
            }
        }
    }
    out
}

const WATCH_SQL: &str = "SELECT l.relation, l.mode, l.granted FROM pg_locks l \
    WHERE l.pid = $1 AND l.locktype IN ('relation', 'virtualxid', 'transactionid') \
    AND (l.locktype <> 'relation' OR l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))";

/// Run a statement in autocommit, observed from other sessions (see the module doc).
fn run_outside(
    client: &mut Client,
    target: &Target,
    sql: &str,
    facts: &StatementFacts,
    before: &Relations,
    observed: &mut Observed,
) -> Result<Result<(), ServerError>, postgres::Error> {
    let pid: i32 = client.query_one("SELECT pg_backend_pid()", &[])?.get(0);
    let names: BTreeMap<&str, Oid> = before.iter().map(|(o, r)| (r.name.as_str(), *o)).collect();
    let held_up = facts
        .locks
        .iter()
        .find(|l| names.contains_key(crate::analyze::schema::key(&l.relation)))
        .map(|l| (crate::analyze::schema::key(&l.relation).to_string(), l.mode));
    let mut blocker = match &held_up {
        Some((relation, mode)) => {
            let mut b = target.connect()?;
            // Some relations cannot be locked this way (sequences): then it is not observed.
            b.batch_execute(&format!(
                "BEGIN; LOCK TABLE {} IN {} MODE",
                quote_relation(relation),
                conflicting(*mode).name()
            ))
            .ok()
            .map(|_| b)
        }
        None => None,
    };
    let mut watcher = match blocker {
        Some(_) => Some(target.connect()?),
        None => None,
    };
    let (result, duration, seen) = std::thread::scope(|scope| {
        let statement = scope.spawn(|| {
            let start = Instant::now();
            let result = client.batch_execute(sql);
            (result, elapsed_ms(start))
        });
        let mut seen = None;
        if let Some(w) = watcher.as_mut() {
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline && !statement.is_finished() {
                match w.query(WATCH_SQL, &[&pid]) {
                    Ok(rows) => {
                        if rows.iter().any(|r| !r.get::<_, bool>(2)) {
                            seen = Some(rows);
                            break;
                        }
                    }
                    Err(_) => break,
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        // Let it go on: ending the blocking transaction releases it.
        if let Some(b) = blocker.as_mut() {
            let _ = b.batch_execute("ROLLBACK");
        }
        match statement.join() {
            Ok((result, duration)) => (result, duration, seen),
            Err(_) => (Ok(()), 0.0, seen),
        }
    });
    observed.duration_ms = duration;
    if let Some(rows) = seen {
        for row in rows {
            let relation: Option<Oid> = row.get(0);
            let mode: String = row.get(1);
            if let (Some(oid), Some(mode)) = (relation, LockLevel::from_pg_locks_name(&mode)) {
                add_lock(&mut observed.locks, before, oid, mode);
            }
        }
        observed.lock_observation = LockObservation::WhileWaiting;
    }
    Ok(result.map_err(|e| ServerError::from_pg(&e)))
}

/// A weak mode that conflicts with `mode`, for a session to hold so that a statement asking
/// for `mode` (or anything stronger) waits in the open, its request visible in `pg_locks`.
fn conflicting(mode: LockLevel) -> LockLevel {
    use LockLevel::*;
    match mode {
        AccessShare => AccessExclusive,
        RowShare => Exclusive,
        RowExclusive => Share,
        ShareUpdateExclusive => ShareUpdateExclusive,
        Share | ShareRowExclusive => RowExclusive,
        Exclusive => RowShare,
        AccessExclusive => AccessShare,
    }
}

/// `schema.name` or `name` as a quoted identifier chain.
fn quote_relation(name: &str) -> String {
    name.split('.')
        .map(|part| format!("\"{}\"", part.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_held_up_mode_conflicts_with_the_predicted_one() {
        // PostgreSQL's lock conflict table, weakest mode first.
        let conflicts = |a: LockLevel, b: LockLevel| {
            let rank = |l: LockLevel| l as usize;
            const TABLE: [[bool; 8]; 8] = [
                [false, false, false, false, false, false, false, true],
                [false, false, false, false, false, false, true, true],
                [false, false, false, false, true, true, true, true],
                [false, false, false, true, true, true, true, true],
                [false, false, true, true, false, true, true, true],
                [false, false, true, true, true, true, true, true],
                [false, true, true, true, true, true, true, true],
                [true, true, true, true, true, true, true, true],
            ];
            TABLE[rank(a)][rank(b)]
        };
        for mode in LockLevel::ALL {
            assert!(conflicts(mode, conflicting(mode)), "{mode:?}");
        }
    }

    #[test]
    fn relation_names_are_quoted_part_by_part() {
        assert_eq!(quote_relation("users"), "\"users\"");
        assert_eq!(quote_relation("archive.t\"x"), "\"archive\".\"t\"\"x\"");
    }

    #[test]
    fn data_errors_are_told_apart_from_other_errors() {
        let e = |code: &str| ServerError {
            code: code.into(),
            message: String::new(),
            position: None,
        };
        assert!(e("23502").is_caused_by_data());
        assert!(e("22P02").is_caused_by_data());
        assert!(!e("42P07").is_caused_by_data());
        assert!(e("25001").is_transaction_block_refusal());
    }
}
