use super::rerun::{check_rerunnable, not_atomic, idempotent_add_column};
use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
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
    check_rerunnable(ctx, out, Code::RS203, |c, _| idempotent_add_column(c), not_atomic);
}
