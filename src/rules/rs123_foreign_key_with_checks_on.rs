use super::{Check, Code, Context, Diagnostic, Directions, Family, Rule};
use crate::analyze::mysql::NeedKind;
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS123,
    name: "foreign-key-with-checks-on",
    family: Family::Lock,
    severity: Severity::Error,
    doc: include_str!("../../rules/RS123.md"),
    directions: Directions::CHANGING_SCHEMA,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, s) in ctx.statements.iter().enumerate() {
        let Some(online) = &s.online else { continue };
        if s.is_new(&online.table) {
            continue;
        }
        if online.needs.iter().any(|n| n.kind == NeedKind::ForeignKeyChecks) {
            out.push(
                Diagnostic::at_statement(
                    Code::RS123,
                    i,
                    s,
                    format!(
                        "ADD FOREIGN KEY on {} with foreign_key_checks on copies the table (ALGORITHM=COPY): writes wait \
                         for the whole copy",
                        online.table
                    ),
                )
                .help(
                    "Check the existing rows first (a SELECT for orphans), then add the key in place: \
                     `SET foreign_key_checks = 0;` before the ALTER (ALGORITHM=INPLACE, LOCK=NONE) and \
                     `SET foreign_key_checks = 1;` after it.",
                ),
            );
        }
    }
}
