use super::rerun::{check_rerunnable, idempotent_create, not_atomic};
use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS201,
    name: "create-without-if-not-exists",
    family: Family::Idempotency,
    severity: Severity::Info,
    doc: include_str!("../../rules/RS201.md"),
    directions: Directions::ALL,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    check_rerunnable(ctx, out, Code::RS201, |c, s| idempotent_create(c, s, ctx.target.version), not_atomic);
}
