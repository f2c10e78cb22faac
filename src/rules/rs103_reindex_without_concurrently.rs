use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::analyze::Change;
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS103,
    name: "reindex-without-concurrently",
    family: Family::Lock,
    severity: Severity::Error,
    doc: include_str!("../../rules/RS103.md"),
    directions: Directions::CHANGING_SCHEMA,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, s) in ctx.statements.iter().enumerate() {
        for change in &s.changes {
            let Change::Reindex {
                target,
                table,
                whole_database: false,
                concurrently: false,
            } = change
            else {
                continue;
            };
            if s.strongest_lock_on_existing().is_none() {
                continue;
            }
            let (what, locks) = if *table {
                (
                    format!("REINDEX TABLE {target}"),
                    format!(
                        "locks {target} against writes (SHARE), and each index against every query that would use \
                         it (ACCESS EXCLUSIVE), while it rebuilds every index of the table"
                    ),
                )
            } else {
                (
                    format!("REINDEX INDEX {target}"),
                    "locks the table against writes (SHARE) and the index against every query that would use it \
                     (ACCESS EXCLUSIVE) while it rebuilds the index"
                        .to_string(),
                )
            };
            let help = if ctx.target.version >= 12 {
                format!(
                    "Use `{} CONCURRENTLY {target};` (PostgreSQL 12+) in a migration of its own that does not run in \
                     a transaction.",
                    if *table {
                        "REINDEX TABLE"
                    } else {
                        "REINDEX INDEX"
                    }
                )
            } else {
                "Before PostgreSQL 12 there is no REINDEX CONCURRENTLY: build a replacement with `CREATE INDEX \
                 CONCURRENTLY new_name ON ...`, then `DROP INDEX CONCURRENTLY old_name;` and rename the new index."
                    .to_string()
            };
            out.push(
                Diagnostic::at_change(Code::RS103, i, s, change,
                    format!("{what} without CONCURRENTLY {locks}"),
                )
                .help(help),
            );
        }
    }
}
