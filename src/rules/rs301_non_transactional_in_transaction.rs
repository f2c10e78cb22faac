use super::{Code, Context, Diagnostic, Family, Check, Rule};
use crate::analyze::{Change, StatementFacts, TxControl};
use crate::config::Severity;
use crate::discover::Layout;

pub const RULE: Rule = Rule {
    code: Code::RS301,
    name: "non-transactional-in-transaction",
    family: Family::Transaction,
    severity: Severity::Error,
    doc: include_str!("../../rules/RS301.md"),
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let scopes = scopes(ctx);
    for (i, s) in ctx.statements.iter().enumerate() {
        if s.transactional {
            continue;
        }
        let what = s
            .non_transactional_reason
            .unwrap_or("this statement cannot run inside a transaction block");
        let (message, help) = match scopes[i] {
            Scope::Tool => (
                format!(
                    "{what}, but this migration runs inside a transaction ({})",
                    ctx.unit.transaction.reason
                ),
                format!(
                    "Move `{}` to a migration of its own and turn the transaction off for that migration{}; \
                     keep everything else in a transactional migration.",
                    s.kind,
                    opt_out(ctx.unit.layout)
                ),
            ),
            Scope::Explicit(begin) => (
                format!(
                    "{what}, but it sits inside the BEGIN at line {}",
                    ctx.statements[begin].start.line
                ),
                format!(
                    "Run `{}` outside BEGIN ... COMMIT: commit before it, or move it to a migration of its own.",
                    s.kind
                ),
            ),
            // Multi-statement query strings are RS302's business.
            Scope::Implicit(_) | Scope::None => continue,
        };
        out.push(Diagnostic::at_statement(Code::RS301, i, s, message).help(help));
    }
}

/// How the migration tool lets a migration run without its transaction.
fn opt_out(layout: Layout) -> &'static str {
    match layout {
        Layout::Sqlx => " (first line `-- no-transaction`)",
        Layout::Diesel => " (`run_in_transaction = false` in its metadata.toml)",
        Layout::Goose => " (`-- +goose NO TRANSACTION` at the top of the file)",
        Layout::Dbmate => " (`-- migrate:up transaction:false`)",
        Layout::Liquibase => " (`runInTransaction:false` on the changeset)",
        Layout::Plain => {
            " (`plain-in-transaction = false` in rollsafe.toml if your runner does not wrap files)"
        }
        _ => "",
    }
}

/// The transaction a statement runs in, as PostgreSQL sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scope {
    /// On its own: committed as soon as it succeeds.
    None,
    /// The transaction the migration tool opens around the whole unit.
    Tool,
    /// Inside `BEGIN ... COMMIT` written in the file; the index of the `BEGIN`.
    Explicit(usize),
    /// Part of a multi-statement query string that PostgreSQL runs as one implicit transaction
    /// block; the index of the block's first statement.
    Implicit(usize),
}

impl Scope {
    pub(super) fn in_transaction(self) -> bool {
        self != Scope::None
    }
}

/// When the tool opens no transaction itself but hands the whole unit to PostgreSQL as one query
/// string, PostgreSQL runs a multi-statement string as one implicit transaction block: how
/// that tool does it, for messages.
pub(super) fn one_query_string(layout: Layout) -> Option<&'static str> {
    if !layout.sends_unit_as_one_query() {
        return None;
    }
    Some(match layout {
        Layout::GolangMigrate => "golang-migrate sends the whole file as one query string",
        Layout::Dbmate => "dbmate sends the whole migration as one query string",
        Layout::Sqlx => "sqlx sends a `-- no-transaction` migration as one query string",
        Layout::Diesel => {
            "diesel runs a migration without a transaction as one batch (one query string)"
        }
        Layout::Prisma => "Prisma sends the migration script as one query string",
        _ => "the migration tool sends the whole migration as one query string",
    })
}

pub(super) fn tx_control(s: &StatementFacts) -> Option<TxControl> {
    s.changes.iter().find_map(|c| match c {
        Change::Transaction(t) => Some(*t),
        _ => None,
    })
}

/// Ends the transaction block it runs in.
pub(super) fn ends_block(t: TxControl) -> bool {
    matches!(
        t,
        TxControl::Commit | TxControl::Rollback | TxControl::PrepareTransaction
    )
}

/// Flyway (PostgreSQL) detects statements that cannot run in a transaction, such as
/// `CREATE INDEX CONCURRENTLY`, and then runs the migration without its transaction; a
/// migration that mixes them with transactional statements is refused unless `mixed = true`.
pub(super) fn flyway_non_transactional(ctx: &Context) -> bool {
    ctx.unit.layout == Layout::Flyway && ctx.statements.iter().any(|s| !s.transactional)
}

/// Whether the migration tool runs this unit inside a transaction of its own.
pub(super) fn tool_wraps(ctx: &Context) -> bool {
    ctx.unit.transaction.wrapped && !flyway_non_transactional(ctx)
}

/// The transaction each statement of the unit runs in.
pub(super) fn scopes(ctx: &Context) -> Vec<Scope> {
    if tool_wraps(ctx) {
        return vec![Scope::Tool; ctx.statements.len()];
    }
    let sql_statements = ctx.statements.iter().filter(|s| !s.is_psql_meta()).count();
    let implicit = one_query_string(ctx.unit.layout).is_some() && sql_statements > 1;
    let mut explicit: Option<usize> = None;
    let mut implicit_start: Option<usize> = None;
    let mut out = Vec::with_capacity(ctx.statements.len());
    for (i, s) in ctx.statements.iter().enumerate() {
        let control = tx_control(s);
        if control == Some(TxControl::Begin) && explicit.is_none() {
            explicit = Some(i);
        }
        let scope = match explicit {
            Some(begin) => Scope::Explicit(begin),
            None if implicit => Scope::Implicit(*implicit_start.get_or_insert(i)),
            None => Scope::None,
        };
        out.push(scope);
        if control.is_some_and(ends_block) {
            explicit = None;
            implicit_start = None;
        }
    }
    out
}
