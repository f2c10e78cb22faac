use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS005,
    name: "marker-covers-nothing",
    family: Family::Contract,
    severity: Severity::Error,
    doc: include_str!("../../rules/RS005.md"),
    directions: Directions::ALL,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for m in ctx.own_markers() {
        if m.kind.is_some() && !m.file_scope && m.covers.is_none() {
            out.push(
                Diagnostic::new(Code::RS005, m.span, "this marker is not followed by any statement, so it covers nothing")
                    .help("Put the marker on the line right before the statement it is about, or add scope=file."),
            );
        }
    }
}
