use super::partial_failure::{NOT_ATOMIC, for_partial_failure};
use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::analyze::{Change, TableCmd};
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS203,
    name: "add-column-without-if-not-exists",
    family: Family::Idempotency,
    severity: Severity::Info,
    doc: include_str!("../../rules/RS203.md"),
    directions: Directions::ALL,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for_partial_failure(ctx, |i, s| {
        for change in &s.changes {
            if let Some((what, fix)) = fix(change) {
                out.push(
                    Diagnostic::at_statement(Code::RS203, i, s, format!("{what} {NOT_ATOMIC}"))
                        .help(format!(
                            "Use `{fix}` so the migration can be run again after a partial failure."
                        )),
                );
            }
        }
    });
}

/// The `IF NOT EXISTS` form of an ADD COLUMN.
pub(super) fn fix(change: &Change) -> Option<(String, String)> {
    match change {
        Change::AlterTable {
            table,
            cmd:
                TableCmd::AddColumn {
                    column,
                    if_not_exists: false,
                },
        } => Some((
            format!("ADD COLUMN {} without IF NOT EXISTS", column.name),
            format!(
                "ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {} {} ...",
                column.name, column.type_name
            ),
        )),
        _ => None,
    }
}
