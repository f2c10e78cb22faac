//! Re-run safety, shared by the idempotency rules (RS201-RS205): which statements stay applied
//! when a later statement of the same migration fails, and the re-runnable forms of statements.

use super::{Code, Context, Diagnostic};
use crate::analyze::transaction::Scope;
use crate::analyze::{Change, ObjectKind, StatementFacts, TableCmd};
use crate::discover::Direction;

const NOT_ATOMIC: &str = "fails when the migration runs again: it is not one transaction, so if a later statement fails, this one \
     stays applied";

/// Calls `f` for every statement of an up migration that stays applied when a later statement of
/// the same migration fails: re-running the migration then runs it a second time. A migration
/// that runs as one transaction rolls back as a whole, so re-run safety does not matter there.
/// Repeatable migrations are RS205's business; down migrations are not re-run to recover.
pub(super) fn for_partial_failure(ctx: &Context, mut f: impl FnMut(usize, &StatementFacts)) {
    if ctx.unit.direction != Direction::Up {
        return;
    }
    let can_fail = |s: &StatementFacts| {
        !s.is_psql_meta()
            && (s.syntax_error.is_some()
                || s.changes
                    .iter()
                    .any(|c| !matches!(c, Change::Transaction(_) | Change::Comment { .. })))
    };
    // Walk backwards keeping up to two distinct scopes of the later statements that can fail:
    // "a later failure outside my transaction" is then a constant-time question, so the pass
    // stays linear in statements.
    let mut later: Vec<(usize, &StatementFacts)> = Vec::new();
    let mut failing_scopes: [Option<Scope>; 2] = [None, None];
    for (i, s) in ctx.statements.iter().enumerate().rev() {
        let later_failure = match failing_scopes {
            [None, _] => false,
            [Some(_), _] if s.scope == Scope::None => true,
            [Some(a), None] => a != s.scope,
            [Some(_), Some(_)] => true,
        };
        if later_failure && !s.idempotent {
            later.push((i, s));
        }
        if can_fail(s) {
            match failing_scopes {
                [None, _] => failing_scopes[0] = Some(s.scope),
                [Some(a), None] if a != s.scope => failing_scopes[1] = Some(s.scope),
                _ => {}
            }
        }
    }
    for (i, s) in later.into_iter().rev() {
        f(i, s);
    }
}

/// The one check of RS201-RS204: every change of a statement that stays applied on a partial
/// failure and has a re-runnable form (`fix` gives what is wrong and that form) is a finding.
pub(super) fn check_rerunnable(
    ctx: &Context,
    out: &mut Vec<Diagnostic>,
    code: Code,
    fix: impl Fn(&Change, &StatementFacts) -> Option<(String, String)>,
    message: impl Fn(&str) -> String,
) {
    for_partial_failure(ctx, |i, s| {
        for change in &s.changes {
            if let Some((what, form)) = fix(change, s) {
                out.push(
                    Diagnostic {
                        span: s.span_of(change),
                        ..Diagnostic::at_statement(code, i, s, message(&what))
                    }
                    .help(format!(
                        "Use `{form}` so the migration can be run again after a partial failure."
                    )),
                );
            }
        }
    });
}

/// The message of RS201-RS203.
pub(super) fn not_atomic(what: &str) -> String {
    format!("{what} {NOT_ATOMIC}")
}

/// The idempotent form of a CREATE, if PostgreSQL has one for this kind of object.
pub(super) fn idempotent_create(
    change: &Change,
    s: &StatementFacts,
    pg: u32,
) -> Option<(String, String)> {
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
                format!("{} {table} without IF NOT EXISTS", s.kind_of(change)),
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
            let label = s.kind_of(change).trim_start_matches("CREATE ");
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
            Some((
                format!("{} {name} without {missing}", s.kind_of(change)),
                fix,
            ))
        }
        _ => None,
    }
}

/// The `IF EXISTS` form of a DROP.
pub(super) fn idempotent_drop(change: &Change, s: &StatementFacts) -> Option<(String, String)> {
    match change {
        Change::Drop {
            object,
            names,
            if_exists: false,
            concurrently,
            on_table,
            ..
        } => {
            if names.iter().all(|n| n.is_empty()) {
                return None; // DROP OWNED and friends have no IF EXISTS.
            }
            let list = names.join(", ");
            let concurrently = if *concurrently { " CONCURRENTLY" } else { "" };
            let on = match (object, on_table) {
                (ObjectKind::Trigger | ObjectKind::Policy | ObjectKind::Rule, Some(t)) => {
                    format!(" ON {t}")
                }
                _ => String::new(),
            };
            Some((
                format!("{} {list} without IF EXISTS", s.kind_of(change)),
                format!("{}{concurrently} IF EXISTS {list}{on}", s.kind_of(change)),
            ))
        }
        Change::AlterTable { table, cmd } => match cmd {
            TableCmd::DropColumn {
                column,
                if_exists: false,
            } => Some((
                format!("DROP COLUMN {column} without IF EXISTS"),
                format!("ALTER TABLE {table} DROP COLUMN IF EXISTS {column}"),
            )),
            TableCmd::DropConstraint {
                name,
                if_exists: false,
            } => Some((
                format!("DROP CONSTRAINT {name} without IF EXISTS"),
                format!("ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}"),
            )),
            _ => None,
        },
        _ => None,
    }
}

/// The `IF NOT EXISTS` form of an ADD COLUMN.
pub(super) fn idempotent_add_column(change: &Change) -> Option<(String, String)> {
    match change {
        Change::AlterTable {
            table,
            cmd:
                TableCmd::AddColumn {
                    column,
                    if_not_exists: false,
                },
        } => Some((
            format!("ADD COLUMN {} without IF NOT EXISTS", column.name),
            format!(
                "ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {} {} ...",
                column.name, column.type_name
            ),
        )),
        _ => None,
    }
}

/// The re-runnable form of an INSERT.
pub(super) fn rerunnable_insert(change: &Change) -> Option<(String, String)> {
    match change {
        Change::Insert {
            table,
            on_conflict: false,
            ..
        } => Some((
            format!("INSERT INTO {table} without ON CONFLICT"),
            format!(
                "INSERT INTO {table} ... ON CONFLICT DO NOTHING` (needs a unique index or primary key on the \
                 conflicting columns), or `INSERT INTO {table} ... SELECT ... WHERE NOT EXISTS (...)"
            ),
        )),
        _ => None,
    }
}
