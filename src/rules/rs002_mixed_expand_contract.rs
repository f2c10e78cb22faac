use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::analyze::Phase;
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS002,
    name: "mixed-expand-contract",
    family: Family::Contract,
    severity: Severity::Error,
    doc: include_str!("../../rules/RS002.md"),
    directions: Directions::UP,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    // Steps on objects created earlier in the same change do not count: nothing deployed uses
    // them, so dropping a scratch table after creating it is not a contract step.
    let first = |phase| {
        ctx.statements
            .iter()
            .position(|s| s.phase == phase && !s.acts_only_on_new())
    };
    let (Some(expand), Some(contract)) = (first(Phase::Expand), first(Phase::Contract)) else {
        return;
    };
    let s = &ctx.statements[contract];
    out.push(
        Diagnostic::at_statement(
            Code::RS002,
            contract,
            s,
            format!(
                "this migration mixes expand (line {}) and contract (line {}) steps",
                ctx.statements[expand].start.line, s.start.line
            ),
        )
        .help("Split it: ship the expand migration first, and the contract migration in a later release."),
    );
}
