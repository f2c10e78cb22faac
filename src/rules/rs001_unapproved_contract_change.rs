use super::contract::{self, Approval};
use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::analyze::procedural::InnerStatement;
use crate::analyze::snapshot::DownDiff;
use crate::analyze::{Change, Phase, StatementFacts, TableCmd};
use crate::discover::Direction;
use crate::source::Span;
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS001,
    name: "unapproved-contract-change",
    family: Family::Contract,
    severity: Severity::Error,
    doc: include_str!("../../rules/RS001.md"),
    // Everything the tool runs: ups, repeatables, sqitch verify scripts, and downs, where only
    // dropping what existed before the up (not what the up created) is a contract change.
    directions: Directions::ALL,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    if ctx.unit.direction == Direction::Down {
        check_down(ctx, out);
        return;
    }
    for (i, s) in ctx.statements.iter().enumerate() {
        let index_drop = ctx.config.contract.approve_index_drops
            && super::rs008_index_drop::dropped_indexes(s).is_some();
        if (s.phase != Phase::Contract && !index_drop) || s.acts_only_on_new() {
            continue;
        }
        let mut contracts = ctx.markers_for(i).filter(|m| contract::is_contract(m)).peekable();
        // An incomplete or not-yet-due approval is reported by RS004 / RS003 instead.
        if contracts.peek().is_some()
            && contracts.all(|m| approval_blocks(contract::approval(m, &ctx.config.contract, &ctx.unit.source.path, ctx.today)))
        {
            continue;
        }
        for (what, span) in describe(s) {
        out.push(
            Diagnostic {
                span,
                ..Diagnostic::at_statement(
                    Code::RS001,
                    i,
                    s,
                    format!("{what} without an approved contract marker"),
                )
            }
            .help(
                "Ship the expand step and the code that stops using it first; then approve this statement with \
                 `-- rollsafe:contract approved-by=NAME ticket=ID after=YYYY-MM-DD` on the line before it.",
            ),
        );
        }
    }
}

/// A down that drops what existed before its up destroys it on rollback: it needs the same
/// approval as a DROP in an up. Dropping what the up created is the down's job.
fn check_down(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(diffs) = &ctx.rollback.down_diffs else {
        return;
    };
    let gated = |d: &&DownDiff| d.drops_existing && (!d.index || ctx.config.contract.approve_index_drops);
    for d in diffs.iter().filter(gated) {
        let Some(i) = d.down_statement.filter(|&i| i < ctx.statements.len()) else {
            continue;
        };
        let s = &ctx.statements[i];
        let mut contracts = ctx.markers_for(i).filter(|m| contract::is_contract(m)).peekable();
        if contracts.peek().is_some()
            && contracts.all(|m| approval_blocks(contract::approval(m, &ctx.config.contract, &ctx.unit.source.path, ctx.today)))
        {
            continue;
        }
        out.push(
            Diagnostic::at_statement(
                Code::RS001,
                i,
                s,
                format!("destructive rollback ({}) without an approved contract marker", d.message),
            )
            .help(
                "A down that drops what existed before its up destroys it when the migration is rolled back; \
                 drop only what the up created, or approve the statement with \
                 `-- rollsafe:contract approved-by=NAME ticket=ID` on the line before it.",
            ),
        );
    }
}

fn approval_blocks(a: Approval) -> bool {
    !matches!(a, Approval::Approved)
}

/// What makes the statement a contract step, and where that is written: one finding per
/// contract statement inside a `DO` block or a called function (at the inner statement, or at
/// the call), otherwise one for the statement.
fn describe(s: &StatementFacts) -> Vec<(String, Span)> {
    let inner: Vec<&InnerStatement> = s
        .body()
        .statements
        .iter()
        .filter(|i| i.changes.iter().any(|c| phase_of(s, c).0 == Phase::Contract))
        .collect();
    // The statement's own changes with their phases (in the context the replay saw).
    let own: Vec<(&Change, Phase)> = s
        .changes
        .iter()
        .zip(
            s.change_phases
                .iter()
                .map(|(p, _)| *p)
                .chain(std::iter::repeat(Phase::Neutral)),
        )
        .filter(|(c, _)| s.inner_of(c).is_none())
        .collect();
    let mut out = Vec::new();
    if own.iter().any(|(_, p)| *p == Phase::Contract) || inner.is_empty() {
        // At the action that decides it (in a multi-action ALTER TABLE, not the first one).
        let at = own
            .iter()
            .find(|(_, p)| *p == Phase::Contract)
            .map_or(s.span, |(c, _)| s.span_of(c));
        out.push((describe_own(s, &own), at));
    }
    let mut seen: std::collections::HashSet<Span> = std::collections::HashSet::new();
    for i in inner {
        // Code reached through one call shares the call's span: one finding per place.
        if !seen.insert(i.span) {
            continue;
        }
        out.push((describe_inner(s, i), i.span));
    }
    out
}

/// The phase of one of the statement's changes as the replay decided it.
fn phase_of(s: &StatementFacts, c: &Change) -> (Phase, bool) {
    s.changes
        .iter()
        .position(|x| x == c)
        .and_then(|i| s.change_phases.get(i).copied())
        .unwrap_or((Phase::Neutral, false))
}

