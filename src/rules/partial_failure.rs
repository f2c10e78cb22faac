//! Re-run safety, shared by the idempotency rules (RS201-RS204): which statements stay applied
//! when a later statement of the same migration fails.

use super::Context;
use crate::analyze::transaction::Scope;
use crate::analyze::{Change, StatementFacts};
use crate::discover::Direction;

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
