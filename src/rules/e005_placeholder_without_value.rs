use std::collections::HashSet;

use super::{Check, Code, Context, Diagnostic, Directions, Family, Rule};
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::E005,
    name: "placeholder-without-value",
    family: Family::Input,
    severity: Severity::Info,
    doc: include_str!("../../rules/E005.md"),
    directions: Directions::ALL,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    // Once per placeholder and unit: the note is about the missing value, not each use.
    let mut seen = HashSet::new();
    for p in ctx.placeholders.iter().filter(|p| !p.has_value) {
        if !seen.insert((p.kind, p.name.as_str())) {
            continue;
        }
        let written = ctx.unit.source.slice(p.span);
        let statement = ctx
            .statements
            .iter()
            .position(|s| s.span.start <= p.span.start && p.span.end <= s.span.end);
        let mut d = Diagnostic::new(
            Code::E005,
            p.span,
            format!(
                "`{written}` is {} with no value in rollsafe.toml: read as `{}`, so facts that depend on it may be wrong",
                p.kind.describe(),
                p.replacement.trim_end()
            ),
        )
        .help(format!(
            "Give its value under `[placeholders]` in rollsafe.toml: `\"{}\" = \"...\"`.",
            p.name.replace('\\', "\\\\").replace('"', "\\\"")
        ));
        d.statement = statement;
        out.push(d);
    }
}
