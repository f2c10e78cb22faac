use super::{Check, Code, Context, Diagnostic, Directions, Family, Rule};
use crate::analyze::{Change, ObjectKind, Phase, StatementFacts};
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS008,
    name: "index-drop",
    family: Family::Contract,
    severity: Severity::Warning,
    doc: include_str!("../../rules/RS008.md"),
    // A down migration drops what its up created: that is its job.
    directions: Directions::FORWARD,
    check: Check::Migration(check),
};

/// The indexes a statement drops, when the drop is not itself a contract step (a known-unique
/// index is, and RS001 reports it).
pub fn dropped_indexes(s: &StatementFacts) -> Option<&[String]> {
    s.changes.iter().find_map(|c| match c {
        Change::Drop {
            object: ObjectKind::Index,
            names,
            ..
        } => Some(names.as_slice()),
        _ => None,
    })
}

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    // With `approve-index-drops`, RS001 asks for an approval instead.
    if ctx.config.contract.approve_index_drops {
        return;
    }
    for (i, s) in ctx.statements.iter().enumerate() {
        let Some(names) = dropped_indexes(s) else {
            continue;
        };
        if s.phase == Phase::Contract || s.acts_only_on_new() {
            continue;
        }
        out.push(
            Diagnostic::at_statement(
                Code::RS008,
                i,
                s,
                format!(
                    "DROP INDEX {} loses no data and breaks nothing the running version does, but the queries \
                     that used the index get slower (sequential scans, sorts) as soon as it is gone",
                    names.join(", ")
                ),
            )
            .help(
                "Check that no query still uses it (`pg_stat_user_indexes.idx_scan` stays flat over a full \
                 business cycle) before dropping it; keep its CREATE INDEX CONCURRENTLY at hand to rebuild it. \
                 Set `approve-index-drops = true` under `[contract]` to require a contract approval instead.",
            ),
        );
    }
}
