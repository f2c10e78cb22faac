//! RS403 looks across the set; it needs no diff base.

use std::collections::BTreeMap;

use super::{Check, Code, Diagnostic, Family, Rule, SetContext, Directions};
use crate::config::Severity;
use crate::discover::order::{is_versioned_up, version_key, version_scope};

pub const RULE: Rule = Rule {
    code: Code::RS403,
    name: "duplicate-version",
    family: Family::Rollback,
    severity: Severity::Error,
    doc: include_str!("../../rules/RS403.md"),
    directions: Directions::ALL,
    check: Check::Set(check_set),
};

pub fn check_set(ctx: &SetContext, out: &mut [Vec<Diagnostic>]) {
    // (layout, folder, version key) → units, in application order.
    let mut groups: BTreeMap<_, Vec<usize>> = BTreeMap::new();
    for (index, unit) in ctx.units.iter().enumerate() {
        let m = &unit.migration;
        if !is_versioned_up(m) {
            continue;
        }
        let (Some((layout, folder)), Some(version)) =
            (version_scope(m), m.version.as_deref())
        else {
            continue;
        };
        groups
            .entry((layout, folder, version_key(version)))
            .or_default()
            .push(index);
    }
    let path = |i: &usize| ctx.units.get(*i).map(|u| u.migration.source.display_path());
    for indices in groups.values().filter(|v| v.len() > 1) {
        // Sections of one file (dbmate's several up blocks, a Liquibase precondition check
        // and its changeset) are one migration: only other files make a duplicate.
        let paths: std::collections::BTreeSet<String> = indices.iter().filter_map(path).collect();
        if paths.len() < 2 {
            continue;
        }
        for &index in indices {
            let Some(unit) = ctx.units.get(index) else {
                continue;
            };
            let mine = unit.migration.source.display_path();
            let others: Vec<String> = paths.iter().filter(|p| **p != mine).cloned().collect();
            let d = Diagnostic::about_unit(
                Code::RS403,
                format!(
                    "migration {} has version {}, like {}: the tool applies only one of them, or refuses to run",
                    unit.migration.name,
                    unit.migration.version.as_deref().unwrap_or("?"),
                    others.join(", ")
                ),
            )
            .help("Give each migration its own version: rename the newer one to a version after every existing one.");
            if let Some(slot) = out.get_mut(index) {
                slot.push(d);
            }
        }
    }
}
