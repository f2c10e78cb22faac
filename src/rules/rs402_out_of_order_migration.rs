//! RS402 needs the diff base (`check --diff-base REF`): it runs across units, from
//! [`crate::changes::check_set`], not per unit.

use std::collections::HashMap;

use super::{Code, Diagnostic, Family, Rule};
use crate::changes::{self, SetContext, UnitChange};
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS402,
    name: "out-of-order-migration",
    family: Family::Rollback,
    severity: Severity::Error,
    doc: include_str!("../../rules/RS402.md"),
    check: Rule::no_check,
};

pub fn check_set(ctx: &SetContext, out: &mut [Vec<Diagnostic>]) {
    let Some(changes) = ctx.changes else { return };
    // Per migration folder: the last unit (in application order) that already existed.
    let mut newest_existing = HashMap::new();
    for (index, unit) in ctx.units.iter().enumerate() {
        if !changes::is_versioned_up(&unit.migration) || changes.status(index) == UnitChange::Added
        {
            continue;
        }
        if let Some(group) = changes::version_scope(&unit.migration) {
            newest_existing.insert(group, index);
        }
    }
    for (index, unit) in ctx.units.iter().enumerate() {
        let m = &unit.migration;
        if !changes::is_versioned_up(m) || changes.status(index) != UnitChange::Added {
            continue;
        }
        let Some(group) = changes::version_scope(m) else {
            continue;
        };
        let Some(&newest) = newest_existing.get(&group) else {
            continue;
        };
        if newest < index {
            continue;
        }
        let Some(existing) = ctx.units.get(newest) else {
            continue;
        };
        let (span, statement) = changes::unit_anchor(unit);
        let mut d = Diagnostic::new(
            Code::RS402,
            span,
            format!(
                "new migration {} (version {}) sorts before {} (version {}), which already existed at {}: databases \
                 that already applied {} skip or refuse this one, while new databases run it first",
                m.name,
                m.version.as_deref().unwrap_or("?"),
                existing.migration.name,
                existing.migration.version.as_deref().unwrap_or("?"),
                changes.base.reference,
                existing.migration.name,
            ),
        )
        .help("Rename the migration so its version sorts after every migration already merged (e.g. a new timestamp).");
        d.statement = statement;
        if let Some(slot) = out.get_mut(index) {
            slot.push(d);
        }
    }
}
