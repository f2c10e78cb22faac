use super::contract::{self, Approval};
use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::config::Severity;
use crate::parse::MarkerKind;

pub const RULE: Rule = Rule {
    code: Code::RS004,
    name: "incomplete-approval",
    family: Family::Contract,
    severity: Severity::Error,
    doc: include_str!("../../rules/RS004.md"),
    directions: Directions::ALL,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for m in ctx.own_markers() {
        let problems = match m.kind {
            Some(MarkerKind::Contract) => match contract::approval(m, &ctx.config.contract, &ctx.unit.source.path, ctx.today) {
                Approval::Incomplete(p) => p
                    .into_iter()
                    .filter(|p| !p.contains("see E003"))
                    .collect(),
                _ => Vec::new(),
            },
            Some(MarkerKind::BreakGlass) => contract::break_glass_problems(m, &ctx.config.contract),
            _ => Vec::new(),
        };
        if !problems.is_empty() {
            out.push(
                Diagnostic::new(
                    Code::RS004,
                    m.span,
                    format!("this approval does not count: {}", problems.join("; ")),
                )
                .help("Required fields are set in rollsafe.toml under [contract] (contract markers by default: approved-by and ticket or reason; break-glass: incident, approved-by, reason, recovery and follow-up)."),
            );
        }
    }
}
