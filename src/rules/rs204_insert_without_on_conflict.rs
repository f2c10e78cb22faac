use super::partial_failure::for_partial_failure;
use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::analyze::Change;
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS204,
    name: "insert-without-on-conflict",
    family: Family::Idempotency,
    severity: Severity::Info,
    doc: include_str!("../../rules/RS204.md"),
    directions: Directions::ALL,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for_partial_failure(ctx, |i, s| {
        for change in &s.changes {
            if let Some((what, fix)) = fix(change) {
                out.push(
                    Diagnostic::at_statement(
                        Code::RS204,
                        i,
                        s,
                        format!(
                            "{what} inserts the rows again (or fails on a unique key) when the migration runs again: \
                             it is not one transaction, so if a later statement fails, this one stays applied"
                        ),
                    )
                    .help(format!("Use `{fix}` so the migration can be run again after a partial failure.")),
                );
            }
        }
    });
}

/// The re-runnable form of an INSERT.
pub(super) fn fix(change: &Change) -> Option<(String, String)> {
    match change {
        Change::Insert {
            table,
            on_conflict: false,
            ..
        } => Some((
            format!("INSERT INTO {table} without ON CONFLICT"),
            format!(
                "INSERT INTO {table} ... ON CONFLICT DO NOTHING` (needs a unique index or primary key on the \
                 conflicting columns), or `INSERT INTO {table} ... SELECT ... WHERE NOT EXISTS (...)"
            ),
        )),
        _ => None,
    }
}
