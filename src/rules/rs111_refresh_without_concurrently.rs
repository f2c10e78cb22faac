use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::analyze::Change;
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS111,
    name: "refresh-without-concurrently",
    family: Family::Lock,
    severity: Severity::Warning,
    doc: include_str!("../../rules/RS111.md"),
    directions: Directions::CHANGING_SCHEMA,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, s) in ctx.statements.iter().enumerate() {
        for change in &s.changes {
            let Change::RefreshMaterializedView {
                name,
                concurrently: false,
            } = change
            else {
                continue;
            };
            if s.is_new(name) {
                continue;
            }
            out.push(
                Diagnostic::at_change(Code::RS111, i, s, change,
                    format!(
                        "REFRESH MATERIALIZED VIEW {name} without CONCURRENTLY holds an ACCESS EXCLUSIVE lock on it \
                         while the view's query runs: every read of {name} waits"
                    ),
                )
                .help(format!(
                    "Give the view a unique index once (`CREATE UNIQUE INDEX CONCURRENTLY ... ON {name} (...)`; \
                     the view must already be populated), then use `REFRESH MATERIALIZED VIEW CONCURRENTLY {name};`."
                )),
            );
        }
    }
}
