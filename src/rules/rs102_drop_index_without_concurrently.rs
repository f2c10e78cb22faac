use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::analyze::{Change, ObjectKind};
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS102,
    name: "drop-index-without-concurrently",
    family: Family::Lock,
    severity: Severity::Warning,
    doc: include_str!("../../rules/RS102.md"),
    directions: Directions::CHANGING_SCHEMA,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, s) in ctx.statements.iter().enumerate() {
        let dropped = s.changes.iter().find_map(|c| match c {
            Change::Drop {
                object: ObjectKind::Index,
                names,
                concurrently: false,
                if_exists,
                cascade,
                ..
            } => Some((names, *if_exists, *cascade)),
            _ => None,
        });
        let Some((names, if_exists, cascade)) = dropped else {
            continue;
        };
        // The lock is on the index and on its table; both new means nobody is blocked.
        if s.strongest_lock_on_existing().is_none() {
            continue;
        }
        let table = s
            .locks
            .iter()
            .find(|l| !names.contains(&l.relation))
            .map(|l| format!(" ({})", l.relation))
            .unwrap_or_default();
        let if_exists = if if_exists { "IF EXISTS " } else { "" };
        let mut help = names
            .iter()
            .map(|n| format!("`DROP INDEX CONCURRENTLY {if_exists}{n};`"))
            .collect::<Vec<_>>()
            .join(" then ");
        help = format!(
            "Use {help} — one index per statement, in a migration of its own that does not run in a transaction{}.",
            if cascade {
                " (CONCURRENTLY does not allow CASCADE: drop dependent objects first)"
            } else {
                ""
            }
        );
        out.push(
            Diagnostic::at_statement(
                Code::RS102,
                i,
                s,
                format!(
                    "DROP INDEX {} without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on its table{table}: it waits \
                     for every running query on the table, and all reads and writes queue behind it",
                    names.join(", ")
                ),
            )
            .help(help),
        );
    }
}
