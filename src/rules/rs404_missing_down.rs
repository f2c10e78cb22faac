use super::{Check, Code, Context, Diagnostic, Directions, Family, Rule};
use crate::analyze::Phase;
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS404,
    name: "missing-down",
    family: Family::Rollback,
    severity: Severity::Warning,
    doc: include_str!("../../rules/RS404.md"),
    directions: Directions::UP,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    if ctx.unit.pair.is_some() || !ctx.rollback.expects_down {
        return;
    }
    let Some((i, s)) = ctx
        .statements
        .iter()
        .enumerate()
        .find(|(_, s)| matches!(s.phase, Phase::Expand | Phase::Contract))
    else {
        return;
    };
    out.push(
        Diagnostic::at_statement(
            Code::RS404,
            i,
            s,
            format!(
                "{} migration {} changes the schema ({} {}) but has no down migration",
                ctx.unit.layout.name(),
                ctx.unit.name,
                s.phase.name(),
                s.kind
            ),
        )
        .help("Write the down that undoes this migration (`rollsafe plan` prints a generated inverse to start from), or turn RS404 off if the project never rolls back with downs."),
    );
}
