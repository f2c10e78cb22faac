use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::analyze::Generated;
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS114,
    name: "add-not-null-column-without-default",
    family: Family::Lock,
    severity: Severity::Error,
    doc: include_str!("../../rules/RS114.md"),
    directions: Directions::CHANGING_SCHEMA,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, s) in ctx.statements.iter().enumerate() {
        for (table, column, change) in s.columns_added_to_existing() {
            let has_default = column.default.as_ref().is_some_and(|d| !d.is_null);
            // Identity, generated and serial columns fill existing rows themselves.
            if !column.not_null
                || has_default
                || column.generated != Generated::No
                || column.is_serial()
            {
                continue;
            }
            let name = &column.name;
            let ty = &column.type_name;
            let default_note = if ctx.target.version >= 11 {
                " (PostgreSQL 11+ stores a constant default without rewriting the table)"
            } else {
                " (before PostgreSQL 11 this rewrites the table, see RS109)"
            };
            out.push(
                Diagnostic::at_change(Code::RS114, i, s, change,
                    format!(
                        "ADD COLUMN {name} {ty} NOT NULL without a DEFAULT fails on {table} as soon as the table has \
                         a row: existing rows would get NULL"
                    ),
                )
                .help(format!(
                    "Give it a constant default: `ALTER TABLE {table} ADD COLUMN {name} {ty} NOT NULL DEFAULT \
                     ...;`{default_note}; or add it nullable, backfill it in batches, and make it NOT NULL the safe \
                     way (RS107)."
                )),
            );
        }
    }
}
