use super::rs301_non_transactional_in_transaction::{Scope, scopes};
use super::{Code, Context, Diagnostic, Family, Rule};
use crate::analyze::{Change, ObjectKind, StatementFacts};
use crate::config::Severity;
use crate::discover::Direction;

pub const RULE: Rule = Rule {
    code: Code::RS201,
    name: "create-without-if-not-exists",
    family: Family::Idempotency,
    severity: Severity::Info,
    doc: include_str!("../../rules/RS201.md"),
    check,
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for_partial_failure(ctx, |i, s| {
        for change in &s.changes {
            if let Some((what, fix)) = fix(change, s, ctx.pg_version) {
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

pub(super) const NOT_ATOMIC: &str = "fails when the migration runs again: it is not one transaction, so if a later statement fails, this one \
     stays applied";

/// Calls `f` for every statement of an up migration that stays applied when a later statement of
/// the same migration fails: re-running the migration then runs it a second time. A migration
/// that runs as one transaction rolls back as a whole, so re-run safety does not matter there.
/// Repeatable migrations are RS205's business; down migrations are not re-run to recover.
pub(super) fn for_partial_failure(ctx: &Context, mut f: impl FnMut(usize, &StatementFacts)) {
    if ctx.unit.direction != Direction::Up {
        return;
    }
    let scopes = scopes(ctx);
    let can_fail = |s: &StatementFacts| {
        !s.is_psql_meta()
            && (s.syntax_error.is_some()
                || s.changes
                    .iter()
                    .any(|c| !matches!(c, Change::Transaction(_) | Change::Comment { .. })))
    };
    for (i, s) in ctx.statements.iter().enumerate() {
        let later_failure = ctx
            .statements
            .iter()
            .enumerate()
            .skip(i + 1)
            .any(|(j, t)| can_fail(t) && (scopes[i] == Scope::None || scopes[j] != scopes[i]));
        if later_failure && !s.idempotent {
            f(i, s);
        }
    }
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
            ..
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
