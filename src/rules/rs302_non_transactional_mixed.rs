use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::analyze::transaction::{Scope, flyway_non_transactional};
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS302,
    name: "non-transactional-mixed",
    family: Family::Transaction,
    severity: Severity::Error,
    doc: include_str!("../../rules/RS302.md"),
    directions: Directions::ALL,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let flyway = flyway_non_transactional(ctx.unit, ctx.statements);
    // Flyway refuses a *mix*: statements that can run in a transaction next to ones that
    // cannot. A migration of only non-transactional statements runs, one statement at a time.
    let transactional = ctx
        .statements
        .iter()
        .filter(|s| s.transactional && !s.is_psql_meta())
        .count();
    // The first non-transactional statement is enough: the fix (split the file) is the same.
    let Some((i, s)) = ctx.statements.iter().enumerate().find(|(_, s)| {
        !s.transactional
            && (matches!(s.scope, Scope::Implicit(_))
                || (flyway && s.scope == Scope::None && transactional > 0))
    }) else {
        return;
    };
    let what = s
        .non_transactional_reason
        .unwrap_or("this statement cannot run inside a transaction block");
    let message = if flyway {
        format!(
            "{what}: Flyway runs such a migration without a transaction and refuses one that also has {} other \
             statement(s) (with `mixed = true` it runs them one by one, so a failure leaves the migration half-applied)",
            transactional
        )
    } else {
        let how = ctx.unit.layout.one_query_string()
            .unwrap_or("the tool sends the whole migration as one query string");
        format!(
            "{what}: {how}, which PostgreSQL runs as one implicit transaction when it holds more than one \
             statement, so this migration fails here"
        )
    };
    out.push(Diagnostic::at_statement(Code::RS302, i, s, message).help(format!(
        "Move `{}` into a migration of its own, with no other statement in it (one non-transactional statement \
         per migration); keep the other statements in a separate migration.",
        s.kind
    )));
}
