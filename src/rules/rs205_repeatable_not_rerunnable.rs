use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::analyze::{Change, phase};
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS205,
    name: "repeatable-not-rerunnable",
    family: Family::Idempotency,
    severity: Severity::Warning,
    doc: include_str!("../../rules/RS205.md"),
    directions: Directions::REPEATABLE,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, s) in ctx.statements.iter().enumerate() {
        if s.idempotent {
            continue;
        }
        for change in &s.changes {
            // Code rollsafe cannot see into is assumed to be written for re-runs.
            if matches!(change, Change::Opaque) || phase::change_idempotent(change) {
                continue;
            }
            let fix = super::rerun::idempotent_create(change, s, ctx.target.version)
                .or_else(|| super::rerun::idempotent_drop(change, s))
                .or_else(|| super::rerun::idempotent_add_column(change))
                .or_else(|| super::rerun::rerunnable_insert(change));
            let (what, help) = match fix {
                Some((what, fix)) => (what, format!("Use `{fix}`.")),
                None => (
                    s.kind.clone(),
                    "Move it to a versioned migration, which runs once; keep only re-runnable statements \
                     (CREATE OR REPLACE, IF [NOT] EXISTS, ON CONFLICT) in repeatable ones."
                        .to_string(),
                ),
            };
            out.push(
                Diagnostic::at_change(Code::RS205, i, s, change,
                    format!(
                        "{what} in a repeatable migration: it runs again every time the file changes, and fails \
                         (or duplicates rows) on that second run"
                    ),
                )
                .help(help),
            );
        }
    }
}
