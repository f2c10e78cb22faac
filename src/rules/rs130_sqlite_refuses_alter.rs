use super::{Check, Code, Context, Diagnostic, Directions, Family, Rule};
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS130,
    name: "sqlite-refuses-alter",
    family: Family::Lock,
    severity: Severity::Error,
    doc: include_str!("../../rules/RS130.md"),
    directions: Directions::ALL,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, s) in ctx.statements.iter().enumerate() {
        let Some(why) = s.sqlite.as_ref().and_then(|q| q.refused.as_ref()) else {
            continue;
        };
        out.push(
            Diagnostic::at_statement(Code::RS130, i, s, format!("{why} (SQLite {})", ctx.target.release)).help(
                "Rebuild the table instead: CREATE TABLE new_t (...); INSERT INTO new_t SELECT ... FROM t; \
                 DROP TABLE t; ALTER TABLE new_t RENAME TO t; then recreate its indexes, triggers and views \
                 (https://www.sqlite.org/lang_altertable.html#otheralter).",
            ),
        );
    }
}
