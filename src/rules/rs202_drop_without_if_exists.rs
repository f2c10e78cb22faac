use super::partial_failure::{NOT_ATOMIC, for_partial_failure};
use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::analyze::{Change, ObjectKind, StatementFacts, TableCmd};
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS202,
    name: "drop-without-if-exists",
    family: Family::Idempotency,
    severity: Severity::Info,
    doc: include_str!("../../rules/RS202.md"),
    directions: Directions::ALL,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for_partial_failure(ctx, |i, s| {
        for change in &s.changes {
            if let Some((what, fix)) = fix(change, s) {
                out.push(
                    Diagnostic::at_statement(Code::RS202, i, s, format!("{what} {NOT_ATOMIC}"))
                        .help(format!(
                            "Use `{fix}` so the migration can be run again after a partial failure."
                        )),
                );
            }
        }
    });
}

/// The `IF EXISTS` form of a DROP.
pub(super) fn fix(change: &Change, s: &StatementFacts) -> Option<(String, String)> {
    match change {
        Change::Drop {
            object,
            names,
            if_exists: false,
            concurrently,
            on_table,
            ..
        } => {
            if names.iter().all(|n| n.is_empty()) {
                return None; // DROP OWNED and friends have no IF EXISTS.
            }
            let list = names.join(", ");
            let concurrently = if *concurrently { " CONCURRENTLY" } else { "" };
            let on = match (object, on_table) {
                (ObjectKind::Trigger | ObjectKind::Policy | ObjectKind::Rule, Some(t)) => {
                    format!(" ON {t}")
                }
                _ => String::new(),
            };
            Some((
                format!("{} {list} without IF EXISTS", s.kind),
                format!("{}{concurrently} IF EXISTS {list}{on}", s.kind),
            ))
        }
        Change::AlterTable { table, cmd } => match cmd {
            TableCmd::DropColumn {
                column,
                if_exists: false,
            } => Some((
                format!("DROP COLUMN {column} without IF EXISTS"),
                format!("ALTER TABLE {table} DROP COLUMN IF EXISTS {column}"),
            )),
            TableCmd::DropConstraint {
                name,
                if_exists: false,
            } => Some((
                format!("DROP CONSTRAINT {name} without IF EXISTS"),
                format!("ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}"),
            )),
            _ => None,
        },
        _ => None,
    }
}
