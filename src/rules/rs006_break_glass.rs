use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::config::Severity;
use crate::parse::MarkerKind;

pub const RULE: Rule = Rule {
    code: Code::RS006,
    name: "break-glass",
    family: Family::Contract,
    severity: Severity::Warning,
    doc: include_str!("../../rules/RS006.md"),
    directions: Directions::ALL,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for m in ctx.own_markers().filter(|m| m.kind == Some(MarkerKind::BreakGlass)) {
        let span = match m.covers {
            Some(i) if !m.file_scope => ctx.statements[i].span,
            _ => m.span,
        };
        out.push(Diagnostic {
            statement: m.covers,
            ..Diagnostic::new(
                Code::RS006,
                span,
                format!("break-glass: every finding here is let through ({})", m.justification()),
            )
            .help("Break-glass is for incidents. Follow up with a reviewed migration and remove the marker.")
        });
    }
}
