use super::partial_failure::{NOT_ATOMIC, for_partial_failure};
use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::analyze::{Change, ObjectKind, StatementFacts};
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS201,
    name: "create-without-if-not-exists",
    family: Family::Idempotency,
    severity: Severity::Info,
    doc: include_str!("../../rules/RS201.md"),
    directions: Directions::ALL,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for_partial_failure(ctx, |i, s| {
        for change in &s.changes {
            if let Some((what, fix)) = fix(change, s, ctx.target.version) {
                out.push(
                    Diagnostic::at_statement(Code::RS201, i, s, format!("{what} {}", NOT_ATOMIC))
                        .help(format!(
                            "Use `{fix}` so the migration can be run again after a partial failure."
                        )),
                );
            }
        }
    });
}

/// The idempotent form of a CREATE, if PostgreSQL has one for this kind of object.
pub(super) fn fix(change: &Change, s: &StatementFacts, pg: u32) -> Option<(String, String)> {
    match change {
        Change::CreateTable {
            table,
            if_not_exists: false,
            as_select,
            ..
        } => {
            let rest = if *as_select {
                " AS SELECT ..."
            } else {
                " (...)"
            };
            Some((
                format!("{} {table} without IF NOT EXISTS", s.kind),
                format!("CREATE TABLE IF NOT EXISTS {table}{rest}"),
            ))
        }
        Change::CreateIndex {
            index,
            table,
            concurrently,
            unique,
            if_not_exists: false,
        } => {
            let unique = if *unique { "UNIQUE " } else { "" };
            let concurrently = if *concurrently { "CONCURRENTLY " } else { "" };
            let name = index.as_deref().unwrap_or("index_name");
            Some((
                format!(
                    "CREATE {unique}INDEX {} without IF NOT EXISTS",
                    index.as_deref().unwrap_or("(unnamed)")
                ),
                format!("CREATE {unique}INDEX {concurrently}IF NOT EXISTS {name} ON {table} (...)"),
            ))
        }
        Change::Create {
            object,
            name,
            if_not_exists: false,
            or_replace: false,
            ..
        } => {
            let label = s.kind.trim_start_matches("CREATE ");
            let fix = match object {
                ObjectKind::Sequence
                | ObjectKind::Schema
                | ObjectKind::Extension
                | ObjectKind::MaterializedView
                | ObjectKind::ForeignTable => format!("CREATE {label} IF NOT EXISTS {name} ..."),
                ObjectKind::View
                | ObjectKind::Function
                | ObjectKind::Procedure
                | ObjectKind::Rule => {
                    format!("CREATE OR REPLACE {label} {name} ...")
                }
                ObjectKind::Trigger if pg >= 14 => format!("CREATE OR REPLACE TRIGGER {name} ..."),
                ObjectKind::Aggregate if pg >= 12 => {
                    format!("CREATE OR REPLACE AGGREGATE {name} ...")
                }
                _ => return None,
            };
            let missing = if fix.contains("OR REPLACE") {
                "OR REPLACE"
            } else {
                "IF NOT EXISTS"
            };
            Some((format!("{} {name} without {missing}", s.kind), fix))
        }
        _ => None,
    }
}
