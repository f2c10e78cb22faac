use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::analyze::Change;
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS101,
    name: "create-index-without-concurrently",
    family: Family::Lock,
    severity: Severity::Error,
    doc: include_str!("../../rules/RS101.md"),
    directions: Directions::CHANGING_SCHEMA,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, s) in ctx.statements.iter().enumerate() {
        for change in &s.changes {
            let Change::CreateIndex {
                index,
                table,
                concurrently: false,
                unique,
                ..
            } = change
            else {
                continue;
            };
            if s.is_new(table) {
                continue;
            }
            let unique = if *unique { "UNIQUE " } else { "" };
            let name = index
                .as_deref()
                .map(|n| format!("{n} "))
                .unwrap_or_default();
            out.push(
                Diagnostic::at_change(Code::RS101, i, s, change,
                    format!(
                        "CREATE {unique}INDEX {name}without CONCURRENTLY locks {table} against writes (SHARE) \
                         while it reads every row to build the index"
                    ),
                )
                .help(format!(
                    "Use `CREATE {unique}INDEX CONCURRENTLY {name}ON {table} (...)` in a migration of its own that \
                     does not run in a transaction; if it fails, drop the INVALID index it leaves before retrying."
                )),
            );
        }
    }
}
