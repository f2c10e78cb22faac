use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::analyze::{Change, TableCmd};
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS110,
    name: "full-table-rewrite",
    family: Family::Lock,
    severity: Severity::Error,
    doc: include_str!("../../rules/RS110.md"),
    directions: Directions::CHANGING_SCHEMA,
    check: Check::Migration(check),
};

const REPACK: &str =
    "Rebuild the table online with pg_repack (or pg_squeeze), outside the migration";

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, s) in ctx.statements.iter().enumerate() {
        for change in &s.changes {
            let (what, target, help): (&str, Option<&str>, String) = match change {
                Change::Vacuum {
                    tables,
                    full: true,
                    analyze_only: false,
                } => {
                    let existing: Vec<&str> = tables
                        .iter()
                        .map(String::as_str)
                        .filter(|t| !s.is_new(t))
                        .collect();
                    if !tables.is_empty() && existing.is_empty() {
                        continue;
                    }
                    (
                        "VACUUM FULL",
                        existing.first().copied(),
                        format!(
                            "{REPACK}. A plain `VACUUM` (no FULL) makes dead space reusable without blocking reads \
                             or writes."
                        ),
                    )
                }
                Change::Cluster { table } => {
                    if table.as_deref().is_some_and(|t| s.is_new(t)) {
                        continue;
                    }
                    (
                        "CLUSTER",
                        table.as_deref(),
                        format!(
                            "{REPACK}: `pg_repack --order-by` or `--table` keeps an order without the lock."
                        ),
                    )
                }
                Change::AlterTable { table, cmd } => {
                    if s.is_new(table) {
                        continue;
                    }
                    match cmd {
                        TableCmd::SetTablespace => (
                            "SET TABLESPACE",
                            Some(table.as_str()),
                            "Move it online with `pg_repack --tablespace`, or schedule the move in a maintenance \
                             window."
                                .to_string(),
                        ),
                        TableCmd::SetLogged | TableCmd::SetUnlogged => (
                            if *cmd == TableCmd::SetLogged { "SET LOGGED" } else { "SET UNLOGGED" },
                            Some(table.as_str()),
                            "There is no online way to change persistence: schedule it in a maintenance window, \
                             or create a new table with the wanted persistence and move the data in batches."
                                .to_string(),
                        ),
                        TableCmd::SetAccessMethod => (
                            "SET ACCESS METHOD",
                            Some(table.as_str()),
                            "Schedule it in a maintenance window, or create a new table with the access method and \
                             move the data in batches."
                                .to_string(),
                        ),
                        _ => continue,
                    }
                }
                _ => continue,
            };
            let subject = match target {
                Some(t) => t.to_string(),
                None => "every table it applies to".to_string(),
            };
            out.push(
                Diagnostic::at_change(Code::RS110, i, s, change,
                    format!(
                        "{what} writes a new copy of {subject} while it holds an ACCESS EXCLUSIVE lock: reads and \
                         writes wait until the whole table is copied"
                    ),
                )
                .help(help),
            );
        }
    }
}