fn detail(c: &Change) -> Option<String> {
    match c {
        Change::Drop { object, names, .. } => {
            Some(format!("drops {} {}", object.name(), names.join(", ")))
        }
        Change::Rename {
            object, from, to, ..
        } => Some(format!("renames {} {from} to {to}", object.name())),
        Change::SetSchema {
            object,
            name,
            schema,
        } => Some(format!("moves {} {name} to schema {schema}", object.name())),
        Change::Truncate { tables } => Some(format!("truncates {}", tables.join(", "))),
        // Contract only when it reaches every row (see `phase::change_phase_in`).
        Change::Delete {
            table,
            has_where,
            every_row_unless_null,
        } if !has_where || !every_row_unless_null.is_empty() => {
            Some(format!("deletes every row of {table}"))
        }
        Change::Update {
            table,
            has_where,
            columns,
            every_row_unless_null,
        } if !has_where || !every_row_unless_null.is_empty() => Some(format!(
            "overwrites {} in every row of {table}: the values the running application stored are gone",
            if columns.is_empty() {
                "columns".to_string()
            } else {
                columns.join(", ")
            }
        )),
        Change::Grant {
            revoke: true,
            object,
            names,
        } => Some(format!(
            "revokes privileges{}: the running application's role may lose access",
            if names.is_empty() {
                String::new()
            } else {
                format!(" on {} {}", object.name(), names.join(", "))
            }
        )),
        Change::Restrict {
            restriction,
            object,
            name,
        } => Some(restriction.describe(*object, name)),
        Change::AlterTable { table, cmd } => Some(match why(cmd) {
            Some(why) => format!("{} on {table}: {why}", cmd.describe()),
            None => format!("{} on {table}", cmd.describe()),
        }),
        _ => None,
    }
}

/// Why an action that drops nothing still breaks the application version running now.
fn why(cmd: &TableCmd) -> Option<&'static str> {
    match cmd {
        TableCmd::EnableRowSecurity => Some(
            "without a policy for its role, the running application reads and writes no rows (unless it owns the table)",
        ),
        TableCmd::OwnerTo => Some(
            "the old owner, maybe the running application's role, loses the owner's rights and the privileges it held",
        ),
        TableCmd::TriggerState { stops: true, .. } => {
            Some("it no longer does on each write what the running application relies on")
        }
        TableCmd::RestartIdentity { .. } => Some(
            "the identity moves to a fixed value: the running application's next inserts can reuse keys that exist and fail",
        ),
        TableCmd::AddConstraint(c) if c.always_false => {
            Some("it refuses every row written from now on, so the running application's writes fail")
        }
        _ => None,
    }
}

/// The statement's own contract step: the actions that make it contract (not the first action
/// of a multi-action ALTER TABLE), and what CASCADE drops besides.
fn describe_own(s: &StatementFacts, own: &[(&Change, Phase)]) -> String {
    let verb = if s.destructive {
        "destructive"
    } else {
        "backward-incompatible"
    };
    let deciding: Vec<String> = own
        .iter()
        .filter(|(_, p)| *p == Phase::Contract)
        .filter_map(|(c, _)| detail(c))
        .collect();
    // What CASCADE drops besides: counted and named, it is part of what is approved.
    let cascade = if s.cascade.is_empty() {
        String::new()
    } else {
        // Named up to a readable length (a dropped schema can reach thousands of objects).
        const NAMED: usize = 10;
        let mut names: Vec<String> = s.cascade.iter().take(NAMED).map(ToString::to_string).collect();
        if s.cascade.len() > NAMED {
            names.push(format!("and {} others", s.cascade.len() - NAMED));
        }
        format!(
            ", and through CASCADE {} more: {}",
            s.cascade.len(),
            names.join(", ")
        )
    };
    if !deciding.is_empty() {
        return format!("{verb} change ({}{cascade})", deciding.join("; "));
    }
    match own.iter().find_map(|(c, _)| detail(c)) {
        Some(d) => format!("{verb} change ({d}{cascade})"),
        None => format!("{verb} {}", s.kind),
    }
}

/// A contract statement inside procedural code, named with where it runs from.
fn describe_inner(s: &StatementFacts, inner: &InnerStatement) -> String {
    let destructive = inner.changes.iter().any(|c| phase_of(s, c).1);
    let verb = if destructive {
        "destructive"
    } else {
        "backward-incompatible"
    };
    let place = match inner {
        InnerStatement { via: Some(via), .. } => format!(" in {via}, run by this {}", s.kind),
        _ => format!(" inside this {}", s.kind),
    };
    let deciding = inner
        .changes
        .iter()
        .filter(|c| phase_of(s, c).0 == Phase::Contract)
        .find_map(detail);
    match deciding.or_else(|| inner.changes.iter().find_map(detail)) {
        Some(d) => format!("{verb} change ({d}){place}"),
        None => format!("{verb} {}{place}", inner.kind),
    }
}
