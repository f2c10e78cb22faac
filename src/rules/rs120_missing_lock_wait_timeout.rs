use super::{Check, Code, Context, Diagnostic, Directions, Family, Rule};
use crate::analyze::{Change, ObjectKind};
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS120,
    name: "missing-lock-wait-timeout",
    family: Family::Lock,
    severity: Severity::Warning,
    doc: include_str!("../../rules/RS120.md"),
    directions: Directions::CHANGING_SCHEMA,
    check: Check::Migration(check),
};

/// Every DDL takes an exclusive metadata lock at least briefly; these are the statements that do.
fn takes_metadata_lock(c: &Change) -> Option<&str> {
    match c {
        Change::AlterTable { table, .. } | Change::CreateIndex { table, .. } => Some(table),
        // Tables, views and indexes: routines take no table metadata lock.
        Change::Drop {
            object: ObjectKind::Table | ObjectKind::View | ObjectKind::Index,
            names,
            on_table,
            ..
        } => on_table.as_deref().or(names.first().map(String::as_str)),
        Change::Rename { relation: Some(r), .. } => Some(r),
        Change::Truncate { tables } => tables.first().map(String::as_str),
        _ => None,
    }
}

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let mut covered = false;
    for (i, s) in ctx.statements.iter().enumerate() {
        for change in &s.changes {
            if let Change::Set { name, value, .. } = change
                && name == "lock_wait_timeout"
            {
                covered = value.trim().parse::<u64>().is_ok_and(|v| v > 0 && v < 31_536_000);
            }
        }
        let Some(table) = s.changes.iter().find_map(takes_metadata_lock) else {
            continue;
        };
        if covered || s.is_new(table) {
            continue;
        }
        out.push(
            Diagnostic::at_statement(
                Code::RS120,
                i,
                s,
                format!(
                    "{} waits for an exclusive metadata lock on {table} with the default lock_wait_timeout (one year): \
                     while it waits behind any open transaction, every later query on {table} queues behind it",
                    s.kind
                ),
            )
            .help(
                "Put `SET SESSION lock_wait_timeout = 5;` at the top of the migration and retry it when it times out. \
                 If your runner already sets it, turn RS120 off in rollsafe.toml.",
            ),
        );
        // One finding per migration: the fix is one line at the top.
        return;
    }
}
