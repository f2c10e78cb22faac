use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::analyze::{AddedConstraint, ConstraintKind};
use crate::analyze::schema::default_name;
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS104,
    name: "foreign-key-without-not-valid",
    family: Family::Lock,
    severity: Severity::Error,
    doc: include_str!("../../rules/RS104.md"),
    directions: Directions::CHANGING_SCHEMA,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, s) in ctx.statements.iter().enumerate() {
        for AddedConstraint { table, constraint: c, column, change } in s.constraints_added_to_existing() {
            if c.kind != ConstraintKind::ForeignKey || c.not_valid {
                continue;
            }
            let referenced = c.references.as_deref().unwrap_or("the referenced table");
            let cols = c.columns.join(", ");
            let name = c
                .name
                .clone()
                .unwrap_or_else(|| default_name(table, &c.columns, "fkey"));
            let add = format!(
                "ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({cols}) REFERENCES {referenced} NOT VALID;"
            );
            let validate = format!("ALTER TABLE {table} VALIDATE CONSTRAINT {name};");
            let help = match column {
                Some(col) => format!(
                    "Add the column {col} without REFERENCES, then `{add}`, and `{validate}` in a separate \
                     transaction (a later migration): VALIDATE lets reads and writes through."
                ),
                None => format!(
                    "Use `{add}`, then `{validate}` in a separate transaction (a later migration): VALIDATE \
                     lets reads and writes through while it checks the rows."
                ),
            };
            out.push(
                Diagnostic::at_change(Code::RS104, i, s, change,
                    format!(
                        "adding FOREIGN KEY ({cols}) on {table} without NOT VALID checks every existing row \
                         while it holds SHARE ROW EXCLUSIVE locks on {table} and {referenced}: writes to both \
                         tables wait for the whole check"
                    ),
                )
                .help(help),
            );
        }
    }
}
