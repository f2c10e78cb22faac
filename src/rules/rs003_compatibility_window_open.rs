use super::contract::{self, Approval};
use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::analyze::Phase;
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS003,
    name: "compatibility-window-open",
    family: Family::Contract,
    severity: Severity::Error,
    doc: include_str!("../../rules/RS003.md"),
    directions: Directions::ALL,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, s) in ctx.statements.iter().enumerate() {
        // A contract marker also approves what rollsafe cannot see (E004).
        if s.phase != Phase::Contract && s.body().opaque.is_empty() {
            continue;
        }
        for m in ctx.markers_for(i).filter(|m| contract::is_contract(m)) {
            if let Approval::WindowOpen(after) = contract::approval(m, &ctx.config.contract, &ctx.unit.source.path, ctx.today) {
                out.push(
                    Diagnostic::at_statement(
                        Code::RS003,
                        i,
                        s,
                        format!("the compatibility window is open until {after} (today is {})", ctx.today),
                    )
                    .help("Merge this contract step on or after that date, once no deployed release uses the old schema."),
                );
            }
        }
    }
}
