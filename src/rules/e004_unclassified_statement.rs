use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::analyze::Change;
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::E004,
    name: "unclassified-statement",
    family: Family::Input,
    severity: Severity::Warning,
    doc: include_str!("../../rules/E004.md"),
    directions: Directions::ALL,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, s) in ctx.statements.iter().enumerate() {
        if s.syntax_error.is_some() {
            continue;
        }
        if !s.known {
            out.push(
                Diagnostic::at_statement(
                    Code::E004,
                    i,
                    s,
                    format!("rollsafe does not know what a `{}` statement does; it is not assumed safe", s.kind),
                )
                .help("Review it by hand, then record the review with `-- rollsafe:allow E004 reason=\"...\"`."),
            );
        } else if s.changes.iter().any(|c| matches!(c, Change::Opaque)) {
            out.push(
                Diagnostic::at_statement(
                    Code::E004,
                    i,
                    s,
                    format!("rollsafe cannot see what this {} block does (locks, drops, data changes)", s.kind),
                )
                .help("Prefer plain SQL statements, or review the code by hand and record it with `-- rollsafe:allow E004 reason=\"...\"`."),
            );
        }
    }
}
