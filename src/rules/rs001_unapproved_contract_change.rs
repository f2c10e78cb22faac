use super::contract::{self, Approval};
use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::analyze::procedural::InnerStatement;
use crate::analyze::{Change, Phase, StatementFacts, phase};
use crate::source::Span;
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS001,
    name: "unapproved-contract-change",
    family: Family::Contract,
    severity: Severity::Error,
    doc: include_str!("../../rules/RS001.md"),
    // A down migration undoes its own up: dropping what the up created is its job.
    directions: Directions::FORWARD,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, s) in ctx.statements.iter().enumerate() {
        if s.phase != Phase::Contract || s.acts_only_on_new() {
            continue;
        }
        let mut contracts = ctx.markers_for(i).filter(|m| contract::is_contract(m)).peekable();
        // An incomplete or not-yet-due approval is reported by RS004 / RS003 instead.
        if contracts.peek().is_some()
            && contracts.all(|m| approval_blocks(contract::approval(m, &ctx.config.contract, ctx.today)))
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

fn approval_blocks(a: Approval) -> bool {
    !matches!(a, Approval::Approved)
}

/// What makes the statement a contract step, and where that is written: one finding per
/// contract statement inside a `DO` block or a called function (at the inner statement, or at
/// the call), otherwise one for the statement.
fn describe(s: &StatementFacts) -> Vec<(String, Span)> {
    let inner: Vec<&InnerStatement> = s.body().statements
        .iter()
        .filter(|i| i.changes.iter().any(is_contract))
        .collect();
    let own: Vec<&Change> = s.changes.iter().filter(|c| s.inner_of(c).is_none()).collect();
    let mut out = Vec::new();
    if own.iter().any(|c| is_contract(c)) || inner.is_empty() {
        out.push((describe_changes(s, &own, None), s.span));
    }
    let mut seen: Vec<Span> = Vec::new();
    for i in inner {
        // Code reached through one call shares the call's span: one finding per place.
        if seen.contains(&i.span) {
            continue;
        }
        seen.push(i.span);
        let changes: Vec<&Change> = i.changes.iter().collect();
        out.push((describe_changes(s, &changes, Some(i)), i.span));
    }
    out
}

fn is_contract(c: &Change) -> bool {
    phase::change_phase(c).0 == Phase::Contract
}

fn describe_changes(s: &StatementFacts, changes: &[&Change], inner: Option<&InnerStatement>) -> String {
    let destructive = match inner {
        Some(_) => changes.iter().any(|c| phase::change_phase(c).1),
        None => s.destructive,
    };
    let verb = if destructive { "destructive" } else { "backward-incompatible" };
    let detail = changes.iter().find_map(|c| match c {
        Change::Drop { object, names, .. } => Some(format!("drops {} {}", object.name(), names.join(", "))),
        Change::Rename { object, from, to, .. } => Some(format!("renames {} {from} to {to}", object.name())),
        Change::Truncate { tables } => Some(format!("truncates {}", tables.join(", "))),
        Change::AlterTable { table, cmd } => Some(format!("{} on {table}", cmd.describe())),
        _ => None,
    });
    let place = match inner {
        Some(InnerStatement { via: Some(via), .. }) => format!(" in {via}, run by this {}", s.kind),
        Some(_) => format!(" inside this {}", s.kind),
        None => String::new(),
    };
    let kind = inner.map_or(s.kind.as_str(), |i| i.kind.as_str());
    match detail {
        Some(d) => format!("{verb} change ({d}){place}"),
        None => format!("{verb} {kind}{place}"),
    }
}
