use super::contract::{self, Approval};
use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::analyze::{Change, Phase, StatementFacts};
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
        let index_drop = ctx.config.contract.approve_index_drops
            && super::rs008_index_drop::dropped_indexes(s).is_some();
        if (s.phase != Phase::Contract && !index_drop) || s.acts_only_on_new() {
            continue;
        }
        let mut contracts = ctx.markers_for(i).filter(|m| contract::is_contract(m)).peekable();
        // An incomplete or not-yet-due approval is reported by RS004 / RS003 instead.
        if contracts.peek().is_some()
            && contracts.all(|m| approval_blocks(contract::approval(m, &ctx.config.contract, ctx.today)))
        {
            continue;
        }
        let what = describe(s);
        out.push(
            Diagnostic::at_statement(
                Code::RS001,
                i,
                s,
                format!("{what} without an approved contract marker"),
            )
            .help(
                "Ship the expand step and the code that stops using it first; then approve this statement with \
                 `-- rollsafe:contract approved-by=NAME ticket=ID after=YYYY-MM-DD` on the line before it.",
            ),
        );
    }
}

fn approval_blocks(a: Approval) -> bool {
    !matches!(a, Approval::Approved)
}

fn describe(s: &StatementFacts) -> String {
    let verb = if s.destructive { "destructive" } else { "backward-incompatible" };
    let detail = |c: &Change| match c {
        Change::Drop { object, names, .. } => Some(format!("drops {} {}", object.name(), names.join(", "))),
        Change::Rename { object, from, to, .. } => Some(format!("renames {} {from} to {to}", object.name())),
        Change::Truncate { tables } => Some(format!("truncates {}", tables.join(", "))),
        Change::AlterTable { table, cmd } => Some(format!("{} on {table}", cmd.describe())),
        _ => None,
    };
    // The actions that make it contract, not the first action of a multi-action ALTER TABLE.
    let deciding: Vec<String> = s
        .changes
        .iter()
        .zip(&s.change_phases)
        .filter(|(_, (p, _))| *p == Phase::Contract)
        .filter_map(|(c, _)| detail(c))
        .collect();
    // What CASCADE drops besides: counted and named, it is part of what is approved.
    let cascade = if s.cascade.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = s.cascade.iter().map(ToString::to_string).collect();
        format!(
            ", and through CASCADE {} more: {}",
            s.cascade.len(),
            names.join(", ")
        )
    };
    if !deciding.is_empty() {
        return format!("{verb} change ({}{cascade})", deciding.join("; "));
    }
    match s.changes.iter().find_map(detail) {
        Some(d) => format!("{verb} change ({d}{cascade})"),
        None => format!("{verb} {}", s.kind),
    }
}
