use crate::analyze::schema::default_name;
use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::analyze::{AddedConstraint, ConstraintKind};
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS106,
    name: "unique-constraint-builds-index",
    family: Family::Lock,
    severity: Severity::Error,
    doc: include_str!("../../rules/RS106.md"),
    directions: Directions::CHANGING_SCHEMA,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, s) in ctx.statements.iter().enumerate() {
        for AddedConstraint { table, constraint: c, change, .. } in s.constraints_added_to_existing() {
            if c.using_index.is_some() {
                continue;
            }
            let cols = c.columns.join(", ");
            let help = match c.kind {
                ConstraintKind::PrimaryKey | ConstraintKind::Unique => {
                    let (kind, suffix) = if c.kind == ConstraintKind::PrimaryKey {
                        ("PRIMARY KEY", "pkey")
                    } else {
                        ("UNIQUE", "key")
                    };
                    let name = c.name.clone().unwrap_or_else(|| default_name(table, &c.columns, suffix));
                    let not_null = if c.kind == ConstraintKind::PrimaryKey {
                        " The key columns must already be NOT NULL, or ADD PRIMARY KEY scans for NULLs under the \
                         lock (see RS107)."
                    } else {
                        ""
                    };
                    format!(
                        "Build the index first without blocking: `CREATE UNIQUE INDEX CONCURRENTLY {name} ON \
                         {table} ({cols});` (in a migration that does not run in a transaction), then `ALTER \
                         TABLE {table} ADD CONSTRAINT {name} {kind} USING INDEX {name};`, which only takes a \
                         brief lock.{not_null}"
                    )
                }
                ConstraintKind::Exclusion => "An EXCLUDE constraint cannot be attached to a prebuilt index: add \
                                              it in a maintenance window, or create it on a new table and move \
                                              the data there."
                    .to_string(),
                _ => continue,
            };
            out.push(
                Diagnostic::at_change(Code::RS106, i, s, change,
                    format!(
                        "adding {} ({cols}) on {table} builds its index while it holds an ACCESS EXCLUSIVE \
                         lock: reads and writes wait for the whole build",
                        c.kind.name()
                    ),
                )
                .help(help),
            );
        }
    }
}
