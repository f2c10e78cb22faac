use super::{Check, Code, Context, Diagnostic, Directions, Family, Rule};
use crate::config::Severity;
use crate::parse::MarkerKind;

pub const RULE: Rule = Rule {
    code: Code::RS406,
    name: "irreversible-without-recovery",
    family: Family::Rollback,
    severity: Severity::Error,
    doc: include_str!("../../rules/RS406.md"),
    // A down undoes its own up; dropping what the up created is its job (as for RS001).
    directions: Directions::FORWARD,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    if !ctx.config.contract.require_recovery {
        return;
    }
    let rs001_off = !ctx.settings.enabled(Code::RS001);
    for (i, s) in ctx.statements.iter().enumerate() {
        if !s.destructive || s.acts_only_on_new() {
            continue;
        }
        // Without any approving marker RS001 already asks for one (and its recovery=), unless
        // the project turned RS001 off.
        let mut approving = ctx
            .markers_for(i)
            .filter(|m| matches!(m.kind, Some(MarkerKind::Contract | MarkerKind::BreakGlass)))
            .peekable();
        if (approving.peek().is_none() && !rs001_off) || approving.any(|m| m.recovery().is_some()) {
            continue;
        }
        out.push(
            Diagnostic::at_statement(
                Code::RS406,
                i,
                s,
                format!("{} loses data and its marker names no recovery path (recovery=)", s.kind),
            )
            .help("Add recovery=restore-from-backup, recovery=backfill:<ticket or script>, or recovery=none-needed with reason=\"...\" to the statement's contract marker."),
        );
    }
}
