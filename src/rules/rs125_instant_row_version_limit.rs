use std::collections::HashMap;

use super::{Check, Code, Diagnostic, Directions, Family, Rule, SetContext};
use crate::analyze::Change;
use crate::analyze::mysql::{Algorithm, Op};
use crate::config::Severity;
use crate::discover::Direction;
use crate::target::Dialect;

pub const RULE: Rule = Rule {
    code: Code::RS125,
    name: "instant-row-version-limit",
    family: Family::Lock,
    severity: Severity::Warning,
    doc: include_str!("../../rules/RS125.md"),
    directions: Directions::FORWARD,
    check: Check::Set(check),
};

/// MySQL doc (8.0.29+, "Online DDL Operations", Column Operations): "A maximum of 64 row
/// versions is permitted" per table; each INSTANT ADD or DROP COLUMN adds one, a rebuild
/// resets the count.
const MAX_ROW_VERSIONS: u32 = 64;

fn check(ctx: &SetContext, out: &mut [Vec<Diagnostic>]) {
    // Per folder (one database history) and table: the row versions seen so far.
    let mut versions: HashMap<(std::path::PathBuf, String), u32> = HashMap::new();
    for (u, unit) in ctx.units.iter().enumerate() {
        let target = unit.migration.target;
        if target.dialect != Dialect::Mysql
            || !target.at_least(8, 0, 29)
            || !matches!(unit.migration.direction, Direction::Up | Direction::Repeatable)
        {
            continue;
        }
        let group = unit.migration.group.clone();
        for (i, s) in unit.statements.iter().enumerate() {
            for change in &s.changes {
                if let Change::CreateTable { table, .. } = change {
                    versions.insert((group.clone(), table.clone()), 0);
                }
            }
            let Some(online) = &s.online else { continue };
            let key = (group.clone(), online.table.clone());
            if online.algorithm != Algorithm::Instant {
                // A rebuild (INPLACE or COPY) starts the table's row versions afresh.
                if matches!(online.algorithm, Algorithm::Inplace | Algorithm::Copy) {
                    versions.insert(key, 0);
                }
                continue;
            }
            let adds_version = online
                .ops
                .iter()
                .any(|op| matches!(op, Op::AddColumn { .. } | Op::DropColumn { .. }));
            if !adds_version {
                continue;
            }
            let n = versions.entry(key).or_insert(0);
            *n += 1;
            if *n > MAX_ROW_VERSIONS {
                out[u].push(
                    Diagnostic::at_statement(
                        Code::RS125,
                        i,
                        s,
                        format!(
                            "this is instant column change number {} on {} since it was created or rebuilt: MySQL allows {MAX_ROW_VERSIONS} \
                             row versions, so it rebuilds the table instead (ALGORITHM=INSTANT fails)",
                            *n, online.table
                        ),
                    )
                    .help(
                        "Rebuild the table at a quiet time first (`ALTER TABLE t FORCE` or `OPTIMIZE TABLE t`), which resets the \
                         row versions, or batch column changes into fewer statements.",
                    ),
                );
            }
        }
    }
}
