use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::analyze::transaction::Scope;
use crate::analyze::{Change, LockLevel, StatementFacts};
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS113,
    name: "work-under-access-exclusive",
    family: Family::Lock,
    severity: Severity::Warning,
    doc: include_str!("../../rules/RS113.md"),
    directions: Directions::CHANGING_SCHEMA,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    // The first ACCESS EXCLUSIVE lock on an existing relation in the current transaction.
    let mut held: Option<(Scope, usize, &str)> = None;
    for (i, s) in ctx.statements.iter().enumerate() {
        let scope = s.scope;
        if held.is_some_and(|(h, _, _)| h != scope) {
            held = None;
        }
        if let Some((_, at, relation)) = held
            && does_work(s)
        {
            // A full-table backfill under the lock is RS115's finding, an error that names the
            // held lock: one cause, one finding per migration.
            if ctx.settings.enabled(Code::RS115) && s.unbatched_backfill().is_some() {
                return;
            }
            let why = match scope {
                Scope::Tool => format!(
                    "the migration runs in one transaction: {}",
                    ctx.unit.transaction.reason
                ),
                Scope::Explicit(begin) => format!(
                    "the transaction opened at line {}",
                    ctx.statements[begin].start.line
                ),
                Scope::Implicit(_) => format!(
                    "{}, which PostgreSQL runs as one transaction",
                    ctx.unit.layout.one_query_string()
                        .unwrap_or("the file is sent as one query string")
                ),
                Scope::None => continue,
            };
            out.push(
                Diagnostic::at_statement(
                    Code::RS113,
                    i,
                    s,
                    format!(
                        "{} runs while the ACCESS EXCLUSIVE lock on {relation} taken at line {} is still held \
                         ({why}): every read and write of {relation} waits until this work is done and the \
                         transaction commits",
                        s.kind, ctx.statements[at].start.line
                    ),
                )
                .help(format!(
                    "Commit right after the statement at line {} (move this {} to a separate migration), or do this \
                     work before taking the lock.",
                    ctx.statements[at].start.line, s.kind
                )),
            );
            // One finding per migration: everything after the first one waits for the same reason.
            return;
        }
        if held.is_none()
            && scope.in_transaction()
            && let Some(lock) = s.strongest_lock_on_existing()
            && lock.mode == LockLevel::AccessExclusive
        {
            held = Some((scope, i, lock.relation.as_str()));
        }
    }
}

/// Work whose duration grows with the data: it keeps the lock held for more than an instant.
fn does_work(s: &StatementFacts) -> bool {
    let existing = |r: &str| !s.is_new(r);
    if s.rewrites.iter().any(|w| existing(&w.relation))
        || s.scans.iter().any(|w| existing(&w.relation))
    {
        return true;
    }
    s.changes.iter().any(|c| match c {
        // Code rollsafe cannot see into may do anything.
        Change::Opaque => true,
        // A few VALUES rows are instant; INSERT ... SELECT grows with the data.
        Change::Insert {
            table,
            from_query: true,
            ..
        }
        | Change::Update { table, .. }
        | Change::Delete { table, .. }
        | Change::Merge { table } => existing(table),
        Change::Copy {
            table: Some(t),
            from: true,
        } => existing(t),
        Change::CreateTable {
            as_select: true, ..
        } => true,
        Change::Reindex { .. } | Change::Vacuum { .. } | Change::Cluster { .. } => true,
        Change::RefreshMaterializedView { name, .. } => existing(name),
        _ => false,
    })
}
