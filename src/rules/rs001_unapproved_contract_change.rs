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
        if s.phase != Phase::Contract || s.acts_only_on_new() {
            continue;
        }
        let mut contracts = ctx.markers_for(i).filter(|m| contract::is_contract(m)).peekable();
        // An incomplete or not-yet-due approval is reported by RS004 / RS003 instead.
        if contracts.peek().is_some()
            && contracts.all(|m| approval_blocks(contract::approval(m, &ctx.config.contract, &ctx.unit.source.path, ctx.today)))
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
    let detail = s.changes.iter().find_map(|c| match c {
        Change::Drop { object, names, .. } => Some(format!("drops {} {}", object.name(), names.join(", "))),
        Change::Rename { object, from, to, .. } => Some(format!("renames {} {from} to {to}", object.name())),
        Change::Truncate { tables } => Some(format!("truncates {}", tables.join(", "))),
        Change::AlterTable { table, cmd } => Some(format!("{} on {table}", cmd.describe())),
        _ => None,
    });
    match detail {
        Some(d) => format!("{verb} change ({d})"),
        None => format!("{verb} {}", s.kind),
    }
}
