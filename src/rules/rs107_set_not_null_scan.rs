use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::analyze::{Change, ConstraintKind, TableCmd};
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS107,
    name: "set-not-null-scan",
    family: Family::Lock,
    severity: Severity::Error,
    doc: include_str!("../../rules/RS107.md"),
    directions: Directions::CHANGING_SCHEMA,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, s) in ctx.statements.iter().enumerate() {
        for change in &s.changes {
            let Change::AlterTable { table, cmd } = change else {
                continue;
            };
            let column = match cmd {
                TableCmd::SetNotNull { column } => column.as_str(),
                // `ADD CONSTRAINT name NOT NULL col` (PostgreSQL 18 syntax).
                TableCmd::AddConstraint(c) if c.kind == ConstraintKind::NotNull && !c.not_valid => {
                    match c.columns.first() {
                        Some(col) => col.as_str(),
                        None => continue,
                    }
                }
                _ => continue,
            };
            // The facts leave the scan out when a validated CHECK (col IS NOT NULL) proves it.
            if s.is_new(table) || !s.scans.iter().any(|w| w.relation == *table) {
                continue;
            }
            // A rewrite of the same table (RS108, RS109, RS110) checks NOT NULL while it copies
            // the rows: one cause, one finding.
            if s.rewrites.iter().any(|w| w.relation == *table) {
                continue;
            }
            out.push(
                Diagnostic::at_change(Code::RS107, i, s, change,
                    format!(
                        "SET NOT NULL on {table}.{column} reads every row to check for NULLs while it holds an \
                         ACCESS EXCLUSIVE lock: reads and writes wait for the whole scan"
                    ),
                )
                .help(
                    if s
                        .not_null_proven
                        .iter()
                        .any(|(t, c)| t == table && c == column)
                    {
                        format!(
                            "A validated CHECK ({column} IS NOT NULL) already proves the column non-null, but before \
                             PostgreSQL 12 SET NOT NULL cannot use it: keep the CHECK and leave SET NOT NULL out \
                             until the server runs 12+."
                        )
                    } else {
                        help(table, column, ctx.target.version)
                    },
                ),
            );
        }
    }
}

fn help(table: &str, column: &str, pg: u32) -> String {
    let short = table.rsplit('.').next().unwrap_or(table);
    let name = format!("{short}_{column}_not_null");
    if pg >= 12 {
        format!(
            "Prove it without the lock first: `ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({column} IS NOT \
             NULL) NOT VALID;` in one migration, then in a later one `ALTER TABLE {table} VALIDATE CONSTRAINT \
             {name};` followed by `ALTER TABLE {table} ALTER COLUMN {column} SET NOT NULL;` (PostgreSQL 12+ skips \
             the scan when a validated CHECK proves the column non-null) and `ALTER TABLE {table} DROP CONSTRAINT \
             {name};`."
        )
    } else {
        format!(
            "Before PostgreSQL 12, SET NOT NULL always scans. Enforce it with `ALTER TABLE {table} ADD CONSTRAINT \
             {name} CHECK ({column} IS NOT NULL) NOT VALID;` and `ALTER TABLE {table} VALIDATE CONSTRAINT {name};` \
             in a later migration instead, and switch to SET NOT NULL after upgrading to 12+."
        )
    }
}
