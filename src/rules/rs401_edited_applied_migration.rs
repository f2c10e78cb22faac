//! RS401 needs the diff base (`check --diff-base REF`): it runs across the set.

use super::{Check, Code, Diagnostic, Family, Rule, SetContext, Directions};
use crate::config::Severity;
use crate::discover::{Direction, UnitChange};
use crate::source::Span;

pub const RULE: Rule = Rule {
    code: Code::RS401,
    name: "edited-applied-migration",
    family: Family::Rollback,
    severity: Severity::Error,
    doc: include_str!("../../rules/RS401.md"),
    directions: Directions::ALL,
    check: Check::Set(check_set),
};

pub fn check_set(ctx: &SetContext, out: &mut [Vec<Diagnostic>]) {
    let Some(base) = ctx.diff_base else { return };
    for (index, unit) in ctx.units.iter().enumerate() {
        let m = &unit.migration;
        // Repeatable migrations (Flyway `R__`) are meant to be edited; a down migration has not
        // run on the databases the up ran on.
        if m.direction != Direction::Up {
            continue;
        }
        let Some(UnitChange::Modified { first_difference }) = m.change.map(|c| c.unit) else {
            continue;
        };
        // Point at the statement holding the first changed byte (or the next one).
        let hit = unit
            .statements
            .iter()
            .position(|s| s.span.end > first_difference)
            .or_else(|| unit.statements.len().checked_sub(1));
        let (span, statement) = match hit {
            Some(i) => (unit.statements[i].span, Some(i)),
            None => (Span::new(first_difference, first_difference), None),
        };
        let line = m.source.line_col(first_difference).line;
        let mut d = Diagnostic::new(
            Code::RS401,
            span,
            format!(
                "{} already existed at {} (merge base {}) and was edited (first change at line {line}): databases that \
                 already applied it never run the new text, and tools that checksum applied migrations refuse to run",
                m.name,
                base.reference,
                base.short_commit()
            ),
        )
        .help("Revert the edit to this migration and put the change in a new migration with a later version.");
        d.statement = statement;
        if let Some(slot) = out.get_mut(index) {
            slot.push(d);
        }
    }
}
