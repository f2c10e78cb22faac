use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::analyze::postgres::rewrites;
use crate::analyze::{ColumnSpec, Generated, Volatility};
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS109,
    name: "add-column-rewrite",
    family: Family::Lock,
    severity: Severity::Error,
    doc: include_str!("../../rules/RS109.md"),
    directions: Directions::CHANGING_SCHEMA,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, s) in ctx.statements.iter().enumerate() {
        for (table, column, change) in s.columns_added_to_existing() {
            let Some(reason) = rewrites::add_column_rewrite(column, ctx.target.version) else {
                continue;
            };
            let may = match column.default.as_ref().map(|d| d.volatility) {
                Some(Volatility::Unknown) if column.generated == Generated::No => "may rewrite",
                _ => "rewrites",
            };
            out.push(
                Diagnostic::at_change(Code::RS109, i, s, change,
                    format!(
                        "ADD COLUMN {} {may} every row of {table} while it holds an ACCESS EXCLUSIVE lock ({reason}): \
                         reads and writes wait for the whole rewrite",
                        column.name
                    ),
                )
                .help(help(table, column, ctx.target.version)),
            );
        }
    }
}

fn help(table: &str, column: &ColumnSpec, pg: u32) -> String {
    let name = &column.name;
    let ty = &column.type_name;
    let backfill = format!(
        "then backfill existing rows in batches (`UPDATE {table} SET {name} = ... WHERE id BETWEEN ...`)"
    );
    match column.generated {
        Generated::Stored if pg >= 18 => format!(
            "Use a VIRTUAL generated column (`ADD COLUMN {name} {ty} GENERATED ALWAYS AS (...) VIRTUAL`, PostgreSQL \
             18+), which computes on read and rewrites nothing; or add a plain nullable column kept in sync by a \
             trigger, {backfill}."
        ),
        Generated::Stored => format!(
            "Add a plain nullable column `ADD COLUMN {name} {ty}` kept in sync by a trigger, {backfill}."
        ),
        Generated::Identity => identity_help(table, name, &backfill),
        _ if column.is_serial() => identity_help(table, name, &backfill),
        _ if pg < 11 => format!(
            "Before PostgreSQL 11 any default is written into every row: `ADD COLUMN {name} {ty}` without a default, \
             then `ALTER TABLE {table} ALTER COLUMN {name} SET DEFAULT ...` (new rows only), {backfill}."
        ),
        _ => {
            let f = column
                .default
                .as_ref()
                .and_then(|d| d.function.clone())
                .unwrap_or_else(|| "the default".into());
            format!(
                "`ADD COLUMN {name} {ty}` without the default, then `ALTER TABLE {table} ALTER COLUMN {name} SET \
                 DEFAULT {f}(...)` (applies to new rows only, no rewrite), {backfill}. A constant or STABLE default \
                 such as now() needs no rewrite on PostgreSQL 11+."
            )
        }
    }
}

fn identity_help(table: &str, name: &str, backfill: &str) -> String {
    format!(
        "Add it as a plain nullable bigint column, create a sequence and `ALTER TABLE {table} ALTER COLUMN {name} SET \
         DEFAULT nextval('...')` (new rows only), {backfill}; make it NOT NULL the safe way (RS107)."
    )
}
