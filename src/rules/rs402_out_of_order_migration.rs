//! RS402 needs the diff base (`check --diff-base REF`): it runs across the set.

use std::collections::HashMap;

use super::{Check, Code, Diagnostic, Family, Rule, SetContext, Directions};
use crate::config::Severity;
use crate::discover::order::{is_versioned_up, version_scope};
use crate::discover::{Migration, UnitChange};

/// Whether the unit is new in this change (with a diff base).
fn added(m: &Migration) -> bool {
    m.change.is_some_and(|c| c.unit == UnitChange::Added)
}

pub const RULE: Rule = Rule {
    code: Code::RS402,
    name: "out-of-order-migration",
    family: Family::Rollback,
    severity: Severity::Error,
    doc: include_str!("../../rules/RS402.md"),
    directions: Directions::ALL,
    check: Check::Set(check_set),
};

pub fn check_set(ctx: &SetContext, out: &mut [Vec<Diagnostic>]) {
    let Some(base) = ctx.diff_base else { return };
    // Per migration folder: the last unit (in application order) that already existed.
    let mut newest_existing = HashMap::new();
    for (index, unit) in ctx.units.iter().enumerate() {
        if !is_versioned_up(&unit.migration) || added(&unit.migration) {
            continue;
        }
        if let Some(group) = version_scope(&unit.migration) {
            newest_existing.insert(group, index);
        }
    }
    for (index, unit) in ctx.units.iter().enumerate() {
        let m = &unit.migration;
        if !is_versioned_up(m) || !added(m) {
            continue;
        }
        let Some(group) = version_scope(m) else {
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
        let d = Diagnostic::about_unit(
            Code::RS402,
            format!(
                "new migration {} (version {}) sorts before {} (version {}), which already existed at {}: databases \
                 that already applied {} skip or refuse this one, while new databases run it first",
                m.name,
                m.version.as_deref().unwrap_or("?"),
                existing.migration.name,
                existing.migration.version.as_deref().unwrap_or("?"),
                base.reference,
                existing.migration.name,
            ),
        )
        .help("Rename the migration so its version sorts after every migration already merged (e.g. a new timestamp).");
        if let Some(slot) = out.get_mut(index) {
            slot.push(d);
        }
    }
}
