use super::contract::{self, Approval};
use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::analyze::procedural::InnerStatement;
use crate::analyze::{Change, Phase, StatementFacts, phase};
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
    for d in diffs.iter().filter(|d| d.drops_existing) {
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
        .filter(|i| i.changes.iter().any(is_contract))
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
        out.push((describe_own(s, &own), s.span));
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

fn is_contract(c: &Change) -> bool {
    phase::change_phase(c).0 == Phase::Contract
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
        Change::AlterTable { table, cmd } => Some(format!("{} on {table}", cmd.describe())),
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
    let destructive = inner.changes.iter().any(|c| phase::change_phase(c).1);
    let verb = if destructive {
        "destructive"
    } else {
        "backward-incompatible"
    };
    let place = match inner {
        InnerStatement { via: Some(via), .. } => format!(" in {via}, run by this {}", s.kind),
        _ => format!(" inside this {}", s.kind),
    };
    match inner.changes.iter().find_map(detail) {
        Some(d) => format!("{verb} change ({d}){place}"),
        None => format!("{verb} {}{place}", inner.kind),
    }
}
