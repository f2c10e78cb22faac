use super::{Check, Code, Context, Diagnostic, Family, Rule, Directions};
use crate::analyze::transaction::Scope;
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS301,
    name: "non-transactional-in-transaction",
    family: Family::Transaction,
    severity: Severity::Error,
    doc: include_str!("../../rules/RS301.md"),
    directions: Directions::ALL,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, s) in ctx.statements.iter().enumerate() {
        if s.transactional {
            continue;
        }
        let what = s
            .non_transactional_reason
            .unwrap_or("this statement cannot run inside a transaction block");
        let (message, help) = match s.scope {
            Scope::Tool => (
                format!(
                    "{what}, but this migration runs inside a transaction ({})",
                    ctx.unit.transaction.reason
                ),
                format!(
                    "Move `{}` to a migration of its own and turn the transaction off for that migration{}; \
                     keep everything else in a transactional migration.",
                    s.kind,
                    ctx.unit.layout.transaction_opt_out()
                ),
            ),
            Scope::Explicit(begin) => (
                format!(
                    "{what}, but it sits inside the BEGIN at line {}",
                    ctx.statements[begin].start.line
                ),
                format!(
                    "Run `{}` outside BEGIN ... COMMIT: commit before it, or move it to a migration of its own.",
                    s.kind
                ),
            ),
            // Multi-statement query strings are RS302's business.
            Scope::Implicit(_) | Scope::None => continue,
        };
        out.push(Diagnostic::at_statement(Code::RS301, i, s, message).help(help));
    }
}
