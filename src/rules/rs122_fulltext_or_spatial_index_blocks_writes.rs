use super::{Check, Code, Context, Diagnostic, Directions, Family, Rule};
use crate::analyze::mysql::NeedKind;
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS122,
    name: "fulltext-or-spatial-index-blocks-writes",
    family: Family::Lock,
    severity: Severity::Warning,
    doc: include_str!("../../rules/RS122.md"),
    directions: Directions::CHANGING_SCHEMA,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, s) in ctx.statements.iter().enumerate() {
        let Some(online) = &s.online else { continue };
        if s.is_new(&online.table) {
            continue;
        }
        if let Some(need) = online.needs.iter().find(|n| n.kind == NeedKind::FulltextOrSpatial) {
            out.push(
                Diagnostic::at_statement(
                    Code::RS122,
                    i,
                    s,
                    format!(
                        "{} on {} needs LOCK=SHARED: writes to {} wait until the whole index is built",
                        need.what, online.table, online.table
                    ),
                )
                .help(
                    "Build it when writes can wait (a maintenance window), or build the table anew with an online \
                     schema change tool (gh-ost, pt-online-schema-change) and swap it in.",
                ),
            );
        }
    }
}
