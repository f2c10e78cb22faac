use super::{Check, Code, Context, Diagnostic, Directions, Family, Rule};
use crate::analyze::mysql::NeedKind;
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS124,
    name: "varchar-crosses-255-bytes",
    family: Family::Lock,
    severity: Severity::Error,
    doc: include_str!("../../rules/RS124.md"),
    directions: Directions::CHANGING_SCHEMA,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, s) in ctx.statements.iter().enumerate() {
        let Some(online) = &s.online else { continue };
        if s.is_new(&online.table) {
            continue;
        }
        for need in online.needs.iter().filter(|n| n.kind == NeedKind::VarcharCrossing) {
            out.push(
                Diagnostic::at_statement(
                    Code::RS124,
                    i,
                    s,
                    format!(
                        "{} crosses 255 bytes (utf8mb4: 4 bytes a character): the length prefix grows from one byte to \
                         two, so {} is copied (ALGORITHM=COPY) and writes wait",
                        need.what, online.table
                    ),
                )
                .help(
                    "Lengthen within the same side of 255 bytes (utf8mb4: up to VARCHAR(63), or from VARCHAR(64) up), \
                     which is in place, or add a new column, backfill it and switch over.",
                ),
            );
        }
    }
}
