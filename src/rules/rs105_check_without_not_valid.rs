use crate::analyze::schema::default_name;
use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::analyze::{AddedConstraint, ConstraintKind};
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS105,
    name: "check-without-not-valid",
    family: Family::Lock,
    severity: Severity::Error,
    doc: include_str!("../../rules/RS105.md"),
    directions: Directions::CHANGING_SCHEMA,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, s) in ctx.statements.iter().enumerate() {
        for AddedConstraint { table, constraint: c, column, change } in s.constraints_added_to_existing() {
            if c.kind != ConstraintKind::Check || c.not_valid {
                continue;
            }
            let name = c
                .name
                .clone()
                .unwrap_or_else(|| default_name(table, &c.columns, "check"));
            let add =
                format!("ALTER TABLE {table} ADD CONSTRAINT {name} CHECK (...) NOT VALID;");
            let validate = format!("ALTER TABLE {table} VALIDATE CONSTRAINT {name};");
            let help = match column {
                Some(col) => format!(
                    "Add the column {col} without the CHECK, then `{add}`, and `{validate}` in a separate \
                     transaction (a later migration): VALIDATE lets reads and writes through."
                ),
                None => format!(
                    "Use `{add}` (new and updated rows are checked at once), then `{validate}` in a separate \
                     transaction (a later migration): VALIDATE lets reads and writes through."
                ),
            };
            out.push(
                Diagnostic::at_change(Code::RS105, i, s, change,
                    format!(
                        "adding CHECK constraint {name} on {table} without NOT VALID checks every existing row \
                         while it holds an ACCESS EXCLUSIVE lock: reads and writes wait for the whole scan"
                    ),
                )
                .help(help),
            );
        }
    }
}
