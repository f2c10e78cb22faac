use super::rerun::{check_rerunnable, not_atomic, idempotent_drop};
use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
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
    check_rerunnable(ctx, out, Code::RS202, idempotent_drop, not_atomic);
}
