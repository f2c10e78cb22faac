//! The transaction each statement runs in, as PostgreSQL sees it: the tool's own transaction,
//! an explicit `BEGIN ... COMMIT`, or the implicit transaction block of a multi-statement query
//! string. Computed once per unit in analysis; the transaction rules read it.

use super::{Change, StatementFacts, TxControl};
use crate::discover::{Layout, Migration, TransactionMode};

/// The transaction a statement runs in, as PostgreSQL sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Scope {
    /// On its own: committed as soon as it succeeds.
    #[default]
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
    pub fn in_transaction(self) -> bool {
        self != Scope::None
    }
}

pub fn tx_control(s: &StatementFacts) -> Option<TxControl> {
    s.changes.iter().find_map(|c| match c {
        Change::Transaction(t) => Some(*t),
        _ => None,
    })
}

/// Ends the transaction block it runs in.
pub fn ends_block(t: TxControl) -> bool {
    matches!(
        t,
        TxControl::Commit | TxControl::Rollback | TxControl::PrepareTransaction
    )
}

/// Flyway (PostgreSQL) detects statements that cannot run in a transaction, such as
/// `CREATE INDEX CONCURRENTLY`, and then runs the migration without its transaction; a
/// migration that mixes them with transactional statements is refused unless `mixed = true`.
pub fn flyway_non_transactional(unit: &Migration, statements: &[StatementFacts]) -> bool {
    unit.layout == Layout::Flyway && statements.iter().any(|s| !s.transactional)
}

/// Whether the migration tool runs this unit inside a transaction of its own.
pub fn tool_wraps(unit: &Migration, statements: &[StatementFacts]) -> bool {
    unit.transaction.wrapped() && !flyway_non_transactional(unit, statements)
}

/// The transaction each statement of the unit runs in.
pub fn scopes(unit: &Migration, statements: &[StatementFacts]) -> Vec<Scope> {
    if tool_wraps(unit, statements) {
        return vec![Scope::Tool; statements.len()];
    }
    let sql_statements = statements.iter().filter(|s| !s.is_psql_meta()).count();
    let implicit = unit.transaction.mode == TransactionMode::OneQueryString && sql_statements > 1;
    let mut explicit: Option<usize> = None;
    let mut implicit_start: Option<usize> = None;
    let mut out = Vec::with_capacity(statements.len());
    for (i, s) in statements.iter().enumerate() {
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
