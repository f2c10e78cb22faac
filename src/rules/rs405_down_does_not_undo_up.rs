use super::{Check, Code, Context, Diagnostic, Directions, Family, Rule};
use crate::config::Severity;
use crate::source::Span;

pub const RULE: Rule = Rule {
    code: Code::RS405,
    name: "down-does-not-undo-up",
    family: Family::Rollback,
    severity: Severity::Error,
    doc: include_str!("../../rules/RS405.md"),
    directions: Directions::ALL,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(diffs) = &ctx.rollback.down_diffs else {
        return;
    };
    // Dropping what existed before the up is the contract gate's (RS001), not an allowable
    // rollback finding.
    // What RS001 gates is not reported twice; an index drop is gated only on request.
    let gated = |d: &&crate::analyze::snapshot::DownDiff| {
        d.drops_existing && (!d.index || ctx.config.contract.approve_index_drops)
    };
    for d in diffs.iter().filter(|d| !gated(d)) {
        // At the down statement that caused it; else at the down's first statement.
        let at = d
            .down_statement
            .or((!ctx.statements.is_empty()).then_some(0))
            .and_then(|i| ctx.statements.get(i).map(|s| (i, s)));
        let diagnostic = match at {
            Some((i, s)) => Diagnostic::at_statement(Code::RS405, i, s, d.message.clone()),
            None => Diagnostic::new(
                Code::RS405,
                Span::new(ctx.unit.range.start, ctx.unit.range.start),
                d.message.clone(),
            ),
        };
        out.push(diagnostic.help(
            "A down must leave the schema exactly as it was before its up: drop what the up created, recreate what it dropped with the same definition.",
        ));
    }
}
