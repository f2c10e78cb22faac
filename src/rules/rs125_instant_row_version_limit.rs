use super::{Check, Code, Context, Diagnostic, Directions, Family, Rule};
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS125,
    name: "instant-row-version-limit",
    family: Family::Lock,
    severity: Severity::Warning,
    doc: include_str!("../../rules/RS125.md"),
    directions: Directions::FORWARD,
    check: Check::Migration(check),
};

/// MySQL doc (8.0.29+, "Online DDL Operations", Column Operations): "A maximum of 64 row
/// versions is permitted" per table; each INSTANT ADD or DROP COLUMN adds one, a rebuild
/// resets the count.
const MAX_ROW_VERSIONS: u32 = 64;

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, s) in ctx.statements.iter().enumerate() {
        let Some(online) = &s.online else { continue };
        let Some(n) = online.row_versions.filter(|n| *n > MAX_ROW_VERSIONS) else {
            continue;
        };
        out.push(
            Diagnostic::at_statement(
                Code::RS125,
                i,
                s,
                format!(
                    "this is instant column change number {n} on {} since it was created or rebuilt: MySQL allows {MAX_ROW_VERSIONS} \
                     row versions, so it rebuilds the table instead (ALGORITHM=INSTANT fails)",
                    online.table
                ),
            )
            .help(
                "Rebuild the table at a quiet time first (`ALTER TABLE t FORCE` or `OPTIMIZE TABLE t`), which resets the \
                 row versions, or batch column changes into fewer statements.",
            ),
        );
    }
}
