use super::rerun::{check_rerunnable, rerunnable_insert};
use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
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
    check_rerunnable(ctx, out, Code::RS204, |c, _| rerunnable_insert(c), |what| {
        format!(
            "{what} inserts the rows again (or fails on a unique key) when the migration runs again: \
             it is not one transaction, so if a later statement fails, this one stays applied"
        )
    });
}
