use super::{Check, Code, Context, Diagnostic, Directions, Family, Rule};
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS121,
    name: "algorithm-or-lock-refused",
    family: Family::Lock,
    severity: Severity::Error,
    doc: include_str!("../../rules/RS121.md"),
    directions: Directions::ALL,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, s) in ctx.statements.iter().enumerate() {
        let Some(online) = &s.online else { continue };
        let Some(why) = &online.refused else { continue };
        out.push(
            Diagnostic::at_statement(
                Code::RS121,
                i,
                s,
                format!("{why}: this migration fails on {} {}", ctx.target.dialect.name(), ctx.target.release),
            )
            .help(format!(
                "Write ALGORITHM={} LOCK={} (the weakest the server accepts), or drop the clause; if the lock is not \
                 acceptable, split the change so that each statement can run online.",
                online.algorithm.name(),
                online.lock.name()
            )),
        );
    }
}
