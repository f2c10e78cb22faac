use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::analyze::postgres::rewrites;
use crate::analyze::{Change, StatementFacts, TableCmd};
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS108,
    name: "column-type-rewrite",
    family: Family::Lock,
    severity: Severity::Error,
    doc: include_str!("../../rules/RS108.md"),
    directions: Directions::CHANGING_SCHEMA,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    if ctx.target.dialect.is_mysql_family() {
        return super::copy_algorithm::check(ctx, out);
    }
    for (i, s) in ctx.statements.iter().enumerate() {
        let mut done: Vec<&str> = Vec::new();
        for change in &s.changes {
            let Change::AlterTable {
                table,
                cmd: TableCmd::AlterColumnType { .. },
            } = change
            else {
                continue;
            };
            if done.contains(&table.as_str()) || s.is_new(table) {
                continue;
            }
            done.push(table);
            let Some(work) = s.rewrites.iter().find(|w| w.relation == *table) else {
                continue;
            };
            let Some((column, type_name)) = culprit(s, table, &work.reason, ctx.target.version) else {
                continue;
            };
            // The facts assume a rewrite when the column's current type is unknown.
            let (rewrites, rebuilds) = if work.assumed {
                ("may rewrite", "rebuild")
            } else {
                ("rewrites", "rebuilds")
            };
            out.push(
                Diagnostic::at_change(Code::RS108, i, s, change,
                    format!(
                        "ALTER COLUMN {column} TYPE {type_name} {rewrites} {table} and {rebuilds} its indexes while \
                         it holds an ACCESS EXCLUSIVE lock ({}): reads and writes wait for the whole rewrite",
                        work.reason
                    ),
                )
                .help(format!(
                    "Change the type in steps instead: add a new column {column}_new {type_name}, keep it in sync \
                     (trigger or application writes), backfill it in batches, switch reads to it, then drop {column} \
                     in a later, approved contract migration. Changes that need no rewrite: varchar(n) to a longer \
                     varchar or to text, numeric(p,s) to a larger precision with the same scale, more \
                     fractional-second precision, and timestamp to timestamptz (PostgreSQL 12+) after \
                     `SET timezone = 'UTC';`."
                )),
            );
        }
    }
}

/// The type change the table's rewrite comes from. The facts keep one rewrite reason per table,
/// so when another subcommand of the same statement also rewrites it, the type change is only
/// blamed if the reason names its column.
fn culprit<'a>(
    s: &'a StatementFacts,
    table: &str,
    reason: &str,
    pg: u32,
) -> Option<(&'a str, String)> {
    let type_changes = s.changes.iter().filter_map(|c| match c {
        Change::AlterTable {
            table: t,
            cmd: TableCmd::AlterColumnType {
                column, type_name, ..
            },
        } if t == table => Some((column.as_str(), type_name.to_string())),
        _ => None,
    });
    let mut first = None;
    for (column, type_name) in type_changes {
        if reason.starts_with(&format!("{column} changes ")) {
            return Some((column, type_name));
        }
        first.get_or_insert((column, type_name));
    }
    let other_rewrite = s.changes.iter().any(|c| match c {
        Change::AlterTable { table: t, cmd } if t == table => match cmd {
            TableCmd::AddColumn { column, .. } => rewrites::add_column_rewrite(column, pg).is_some(),
            TableCmd::SetLogged
            | TableCmd::SetUnlogged
            | TableCmd::SetTablespace
            | TableCmd::SetAccessMethod => true,
            _ => false,
        },
        _ => false,
    });
    if other_rewrite { None } else { first }
}
